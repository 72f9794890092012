// The LwM2M server and client cores against each other: registration, every DM operation and its
// main errors, observation with attributes, Send, queue mode, lifetime expiry and re-registration.
// Formats: test_e2e_formats.cpp; notification attributes: test_e2e_attributes.cpp; LwM2M 1.0 and
// 1.2 clients: test_e2e_versions.cpp.
#include "e2e_harness.hpp"

namespace drover::e2e {
namespace {

class Lwm2m : public E2e {};

TEST_F(Lwm2m, RegistrationIsSeenByTheServer) {
  ASSERT_EQ(registered.size(), 1u);
  const auto& r = registered[0].registration;
  EXPECT_EQ(r.endpoint, ep);
  EXPECT_EQ(r.version, lwm2m::Lwm2mVersion::V1_1);
  EXPECT_EQ(r.lifetime, 600u);
  EXPECT_FALSE(r.queue_mode);
  ASSERT_NE(r.object(3303), nullptr);
  EXPECT_EQ(r.object(3303)->instances, (std::vector<std::uint16_t>{0}));
  EXPECT_EQ(r.object(0), nullptr);  // Security is never announced
  EXPECT_TRUE(r.announced(ContentFormat::SenmlCbor));
  EXPECT_EQ("rd/" + r.location, client().location(1));
}

// Without Accept or Content-Format: one value as text, several in the client's SenML CBOR
// (every format is exercised in test_e2e_formats.cpp).
TEST_F(Lwm2m, DefaultFormats) {
  const auto one = result(server().read(ep, Path(3303, 0, 5700), {}, now));
  EXPECT_EQ(one.status, OperationStatus::Success);
  EXPECT_EQ(one.format, ContentFormat::Text);
  EXPECT_EQ(one.records, (std::vector<Record>{{Path(3303, 0, 5700), Value(20.0), std::nullopt}}));
  const auto device = result(server().read(ep, Path(3, 0), {}, now));
  EXPECT_EQ(device.status, OperationStatus::Success);
  EXPECT_EQ(device.format, ContentFormat::SenmlCbor);
  EXPECT_EQ(device.records, client_read(Path(3, 0)));

  const std::vector<Record> instance = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                        {Path(3311, 0, 5706), Value("blue"), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0), instance, WriteMode::PartialUpdate, {}, now)).status,
      OperationStatus::Success);
  EXPECT_EQ(last_request_format(), ContentFormat::SenmlCbor);
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  const auto composite = result(server().read_composite(ep, paths, {}, now));
  EXPECT_EQ(composite.format, ContentFormat::SenmlCbor);
}

TEST_F(Lwm2m, ReadErrors) {
  EXPECT_EQ(result(server().read(ep, Path(3, 1), {}, now)).status, OperationStatus::NotFound);
  EXPECT_EQ(result(server().read(ep, Path(3, 0, 4), {}, now)).status,
            OperationStatus::MethodNotAllowed);
  EXPECT_EQ(result(server().read(ep, Path(0, 0), {}, now)).status, OperationStatus::Unauthorized);
  RequestParams text;
  text.accept = ContentFormat::Text;
  EXPECT_EQ(result(server().read(ep, Path(3, 0), text, now)).status,
            OperationStatus::NotAcceptable);
}

TEST_F(Lwm2m, DiscoverWithAttributes) {
  lwm2m::AttributeUpdate update;
  update.set.set(lwm2m::Attribute::Pmin, 5);
  EXPECT_EQ(result(server().write_attributes(ep, Path(3303, 0, 5700), update, {}, now)).status,
            OperationStatus::Success);
  const auto r = result(server().discover(ep, Path(3303, 0), std::nullopt, {}, now));
  ASSERT_EQ(r.status, OperationStatus::Success);
  ASSERT_FALSE(r.links.empty());
  EXPECT_EQ(r.links[0].target, "/3303/0");
  const auto it = std::find_if(r.links.begin(), r.links.end(),
                               [](const lwm2m::Link& l) { return l.target == "/3303/0/5700"; });
  ASSERT_NE(it, r.links.end());
  EXPECT_EQ(it->pmin(), 5u);
  // depth is LwM2M 1.2 (see the 1.2 tests).
  EXPECT_EQ(server().discover(ep, Path(3303), 0u, {}, now).error(),
            server::Error::UnsupportedByVersion);
}

