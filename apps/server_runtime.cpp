#include "server_runtime.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>

#include "app_support.hpp"
#include "drover/console/assets.hpp"
#include "drover/log/log.hpp"
#include "drover/lwm2m/model/ddf.hpp"
#include "server_credentials.hpp"

namespace drover::apps {

namespace asio = boost::asio;

namespace {

using log::Component;

std::string describe(const server::Registration& r) {
  std::string objects;
  for (const auto& o : r.objects->objects) {
    if (!objects.empty()) objects += ' ';
    objects += std::to_string(o.object_id);
    if (o.version) objects += "@" + *o.version;
    if (!o.instances.empty()) objects += "(" + std::to_string(o.instances.size()) + ")";
  }
  return r.endpoint + " at /rd/" + r.location + " from " + r.peer.to_string() + ", lwm2m " +
         std::string(lwm2m::to_string(r.version)) + ", lifetime " + std::to_string(r.lifetime) +
         " s, binding " + r.binding + (r.queue_mode ? " (queue mode)" : "") +
         ", objects: " + (objects.empty() ? "none" : objects);
}

std::string describe(const std::vector<lwm2m::Record>& records) {
  constexpr std::size_t shown = 8;
  std::string out;
  for (std::size_t i = 0; i < records.size() && i < shown; ++i) {
    if (!out.empty()) out += ", ";
    out += records[i].path.to_string() + "=" + records[i].value.debug_string();
  }
  if (records.size() > shown) out += ", ... (" + std::to_string(records.size()) + " values)";
  return out.empty() ? "no values" : out;
}

}  // namespace

void log_server_event(const server::ServerEvent& event) {
  // The registration lifecycle at info, the per-message events at debug: checked before the
  // line is made, so that a server at info spends nothing on its Updates' lines.
  const auto line = [](log::Level level, const char* name, std::string_view endpoint,
                       const auto& message) {
    if (log::enabled(Component::Server, level))
      log::write(level, Component::Server, {name, endpoint}, message());
  };
  using log::Level;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, server::Registered>) {
          line(Level::Info, "registered", e.registration.endpoint,
               [&] { return "registered " + describe(e.registration); });
        } else if constexpr (std::is_same_v<T, server::Updated>) {
          // The whole registration only when its object list changed: most Updates renew it,
          // and their line is made on the stack.
          const auto& r = e.registration;
          if (e.objects_changed) {
            line(Level::Debug, "updated", r.endpoint,
                 [&] { return "updated " + describe(r) + " (new object list)"; });
          } else if (log::enabled(Component::Server, Level::Debug)) {
            std::array<char, coap::PeerAddress::max_text> peer;
            fmt::memory_buffer text;
            fmt::format_to(std::back_inserter(text), "updated {} at /rd/{} from {}, lifetime {} s",
                           r.endpoint, r.location, r.peer.to_chars(peer), r.lifetime);
            log::debug(Component::Server, {"updated", r.endpoint},
                       std::string_view(text.data(), text.size()));
          }
        } else if constexpr (std::is_same_v<T, server::Deregistered>) {
          line(Level::Info, "deregistered", e.registration.endpoint, [&] {
            return "deregistered " + e.registration.endpoint + " (/rd/" + e.registration.location +
                   ")";
          });
        } else if constexpr (std::is_same_v<T, server::Expired>) {
          line(Level::Info, "expired", e.registration.endpoint, [&] {
            return "expired " + e.registration.endpoint + " (/rd/" + e.registration.location +
                   "): no update within its lifetime";
          });
        } else if constexpr (std::is_same_v<T, server::Replaced>) {
          line(Level::Info, "replaced", e.previous.endpoint, [&] {
            return "replaced " + e.previous.endpoint + " (/rd/" + e.previous.location +
                   "): the client registered again";
          });
        } else if constexpr (std::is_same_v<T, server::Sleeping>) {
          line(Level::Info, "sleeping", e.endpoint, [&] { return "sleeping " + e.endpoint; });
        } else if constexpr (std::is_same_v<T, server::Awake>) {
          line(Level::Info, "awake", e.endpoint, [&] { return "awake " + e.endpoint; });
        } else if constexpr (std::is_same_v<T, server::Notification>) {
          line(Level::Debug, "notification", e.endpoint, [&] {
            return "notification from " + e.endpoint + " #" + std::to_string(e.observation.value) +
                   ": " + e.code.to_string() + " " +
                   (e.diagnostic.empty() ? describe(e.records) : e.diagnostic);
          });
        } else if constexpr (std::is_same_v<T, server::SendReceived>) {
          line(Level::Debug, "send", e.endpoint, [&] {
            return "send from " + e.endpoint + " (" + std::string(lwm2m::to_string(e.format)) +
                   "): " + describe(e.records);
          });
        } else if constexpr (std::is_same_v<T, server::OperationCompleted>) {
          line(Level::Debug, "operation", e.endpoint, [&] {
            return "operation #" + std::to_string(e.id.value) + " on " + e.endpoint + ": " +
                   std::string(server::to_string(e.result.status));
          });
        } else if constexpr (std::is_same_v<T, server::ObservationEnded>) {
          line(Level::Debug, "observation_ended", e.endpoint, [&] {
            return "observation #" + std::to_string(e.observation.value) + " of " + e.endpoint +
                   " ended: " + std::string(server::to_string(e.reason));
          });
        }
      },
      event);
}

