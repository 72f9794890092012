// `drover server`: the LwM2M server on CoAP over UDP, with its HTTP/JSON API (docs/http-api.md)
// on the same event loop. It accepts registrations, Send and notifications, and logs the
// registration lifecycle (every event with --log-level server=debug).
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bootstrap_credentials.hpp"
#include "bootstrap_runtime.hpp"
#include "command.hpp"
#include "drover/log/log.hpp"
#include "firmware_runtime.hpp"
#include "log_options.hpp"
#include "security_flags.hpp"
#include "server_runtime.hpp"
#include "sharded_runtime.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;

struct ServerCommandOptions {
  std::uint16_t coap_port = 5683;
  bool no_coap = false;  // coaps only
  std::string address;
  HttpOptions http;
  std::vector<std::string> models;
  double duration = 0;
  std::size_t max_registrations = ServerRuntime::default_max_registrations;
  unsigned shards = 1;
  StoreOptions store;
  ServerSecurityOptions security;
  std::optional<std::uint16_t> bootstrap_port;
  std::optional<std::uint16_t> bootstrap_coaps_port;
  std::string bootstrap_config;
  FirmwareOptions firmware;
};

// The API takes bodies up to the largest firmware image.
http::ApiConfig api_config(const ServerCommandOptions& o) {
  http::ApiConfig config;
  config.max_body_bytes = std::max(config.max_body_bytes, o.firmware.images.max_image_bytes);
  return config;
}

// The bootstrap server's coaps: the process's own certificate or raw public key; the clients'
// credentials given here are the LwM2M server's, so only the configurations' are accepted.
ServerSecurityOptions bootstrap_security(const ServerCommandOptions& o) {
  ServerSecurityOptions bs;
  if (!o.bootstrap_coaps_port) return bs;
  bs.coaps_port = *o.bootstrap_coaps_port;
  bs.listen = true;
  bs.certificate_file = o.security.certificate_file;
  bs.key_file = o.security.key_file;
  bs.ca_file = o.security.ca_file;
  bs.rpk_key_file = o.security.rpk_key_file;
  return bs;
}

// One event loop: the LwM2M server with firmware updates (images, updates, campaigns), and the
// bootstrap server beside it with --bootstrap-port (its configurations on the same HTTP API).
int run_single(const ServerCommandOptions& o) {
  asio::io_context io;
  ServerRuntime runtime(io, o.max_registrations, api_config(o));
  FirmwareRuntime firmware(io, runtime.core(), o.firmware);
  std::optional<BootstrapRuntime> bootstrap;
  runtime.set_event_sink([&firmware](const server::ServerEvent& e) { firmware.on_event(e); });
  if (int code = runtime.load_models(o.models)) return code;
  if (int code = runtime.open_store(o.store)) return code;
  if (int code = firmware.open_store(runtime.data_dir())) return code;
  runtime.add_routes(firmware.routes());
  if (o.bootstrap_port) {
    bootstrap.emplace(io);
    runtime.add_routes(bootstrap->routes());
    bootstrap->set_event_sink([&runtime, &bootstrap](const bootstrap::BootstrapEvent& event) {
      runtime.stream(http::stream_event(event));
      const std::string* endpoint = provisioned_endpoint(event);
      const auto coaps = runtime.coaps_address();
      if (!endpoint || !coaps) return;
      if (const auto* config = bootstrap->configs().find(*endpoint))
        bind_server_credentials(*endpoint, *config, *coaps, runtime.security_store());
    });
    if (int code = bootstrap->open_store(o.store, runtime.data_dir())) return code;
    if (!o.bootstrap_config.empty())
      if (int code = bootstrap->load_configs(o.bootstrap_config)) return code;
  }
  if (!o.no_coap)
    if (int code = runtime.open_coap(o.address, o.coap_port)) return code;
  if (int code = runtime.open_coaps(o.address, o.security)) return code;
  if (o.no_coap) {
    if (!runtime.coaps_address()) {
      log::error(log::Component::Server, {"config_error"},
                 "--no-coap leaves nothing to listen on: give credentials or --coaps");
      return 2;
    }
    log::info(log::Component::Server, {"nosec_off"}, "NoSec CoAP is off (--no-coap)");
  }
  if (bootstrap) {
    if (int code = bootstrap->open_coap(o.address, *o.bootstrap_port)) return code;
    if (int code = bootstrap->open_coaps(o.address, bootstrap_security(o))) return code;
  }
  if (int code = runtime.open_http(o.http)) return code;
  // Without NoSec, devices pull firmware over coaps.
  firmware.start(
      o.no_coap ? "coaps" : "coap",
      o.no_coap ? runtime.coaps_address()->port : runtime.coap_address().port,
      runtime.http_base_url(), [&runtime] { runtime.flush_soon(); },
      [&runtime](const http::StreamEvent& e) { runtime.stream(e); });
  runtime.stop_on_signal(o.duration, [&io] { io.stop(); });
  io.run();
  if (bootstrap) bootstrap->log_stopped();
  firmware.log_stopped();
  runtime.log_stopped();
  return 0;
}