TEST_F(Lwm2m, WriteReplaceAndPartialUpdate) {
  const std::vector<Record> dimmer = {{Path(3311, 0, 5851), Value(std::int64_t{33}), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0, 5851), dimmer, WriteMode::Replace, {}, now)).status,
      OperationStatus::Success);
  EXPECT_EQ((*client().read(Path(3311, 0, 5851)))[0].value, Value(std::int64_t{33}));
  const auto applied = take_client<client::WriteApplied>();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].paths, (std::vector<Path>{Path(3311, 0, 5851)}));

  const std::vector<Record> instance = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                        {Path(3311, 0, 5706), Value("blue"), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0), instance, WriteMode::PartialUpdate, {}, now)).status,
      OperationStatus::Success);
  EXPECT_EQ((*client().read(Path(3311, 0, 5706)))[0].value, Value("blue"));
  EXPECT_EQ((*client().read(Path(3311, 0, 5851)))[0].value, Value(std::int64_t{33}));  // kept
}

TEST_F(Lwm2m, WriteErrors) {
  const std::vector<Record> manufacturer = {{Path(3, 0, 0), Value("x"), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3, 0, 0), manufacturer, WriteMode::Replace, {}, now)).status,
      OperationStatus::MethodNotAllowed);
  const std::vector<Record> missing = {{Path(3311, 7, 5851), Value(std::int64_t{1}), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 7, 5851), missing, WriteMode::Replace, {}, now)).status,
      OperationStatus::NotFound);
  const std::vector<Record> wrong_type = {{Path(3311, 0, 5851), Value("high"), std::nullopt}};
  EXPECT_EQ(result(server().write(ep, Path(3311, 0, 5851), wrong_type, WriteMode::Replace, {}, now))
                .status,
            OperationStatus::BadRequest);
}

TEST_F(Lwm2m, ExecuteCreateDelete) {
  EXPECT_EQ(result(server().execute(ep, Path(3, 0, 4), "", {}, now)).status,
            OperationStatus::Success);
  EXPECT_EQ(take_client<client::Rebooting>().size(), 1u);
  EXPECT_EQ(result(server().execute(ep, Path(3, 0, 0), "", {}, now)).status,
            OperationStatus::MethodNotAllowed);
  EXPECT_EQ(result(server().execute(ep, Path(3, 0, 4), "not args", {}, now)).status,
            OperationStatus::BadRequest);

  const std::vector<Record> light = {{Path(3311, 4, 5850), Value(true), std::nullopt}};
  const auto created = result(server().create(ep, 3311, 4, light, {}, now));
  ASSERT_EQ(created.status, OperationStatus::Success) << created.diagnostic;
  EXPECT_EQ(created.created, Path(3311, 4));
  ASSERT_NE(client().instance(3311, 4), nullptr);
  // The client's Update with the new object list reaches the server.
  auto updated = take<server::Updated>();
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_TRUE(updated[0].objects_changed);
  EXPECT_EQ(updated[0].registration.object(3311)->instances, (std::vector<std::uint16_t>{0, 4}));

  // Without an instance ID (TLV): the client picks one.
  const std::vector<Record> unnamed = {{Path(3311, 0, 5850), Value(false), std::nullopt}};
  const auto picked = result(server().create(ep, 3311, std::nullopt, unnamed, {}, now));
  ASSERT_EQ(picked.status, OperationStatus::Success) << picked.diagnostic;
  EXPECT_EQ(picked.created, Path(3311, 1));

  const std::vector<Record> no_mandatory = {
      {Path(3311, 9, 5851), Value(std::int64_t{1}), std::nullopt}};
  EXPECT_EQ(result(server().create(ep, 3311, 9, no_mandatory, {}, now)).status,
            OperationStatus::BadRequest);

  EXPECT_EQ(result(server().delete_(ep, Path(3311, 4), {}, now)).status, OperationStatus::Success);
  EXPECT_EQ(client().instance(3311, 4), nullptr);
  EXPECT_EQ(result(server().delete_(ep, Path(3, 0), {}, now)).status,
            OperationStatus::MethodNotAllowed);
  EXPECT_EQ(result(server().delete_(ep, Path(3311, 4), {}, now)).status, OperationStatus::NotFound);
}

