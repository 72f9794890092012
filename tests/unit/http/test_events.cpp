// The event stream and the metrics of the HTTP API: SSE framing, the bounded per-stream buffer,
// what the Api streams for each server event, and GET /metrics.
#include <gtest/gtest.h>

#include "drover/http/event_stream.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace json = boost::json;
using server::testing::request;

TEST(EventStream, FramesOneEventPerSseBlock) {
  EXPECT_EQ(sse_frame({"send", "dev1", R"({"endpoint":"dev1"})"}),
            "event: send\ndata: {\"endpoint\":\"dev1\"}\n\n");
}

TEST(EventStream, BufferIsBoundedAndRefusesWhatDoesNotFit) {
  EventBuffer buffer(10);
  EXPECT_TRUE(buffer.push("12345"));
  EXPECT_TRUE(buffer.push("6789"));
  EXPECT_FALSE(buffer.push("ab")) << "11 bytes would exceed the bound";
  EXPECT_EQ(buffer.size(), 9u);
  EXPECT_TRUE(buffer.push("a"));
  EXPECT_EQ(buffer.take(), "123456789a");
  EXPECT_TRUE(buffer.empty());
  EXPECT_TRUE(buffer.push("0123456789"));
  EXPECT_FALSE(EventBuffer(3).push("abcd"));
}

struct Events : ::testing::Test {
  ApiHarness h;

  // Every event the Api streams for what the harness drained, after on_event as HttpServer does.
  std::vector<std::pair<std::string, json::value>> drain() {
    std::vector<std::pair<std::string, json::value>> out;
    for (const auto& e : h.events) {
      const auto completion = h.api.on_event(e);
      if (auto s = h.api.stream_event(e, completion, h.now))
        out.emplace_back(std::string(s->type), json::parse(s->data));
    }
    h.events.clear();
    return out;
  }
};

TEST_F(Events, RouteSubscribesWithAnOptionalEndpointFilter) {
  auto all = h.api.handle({"GET", "/api/events", ""}, h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(all));
  EXPECT_EQ(std::get<Subscribe>(all).endpoint, "");
  auto one = h.api.handle({"GET", "/api/events?endpoint=dev%201", ""}, h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(one));
  EXPECT_EQ(std::get<Subscribe>(one).endpoint, "dev 1");
  EXPECT_EQ(h.call("POST", "/api/events").status, 405u);
}

TEST_F(Events, RegistrationLifecycle) {
  const auto location = h.register_device();
  auto events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "registration");
  EXPECT_EQ(events[0].second.at("endpoint").as_string(), "dev1");
  EXPECT_EQ(events[0].second.at("lifetime").to_number<int>(), 300);

  h.device_request(request(coap::codes::Post, location, "lt=600"));
  events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "update");
  EXPECT_EQ(events[0].second.at("lifetime").to_number<int>(), 600);
  EXPECT_FALSE(events[0].second.at("objects_changed").as_bool());

  h.device_request(request(coap::codes::Delete, location));
  events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "deregistration");
  EXPECT_EQ(events[0].second.at("location").as_string(), location);

  h.register_device("ep=short&lt=60");
  drain();
  h.advance(std::chrono::seconds(60) + h.server.config().lifetime_grace + 1s);
  events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "expiry");
  EXPECT_EQ(events[0].second.at("endpoint").as_string(), "short");
}

TEST_F(Events, NotificationsAndSendCarryDecodedValues) {
  h.register_device();
  drain();
  auto id = h.start("POST", "/api/clients/dev1/3303/0/5700/observe");
  auto req = h.take_request();
  coap::Message first;
  first.code = coap::codes::Content;
  first.add_uint_option(coap::options::Observe, 1);
  first.add_uint_option(coap::options::ContentFormat, 0);
  first.set_payload(std::string_view("21.5"));
  auto observer = h.device.respond(req.exchange, std::move(first), h.now);
  ASSERT_TRUE(observer.has_value() && observer.value().has_value());
  h.pump();
  EXPECT_TRUE(drain().empty()) << "the observe's own answer goes to its HTTP request";

  coap::Message note;
  note.code = coap::codes::Content;
  note.add_uint_option(coap::options::ContentFormat, 0);
  note.set_payload(std::string_view("22.25"));
  ASSERT_TRUE(h.device.notify(*observer.value(), std::move(note), h.now).has_value());
  h.pump();
  auto events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "notification");
  const auto& n = events[0].second;
  EXPECT_EQ(n.at("observation").to_number<std::uint64_t>(), id.value);
  EXPECT_EQ(n.at("code").as_string(), "2.05");
  EXPECT_EQ(n.at("values"),
            json::parse(R"([{"path":"/3303/0/5700","type":"float","value":22.25}])"));

  coap::Message send;
  send.code = coap::codes::Post;
  send.set_uri_path("/dp");
  send.add_uint_option(coap::options::ContentFormat, 110);
  send.set_payload(std::string_view(R"([{"n":"/3303/0/5700","v":23.5,"t":1700000000}])"));
  EXPECT_EQ(h.device_request(std::move(send)).code, coap::codes::Changed);
  events = drain();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "send");
  const auto& sent = events[0].second.at("values").at(0);
  EXPECT_EQ(sent.at("path").as_string(), "/3303/0/5700");
  EXPECT_EQ(sent.at("value").as_double(), 23.5);
  EXPECT_EQ(sent.at("time").to_number<double>(), 1700000000.0);
}

