// /api/bootstrap/configs and /api/bootstrap/metrics, through an API of route families alone (as
// `drover bootstrap-server` serves them).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_harness.hpp"
#include "drover/http/bootstrap_routes.hpp"
#include "drover/http/metrics.hpp"
#include "drover/lwm2m/protocol/registration.hpp"

namespace drover::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kConfig = R"({"servers": [
  {"security": {"uri": "coaps://dm:5684", "mode": "psk", "identity_text": "dev1",
                "secret_key": "00112233", "ssid": 1},
   "server": {"lifetime": 300}}]})";

struct BootstrapApi : ::testing::Test {
  bootstrap::BootstrapConfigs configs;
  bootstrap::BootstrapServer server{bootstrap::BootstrapServerConfig{}, configs};
  BootstrapRoutes routes{configs, &server};
  RouteFamilies api;
  BootstrapApi() { api.add_routes(routes); }

  Response call(std::string_view method, std::string_view target, std::string_view body = {}) {
    auto reply = api.handle({method, target, body}, coap::TimePoint{});
    return std::get<Response>(reply);
  }
  static json::value body(const Response& r) { return json::parse(r.body); }
};

TEST_F(BootstrapApi, PutGetListDeleteWithSecretsMasked) {
  const auto created = call("PUT", "/api/bootstrap/configs/dev1", kConfig);
  EXPECT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.body.find("00112233"), std::string::npos) << created.body;
  EXPECT_EQ(call("PUT", "/api/bootstrap/configs/dev1", kConfig).status, 200u);
  ASSERT_NE(configs.get("dev1"), nullptr);
  EXPECT_EQ(configs.get("dev1")->servers[0].security.secret_key,
            (lwm2m::Opaque{0x00, 0x11, 0x22, 0x33}));

  const auto one = call("GET", "/api/bootstrap/configs/dev1");
  ASSERT_EQ(one.status, 200u);
  const auto security = body(one).at("servers").at(0).at("security");
  EXPECT_EQ(security.at("secret_key").as_string(), "********");
  EXPECT_EQ(security.at("identity").as_string(), "64657631");  // "dev1" in hex: not a secret

  EXPECT_EQ(call("PUT", "/api/bootstrap/configs/%2A", kConfig).status, 201u);  // the default
  const auto list = body(call("GET", "/api/bootstrap/configs")).at("configs").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("endpoint").as_string(), "*");
  EXPECT_EQ(list[1].at("endpoint").as_string(), "dev1");
  EXPECT_EQ(json::serialize(list).find("00112233"), std::string::npos);
  // A page at a time, in name order.
  const auto first = body(call("GET", "/api/bootstrap/configs?limit=1"));
  ASSERT_EQ(first.at("configs").as_array().size(), 1u);
  EXPECT_EQ(first.at("next").as_string(), "*");
  const auto second = body(call("GET", "/api/bootstrap/configs?limit=1&after=*"));
  EXPECT_EQ(second.at("configs").at(0).at("endpoint").as_string(), "dev1");
  EXPECT_TRUE(second.at("next").is_null());
  EXPECT_EQ(call("GET", "/api/bootstrap/configs?limit=0").status, 400u);

  EXPECT_EQ(call("DELETE", "/api/bootstrap/configs/dev1").status, 200u);
  EXPECT_EQ(configs.get("dev1"), nullptr);
  EXPECT_EQ(call("DELETE", "/api/bootstrap/configs/dev1").status, 404u);
  EXPECT_EQ(call("GET", "/api/bootstrap/configs/dev1").status, 404u);
  EXPECT_EQ(call("POST", "/api/bootstrap/configs/dev1").status, 405u);
}