http::HttpServerConfig http_server_config() {
  return {.log = [](std::string_view text) { log::warn(Component::Http, {"http"}, text); }};
}

server::ServerConfig server_config(std::size_t max_registrations) {
  server::ServerConfig config = server::server_config_for(max_registrations);
  config.random_seed = os_random_seed();
  config.wall_clock = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return config;
}

transport::DatagramLoopConfig loop_config() {
  transport::DatagramLoopConfig config;
  config.socket.dual_stack = true;
  // Room for bursts (a registration storm): the kernel's default is about 200 datagrams. Capped by
  // net.core.rmem_max / wmem_max.
  config.socket.receive_buffer_bytes = 4 * 1024 * 1024;
  config.socket.send_buffer_bytes = 4 * 1024 * 1024;
  return config;
}

ServerRuntime::ServerRuntime(asio::io_context& io, std::size_t max_registrations,
                             http::ApiConfig api)
    : io_(io),
      core_(server_config(max_registrations)),
      tap_(core_),
      loop_(io, front_, loop_config()),
      api_(core_, api),
      http_(
          io, api_, [this] { flush_soon(); }, http_server_config()),
      stop_(io) {
  http_.set_message_log(&tap_);
  api_.set_log_stats(log::stats);
  api_.add_routes(security_routes_);
  loop_.set_error_handler([](std::string_view what, std::error_code ec) {
    log::error(Component::Server, {"socket_error"}, std::string(what) + " error: " + ec.message());
  });
  loop_.set_after_input([this] { drain_events(); });
}

void ServerRuntime::drain_events() {
  server::ServerEvent event;
  while (core_.poll_event(event)) {
    log_server_event(event);
    http_.on_event(event);
    if (event_sink_) event_sink_(event);
  }
}

int ServerRuntime::load_stored_security() {
  return load_kept_credentials(stores_.data_dir(), security_store_, security_documents_,
                               security_table_);
}

int ServerRuntime::open_coaps(const std::string& address, const ServerSecurityOptions& options) {
  dtls::ServerCredentials credentials;
  if (auto error = load_server_security(options, security_store_, credentials)) {
    log::error(Component::Dtls, {"config_error"}, *error);
    return 2;
  }
  // Kept entries replace the command line's for their endpoints: they are the later word.
  if (int code = load_stored_security()) return code;
  // No NoSec Register of a secured endpoint, coaps or not (a credential may come through the API).
  core_.set_security_lookup(dtls_security_lookup(dtls_), [this](std::string_view endpoint) {
    return security_store_.secures(endpoint);
  });
  if (!options.any() && security_store_.entries().empty()) return 0;
  if (int code = open_coaps_with(
          io_, trace_, std::move(credentials), front_, loop_, address, options.coaps_port,
          [this] { drain_events(); }, dtls_, coaps_loop_))
    return code;
  security_routes_.set_dtls_server(dtls_.get());
  log::info(Component::Server, {"listening"},
            "LwM2M server listening on coaps://" + coaps_loop_->local_address().to_string() +
                " (DTLS 1.2: " + credentials_summary(options, security_store_) + ")");
  return 0;
}

