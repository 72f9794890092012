// `drover coap-server`: the demo CoAP server. `drover coap METHOD URI`: a CoAP client.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

#include "app_support.hpp"
#include "coap_client_session.hpp"
#include "coap_console.hpp"
#include "coap_demo_server.hpp"
#include "command.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/log/log.hpp"
#include "drover/transport/asio.hpp"
#include "drover/transport/coap_uri.hpp"
#include "log_options.hpp"
#include "security_options.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;
using log::Component;
using transport::CoapUdpEndpoint;
using transport::CoapUdpEndpointConfig;

// Stops `io` on SIGINT/SIGTERM.
void stop_on_signals(asio::signal_set& signals, asio::io_context& io) {
  signals.async_wait([&io](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info(Component::Coap, {"signal"},
              std::string("caught ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    io.stop();
  });
}

// ------------------------------------------------------------------------------------------------
// server
struct ServerOptions {
  std::uint16_t port = 5683;
  std::string bind;
  double duration = 0;
  bool quiet = false;
};

int run_server(const ServerOptions& o) {
  asio::io_context io;
  CoapUdpEndpointConfig config;
  config.socket.dual_stack = true;
  CoapUdpEndpoint endpoint(io, config);
  endpoint.set_error_handler([](std::string_view what, std::error_code ec) {
    log::error(Component::Coap, {"socket_error"}, std::string(what) + " error: " + ec.message());
  });

  std::error_code ec;
  if (o.bind.empty()) {
    coap::PeerAddress any6;  // [::] with IPv4 too; plain 0.0.0.0 where IPv6 is off
    any6.v6 = true;
    any6.port = o.port;
    ec = endpoint.open(any6);
    if (ec && ec != std::errc::address_in_use)
      ec = endpoint.open(coap::PeerAddress::v4({0, 0, 0, 0}, o.port));
  } else if (auto addr = bind_address(o.bind, o.port)) {
    ec = endpoint.open(*addr);
  } else {
    log::error(Component::Coap, {"config_error"}, "--bind: not an IP address: " + o.bind);
    return 2;
  }
  if (ec) {
    log::error(Component::Coap, {"socket_error"},
               "cannot listen on port " + std::to_string(o.port) + ": " + ec.message());
    return 1;
  }

  DemoCoapServer server(io, endpoint, !o.quiet);
  log::info(Component::Coap, {"listening"},
            "listening on " + endpoint.local_address().to_string() +
                " (resources: /test /large /counter /upload /.well-known/core)");
  asio::signal_set signals(io, SIGINT, SIGTERM);
  stop_on_signals(signals, io);
  asio::steady_timer stop_timer(io);
  if (o.duration > 0) {
    stop_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.duration)));
    stop_timer.async_wait([&io](const boost::system::error_code& e) {
      if (!e) io.stop();
    });
  }
  io.run();
  const auto& s = endpoint.engine().stats();
  log::info(Component::Coap, {"stopped"},
            "stopped: " + std::to_string(s.datagrams_received) + " datagrams in, " +
                std::to_string(s.datagrams_sent) + " out, " + std::to_string(s.malformed) +
                " malformed, " + std::to_string(endpoint.socket_stats().truncated) + " oversized");
  return 0;
}

// ------------------------------------------------------------------------------------------------
// client
struct ClientOptions {
  std::string method;
  std::string uri;
  std::string payload;
  std::string payload_file;
  std::string output;
  int content_format = -1;
  int accept = -1;
  unsigned block_size = 0;
  unsigned observe = 0;
  double timeout = 30;
  bool non = false;
  ClientSecurityOptions security;  // coaps://
};

std::optional<std::uint8_t> szx_of(unsigned block_size) {
  for (std::uint8_t szx = 0; szx <= 6; ++szx)
    if (block_size == (16u << szx)) return szx;
  return std::nullopt;
}

