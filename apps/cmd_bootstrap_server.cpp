// `drover bootstrap-server`: the LwM2M bootstrap server on CoAP over UDP, and over DTLS beside it
// when asked, with the HTTP API of its configurations (/api/bootstrap/configs) on the same event
// loop. It logs every bootstrap step.
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "bootstrap_runtime.hpp"
#include "command.hpp"
#include "dm_api_push.hpp"
#include "drover/log/log.hpp"
#include "log_options.hpp"
#include "security_flags.hpp"
#include "server_runtime.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;

// LwM2M fixes no port for bootstrap servers: CoAP's plus ten, beside a server on 5683 and 5684.
constexpr std::uint16_t bootstrap_coaps_port = 5694;

struct BootstrapCommandOptions {
  std::uint16_t port = 5683;
  std::string address;
  std::string config_file;
  ServerSecurityOptions security;  // coaps_port: bootstrap_coaps_port
  HttpOptions http;
  bool no_http = false;
  StoreOptions store;
  DmApiOptions dm_api;
  std::string dm_api_token_file;
  double duration = 0;
};

int run_bootstrap_server(const BootstrapCommandOptions& o) {
  asio::io_context io;
  BootstrapRuntime runtime(io);
  std::optional<DmApiPush> dm_api;
  if (!o.dm_api.url.empty()) {
    if (auto why = DmApiPush::check_url(o.dm_api.url)) {
      log::error(log::Component::Bootstrap, {"config_error"}, *why);
      return 2;
    }
    auto options = o.dm_api;
    if (!o.dm_api_token_file.empty()) {
      auto token = read_token_file(o.dm_api_token_file, "--dm-api-token-file");
      if (!token) return 2;
      options.token = std::move(*token);
    }
    try {
      dm_api.emplace(io, std::move(options));
    } catch (const std::exception& e) {
      log::error(log::Component::Bootstrap, {"config_error"},
                 "--dm-api-ca: cannot load " + o.dm_api.ca_file + ": " + e.what());
      return 2;
    }
    runtime.set_event_sink([&runtime, &dm_api](const bootstrap::BootstrapEvent& event) {
      if (const auto* endpoint = provisioned_endpoint(event))
        if (const auto* config = runtime.configs().find(*endpoint))
          dm_api->push(*endpoint, *config);
    });
  }
  if (int code = runtime.open_store(o.store)) return code;
  if (!o.config_file.empty())
    if (int code = runtime.load_configs(o.config_file)) return code;
  if (int code = runtime.open_coap(o.address, o.port)) return code;
  if (int code = runtime.open_coaps(o.address, o.security)) return code;
  http::RouteFamilies api;
  api.add_routes(runtime.routes());
  http::HttpServer http(
      io, api, [&runtime] { runtime.loop().flush_soon(); }, http_server_config());
  if (!o.no_http)
    if (int code = open_http_api(http, o.http, false)) return code;
  StopSignal stop(io);
  stop.start(o.duration, [&io] { io.stop(); });
  io.run();
  runtime.log_stopped();
  return 0;
}

