// Information Reporting: Observe, notifications, cancellation, Observe-Composite, and Send (/dp).
#include <algorithm>

#include "drover/lwm2m/formats/content_format.hpp"
#include "server_harness.hpp"

namespace drover::server::testing {
namespace {

using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

struct Reporting : ::testing::Test {
  Harness h;
  std::string location;
  void SetUp() override {
    location = h.register_device();
    h.events.clear();
  }

  // Observes /3303/0/5700, the device accepts with a first value; returns (id, device observer).
  std::pair<OperationId, coap::ObserverId> establish(std::string_view first = "21.5") {
    auto id = h.server.observe("dev1", Path(3303, 0, 5700), {}, h.now);
    EXPECT_TRUE(id.has_value());
    h.pump();
    auto req = h.take_request();
    EXPECT_EQ(req.request.code, coap::codes::Get);
    EXPECT_EQ(req.request.uri_path(), "/3303/0/5700");
    EXPECT_EQ(req.request.uint_option(coap::options::Observe), 0u);
    coap::Message m;
    m.code = coap::codes::Content;
    m.add_uint_option(coap::options::Observe, 1);
    m.add_uint_option(coap::options::ContentFormat, 0);
    m.set_payload(first);
    auto accepted = h.device.respond(req.exchange, std::move(m), h.now);
    EXPECT_TRUE(accepted.has_value() && accepted.value().has_value());
    h.pump();
    return {*id, accepted.has_value() && accepted.value().has_value() ? *accepted.value()
                                                                      : coap::ObserverId{}};
  }

  void notify(coap::ObserverId observer, std::string_view text,
              coap::Code code = coap::codes::Content) {
    coap::Message m;
    m.code = code;
    if (code.is_success()) m.add_uint_option(coap::options::ContentFormat, 0);
    m.set_payload(text);
    EXPECT_TRUE(h.device.notify(observer, std::move(m), h.now).has_value());
    h.pump();
  }
};

TEST_F(Reporting, ObserveThenNotifications) {
  auto [id, observer] = establish();
  OperationResult first = h.result_of(id);
  EXPECT_EQ(first.status, OperationStatus::Success);
  EXPECT_TRUE(first.observing);
  ASSERT_EQ(first.records.size(), 1u);
  EXPECT_EQ(first.records[0].value, Value(21.5)) << "typed Float by the IPSO model";
  EXPECT_EQ(h.server.counts().observations, 1u);
  EXPECT_EQ(h.server.counts().operations, 0u);

  h.advance(150s);  // past the request timeout: an accepted observation has no deadline
  notify(observer, "22.25");
  auto notes = h.take_events<Notification>();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].observation, id);
  EXPECT_EQ(notes[0].endpoint, "dev1");
  EXPECT_EQ(notes[0].code, coap::codes::Content);
  ASSERT_EQ(notes[0].records.size(), 1u);
  EXPECT_EQ(notes[0].records[0].path, Path(3303, 0, 5700));
  EXPECT_EQ(notes[0].records[0].value, Value(22.25));
}

TEST_F(Reporting, ObserveWithAcceptAndDeclinedObservation) {
  RequestParams params;
  params.accept = ContentFormat::SenmlJson;
  auto id = h.server.observe("dev1", Path(3, 0), params, h.now);
  ASSERT_TRUE(id.has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 110u);
  h.answer(req, coap::codes::Content, 110, R"([{"n":"/3/0/9","v":80}])");  // no Observe: declined
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_FALSE(r.observing);
  EXPECT_EQ(r.records.size(), 1u);
  EXPECT_EQ(h.server.counts().observations, 0u);
}

TEST_F(Reporting, ObservationSurvivesUpdate) {
  auto [id, observer] = establish();
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "lt=500")).code,
            coap::codes::Changed);
  notify(observer, "23");
  EXPECT_EQ(h.take_events<Notification>().size(), 1u);
  EXPECT_TRUE(h.take_events<ObservationEnded>().empty());
}