template <typename Runtime>
int run(asio::io_context& io, Runtime& runtime, const ServerCommandOptions& o) {
  if (int code = runtime.load_models(o.models)) return code;
  if (int code = runtime.open_store(o.store)) return code;
  if (int code = runtime.open_coaps(o.address, o.security)) return code;  // before the shards start
  if (int code = runtime.open_coap(o.address, o.coap_port)) return code;
  if (int code = runtime.open_http(o.http)) return code;
  runtime.stop_on_signal(o.duration, [&io] { io.stop(); });
  io.run();
  runtime.log_stopped();
  return 0;
}

int run_server(const ServerCommandOptions& o) {
  if (o.bootstrap_port && o.shards > 1) {
    log::error(log::Component::Bootstrap, {"config_error"},
               "--bootstrap-port runs on one event loop: not with --shards");
    return 2;
  }
  if (o.no_coap && o.shards > 1) {
    log::error(log::Component::Server, {"config_error"},
               "--no-coap runs on one event loop: not with --shards (the shards share the NoSec "
               "port)");
    return 2;
  }
  asio::io_context io;
  if (o.shards > 1) {
    log::warn(
        log::Component::Server, {"firmware_off"},
        "firmware updates run on one event loop: not with --shards (/api/firmware is absent)");
    ShardedRuntime runtime(io, o.shards, o.max_registrations);
    return run(io, runtime, o);
  }
  return run_single(o);
}

