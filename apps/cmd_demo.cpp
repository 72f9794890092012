// `drover demo`: the whole system in one process on 127.0.0.1: the LwM2M server (CoAP), its HTTP
// API, the bootstrap server, and simulated devices registering with the server, one of them
// (demo-bs) after getting its server account from the bootstrap server, all on one event loop.
// Prints the URLs to try, runs until SIGINT/SIGTERM (the devices de-register first) or --duration.
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app_support.hpp"
#include "bootstrap_runtime.hpp"
#include "client_device.hpp"
#include "command.hpp"
#include "drover/log/log.hpp"
#include "log_options.hpp"
#include "server_runtime.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;

struct DemoOptions {
  std::uint16_t coap_port = 5683;
  std::uint16_t http_port = 8080;
  std::uint16_t bootstrap_port = 5693;
  unsigned devices = 3;
  double sample_interval = 2;
  double send_interval = 10;
  double duration = 0;
  std::string data_dir;
};

// A data folder of the demo's own, removed when it ends.
class TemporaryDataDir {
 public:
  TemporaryDataDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "drover-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data())) path_ = pattern;
  }
  ~TemporaryDataDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// demo-bs's configuration: delete what the device has, then one NoSec account on the demo's
// server.
bootstrap::BootstrapConfig demo_bootstrap_config(const coap::PeerAddress& server) {
  bootstrap::BootstrapConfig config;
  bootstrap::ServerAccount account;
  account.security.uri = "coap://" + server.to_string();
  account.security.ssid = 1;
  account.server = bootstrap::ServerInstance{};
  account.server->ssid = 1;
  account.server->lifetime = 300;
  config.servers.push_back(std::move(account));
  return config;
}

void print_urls(const std::string& http, const coap::PeerAddress& coap,
                const coap::PeerAddress& bootstrap, unsigned devices) {
  const std::string first = devices > 0 ? "demo-0" : "ENDPOINT";
  std::cout << "\nDrover demo: LwM2M server on coap://" << coap.to_string() << ", " << devices
            << " simulated devices (demo-0 ...), HTTP API on " << http
            << "\nBootstrap server on coap://" << bootstrap.to_string()
            << ": demo-bs gets its server account from it, then registers"
            << "\nOpen " << http << "/ in a browser for the console, or try:\n"
            << "  curl " << http << "/api/clients\n"
            << "  curl " << http << "/api/clients/" << first << "/3/0            # Device object\n"
            << "  curl " << http << "/api/clients/" << first << "/3303/0/5700   # temperature\n"
            << "  curl -X PUT -d '{\"values\":[{\"path\":\"/3311/0/5850\",\"value\":true}]}' "
            << http << "/api/clients/" << first << "/3311/0/5850\n"
            << "  curl -X POST " << http << "/api/clients/" << first << "/3303/0/5700/observe\n"
            << "  curl -N " << http << "/api/events          # live events\n"
            << "  curl -N '" << http << "/api/events?endpoint=" << first
            << "&coap=1'   # its CoAP messages\n"
            << "  curl " << http << "/api/bootstrap/configs/demo-bs   # what demo-bs is given\n"
            << "  curl " << http << "/metrics\n"
            << "The API is described in docs/http-api.md and " << http
            << "/api/openapi.json. Press Ctrl-C to stop.\n"
            << std::flush;
}

