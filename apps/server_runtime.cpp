#include "server_runtime.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <mutex>

#include "app_support.hpp"
#include "coap_console.hpp"
#include "drover/console/assets.hpp"
#include "drover/lwm2m/model/ddf.hpp"

namespace drover::apps {

namespace asio = boost::asio;

namespace {

// Client-supplied text, with control characters masked: it must not drive the terminal.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

std::string describe(const server::Registration& r) {
  std::string objects;
  for (const auto& o : r.objects->objects) {
    if (!objects.empty()) objects += ' ';
    objects += std::to_string(o.object_id);
    if (o.version) objects += "@" + printable(*o.version);
    if (!o.instances.empty()) objects += "(" + std::to_string(o.instances.size()) + ")";
  }
  return printable(r.endpoint) + " at /rd/" + r.location + " from " + r.peer.to_string() +
         ", lwm2m " + std::string(lwm2m::to_string(r.version)) + ", lifetime " +
         std::to_string(r.lifetime) + " s, binding " + printable(r.binding) +
         (r.queue_mode ? " (queue mode)" : "") +
         ", objects: " + (objects.empty() ? "none" : objects);
}

std::string describe(const std::vector<lwm2m::Record>& records) {
  constexpr std::size_t shown = 8;
  std::string out;
  for (std::size_t i = 0; i < records.size() && i < shown; ++i) {
    if (!out.empty()) out += ", ";
    out += records[i].path.to_string() + "=" + printable(records[i].value.debug_string());
  }
  if (records.size() > shown) out += ", ... (" + std::to_string(records.size()) + " values)";
  return out.empty() ? "no values" : out;
}

}  // namespace

// "[HH:MM:SS.mmm] text" on stdout, flushed: the log is read live (and by tests) through a pipe.
void server_log(std::string_view text) {
  // Whole lines: the shards of a multi-core server log from their own threads.
  static std::mutex mutex;
  std::string line = "[" + clock_stamp() + "] ";
  line.append(text).append("\n");
  std::lock_guard lock(mutex);
  std::cout << line << std::flush;
}

void log_server_event(const server::ServerEvent& event) {
  std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, server::Registered>) {
          server_log("registered " + describe(e.registration));
        } else if constexpr (std::is_same_v<T, server::Updated>) {
          server_log("updated " + describe(e.registration) +
                     (e.objects_changed ? " (new object list)" : ""));
        } else if constexpr (std::is_same_v<T, server::Deregistered>) {
          server_log("deregistered " + printable(e.registration.endpoint) + " (/rd/" +
                     e.registration.location + ")");
        } else if constexpr (std::is_same_v<T, server::Expired>) {
          server_log("expired " + printable(e.registration.endpoint) + " (/rd/" +
                     e.registration.location + "): no update within its lifetime");
        } else if constexpr (std::is_same_v<T, server::Replaced>) {
          server_log("replaced " + printable(e.previous.endpoint) + " (/rd/" + e.previous.location +
                     "): the client registered again");
        } else if constexpr (std::is_same_v<T, server::Sleeping>) {
          server_log("sleeping " + printable(e.endpoint));
        } else if constexpr (std::is_same_v<T, server::Awake>) {
          server_log("awake " + printable(e.endpoint));
        } else if constexpr (std::is_same_v<T, server::Notification>) {
          server_log("notification from " + printable(e.endpoint) + " #" +
                     std::to_string(e.observation.value) + ": " + e.code.to_string() + " " +
                     (e.diagnostic.empty() ? describe(e.records) : printable(e.diagnostic)));
        } else if constexpr (std::is_same_v<T, server::SendReceived>) {
          server_log("send from " + printable(e.endpoint) + " (" +
                     std::string(lwm2m::to_string(e.format)) + "): " + describe(e.records));
        } else if constexpr (std::is_same_v<T, server::OperationCompleted>) {
          server_log("operation #" + std::to_string(e.id.value) + " on " + printable(e.endpoint) +
                     ": " + std::string(server::to_string(e.result.status)));
        } else if constexpr (std::is_same_v<T, server::ObservationEnded>) {
          server_log("observation #" + std::to_string(e.observation.value) + " of " +
                     printable(e.endpoint) + " ended: " + std::string(server::to_string(e.reason)));
        }
      },
      event);
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

