// Every CoAP message of a core in the log, at trace level (component coap): a core in front of
// another that passes everything through. With trace off a datagram costs one level check.
#pragma once

#include "drover/coap/datagram_core.hpp"
#include "drover/coap/engine.hpp"
#include "drover/coap/message.hpp"

namespace drover::apps {

class CoapTrace final : public coap::DatagramCore {
 public:
  // `inner` must outlive the trace.
  explicit CoapTrace(coap::DatagramCore& inner) : inner_(inner) {}

  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               coap::TimePoint now) override;
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         coap::TimePoint now) override {
    inner_.receive_truncated(peer, prefix, now);
  }
  void on_timer(coap::TimePoint now) override { inner_.on_timer(now); }
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<coap::TimePoint> next_expiry() const override { return inner_.next_expiry(); }

 private:
  void trace(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram, bool in);

  coap::DatagramCore& inner_;
  coap::Message message_;  // reused for every datagram traced
};

}  // namespace drover::apps
