// The simulated fleet against the real server core, in memory with a fake clock.
#include <set>

#include "fleet_harness.hpp"

namespace drover::loadgen::testing {
namespace {

using lwm2m::Path;
using server::OperationCompleted;
using server::OperationStatus;

Phase register_all() {
  Phase p;
  p.kind = Phase::Kind::RegisterAll;
  p.name = "register";
  return p;
}

TEST(Fleet, AddressesMapBothWays) {
  Collector sink;
  FleetConfig c = fleet_config(70000);
  Fleet fleet(c, sink);
  const auto a = fleet.address_of(65537, 1234);
  EXPECT_EQ(a.to_string(), "127.2.0.1:1234");
  EXPECT_EQ(fleet.client_at(a), 65537u);
  EXPECT_EQ(fleet.client_at(coap::PeerAddress::v4({127, 1, 0, 0}, 9)), 0u);
  EXPECT_FALSE(fleet.client_at(coap::PeerAddress::v4({127, 0, 255, 255}, 9)).has_value());
  EXPECT_FALSE(fleet.client_at(fleet.address_of(70000, 1)).has_value());
  EXPECT_EQ(fleet.endpoint_of(42), "bench-0000042");
}

TEST(Fleet, RegistersEveryClientWithItsObjects) {
  FleetHarness h(50);
  Workload w(8);
  h.run(w, register_all());
  EXPECT_EQ(h.fleet.registered_count(), 50u);
  EXPECT_EQ(h.server.counts().registrations, 50u);
  EXPECT_LE(h.max_in_flight_seen, 8u);  // the window holds
  const auto* r = h.server.registration("bench-0000049");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, lwm2m::Lwm2mVersion::V1_1);
  EXPECT_EQ(r->peer, h.fleet.address_of(49, kFleetPort));
  ASSERT_EQ(r->objects->objects.size(), 4u);  // 1, 3, 4, 3303
  EXPECT_EQ(r->objects->objects.back().instances.size(), 4u);
  const auto& s = h.fleet.stats().of(Op::Register);
  EXPECT_EQ(s.started, 50u);
  EXPECT_EQ(s.succeeded, 50u);
  EXPECT_EQ(s.latency.count(), 50u);
  EXPECT_EQ(h.fleet.in_flight(), 0u);
}

TEST(Fleet, UpdatesSendsAndDeregistrations) {
  FleetHarness h(10);
  Workload w(4);
  h.run(w, register_all());
  h.events.clear();
  ASSERT_TRUE(h.fleet.start(Op::Update, 3, h.now));
  EXPECT_FALSE(h.fleet.start(Op::Update, 3, h.now));  // one request at a time
  h.pump();
  ASSERT_EQ(h.take<server::Updated>().size(), 1u);
  EXPECT_EQ(h.take<server::Updated>()[0].registration.endpoint, "bench-0000003");

  ASSERT_TRUE(h.fleet.start(Op::Send, 4, h.now));
  h.pump();
  const auto sends = h.take<server::SendReceived>();
  ASSERT_EQ(sends.size(), 1u);
  ASSERT_EQ(sends[0].records.size(), 1u);
  EXPECT_EQ(sends[0].records[0].path, Path(3303, 0, 5700));
  EXPECT_EQ(sends[0].format, lwm2m::ContentFormat::SenmlCbor);

  ASSERT_TRUE(h.fleet.start(Op::Deregister, 5, h.now));
  h.pump();
  EXPECT_EQ(h.take<server::Deregistered>().size(), 1u);
  EXPECT_FALSE(h.fleet.registered(5));
  EXPECT_EQ(h.fleet.registered_count(), 9u);
  EXPECT_FALSE(h.fleet.start(Op::Update, 5, h.now));  // not registered any more
  EXPECT_EQ(h.fleet.stats().of(Op::Update).succeeded, 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Send).succeeded, 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Deregister).succeeded, 1u);
}

