// The event stream and the metrics of the HTTP API: SSE framing, the bounded per-stream buffer,
// what the Api streams for each server event, and GET /metrics.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <sstream>

#include "drover/http/event_stream.hpp"
#include "unit/http/api_harness.hpp"
#include "unit/server/memory_persistence.hpp"

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
  std::vector<std::pair<std::string, json::value>> drain(bool names = false) {
    std::vector<std::pair<std::string, json::value>> out;
    for (const auto& e : h.events) {
      const auto completion = h.api.on_event(e, h.now);
      if (auto s = h.api.stream_event(e, completion, h.now, names))
        out.emplace_back(std::string(s->type), json::parse(s->data));
    }
    h.events.clear();
    return out;
  }
};

TEST_F(Events, RouteSubscribesToSeveralEndpointsAndSomeTypes) {
  auto reply = h.api.handle(
      {"GET", "/api/events?endpoint=a&endpoint=b&types=registration,deregistration,update", ""},
      h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(reply));
  const auto& s = std::get<Subscribe>(reply);
  EXPECT_EQ(s.endpoints, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.endpoint, "") << "not one endpoint";
  EXPECT_EQ(s.types, (std::vector<std::string>{"registration", "deregistration", "update"}));
  auto bad = h.call("GET", "/api/events?types=registration,nonsense");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(error_code(bad), "bad_query");
  EXPECT_EQ(h.call("GET", "/api/events?endpoint=a&endpoint=b&coap=1").status, 400u)
      << "the message log is of one client";
}

TEST_F(Events, RouteSubscribesWithAnOptionalEndpointFilter) {
  auto all = h.api.handle({"GET", "/api/events", ""}, h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(all));
  EXPECT_EQ(std::get<Subscribe>(all).endpoint, "");
  auto one = h.api.handle({"GET", "/api/events?endpoint=dev%201", ""}, h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(one));
  EXPECT_EQ(std::get<Subscribe>(one).endpoint, "dev 1");
  EXPECT_FALSE(std::get<Subscribe>(one).names);
  EXPECT_FALSE(std::get<Subscribe>(one).coap);
  auto options = h.api.handle({"GET", "/api/events?endpoint=dev1&coap=1&names=true", ""}, h.now);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(options));
  EXPECT_TRUE(std::get<Subscribe>(options).names);
  EXPECT_TRUE(std::get<Subscribe>(options).coap);
  auto everyone = h.call("GET", "/api/events?coap=1");
  EXPECT_EQ(everyone.status, 400u) << "the message log is of one client";
  EXPECT_EQ(error_code(everyone), "bad_query");
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
  const auto observer = h.accept_observe(req, "21.5");
  ASSERT_TRUE(observer.has_value());
  EXPECT_TRUE(drain().empty()) << "the observe's own answer goes to its HTTP request";

  h.notify_text(*observer, "22.25");
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

TEST_F(Events, NamesAndUnitsOnRequest) {
  h.register_device();
  drain();
  coap::Message send;
  send.code = coap::codes::Post;
  send.set_uri_path("/dp");
  send.add_uint_option(coap::options::ContentFormat, 110);
  send.set_payload(std::string_view(R"([{"n":"/3303/0/5700","v":23.5},{"n":"/3/0/9","v":80}])"));
  EXPECT_EQ(h.device_request(send).code, coap::codes::Changed);
  const auto events = h.events;
  auto plain = drain();
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_FALSE(plain[0].second.at("values").at(0).as_object().contains("name"));
  h.events = events;
  auto named = drain(true);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].second.at("values"), json::parse(R"([
      {"path":"/3303/0/5700","type":"float","value":23.5,"name":"Sensor Value"},
      {"path":"/3/0/9","type":"integer","value":80,"name":"Battery Level","units":"/100"}])"));

  // A notification too.
  auto id = h.start("POST", "/api/clients/dev1/3/0/9/observe");
  auto req = h.take_request();
  const auto observer = h.accept_observe(req, "80");
  ASSERT_TRUE(observer.has_value());
  drain();
  h.notify_text(*observer, "79");
  named = drain(true);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0].second.at("observation").to_number<std::uint64_t>(), id.value);
  EXPECT_EQ(named[0].second.at("values").at(0).at("name").as_string(), "Battery Level");
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
      const auto completion = h.api.on_event(e, h.now);
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