std::optional<EventLog> event_log_from_string(std::string_view text) {
  if (text == "all") return EventLog::All;
  if (text == "registrations") return EventLog::Registrations;
  if (text == "none") return EventLog::None;
  return std::nullopt;
}

bool logged(EventLog log, const server::ServerEvent& event) {
  switch (log) {
    case EventLog::All:
      return true;
    case EventLog::None:
      return false;
    case EventLog::Registrations:
      return !std::holds_alternative<server::Updated>(event) &&
             !std::holds_alternative<server::Notification>(event) &&
             !std::holds_alternative<server::SendReceived>(event) &&
             !std::holds_alternative<server::OperationCompleted>(event) &&
             !std::holds_alternative<server::ObservationEnded>(event);
  }
  return true;
}

ServerRuntime::ServerRuntime(asio::io_context& io, std::size_t max_registrations,
                             http::ApiConfig api)
    : io_(io),
      core_(server_config(max_registrations)),
      tap_(core_),
      loop_(io, front_, loop_config()),
      api_(core_, api),
      http_(
          io, api_, [this] { loop_.flush_soon(); },
          http::HttpServerConfig{.log = [](std::string_view text) { server_log(text); }}),
      stop_(io) {
  http_.set_message_log(&tap_);
  loop_.set_error_handler([](std::string_view what, std::error_code ec) {
    server_log(std::string(what) + " error: " + ec.message());
  });
  loop_.set_after_input([this] { drain_events(); });
}

void ServerRuntime::drain_events() {
  server::ServerEvent event;
  while (core_.poll_event(event)) {
    if (logged(event_log_, event)) log_server_event(event);
    http_.on_event(event);
    if (event_sink_) event_sink_(event);
  }
}

int ServerRuntime::open_coaps(const std::string& address, const ServerSecurityOptions& options) {
  if (!options.any()) return 0;
  dtls::ServerCredentials credentials;
  if (auto error = load_server_security(options, security_store_, credentials)) {
    server_log(*error);
    return 2;
  }
  try {
    dtls_ = std::make_unique<dtls::DtlsServer>(tap_, std::move(credentials));
  } catch (const std::exception& e) {
    server_log(std::string("DTLS: ") + e.what());
    return 2;
  }
  coaps_loop_ = std::make_unique<transport::DatagramLoop>(io_, *dtls_, loop_config());
  coaps_loop_->set_error_handler([](std::string_view what, std::error_code ec) {
    server_log("coaps " + std::string(what) + " error: " + ec.message());
  });
  coaps_loop_->set_after_input([this] { drain_events(); });
  // Each face's loop sends what the other face took out of the server core for it.
  dtls_->set_wakeups([this] { coaps_loop_->flush_soon(); }, [this] { loop_.flush_soon(); });
  front_.set(dtls_->plain());
  core_.set_security_lookup(
      [this](const coap::PeerAddress& peer) -> std::optional<server::PeerSecurity> {
        const dtls::PeerIdentity* id = dtls_->identity_of(peer);
        if (!id) return std::nullopt;
        return server::PeerSecurity{id->text(), id->endpoint};
      });
  if (int code = open_coap_with(address, options.coaps_port, [this](const coap::PeerAddress& a) {
        return coaps_loop_->open(a);
      }))
    return code;
  std::string kinds;
  if (security_store_.size()) kinds += std::to_string(security_store_.size()) + " credentials";
  if (options.certificate_file.size()) kinds += std::string(kinds.empty() ? "" : ", ") + "X.509";
  if (options.rpk_key_file.size())
    kinds += std::string(kinds.empty() ? "" : ", ") + "raw public key";
  server_log("LwM2M server listening on coaps://" + coaps_loop_->local_address().to_string() +
             " (DTLS 1.2: " + kinds + ")");
  return 0;
}

