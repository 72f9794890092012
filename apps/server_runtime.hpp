// What `drover server` and `drover demo` share: the LwM2M server core on a DatagramLoop (through
// the MessageTap of the event stream's CoAP log), its HTTP API on the same io_context (so the
// core is only touched from one thread), the log of every server event, and stopping on
// SIGINT/SIGTERM or after a duration.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/http/api.hpp"
#include "drover/http/http_server.hpp"
#include "drover/http/message_log.hpp"
#include "drover/server/server.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace drover::apps {

// "[HH:MM:SS.mmm] text" on stdout, flushed: the log is read live (and by tests) through a pipe.
void server_log(std::string_view text);

// One line per registration, update, de-registration, expiry, notification, Send ...
void log_server_event(const server::ServerEvent& event);

// Which server events are logged: all of them, those of the registration lifecycle (Register,
// De-register, expiry, replacement, sleeping, awake: what a fleet of a million devices can afford),
// or none.
enum class EventLog : std::uint8_t { All, Registrations, None };
std::optional<EventLog> event_log_from_string(std::string_view);

class ServerRuntime {
 public:
  static constexpr std::size_t default_max_registrations = 1000000;
  explicit ServerRuntime(boost::asio::io_context& io,
                         std::size_t max_registrations = default_max_registrations);
  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  // Each returns an exit code: 0 on success, 2 for a bad argument, 1 when a port cannot be had;
  // the reason is logged.
  int load_models(const std::vector<std::string>& directories);
  // `address` empty: every address, IPv6 and IPv4.
  int open_coap(const std::string& address, std::uint16_t port);
  int open_http(const std::string& address, std::uint16_t port);

  // Runs `on_stop` at the first SIGINT/SIGTERM (caught from this call on), or after `duration`
  // seconds when positive.
  void stop_on_signal(double duration, std::function<void()> on_stop);
  // Logs the closing summary.
  void log_stopped() const;
  void set_event_log(EventLog log) { event_log_ = log; }

  server::Server& core() { return core_; }
  coap::PeerAddress coap_address() const { return loop_.local_address(); }
  // "http://127.0.0.1:8080"
  std::string http_base_url() const;
  boost::asio::ip::tcp::endpoint http_endpoint() const { return http_.local_endpoint(); }

 private:
  boost::asio::io_context& io_;
  EventLog event_log_ = EventLog::All;
  server::Server core_;
  http::MessageTap tap_;
  transport::DatagramLoop loop_;
  http::Api api_;
  http::HttpServer http_;
  std::optional<boost::asio::signal_set> signals_;
  boost::asio::steady_timer stop_timer_;
};

}  // namespace drover::apps