TEST_F(BootstrapApi, StartsAServerInitiatedSession) {
  int wakes = 0;
  routes.set_wake([&] { ++wakes; });
  const auto unknown = call("POST", "/api/bootstrap/sessions",
                            R"({"endpoint": "dev1", "address": "127.0.0.1:5683"})");
  EXPECT_EQ(unknown.status, 404u) << unknown.body;
  EXPECT_EQ(body(unknown).at("error").at("code").as_string(), "unknown_config");
  ASSERT_EQ(call("PUT", "/api/bootstrap/configs/dev1", kConfig).status, 201u);
  EXPECT_EQ(
      call("POST", "/api/bootstrap/sessions", R"({"endpoint": "dev1", "address": "localhost"})")
          .status,
      400u);
  EXPECT_EQ(call("POST", "/api/bootstrap/sessions", R"({"address": "127.0.0.1:5683"})").status,
            400u);
  EXPECT_EQ(wakes, 0);

  const auto started = call("POST", "/api/bootstrap/sessions",
                            R"({"endpoint": "dev1", "address": "127.0.0.1:5683"})");
  ASSERT_EQ(started.status, 202u) << started.body;
  EXPECT_EQ(body(started).at("endpoint").as_string(), "dev1");
  EXPECT_EQ(server.sessions(), 1u);
  EXPECT_EQ(wakes, 1) << "the bootstrap server's loop is told to send the first request";
  // Its first request is on its way to the device.
  coap::Transmit tx;
  ASSERT_TRUE(server.poll_transmit(tx));
  EXPECT_EQ(tx.peer, *coap::PeerAddress::parse("127.0.0.1:5683"));
  bootstrap::BootstrapEvent event;
  ASSERT_TRUE(server.poll_event(event));
  ASSERT_TRUE(std::holds_alternative<bootstrap::Started>(event));
  EXPECT_TRUE(std::get<bootstrap::Started>(event).server_initiated);

  const auto again = call("POST", "/api/bootstrap/sessions",
                          R"({"endpoint": "dev1", "address": "127.0.0.1:5683"})");
  EXPECT_EQ(again.status, 409u) << again.body;
  EXPECT_EQ(call("GET", "/api/bootstrap/sessions").status, 405u);
}

TEST_F(BootstrapApi, RefusesAnUnusableConfigWithTheReason) {
  const auto r = call("PUT", "/api/bootstrap/configs/dev1", R"({"servers": [
      {"security": {"uri": "coaps://dm:5684", "mode": "psk", "ssid": 1}, "server": {}}]})");
  EXPECT_EQ(r.status, 400u);
  const auto error = body(r).at("error");
  EXPECT_EQ(error.at("code").as_string(), "bad_config");
  EXPECT_EQ(error.at("message").as_string(),
            "server coaps://dm:5684: PSK mode needs an identity and a key");
  EXPECT_EQ(call("PUT", "/api/bootstrap/configs/dev1", "{").status, 400u);
  // A masked secret sent back is no key.
  const auto masked = call("PUT", "/api/bootstrap/configs/dev1",
                           R"({"servers": [{"security": {"uri": "coaps://dm", "mode": "psk",
                               "identity": "01", "secret_key": "********", "ssid": 1},
                               "server": {}}]})");
  EXPECT_EQ(masked.status, 400u);
  EXPECT_TRUE(configs.all().empty());
}

TEST_F(BootstrapApi, MetricsAndTheOpenApiDocumentOfTheFamily) {
  const auto metrics = body(call("GET", "/api/bootstrap/metrics"));
  EXPECT_EQ(metrics.at("sessions").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(metrics.at("finished").to_number<std::uint64_t>(), 0u);
  EXPECT_EQ(metrics.at("refused_identity").to_number<std::uint64_t>(), 0u);
  const auto doc = body(call("GET", "/api/openapi.json"));
  const auto& paths = doc.at("paths").as_object();
  EXPECT_EQ(paths.size(), 4u);
  EXPECT_TRUE(paths.contains("/api/bootstrap/configs/{name}"));
  EXPECT_TRUE(doc.at("components").at("schemas").as_object().contains("BootstrapConfig"));
  EXPECT_EQ(call("GET", "/api/clients").status, 404u);
}

// A device's request to the bootstrap server: `path` with ?ep=`endpoint`.
void device_asks(bootstrap::BootstrapServer& server, coap::Code code, std::string_view path,
                 std::string endpoint) {
  static std::uint16_t mid = 0;  // each its own message: the engine drops duplicates
  coap::Message m;
  m.type = coap::Type::Con;
  m.code = code;
  m.message_id = ++mid;
  m.set_uri_path(path);
  lwm2m::add_bootstrap_queries({std::move(endpoint), std::nullopt}, m);
  std::vector<std::uint8_t> bytes;
  coap::serialize(m, bytes);
  server.receive(*coap::PeerAddress::parse("127.0.0.1:40000"), bytes, coap::TimePoint{});
}

// The value of an unlabelled (or fully labelled) sample in Prometheus text; nullopt if absent.
std::optional<std::string> sample(const std::string& text, std::string_view name) {
  const std::string prefix = std::string(name) + " ";
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    if (text.compare(at, prefix.size(), prefix) == 0)
      return text.substr(at + prefix.size(), end - at - prefix.size());
    at = end + 1;
  }
  return std::nullopt;
}