TEST_F(Reporting, ObservationsEndWithTheRegistration) {
  {
    auto [id, observer] = establish();
    h.events.clear();
    h.register_device();  // same endpoint: replaced
    auto ended = h.take_events<ObservationEnded>();
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].observation, id);
    EXPECT_EQ(ended[0].reason, ObservationEndReason::Replaced);
    EXPECT_EQ(h.server.counts().observations, 0u);
    // The old observation's next notification is refused (RST), so the device drops it.
    notify(observer, "1");
    EXPECT_TRUE(h.take_events<Notification>().empty());
    bool removed = false;
    for (const auto& e : h.device_events)
      if (auto* r = std::get_if<coap::ObserverRemoved>(&e);
          r && r->reason == coap::ObserverRemovalReason::Reset)
        removed = true;
    EXPECT_TRUE(removed);
  }
  location = "/rd/" + h.server.registration("dev1")->location;
  {
    const OperationId id = establish().first;
    h.events.clear();
    EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::Deleted);
    auto ended = h.take_events<ObservationEnded>();
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].observation, id);
    EXPECT_EQ(ended[0].reason, ObservationEndReason::Deregistered);
  }
}

TEST_F(Reporting, ObservationEndsOnExpiry) {
  const OperationId id = establish().first;
  h.events.clear();
  h.advance(300s + h.server.config().lifetime_grace);
  ASSERT_EQ(h.take_events<Expired>().size(), 1u);
  auto ended = h.take_events<ObservationEnded>();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].reason, ObservationEndReason::Expired);
  EXPECT_EQ(ended[0].observation, id);
}

// RFC 7641 §3.4: a notification older than the newest one seen is not delivered.
TEST_F(Reporting, OutOfOrderNotificationIsDropped) {
  const OperationId id = establish().first;
  h.events.clear();
  const auto get = std::find_if(h.to_device.begin(), h.to_device.end(), [](const coap::Message& m) {
    return m.code == coap::codes::Get && m.uint_option(coap::options::Observe) == 0u;
  });
  ASSERT_NE(get, h.to_device.end());
  const coap::Token token = get->token;
  // NON notifications crafted on the wire, so that their sequence numbers can go backwards.
  const auto deliver = [&](std::uint16_t mid, std::uint32_t sequence, std::string_view text) {
    coap::Message m;
    m.type = coap::Type::Non;
    m.code = coap::codes::Content;
    m.message_id = mid;
    m.token = token;
    m.add_uint_option(coap::options::Observe, sequence);
    m.add_uint_option(coap::options::ContentFormat, 0);
    m.set_payload(text);
    std::vector<std::uint8_t> bytes;
    coap::serialize(m, bytes);
    h.server.receive(kDevice, bytes, h.now);
    h.pump();
  };
  deliver(0x7001, 10, "23");
  deliver(0x7002, 5, "99");  // older than 10, within 128 s
  deliver(0x7003, 11, "24");
  const auto notes = h.take_events<Notification>();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].observation, id);
  EXPECT_EQ(notes[0].records.at(0).value, Value(23.0));
  EXPECT_EQ(notes[1].records.at(0).value, Value(24.0));
  EXPECT_EQ(h.server.counts().observations, 1u);
}

TEST_F(Reporting, ClientEndsTheObservationWithAnError) {
  auto [id, observer] = establish();
  h.events.clear();
  notify(observer, "gone", coap::codes::NotFound);
  auto notes = h.take_events<Notification>();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].code, coap::codes::NotFound);
  EXPECT_EQ(notes[0].diagnostic, "gone");
  auto ended = h.take_events<ObservationEnded>();
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].reason, ObservationEndReason::ClientEnded);
  EXPECT_EQ(h.server.counts().observations, 0u);
}

