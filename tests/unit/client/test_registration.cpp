// Registration lifecycle: Register / Update / De-register bytes, update timing, re-registration,
// the retry procedure, Disable, Update Trigger, several servers, queue mode.
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

class Registration : public RegisteredClient {};

TEST_F(Registration, RegisterCarriesQueriesAndObjectList) {
  ClientHarness fresh;
  ASSERT_TRUE(fresh.client.add_object(3).has_value());
  ASSERT_TRUE(fresh.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}), fresh.now)
                  .has_value());
  ASSERT_TRUE(fresh.client.add_object(3311).has_value());
  ServerAccount a;
  a.lifetime = 300;
  fresh.add_account(a);
  fresh.client.start(fresh.now);
  fresh.pump();
  const auto reg = fresh.next_request();
  EXPECT_EQ(reg.request.code, coap::codes::Post);
  EXPECT_EQ(reg.request.uri_path(), "/rd");
  EXPECT_EQ(queries_of(reg.request),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"}));
  EXPECT_EQ(reg.request.uint_option(coap::options::ContentFormat), 40u);
  // Security (/0) is never announced; versions other than 1.0 are; an object without
  // instances is listed alone.
  EXPECT_EQ(reg.request.payload_string(),
            "</>;rt=\"oma.lwm2m\";ct=112,</1>;ver=1.1,</1/0>,</3>;ver=1.2,</3/0>,</3311>");
  EXPECT_EQ(fresh.client.state(1), RegistrationState::Registering);

  Message created;
  created.code = coap::codes::Created;
  created.add_option(coap::options::LocationPath, "rd");
  created.add_option(coap::options::LocationPath, "x1");
  fresh.respond(reg, std::move(created));
  const auto registered = fresh.events_of<Registered>();
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0].ssid, 1);
  EXPECT_EQ(registered[0].location, "rd/x1");
  EXPECT_EQ(fresh.client.location(1), "rd/x1");
  EXPECT_EQ(fresh.client.state(1), RegistrationState::Registered);
}

