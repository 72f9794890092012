// The bootstrap server on a DatagramLoop: `drover bootstrap-server` alone (with its own HTTP API
// of configurations) and `drover server --bootstrap-port` beside the LwM2M server (its routes
// added to the server's API). Its configurations come from a JSON file and from the data folder's
// document store ("bootstrap" table), where the HTTP API's changes are kept.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bootstrap_credentials.hpp"
#include "core_switch.hpp"
#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/dtls/dtls_server.hpp"
#include "drover/http/bootstrap_routes.hpp"
#include "drover/store/document_store.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "security_options.hpp"
#include "server_store.hpp"

namespace drover::apps {

// One line per bootstrap event.
void log_bootstrap_event(const bootstrap::BootstrapEvent& event);

// The endpoint whose configuration's DM-server credentials are to be bound now, or null: they
// are bound when its session starts (or its Bootstrap-Pack is served) rather than at Finish, from
// the configuration the session runs (read then), and so in force before the device can first
// use them, which follows its answer to Bootstrap-Finish at once (a lost answer would delay the
// Finished event).
const std::string* provisioned_endpoint(const bootstrap::BootstrapEvent& event);

class BootstrapRuntime {
 public:
  explicit BootstrapRuntime(boost::asio::io_context& io);
  ~BootstrapRuntime();
  BootstrapRuntime(const BootstrapRuntime&) = delete;
  BootstrapRuntime& operator=(const BootstrapRuntime&) = delete;

  // Exit codes as ServerRuntime's: 0, 2 for a bad argument, 1 when a port or the store cannot be
  // had; the reason is logged.
  // The configurations kept in `options`' data folder (none with the memory store); `dir` is a
  // folder already held by this process (the LwM2M server's), else it is opened here.
  int open_store(const StoreOptions& options, std::shared_ptr<store::DataDir> dir = nullptr);
  // Adds the configurations of a JSON file ({"endpoint or *": {config}, ...}).
  int load_configs(const std::string& file);
  int open_coap(const std::string& address, std::uint16_t port);
  // The core's identity check (BootstrapServer::set_security_lookup), and CoAP over DTLS on
  // options.coaps_port beside NoSec when options.any(): accepting the configurations' bootstrap
  // credentials (BootstrapSecurityStore) and the clients' that `options` names, with the own
  // certificate or raw public key it names. After open_coap.
  int open_coaps(const std::string& address, const ServerSecurityOptions& options);

  // Called with every event after it is logged (e.g. to the LwM2M server's event streams).
  void set_event_sink(std::function<void(const bootstrap::BootstrapEvent&)> sink) {
    sink_ = std::move(sink);
  }
  http::BootstrapRoutes& routes() { return routes_; }
  bootstrap::BootstrapConfigs& configs() { return configs_; }
  bootstrap::BootstrapServer& core() { return core_; }
  transport::DatagramLoop& loop() { return loop_; }
  std::optional<coap::PeerAddress> coaps_address() const {
    return coaps_loop_ ? std::optional(coaps_loop_->local_address()) : std::nullopt;
  }
  // Logs the closing line and writes what the store has left.
  void log_stopped();

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<store::DocumentStore> documents_;
  std::unique_ptr<DocumentTable> table_;
  bootstrap::BootstrapConfigs configs_;
  bootstrap::BootstrapServer core_;
  CoreSwitch front_{core_};  // the core, or the DTLS server's plain face once coaps is open
  transport::DatagramLoop loop_;
  http::BootstrapRoutes routes_;
  std::function<void(const bootstrap::BootstrapEvent&)> sink_;
  // coaps: the command line's credentials, behind the configurations' ones.
  dtls::MemorySecurityStore command_line_;
  BootstrapSecurityStore security_store_{configs_, &command_line_};
  std::unique_ptr<dtls::DtlsServer> dtls_;
  std::unique_ptr<transport::DatagramLoop> coaps_loop_;

  void drain_events();
};

}  // namespace drover::apps