TEST_F(Reporting, PassiveCancelAnswersTheNextNotificationWithReset) {
  auto [id, observer] = establish();
  h.events.clear();
  ASSERT_TRUE(h.server.cancel_observation(id, CancelMode::Passive, h.now).has_value());
  h.pump();
  EXPECT_TRUE(h.requests.empty()) << "nothing sent on a passive cancel";
  EXPECT_EQ(h.server.counts().observations, 0u);
  EXPECT_EQ(h.server.cancel_observation(id, CancelMode::Passive, h.now).error(),
            Error::UnknownObservation);
  notify(observer, "30");
  EXPECT_TRUE(h.take_events<Notification>().empty());
  bool reset = false;
  for (const auto& e : h.device_events)
    if (auto* r = std::get_if<coap::ObserverRemoved>(&e);
        r && r->reason == coap::ObserverRemovalReason::Reset)
      reset = true;
  EXPECT_TRUE(reset);
  EXPECT_TRUE(h.events.empty()) << "no ObservationEnded for a cancel the application asked for";
}

TEST_F(Reporting, ActiveCancelSendsObserveOne) {
  auto [id, observer] = establish();
  h.events.clear();
  ASSERT_TRUE(h.server.cancel_observation(id, CancelMode::Active, h.now).has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Get);
  EXPECT_EQ(req.request.uri_path(), "/3303/0/5700");
  EXPECT_EQ(req.request.uint_option(coap::options::Observe), 1u);
  h.answer(req, coap::codes::Content, 0, "30");
  EXPECT_TRUE(h.events.empty()) << "the answer to the cancel is not reported";
  EXPECT_EQ(h.server.counts().observations, 0u);
}

TEST_F(Reporting, CancelBeforeTheFirstAnswer) {
  auto id = h.server.observe("dev1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(id.has_value());
  h.pump();
  auto req = h.take_request();
  ASSERT_TRUE(h.server.cancel_observation(*id, CancelMode::Active, h.now).has_value());
  h.answer(req, coap::codes::Content, 0, "1", 1);
  EXPECT_TRUE(h.events.empty());
  EXPECT_EQ(h.server.counts().observations, 0u);
}

TEST_F(Reporting, ObserveCompositeFetchesWithObserve) {
  const std::vector<Path> paths = {Path(3, 0, 9), Path(3303, 0, 5700)};
  auto id = h.server.observe_composite("dev1", paths, {}, h.now);
  ASSERT_TRUE(id.has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Fetch);
  EXPECT_EQ(req.request.uri_path(), "/");
  EXPECT_EQ(req.request.uint_option(coap::options::Observe), 0u);
  EXPECT_EQ(req.request.uint_option(coap::options::ContentFormat), 110u);
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 110u);
  coap::Message m;
  m.code = coap::codes::Content;
  m.add_uint_option(coap::options::Observe, 1);
  m.add_uint_option(coap::options::ContentFormat, 110);
  m.set_payload(std::string_view(R"([{"n":"/3/0/9","v":80},{"n":"/3303/0/5700","v":20}])"));
  auto observer = h.device.respond(req.exchange, std::move(m), h.now);
  ASSERT_TRUE(observer.has_value() && observer.value().has_value());
  h.pump();
  OperationResult r = h.result_of(*id);
  EXPECT_TRUE(r.observing);
  EXPECT_EQ(r.records.size(), 2u);

  coap::Message n;
  n.code = coap::codes::Content;
  n.add_uint_option(coap::options::ContentFormat, 110);
  n.set_payload(std::string_view(R"([{"n":"/3303/0/5700","v":19.5}])"));
  ASSERT_TRUE(h.device.notify(*observer.value(), std::move(n), h.now).has_value());
  h.pump();
  auto notes = h.take_events<Notification>();
  ASSERT_EQ(notes.size(), 1u);
  ASSERT_EQ(notes[0].records.size(), 1u);
  EXPECT_EQ(notes[0].records[0].value, Value(19.5));
}