TEST_F(Registration, UpdateGoesOutBeforeLifetimeRunsOut) {
  // lifetime 3600 s: the Update is due at 3600 - MAX_TRANSMIT_WAIT (93 s).
  h.advance(3600s - 93s - 1s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  const auto update = h.next_request();
  EXPECT_EQ(update.request.code, coap::codes::Post);
  EXPECT_EQ(update.request.uri_path(), "/rd/abc");
  EXPECT_TRUE(queries_of(update.request).empty());  // nothing changed
  EXPECT_TRUE(update.request.payload().empty());
  EXPECT_EQ(h.client.state(1), RegistrationState::Updating);
  h.respond(update, coap::codes::Changed);
  EXPECT_EQ(h.events_of<Updated>().size(), 1u);
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
  // And again one period after the successful Update.
  h.advance(3600s - 93s - 1s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  EXPECT_TRUE(h.has_request());
}

TEST(RegistrationTiming, ShortLifetimeUpdatesAtHalfTime) {
  ClientHarness h;
  ServerAccount a;
  a.lifetime = 60;  // min(93, 60 / 2) = 30 s before expiry
  h.add_account(a);
  h.register_client();
  h.advance(29s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  EXPECT_TRUE(h.has_request());
}

TEST_F(Registration, UpdateAnswered404RegistersAgain) {
  ASSERT_TRUE(h.client.trigger_update(1, h.now).has_value());
  h.pump();
  const auto update = h.next_request();
  h.respond(update, coap::codes::NotFound);
  const auto failed = h.events_of<RegistrationFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, coap::codes::NotFound);
  EXPECT_FALSE(failed[0].final);
  // A full Register follows at once.
  const auto reg = h.next_request();
  EXPECT_EQ(reg.request.uri_path(), "/rd");
  EXPECT_EQ(queries_of(reg.request)[0], "ep=dev1");
  EXPECT_FALSE(reg.request.payload().empty());
}

TEST_F(Registration, DeregisterSendsDeleteToLocation) {
  h.client.deregister(h.now);
  h.pump();
  EXPECT_FALSE(h.client.idle());
  const auto del = h.next_request();
  EXPECT_EQ(del.request.code, coap::codes::Delete);
  EXPECT_EQ(del.request.uri_path(), "/rd/abc");
  h.respond(del, coap::codes::Deleted);
  EXPECT_EQ(h.events_of<Deregistered>().size(), 1u);
  EXPECT_EQ(h.client.state(1), RegistrationState::Idle);
  EXPECT_TRUE(h.client.idle());
  // Stopped: no more Updates.
  h.advance(7200s);
  EXPECT_FALSE(h.has_request());
}

TEST_F(Registration, LifetimeWriteSendsUpdateWithLt) {
  Message put = request(coap::codes::Put, "/1/0/1");
  lwm2m::set_content_format(put, ContentFormat::Text);
  put.set_payload("120");
  EXPECT_EQ(h.call(put).code, coap::codes::Changed);
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uri_path(), "/rd/abc");
  EXPECT_EQ(queries_of(update.request), (std::vector<std::string>{"lt=120"}));
  h.respond(update, coap::codes::Changed);
  // The next Update follows the new lifetime: 120 - 60.
  h.advance(59s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  EXPECT_TRUE(h.has_request());
}

TEST_F(Registration, BindingWriteSendsUpdateWithBinding) {
  Message put = request(coap::codes::Put, "/1/0/7");
  lwm2m::set_content_format(put, ContentFormat::Text);
  put.set_payload("T");
  EXPECT_EQ(h.call(put).code, coap::codes::Changed);
  const auto update = h.next_request();
  EXPECT_EQ(queries_of(update.request), (std::vector<std::string>{"b=T"}));
}

TEST_F(Registration, UpdateTriggerExecuteSendsUpdate) {
  EXPECT_EQ(h.call(request(coap::codes::Post, "/1/0/8")).code, coap::codes::Changed);
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uri_path(), "/rd/abc");
  EXPECT_TRUE(queries_of(update.request).empty());
}

TEST_F(Registration, ObjectListChangeSendsUpdateWithPayload) {
  ASSERT_TRUE(
      h.client.add_instance(3303, 1, std::make_unique<TemperatureSensor>(5.0), h.now).has_value());
  h.pump();
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uint_option(coap::options::ContentFormat), 40u);
  EXPECT_NE(update.request.payload_string().find("</3303/1>"), std::string_view::npos);
  // While that Update is in flight another change waits for it, then goes out.
  ASSERT_TRUE(h.client.remove_instance(3303, 1, h.now).has_value());
  h.pump();
  EXPECT_FALSE(h.has_request());
  h.respond(update, coap::codes::Changed);
  const auto second = h.next_request();
  EXPECT_EQ(second.request.payload_string().find("</3303/1>"), std::string_view::npos);
}

