// Router-level tests of the HTTP API: every route, success and error paths, against a Server core
// and a fake device with a fake clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "unit/http/api_harness.hpp"
#include "unit/server/memory_persistence.hpp"

namespace drover::http::testing {
namespace {

namespace json = boost::json;
using server::testing::queries_of;
using server::testing::request;

struct HttpApi : ::testing::Test {
  ApiHarness h;
  void SetUp() override {
    h.register_device();
    h.events.clear();
  }
};

TEST_F(HttpApi, ListsClientsSortedWithPagingAndFilter) {
  h.register_device("ep=alpha&lt=60&lwm2m=1.0", "</3/0>");
  h.register_device("ep=beta&lt=60&lwm2m=1.2", "</3/0>");
  const auto all = body_of(h.call("GET", "/api/clients"));
  EXPECT_EQ(all.at("total").to_number<std::uint64_t>(), 3u);
  const auto& clients = all.at("clients").as_array();
  ASSERT_EQ(clients.size(), 3u);
  EXPECT_EQ(clients[0].at("endpoint").as_string(), "alpha");
  EXPECT_EQ(clients[1].at("endpoint").as_string(), "beta");
  EXPECT_EQ(clients[2].at("endpoint").as_string(), "dev1");

  auto page = body_of(h.call("GET", "/api/clients?offset=1&limit=1"));
  EXPECT_EQ(page.at("total").to_number<std::uint64_t>(), 3u);
  ASSERT_EQ(page.at("clients").as_array().size(), 1u);
  EXPECT_EQ(page.at("clients").at(0).at("endpoint").as_string(), "beta");

  auto beyond = body_of(h.call("GET", "/api/clients?offset=10"));
  EXPECT_TRUE(beyond.at("clients").as_array().empty());

  auto filtered = body_of(h.call("GET", "/api/clients?endpoint=e"));
  EXPECT_TRUE(filtered.at("total").is_null());              // a filter that scans does not count
  ASSERT_EQ(filtered.at("clients").as_array().size(), 2u);  // beta, dev1
  EXPECT_EQ(filtered.at("clients").at(1).at("endpoint").as_string(), "dev1");

  for (auto bad : {"/api/clients?limit=0", "/api/clients?limit=100000", "/api/clients?offset=-1",
                   "/api/clients?limit=x"}) {
    auto r = h.call("GET", bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(error_code(r), "bad_query") << bad;
  }
  EXPECT_EQ(h.call("DELETE", "/api/clients").status, 405u);
}

TEST_F(HttpApi, ClientDetails) {
  auto r = h.call("GET", "/api/clients/dev1");
  ASSERT_EQ(r.status, 200u);
  auto c = body_of(r);
  EXPECT_EQ(c.at("endpoint").as_string(), "dev1");
  EXPECT_EQ(std::string(c.at("location").as_string()).rfind("/rd/", 0), 0u);
  EXPECT_EQ(c.at("address").as_string(), "127.0.0.1:40000");
  EXPECT_EQ(c.at("lifetime").as_int64(), 300);
  EXPECT_EQ(c.at("binding").as_string(), "U");
  EXPECT_EQ(c.at("lwm2m_version").as_string(), "1.1");
  EXPECT_FALSE(c.at("queue_mode").as_bool());
  EXPECT_TRUE(c.at("awake").as_bool());
  EXPECT_EQ(c.at("content_formats"), json::parse("[110]"));
  const auto& objects = c.at("objects").as_array();
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[2], json::parse(R"({"id":3303,"instances":[0,1]})"));
  EXPECT_EQ(c.at("expires_at").as_int64() - c.at("updated_at").as_int64(), 300);

  auto unknown = h.call("GET", "/api/clients/nobody");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(error_code(unknown), "unknown_client");
  EXPECT_EQ(h.call("PUT", "/api/clients/dev1").status, 405u);
  // Percent-encoded endpoint names are decoded.
  h.register_device("ep=a b&lt=60", "</3/0>");
  EXPECT_EQ(h.call("GET", "/api/clients/a%20b").status, 200u);
}

TEST_F(HttpApi, ObjectVersionsAreListed) {
  h.register_device("ep=v&lt=60&lwm2m=1.1", "</3>;ver=1.1,</3/0>");
  auto c = body_of(h.call("GET", "/api/clients/v"));
  EXPECT_EQ(c.at("objects").at(0), json::parse(R"({"id":3,"version":"1.1","instances":[0]})"));
}

TEST_F(HttpApi, ReadWithFormatAndNames) {
  auto id = h.start("GET", "/api/clients/dev1/3/0/0?format=text&names=1");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Get);
  EXPECT_EQ(req.request.uri_path(), "/3/0/0");
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 0u);
  h.answer(req, coap::codes::Content, 0, "Drover");
  auto r = h.finish(id);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto v = body_of(r);
  EXPECT_EQ(v.at("code").as_string(), "2.05");
  EXPECT_EQ(v.at("values"), json::parse(R"([{"path":"/3/0/0","type":"string","value":"Drover",
                             "name":"Manufacturer"}])"));
}

