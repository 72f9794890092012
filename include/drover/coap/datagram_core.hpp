// The shape of every sans-I/O protocol core that talks in datagrams: the CoAP engine, the LwM2M
// server and client. A driver (transport/, or a test with a fake clock) feeds it datagrams and the
// time and takes datagrams and the next timer expiry out; the core owns no socket and no clock.
#pragma once

#include <optional>
#include <span>

#include "drover/coap/engine.hpp"

namespace drover::coap {

class DatagramCore {
 public:
  virtual ~DatagramCore() = default;
  // One datagram from `peer`.
  virtual void receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram,
                       TimePoint now) = 0;
  // The start of a datagram from `peer` that did not fit the driver's receive buffer (see
  // Engine::receive_truncated). A core that does not override it drops such datagrams.
  virtual void receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                                 TimePoint now) {
    (void)peer, (void)prefix, (void)now;
  }
  // Runs every timer due at `now`; calling it early is harmless.
  virtual void on_timer(TimePoint now) = 0;
  // The next datagram to send; `out.bytes` stays valid until the next non-const call.
  virtual bool poll_transmit(Transmit& out) = 0;
  // When on_timer should run next; nullopt when nothing is armed.
  virtual std::optional<TimePoint> next_expiry() const = 0;
};

// A core in front of another that passes on whatever it does not override: a tap, a trace, a
// switch between cores.
class ForwardingCore : public DatagramCore {
 public:
  // `inner` must outlive this core.
  explicit ForwardingCore(DatagramCore& inner) : inner_(&inner) {}
  void receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override {
    inner_->receive(peer, datagram, now);
  }
  void receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now) override {
    inner_->receive_truncated(peer, prefix, now);
  }
  void on_timer(TimePoint now) override { inner_->on_timer(now); }
  bool poll_transmit(Transmit& out) override { return inner_->poll_transmit(out); }
  std::optional<TimePoint> next_expiry() const override { return inner_->next_expiry(); }

 protected:
  DatagramCore& inner() const { return *inner_; }
  void set_inner(DatagramCore& inner) { inner_ = &inner; }

 private:
  DatagramCore* inner_;
};

}  // namespace drover::coap
