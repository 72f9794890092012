// DatagramLoop driving a small fake core over real loopback sockets. Every run is bounded by
// io_context::run_for with a generous deadline; the tests stop the loop once they have their
// answer.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "drover/transport/asio.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "unit/transport/fake_core.hpp"

namespace drover::transport {
namespace {

using namespace std::chrono_literals;
using coap::PeerAddress;
using coap::TimePoint;
using testing::FakeCore;

constexpr auto kDeadline = 10s;

// A core with its loop, bound to an ephemeral loopback port; `done` stops the io_context from the
// after-input hook.
struct Node {
  FakeCore core;
  DatagramLoop loop;
  std::size_t hooks = 0;
  std::function<bool()> done;

  Node(boost::asio::io_context& io, DatagramLoopConfig config = {}) : loop(io, core, config) {
    loop.set_after_input([this, &io] {
      ++hooks;
      if (done && done()) io.stop();
    });
    EXPECT_FALSE(loop.open(PeerAddress::loopback_v4(0)));
  }
  PeerAddress address() const { return loop.local_address(); }
};

TEST(DatagramLoop, FlushSoonSendsCallsMadeOutsideTheLoopAndEchoesComeBack) {
  boost::asio::io_context io;
  Node a(io);
  Node b(io);
  b.core.echo = true;
  a.done = [&] { return a.core.received.size() == 3; };

  // Three calls in a row from outside any handler: one flush sends them all.
  for (std::string s : {"one", "two", "three"}) ASSERT_TRUE(a.core.send(b.address(), s));
  a.loop.flush_soon();
  a.loop.flush_soon();
  io.run_for(kDeadline);

  ASSERT_EQ(b.core.received.size(), 3u);
  EXPECT_EQ(b.core.received[0].bytes, "one");
  EXPECT_EQ(b.core.received[2].bytes, "three");
  EXPECT_EQ(b.core.received[0].peer, a.address());
  ASSERT_EQ(a.core.received.size(), 3u);
  EXPECT_EQ(a.core.received[1].bytes, "two");
  EXPECT_EQ(a.core.received[1].peer, b.address());
  // The echoes were queued in b's receive and sent by the drain after b's input batch.
  EXPECT_EQ(b.loop.socket_stats().sent, 3u);
  EXPECT_EQ(a.loop.socket_stats().sent, 3u);
  EXPECT_GE(b.hooks, 1u);
  EXPECT_GE(b.loop.stats().wakeups, 1u);
}

TEST(DatagramLoop, BurstsLargerThanABatchAllArriveInOrder) {
  boost::asio::io_context io;
  DatagramLoopConfig small;
  small.socket.batch_size = 4;
  small.max_batches_per_wakeup = 1;
  Node a(io, small);
  Node b(io, small);
  constexpr std::size_t kCount = 30;
  b.done = [&] { return b.core.received.size() == kCount; };

  for (std::size_t i = 0; i < kCount; ++i) ASSERT_TRUE(a.core.send(b.address(), std::to_string(i)));
  a.loop.flush_soon();
  io.run_for(kDeadline);

  ASSERT_EQ(b.core.received.size(), kCount);
  for (std::size_t i = 0; i < kCount; ++i) EXPECT_EQ(b.core.received[i].bytes, std::to_string(i));
  EXPECT_EQ(a.loop.socket_stats().sent, kCount);
  // One batch per wake-up: the rest was read on later turns.
  EXPECT_GE(b.loop.stats().wakeups, kCount / small.socket.batch_size);
}

TEST(DatagramLoop, TimerFiresAtNextExpiry) {
  boost::asio::io_context io;
  Node a(io);
  a.done = [&] { return !a.core.fired_at.empty(); };
  const TimePoint expiry = DatagramLoop::now() + 30ms;
  a.core.expiry = expiry;
  a.loop.flush_soon();  // the core's timer changed outside the loop: the drain rearms it
  io.run_for(kDeadline);

  ASSERT_EQ(a.core.fired_at.size(), 1u);
  EXPECT_GE(a.core.fired_at[0], expiry);
  EXPECT_GE(a.loop.stats().timer_fires, 1u);
}

TEST(DatagramLoop, AnEarlierExpiryRearmsTheTimer) {
  boost::asio::io_context io;
  Node a(io);
  a.core.expiry = DatagramLoop::now() + 1h;
  a.loop.flush_soon();
  io.run_for(1ms);  // arms the timer for the far expiry
  io.restart();

  a.done = [&] { return !a.core.fired_at.empty(); };
  const TimePoint expiry = DatagramLoop::now() + 20ms;
  a.core.expiry = expiry;
  a.loop.flush_soon();
  io.run_for(kDeadline);

  ASSERT_EQ(a.core.fired_at.size(), 1u);
  EXPECT_GE(a.core.fired_at[0], expiry);
}

TEST(DatagramLoop, OpenArmsATimerSetBeforehand) {
  boost::asio::io_context io;
  FakeCore core;
  DatagramLoop loop(io, core);
  core.expiry = DatagramLoop::now() + 10ms;
  loop.set_after_input([&] {
    if (!core.fired_at.empty()) io.stop();
  });
  ASSERT_FALSE(loop.open(PeerAddress::loopback_v4(0)));
  io.run_for(kDeadline);
  EXPECT_EQ(core.fired_at.size(), 1u);
}

TEST(DatagramLoop, CloseStopsReadingSendingAndTimers) {
  boost::asio::io_context io;
  Node a(io);
  Node b(io);
  const PeerAddress a_address = a.address();
  a.core.expiry = DatagramLoop::now() + 5ms;
  ASSERT_TRUE(a.core.send(b.address(), "never sent"));
  a.loop.flush_soon();
  a.loop.close();
  EXPECT_FALSE(a.loop.is_open());

  ASSERT_TRUE(b.core.send(a_address, "to a closed port"));
  b.loop.flush_soon();
  // Proving that nothing happens takes a wait: well past a's expiry, with b's send done.
  boost::asio::steady_timer stop(io, 50ms);
  stop.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.run_for(kDeadline);

  EXPECT_EQ(a.hooks, 0u);
  EXPECT_EQ(a.core.polled, 0u);
  EXPECT_TRUE(a.core.received.empty());
  EXPECT_TRUE(a.core.fired_at.empty());
  EXPECT_EQ(a.loop.stats().timer_fires, 0u);
  EXPECT_TRUE(b.core.received.empty());
  EXPECT_EQ(b.loop.socket_stats().sent, 1u);
}

TEST(DatagramLoop, RefusedTransmitsAreCountedAndReported) {
  boost::asio::io_context io;
  Node a(io);
  std::vector<std::string> errors;
  a.loop.set_error_handler([&](std::string_view what, std::error_code) {
    errors.emplace_back(what);
    io.stop();
  });
  // An IPv6 peer on an IPv4 socket cannot be queued.
  ASSERT_TRUE(a.core.send(*PeerAddress::parse("[::1]:5683"), "x"));
  a.loop.flush_soon();
  io.run_for(kDeadline);

  EXPECT_EQ(a.loop.stats().send_refused, 1u);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "send");
  EXPECT_EQ(a.core.polled, 1u);
}

TEST(DatagramLoop, SourceSelectorPicksTheSourceAddress) {
  boost::asio::io_context io;
  FakeCore core;
  DatagramLoopConfig config;
  config.socket.packet_info = true;
  DatagramLoop wildcard(io, core, config);
  ASSERT_FALSE(wildcard.open(PeerAddress::v4({0, 0, 0, 0}, 0)));
  const auto source = PeerAddress::v4({127, 0, 0, 7}, 0);
  wildcard.set_source_selector([&](const PeerAddress&) { return source; });

  Node b(io);
  b.done = [&] { return !b.core.received.empty(); };
  ASSERT_TRUE(core.send(PeerAddress::loopback_v4(b.address().port), "from 127.0.0.7"));
  wildcard.flush_soon();
  io.run_for(kDeadline);

  ASSERT_EQ(b.core.received.size(), 1u);
  EXPECT_EQ(b.core.received[0].peer,
            PeerAddress::v4({127, 0, 0, 7}, wildcard.local_address().port));
}

TEST(DatagramLoop, DatagramsLongerThanTheBufferGoToReceiveTruncated) {
  boost::asio::io_context io;
  DatagramLoopConfig small;
  small.socket.max_datagram_size = 32;
  Node a(io);
  Node b(io, small);
  b.done = [&] { return b.core.received.size() + b.core.truncated.size() == 2; };
  ASSERT_TRUE(a.core.send(b.address(), std::string(40, 'L')));
  ASSERT_TRUE(a.core.send(b.address(), "short"));
  a.loop.flush_soon();
  io.run_for(kDeadline);

  ASSERT_EQ(b.core.truncated.size(), 1u);
  EXPECT_EQ(b.core.truncated[0].bytes, std::string(32, 'L'));
  EXPECT_EQ(b.core.truncated[0].peer, a.address());
  ASSERT_EQ(b.core.received.size(), 1u);
  EXPECT_EQ(b.core.received[0].bytes, "short");
  EXPECT_EQ(b.loop.socket_stats().truncated, 1u);
}

}  // namespace
}  // namespace drover::transport
