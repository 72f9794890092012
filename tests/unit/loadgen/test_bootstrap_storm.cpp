// The fleet's devices bootstrapping (Op::Bootstrap) against the real bootstrap server core, in
// memory with a fake clock: the device side of `drover bench bootstrap`.
#include <gtest/gtest.h>

#include <variant>

#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/loadgen/bootstrap_storm.hpp"
#include "fleet_harness.hpp"

namespace drover::loadgen::testing {
namespace {

Phase storm(Duration duration) {
  Phase p;
  p.kind = Phase::Kind::Timed;
  p.name = "bootstrap";
  p.duration = duration;
  p.weights[static_cast<std::size_t>(Op::Bootstrap)] = 1;
  return p;
}

// The configurations the bootstrap server reads, made before it.
struct Configs {
  bootstrap::BootstrapConfigs configs;
};

// A fleet and a BootstrapServer core wired back to back, serving bench_bootstrap_config() as "*"
// (unless `with_default` is false).
struct BootstrapHarness : Configs,
                          CoreHarness<bootstrap::BootstrapServer, bootstrap::BootstrapEvent> {
  explicit BootstrapHarness(std::uint32_t clients, bool with_default = true)
      : CoreHarness(fleet_config(clients), server_config(), configs) {
    if (with_default) {
      EXPECT_FALSE(configs.put(bootstrap::default_config_name, bench_bootstrap_config()));
    }
    on_round = [this] { max_sessions_seen = std::max(max_sessions_seen, server.sessions()); };
  }
  static bootstrap::BootstrapServerConfig server_config() {
    bootstrap::BootstrapServerConfig c;
    c.random_seed = 7;
    return c;
  }

  std::size_t max_sessions_seen = 0;

  template <typename T>
  std::size_t count() const {
    return take<T>().size();
  }
};

TEST(FleetBootstrap, ADeviceAnswersEveryStepAndCountsTheBootstrapAtItsFinish) {
  BootstrapHarness h(3);
  ASSERT_TRUE(h.fleet.start(Op::Bootstrap, 1, h.now));
  ASSERT_EQ(h.sink.out.size(), 1u);

  // The request, then the server's 2.04 and its Delete: the bootstrap is under way, not done.
  h.pump_rounds(1);
  EXPECT_EQ(h.server.stats().requests, 1u);
  EXPECT_TRUE(h.fleet.busy(1));
  EXPECT_EQ(h.fleet.in_flight(), 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Bootstrap).succeeded, 0u);
  EXPECT_FALSE(h.fleet.start(Op::Bootstrap, 1, h.now));

  h.pump();
  EXPECT_EQ(h.count<bootstrap::Finished>(), 1u);
  EXPECT_EQ(h.count<bootstrap::Failed>(), 0u);
  // Delete "/", Write /0/0, Write /1/0, Finish.
  EXPECT_EQ(h.count<bootstrap::StepDone>(), 4u);
  EXPECT_EQ(h.fleet.stats().bootstrap_served, 4u);
  const auto& s = h.fleet.stats().of(Op::Bootstrap);
  EXPECT_EQ(s.started, 1u);
  EXPECT_EQ(s.succeeded, 1u);
  EXPECT_EQ(s.error_code + s.timed_out + s.reset, 0u);
  EXPECT_EQ(s.latency.count(), 1u);
  EXPECT_FALSE(h.fleet.busy(1));
  EXPECT_EQ(h.fleet.in_flight(), 0u);
  EXPECT_EQ(h.server.sessions(), 0u);

  // And again, as the storm has it.
  ASSERT_TRUE(h.fleet.start(Op::Bootstrap, 1, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Bootstrap).succeeded, 2u);
  EXPECT_EQ(h.server.stats().finished, 2u);
}

TEST(FleetBootstrap, AStormKeepsToTheWindowAndEveryFinishIsCounted) {
  BootstrapHarness h(20);
  Workload workload(4);
  const Phase phase = storm(std::chrono::seconds(1));
  workload.begin(phase, h.now);
  bool done = false;
  for (int i = 0; i < 100000 && !done; ++i) {
    done = workload.pump(h.fleet, h.now) == Workload::State::Done;
    h.pump();
    if (!done && h.sink.out.empty()) h.advance(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(done);
  const auto& s = h.fleet.stats().of(Op::Bootstrap);
  // Every device bootstrapped, several times over (answers take no time here).
  EXPECT_GE(s.succeeded, 40u);
  EXPECT_EQ(s.succeeded, s.started);
  EXPECT_EQ(s.error_code + s.timed_out + s.reset, 0u);
  EXPECT_EQ(h.server.stats().finished, s.succeeded);
  EXPECT_EQ(h.server.stats().failed, 0u);
  EXPECT_EQ(h.fleet.stats().bootstrap_served, 4 * s.succeeded);
  EXPECT_LE(h.max_in_flight_seen, 4u);
  EXPECT_LE(h.max_sessions_seen, 4u);
  EXPECT_EQ(h.fleet.in_flight(), 0u);
}

TEST(FleetBootstrap, ARefusedRequestIsAnErrorAndFreesTheDevice) {
  BootstrapHarness h(2, /*with_default=*/false);
  ASSERT_TRUE(h.fleet.start(Op::Bootstrap, 0, h.now));
  h.pump();
  EXPECT_EQ(h.server.stats().refused_unknown, 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Bootstrap).error_code, 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Bootstrap).succeeded, 0u);
  EXPECT_FALSE(h.fleet.busy(0));
}

TEST(FleetBootstrap, ASessionThatNeverFinishesTimesOut) {
  BootstrapHarness h(2);
  // The device's answers to the server's requests are lost: the server gives up on the session
  // and no Finish comes.
  h.drop_from_fleet = [](const Datagram& d) {
    return d.bytes.size() > 1 && (d.bytes[0] >> 4) == 6;
  };
  ASSERT_TRUE(h.fleet.start(Op::Bootstrap, 0, h.now));
  h.pump();
  EXPECT_EQ(h.server.stats().requests, 1u);
  EXPECT_TRUE(h.fleet.busy(0));
  for (int i = 0; i < 300 && h.fleet.busy(0); ++i) h.advance(std::chrono::seconds(1));
  EXPECT_FALSE(h.fleet.busy(0));
  const auto& s = h.fleet.stats().of(Op::Bootstrap);
  EXPECT_EQ(s.timed_out, 1u);
  EXPECT_EQ(s.succeeded, 0u);
  EXPECT_GE(h.fleet.stats().bootstrap_served, 1u);  // the Delete (and its retransmissions)
  EXPECT_EQ(h.server.stats().finished, 0u);
}

}  // namespace
}  // namespace drover::loadgen::testing
