// `drover server`: the LwM2M server on CoAP over UDP, with its HTTP/JSON API (docs/http-api.md)
// on the same event loop. It accepts registrations, Send and notifications, and logs one line per
// registration, update, de-registration, expiry, notification and Send on stdout.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app_support.hpp"
#include "command.hpp"
#include "drover/http/api.hpp"
#include "drover/http/http_server.hpp"
#include "drover/lwm2m/model/ddf.hpp"
#include "drover/server/server.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;

struct ServerCommandOptions {
  std::uint16_t coap_port = 5683;
  std::string address;
  std::uint16_t http_port = 8080;
  std::string http_address = "127.0.0.1";
  std::vector<std::string> models;
  double duration = 0;
};

// "[HH:MM:SS.mmm] text" on stdout, flushed: the log is read live (and by tests) through a pipe.
void log(std::string_view text) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&secs, &local);
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(millis));
  std::cout << '[' << stamp << "] " << text << std::endl;
}

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
  for (const auto& o : r.objects.objects) {
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

void log_event(const server::ServerEvent& event) {
  std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, server::Registered>) {
          log("registered " + describe(e.registration));
        } else if constexpr (std::is_same_v<T, server::Updated>) {
          log("updated " + describe(e.registration) +
              (e.objects_changed ? " (new object list)" : ""));
        } else if constexpr (std::is_same_v<T, server::Deregistered>) {
          log("deregistered " + printable(e.registration.endpoint) + " (/rd/" +
              e.registration.location + ")");
        } else if constexpr (std::is_same_v<T, server::Expired>) {
          log("expired " + printable(e.registration.endpoint) + " (/rd/" + e.registration.location +
              "): no update within its lifetime");
        } else if constexpr (std::is_same_v<T, server::Replaced>) {
          log("replaced " + printable(e.previous.endpoint) + " (/rd/" + e.previous.location +
              "): the client registered again");
        } else if constexpr (std::is_same_v<T, server::Sleeping>) {
          log("sleeping " + printable(e.endpoint));
        } else if constexpr (std::is_same_v<T, server::Awake>) {
          log("awake " + printable(e.endpoint));
        } else if constexpr (std::is_same_v<T, server::Notification>) {
          log("notification from " + printable(e.endpoint) + " #" +
              std::to_string(e.observation.value) + ": " + e.code.to_string() + " " +
              (e.diagnostic.empty() ? describe(e.records) : printable(e.diagnostic)));
        } else if constexpr (std::is_same_v<T, server::SendReceived>) {
          log("send from " + printable(e.endpoint) + " (" +
              std::string(lwm2m::to_string(e.format)) + "): " + describe(e.records));
        } else if constexpr (std::is_same_v<T, server::OperationCompleted>) {
          log("operation #" + std::to_string(e.id.value) + " on " + printable(e.endpoint) + ": " +
              std::string(server::to_string(e.result.status)));
        } else if constexpr (std::is_same_v<T, server::ObservationEnded>) {
          log("observation #" + std::to_string(e.observation.value) + " of " +
              printable(e.endpoint) + " ended: " + std::string(server::to_string(e.reason)));
        }
      },
      event);
}

