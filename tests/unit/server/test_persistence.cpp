// Persistence: what the server tells a Persistence, and a restarted server that takes it back
// (registrations with their times, observations matching notifications, queued requests,
// operation ids).
#include "memory_persistence.hpp"
#include "server_harness.hpp"

namespace drover::server::testing {
namespace {

using lwm2m::Path;

struct Persistent : ::testing::Test {
  MemoryPersistence kept;
  Harness h{config()};
  std::string location;

  static ServerConfig config() {
    ServerConfig c = test_config();
    c.awake_time = 30s;
    return c;
  }
  void SetUp() override {
    h.server.set_persistence(&kept);
    location = h.register_device("ep=dev1&lt=300&lwm2m=1.1");
    h.events.clear();
  }

  // The server restarts from what it kept, `down` later.
  RestoreCounts restart(coap::Duration down = 5s) {
    h.now += down;
    return h.restart(kept.state(), &kept, config());
  }

  // Observes /3303/0/5700 and the device accepts; returns the observation and the device's
  // observer.
  std::pair<OperationId, coap::ObserverId> observe() {
    auto id = h.server.observe("dev1", Path(3303, 0, 5700), {}, h.now);
    EXPECT_TRUE(id.has_value());
    h.pump();
    auto req = h.take_request();
    coap::Message m;
    m.code = coap::codes::Content;
    m.add_uint_option(coap::options::Observe, 1);
    m.add_uint_option(coap::options::ContentFormat, 0);
    m.set_payload("21.5");
    auto observer = h.device.respond(req.exchange, std::move(m), h.now);
    EXPECT_TRUE(observer.has_value() && observer.value().has_value());
    h.pump();
    EXPECT_TRUE(h.result_of(*id).observing);
    return {*id, observer.value().value_or(coap::ObserverId{})};
  }
};

TEST_F(Persistent, RegistrationsComeBackWithTheirTimes) {
  const Registration before = *h.server.registration("dev1");
  const RestoreCounts counts = restart(60s);
  EXPECT_EQ(counts.registrations, 1u);
  EXPECT_EQ(counts.expired, 0u);
  const Registration* after = h.server.registration("dev1");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->location, before.location);
  EXPECT_EQ(after->peer, before.peer);
  EXPECT_EQ(after->expires_at, before.expires_at);
  EXPECT_EQ(*after->objects, *before.objects);
  EXPECT_TRUE(h.events.empty()) << "restoring emits no events";

  // The client's next Update finds its registration.
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  ASSERT_EQ(h.take_events<Updated>().size(), 1u);
}

TEST_F(Persistent, ARestoredRegistrationExpiresOnTime) {
  restart(100s);  // 200 s of its 300 s lifetime are left, then the 30 s grace
  h.advance(229s);
  EXPECT_TRUE(h.take_events<Expired>().empty());
  h.advance(1s);
  EXPECT_EQ(h.take_events<Expired>().size(), 1u);
  EXPECT_EQ(kept.state().registrations.size(), 0u) << "the expiry is kept too";
}

TEST_F(Persistent, RegistrationsThatExpiredWhileDownAreDropped) {
  const RestoreCounts counts = restart(331s);
  EXPECT_EQ(counts.registrations, 0u);
  EXPECT_EQ(counts.expired, 1u);
  EXPECT_EQ(h.server.registration("dev1"), nullptr);
  EXPECT_TRUE(kept.state().registrations.empty());
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::NotFound);
}

TEST_F(Persistent, UpdatesAreKeptAndRenewalsToldApart) {
  h.advance(10s);
  const std::size_t renewals = kept.renewals;
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_EQ(kept.renewals, renewals + 1) << "an empty Update only renews";
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "lt=600")).code,
            coap::codes::Changed);
  EXPECT_EQ(kept.renewals, renewals + 1) << "a new lifetime is more than a renewal";
  h.device_addr = coap::PeerAddress::loopback_v4(47001);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_EQ(kept.renewals, renewals + 1);
  EXPECT_EQ(kept.moves, 1u) << "an Update from another address moves the registration";
  restart();
  EXPECT_EQ(h.server.registration("dev1")->lifetime, 600u);
}

TEST_F(Persistent, NewLocationsSortAfterRestoredOnes) {
  EXPECT_EQ(location.substr(4, 4), "aaaa");
  restart();
  EXPECT_EQ(h.register_device("ep=dev2&lt=300&lwm2m=1.1").substr(4, 4), "aaab");
}

