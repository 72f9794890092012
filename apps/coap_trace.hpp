// Every CoAP message of a core in the log, at trace level (component coap): a core in front of
// another that passes everything through. With trace off a datagram costs one level check.
#pragma once

#include "drover/coap/datagram_core.hpp"
#include "drover/coap/engine.hpp"
#include "drover/coap/message.hpp"

namespace drover::apps {

class CoapTrace final : public coap::ForwardingCore {
 public:
  using ForwardingCore::ForwardingCore;

  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               coap::TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;

 private:
  void trace(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram, bool in);

  coap::Message message_;  // reused for every datagram traced
};

}  // namespace drover::apps