int run_client(const ClientOptions& o) {
  std::string error;
  auto uri = transport::parse_coap_uri(o.uri, error);
  if (!uri) {
    log::error(Component::Coap, {"config_error"}, o.uri + ": " + error);
    return 2;
  }
  if (uri->scheme != "coap" && uri->scheme != "coaps") {
    log::error(Component::Coap, {"config_error"},
               uri->scheme + ":// is not supported (coap:// or coaps://)");
    return 2;
  }
  auto peer = transport::resolve(*uri, error);
  if (!peer) {
    log::error(Component::Coap, {"config_error"}, error);
    return 2;
  }
  std::optional<dtls::ClientCredentials> security;
  if (!credentials_for_uri(uri->scheme, uri->host, o.security, security, error)) {
    log::error(Component::Coap, {"config_error"}, error);
    return 2;
  }

  coap::Message request;
  const std::string& m = o.method;
  request.code = m == "put"      ? coap::codes::Put
                 : m == "post"   ? coap::codes::Post
                 : m == "delete" ? coap::codes::Delete
                                 : coap::codes::Get;
  uri->apply_to(request);
  if (!o.payload_file.empty()) {
    std::ifstream in(o.payload_file, std::ios::binary);
    if (!in) {
      log::error(Component::Coap, {"config_error"}, "cannot read " + o.payload_file);
      return 2;
    }
    std::string body;
    char chunk[4096];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0)
      body.append(chunk, static_cast<std::size_t>(in.gcount()));
    request.set_payload(body);
  } else if (!o.payload.empty()) {
    request.set_payload(o.payload);
  }
  if (o.content_format >= 0)
    request.add_uint_option(coap::options::ContentFormat,
                            static_cast<std::uint32_t>(o.content_format));
  if (o.accept >= 0)
    request.add_uint_option(coap::options::Accept, static_cast<std::uint32_t>(o.accept));

  coap::RequestOptions options;
  options.confirmable = !o.non;
  const auto timeout =
      std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(o.timeout));
  options.timeout = timeout;
  if (o.block_size != 0) {
    options.block_szx = szx_of(o.block_size);
    if (!options.block_szx) {
      log::error(Component::Coap, {"config_error"},
                 "--block-size must be one of 16, 32, 64, 128, 256, 512, 1024");
      return 2;
    }
  }

  asio::io_context io;
  CoapUdpEndpointConfig config;
  config.engine.request_timeout = timeout;
  dtls::DtlsClient* dtls = nullptr;  // owned by the endpoint
  if (security)
    config.front = [&](coap::DatagramCore& engine) {
      auto core = std::make_unique<dtls::DtlsClient>(engine, *peer, *security);
      dtls = core.get();
      return core;
    };
  CoapUdpEndpoint endpoint(io, config);
  endpoint.set_error_handler([](std::string_view what, std::error_code ec) {
    log::error(Component::Coap, {"socket_error"}, std::string(what) + " error: " + ec.message());
  });
  coap::PeerAddress local;  // the wildcard of the peer's family, any port
  local.v6 = peer->v6;
  if (auto ec = endpoint.open(local)) {
    log::error(Component::Coap, {"socket_error"}, "cannot open a UDP socket: " + ec.message());
    return 1;
  }
  if (dtls) {
    // The handshake from now: the core's clock is what its calls were given.
    dtls->connect(transport::DatagramLoop::now());
    endpoint.flush_soon();
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  stop_on_signals(signals, io);

  std::ofstream file;
  if (!o.output.empty()) {
    file.open(o.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      log::error(Component::Coap, {"config_error"}, "cannot write " + o.output);
      return 2;
    }
  }
  std::ostream& out = o.output.empty() ? std::cout : file;
  auto print_payload = [&out](const coap::Message& msg) {
    out.write(reinterpret_cast<const char*>(msg.payload().data()),
              static_cast<std::streamsize>(msg.payload().size()));
    if (&out == &std::cout && !msg.payload().empty() && msg.payload().back() != '\n') out << '\n';
    out.flush();
  };

  const bool observe = m == "observe" || o.observe > 0;
  if (observe) request.set_uint_option(coap::options::Observe, 0);
  log::info(Component::Coap, {"request"}, describe(request) + " -> " + peer->to_string());
  CoapClientSession session(io, endpoint);
  CoapOutcome outcome;
  if (observe) {
    const unsigned want = o.observe > 0 ? o.observe : 3;
    unsigned seen = 0;
    outcome = session.observe(
        *peer, std::move(request), options, [&](const coap::Message& msg, bool notification) {
          if (notification) ++seen;
          log::info(Component::Coap, {notification ? "notification" : "response"},
                    (notification ? "notification " + std::to_string(seen) + "/" +
                                        std::to_string(want) + ": "
                                  : std::string()) +
                        describe(msg));
          print_payload(msg);
          return seen < want;
        });
  } else {
    outcome = session.call(*peer, std::move(request), options);
    if (outcome.response) {
      log::info(Component::Coap, {"response"}, describe(*outcome.response));
      print_payload(*outcome.response);
    }
  }
  if (dtls && !dtls->last_error().empty())
    log::error(Component::Coap, {"dtls"},
               "DTLS " + std::string(dtls::to_string(dtls->state())) + ": " + dtls->last_error());
  if (dtls && dtls->state() == dtls::ClientState::Connected) {
    // close_notify, so that the server drops the session now rather than at its idle timeout.
    dtls->close(transport::DatagramLoop::now());
    endpoint.flush_soon();
    io.restart();
    io.poll();
  }
  if (outcome.failure) {
    log::error(Component::Coap, {"failed"}, "failed: " + *outcome.failure);
    return 1;
  }
  return outcome.ok() ? 0 : 3;
}

