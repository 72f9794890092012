// What `drover server` and `drover demo` share: the LwM2M server core on a DatagramLoop (through
// the MessageTap of the event stream's CoAP log), its HTTP API on the same io_context (so the
// core is only touched from one thread), the log of its events and messages, and stopping on
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

#include "coap_trace.hpp"
#include "core_switch.hpp"
#include "drover/dtls/dtls_server.hpp"
#include "drover/http/api.hpp"
#include "drover/http/http_server.hpp"
#include "drover/http/message_log.hpp"
#include "drover/http/security_routes.hpp"
#include "drover/server/server.hpp"
#include "drover/store/document_store.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "security_options.hpp"
#include "server_store.hpp"

namespace drover::apps {

// One line per server event: the registration lifecycle (Register, De-register, expiry,
// replacement, sleeping, awake) at info, Updates, notifications, Sends and operations at debug.
void log_server_event(const server::ServerEvent& event);

// The HTTP server's configuration with its log lines in the process's log (component http).
http::HttpServerConfig http_server_config();

// The configuration of `drover server` for up to `max_registrations` clients, and of its socket.
server::ServerConfig server_config(std::size_t max_registrations);
transport::DatagramLoopConfig loop_config();

// What the server runtimes share. Each returns an exit code: 0 on success, 2 for a bad argument,
// 1 when a port cannot be had; the reason is logged.
// DDF files of `directories` into `registry`, with a line per directory and rejected file.
int load_models_into(const std::vector<std::string>& directories, lwm2m::ObjectRegistry& registry);
// Binds with `open`: to `address`, or (empty) to every address, IPv6 and IPv4 (0.0.0.0 where IPv6
// is off).
int open_coap_with(const std::string& address, std::uint16_t port,
                   const std::function<std::error_code(const coap::PeerAddress&)>& open);
// CoAP over DTLS beside NoSec: a DTLS server in front of `inner` (made here into `dtls`), on a
// loop of its own (`loop`) bound as open_coap_with binds, its plain face put in `front`, the core
// of the NoSec loop `plain`; both loops call `after_input` after their input.
int open_coaps_with(boost::asio::io_context& io, coap::DatagramCore& inner,
                    dtls::ServerCredentials credentials, CoreSwitch& front,
                    transport::DatagramLoop& plain, const std::string& address, std::uint16_t port,
                    const std::function<void()>& after_input,
                    std::unique_ptr<dtls::DtlsServer>& dtls,
                    std::unique_ptr<transport::DatagramLoop>& loop);
// What `dtls` (null until coaps is open; the pointer must outlive the lookup) proved about a peer,
// as the server and bootstrap cores take it.
server::SecurityLookup dtls_security_lookup(const std::unique_ptr<dtls::DtlsServer>& dtls);
// How the HTTP API and console are served: where, and with what access control.
struct HttpOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  // A file holding the API's token (its first line). Required when `address` is not loopback.
  std::string token_file;
  // HTTPS: a PEM certificate chain and its private key (both or neither).
  std::string certificate_file;
  std::string key_file;
  // Request connections in all and from one address; seconds for a request's header.
  std::size_t max_connections = http::HttpServerConfig{}.max_connections;
  std::size_t max_connections_per_address = http::HttpServerConfig{}.max_connections_per_address;
  double header_timeout = 5;
};
// The token in a token file: its first line, without surrounding spaces; nullopt (and a log line
// saying why, about `option`) when unreadable or shorter than 16 characters.
std::optional<std::string> read_token_file(const std::string& path,
                                           std::string_view option = "--api-token-file");
// Sets the page (unless `console` is false), the token and TLS as `options` ask, then listens.
// Refuses (2) an address that is not loopback without a token.
int open_http_api(http::HttpServer& http, const HttpOptions& options, bool console = true);
// "http://127.0.0.1:8080", or https://
std::string http_base_url(const http::HttpServer& http);

// The closing line: "stopped: N registrations, ...".
void log_totals(std::size_t registrations, const coap::EngineStats& stats);

// Runs `on_stop` at the first SIGINT/SIGTERM (caught from start() on), or after `duration` seconds
// when positive.
class StopSignal {
 public:
  explicit StopSignal(boost::asio::io_context& io) : io_(io), timer_(io) {}
  void start(double duration, std::function<void()> on_stop);