int run_server(const ServerCommandOptions& o) {
  server::ServerConfig config;
  config.random_seed = os_random_seed();
  config.wall_clock = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  server::Server core(std::move(config));

  for (const auto& dir : o.models) {
    const auto report = lwm2m::load_ddf_directory(dir, core.objects());
    if (!report.error.empty()) {
      log("--models " + dir + ": " + report.error);
      return 2;
    }
    log("models from " + dir + ": " + std::to_string(report.added) + " added, " +
        std::to_string(report.rejected.size()) + " rejected");
    for (const auto& rejected : report.rejected)
      log("  rejected " + rejected.file.string() + ": " + rejected.reason);
  }

  asio::io_context io;
  transport::DatagramLoopConfig loop_config;
  loop_config.socket.dual_stack = true;
  transport::DatagramLoop loop(io, core, loop_config);
  loop.set_error_handler([](std::string_view what, std::error_code ec) {
    log(std::string(what) + " error: " + ec.message());
  });
  // The HTTP API shares the loop's thread: the core is only ever touched from here.
  http::Api api(core);
  http::HttpServer http_server(io, api, [&loop] { loop.flush_soon(); });
  loop.set_after_input([&core, &http_server] {
    server::ServerEvent event;
    while (core.poll_event(event)) {
      log_event(event);
      http_server.on_event(event);
    }
  });

  std::error_code ec;
  if (o.address.empty()) {
    coap::PeerAddress any6;  // [::] with IPv4 too; plain 0.0.0.0 where IPv6 is off
    any6.v6 = true;
    any6.port = o.coap_port;
    ec = loop.open(any6);
    if (ec && ec != std::errc::address_in_use)
      ec = loop.open(coap::PeerAddress::v4({0, 0, 0, 0}, o.coap_port));
  } else if (auto addr = bind_address(o.address, o.coap_port)) {
    ec = loop.open(*addr);
  } else {
    log("--address: not an IP address: " + o.address);
    return 2;
  }
  if (ec) {
    log("cannot listen on UDP port " + std::to_string(o.coap_port) + ": " + ec.message());
    return 1;
  }
  log("LwM2M server listening on coap://" + loop.local_address().to_string() + " (" +
      std::to_string(core.objects().size()) + " object definitions)");

  boost::system::error_code address_error;
  const auto http_address = asio::ip::make_address(o.http_address, address_error);
  if (address_error) {
    log("--http-address: not an IP address: " + o.http_address);
    return 2;
  }
  if (auto http_error = http_server.open({http_address, o.http_port})) {
    log("cannot listen on TCP port " + std::to_string(o.http_port) + ": " + http_error.message());
    return 1;
  }
  const auto http_local = http_server.local_endpoint();
  log("HTTP API on http://" +
      (http_local.address().is_v6() ? "[" + http_local.address().to_string() + "]"
                                     : http_local.address().to_string()) +
      ":" + std::to_string(http_local.port()) + "/api/clients");

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& e, int signal) {
    if (e) return;
    log(std::string("caught ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    io.stop();
  });
  asio::steady_timer stop_timer(io);
  if (o.duration > 0) {
    stop_timer.expires_after(
        std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(o.duration)));
    stop_timer.async_wait([&io](const boost::system::error_code& e) {
      if (!e) io.stop();
    });
  }
  io.run();
  const auto& stats = core.engine_stats();
  log("stopped: " + std::to_string(core.counts().registrations) + " registrations, " +
      std::to_string(stats.datagrams_received) + " datagrams in, " +
      std::to_string(stats.datagrams_sent) + " out, " + std::to_string(stats.malformed) +
      " malformed");
  return 0;
}

const RegisterCommand register_server([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServerCommandOptions>();
  auto* cmd = app.add_subcommand("server", "Run the LwM2M server (CoAP over UDP, NoSec)");
  cmd->footer(
      "Logs one line per registration, update, de-registration, expiry, notification and Send on "
      "stdout. The HTTP/JSON API (GET /api/clients, reads, writes, observe ...) is described in "
      "docs/http-api.md.\n"
      "Example: drover server --coap-port 5683 --models ../lwm2m-registry");
  cmd->add_option("--coap-port", o->coap_port, "UDP port (0: the OS picks one)")
      ->capture_default_str();
  cmd->add_option("--address", o->address, "Local IP address (default: all, IPv6 and IPv4)");
  cmd->add_option("--http-port", o->http_port, "TCP port of the HTTP API (0: the OS picks one)")
      ->capture_default_str();
  cmd->add_option("--http-address", o->http_address, "Local IP address of the HTTP API")
      ->capture_default_str();
  cmd->add_option("--models", o->models, "Directories of DDF object definitions (*.xml) to load")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--duration", o->duration,
                  "Stop after this many seconds (default: run until Ctrl-C)");
  cmd->callback([o, &exit_code] { exit_code = run_server(*o); });
});

}  // namespace
}  // namespace drover::apps