const RegisterCommand register_server([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServerOptions>();
  auto* cmd = app.add_subcommand("coap-server", "Run the demo CoAP server (UDP)");
  cmd->footer(
      "Resources: /test (GET PUT POST DELETE), /large (5000 bytes, Block2), /counter (observable, "
      "+1 "
      "per second), /upload (PUT/POST of any size, Block1), /.well-known/core.\n"
      "Example: drover coap-server --port 5683 & coap-client-notls -m get coap://127.0.0.1/test");
  cmd->add_option("-p,--port", o->port, "UDP port")->capture_default_str();
  cmd->add_option("-b,--bind", o->bind, "Local IP address (default: all, IPv6 and IPv4)");
  cmd->add_option("--duration", o->duration,
                  "Stop after this many seconds (default: run until Ctrl-C)");
  cmd->add_flag("-q,--quiet", o->quiet, "Do not log each request");
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] { exit_code = run_server(*o); });
});

const RegisterCommand register_client([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ClientOptions>();
  auto* cmd =
      app.add_subcommand("coap", "Send one CoAP request (or observe) and print the response");
  cmd->footer(
      "The response body goes to stdout (or --output), the exchange log to stderr.\n"
      "Exit status: 0 for a 2.xx response, 3 for another response code, 1 when no response came, 2 "
      "for "
      "bad arguments.\n"
      "Examples:\n"
      "  drover coap get coap://127.0.0.1:5683/large --block-size 64\n"
      "  drover coap put coap://127.0.0.1/test --payload 'hello'\n"
      "  drover coap observe coap://[::1]/counter --observe 5\n"
      "  drover coap get coaps://127.0.0.1/test --psk-identity dev1 --psk-key 73656372657431");
  cmd->add_option("method", o->method, "get, put, post, delete or observe")
      ->required()
      ->check(CLI::IsMember({"get", "put", "post", "delete", "observe"}));
  cmd->add_option("uri", o->uri, "coap[s]://host[:port]/path[?query]")->required();
  cmd->add_option("--payload", o->payload, "Request body (text)");
  cmd->add_option("--payload-file", o->payload_file, "Request body read from a file")
      ->excludes("--payload");
  cmd->add_option("-o,--output", o->output,
                  "Write the response body to this file instead of stdout");
  cmd->add_option("--content-format", o->content_format,
                  "Content-Format of the body (e.g. 0 text, 42 octets)");
  cmd->add_option("--accept", o->accept, "Accept option (content format wanted)");
  cmd->add_option("--block-size", o->block_size,
                  "Block size for Block1/Block2 (16..1024, power of two)");
  cmd->add_option("--observe", o->observe,
                  "Observe: stop after this many notifications (observe: 3)");
  add_client_security_options(*cmd, o->security);
  cmd->add_option("--timeout", o->timeout, "Seconds to wait for the response")
      ->capture_default_str();
  cmd->add_flag("--non", o->non, "Send the request as non-confirmable (NON)");
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] { exit_code = run_client(*o); });
});

}  // namespace
}  // namespace drover::apps