const RegisterCommand register_server([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServerCommandOptions>();
  auto* cmd = app.add_subcommand("server", "Run the LwM2M server (CoAP over UDP, NoSec and DTLS)");
  cmd->footer(
      "Logs one line per registration, de-registration, expiry and replacement on stderr; "
      "--log-level server=debug adds every Update, notification, Send and completed operation, "
      "coap=trace every CoAP message. "
      "The HTTP/JSON API (GET /api/clients, reads, writes, observe ...) is described in "
      "docs/http-api.md.\n"
      "coaps (DTLS 1.2) listens beside NoSec when credentials are given: --psk-file, "
      "--cert/--key/--ca, --rpk-key/--rpk-client, or through /api/security (--coaps); "
      "--no-coap leaves coaps alone. A client that comes through DTLS may register only as the "
      "endpoint its credential is bound to (else 4.03), and only its session's credential may "
      "Update, Send or notify for the registration.\n"
      "Example: drover server --coap-port 5683 --models ../lwm2m-registry");
  auto* coap_port =
      cmd->add_option("--coap-port", o->coap_port, "UDP port of NoSec CoAP (0: the OS picks one)")
          ->capture_default_str();
  cmd->add_flag("--no-coap", o->no_coap,
                "Do not listen for NoSec CoAP: coaps only (needs credentials or --coaps; not "
                "with --shards). Firmware pulls then go over coaps")
      ->excludes(coap_port);
  cmd->add_option("--coaps-port", o->security.coaps_port,
                  "UDP port of CoAP over DTLS (0: the OS picks one); open only with credentials")
      ->capture_default_str();
  cmd->add_flag("--coaps", o->security.listen,
                "Listen for CoAP over DTLS even with no credentials below: the clients' come "
                "through the HTTP API (PUT /api/security/ENDPOINT), in force at their next "
                "handshake and kept in --data-dir (a server that kept some listens without it)");
  add_server_security_flags(*cmd, o->security);
  cmd->add_option("--address", o->address, "Local IP address (default: all, IPv6 and IPv4)");
  cmd->add_option("--http-port", o->http.port,
                  "TCP port of the HTTP API and console (0: the OS picks one)")
      ->capture_default_str();
  cmd->add_option("--http-address", o->http.address,
                  "Local IP address of the HTTP API and console; any but loopback needs "
                  "--api-token-file")
      ->capture_default_str();
  cmd->add_option("--api-token-file", o->http.token_file,
                  "File whose first line is the token the API requires (Authorization: Bearer "
                  "TOKEN; the console asks for it), at least 16 characters")
      ->check(CLI::ExistingFile);
  cmd->add_option("--https-cert", o->http.certificate_file,
                  "PEM certificate chain: serve HTTPS instead of HTTP (with --https-key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--https-key", o->http.key_file, "PEM private key of --https-cert")
      ->check(CLI::ExistingFile);
  cmd->add_option("--http-max-connections", o->http.max_connections,
                  "HTTP request connections open at most (event streams apart); when full, the "
                  "longest idle one is closed for a new one")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--http-max-connections-per-address", o->http.max_connections_per_address,
                  "HTTP request connections open at most from one address")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--http-header-timeout", o->http.header_timeout,
                  "Seconds a client has to send a request's header, from the connection or the "
                  "request's first byte")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->add_option("--models", o->models, "Directories of DDF object definitions (*.xml) to load")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--max-registrations", o->max_registrations,
                  "Registrations the server holds at most (a Register past it gets 5.03); tables "
                  "are sized for it, memory is used only as clients register")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{50000000}));
  cmd->add_option("--shards", o->shards,
                  "Event loops, each on a thread of its own, sharing the UDP port: the kernel "
                  "spreads the clients over them by address (SO_REUSEPORT); one HTTP API serves "
                  "them all. --max-registrations is split between them. coaps runs on each "
                  "(a DTLS session lives on its shard); /api/security, firmware updates and "
                  "--bootstrap-port need one loop")
      ->capture_default_str()
      ->check(CLI::Range(1u, multicore::ShardedServer::max_shards));
  cmd->add_option("--store", o->store.kind,
                  "Where registrations, observations and queued requests are kept: sqlite (in "
                  "--data-dir, written behind: they survive a restart) or memory")
      ->capture_default_str()
      ->check(CLI::IsMember({"sqlite", "memory"}));
  cmd->add_option("--data-dir", o->store.data_dir,
                  "Folder of the SQLite store (default: " + store::default_data_dir().string() +
                      "); one server at a time");
  cmd->add_option("--bootstrap-port", o->bootstrap_port,
                  "Also run the bootstrap server on this UDP port (on --address), its "
                  "configurations on the HTTP API (/api/bootstrap/configs)");
  cmd->add_option("--bootstrap-coaps-port", o->bootstrap_coaps_port,
                  "Also serve bootstrap over DTLS on this UDP port (0: the OS picks one), with "
                  "the bootstrap credentials of the configurations and this server's --cert or "
                  "--rpk-key")
      ->needs("--bootstrap-port");
  cmd->add_option("--bootstrap-config", o->bootstrap_config,
                  "JSON file of bootstrap configurations by endpoint name (with --bootstrap-port)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--firmware-max-image", o->firmware.images.max_image_bytes,
                  "Bytes of one firmware image at most (POST /api/firmware)")
      ->capture_default_str();
  cmd->add_option("--firmware-max-total", o->firmware.images.max_total_bytes,
                  "Bytes of all firmware images at most")
      ->capture_default_str();
  cmd->add_option("--firmware-host", o->firmware.host,
                  "Host name or address devices reach this server at, in the Package URIs of "
                  "firmware pulls (coap://HOST:PORT/fw/<sha256>)")
      ->capture_default_str();
  cmd->add_option("--firmware-poll", o->firmware.poll_interval,
                  "Seconds between reads of a device's Firmware Update object (/5/0) while an "
                  "update waits on it (its notifications may be lost)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--duration", o->duration,
                  "Stop after this many seconds (default: run until Ctrl-C)");
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] { exit_code = run_server(*o); });
});

}  // namespace
}  // namespace drover::apps