TEST_F(HttpApi, ReadErrors) {
  // The device's 4.04.
  auto id = h.start("GET", "/api/clients/dev1/3/0/99");
  h.answer(h.take_request(), coap::codes::NotFound);
  auto nf = h.finish(id);
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(error_code(nf), "device_not_found");

  // No answer within ?timeout.
  id = h.start("GET", "/api/clients/dev1/3/0/1?timeout=5");
  h.take_request();
  h.advance(6s);
  auto timeout = h.finish(id);
  EXPECT_EQ(timeout.status, 504u);
  EXPECT_EQ(error_code(timeout), "device_timeout");

  const std::pair<const char*, const char*> refused[] = {
      {"/api/clients/nobody/3/0", "unknown_client"},
      {"/api/clients/dev1/3/x", "invalid_path"},
      {"/api/clients/dev1/3/00", "invalid_path"},
      {"/api/clients/dev1/3/0/1/2/3", "invalid_path"},
      {"/api/clients/dev1/65535", "invalid_path"},
      {"/api/clients/dev1/3/0?format=xml", "bad_format"},
      {"/api/clients/dev1/3/0?timeout=0", "bad_timeout"},
      {"/api/clients/dev1/3/0?timeout=1e9", "bad_timeout"},
      {"/api/clients/dev1/3/0?timeout=nan", "bad_timeout"},
      {"/api/nothing", "not_found"},
      {"/api/clients/dev1/composite/list", "not_found"},
  };
  for (auto [target, code] : refused) {
    auto r = h.call("GET", target);
    EXPECT_EQ(error_code(r), code) << target;
    EXPECT_EQ(r.status,
              std::string_view(code) == "unknown_client" || std::string_view(code) == "not_found"
                  ? 404u
                  : 400u)
        << target;
  }
  EXPECT_EQ(error_code(h.call("GET", "not a path")), "bad_target");
  EXPECT_TRUE(h.requests.empty());
}

TEST_F(HttpApi, Discover) {
  h.register_device("ep=dev12&lt=60&lwm2m=1.2", "</3/0>");
  auto id = h.start("GET", "/api/clients/dev12/3/0/discover?depth=1");
  auto req = h.take_request();
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 40u);
  EXPECT_EQ(queries_of(req.request), std::vector<std::string>{"depth=1"});
  h.answer(req, coap::codes::Content, 40, "</3/0>;pmin=10,</3/0/0>,</3/0/11>;dim=2");
  auto r = h.finish(id);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(body_of(r).at("links"), json::parse(R"([
      {"target":"/3/0","attributes":{"pmin":"10"}},
      {"target":"/3/0/0","attributes":{}},
      {"target":"/3/0/11","attributes":{"dim":"2"}}])"));
  EXPECT_EQ(error_code(h.call("GET", "/api/clients/dev1/3/0/discover?depth=4")), "bad_query");
  EXPECT_EQ(h.call("POST", "/api/clients/dev1/3/0/discover").status, 405u);
  // depth is LwM2M 1.2: refused for the 1.1 client.
  const auto old = h.call("GET", "/api/clients/dev1/3/0/discover?depth=1");
  EXPECT_EQ(old.status, 400u);
  EXPECT_EQ(error_code(old), "unsupported_by_version");
}

TEST_F(HttpApi, DeviceServerErrorsKeepTheirCode) {
  const std::pair<coap::Code, const char*> answers[] = {
      {coap::codes::InternalServerError, "device_internal_error"},
      {coap::codes::NotImplemented, "device_not_implemented"},
      {coap::codes::BadGateway, "device_bad_gateway"},
      {coap::codes::ServiceUnavailable, "device_service_unavailable"},
      {coap::codes::GatewayTimeout, "device_gateway_timeout"},
      {coap::Code(5, 5), "device_proxying_not_supported"},
      {coap::Code(5, 9), "device_server_error"},
  };
  for (const auto& [code, name] : answers) {
    auto id = h.start("GET", "/api/clients/dev1/3/0/1");
    h.answer(h.take_request(), code);
    const auto r = h.finish(id);
    EXPECT_EQ(r.status, 502u) << name;
    EXPECT_EQ(error_code(r), name);
    EXPECT_NE(r.body.find(code.to_string()), std::string::npos) << r.body;
  }
}

