// PollLoop driving a small fake core over real loopback sockets. Every run is bounded: a guard
// timer stops the loop after a generous deadline, and the tests stop it once they have their
// answer. Nothing here asserts durations, only what happened and in which order.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "drover/transport/poll_loop.hpp"
#include "unit/transport/fake_core.hpp"

namespace drover::transport {
namespace {

using namespace std::chrono_literals;
using coap::PeerAddress;
using coap::TimePoint;
using testing::FakeCore;

constexpr auto kDeadline = 10s;

// A core with its loop on an ephemeral loopback port, and the guard that bounds run().
struct Node {
  FakeCore core;
  PollLoop loop;
  bool timed_out = false;

  explicit Node(PollLoopConfig config = {}) : loop(core, config) {
    EXPECT_FALSE(loop.open(PeerAddress::loopback_v4(0)));
  }
  void run() {
    const auto guard = loop.schedule(PollLoop::now() + kDeadline, [this] {
      timed_out = true;
      loop.stop();
    });
    ASSERT_TRUE(guard);
    loop.run();
    loop.cancel(*guard);
  }
};

// The next datagram `socket` receives, waiting for it at most kDeadline; empty if none came.
testing::Datagram receive_one(UdpSocket& socket) {
  pollfd fd{socket.native_handle(), POLLIN, 0};
  std::span<const ReceivedDatagram> batch;
  if (::poll(&fd, 1, std::chrono::milliseconds(kDeadline).count()) != 1 || socket.receive(batch) ||
      batch.empty())
    return {};
  return {batch[0].peer, std::string(batch[0].bytes.begin(), batch[0].bytes.end())};
}

TEST(PollLoop, ADatagramInReachesTheCoreAndItsAnswerGoesOut) {
  Node a;
  a.core.echo = true;
  std::size_t hooks = 0;
  a.loop.set_after_input([&] {
    ++hooks;
    if (!a.core.received.empty()) a.loop.stop();  // the echo is queued: the drain sends it
  });
  UdpSocket peer;
  ASSERT_FALSE(peer.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(peer.queue_send(a.loop.local_address(), std::vector<std::uint8_t>{'h', 'i'}));
  ASSERT_EQ(peer.flush().sent, 1u);
  a.run();

  EXPECT_FALSE(a.timed_out);
  ASSERT_EQ(a.core.received.size(), 1u);
  EXPECT_EQ(a.core.received[0].bytes, "hi");
  EXPECT_EQ(a.core.received[0].peer, peer.local_address());
  EXPECT_EQ(a.loop.socket_stats().sent, 1u);
  EXPECT_GE(a.loop.stats().wakeups, 1u);
  EXPECT_GE(hooks, 2u);  // the drain at the start of run(), and the one after the datagram

  const auto answer = receive_one(peer);
  EXPECT_EQ(answer.bytes, "hi");
  EXPECT_EQ(answer.peer, a.loop.local_address());
}

TEST(PollLoop, CallsMadeBeforeRunLeaveAtItsStart) {
  Node a;
  UdpSocket peer;
  ASSERT_FALSE(peer.open(PeerAddress::loopback_v4(0)));
  ASSERT_TRUE(a.core.send(peer.local_address(), "early"));
  ASSERT_TRUE(a.loop.schedule(PollLoop::now(), [&] { a.loop.stop(); }));
  a.run();
  EXPECT_EQ(a.core.polled, 1u);
  EXPECT_EQ(a.loop.socket_stats().sent, 1u);

  EXPECT_EQ(receive_one(peer).bytes, "early");
}

TEST(PollLoop, TheCoresTimerFiresAtItsNextExpiry) {
  Node a;
  const TimePoint expiry = PollLoop::now() + 20ms;
  a.core.expiry = expiry;
  a.loop.set_after_input([&] {
    if (!a.core.fired_at.empty()) a.loop.stop();
  });
  a.run();

  EXPECT_FALSE(a.timed_out);
  ASSERT_EQ(a.core.fired_at.size(), 1u);
  EXPECT_GE(a.core.fired_at[0], expiry);
  EXPECT_GE(a.loop.stats().timer_fires, 1u);
}

TEST(PollLoop, ApplicationTimersRunInTheOrderTheyAreDue) {
  Node a;
  std::vector<std::string> ran;
  const auto t0 = PollLoop::now();
  auto record = [&](std::string name) { return [&ran, name] { ran.push_back(name); }; };
  ASSERT_TRUE(a.loop.schedule(t0 + 30ms, record("third")));
  ASSERT_TRUE(a.loop.schedule(t0 + 10ms, record("first")));
  ASSERT_TRUE(a.loop.schedule(t0 + 20ms, record("second a")));
  ASSERT_TRUE(a.loop.schedule(t0 + 20ms, record("second b")));  // same time: scheduling order
  ASSERT_TRUE(a.loop.schedule(t0 - 1s, record("past")));        // due already: at once
  const auto cancelled = a.loop.schedule(t0 + 15ms, record("cancelled"));
  ASSERT_TRUE(cancelled);
  EXPECT_TRUE(a.loop.cancel(*cancelled));
  EXPECT_FALSE(a.loop.cancel(*cancelled));
  ASSERT_TRUE(a.loop.schedule(t0 + 40ms, [&] { a.loop.stop(); }));
  a.run();

  EXPECT_FALSE(a.timed_out);
  EXPECT_EQ(ran, (std::vector<std::string>{"past", "first", "second a", "second b", "third"}));
}

TEST(PollLoop, APeriodicTimerRepeatsUntilCancelled) {
  Node a;
  int ticks = 0;
  PollLoop::TimerId id = 0;
  const auto periodic = a.loop.schedule(
      PollLoop::now() + 1ms,
      [&] {
        if (++ticks == 3) {
          EXPECT_TRUE(a.loop.cancel(id));  // from its own run
          // Later than the last tick, which is no longer due.
          ASSERT_TRUE(a.loop.schedule(PollLoop::now() + 20ms, [&] { a.loop.stop(); }));
        }
      },
      5ms);
  ASSERT_TRUE(periodic);
  id = *periodic;
  a.run();

  EXPECT_FALSE(a.timed_out);
  EXPECT_EQ(ticks, 3);
  EXPECT_FALSE(a.loop.cancel(id));
}

TEST(PollLoop, TimersAreBoundedWithAClearError) {
  FakeCore core;
  PollLoopConfig config;
  config.max_timers = 2;
  PollLoop loop(core, config);
  const auto later = PollLoop::now() + 1h;
  const auto first = loop.schedule(later, [] {});
  ASSERT_TRUE(first);
  ASSERT_TRUE(loop.schedule(later, [] {}));
  const auto full = loop.schedule(later, [] {});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error(), std::make_error_code(std::errc::no_buffer_space));
  EXPECT_TRUE(loop.cancel(*first));
  EXPECT_TRUE(loop.schedule(later, [] {}));  // a cancelled timer frees its slot

  EXPECT_EQ(loop.schedule(later, {}).error(), std::make_error_code(std::errc::invalid_argument));
  EXPECT_EQ(loop.schedule(
                    later, [] {}, -1s)
                .error(),
            std::make_error_code(std::errc::invalid_argument));
}

TEST(PollLoop, StopEndsRun) {
  Node a;
  a.core.expiry = PollLoop::now() + 1h;  // something to wait for
  int ran = 0;
  ASSERT_TRUE(a.loop.schedule(PollLoop::now(), [&] {
    ++ran;
    a.loop.stop();
  }));
  ASSERT_TRUE(a.loop.schedule(PollLoop::now() + 1h, [&] { ++ran; }));
  a.run();
  EXPECT_FALSE(a.timed_out);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(a.core.fired_at.empty());

  // stop() before run(): run() returns without running what is due.
  ASSERT_TRUE(a.loop.schedule(PollLoop::now(), [&] { ++ran; }));
  a.loop.stop();
  a.loop.run();
  EXPECT_EQ(ran, 1);
}

TEST(PollLoop, SigtermStopsALoopWatchingSignalsAndTheHandlersAreRestored) {
  {
    Node a;
    ASSERT_FALSE(a.loop.stop_on_signals());
    FakeCore other_core;
    PollLoop other(other_core);
    EXPECT_EQ(other.stop_on_signals(), std::make_error_code(std::errc::device_or_resource_busy));

    bool after_signal = false;
    ASSERT_TRUE(a.loop.schedule(PollLoop::now(), [&] { std::raise(SIGTERM); }));
    ASSERT_TRUE(a.loop.schedule(PollLoop::now() + 1h, [&] { after_signal = true; }));
    a.run();
    EXPECT_FALSE(a.timed_out);
    EXPECT_FALSE(after_signal);
  }
  struct sigaction action {};
  ASSERT_EQ(sigaction(SIGTERM, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_DFL);
  ASSERT_EQ(sigaction(SIGINT, nullptr, &action), 0);
  EXPECT_EQ(action.sa_handler, SIG_DFL);
}

TEST(PollLoop, OnSignalsHandsTheSignalToTheApplication) {
  Node a;
  std::vector<int> signals;
  ASSERT_FALSE(a.loop.on_signals([&](int signal) {
    signals.push_back(signal);
    if (signals.size() == 2) a.loop.stop();
  }));
  ASSERT_TRUE(a.loop.schedule(PollLoop::now(), [] { std::raise(SIGINT); }));
  ASSERT_TRUE(a.loop.schedule(PollLoop::now() + 1ms, [] { std::raise(SIGTERM); }));
  a.run();
  EXPECT_FALSE(a.timed_out);
  EXPECT_EQ(signals, (std::vector<int>{SIGINT, SIGTERM}));
}

}  // namespace
}  // namespace drover::transport