 private:
  boost::asio::io_context& io_;
  std::optional<boost::asio::signal_set> signals_;
  boost::asio::steady_timer timer_;
};

class ServerRuntime {
 public:
  static constexpr std::size_t default_max_registrations = 1000000;
  explicit ServerRuntime(boost::asio::io_context& io,
                         std::size_t max_registrations = default_max_registrations,
                         http::ApiConfig api = {});
  ServerRuntime(const ServerRuntime&) = delete;
  ServerRuntime& operator=(const ServerRuntime&) = delete;

  // Each returns an exit code: 0 on success, 2 for a bad argument, 1 when a port cannot be had;
  // the reason is logged.
  int load_models(const std::vector<std::string>& directories);
  // Opens the store and restores the server from it (before open_coap).
  int open_store(const StoreOptions& options);
  // `address` empty: every address, IPv6 and IPv4. Not called: no NoSec (coaps only).
  int open_coap(const std::string& address, std::uint16_t port);
  // CoAP over DTLS on options.coaps_port beside NoSec, with the credentials `options` names and
  // those the data folder kept from /api/security (after open_store); nothing when there are none
  // and options.listen is off. Registrations through it carry the DTLS identity.
  int open_coaps(const std::string& address, const ServerSecurityOptions& options);
  int open_http(const HttpOptions& options);

  // See StopSignal.
  void stop_on_signal(double duration, std::function<void()> on_stop) {
    stop_.start(duration, std::move(on_stop));
  }
  // Logs the closing summary, after the store has written everything.
  void log_stopped();

  // An event of another role of the process (the bootstrap server) to the event streams.
  void stream(const http::StreamEvent& event) { http_.on_result(std::nullopt, {event, event}); }
  // Another family of routes on the server's HTTP API (before open_http); it must outlive this.
  void add_routes(http::RouteFamily& family) { api_.add_routes(family); }
  // Also called with every server event drained (after the API has seen it).
  void set_event_sink(std::function<void(const server::ServerEvent&)> sink) {
    event_sink_ = std::move(sink);
  }
  // Flushes what the server core has to send (after a call made outside its event loop): from
  // the NoSec loop, which hands the secure face its datagrams, or the coaps one without NoSec.
  void flush_soon() { (loop_.is_open() || !coaps_loop_ ? loop_ : *coaps_loop_).flush_soon(); }
  // The data folder the store holds (null with the memory store), for other stores of the process.
  std::shared_ptr<store::DataDir> data_dir() const { return stores_.data_dir(); }

  server::Server& core() { return core_; }
  // The DTLS credentials by endpoint (/api/security), for other roles of the process.
  dtls::MemorySecurityStore& security_store() { return security_store_; }
  coap::PeerAddress coap_address() const { return loop_.local_address(); }
  std::optional<coap::PeerAddress> coaps_address() const {
    return coaps_loop_ ? std::optional(coaps_loop_->local_address()) : std::nullopt;
  }
  std::string http_base_url() const { return apps::http_base_url(http_); }
  boost::asio::ip::tcp::endpoint http_endpoint() const { return http_.local_endpoint(); }

 private:
  boost::asio::io_context& io_;
  ServerStores stores_;  // outlives the core, which writes to it
  server::Server core_;
  http::MessageTap tap_;
  CoapTrace trace_{tap_};
  CoreSwitch front_{trace_};
  transport::DatagramLoop loop_;
  http::Api api_;
  http::HttpServer http_;
  StopSignal stop_;
  // coaps: the credentials (/api/security, kept in the data folder's documents), the DTLS server
  // in front of the tap, and the loop of its socket.
  std::unique_ptr<store::DocumentStore> security_documents_;
  std::unique_ptr<DocumentTable> security_table_;
  dtls::MemorySecurityStore security_store_;
  http::SecurityRoutes security_routes_{security_store_};
  std::unique_ptr<dtls::DtlsServer> dtls_;
  std::unique_ptr<transport::DatagramLoop> coaps_loop_;

  std::function<void(const server::ServerEvent&)> event_sink_;

  void drain_events();
  // The credentials the data folder kept, after the command line's; an exit code.
  int load_stored_security();
};

}  // namespace drover::apps