TEST(Fleet, AnswersReadObserveAndWrite) {
  FleetHarness h(3, /*confirmable_notifications=*/true);
  Workload w(4);
  h.run(w, register_all());
  h.events.clear();

  auto read = h.server.read("bench-0000001", Path(3, 0), {}, h.now);
  ASSERT_TRUE(read.has_value());
  h.pump();
  auto done = h.take<OperationCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.status, OperationStatus::Success);
  ASSERT_FALSE(done[0].result.records.empty());
  EXPECT_EQ(done[0].result.records[0].path, Path(3, 0, 0));
  EXPECT_EQ(done[0].result.records[0].value, lwm2m::Value(std::string("Drover")));
  EXPECT_EQ(h.fleet.stats().reads_served, 1u);

  auto observation = h.server.observe("bench-0000002", Path(3303, 2, 5700), {}, h.now);
  ASSERT_TRUE(observation.has_value());
  h.pump();
  EXPECT_TRUE(h.fleet.observed(2));
  EXPECT_EQ(h.fleet.observed_count(), 1u);
  h.events.clear();
  ASSERT_TRUE(h.fleet.start(Op::Notify, 2, h.now));
  h.pump();
  const auto notes = h.take<server::Notification>();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].observation, *observation);
  ASSERT_EQ(notes[0].records.size(), 1u);
  EXPECT_EQ(notes[0].records[0].path, Path(3303, 2, 5700));
  EXPECT_TRUE(notes[0].records[0].value.get_if<double>() != nullptr);
  EXPECT_EQ(h.fleet.stats().of(Op::Notify).succeeded, 1u);  // the server ACKed the CON

  // After a passive cancel the server resets the next notification: the fleet stops observing.
  ASSERT_TRUE(h.server.cancel_observation(*observation, server::CancelMode::Passive, h.now).has_value());
  ASSERT_TRUE(h.fleet.start(Op::Notify, 2, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Notify).reset, 1u);
  EXPECT_FALSE(h.fleet.observed(2));

  h.events.clear();
  auto write = h.server.write("bench-0000000", Path(3303, 0, 5701),
                              std::vector<lwm2m::Record>{{Path(3303, 0, 5701), std::string("Cel"), {}}},
                              server::WriteMode::Replace, {}, h.now);
  ASSERT_TRUE(write.has_value());
  h.pump();
  done = h.take<OperationCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].result.status, OperationStatus::Success);
  EXPECT_EQ(h.fleet.stats().writes_served, 1u);
}

TEST(Fleet, NonNotificationsReachTheServerAndStopAfterItsReset) {
  FleetHarness h(2);
  Workload w(4);
  h.run(w, register_all());
  auto observation = h.server.observe("bench-0000001", Path(3303, 1, 5700), {}, h.now);
  ASSERT_TRUE(observation.has_value());
  h.pump();
  ASSERT_TRUE(h.fleet.observed(1));
  h.events.clear();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.fleet.start(Op::Notify, 1, h.now));
  EXPECT_EQ(h.fleet.in_flight(), 0u) << "NON notifications leave nothing in flight";
  h.pump();
  const auto notes = h.take<server::Notification>();
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[2].records.at(0).path, Path(3303, 1, 5700));
  EXPECT_EQ(h.fleet.stats().of(Op::Notify).unconfirmed, 3u);

  ASSERT_TRUE(h.server.cancel_observation(*observation, server::CancelMode::Passive, h.now).has_value());
  ASSERT_TRUE(h.fleet.start(Op::Notify, 1, h.now));
  h.pump();
  EXPECT_FALSE(h.fleet.observed(1)) << "the server's RST ends the observation";
  EXPECT_EQ(h.fleet.stats().of(Op::Notify).reset, 1u);
  EXPECT_FALSE(h.fleet.start(Op::Notify, 1, h.now));
}

TEST(Fleet, RefusesWhatItDoesNotHave) {
  FleetHarness h(1);
  Workload w(1);
  h.run(w, register_all());
  h.events.clear();
  ASSERT_TRUE(h.server.read("bench-0000000", Path(5, 0), {}, h.now).has_value());
  server::RequestParams json;
  json.accept = lwm2m::ContentFormat::SenmlJson;
  ASSERT_TRUE(h.server.read("bench-0000000", Path(3, 0), json, h.now).has_value());
  h.pump();
  const auto done = h.take<OperationCompleted>();
  ASSERT_EQ(done.size(), 2u);
  std::multiset<OperationStatus> statuses{done[0].result.status, done[1].result.status};
  EXPECT_EQ(statuses, (std::multiset<OperationStatus>{OperationStatus::NotFound,
                                                       OperationStatus::NotAcceptable}));
  EXPECT_EQ(h.fleet.stats().requests_refused, 2u);
}

