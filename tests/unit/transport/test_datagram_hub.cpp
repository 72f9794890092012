// DatagramHub: many fake cores on one socket, each at its own 127.x.y.z address, against a plain
// loopback socket. Every run is bounded by io_context::run_for.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drover/transport/asio.hpp"
#include "drover/transport/datagram_hub.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "unit/transport/fake_core.hpp"

namespace drover::transport {
namespace {

using namespace std::chrono_literals;
using coap::PeerAddress;
using testing::FakeCore;

constexpr auto kDeadline = 10s;

PeerAddress member_address(std::uint8_t i) {
  return PeerAddress::v4({127, 1, 0, i}, 0);
}

// A hub with `n` echoing cores at 127.1.0.1 ... and a peer with a socket (and core) of its own.
struct Hub {
  boost::asio::io_context io;
  DatagramHub hub{io};
  std::vector<std::unique_ptr<FakeCore>> cores;
  std::vector<DatagramHub::MemberId> ids;
  FakeCore peer_core;
  DatagramLoop peer{io, peer_core};

  explicit Hub(std::uint8_t n) {
    EXPECT_FALSE(hub.open(PeerAddress::v4({0, 0, 0, 0}, 0)));
    for (std::uint8_t i = 1; i <= n; ++i) {
      cores.push_back(std::make_unique<FakeCore>());
      cores.back()->echo = true;
      const auto id = hub.add(*cores.back(), member_address(i));
      EXPECT_TRUE(id);
      ids.push_back(*id);
    }
    EXPECT_FALSE(peer.open(PeerAddress::loopback_v4(0)));
  }
  PeerAddress at(std::uint8_t i) {
    auto a = member_address(i);
    a.port = hub.local_address().port;
    return a;
  }
};

TEST(DatagramHub, RoutesByDestinationAndSendsFromEachCoresAddress) {
  Hub h(3);
  h.peer.set_after_input([&] {
    if (h.peer_core.received.size() == 3) h.io.stop();
  });
  ASSERT_TRUE(h.peer_core.send(h.at(2), "to two"));
  ASSERT_TRUE(h.peer_core.send(h.at(3), "to three"));
  ASSERT_TRUE(h.peer_core.send(h.at(1), "to one"));
  h.peer.flush_soon();
  h.io.run_for(kDeadline);

  for (std::uint8_t i = 1; i <= 3; ++i) {
    ASSERT_EQ(h.cores[i - 1]->received.size(), 1u);
    EXPECT_EQ(h.cores[i - 1]->received[0].peer, h.peer.local_address());
    EXPECT_EQ(h.hub.address_of(h.ids[i - 1]), h.at(i));
  }
  EXPECT_EQ(h.cores[1]->received[0].bytes, "to two");
  // The echoes came back from the address each was sent to.
  ASSERT_EQ(h.peer_core.received.size(), 3u);
  const std::map<std::string, PeerAddress> from = {
      {"to one", h.at(1)}, {"to two", h.at(2)}, {"to three", h.at(3)}};
  for (const auto& d : h.peer_core.received) EXPECT_EQ(d.peer, from.at(d.bytes)) << d.bytes;
  EXPECT_EQ(h.hub.socket_stats().sent, 3u);
}

TEST(DatagramHub, DropsDatagramsToAnAddressNoCoreHasAndRefusesATakenAddress) {
  Hub h(1);
  FakeCore other;
  EXPECT_FALSE(h.hub.add(other, member_address(1)));
  ASSERT_TRUE(h.peer_core.send(h.at(9), "nobody"));
  ASSERT_TRUE(h.peer_core.send(h.at(1), "somebody"));
  h.peer.flush_soon();
  h.peer.set_after_input([&] {
    if (!h.peer_core.received.empty()) h.io.stop();
  });
  h.io.run_for(kDeadline);
  ASSERT_EQ(h.peer_core.received.size(), 1u);
  EXPECT_EQ(h.peer_core.received[0].bytes, "somebody");
  EXPECT_EQ(h.hub.stats().unknown_destination, 1u);
}

TEST(DatagramHub, FlushSoonSendsAMembersCallsAndTimersFireEachAtItsOwnExpiry) {
  Hub h(2);
  const auto now = DatagramLoop::now();
  h.cores[0]->expiry = now + 40ms;
  h.cores[1]->expiry = now + 10ms;
  ASSERT_TRUE(h.cores[0]->send(h.peer.local_address(), "from one"));
  h.hub.flush_soon(h.ids[0]);
  h.hub.flush_soon(h.ids[1]);
  // Stops the run once the later timer fired and the datagram arrived.
  boost::asio::steady_timer poll(h.io);
  std::function<void()> check = [&] {
    if (!h.peer_core.received.empty() && !h.cores[0]->fired_at.empty()) return h.io.stop();
    poll.expires_after(5ms);
    poll.async_wait([&](const boost::system::error_code&) { check(); });
  };
  check();
  h.io.run_for(kDeadline);

  ASSERT_EQ(h.peer_core.received.size(), 1u);
  EXPECT_EQ(h.peer_core.received[0].peer, h.at(1));
  ASSERT_EQ(h.cores[0]->fired_at.size(), 1u);
  ASSERT_EQ(h.cores[1]->fired_at.size(), 1u);
  EXPECT_GE(h.cores[0]->fired_at[0], now + 40ms);
  EXPECT_GE(h.cores[1]->fired_at[0], now + 10ms);
  EXPECT_LT(h.cores[1]->fired_at[0], h.cores[0]->fired_at[0]);
}

TEST(DatagramHub, AnEarlierExpiryOfAMemberSupersedesItsLaterOne) {
  Hub h(1);
  FakeCore& core = *h.cores[0];
  core.expiry = DatagramLoop::now() + 1h;
  h.hub.flush_soon(h.ids[0]);
  h.io.run_for(1ms);
  h.io.restart();

  const auto expiry = DatagramLoop::now() + 20ms;
  core.expiry = expiry;
  h.hub.flush_soon(h.ids[0]);
  boost::asio::steady_timer poll(h.io);
  std::function<void()> check = [&] {
    if (!core.fired_at.empty()) return h.io.stop();
    poll.expires_after(5ms);
    poll.async_wait([&](const boost::system::error_code&) { check(); });
  };
  check();
  h.io.run_for(kDeadline);
  ASSERT_EQ(core.fired_at.size(), 1u);
  EXPECT_GE(core.fired_at[0], expiry);
}

}  // namespace
}  // namespace drover::transport
