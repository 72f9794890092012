// The demo CoAP server behind `drover coap-server`:
//   /test     GET, PUT (2.04, or 2.01 after DELETE), POST (2.01), DELETE: a stored text body
//   /large    GET: a 5000-byte text served with Block2 (100 lines, see large_body())
//   /counter  GET, observable: a counter incremented and notified every second
//   /upload   PUT/POST of any size (Block1): answers "received N bytes"; GET tells the last size
//   /.well-known/core  the link-format list of the above
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drover/transport/asio.hpp"
#include "drover/transport/coap_udp_endpoint.hpp"

namespace drover::apps {

class DemoCoapServer {
 public:
  // Takes over `endpoint`'s event handler; starts the counter's one-second tick.
  DemoCoapServer(boost::asio::io_context& io, transport::CoapUdpEndpoint& endpoint,
                 bool log_requests,
                 std::chrono::milliseconds tick_interval = std::chrono::seconds(1));

  // 100 lines of 50 bytes: "line NNNN " then 39 times the letter 'a' + NNNN % 26, then '\n'.
  static std::string large_body();

 private:
  void on_event(coap::Event& event);
  void on_request(coap::RequestReceived& req);
  coap::Message handle(const coap::RequestReceived& req, bool& accept_observe);
  void tick();

  transport::CoapUdpEndpoint& endpoint_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_interval_;
  const bool log_;
  std::optional<std::string> test_body_ = std::string("Hello from Drover");
  std::size_t last_upload_ = 0;
  std::uint64_t counter_ = 0;
  std::vector<coap::ObserverId> observers_;  // of /counter; bounded by the engine's max_observers
};

}  // namespace drover::apps