TEST(Fleet, RetransmitsALostRequestAndTimesOutASilentServer) {
  FleetHarness h(2);
  int dropped = 0;
  h.drop_from_fleet = [&](const Datagram&) { return dropped++ == 0; };
  ASSERT_TRUE(h.fleet.start(Op::Register, 0, h.now));
  h.pump();
  EXPECT_FALSE(h.fleet.registered(0));
  ASSERT_TRUE(h.fleet.next_expiry().has_value());
  EXPECT_EQ(*h.fleet.next_expiry(), h.now + 2s);
  h.advance(2s);
  EXPECT_TRUE(h.fleet.registered(0));
  EXPECT_EQ(h.fleet.stats().of(Op::Register).retransmitted, 1u);
  EXPECT_EQ(h.fleet.stats().of(Op::Register).succeeded, 1u);

  h.drop_from_fleet = [](const Datagram&) { return true; };
  ASSERT_TRUE(h.fleet.start(Op::Register, 1, h.now));
  h.pump();
  // 2 + 4 + 8 + 16 s of retransmissions, then 32 s for the last answer.
  for (int i = 0; i < 61; ++i) h.advance(1s);
  EXPECT_EQ(h.fleet.in_flight(), 1u);
  h.advance(1s);
  EXPECT_EQ(h.fleet.in_flight(), 0u);
  EXPECT_EQ(h.fleet.stats().of(Op::Register).retransmitted, 5u);
  EXPECT_EQ(h.fleet.stats().of(Op::Register).timed_out, 1u);
  EXPECT_FALSE(h.fleet.next_expiry().has_value());
}

TEST(Fleet, UpdateAfterTheServerForgotMarksTheClientUnregistered) {
  FleetHarness h(1);
  Workload w(1);
  h.run(w, register_all());
  ASSERT_TRUE(h.server.remove_registration("bench-0000000"));
  ASSERT_TRUE(h.fleet.start(Op::Update, 0, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Update).error_code, 1u);
  EXPECT_FALSE(h.fleet.registered(0));
  EXPECT_EQ(h.fleet.registered_count(), 0u);
}

TEST(Workload, TimedPhaseHonoursRateMixAndDuration) {
  FleetHarness h(20);
  Workload w(64);
  h.run(w, register_all());
  for (std::uint32_t i = 0; i < 20; ++i)
    ASSERT_TRUE(h.server.observe(h.fleet.endpoint_of(i), Path(3303, i % 4, 5700), {}, h.now).has_value());
  h.pump();
  Phase observed;
  observed.kind = Phase::Kind::AwaitObserved;
  h.run(w, observed);
  EXPECT_EQ(h.fleet.observed_count(), 20u);

  h.fleet.reset_stats();
  Phase timed;
  timed.kind = Phase::Kind::Timed;
  timed.duration = 2s;
  timed.rate = 500;  // 1000 requests in 2 s
  timed.weights[static_cast<std::size_t>(Op::Update)] = 2;
  timed.weights[static_cast<std::size_t>(Op::Send)] = 1;
  timed.weights[static_cast<std::size_t>(Op::Notify)] = 1;
  h.run(w, timed, 1ms);
  const auto& s = h.fleet.stats();
  const auto total = s.of(Op::Update).succeeded + s.of(Op::Send).succeeded + s.of(Op::Notify).unconfirmed;
  EXPECT_NEAR(static_cast<double>(total), 1000.0, 2.0);
  EXPECT_NEAR(static_cast<double>(s.of(Op::Update).succeeded), 500.0, 2.0);
  EXPECT_NEAR(static_cast<double>(s.of(Op::Send).succeeded), 250.0, 2.0);
  EXPECT_NEAR(static_cast<double>(s.of(Op::Notify).unconfirmed), 250.0, 2.0);
  EXPECT_NEAR(static_cast<double>(h.take<server::Notification>().size()), 250.0, 2.0);
  EXPECT_EQ(s.of(Op::Register).started, 0u);
  EXPECT_EQ(w.measured_end() - w.started(), 2s);
}

TEST(Workload, IdlePhaseIssuesNothing) {
  FleetHarness h(5);
  Workload w(8);
  h.run(w, register_all());
  h.fleet.reset_stats();
  Phase idle;
  idle.kind = Phase::Kind::Idle;
  idle.duration = 100ms;
  h.run(w, idle, 10ms);
  for (const auto& op : h.fleet.stats().ops) EXPECT_EQ(op.started, 0u);
}

}  // namespace
}  // namespace drover::loadgen::testing