const RegisterCommand register_bootstrap_server([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BootstrapCommandOptions>();
  o->security.coaps_port = bootstrap_coaps_port;
  auto* cmd = app.add_subcommand("bootstrap-server",
                                 "Run the LwM2M bootstrap server (CoAP over UDP, NoSec and DTLS)");
  cmd->footer(
      "Answers Bootstrap-Requests (POST /bs?ep=NAME) and Bootstrap-Pack-Requests (GET /bspack) "
      "with the configuration of the endpoint, or the default one named \"*\", and logs every "
      "step. LwM2M fixes no port for bootstrap servers: the default is CoAP's, 5683, so give "
      "another one to run it beside `drover server` on one host. Configurations come from "
      "--config, and through the HTTP API (PUT /api/bootstrap/configs/NAME, docs/http-api.md), "
      "kept in the data folder.\n"
      "coaps (DTLS 1.2) listens beside NoSec with --coaps, --coaps-port or credentials: a "
      "configuration whose bootstrap account (\"bootstrap\": true) is PSK or a raw public key "
      "makes that credential the endpoint's, in force at the next handshake; an X.509 device "
      "(--ca) is the endpoint its certificate names. A request over DTLS for another endpoint, "
      "or over NoSec for an endpoint with a secured bootstrap account, gets 4.03.\n"
      "With --dm-api and --dm-uri, the PSK or raw public key a configuration gives a device for "
      "a separate `drover server` (its accounts whose URI is a --dm-uri) is put in that "
      "server's credentials through its HTTP API (PUT /api/security/EP) when the device's "
      "session starts, so that the device registers over DTLS at once; a failure is logged.\n"
      "Example: drover bootstrap-server --port 5783 --config bootstrap.json");
  cmd->add_option("--port", o->port, "UDP port (0: the OS picks one)")->capture_default_str();
  cmd->add_option("--address", o->address, "Local IP address (default: all, IPv6 and IPv4)");
  auto* coaps_port =
      cmd->add_option("--coaps-port", o->security.coaps_port,
                      "UDP port of bootstrap over DTLS (0: the OS picks one); giving it listens")
          ->capture_default_str();
  cmd->add_flag("--coaps", o->security.listen,
                "Listen for bootstrap over DTLS on --coaps-port with the configurations' "
                "credentials alone");
  add_server_security_flags(*cmd, o->security);
  cmd->add_option("--config", o->config_file,
                  "JSON file of configurations by endpoint name: {\"*\": {\"servers\": [...]}}")
      ->check(CLI::ExistingFile);
  cmd->add_option("--http-port", o->http.port, "TCP port of the HTTP API (0: the OS picks one)")
      ->capture_default_str();
  cmd->add_option("--http-address", o->http.address,
                  "Local IP address of the HTTP API; any but loopback needs --api-token-file")
      ->capture_default_str();
  cmd->add_option("--api-token-file", o->http.token_file,
                  "File whose first line is the token the API requires")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-http", o->no_http, "Serve no HTTP API");
  cmd->add_option("--store", o->store.kind,
                  "Where the configurations put through the API are kept: sqlite (in --data-dir) "
                  "or memory")
      ->capture_default_str()
      ->check(CLI::IsMember({"sqlite", "memory"}));
  cmd->add_option("--data-dir", o->store.data_dir,
                  "Folder of the SQLite store (default: " + store::default_data_dir().string() +
                      "); one program at a time");
  auto* dm_uri = cmd->add_option("--dm-uri", o->dm_api.uris,
                                 "coaps URI of the LwM2M server of --dm-api as configurations name "
                                 "it (repeatable: e.g. coaps://dm.example:5684)");
  cmd->add_option(
         "--dm-api", o->dm_api.url,
         "HTTP API (http:// or https://host:port) of a separate `drover server` whose accounts "
         "(--dm-uri) get the configurations' credentials through PUT /api/security")
      ->needs(dm_uri);
  cmd->add_option("--dm-api-token-file", o->dm_api_token_file,
                  "File whose first line is the token of --dm-api")
      ->check(CLI::ExistingFile);
  cmd->add_option("--dm-api-ca", o->dm_api.ca_file,
                  "PEM certificates the certificate of an https:// --dm-api must lead to "
                  "(default: the system's)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--duration", o->duration,
                  "Stop after this many seconds (default: run until Ctrl-C)");
  add_log_options(*cmd);
  dm_uri->needs("--dm-api");
  cmd->get_option("--dm-api-token-file")->needs("--dm-api");
  cmd->get_option("--dm-api-ca")->needs("--dm-api");
  cmd->callback([o, coaps_port, &exit_code] {
    o->security.listen = o->security.listen || coaps_port->count() > 0;
    exit_code = run_bootstrap_server(*o);
  });
});

}  // namespace
}  // namespace drover::apps