TEST_F(HttpApi, WriteReplaceAndPartialUpdate) {
  // The type comes from the object model when left out.
  auto id = h.start("PUT", "/api/clients/dev1/3/0/14", R"({"values":[{"path":"/3/0/14",
      "value":"+02:00"}]})");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Put);
  EXPECT_EQ(req.request.payload_string(), "+02:00");
  h.answer(req, coap::codes::Changed);
  auto r = h.finish(id);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(body_of(r).at("code").as_string(), "2.04");

  id = h.start("POST", "/api/clients/dev1/3303/0", R"({"values":[
      {"path":"/3303/0/5750","type":"string","value":"kitchen"},
      {"path":"/3303/0/5701","type":"string","value":"Cel"}]})");
  req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uint_option(coap::options::ContentFormat), 110u) << "announced SenML JSON";
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.finish(id).status, 200u);
}

TEST_F(HttpApi, WriteRefusesBadBodies) {
  const std::pair<const char*, const char*> bad[] = {
      {"{", "bad_json"},
      {"[1]", "bad_body"},
      {R"({"values":[]})", "bad_body"},
      {R"({"values":[1]})", "bad_value"},
      {R"({"values":[{"path":"/3/0","value":1}]})", "bad_value"},
      {R"({"values":[{"path":"/3/0/14","type":"integer","value":"x"}]})", "bad_value"},
      {R"({"values":[{"path":"/3/0/14","type":"int","value":1}]})", "bad_value"},
      {R"({"values":[{"path":"/9999/0/1","value":1}]})", "bad_value"},
      {R"({"values":[{"path":"/3/0/15","value":"x"}]})", "invalid_argument"},
  };
  for (auto [body, code] : bad) {
    auto r = h.call("PUT", "/api/clients/dev1/3/0/14", body);
    EXPECT_EQ(r.status, 400u) << body;
    EXPECT_EQ(error_code(r), code) << body;
  }
  std::string deep(100, '[');
  EXPECT_EQ(error_code(h.call("PUT", "/api/clients/dev1/3/0/14", deep)), "bad_json");
  EXPECT_EQ(h.call("PATCH", "/api/clients/dev1/3/0/14", "{}").status, 405u);
  EXPECT_TRUE(h.requests.empty());
}

TEST_F(HttpApi, ExecuteWithArguments) {
  auto id = h.start("POST", "/api/clients/dev1/3/0/4/execute", "0='now'");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uri_path(), "/3/0/4");
  EXPECT_EQ(req.request.payload_string(), "0='now'");
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.finish(id).status, 200u);
  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/3/0/execute")), "invalid_path");
  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/3/0/4/execute", "\x01")),
            "invalid_argument");
  EXPECT_EQ(h.call("GET", "/api/clients/dev1/3/0/4/execute").status, 405u);
}

TEST_F(HttpApi, WriteAttributes) {
  auto id = h.start("PUT", "/api/clients/dev1/3/0/9/attributes?pmin=10&pmax=60&gt&timeout=5");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Put);
  EXPECT_EQ(queries_of(req.request), (std::vector<std::string>{"pmin=10", "pmax=60", "gt"}));
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.finish(id).status, 200u);
  // The API's own options are not attributes.
  id = h.start("PUT", "/api/clients/dev1/3/0/9/attributes?format=text&pmax=30&names=1");
  req = h.take_request();
  EXPECT_EQ(queries_of(req.request), std::vector<std::string>{"pmax=30"});
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.finish(id).status, 200u);
  for (auto bad : {"/api/clients/dev1/3/0/9/attributes", "/api/clients/dev1/3/0/9/attributes?x=1",
                   "/api/clients/dev1/3/0/9/attributes?timeout=5&names=1",
                   "/api/clients/dev1/3/0/9/attributes?pmin=-1"}) {
    auto r = h.call("PUT", bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(error_code(r), "bad_attributes") << bad;
  }
}

TEST_F(HttpApi, CreateAndDelete) {
  auto id = h.start("POST", "/api/clients/dev1/3303",
                    R"({"instance":2,"values":[{"path":"/3303/2/5700","value":21.5}]})");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uri_path(), "/3303");
  h.answer(req, coap::codes::Created);
  auto created = h.finish(id);
  EXPECT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(body_of(created).at("created").as_string(), "/3303/2");

  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/3303", R"({"instance":70000,
      "values":[{"path":"/3303/2/5700","value":1.5}]})")),
            "bad_body");
  EXPECT_EQ(h.call("PUT", "/api/clients/dev1/3303", R"({"values":[{"path":"/3303/2/5700",
      "value":1.5}]})")
                .status,
            405u);

  id = h.start("DELETE", "/api/clients/dev1/3303/2");
  req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Delete);
  h.answer(req, coap::codes::Deleted);
  EXPECT_EQ(h.finish(id).status, 200u);
  EXPECT_EQ(error_code(h.call("DELETE", "/api/clients/dev1/3303")), "invalid_path");
}