int run_demo(const DemoOptions& o) {
  asio::io_context io;
  TemporaryDataDir temporary;  // outlives the runtime and its store
  ServerRuntime runtime(io);
  StoreOptions store;
  store.data_dir = o.data_dir.empty() ? temporary.path() : o.data_dir;
  if (store.data_dir.empty()) store.kind = "memory";  // no temporary folder could be made
  if (int code = runtime.open_store(store)) return code;
  BootstrapRuntime bootstrap(io);
  runtime.add_routes(bootstrap.routes());
  bootstrap.set_event_sink([&runtime](const bootstrap::BootstrapEvent& event) {
    runtime.stream(http::stream_event(event));
  });
  if (int code = bootstrap.open_store(store, runtime.data_dir())) return code;
  if (int code = runtime.open_coap("127.0.0.1", o.coap_port)) return code;
  if (int code = bootstrap.open_coap("127.0.0.1", o.bootstrap_port)) return code;
  HttpOptions http;  // loopback, open
  http.port = o.http_port;
  if (int code = runtime.open_http(http)) return code;

  const auto server = runtime.coap_address();
  const auto bootstrap_server = bootstrap.loop().local_address();
  if (auto why = bootstrap.configs().put("demo-bs", demo_bootstrap_config(server))) {
    log::error(log::Component::Bootstrap, {"config_error"}, "demo-bs's configuration: " + *why);
    return 1;
  }
  const auto objects = client::make_object_registry(lwm2m::Lwm2mVersion::V1_1);
  DeviceFleet fleet(io, o.sample_interval);
  // demo-0 ... registering with `at`, or demo-bs bootstrapping from it.
  const auto add = [&](std::string endpoint, const coap::PeerAddress& at, bool bootstraps) {
    DeviceOptions d;
    d.endpoint = std::move(endpoint);
    d.server_uri = "coap://" + at.to_string();
    d.server = at;
    d.bootstrap = bootstraps;
    d.send_interval = o.send_interval;
    d.seed = os_random_seed();
    d.objects = objects;
    const auto ec = fleet.add(std::move(d));
    if (ec)
      log::error(log::Component::Client, {"socket_error"},
                 "cannot open a UDP socket for a device: " + ec.message());
    return !ec;
  };
  for (unsigned i = 0; i < o.devices; ++i)
    if (!add("demo-" + std::to_string(i), server, false)) return 1;
  if (!add("demo-bs", bootstrap_server, true)) return 1;
  print_urls(runtime.http_base_url(), server, bootstrap_server, o.devices);

  // Stopping: the devices de-register, then the loop ends once all are answered (or after a
  // bound, should one not be).
  runtime.stop_on_signal(o.duration, [&] {
    fleet.stop(std::chrono::seconds(5), [&io](bool all_answered) {
      if (!all_answered)
        log::warn(log::Component::Client, {"stopped"},
                  "de-registrations not answered in time, stopping anyway");
      io.stop();
    });
  });
  io.run();
  fleet.close();
  bootstrap.log_stopped();
  runtime.log_stopped();
  return 0;
}

const RegisterCommand register_demo([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo", "Run the LwM2M server, its HTTP API and simulated devices in one process");
  cmd->footer(
      "Everything listens on 127.0.0.1. The devices (demo-0 ...) serve Device, Connectivity "
      "Monitoring, Location, Connectivity Statistics, Temperature and Light Control; try the "
      "printed curl commands. One more device, demo-bs, starts from nothing but the bootstrap "
      "server's URI and registers with the account it is given. Ctrl-C de-registers the devices "
      "and stops. The ports can also be set in the environment: DROVER_COAP_PORT, "
      "DROVER_HTTP_PORT, DROVER_BOOTSTRAP_PORT (an option given wins).");
  cmd->add_option("--coap-port", o->coap_port, "UDP port of the LwM2M server (0: the OS picks)")
      ->capture_default_str()
      ->envname("DROVER_COAP_PORT");
  cmd->add_option("--http-port", o->http_port, "TCP port of the HTTP API (0: the OS picks)")
      ->capture_default_str()
      ->envname("DROVER_HTTP_PORT");
  cmd->add_option("--bootstrap-port", o->bootstrap_port,
                  "UDP port of the bootstrap server (0: the OS picks)")
      ->capture_default_str()
      ->envname("DROVER_BOOTSTRAP_PORT");
  cmd->add_option("--devices", o->devices, "Number of simulated devices registering directly")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1000u));
  cmd->add_option("--sample-interval", o->sample_interval, "Seconds between temperature readings")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 86400.0));
  cmd->add_option("--send-interval", o->send_interval,
                  "Seconds between the devices' Sends of their temperature (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--data-dir", o->data_dir,
                  "Folder of the server's SQLite store, kept after the demo (default: a "
                  "temporary folder, removed when the demo ends)");
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (default: Ctrl-C)")
      ->check(CLI::Range(0.0, 1e9));
  add_log_options(*cmd, "debug");  // a handful of devices: show everything they do
  cmd->callback([o, &exit_code] { exit_code = run_demo(*o); });
});

}  // namespace
}  // namespace drover::apps