TEST_F(Events, MetricsShowTheStoreOnlyWhenTheServerHasOne) {
  EXPECT_EQ(h.call("GET", "/metrics").body.find("drover_store_"), std::string::npos);
  EXPECT_TRUE(boost::json::parse(h.call("GET", "/api/metrics").body).at("store").is_null());

  server::testing::MemoryPersistence store;
  h.server.set_persistence(&store);
  h.register_device();
  const auto text = h.call("GET", "/metrics").body;
  EXPECT_NE(text.find("\ndrover_store_committed_changes_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\ndrover_store_pending_changes 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE drover_store_failed_batches_total counter\n"), std::string::npos);
  const auto json = boost::json::parse(h.call("GET", "/api/metrics").body);
  EXPECT_EQ(json.at("store").at("committed").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(json.at("store").at("dropped").to_number<std::uint64_t>(), 0u);
  h.server.set_persistence(nullptr);
}

// Shards' store counts add up; a shard without a store adds nothing.
TEST(MetricsValues, StoreCountsAreSummed) {
  http::Metrics a, b, none;
  a.store =
      StoreStats{.committed = 3, .batches = 1, .failed_batches = 0, .dropped = 0, .pending = 2};
  b.store =
      StoreStats{.committed = 4, .batches = 2, .failed_batches = 1, .dropped = 5, .pending = 0};
  none += a;
  none += b;
  ASSERT_TRUE(none.store.has_value());
  EXPECT_EQ(none.store->committed, 7u);
  EXPECT_EQ(none.store->batches, 3u);
  EXPECT_EQ(none.store->failed_batches, 1u);
  EXPECT_EQ(none.store->dropped, 5u);
  EXPECT_EQ(none.store->pending, 2u);
}

// The Prometheus text format 0.0.4, read strictly: every line is a HELP, a TYPE or a sample
// `name{label="value",...} number`.
struct Metrics {
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
  };
  std::map<std::string, std::string> types;
  std::vector<Sample> samples;

  static Metrics parse(const std::string& text) {
    Metrics m;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# HELP ", 0) == 0) continue;
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream t(line.substr(7));
        std::string name, type;
        t >> name >> type;
        EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
        m.types[name] = type;
        continue;
      }
      Sample s;
      const auto brace = line.find('{');
      const auto space = line.rfind(' ');
      require(space == std::string::npos, line);
      std::size_t name_end = brace != std::string::npos ? brace : space;
      s.name = line.substr(0, name_end);
      if (brace != std::string::npos) {
        const auto close = line.find('}', brace);
        require(close == std::string::npos || close + 1 != space, line);
        std::string labels = line.substr(brace + 1, close - brace - 1);
        std::size_t pos = 0;
        while (pos < labels.size()) {
          const auto eq = labels.find("=\"", pos);
          const auto end = labels.find('"', eq + 2);
          require(eq == std::string::npos || end == std::string::npos, line);
          s.labels[labels.substr(pos, eq - pos)] = labels.substr(eq + 2, end - eq - 2);
          pos = end + 1;
          if (pos < labels.size()) {
            EXPECT_EQ(labels[pos], ',') << line;
            ++pos;
          }
        }
      }
      const std::string value = line.substr(space + 1);
      std::size_t used = 0;
      s.value = std::stod(value, &used);
      EXPECT_EQ(used, value.size()) << line;
      m.samples.push_back(std::move(s));
    }
    return m;
  }

  static void require(bool failed, const std::string& line) {
    if (failed) throw std::runtime_error("not Prometheus text: " + line);
  }

  std::optional<double> value(std::string_view name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    return std::nullopt;
  }
};