TEST_F(HttpApi, CompositeReadAndWrite) {
  auto id = h.start("POST", "/api/clients/dev1/composite/read?names=1",
                    R"({"paths":["/3/0/0","/3303/0/5700"]})");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Fetch);
  h.answer(req, coap::codes::Content, 110,
           R"([{"n":"/3/0/0","vs":"Drover"},{"n":"/3303/0/5700","v":21.5}])");
  auto r = h.finish(id);
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto body = body_of(r);
  const auto& values = body.at("values").as_array();
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[1].at("type").as_string(), "float");
  EXPECT_EQ(values[1].at("name").as_string(), "Sensor Value");

  id = h.start("POST", "/api/clients/dev1/composite/write",
               R"({"values":[{"path":"/3/0/14","value":"+01:00"}]})");
  req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::IPatch);
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.finish(id).status, 200u);

  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/composite/read", R"({"paths":[]})")),
            "bad_body");
  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/composite/read", R"({"paths":[3]})")),
            "invalid_path");
  EXPECT_EQ(h.call("GET", "/api/clients/dev1/composite/read").status, 405u);
}

TEST_F(HttpApi, ObserveAndCancel) {
  auto id = h.start("POST", "/api/clients/dev1/3303/0/5700/observe");
  auto req = h.take_request();
  EXPECT_EQ(req.request.uint_option(coap::options::Observe), 0u);
  h.answer(req, coap::codes::Content, 0, "21.5", 1);
  auto r = h.finish(id);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto v = body_of(r);
  EXPECT_TRUE(v.at("observing").as_bool());
  EXPECT_EQ(v.at("values").at(0).at("value").as_double(), 21.5);
  EXPECT_EQ(h.api.observations(), 1u);

  auto again = h.call("POST", "/api/clients/dev1/3303/0/5700/observe");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(error_code(again), "already_observed");
  EXPECT_EQ(error_code(h.call("DELETE", "/api/clients/dev1/3303/0/5700/observe?mode=x")),
            "bad_query");

  auto cancelled = h.call("DELETE", "/api/clients/dev1/3303/0/5700/observe?mode=active");
  EXPECT_EQ(cancelled.status, 200u);
  EXPECT_EQ(body_of(cancelled).at("cancelled").to_number<std::uint64_t>(), id.value);
  EXPECT_EQ(h.api.observations(), 0u);
  auto none = h.call("DELETE", "/api/clients/dev1/3303/0/5700/observe");
  EXPECT_EQ(none.status, 404u);
  EXPECT_EQ(error_code(none), "unknown_observation");
  EXPECT_EQ(h.call("GET", "/api/clients/dev1/3303/0/5700/observe").status, 405u);
}

TEST_F(HttpApi, PassiveCancelForgetsTheObservationAndTheNextNotificationIsReset) {
  auto id = h.start("POST", "/api/clients/dev1/3303/0/5700/observe");
  auto req = h.take_request();
  const auto observer = h.accept_observe(req, "21.5");
  ASSERT_TRUE(observer.has_value());
  EXPECT_EQ(h.finish(id).status, 200u);
  const auto sent = h.to_device.size();

  auto cancelled = h.call("DELETE", "/api/clients/dev1/3303/0/5700/observe");  // passive
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(body_of(cancelled).at("cancelled").to_number<std::uint64_t>(), id.value);
  EXPECT_EQ(h.api.observations(), 0u);
  EXPECT_EQ(h.server.counts().observations, 0u);
  h.pump();
  EXPECT_EQ(h.to_device.size(), sent) << "nothing is sent on a passive cancel";

  h.notify_text(*observer, "22");
  EXPECT_TRUE(h.take_events<server::Notification>().empty());
  ASSERT_GT(h.to_device.size(), sent);
  EXPECT_EQ(h.to_device.back().type, coap::Type::Rst)
      << "the client learns it on its next notification";
  // Observable again.
  EXPECT_NE(h.api.handle({"POST", "/api/clients/dev1/3303/0/5700/observe", ""}, h.now).index(), 0u);
}

TEST_F(HttpApi, CancelWaitsForTheObserveAnswer) {
  h.start("POST", "/api/clients/dev1/3303/0/5700/observe");
  auto r = h.call("DELETE", "/api/clients/dev1/3303/0/5700/observe");
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(error_code(r), "observe_pending");
  auto unknown = h.call("DELETE", "/api/clients/nobody/3303/0/5700/observe");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(error_code(unknown), "unknown_client");
}