TEST_F(Registration, DisableDeregistersAndComesBackAfterTimeout) {
  Message put = request(coap::codes::Put, "/1/0/5");
  lwm2m::set_content_format(put, ContentFormat::Text);
  put.set_payload("600");
  EXPECT_EQ(h.call(put).code, coap::codes::Changed);
  EXPECT_EQ(h.call(request(coap::codes::Post, "/1/0/4")).code, coap::codes::Changed);
  const auto del = h.next_request();
  EXPECT_EQ(del.request.code, coap::codes::Delete);
  h.respond(del, coap::codes::Deleted);
  const auto events = h.client_events();
  ASSERT_FALSE(events.empty());
  bool disabled = false;
  for (const auto& e : events)
    if (const auto* d = std::get_if<Disabled>(&e)) disabled = d->duration == 600s;
  EXPECT_TRUE(disabled);
  EXPECT_EQ(h.client.state(1), RegistrationState::Disabled);
  h.advance(599s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  const auto reg = h.next_request();
  EXPECT_EQ(reg.request.uri_path(), "/rd");
}

// Refuses every Register with 4.03 and returns the RegistrationFailed events, checking that each
// next attempt goes out exactly `retry_in` after the failure.
std::vector<RegistrationFailed> refuse_all(ClientHarness& h, std::size_t attempts) {
  h.client.start(h.now);
  h.pump();
  std::vector<RegistrationFailed> failed;
  for (std::size_t i = 0; i < attempts; ++i) {
    if (!h.has_request()) {
      ADD_FAILURE() << "no attempt " << i;
      break;
    }
    h.respond(h.next_request(), coap::codes::Forbidden);
    const auto events = h.events_of<RegistrationFailed>();
    if (events.size() != 1u) {
      ADD_FAILURE() << "attempt " << i << ": " << events.size() << " RegistrationFailed events";
      break;
    }
    failed.push_back(events[0]);
    if (events[0].final) break;
    h.advance(events[0].retry_in - 1ns);
    EXPECT_FALSE(h.has_request()) << "attempt " << i + 1 << " early";
    h.advance(1ns);
  }
  return failed;
}

ServerAccount short_retries() {
  ServerAccount a;
  a.retry_count = 3;
  a.retry_timer = 10;
  a.sequence_delay = 1000;
  a.sequence_retry_count = 2;
  return a;
}

TEST(RegistrationRetry, FollowsRetryTimerAndSequencesWithJitter) {
  ClientHarness h;
  h.add_account(short_retries());
  const auto failed = refuse_all(h, 7);
  // Sequence 1: +10, +20 s; the sequence delay 1000 s; sequence 2 the same again; each delay
  // lengthened by up to 10 %.
  const std::vector<coap::Duration> delays = {10s, 20s, 1000s, 10s, 20s};
  ASSERT_EQ(failed.size(), delays.size() + 1);
  for (std::size_t i = 0; i < delays.size(); ++i) {
    EXPECT_FALSE(failed[i].final);
    EXPECT_GE(failed[i].retry_in, delays[i]) << i;
    EXPECT_LT(failed[i].retry_in, delays[i] * 11 / 10) << i;
  }
  EXPECT_TRUE(failed.back().final);
  EXPECT_EQ(failed.back().code, coap::codes::Forbidden);
  EXPECT_EQ(h.client.state(1), RegistrationState::Failed);
  h.advance(100000s);
  EXPECT_FALSE(h.has_request());
}

TEST(RegistrationRetry, JitterDiffersBetweenSeeds) {
  ClientConfig other = test_config();
  other.random_seed = 8;
  ClientHarness a;
  ClientHarness b(other);
  a.add_account(short_retries());
  b.add_account(short_retries());
  std::vector<coap::Duration> delays_a;
  std::vector<coap::Duration> delays_b;
  for (const auto& f : refuse_all(a, 7)) delays_a.push_back(f.retry_in);
  for (const auto& f : refuse_all(b, 7)) delays_b.push_back(f.retry_in);
  ASSERT_EQ(delays_a.size(), 6u);
  ASSERT_EQ(delays_b.size(), 6u);
  for (std::size_t i = 0; i + 1 < delays_a.size(); ++i) EXPECT_NE(delays_a[i], delays_b[i]) << i;
  // The same seed draws the same delays.
  ClientHarness a_again;
  a_again.add_account(short_retries());
  std::vector<coap::Duration> delays_again;
  for (const auto& f : refuse_all(a_again, 7)) delays_again.push_back(f.retry_in);
  EXPECT_EQ(delays_again, delays_a);
}

TEST(RegistrationRetry, TimeoutCountsAsFailedAttempt) {
  ClientHarness h;
  ServerAccount a;
  a.retry_timer = 60;
  h.add_account(a);
  h.server().connected = false;
  h.client.start(h.now);
  h.pump();
  // The CON Register is retransmitted and given up after MAX_TRANSMIT_WAIT-ish (93 s max).
  h.advance(100s);
  const auto failed = h.events_of<RegistrationFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, coap::codes::Empty);
  EXPECT_GE(failed[0].retry_in, 60s);
  EXPECT_LT(failed[0].retry_in, 66s);
  EXPECT_EQ(h.client.state(1), RegistrationState::Waiting);
  h.server().connected = true;
  h.advance(66s);
  h.accept_register();
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
}

TEST(RegistrationRetry, InitialDelayIsHonoured) {
  ClientHarness h;
  ServerAccount a;
  a.initial_delay = 5;
  h.add_account(a);
  h.client.start(h.now);
  h.pump();
  EXPECT_FALSE(h.has_request());
  h.advance(5s);
  EXPECT_TRUE(h.has_request());
}