TEST_F(Lwm2m, CompositeOperations) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3, 0, 0), Path(3, 0, 99)};
  const auto r = result(server().read_composite(ep, paths, {}, now));
  ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
  // Best effort: the missing /3/0/99 is left out.
  EXPECT_EQ(r.records, (std::vector<Record>{{Path(3, 0, 0), Value("Drover"), std::nullopt},
                                            {Path(3303, 0, 5700), Value(20.0), std::nullopt}}));
  const std::vector<Record> values = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                      {Path(3311, 0, 5851), Value(std::int64_t{12}), std::nullopt}};
  EXPECT_EQ(result(server().write_composite(ep, values, {}, now)).status, OperationStatus::Success);
  EXPECT_EQ((*client().read(Path(3311, 0, 5851)))[0].value, Value(std::int64_t{12}));
  const std::vector<Record> partly_read_only = {
      {Path(3311, 0, 5851), Value(std::int64_t{50}), std::nullopt},
      {Path(3303, 0, 5700), Value(1.0), std::nullopt}};
  EXPECT_EQ(result(server().write_composite(ep, partly_read_only, {}, now)).status,
            OperationStatus::MethodNotAllowed);
  EXPECT_EQ((*client().read(Path(3311, 0, 5851)))[0].value, Value(std::int64_t{12}));  // atomic
}

TEST_F(Lwm2m, ObserveWithAttributes) {
  lwm2m::AttributeUpdate update;
  update.set.set(lwm2m::Attribute::Pmin, 10);
  update.set.set(lwm2m::Attribute::Pmax, 60);
  update.set.set(lwm2m::Attribute::Gt, 25);
  ASSERT_EQ(result(server().write_attributes(ep, Path(3303, 0, 5700), update, {}, now)).status,
            OperationStatus::Success);
  const auto id = server().observe(ep, Path(3303, 0, 5700), {}, now);
  const auto first = result(id);
  ASSERT_EQ(first.status, OperationStatus::Success);
  EXPECT_TRUE(first.observing);
  set_temperature(24);  // below gt: nothing
  advance(20s);
  EXPECT_TRUE(notifications(*id).empty());
  set_temperature(26);  // crosses gt, but pmin (10 s since the Observe) has passed: at once
  auto n = notifications(*id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].records, (std::vector<Record>{{Path(3303, 0, 5700), Value(26.0), std::nullopt}}));
  advance(59s);
  EXPECT_TRUE(notifications(*id).empty());
  advance(1s);  // pmax
  EXPECT_EQ(notifications(*id).size(), 1u);

  ASSERT_TRUE(server().cancel_observation(*id, server::CancelMode::Active, now).has_value());
  pump();
  EXPECT_EQ(client().observation_count(), 0u);
  advance(120s);
  EXPECT_TRUE(notifications(*id).empty());
}

TEST_F(Lwm2m, ObserveCompositeAndPassiveCancel) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3311, 0, 5850)};
  const auto id = server().observe_composite(ep, paths, {}, now);
  ASSERT_TRUE(result(id).observing);
  ASSERT_TRUE(client().set_value(Path(3311, 0, 5850), Value(true), now).has_value());
  pump();
  const auto n = notifications(*id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].records.size(), 2u);
  ASSERT_TRUE(server().cancel_observation(*id, server::CancelMode::Passive, now).has_value());
  set_temperature(30);  // the server resets this notification: the client drops the observation
  EXPECT_EQ(client().observation_count(), 0u);
}

TEST_F(Lwm2m, SendReachesTheServer) {
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  ASSERT_TRUE(client().send(paths, now).has_value());
  pump();
  const auto sent = take<server::SendReceived>();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].endpoint, ep);
  EXPECT_EQ(sent[0].format, ContentFormat::SenmlCbor);
  EXPECT_EQ(sent[0].records,
            (std::vector<Record>{{Path(3303, 0, 5700), Value(20.0), std::nullopt}}));
  const auto done = take_client<client::SendCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].code, coap::codes::Changed);
}

TEST_F(Lwm2m, UpdatesKeepTheRegistrationAlive) {
  advance(3000s);  // five lifetimes
  EXPECT_TRUE(take<server::Expired>().empty());
  EXPECT_GE(take<server::Updated>().size(), 5u);
  EXPECT_NE(server().registration(ep), nullptr);
}