TEST_F(Persistent, DeregistrationAndReplacementAreKept) {
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::Deleted);
  EXPECT_TRUE(kept.state().registrations.empty());
  const std::string second = h.register_device("ep=dev1&lt=300&lwm2m=1.1");
  const std::string third = h.register_device("ep=dev1&lt=300&lwm2m=1.1");
  ASSERT_EQ(kept.state().registrations.size(), 1u) << "a Register replaces the endpoint's";
  EXPECT_EQ("/rd/" + kept.state().registrations[0].location, third);
  restart();
  EXPECT_EQ("/rd/" + h.server.registration("dev1")->location, third);
}

TEST_F(Persistent, NotificationsMatchObservationsMadeBeforeTheRestart) {
  const auto [id, observer] = observe();
  ASSERT_EQ(kept.state().observations.size(), 1u);
  const RestoreCounts counts = restart();
  EXPECT_EQ(counts.observations, 1u);
  EXPECT_EQ(h.server.counts().observations, 1u);

  coap::Message m;
  m.code = coap::codes::Content;
  m.add_uint_option(coap::options::ContentFormat, 0);
  m.set_payload("23.75");
  ASSERT_TRUE(h.device.notify(observer, std::move(m), h.now).has_value());
  h.pump();
  const auto notes = h.take_events<Notification>();
  ASSERT_EQ(notes.size(), 1u) << "the token still matches";
  EXPECT_EQ(notes[0].observation, id);
  ASSERT_EQ(notes[0].records.size(), 1u);
  EXPECT_EQ(notes[0].records[0].path, Path(3303, 0, 5700));
  EXPECT_EQ(notes[0].records[0].value, lwm2m::Value(23.75));

  // Cancelled actively after the restart: the device gets the deregistration (Observe 1).
  ASSERT_TRUE(h.server.cancel_observation(id, CancelMode::Active, h.now).has_value());
  h.pump();
  const auto cancel = h.take_request();
  EXPECT_EQ(cancel.request.uint_option(coap::options::Observe), 1u);
  EXPECT_EQ(cancel.request.uri_path(), "/3303/0/5700");
  EXPECT_TRUE(kept.state().observations.empty());
}

TEST_F(Persistent, ObservationsEndWithTheirRegistration) {
  observe();
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::Deleted);
  EXPECT_TRUE(kept.state().observations.empty());
}

TEST_F(Persistent, QueuedRequestsWaitAcrossTheRestart) {
  location = h.register_device("ep=dev1&lt=3600&lwm2m=1.1&Q");
  h.advance(30s);
  ASSERT_FALSE(h.server.is_awake("dev1"));
  auto read = h.server.read("dev1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(kept.state().queued.size(), 1u);

  const RestoreCounts counts = restart();
  EXPECT_EQ(counts.queued, 1u);
  EXPECT_FALSE(h.server.is_awake("dev1")) << "asleep until it talks";
  EXPECT_EQ(h.server.counts().queued, 1u);
  const std::size_t sent = h.to_device.size();
  h.pump();
  EXPECT_EQ(h.to_device.size(), sent);

  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_TRUE(kept.state().queued.empty()) << "sent: no longer queued";
  auto r = h.take_request();
  EXPECT_EQ(r.request.uri_path(), "/3/0/9");
  h.answer(r, coap::codes::Content, 0, "80");
  EXPECT_EQ(h.result_of(*read).status, OperationStatus::Success);
}

TEST_F(Persistent, AQueuedRequestStillTimesOutAfterTheRestart) {
  location = h.register_device("ep=dev1&lt=3600&lwm2m=1.1&Q");
  h.advance(30s);
  RequestParams params;
  params.timeout = 60s;
  auto read = h.server.read("dev1", Path(3, 0, 9), params, h.now);
  ASSERT_TRUE(read.has_value());
  restart(20s);
  h.advance(39s);
  EXPECT_FALSE(h.completed(*read));
  h.advance(1s);
  EXPECT_EQ(h.result_of(*read).status, OperationStatus::QueueTimeout);
  EXPECT_TRUE(kept.state().queued.empty());
}

TEST_F(Persistent, OperationIdsAreNotHandedOutTwice) {
  auto first = h.server.read("dev1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(first.has_value());
  restart();
  auto second = h.server.read("dev1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(second.has_value());
  EXPECT_GT(second.value().value, first.value().value);
}

TEST_F(Persistent, ObservationsOfGoneRegistrationsAreDropped) {
  observe();
  ServerState state = kept.state();
  state.registrations.clear();
  h.now += 1s;
  const RestoreCounts counts = h.restart(std::move(state), &kept, config());
  EXPECT_EQ(counts.orphans, 1u);
  EXPECT_EQ(h.server.counts().observations, 0u);
  EXPECT_TRUE(kept.state().observations.empty());
}

}  // namespace
}  // namespace drover::server::testing
