// Send (POST /dp) on demand and from the send timer, Mute Send; queue-mode wake-ups by
// notifications and Send.
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

namespace codes = coap::codes;

class Send : public RegisteredClient {};

TEST_F(Send, PostsSenmlCborToDp) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3, 0, 0), Path(3, 0, 9)};
  ASSERT_TRUE(h.client.send(paths, h.now).has_value());
  h.pump();
  const auto post = h.next_request();
  EXPECT_EQ(post.request.code, codes::Post);
  EXPECT_EQ(post.request.uri_path(), "/dp");
  EXPECT_EQ(post.request.uint_option(coap::options::ContentFormat), 112u);
  std::vector<Record> records;
  ASSERT_FALSE(
      lwm2m::decode(ContentFormat::SenmlCbor, post.request.payload(), Path(), {}, records));
  ASSERT_EQ(records.size(), 2u);  // no battery: left out
  EXPECT_EQ(records[0].path, Path(3, 0, 0));
  EXPECT_EQ(records[1].path, Path(3303, 0, 5700));
  h.respond(post, codes::Changed);
  const auto done = h.events_of<SendCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].ssid, 1);
  EXPECT_EQ(done[0].code, codes::Changed);
}

TEST_F(Send, CarriesTimesWithAWallClock) {
  ClientConfig config = test_config();
  config.wall_clock = [] { return 1700000000.0; };
  ClientHarness timed(config);
  ASSERT_TRUE(timed.client.add_object(3303).has_value());
  ASSERT_TRUE(
      timed.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(4.0), timed.now)
          .has_value());
  timed.add_account();
  timed.register_client();
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  ASSERT_TRUE(timed.client.send(paths, timed.now).has_value());
  timed.pump();
  const auto post = timed.next_request();
  std::vector<Record> records;
  ASSERT_FALSE(
      lwm2m::decode(ContentFormat::SenmlCbor, post.request.payload(), Path(), {}, records));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].time, 1700000000.0);
}

TEST_F(Send, RefusedWhenMutedNotRegisteredOrEmpty) {
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  const std::vector<Path> nothing = {Path(3, 0, 9), Path(0, 0, 0)};
  EXPECT_EQ(h.client.send(nothing, h.now).error(), Error::NothingToSend);
  EXPECT_EQ(h.client.send(paths, h.now, 7).error(), Error::UnknownServer);
  Message mute = request(codes::Put, "/1/0/23");
  lwm2m::set_content_format(mute, ContentFormat::Text);
  mute.set_payload("1");
  ASSERT_EQ(h.call(mute).code, codes::Changed);
  EXPECT_EQ(h.client.send(paths, h.now).error(), Error::Muted);
  h.client.deregister(h.now);
  h.pump();
  h.respond(h.next_request(), codes::Deleted);
  EXPECT_EQ(h.client.send(paths, h.now).error(), Error::NotRegistered);
}

TEST_F(Send, ScheduleSendsPeriodically) {
  h.client.set_send_schedule({Path(3303, 0, 5700)}, 60s, h.now);
  h.advance(59s);
  EXPECT_FALSE(h.has_request());
  h.advance(1s);
  h.respond(h.next_request(), codes::Changed);
  h.advance(60s);
  auto post = h.next_request();
  EXPECT_EQ(post.request.uri_path(), "/dp");
  h.respond(post, codes::Changed);
  EXPECT_EQ(h.events_of<SendCompleted>().size(), 2u);
  h.client.set_send_schedule({}, 60s, h.now);
  h.advance(120s);
  EXPECT_FALSE(h.has_request());
}

TEST_F(Send, MutedScheduleSendsNothingUntilUnmuted) {
  h.client.set_send_schedule({Path(3303, 0, 5700)}, 60s, h.now);
  const auto mute = [&](bool on) {
    Message m = request(codes::Put, "/1/0/23");
    lwm2m::set_content_format(m, ContentFormat::Text);
    m.set_payload(on ? "1" : "0");
    ASSERT_EQ(h.call(m).code, codes::Changed);
  };
  mute(true);
  h.advance(200s);  // three periods
  EXPECT_FALSE(h.has_request()) << "Mute Send holds the timer's Sends back";
  EXPECT_TRUE(h.events_of<SendCompleted>().empty());
  mute(false);
  h.advance(40s);  // the next period after unmuting
  auto post = h.next_request();
  EXPECT_EQ(post.request.uri_path(), "/dp");
  h.respond(post, codes::Changed);
  EXPECT_EQ(h.events_of<SendCompleted>().size(), 1u);
  EXPECT_FALSE(h.has_request()) << "periods missed while muted are not sent afterwards";
}