TEST(ReportingBounds, ObservationsPerClient) {
  ServerConfig config = test_config();
  config.max_observations_per_client = 2;
  Harness h(config);
  h.register_device();
  EXPECT_TRUE(h.server.observe("dev1", Path(3, 0, 9), {}, h.now).has_value());
  EXPECT_TRUE(h.server.observe("dev1", Path(3, 0, 10), {}, h.now).has_value());
  EXPECT_EQ(h.server.observe("dev1", Path(3, 0, 11), {}, h.now).error(),
            Error::TooManyObservations);
  EXPECT_TRUE(h.server.read("dev1", Path(3, 0, 11), {}, h.now).has_value())
      << "reads are not observations";
}

// ---- Send

struct SendTest : Reporting {
  coap::Message send_request(ContentFormat format, std::span<const std::uint8_t> payload) {
    coap::Message m;
    m.code = coap::codes::Post;
    m.set_uri_path("/dp");
    m.add_uint_option(coap::options::ContentFormat, static_cast<std::uint16_t>(format));
    m.set_payload(payload);
    return h.device_request(std::move(m));
  }
};

TEST_F(SendTest, AcceptsEverySendFormat) {
  const std::vector<Record> timed = {{Path(3303, 0, 5700), Value(21.5), 1700000000.0},
                                     {Path(3, 0, 9), Value(std::int64_t{80}), 1700000000.0}};
  for (const ContentFormat format :
       {ContentFormat::SenmlJson, ContentFormat::SenmlCbor, ContentFormat::Lwm2mCbor}) {
    std::vector<Record> values = timed;
    if (format == ContentFormat::Lwm2mCbor)
      for (Record& r : values) r.time.reset();  // the format carries no timestamps
    std::vector<std::uint8_t> payload;
    ASSERT_FALSE(lwm2m::encode(format, values, Path(), payload).has_value());
    EXPECT_EQ(send_request(format, payload).code, coap::codes::Changed) << lwm2m::to_string(format);
    auto sends = h.take_events<SendReceived>();
    ASSERT_EQ(sends.size(), 1u);
    EXPECT_EQ(sends[0].endpoint, "dev1");
    EXPECT_EQ(sends[0].format, format);
    std::vector<Record> got = sends[0].records;
    std::sort(got.begin(), got.end(),
              [](const Record& a, const Record& b) { return a.path < b.path; });
    std::vector<Record> want = values;
    std::sort(want.begin(), want.end(),
              [](const Record& a, const Record& b) { return a.path < b.path; });
    EXPECT_EQ(got, want) << lwm2m::to_string(format);
  }
}

TEST_F(SendTest, Refusals) {
  const std::string text = "21.5";
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()),
                                            text.size());
  EXPECT_EQ(send_request(ContentFormat::Text, bytes).code, coap::codes::UnsupportedContentFormat);
  EXPECT_EQ(send_request(ContentFormat::Tlv, bytes).code, coap::codes::UnsupportedContentFormat);
  coap::Message no_format;
  no_format.code = coap::codes::Post;
  no_format.set_uri_path("/dp");
  no_format.set_payload(text);
  EXPECT_EQ(h.device_request(std::move(no_format)).code, coap::codes::UnsupportedContentFormat);
  EXPECT_EQ(send_request(ContentFormat::SenmlJson, bytes).code, coap::codes::BadRequest);
  EXPECT_EQ(h.device_request(request(coap::codes::Get, "/dp")).code, coap::codes::MethodNotAllowed);

  h.device_addr = coap::PeerAddress::loopback_v4(40999);  // not registered
  std::vector<std::uint8_t> payload;
  ASSERT_FALSE(lwm2m::encode(ContentFormat::SenmlJson,
                             std::vector<Record>{{Path(3, 0, 9), Value(std::int64_t{1}), {}}},
                             Path(), payload)
                   .has_value());
  EXPECT_EQ(send_request(ContentFormat::SenmlJson, payload).code, coap::codes::NotFound);
  EXPECT_TRUE(h.take_events<SendReceived>().empty());
}

}  // namespace
}  // namespace drover::server::testing
