// A small fake coap::DatagramCore for the transport's tests, over real loopback sockets.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "drover/coap/datagram_core.hpp"

namespace drover::transport::testing {

using coap::PeerAddress;
using coap::TimePoint;

struct Datagram {
  PeerAddress peer;
  std::string bytes;
};

// Records what it receives, echoes it back when `echo` is on, sends what the test queues, and has
// one timer that the test sets.
class FakeCore final : public coap::DatagramCore {
 public:
  static constexpr std::size_t kMaxQueued = 64;

  void receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint) override {
    std::string bytes(datagram.begin(), datagram.end());
    received.push_back({peer, bytes});
    if (echo) {
      EXPECT_TRUE(send(peer, bytes));
    }
  }
  void receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint) override {
    truncated.push_back({peer, std::string(prefix.begin(), prefix.end())});
  }
  void on_timer(TimePoint now) override {
    if (expiry && now >= *expiry) {
      fired_at.push_back(now);
      expiry.reset();
    }
  }
  bool poll_transmit(coap::Transmit& out) override {
    if (outgoing.empty()) return false;
    current = std::move(outgoing.front());
    outgoing.pop_front();
    out.peer = current.peer;
    out.bytes = {reinterpret_cast<const std::uint8_t*>(current.bytes.data()), current.bytes.size()};
    ++polled;
    return true;
  }
  std::optional<TimePoint> next_expiry() const override { return expiry; }

  bool send(const PeerAddress& peer, std::string bytes) {
    if (outgoing.size() == kMaxQueued) return false;
    outgoing.push_back({peer, std::move(bytes)});
    return true;
  }

  bool echo = false;
  std::optional<TimePoint> expiry;
  std::vector<Datagram> received;
  std::vector<Datagram> truncated;
  std::vector<TimePoint> fired_at;
  std::size_t polled = 0;

 private:
  std::deque<Datagram> outgoing;
  Datagram current;  // the bytes of the last poll_transmit
};

}  // namespace drover::transport::testing
