// `drover demo`: the demo CoAP server on 127.0.0.1 and an in-process Drover client that walks
// through it (GET, PUT, block-wise GET and PUT, observe), then keeps serving for other clients.
#include <csignal>
#include <iostream>
#include <memory>

#include "coap_client_session.hpp"
#include "coap_console.hpp"
#include "coap_demo_server.hpp"
#include "command.hpp"
#include "drover/transport/asio.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;
using transport::CoapUdpEndpoint;

struct DemoOptions {
  std::uint16_t port = 5683;
  double duration = -1;
};

constexpr std::string_view who = "demo";

coap::Message make_request(coap::Code code, std::string_view path, std::string_view payload = {}) {
  coap::Message m;
  m.code = code;
  m.set_uri_path(path);
  if (!payload.empty()) m.set_payload(payload);
  return m;
}

// One scripted exchange: prints the request and its outcome; false when it did not succeed.
bool step(CoapClientSession& session, const coap::PeerAddress& server, std::string_view title,
          coap::Message request, const coap::RequestOptions& options = {},
          const std::function<bool(const coap::Message&)>& check = nullptr) {
  std::cout << "\n== " << title << "\n   -> " << describe(request) << '\n';
  auto outcome = session.call(server, std::move(request), options);
  if (!outcome.response) {
    std::cout << "   !! " << outcome.failure.value_or("no response") << '\n';
    return false;
  }
  std::cout << "   <- " << describe(*outcome.response) << '\n';
  if (!outcome.ok() || (check && !check(*outcome.response))) {
    std::cout << "   !! unexpected response\n";
    return false;
  }
  return true;
}

bool run_script(CoapClientSession& session, const coap::PeerAddress& server) {
  bool ok = true;
  ok &= step(session, server, "Discovery: GET /.well-known/core",
             make_request(coap::codes::Get, "/.well-known/core"));
  ok &= step(session, server, "GET /test", make_request(coap::codes::Get, "/test"));
  ok &= step(session, server, "PUT /test (store a new body)",
             make_request(coap::codes::Put, "/test", "Hello from the Drover demo client"));
  ok &= step(session, server, "GET /test (read it back)", make_request(coap::codes::Get, "/test"),
             {}, [](const coap::Message& r) {
               return r.payload_string() == "Hello from the Drover demo client";
             });

  coap::RequestOptions blocks64;
  blocks64.block_szx = 2;  // 64-byte blocks
  ok &= step(session, server, "Block-wise GET /large (Block2, 64-byte blocks: 79 round trips)",
             make_request(coap::codes::Get, "/large"), blocks64, [](const coap::Message& r) {
               const bool same = r.payload_string() == DemoCoapServer::large_body();
               std::cout << "   .. reassembled " << r.payload().size() << " bytes, "
                         << (same ? "identical to" : "DIFFERENT from") << " the server's body\n";
               return same;
             });
  std::string upload(4096, '\0');
  for (std::size_t i = 0; i < upload.size(); ++i) upload[i] = static_cast<char>('A' + i % 26);
  ok &= step(session, server, "Block-wise PUT /upload (Block1, 4096 bytes in 64-byte blocks)",
             make_request(coap::codes::Put, "/upload", upload), blocks64,
             [](const coap::Message& r) { return r.payload_string() == "received 4096 bytes"; });

  std::cout << "\n== Observe /counter (3 notifications, one per second)\n   -> "
            << describe(make_request(coap::codes::Get, "/counter")) << ", Observe 0\n";
  int notifications = 0;
  auto observed = session.observe(server, make_request(coap::codes::Get, "/counter"), {},
                                  [&](const coap::Message& msg, bool notification) {
                                    if (notification) ++notifications;
                                    std::cout << "   <- " << describe(msg) << '\n';
                                    return notifications < 3;
                                  });
  if (!observed.ok() || notifications < 3) {
    std::cout << "   !! " << observed.failure.value_or("observation ended early") << '\n';
    ok = false;
  } else {
    std::cout << "   .. deregistered (GET with Observe 1)\n";
  }
  return ok;
}

void print_try_commands(std::uint16_t port) {
  const std::string base = "coap://127.0.0.1:" + std::to_string(port);
  std::cout
      << "\nThe server keeps running. Try it with libcoap's client (package libcoap3-bin):\n"
      << "  coap-client-notls -m get " << base << "/.well-known/core\n"
      << "  coap-client-notls -m get " << base << "/test\n"
      << "  coap-client-notls -m put -e 'new text' " << base << "/test\n"
      << "  coap-client-notls -m get -b 64 " << base << "/large\n"
      << "  coap-client-notls -m get -s 5 " << base << "/counter\n"
      << "  head -c 3000 /dev/zero > /tmp/blob && coap-client-notls -m put -b 64 -f /tmp/blob "
      << base << "/upload\n"
      << "or with Drover's own client:\n"
      << "  drover coap get " << base << "/large --block-size 64\n"
      << "  drover coap observe " << base << "/counter --observe 5\n"
      << "Press Ctrl-C to stop.\n"
      << std::flush;
}

int run_demo(const DemoOptions& o) {
  asio::io_context io;
  transport::CoapUdpEndpointConfig config;
  CoapUdpEndpoint server_endpoint(io, config);
  if (auto ec = server_endpoint.open(coap::PeerAddress::loopback_v4(o.port))) {
    log_line(who, "cannot listen on 127.0.0.1:" + std::to_string(o.port) + ": " + ec.message() +
                      " (choose another with --port)");
    return 1;
  }
  DemoCoapServer server(io, server_endpoint, false);

  CoapUdpEndpoint client_endpoint(io, config);
  if (auto ec = client_endpoint.open(coap::PeerAddress::loopback_v4(0))) {
    log_line(who, "cannot open the client socket: " + ec.message());
    return 1;
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const boost::system::error_code& ec, int) {
    if (!ec) io.stop();
  });

  const auto address = server_endpoint.local_address();
  std::cout << "Drover CoAP demo: server on coap://" << address.to_string() << ", client on "
            << client_endpoint.local_address().to_string() << '\n';
  CoapClientSession session(io, client_endpoint);
  const bool ok = run_script(session, address);
  if (io.stopped()) return 130;
  std::cout << '\n'
            << (ok ? "All demo exchanges succeeded." : "Some demo exchanges FAILED.") << '\n';
  client_endpoint.close();

  server.set_logging(true);  // from here on, each request served is logged
  print_try_commands(address.port);
  asio::steady_timer stop_timer(io);
  if (o.duration >= 0) {
    stop_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(o.duration)));
    stop_timer.async_wait([&io](const boost::system::error_code& ec) {
      if (!ec) io.stop();
    });
  }
  io.run();
  std::cout << "Demo stopped.\n";
  return ok ? 0 : 1;
}

const RegisterCommand register_demo([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  auto* cmd = app.add_subcommand(
      "demo", "Run a CoAP demo: a server on 127.0.0.1 and a client walking through it");
  cmd->footer(
      "Starts the demo CoAP server (see `drover coap-server --help`), shows GET, PUT, block-wise "
      "GET and PUT "
      "and observe against it with Drover's client, then keeps serving until Ctrl-C.");
  cmd->add_option("-p,--port", o->port, "UDP port of the server on 127.0.0.1")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration,
                  "Seconds to keep serving after the demo exchanges (default: until Ctrl-C)");
  cmd->callback([o, &exit_code] { exit_code = run_demo(*o); });
});

}  // namespace
}  // namespace drover::apps