TEST_F(Lwm2m, LifetimeExpiryAndReRegistration) {
  connected = false;  // the client's Updates are lost
  advance(700s);
  const auto expired = take<server::Expired>();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(server().registration(ep), nullptr);
  // The Update failed on the client side: it registers again (the retry procedure).
  EXPECT_FALSE(take_client<client::RegistrationFailed>().empty());
  connected = true;
  advance(240s);
  EXPECT_EQ(take<server::Registered>().size(), 1u);
  EXPECT_EQ(client().state(1), client::RegistrationState::Registered);
  EXPECT_EQ(result(server().read(ep, Path(3, 0, 0), {}, now)).status, OperationStatus::Success);
}

TEST_F(Lwm2m, ServerForgettingTheClientLeadsToReRegister) {
  ASSERT_TRUE(server().remove_registration(ep));
  ASSERT_TRUE(client().trigger_update(1, now).has_value());
  pump();  // the Update gets 4.04, the client registers again at once
  EXPECT_EQ(take<server::Registered>().size(), 1u);
  EXPECT_NE(server().registration(ep), nullptr);
}

TEST_F(Lwm2m, DeregisterOnShutdown) {
  client().deregister(now);
  pump();
  const auto gone = take<server::Deregistered>();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].registration.endpoint, ep);
  EXPECT_TRUE(client().idle());
  EXPECT_EQ(server().registration(ep), nullptr);
}

TEST_F(Lwm2m, LifetimeChangeByServerWrite) {
  const std::vector<Record> lifetime = {{Path(1, 0, 1), Value(std::int64_t{120}), std::nullopt}};
  EXPECT_EQ(result(server().write(ep, Path(1, 0, 1), lifetime, WriteMode::Replace, {}, now)).status,
            OperationStatus::Success);
  const auto updated = take<server::Updated>();
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].registration.lifetime, 120u);
}

// ---- Queue mode

class QueueMode : public E2e {
 protected:
  QueueMode() : E2e(E2eOptions{.lifetime = 600, .queue_mode = true}) {}
};

TEST_F(QueueMode, RequestsWaitForTheClientToWake) {
  ASSERT_TRUE(server().registration(ep)->queue_mode);
  advance(100s);  // both sides consider the client asleep
  EXPECT_TRUE(client().asleep(1));
  EXPECT_FALSE(server().is_awake(ep));
  RequestParams p;
  p.timeout = 1000s;
  const auto id = server().read(ep, Path(3, 0, 0), p, now);
  ASSERT_TRUE(id.has_value());
  pump();
  EXPECT_TRUE(take<server::OperationCompleted>().empty());  // queued
  // The Update before the lifetime runs out (600 - 93 s) wakes the client; the read goes out.
  advance(410s);
  const auto done = take<server::OperationCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].id, *id);
  EXPECT_EQ(done[0].result.status, OperationStatus::Success);
  EXPECT_EQ(done[0].result.records[0].value, Value("Drover"));
}

TEST_F(QueueMode, NotificationWakesTheClient) {
  const auto id = server().observe(ep, Path(3303, 0, 5700), {}, now);
  ASSERT_TRUE(result(id).observing);
  advance(100s);
  ASSERT_TRUE(client().asleep(1));
  set_temperature(30);
  EXPECT_EQ(notifications(*id).size(), 1u);
  EXPECT_FALSE(client().asleep(1));
  EXPECT_TRUE(server().is_awake(ep));
}

// ---- LwM2M 1.0 client

class Lwm2m10 : public E2e {
 protected:
  Lwm2m10() : E2e(E2eOptions{.version = lwm2m::Lwm2mVersion::V1_0}) {}
};

TEST_F(Lwm2m10, TlvByDefault) {
  EXPECT_EQ(server().registration(ep)->version, lwm2m::Lwm2mVersion::V1_0);
  const auto r = result(server().read(ep, Path(3, 0), {}, now));
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_EQ(r.format, ContentFormat::Tlv);
  const std::vector<Record> values = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                      {Path(3311, 0, 5851), Value(std::int64_t{5}), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0), values, WriteMode::PartialUpdate, {}, now)).status,
      OperationStatus::Success);
}

}  // namespace
}  // namespace drover::e2e