// Send in each format the client may be configured with.
class SendFormat : public ::testing::TestWithParam<ContentFormat> {};

TEST_P(SendFormat, PostsTheConfiguredFormat) {
  ClientConfig config = test_config();
  config.send_format = GetParam();
  ClientHarness h(config);
  ASSERT_TRUE(h.client.add_object(3303).has_value());
  ASSERT_TRUE(h.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(4.5), h.now)
                  .has_value());
  h.add_account();
  h.register_client();
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3303, 0, 5701)};
  ASSERT_TRUE(h.client.send(paths, h.now).has_value());
  h.pump();
  const auto post = h.next_request();
  EXPECT_EQ(post.request.uri_path(), "/dp");
  EXPECT_EQ(lwm2m::content_format_of(post.request).format, GetParam());
  std::vector<Record> records;
  lwm2m::DecodeOptions options;
  options.types = &h.client.objects();
  ASSERT_FALSE(lwm2m::decode(GetParam(), post.request.payload(), Path(), options, records));
  EXPECT_EQ(records, (std::vector<Record>{{Path(3303, 0, 5700), Value(4.5), std::nullopt},
                                          {Path(3303, 0, 5701), Value("Cel"), std::nullopt}}));
  h.respond(post, codes::Changed);
  EXPECT_EQ(h.events_of<SendCompleted>().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Formats, SendFormat,
                         ::testing::Values(ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
                                           ContentFormat::Lwm2mCbor),
                         [](const auto& param_info) {
                           return std::to_string(static_cast<unsigned>(param_info.param));
                         });

TEST_F(Send, TimeoutIsReported) {
  h.server().connected = false;
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  ASSERT_TRUE(h.client.send(paths, h.now).has_value());
  h.advance(100s);
  const auto done = h.events_of<SendCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].code, codes::Empty);
}

// ---- Queue mode wake-ups

class QueueClient : public RegisteredClient {
 protected:
  void SetUp() override {
    account.queue_mode = true;
    RegisteredClient::SetUp();
  }
};

TEST_F(QueueClient, NotificationWakesTheClient) {
  Message m = get("/3303/0/5700");
  m.add_uint_option(coap::options::Observe, 0);
  const auto id = h.send(m);
  ASSERT_TRUE(h.take_response(id).has_value());
  h.advance(93s);
  ASSERT_TRUE(h.client.asleep(1));
  h.client_events();
  set_temperature(30);
  EXPECT_FALSE(h.client.asleep(1));
  EXPECT_EQ(h.events_of<Awake>().size(), 1u);
  EXPECT_EQ(h.notifications(id).size(), 1u);
  // Awake again for awake_time after that notification, then asleep.
  h.advance(93s);
  EXPECT_TRUE(h.client.asleep(1));
}

TEST_F(QueueClient, SendWakesTheClient) {
  h.advance(93s);
  ASSERT_TRUE(h.client.asleep(1));
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  ASSERT_TRUE(h.client.send(paths, h.now).has_value());
  h.pump();
  EXPECT_FALSE(h.client.asleep(1));
  h.respond(h.next_request(), codes::Changed);
  // A server request right after is heard.
  EXPECT_EQ(h.call(get("/3/0/0")).code, codes::Content);
}

TEST_F(QueueClient, UpdateTriggerFromTheApplicationWakes) {
  h.advance(93s);
  ASSERT_TRUE(h.client.asleep(1));
  ASSERT_TRUE(h.client.trigger_update(std::nullopt, h.now).has_value());
  h.pump();
  EXPECT_FALSE(h.client.asleep(1));
  EXPECT_EQ(h.next_request().request.uri_path(), "/rd/abc");
}

}  // namespace
}  // namespace drover::client::testing
