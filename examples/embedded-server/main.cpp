// An application that embeds the Drover LwM2M server core: it listens on a UDP port, prints
// every registration event, observes each new client's temperature (/3303/0/5700) and prints the
// notifications and Sends that arrive. Stops on SIGINT/SIGTERM or after --duration.
//
//   embedded-server [--port P] [--duration S]    (port 0: the OS picks; printed at start)
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>

#include "drover/server/server.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace {

namespace asio = boost::asio;
using namespace drover;

std::string records_text(const std::vector<lwm2m::Record>& records) {
  std::string out;
  for (const auto& r : records)
    out += (out.empty() ? "" : ", ") + r.path.to_string() + " = " + r.value.debug_string();
  return out;
}

class EmbeddedServer {
 public:
  explicit EmbeddedServer(asio::io_context& io) : server_(config()), loop_(io, server_) {
    loop_.set_after_input([this] { handle_events(); });
  }

  std::error_code open(std::uint16_t port) {
    return loop_.open(coap::PeerAddress::v4({0, 0, 0, 0}, port));
  }
  coap::PeerAddress address() const { return loop_.local_address(); }

 private:
  static server::ServerConfig config() {
    server::ServerConfig c;
    c.random_seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
    return c;
  }

  void handle_events() {
    const auto now = transport::DatagramLoop::now();
    server::ServerEvent event;
    while (server_.poll_event(event)) {
      if (const auto* r = std::get_if<server::Registered>(&event)) {
        const auto& reg = r->registration;
        std::cout << "registered: " << reg.endpoint << " at " << reg.peer.to_string() << std::endl;
        // Answers come as OperationCompleted, then Notification events with the same id.
        if (server_.observe(reg.endpoint, lwm2m::Path(3303, 0, 5700), {}, now))
          std::cout << "observing " << reg.endpoint << " /3303/0/5700" << std::endl;
      } else if (const auto* u = std::get_if<server::Updated>(&event)) {
        std::cout << "updated: " << u->registration.endpoint << std::endl;
      } else if (const auto* d = std::get_if<server::Deregistered>(&event)) {
        std::cout << "deregistered: " << d->registration.endpoint << std::endl;
      } else if (const auto* x = std::get_if<server::Expired>(&event)) {
        std::cout << "expired: " << x->registration.endpoint << std::endl;
      } else if (const auto* n = std::get_if<server::Notification>(&event)) {
        std::cout << "notification from " << n->endpoint << ": " << records_text(n->records)
                  << std::endl;
      } else if (const auto* s = std::get_if<server::SendReceived>(&event)) {
        std::cout << "send from " << s->endpoint << ": " << records_text(s->records) << std::endl;
      }
    }
  }

  server::Server server_;
  transport::DatagramLoop loop_;
};

}  // namespace

int main(int argc, char** argv) {
  std::uint16_t port = 5683;
  double duration = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--port") {
      port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    } else if (arg == "--duration") {
      duration = std::atof(argv[i + 1]);
    } else {
      std::cerr << "usage: embedded-server [--port P] [--duration S]\n";
      return 2;
    }
  }

  asio::io_context io;
  EmbeddedServer server(io);
  if (const auto ec = server.open(port)) {
    std::cerr << "cannot listen on UDP port " << port << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "LwM2M server on coap://" << server.address().to_string() << std::endl;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  asio::steady_timer timer(io);
  if (duration > 0) {
    timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(duration)));
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) io.stop();
    });
  }
  io.run();
  return 0;
}