TEST(EventsQueueMode, QueuedResultIsStreamedAndSleepAwakeToo) {
  server::ServerConfig config = server::testing::test_config();
  config.awake_time = 30s;
  ApiHarness h(config);
  const auto location = h.register_device("ep=q1&lt=3600&lwm2m=1.1&Q", "</3/0>");
  h.advance(31s);
  const auto stream = [&h] {
    std::vector<StreamEvent> out;
    for (const auto& e : h.events) {
      const auto completion = h.api.on_event(e);
      if (auto s = h.api.stream_event(e, completion, h.now)) out.push_back(std::move(*s));
    }
    h.events.clear();
    return out;
  };
  auto events = stream();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "sleeping");
  EXPECT_EQ(events.back().endpoint, "q1");

  auto queued = h.call("GET", "/api/clients/q1/3/0/0");
  ASSERT_EQ(queued.status, 202u);
  const auto id = body_of(queued).at("id").to_number<std::uint64_t>();
  h.device_request(request(coap::codes::Post, location));
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  events = stream();
  std::vector<std::string_view> types;
  for (const auto& e : events) types.push_back(e.type);
  EXPECT_NE(std::find(types.begin(), types.end(), "awake"), types.end());
  auto result = std::find_if(events.begin(), events.end(),
                             [](const StreamEvent& e) { return e.type == "result"; });
  ASSERT_NE(result, events.end());
  const auto data = json::parse(result->data);
  EXPECT_EQ(data.at("id").to_number<std::uint64_t>(), id);
  EXPECT_EQ(data.at("status").to_number<unsigned>(), 200u);
  EXPECT_EQ(data.at("response").at("values").at(0).at("value").as_string(), "ACME");
}

TEST_F(Events, ResultOfAWaitingRequestIsNotStreamed) {
  h.register_device();
  drain();
  h.start("GET", "/api/clients/dev1/3/0/0");
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  EXPECT_TRUE(drain().empty());
}

TEST_F(Events, MetricsCountOperationsByResultInPrometheusText) {
  h.register_device();
  drain();
  h.start("GET", "/api/clients/dev1/3/0/0");
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  h.start("GET", "/api/clients/dev1/3/0/1");
  h.answer(h.take_request(), coap::codes::NotFound);
  EXPECT_EQ(h.call("POST", "/api/clients/dev1/3/0/execute").status, 400u) << "not a resource";
  drain();

  auto r = h.call("GET", "/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const auto has = [&r](std::string_view line) {
    return r.body.find(std::string(line) + "\n") != std::string::npos;
  };
  EXPECT_TRUE(has("drover_registrations 1")) << r.body;
  EXPECT_TRUE(has("drover_registration_events_total{event=\"register\"} 1"));
  EXPECT_TRUE(has("# TYPE drover_api_operations_total counter"));
  EXPECT_TRUE(has("drover_api_operations_total{operation=\"read\",result=\"success\"} 1"));
  EXPECT_TRUE(has("drover_api_operations_total{operation=\"read\",result=\"not_found\"} 1"));
  EXPECT_TRUE(has("drover_api_operations_total{operation=\"execute\",result=\"refused\"} 1"));
  EXPECT_TRUE(has("drover_queued_requests 0"));
  EXPECT_TRUE(has("drover_notifications_total 0"));
  EXPECT_TRUE(has("drover_sends_total 0"));
  EXPECT_EQ(h.call("DELETE", "/metrics").status, 405u);
}

}  // namespace
}  // namespace drover::http::testing