// A restarted server's observations are the API's again: cancelled by their paths, not doubled.
TEST_F(HttpApi, ObservationsKeptByAStoreAreAdoptedAfterARestart) {
  server::testing::MemoryPersistence kept;
  h.server.set_persistence(&kept);
  h.register_device();  // again, now that it is kept
  h.events.clear();
  auto single = h.start("POST", "/api/clients/dev1/3303/0/5700/observe");
  h.answer(h.take_request(), coap::codes::Content, 0, "21.5", 1);
  ASSERT_EQ(h.finish(single).status, 200u);
  auto composite = h.start("POST", "/api/clients/dev1/composite/observe",
                           R"({"paths":["/3303/0/5700","/3/0/9"]})");
  h.answer(h.take_request(), coap::codes::Content, 110,
           R"([{"n":"/3303/0/5700","v":21.5},{"n":"/3/0/9","v":80}])", 1);
  ASSERT_EQ(h.finish(composite).status, 200u);

  h.restart(kept.state(), &kept);
  Api restarted(h.server);
  EXPECT_EQ(restarted.observations(), 0u);
  restarted.adopt_observations();
  EXPECT_EQ(restarted.observations(), 2u);
  const auto call = [&](std::string_view method, std::string_view target, std::string_view body) {
    auto reply = restarted.handle({method, target, body}, h.now);
    return std::get<Response>(reply);
  };
  EXPECT_EQ(error_code(call("POST", "/api/clients/dev1/3303/0/5700/observe", "")),
            "already_observed");
  EXPECT_EQ(error_code(call("POST", "/api/clients/dev1/composite/observe",
                            R"({"paths":["/3/0/9","/3303/0/5700"]})")),
            "already_observed");
  auto cancelled = call("DELETE", "/api/clients/dev1/composite/observe",
                        R"({"paths":["/3/0/9","/3303/0/5700"]})");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(body_of(cancelled).at("cancelled").to_number<std::uint64_t>(), composite.value);
  cancelled = call("DELETE", "/api/clients/dev1/3303/0/5700/observe", "");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(body_of(cancelled).at("cancelled").to_number<std::uint64_t>(), single.value);
  EXPECT_EQ(h.server.counts().observations, 0u);
  EXPECT_TRUE(kept.state().observations.empty());
  h.server.set_persistence(nullptr);
}

TEST_F(HttpApi, ObserveCompositeAndCancel) {
  auto id = h.start("POST", "/api/clients/dev1/composite/observe?names=1",
                    R"({"paths":["/3303/0/5700","/3/0/9"]})");
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Fetch);
  EXPECT_EQ(req.request.uint_option(coap::options::Observe), 0u);
  EXPECT_EQ(req.request.uri_path(), "/");
  h.answer(req, coap::codes::Content, 110,
           R"([{"n":"/3303/0/5700","v":21.5},{"n":"/3/0/9","v":80}])", 1);
  auto r = h.finish(id);
  ASSERT_EQ(r.status, 200u) << r.body;
  auto v = body_of(r);
  EXPECT_TRUE(v.at("observing").as_bool());
  ASSERT_EQ(v.at("values").as_array().size(), 2u);
  EXPECT_EQ(v.at("values").at(1).at("name").as_string(), "Battery Level");
  EXPECT_EQ(h.api.observations(), 1u);

  // The same set of paths, in another order, is the same observation.
  auto again = h.call("POST", "/api/clients/dev1/composite/observe",
                      R"({"paths":["/3/0/9","/3303/0/5700"]})");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(error_code(again), "already_observed");
  auto other = h.call("DELETE", "/api/clients/dev1/composite/observe", R"({"paths":["/3/0/9"]})");
  EXPECT_EQ(other.status, 404u);
  EXPECT_EQ(error_code(other), "unknown_observation");
  EXPECT_EQ(error_code(h.call("DELETE", "/api/clients/dev1/composite/observe", "{")), "bad_json");
  EXPECT_EQ(error_code(h.call("DELETE", "/api/clients/dev1/composite/observe?mode=x",
                              R"({"paths":["/3/0/9"]})")),
            "bad_query");

  const auto sent = h.to_device.size();
  auto cancelled = h.call("DELETE", "/api/clients/dev1/composite/observe?mode=active",
                          R"({"paths":["/3/0/9","/3303/0/5700","/3/0/9"]})");
  ASSERT_EQ(cancelled.status, 200u) << cancelled.body;
  EXPECT_EQ(body_of(cancelled).at("cancelled").to_number<std::uint64_t>(), id.value);
  EXPECT_EQ(h.api.observations(), 0u);
  h.pump();
  ASSERT_FALSE(h.requests.empty()) << "an active cancel tells the client";
  auto deregister = h.take_request();
  EXPECT_EQ(deregister.request.code, coap::codes::Fetch);
  EXPECT_EQ(deregister.request.uint_option(coap::options::Observe), 1u);
  EXPECT_GT(h.to_device.size(), sent);
  h.answer(deregister, coap::codes::Content, 110, R"([{"n":"/3/0/9","v":80}])");
  EXPECT_TRUE(h.events.empty()) << "the answer to an active cancel is not reported";

  // Passive, on a new one.
  id = h.start("POST", "/api/clients/dev1/composite/observe", R"({"paths":["/3/0/9"]})");
  h.answer(h.take_request(), coap::codes::Content, 110, R"([{"n":"/3/0/9","v":80}])", 1);
  EXPECT_EQ(h.finish(id).status, 200u);
  auto passive = h.call("DELETE", "/api/clients/dev1/composite/observe", R"({"paths":["/3/0/9"]})");
  EXPECT_EQ(passive.status, 200u);
  EXPECT_EQ(h.server.counts().observations, 0u);

  EXPECT_EQ(error_code(h.call("POST", "/api/clients/dev1/composite/observe", R"({"paths":[]})")),
            "bad_body");
  EXPECT_EQ(h.call("GET", "/api/clients/dev1/composite/observe").status, 405u);
  EXPECT_EQ(error_code(
                h.call("POST", "/api/clients/nobody/composite/observe", R"({"paths":["/3/0/9"]})")),
            "unknown_client");
}

