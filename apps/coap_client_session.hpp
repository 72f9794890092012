// Sequential CoAP client calls for command-line programs: each call runs the io_context until its
// answer arrives, so a program reads top to bottom. Other endpoints on the same io_context (e.g.
// the demo server) keep being served while a call waits.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "drover/transport/asio.hpp"
#include "drover/transport/coap_udp_endpoint.hpp"

namespace drover::apps {

struct CoapOutcome {
  std::optional<coap::Message> response;  // the final response (or the observation's first one)
  std::optional<std::string> failure;     // why there is none: a refused call, a failure, a stop
  bool ok() const { return response && response->code.is_success(); }
};

class CoapClientSession {
 public:
  // Takes over `endpoint`'s event handler.
  CoapClientSession(boost::asio::io_context& io, transport::CoapUdpEndpoint& endpoint);

  CoapOutcome call(const coap::PeerAddress& peer, coap::Message request,
                   const coap::RequestOptions& options = {});

  // Registers an observation (sets Observe=0) and passes the response, then each notification, to
  // `on_update` until it returns false or the server ends the observation; then deregisters (RFC
  // 7641 §3.6) and waits for that answer. The outcome holds the registration's response.
  using UpdateHandler = std::function<bool(const coap::Message& message, bool notification)>;
  CoapOutcome observe(const coap::PeerAddress& peer, coap::Message request,
                      const coap::RequestOptions& options, UpdateHandler on_update);

 private:
  // Runs the loop until `done()`; false when the io_context was stopped (signal, --duration).
  bool run_until(const std::function<bool()>& done);
  void on_event(coap::Event& event);

  boost::asio::io_context& io_;
  transport::CoapUdpEndpoint& endpoint_;
  std::optional<coap::RequestId> waiting_;  // the call whose final answer ends the wait
  std::optional<coap::RequestId> observing_;
  UpdateHandler on_update_;
  bool observation_over_ = false;
  CoapOutcome outcome_;
  bool answered_ = false;
};

}  // namespace drover::apps