int load_models_into(const std::vector<std::string>& directories, lwm2m::ObjectRegistry& registry) {
  for (const auto& dir : directories) {
    const auto report = lwm2m::load_ddf_directory(dir, registry);
    if (!report.error.empty()) {
      log::error(Component::Server, {"config_error"}, "--models " + dir + ": " + report.error);
      return 2;
    }
    log::info(Component::Server, {"models"},
              "models from " + dir + ": " + std::to_string(report.added) + " added, " +
                  std::to_string(report.rejected.size()) + " rejected");
    for (const auto& rejected : report.rejected)
      log::warn(Component::Server, {"model_rejected"},
                "rejected " + rejected.file.string() + ": " + rejected.reason);
  }
  return 0;
}

int ServerRuntime::load_models(const std::vector<std::string>& directories) {
  return load_models_into(directories, core_.objects());
}

int open_coap_with(const std::string& address, std::uint16_t port,
                   const std::function<std::error_code(const coap::PeerAddress&)>& open) {
  std::error_code ec;
  if (address.empty()) {
    coap::PeerAddress any6;  // [::] with IPv4 too; plain 0.0.0.0 where IPv6 is off
    any6.v6 = true;
    any6.port = port;
    ec = open(any6);
    if (ec && ec != std::errc::address_in_use) ec = open(coap::PeerAddress::v4({0, 0, 0, 0}, port));
  } else if (auto addr = bind_address(address, port)) {
    ec = open(*addr);
  } else {
    log::error(Component::Server, {"config_error"}, "--address: not an IP address: " + address);
    return 2;
  }
  if (ec) {
    log::error(Component::Server, {"socket_error"},
               "cannot listen on UDP port " + std::to_string(port) + ": " + ec.message());
    return 1;
  }
  return 0;
}

server::SecurityLookup dtls_security_lookup(const std::unique_ptr<dtls::DtlsServer>& dtls) {
  return [&dtls](const coap::PeerAddress& peer) -> std::optional<server::PeerSecurity> {
    const dtls::PeerIdentity* id = dtls ? dtls->identity_of(peer) : nullptr;
    if (!id) return std::nullopt;
    return server::PeerSecurity{id->text(), id->endpoint};
  };
}

int open_coaps_with(asio::io_context& io, coap::DatagramCore& inner,
                    dtls::ServerCredentials credentials, CoreSwitch& front,
                    transport::DatagramLoop& plain, const std::string& address, std::uint16_t port,
                    const std::function<void()>& after_input,
                    std::unique_ptr<dtls::DtlsServer>& dtls,
                    std::unique_ptr<transport::DatagramLoop>& loop) {
  try {
    dtls = std::make_unique<dtls::DtlsServer>(inner, std::move(credentials));
  } catch (const std::exception& e) {
    log::error(Component::Dtls, {"config_error"}, std::string("DTLS: ") + e.what());
    return 2;
  }
  loop = std::make_unique<transport::DatagramLoop>(io, *dtls, loop_config());
  loop->set_error_handler([](std::string_view what, std::error_code ec) {
    log::error(Component::Dtls, {"socket_error"},
               "coaps " + std::string(what) + " error: " + ec.message());
  });
  loop->set_after_input(after_input);
  // Each face's loop sends what the other face took out of the inner core for it.
  dtls->set_wakeups([&loop] { loop->flush_soon(); }, [&plain] { plain.flush_soon(); });
  front.set(dtls->plain());
  return open_coap_with(address, port,
                        [&loop](const coap::PeerAddress& a) { return loop->open(a); });
}

int ServerRuntime::open_coap(const std::string& address, std::uint16_t port) {
  if (int code = open_coap_with(address, port,
                                [this](const coap::PeerAddress& a) { return loop_.open(a); }))
    return code;
  log::info(Component::Server, {"listening"},
            "LwM2M server listening on coap://" + loop_.local_address().to_string() + " (" +
                std::to_string(core_.objects().size()) + " object definitions)");
  return 0;
}

std::optional<std::string> read_token_file(const std::string& path, std::string_view option) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    log::error(Component::Http, {"config_error"}, std::string(option) + ": cannot read " + path);
    return std::nullopt;
  }
  const auto first = line.find_first_not_of(" \t\r");
  const auto last = line.find_last_not_of(" \t\r");
  const std::string token = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (token.size() < 16) {
    log::error(Component::Http, {"config_error"},
               std::string(option) + ": the token in " + path +
                   " is shorter than 16 characters (make one with: openssl rand -hex 32)");
    return std::nullopt;
  }
  return token;
}