TEST_F(HttpApi, ObservationEndsWithTheRegistration) {
  auto id = h.start("POST", "/api/clients/dev1/3/0/9/observe");
  h.answer(h.take_request(), coap::codes::Content, 0, "80", 1);
  EXPECT_EQ(h.finish(id).status, 200u);
  ASSERT_EQ(h.api.observations(), 1u);
  h.server.remove_registration("dev1");
  h.pump();
  h.completion(id);
  EXPECT_EQ(h.api.observations(), 0u);
}

TEST_F(HttpApi, RefusedObserveIsNotKept) {
  auto id = h.start("POST", "/api/clients/dev1/3/0/9/observe");
  h.answer(h.take_request(), coap::codes::NotFound);
  EXPECT_EQ(h.finish(id).status, 404u);
  EXPECT_EQ(h.api.observations(), 0u);
}

TEST_F(HttpApi, HostileInputIsAnsweredNeverThrown) {
  const std::vector<std::string> targets{
      "/api/clients/dev1/3/0/0",
      "/api/clients/dev1/3303",
      "/api/clients/dev1/3/0/14",
      "/api/clients/dev1/composite/read",
      "/api/clients/dev1/composite/observe",
      "/api/clients/dev1/composite/write",
      "/api/clients/dev1/3/0/9/attributes?pmin=1e400&gt=nan",
      "/api/clients/dev1/3/0/9/attributes?pmin&pmin=2&%00=1",
      "/api/clients/dev1/3/0/4/execute?timeout=-0",
      "/api/clients/%ZZ",
      "/api/clients/dev1/%2F3/0",
      "/api/clients/dev1/3/0/0?format=&names=%FF&timeout=1e-300",
      "/api/events?endpoint=%00&coap=1",
      "/api/models/3?version=99999999999.1",
      "//api//clients",
      "*",
      "http://example.com/api/clients",
      "/api/clients?offset=99999999999999999999999",
  };
  const std::vector<std::string> bodies{
      "",
      "null",
      R"({"values":{}})",
      R"({"values":[{"path":"/3/0/14","value":{"x":1}}]})",
      R"({"values":[{"path":"/3/0/14","type":"time","value":1e300}]})",
      R"({"values":[{"path":"/3/0/9","type":"unsigned","value":-1}]})",
      R"({"values":[{"path":"/3/0/9","type":"integer","value":18446744073709551615}]})",
      R"({"values":[{"path":"/3/0/9","type":"opaque","value":"%%%"}]})",
      R"({"values":[{"path":"/3/0/9","type":"objlnk","value":"99999:1"}]})",
      R"({"values":[{"path":"/3/0/9","value":1,"time":"x"}]})",
      R"({"instance":1e30,"values":[{"path":"/3303/1/5700","value":1}]})",
      R"({"instance":18446744073709551615,"values":[{"path":"/3303/1/5700","value":1}]})",
      R"({"paths":[null,{},"/3/0/0"]})",
      R"({"paths":["/65536"]})",
      "\xff\xfe{",
      std::string(200, '{'),
  };
  for (const auto& target : targets)
    for (const auto* method : {"GET", "PUT", "POST", "DELETE"})
      for (const auto& body : bodies) {
        Reply reply;
        ASSERT_NO_THROW(reply = h.api.handle({method, target, body}, h.now))
            << method << " " << target << " " << body;
        if (const auto* r = std::get_if<Response>(&reply)) {
          // 503 "busy" is fine: the fake device answers nothing, so requests pile up.
          EXPECT_NE(r->status, 500u) << method << " " << target << " " << body << ": " << r->body;
        }
        h.pump();
        h.requests.clear();
      }
}