TEST_F(Events, LatencyHistogramsByOperation) {
  h.register_device();
  drain();
  // One answered at once, one after 2 s, one timed out after 5 s (seen a second later).
  h.start("GET", "/api/clients/dev1/3/0/0");
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  drain();
  h.start("GET", "/api/clients/dev1/3/0/1");
  auto slow = h.take_request();
  h.advance(2s);
  h.answer(slow, coap::codes::Content, 0, "X1");
  drain();
  h.start("GET", "/api/clients/dev1/3/0/2?timeout=5");
  h.take_request();
  h.advance(6s);
  drain();
  h.start("POST", "/api/clients/dev1/3/0/4/execute");
  h.answer(h.take_request(), coap::codes::Changed);
  drain();

  const auto r = h.call("GET", "/metrics");
  ASSERT_EQ(r.status, 200u);
  const auto m = Metrics::parse(r.body);
  const std::string family = "drover_api_operation_duration_seconds";
  EXPECT_EQ(m.types.at(family), "histogram");
  const auto bucket = [&](std::string_view op, std::string_view le) {
    return m.value(family + "_bucket", {{"operation", std::string(op)}, {"le", std::string(le)}});
  };
  EXPECT_EQ(bucket("read", "0.005"), 1.0);
  EXPECT_EQ(bucket("read", "1"), 1.0);
  EXPECT_EQ(bucket("read", "2.5"), 2.0);
  EXPECT_EQ(bucket("read", "5"), 2.0);
  EXPECT_EQ(bucket("read", "10"), 3.0);
  EXPECT_EQ(bucket("read", "+Inf"), 3.0);
  EXPECT_EQ(m.value(family + "_count", {{"operation", "read"}}), 3.0);
  const auto sum = m.value(family + "_sum", {{"operation", "read"}});
  ASSERT_TRUE(sum.has_value());
  EXPECT_GE(*sum, 7.0);
  EXPECT_LE(*sum, 8.5);
  EXPECT_EQ(m.value(family + "_count", {{"operation", "execute"}}), 1.0);
  EXPECT_EQ(m.value(family + "_count", {{"operation", "observe_composite"}}), 0.0);

  // Buckets are cumulative, end with +Inf equal to the count, for every operation.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  for (const auto& s : m.samples)
    if (s.name == family + "_bucket") {
      const auto& le = s.labels.at("le");
      buckets[s.labels.at("operation")].emplace_back(
          le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le), s.value);
    }
  EXPECT_EQ(buckets.size(), 11u);
  for (const auto& [op, list] : buckets) {
    ASSERT_FALSE(list.empty());
    for (std::size_t i = 1; i < list.size(); ++i) {
      EXPECT_LT(list[i - 1].first, list[i].first) << op;
      EXPECT_LE(list[i - 1].second, list[i].second) << op;
    }
    EXPECT_EQ(list.back().first, std::numeric_limits<double>::infinity()) << op;
    EXPECT_EQ(m.value(family + "_count", {{"operation", op}}), list.back().second) << op;
  }
}

TEST(MetricsQueueMode, QueueDepthAndOperationsInFlight) {
  server::ServerConfig config = server::testing::test_config();
  config.awake_time = 30s;
  ApiHarness h(config);
  const auto location = h.register_device("ep=q1&lt=3600&lwm2m=1.1&Q", "</3/0>");
  h.register_device();
  h.advance(31s);
  const auto gauges = [&h] {
    const auto m = Metrics::parse(h.call("GET", "/metrics").body);
    EXPECT_EQ(m.types.at("drover_queued_requests"), "gauge");
    EXPECT_EQ(m.types.at("drover_operations_in_flight"), "gauge");
    return std::pair{m.value("drover_queued_requests").value_or(-1),
                     m.value("drover_operations_in_flight").value_or(-1)};
  };
  EXPECT_EQ(gauges(), std::pair(0.0, 0.0));
  ASSERT_EQ(h.call("GET", "/api/clients/q1/3/0/0").status, 202u);
  ASSERT_EQ(h.call("GET", "/api/clients/q1/3/0/1").status, 202u);
  h.start("GET", "/api/clients/dev1/3/0/0");  // sent, not answered
  EXPECT_EQ(gauges(), std::pair(2.0, 3.0));
  h.events.clear();
  // The client wakes up: both go out.
  h.device_request(request(coap::codes::Post, location));
  EXPECT_EQ(gauges(), std::pair(0.0, 3.0));
}

}  // namespace
}  // namespace drover::http::testing