int open_http_api(http::HttpServer& http, const HttpOptions& o, bool console) {
  boost::system::error_code address_error;
  const auto http_address = asio::ip::make_address(o.address, address_error);
  if (address_error) {
    log::error(Component::Http, {"config_error"},
               "--http-address: not an IP address: " + o.address);
    return 2;
  }
  if (!o.token_file.empty()) {
    auto token = read_token_file(o.token_file);
    if (!token) return 2;
    http.set_token(std::move(*token));
  } else if (!http_address.is_loopback()) {
    log::error(Component::Http, {"config_error"},
               "--http-address " + o.address +
                   " is not loopback: the API and console there need a token (--api-token-file)");
    return 2;
  }
  if (o.certificate_file.empty() != o.key_file.empty()) {
    log::error(Component::Http, {"config_error"}, "HTTPS needs both --https-cert and --https-key");
    return 2;
  }
  if (!o.certificate_file.empty()) {
    if (auto why = http.use_tls(o.certificate_file, o.key_file)) {
      log::error(Component::Http, {"config_error"}, "HTTPS: " + *why);
      return 2;
    }
  } else if (!http_address.is_loopback()) {
    log::warn(Component::Http, {"clear_text_token"},
              "the token travels in clear text on " + o.address +
                  "; use HTTPS (--https-cert, --https-key) or a proxy that does");
  }
  if (console) http.set_assets(http::AssetTable(console::assets()));
  http.set_connection_bounds(o.max_connections, o.max_connections_per_address,
                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::duration<double>(o.header_timeout)));
  if (auto ec = http.open({http_address, o.port})) {
    log::error(Component::Http, {"socket_error"},
               "cannot listen on TCP port " + std::to_string(o.port) + ": " + ec.message());
    return 1;
  }
  if (!console) {
    log::info(Component::Http, {"listening"},
              "HTTP API on " + http_base_url(http) + "/api/" +
                  (o.token_file.empty() ? "" : ", token required"));
    return 0;
  }
  log::info(Component::Http, {"listening"},
            "console on " + http_base_url(http) + "/, HTTP API on " + http_base_url(http) +
                "/api/clients (events: /api/events, metrics: /metrics)" +
                (o.token_file.empty() ? "" : ", token required"));
  return 0;
}

int ServerRuntime::open_http(const HttpOptions& options) {
  return open_http_api(http_, options);
}

std::string http_base_url(const http::HttpServer& http) {
  const auto local = http.local_endpoint();
  const auto address = local.address().to_string();
  return std::string(http.tls() ? "https://" : "http://") +
         (local.address().is_v6() ? "[" + address + "]" : address) + ":" +
         std::to_string(local.port());
}

void StopSignal::start(double duration, std::function<void()> on_stop) {
  auto stop = std::make_shared<std::function<void()>>(std::move(on_stop));
  signals_.emplace(io_, SIGINT, SIGTERM);
  signals_->async_wait([stop](const boost::system::error_code& e, int signal) {
    if (e) return;
    log::info(Component::Server, {"signal"},
              std::string("caught ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    (*stop)();
  });
  if (duration > 0) {
    timer_.expires_after(
        std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(duration)));
    timer_.async_wait([this, stop](const boost::system::error_code& e) {
      if (e) return;
      signals_->cancel();
      (*stop)();
    });
  }
}

void log_totals(std::size_t registrations, const coap::EngineStats& stats) {
  log::info(Component::Server, {"stopped"},
            "stopped: " + std::to_string(registrations) + " registrations, " +
                std::to_string(stats.datagrams_received) + " datagrams in, " +
                std::to_string(stats.datagrams_sent) + " out, " + std::to_string(stats.malformed) +
                " malformed");
}

int ServerRuntime::open_store(const StoreOptions& options) {
  if (int code = stores_.open(options, 1)) return code;
  stores_.attach(0, core_, transport::DatagramLoop::now());
  api_.adopt_observations();
  return 0;
}

void ServerRuntime::log_stopped() {
  log_totals(core_.counts().registrations, core_.engine_stats());
  core_.set_persistence(nullptr);
  stores_.close();
  if (security_documents_)
    if (auto error = security_documents_->flush())
      log::error(Component::Store, {"store_error"}, "store: " + error->message);
}

}  // namespace drover::apps