int load_models_into(const std::vector<std::string>& directories, lwm2m::ObjectRegistry& registry) {
  for (const auto& dir : directories) {
    const auto report = lwm2m::load_ddf_directory(dir, registry);
    if (!report.error.empty()) {
      server_log("--models " + dir + ": " + report.error);
      return 2;
    }
    server_log("models from " + dir + ": " + std::to_string(report.added) + " added, " +
               std::to_string(report.rejected.size()) + " rejected");
    for (const auto& rejected : report.rejected)
      server_log("  rejected " + rejected.file.string() + ": " + rejected.reason);
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
    server_log("--address: not an IP address: " + address);
    return 2;
  }
  if (ec) {
    server_log("cannot listen on UDP port " + std::to_string(port) + ": " + ec.message());
    return 1;
  }
  return 0;
}

int ServerRuntime::open_coap(const std::string& address, std::uint16_t port) {
  if (int code = open_coap_with(address, port,
                                [this](const coap::PeerAddress& a) { return loop_.open(a); }))
    return code;
  server_log("LwM2M server listening on coap://" + loop_.local_address().to_string() + " (" +
             std::to_string(core_.objects().size()) + " object definitions)");
  return 0;
}

std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    server_log("--api-token-file: cannot read " + path);
    return std::nullopt;
  }
  const auto first = line.find_first_not_of(" \t\r");
  const auto last = line.find_last_not_of(" \t\r");
  const std::string token = first == std::string::npos ? "" : line.substr(first, last - first + 1);
  if (token.size() < 16) {
    server_log("--api-token-file: the token in " + path +
               " is shorter than 16 characters (make one with: openssl rand -hex 32)");
    return std::nullopt;
  }
  return token;
}

int open_http_api(http::HttpServer& http, const HttpOptions& o, bool console) {
  boost::system::error_code address_error;
  const auto http_address = asio::ip::make_address(o.address, address_error);
  if (address_error) {
    server_log("--http-address: not an IP address: " + o.address);
    return 2;
  }
  if (!o.token_file.empty()) {
    auto token = read_token_file(o.token_file);
    if (!token) return 2;
    http.set_token(std::move(*token));
  } else if (!http_address.is_loopback()) {
    server_log("--http-address " + o.address +
               " is not loopback: the API and console there need a token (--api-token-file)");
    return 2;
  }
  if (o.certificate_file.empty() != o.key_file.empty()) {
    server_log("HTTPS needs both --https-cert and --https-key");
    return 2;
  }
  if (!o.certificate_file.empty()) {
    if (auto why = http.use_tls(o.certificate_file, o.key_file)) {
      server_log("HTTPS: " + *why);
      return 2;
    }
  } else if (!http_address.is_loopback()) {
    server_log("warning: the token travels in clear text on " + o.address +
               "; use HTTPS (--https-cert, --https-key) or a proxy that does");
  }
  if (console) http.set_assets(http::AssetTable(console::assets()));
  if (auto ec = http.open({http_address, o.port})) {
    server_log("cannot listen on TCP port " + std::to_string(o.port) + ": " + ec.message());
    return 1;
  }
  if (!console) {
    server_log("HTTP API on " + http_base_url(http) + "/api/" +
               (o.token_file.empty() ? "" : ", token required"));
    return 0;
  }
  server_log("console on " + http_base_url(http) + "/, HTTP API on " + http_base_url(http) +
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
    server_log(std::string("caught ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
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
  server_log("stopped: " + std::to_string(registrations) + " registrations, " +
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
}

}  // namespace drover::apps
