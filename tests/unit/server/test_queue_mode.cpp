// Queue mode: awake windows, queueing requests for a sleeping client, flushing, timeouts, bounds.
#include "server_harness.hpp"

namespace drover::server::testing {
namespace {

using lwm2m::Path;

constexpr std::string_view kQueueRegister = "ep=q1&lt=3600&lwm2m=1.1&Q";

struct QueueMode : ::testing::Test {
  Harness h{config()};
  std::string location;

  static ServerConfig config() {
    ServerConfig c = test_config();
    c.awake_time = 30s;
    c.max_queued_requests_per_client = 2;
    return c;
  }
  void SetUp() override {
    location = h.register_device(kQueueRegister);
    h.events.clear();
  }
  void fall_asleep() {
    h.advance(30s);
    ASSERT_EQ(h.take_events<Sleeping>().size(), 1u);
    ASSERT_FALSE(h.server.is_awake("q1"));
  }
};

TEST_F(QueueMode, AwakeWindowAfterEveryMessage) {
  EXPECT_TRUE(h.server.is_awake("q1"));
  h.advance(20s);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_TRUE(h.take_events<Awake>().empty()) << "it was awake already";
  h.advance(29s);
  EXPECT_TRUE(h.server.is_awake("q1"));
  EXPECT_TRUE(h.take_events<Sleeping>().empty());
  h.advance(1s);
  auto sleeping = h.take_events<Sleeping>();
  ASSERT_EQ(sleeping.size(), 1u);
  EXPECT_EQ(sleeping[0].endpoint, "q1");
  EXPECT_FALSE(h.server.is_awake("q1"));
}

TEST_F(QueueMode, RequestsWaitForTheNextUpdate) {
  fall_asleep();
  const std::size_t sent_before = h.to_device.size();
  auto read = h.server.read("q1", Path(3, 0, 9), {}, h.now);
  auto exec = h.server.execute("q1", Path(3, 0, 4), "", {}, h.now);
  ASSERT_TRUE(read.has_value() && exec.has_value());
  h.pump();
  EXPECT_EQ(h.to_device.size(), sent_before) << "nothing is sent to a sleeping client";
  EXPECT_EQ(h.server.counts().queued, 2u);
  EXPECT_EQ(h.server.counts().operations, 2u);

  h.advance(10s);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  ASSERT_EQ(h.events.size(), 2u);
  EXPECT_NE(as<Awake>(h.events[0]), nullptr);
  EXPECT_NE(as<Updated>(h.events[1]), nullptr);
  h.events.clear();
  EXPECT_EQ(h.server.counts().queued, 0u);

  // Sent in submission order (NSTART 1: the second after the first is answered).
  auto first = h.take_request();
  EXPECT_EQ(first.request.uri_path(), "/3/0/9");
  h.answer(first, coap::codes::Content, 0, "80");
  EXPECT_EQ(h.result_of(*read).status, OperationStatus::Success);
  auto second = h.take_request();
  EXPECT_EQ(second.request.uri_path(), "/3/0/4");
  h.answer(second, coap::codes::Changed);
  EXPECT_EQ(h.result_of(*exec).status, OperationStatus::Success);
}

TEST_F(QueueMode, AnyMessageWakesTheClient) {
  fall_asleep();
  auto read = h.server.read("q1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(read.has_value());
  coap::Message send;
  send.code = coap::codes::Post;
  send.set_uri_path("/dp");
  send.add_uint_option(coap::options::ContentFormat, 110);
  send.set_payload(std::string_view(R"([{"n":"/3/0/9","v":5}])"));
  EXPECT_EQ(h.device_request(std::move(send)).code, coap::codes::Changed);
  EXPECT_EQ(h.take_events<Awake>().size(), 1u);
  EXPECT_EQ(h.take_events<SendReceived>().size(), 1u);
  EXPECT_EQ(h.take_request().request.uri_path(), "/3/0/9");
}

TEST_F(QueueMode, QueuedRequestTimesOut) {
  fall_asleep();
  RequestParams params;
  params.timeout = 60s;
  auto read = h.server.read("q1", Path(3, 0, 9), params, h.now);
  ASSERT_TRUE(read.has_value());
  h.advance(59s);
  EXPECT_FALSE(h.completed(*read));
  h.advance(1s);
  const OperationResult r = h.result_of(*read);
  EXPECT_EQ(r.status, OperationStatus::QueueTimeout);
  EXPECT_EQ(r.code, coap::codes::Empty);
  EXPECT_EQ(h.server.counts().operations, 0u);
  EXPECT_EQ(h.server.counts().queued, 0u);
  // The client waking later gets nothing.
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_TRUE(h.requests.empty());
}

TEST_F(QueueMode, QueueIsBounded) {
  fall_asleep();
  EXPECT_TRUE(h.server.read("q1", Path(3, 0, 9), {}, h.now).has_value());
  EXPECT_TRUE(h.server.read("q1", Path(3, 0, 10), {}, h.now).has_value());
  EXPECT_EQ(h.server.read("q1", Path(3, 0, 11), {}, h.now).error(), Error::QueueFull);
  EXPECT_EQ(h.server.counts().queued, 2u);
}

TEST_F(QueueMode, QueuedRequestsEndWithTheRegistration) {
  fall_asleep();
  auto read = h.server.read("q1", Path(3, 0, 9), {}, h.now);
  auto observe = h.server.observe("q1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(read.has_value() && observe.has_value());
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::Deleted);
  EXPECT_EQ(h.result_of(*read).status, OperationStatus::ClientGone);
  EXPECT_EQ(h.result_of(*observe).status, OperationStatus::ClientGone);
  const ServerCounts counts = h.server.counts();
  EXPECT_EQ(counts.operations + counts.queued + counts.observations + counts.timers, 0u);
}

TEST_F(QueueMode, CancellingAQueuedObservationSendsNothing) {
  fall_asleep();
  auto observe = h.server.observe("q1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(observe.has_value());
  ASSERT_TRUE(h.server.cancel_observation(*observe, CancelMode::Active, h.now).has_value());
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_TRUE(h.requests.empty());
  EXPECT_EQ(h.server.counts().observations, 0u);
}

TEST_F(QueueMode, LeavingQueueModeFlushesTheQueue) {
  fall_asleep();
  auto read = h.server.read("q1", Path(3, 0, 9), {}, h.now);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "b=U")).code,
            coap::codes::Changed);
  EXPECT_FALSE(h.server.registration("q1")->queue_mode);
  EXPECT_EQ(h.take_request().request.uri_path(), "/3/0/9");
  h.advance(100s);
  EXPECT_TRUE(h.take_events<Sleeping>().empty());
  EXPECT_TRUE(h.server.is_awake("q1"));
  // Requests go out at once now.
  ASSERT_TRUE(h.server.read("q1", Path(3, 0, 10), {}, h.now).has_value());
  EXPECT_EQ(h.server.counts().queued, 0u);
}

TEST(QueueModeSwitch, UpdateWithQEntersQueueMode) {
  Harness h;
  const std::string location = h.register_device("ep=dev1&lt=3600&lwm2m=1.1");
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "Q")).code, coap::codes::Changed);
  EXPECT_TRUE(h.server.registration("dev1")->queue_mode);
  EXPECT_TRUE(h.server.is_awake("dev1"));
  h.advance(h.server.config().awake_time);
  EXPECT_EQ(h.take_events<Sleeping>().size(), 1u);
}

}  // namespace
}  // namespace drover::server::testing