TEST(HttpApiQueueMode, SleepingClientGets202AndTheResultLater) {
  server::ServerConfig config = server::testing::test_config();
  config.awake_time = 30s;
  ApiHarness h(config);
  const auto location = h.register_device("ep=q1&lt=3600&lwm2m=1.1&Q", "</3/0>");
  h.advance(31s);
  ASSERT_FALSE(h.server.is_awake("q1"));
  auto queued = h.call("GET", "/api/clients/dev1/3/0/0");
  EXPECT_EQ(queued.status, 404u) << "not registered under that name";
  queued = h.call("GET", "/api/clients/q1/3/0/0");
  ASSERT_EQ(queued.status, 202u) << queued.body;
  const server::OperationId id{body_of(queued).at("id").to_number<std::uint64_t>()};
  EXPECT_FALSE(body_of(h.call("GET", "/api/clients/q1")).at("awake").as_bool());
  h.pump();
  EXPECT_TRUE(h.requests.empty());

  // The client wakes up with an Update; the request goes out.
  h.device_request(request(coap::codes::Post, location));
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  auto c = h.completion(id);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->queued);
  EXPECT_EQ(c->response.status, 200u);
  EXPECT_EQ(h.api.pending(), 0u);
}

TEST(HttpApiBounds, BodySizeAndPendingOperations) {
  ApiHarness h(server::testing::test_config(), ApiConfig{.max_body_bytes = 64, .max_pending = 1});
  h.register_device();
  auto big = h.call("PUT", "/api/clients/dev1/3/0/14", std::string(65, ' '));
  EXPECT_EQ(big.status, 413u);
  EXPECT_EQ(error_code(big), "body_too_large");
  h.start("GET", "/api/clients/dev1/3/0/0");
  auto busy = h.call("GET", "/api/clients/dev1/3/0/1");
  EXPECT_EQ(busy.status, 503u);
  EXPECT_EQ(error_code(busy), "too_many_pending");
  EXPECT_EQ(h.call("GET", "/api/clients").status, 200u) << "registrations are still served";
}

TEST(HttpApiBounds, CoreRefusalsMapToStableCodes) {
  server::ServerConfig config = server::testing::test_config();
  config.max_operations = 1;
  ApiHarness h(config);
  h.register_device();
  h.start("GET", "/api/clients/dev1/3/0/0");
  auto r = h.call("GET", "/api/clients/dev1/3/0/1");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(error_code(r), "too_many_operations");
}

TEST(HttpApiClientGone, PendingRequestEndsWhenTheClientDeregisters) {
  ApiHarness h;
  h.register_device();
  auto id = h.start("GET", "/api/clients/dev1/3/0/0");
  h.server.remove_registration("dev1");
  h.pump();
  auto r = h.finish(id);
  EXPECT_EQ(r.status, 410u);
  EXPECT_EQ(error_code(r), "client_gone");
}

TEST(HttpApiModels, ListsEveryDefinitionSortedByIdThenVersion) {
  ApiHarness h;
  lwm2m::ObjectDef custom;
  custom.id = 10250;
  custom.name = "Custom";
  custom.version = {2, 0};
  custom.resources = {
      {0, "Level", lwm2m::Operations::RW, false, true, lwm2m::DataType::Float, "0..1", "", ""}};
  ASSERT_EQ(h.server.objects().add(custom), lwm2m::ObjectRegistry::AddResult::Added);

  auto r = h.call("GET", "/api/models");
  ASSERT_EQ(r.status, 200u);
  const auto list = body_of(r).as_array();
  EXPECT_EQ(list.size(), h.server.objects().size());
  for (std::size_t i = 1; i < list.size(); ++i) {
    const auto a = list[i - 1].at("id").to_number<int>();
    const auto b = list[i].at("id").to_number<int>();
    ASSERT_LE(a, b);
    if (a == b) {
      EXPECT_LT(*lwm2m::Version::parse(list[i - 1].at("version").as_string()),
                *lwm2m::Version::parse(list[i].at("version").as_string()));
    }
  }
  EXPECT_NE(std::find(list.begin(), list.end(),
                      json::parse(R"({"id":3,"version":"1.1","name":"Device","lwm2m":"1.1",)"
                                  R"("multiple":false,"mandatory":true})")),
            list.end());
  EXPECT_EQ(list.back(), json::parse(R"({"id":10250,"version":"2.0","name":"Custom",)"
                                     R"("lwm2m":"1.0","multiple":false,"mandatory":false})"));
  EXPECT_EQ(h.call("POST", "/api/models").status, 405u);
}