TEST_F(BootstrapApi, PrometheusMetricsAppearAndMove) {
  auto text = call("GET", "/metrics");
  ASSERT_EQ(text.status, 200u);
  EXPECT_EQ(text.content_type, kPrometheusContentType);
  EXPECT_NE(text.body.find("# TYPE drover_bootstrap_sessions gauge"), std::string::npos);
  EXPECT_NE(text.body.find("# TYPE drover_bootstrap_refused_total counter"), std::string::npos);
  for (const auto* name : {"drover_bootstrap_sessions", "drover_bootstrap_requests_total",
                           "drover_bootstrap_started_total", "drover_bootstrap_finished_total",
                           "drover_bootstrap_failed_total", "drover_bootstrap_packs_total",
                           "drover_bootstrap_refused_total{reason=\"unknown\"}",
                           "drover_bootstrap_refused_total{reason=\"format\"}",
                           "drover_bootstrap_refused_total{reason=\"busy\"}",
                           "drover_bootstrap_refused_total{reason=\"identity\"}"})
    EXPECT_EQ(sample(text.body, name), "0") << name << " in\n" << text.body;

  ASSERT_EQ(call("PUT", "/api/bootstrap/configs/dev1", kConfig).status, 201u);
  device_asks(server, coap::codes::Get, "/bspack", "dev1");   // a pack
  device_asks(server, coap::codes::Post, "/bs", "stranger");  // no config: refused
  device_asks(server, coap::codes::Post, "/bs", "dev1");      // a session
  ASSERT_EQ(call("PUT", "/api/bootstrap/configs/%2A", kConfig).status, 201u);
  ASSERT_EQ(call("POST", "/api/bootstrap/sessions",
                 R"({"endpoint": "dev2", "address": "127.0.0.1:5683"})")
                .status,
            202u);  // a server-initiated session
  text = call("GET", "/metrics");
  EXPECT_EQ(sample(text.body, "drover_bootstrap_packs_total"), "1") << text.body;
  EXPECT_EQ(sample(text.body, "drover_bootstrap_requests_total"), "1");
  EXPECT_EQ(sample(text.body, "drover_bootstrap_refused_total{reason=\"unknown\"}"), "1");
  EXPECT_EQ(sample(text.body, "drover_bootstrap_started_total"), "2");
  EXPECT_EQ(sample(text.body, "drover_bootstrap_sessions"), "2");
  EXPECT_EQ(call("POST", "/metrics").status, 405u);
}

TEST(BootstrapMetricsInTheServerApi, AreAddedToItsMetrics) {
  testing::ApiHarness h;
  bootstrap::BootstrapConfigs configs;
  bootstrap::BootstrapServer server{bootstrap::BootstrapServerConfig{}, configs};
  BootstrapRoutes routes{configs, &server};
  h.api.add_routes(routes);
  device_asks(server, coap::codes::Get, "/bspack", "nobody");
  const auto text = h.call("GET", "/metrics").body;
  EXPECT_NE(text.find("drover_registrations "), std::string::npos);  // the server's own
  EXPECT_EQ(sample(text, "drover_bootstrap_refused_total{reason=\"unknown\"}"), "1") << text;
  EXPECT_EQ(sample(text, "drover_bootstrap_packs_total"), "0");
}

TEST(BootstrapStreamEvents, SayWhichStepFailedAndWhy) {
  const auto failed =
      stream_event(bootstrap::Failed{7, "dev1", bootstrap::Step::Write, lwm2m::Path(1, 0),
                                     coap::codes::BadRequest, "bad request: no such object"});
  EXPECT_EQ(failed.type, "bootstrap");
  EXPECT_EQ(failed.endpoint, "dev1");
  EXPECT_EQ(json::parse(failed.data),
            json::parse(R"({"endpoint":"dev1","session":7,"event":"failed","step":"write",
                            "path":"/1/0","code":"4.00","reason":"bad request: no such object"})"));
  bootstrap::StepDone finish{7, "dev1", bootstrap::Step::Finish, lwm2m::Path(), {}};
  finish.result.code = coap::codes::Changed;
  EXPECT_EQ(json::parse(stream_event(finish).data),
            json::parse(R"({"endpoint":"dev1","session":7,"event":"step","step":"finish",
                            "path":"/bs","code":"2.04"})"));
}

}  // namespace
}  // namespace drover::http