TEST(RegistrationServers, RegistersWithEachServer) {
  ClientHarness h;
  h.add_fake_server(kServer2Addr);
  ServerAccount a1;
  a1.short_server_id = 1;
  ServerAccount a2;
  a2.short_server_id = 2;
  a2.lifetime = 100;
  h.add_account(a1, 0);
  h.add_account(a2, 1);
  h.client.start(h.now);
  h.pump();
  h.accept_register("one", 0);
  const auto reg2 = h.accept_register("two", 1);
  EXPECT_EQ(queries_of(reg2.request)[2], "lt=100");
  EXPECT_EQ(h.client.location(1), "rd/one");
  EXPECT_EQ(h.client.location(2), "rd/two");
  // Each gets its own Updates: server 2 after 50 s.
  h.advance(50s);
  EXPECT_FALSE(h.has_request(0));
  EXPECT_TRUE(h.has_request(1));
  // A DM request from server 2 is served; one from an unknown address is ignored.
  EXPECT_EQ(h.call(request(coap::codes::Get, "/1/1/0"), 1).code, coap::codes::Content);
  auto& stranger = h.add_fake_server(coap::PeerAddress::loopback_v4(6000));
  (void)stranger;
  h.send(request(coap::codes::Get, "/1/0/0"), 2);
  EXPECT_EQ(h.client.stats().requests_ignored, 1u);
}

TEST(RegistrationServers, DuplicateAndInvalidAccountsAreRefused) {
  ClientHarness h;
  h.add_account();
  ServerAccount dup;
  dup.uri = "coap://127.0.0.1:9999";
  EXPECT_EQ(h.client.add_server(dup, h.now).error(), Error::DuplicateServer);
  ServerAccount bad;
  bad.short_server_id = 3;
  bad.uri = "coap://example.org";  // needs a resolver
  EXPECT_EQ(h.client.add_server(bad, h.now).error(), Error::InvalidArgument);
  bad.uri = "coap://[::1]";
  EXPECT_TRUE(h.client.add_server(bad, h.now).has_value());
}

TEST(RegistrationGate, RequestsBeforeRegisterAreIgnored) {
  ClientHarness h;
  h.add_account();
  h.client.start(h.now);
  h.pump();
  const auto reg = h.next_request();
  h.send(request(coap::codes::Get, "/1/0/1"));
  EXPECT_EQ(h.client.stats().requests_ignored, 1u);
  (void)reg;
}

// ---- Queue mode

TEST(QueueMode, SleepsAfterAwakeTimeAndWakesWithUpdate) {
  ClientHarness h;
  ServerAccount a;
  a.queue_mode = true;
  a.lifetime = 600;
  h.add_account(a);
  h.client.start(h.now);
  h.pump();
  const auto reg = h.accept_register();
  EXPECT_EQ(queries_of(reg.request),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.1", "lt=600", "b=U", "Q"}));
  h.client_events();
  h.advance(92s);
  EXPECT_FALSE(h.client.asleep(1));
  EXPECT_EQ(h.call(request(coap::codes::Get, "/1/0/1")).code, coap::codes::Content);
  h.advance(92s);  // the read restarted the awake time
  EXPECT_FALSE(h.client.asleep(1));
  h.advance(1s);
  EXPECT_TRUE(h.client.asleep(1));
  EXPECT_EQ(h.events_of<Sleeping>().size(), 1u);
  // Asleep: requests are not heard.
  h.send(request(coap::codes::Get, "/1/0/1"));
  EXPECT_GT(h.client.stats().datagrams_dropped_asleep, 0u);
  // The Update before the lifetime runs out wakes it (600 - 93 s after the Register).
  h.advance(600s - 93s - 185s - 1s);
  EXPECT_TRUE(h.client.asleep(1));
  h.advance(1s);
  EXPECT_FALSE(h.client.asleep(1));
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uri_path(), "/rd/abc");
  h.respond(update, coap::codes::Changed);
  const auto events = h.client_events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<Awake>(events[0]));
}

TEST(QueueMode, Lwm2m10FoldsQueueIntoBinding) {
  ClientConfig config = test_config();
  config.version = lwm2m::Lwm2mVersion::V1_0;
  ClientHarness h(config);
  ServerAccount a;
  a.queue_mode = true;
  h.add_account(a);
  h.client.start(h.now);
  h.pump();
  const auto reg = h.next_request();
  EXPECT_EQ(queries_of(reg.request),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.0", "lt=86400", "b=UQ"}));
  // 1.0 announces no content formats (TLV is implied).
  EXPECT_EQ(reg.request.payload_string().find("</>"), std::string_view::npos);
}

}  // namespace
}  // namespace drover::client::testing