TEST(HttpApiModels, OneModelActiveOrAskedVersion) {
  ApiHarness h;
  auto active = body_of(h.call("GET", "/api/models/3"));
  EXPECT_EQ(active.at("version").as_string(), "1.2");  // the newest, nothing chosen
  EXPECT_EQ(active.at("name").as_string(), "Device");
  EXPECT_EQ(active.at("urn").as_string(), "urn:oma:lwm2m:oma:3:1.2");
  const auto& resources = active.at("resources").as_array();
  const auto* def = h.server.objects().find(3, {1, 2});
  ASSERT_NE(def, nullptr);
  ASSERT_EQ(resources.size(), def->resources.size());
  const auto resource = [&](const json::array& list, int id) {
    for (const auto& x : list)
      if (x.at("id").to_number<int>() == id) return x.as_object();
    ADD_FAILURE() << "no resource " << id;
    return json::object{};
  };
  auto battery = resource(resources, 9);
  battery.erase("description");
  EXPECT_EQ(json::value(battery),
            json::parse(R"({"id":9,"name":"Battery Level","operations":"R","multiple":false,)"
                        R"("mandatory":false,"type":"Integer","range":"0..100","units":"/100"})"));
  const auto reboot = resource(resources, 4);
  EXPECT_EQ(reboot.at("operations").as_string(), "E");
  EXPECT_EQ(reboot.at("type").as_string(), "");
  EXPECT_TRUE(reboot.at("mandatory").as_bool());

  auto v11 = body_of(h.call("GET", "/api/models/3?version=1.1"));
  EXPECT_EQ(v11.at("version").as_string(), "1.1");
  EXPECT_EQ(resource(v11.at("resources").as_array(), 9).at("units").as_string(), "%");

  // The chosen version is the active one.
  ASSERT_TRUE(h.server.objects().choose(3, {1, 1}));
  EXPECT_EQ(body_of(h.call("GET", "/api/models/3")).at("version").as_string(), "1.1");
}

TEST(HttpApiModels, UnknownAndMalformed) {
  ApiHarness h;
  for (auto [target, status, code] :
       {std::tuple{"/api/models/9999", 404u, "unknown_object"},
        std::tuple{"/api/models/9999?version=1.0", 404u, "unknown_object"},
        std::tuple{"/api/models/3?version=9.9", 404u, "unknown_version"},
        std::tuple{"/api/models/x", 400u, "bad_object_id"},
        std::tuple{"/api/models/-3", 400u, "bad_object_id"},
        std::tuple{"/api/models/65535", 400u, "bad_object_id"},
        std::tuple{"/api/models/3?version=1.x", 400u, "bad_version"},
        std::tuple{"/api/models/3?version=", 400u, "bad_version"},
        std::tuple{"/api/models/3/0", 404u, "not_found"}}) {
    auto r = h.call("GET", target);
    EXPECT_EQ(r.status, status) << target;
    EXPECT_EQ(error_code(r), code) << target;
  }
}

// A route family added to the Api: asked after the built-in ones, its paths in the OpenAPI
// document.
struct Greetings final : RouteFamily {
  bool takes(const RouteRequest& r) const override { return r.under({"api", "greetings"}); }
  Reply handle(RouteRequest& r) override {
    if (r.method != "GET") return method_not_allowed("GET");
    return Response{200, R"({"hello":")" + r.query("name").value_or("world") + "\"}"};
  }
  std::string_view openapi_paths() const override {
    return R"({"/api/greetings": {"get": {"summary": "A greeting", "responses": {"200": {"description": "hello"}}}}})";
  }
};

TEST(ApiRouteFamilies, AnAddedFamilyAnswersItsRoutesAndDescribesThem) {
  ApiHarness h;
  Greetings greetings;
  EXPECT_EQ(h.call("GET", "/api/greetings").status, 404u);
  h.api.add_routes(greetings);
  EXPECT_EQ(body_of(h.call("GET", "/api/greetings?name=drover")).at("hello").as_string(), "drover");
  const auto wrong = h.call("POST", "/api/greetings");
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(body_of(wrong).at("error").at("message").as_string(), "use GET");
  const auto doc = body_of(h.call("GET", "/api/openapi.json"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/api/greetings"));
  EXPECT_TRUE(doc.at("paths").as_object().contains("/api/clients"));
}

}  // namespace
}  // namespace drover::http::testing
