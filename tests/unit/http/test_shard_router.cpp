// The HTTP API of a server on several shards: a ShardRouter in front of two Apis, each over a
// server core with its fake device, run in one thread (run_on calls the shard's Api directly).
#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "drover/http/shard_router.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

server::ServerConfig shard_config(unsigned shard) {
  auto config = server::testing::test_config();
  config.first_operation_id = shard + 1;
  config.operation_id_step = 2;
  return config;
}

struct Shards : ::testing::Test {
  std::array<std::unique_ptr<ApiHarness>, 2> h{std::make_unique<ApiHarness>(shard_config(0)),
                                               std::make_unique<ApiHarness>(shard_config(1))};
  std::array<int, 2> calls{};
  ShardRouter router{2,
                     [this](unsigned shard, const ShardRouter::OnShard& fn) {
                       ++calls.at(shard);
                       fn(h[shard]->api, h[shard]->now);
                     },
                     ApiConfig{}};

  void SetUp() override {
    for (auto ep : {"b", "d"}) h[0]->register_device("ep=" + std::string(ep) + "&lt=60", "</3/0>");
    for (auto ep : {"a", "c", "e"})
      h[1]->register_device("ep=" + std::string(ep) + "&lt=60", "</3/0>");
    // Each shard reports its events to the router's index (on its own thread in a server).
    for (unsigned shard = 0; shard < 2; ++shard)
      for (const auto& e : h[shard]->events) router.on_event(shard, e);
  }
  Reply call(std::string_view method, std::string_view target) {
    return router.handle({method, target, {}}, h[0]->now);
  }
  Response answer(std::string_view method, std::string_view target) {
    auto reply = call(method, target);
    auto* r = std::get_if<Response>(&reply);
    EXPECT_NE(r, nullptr) << target << " is pending";
    return r ? *r : Response{};
  }
  static std::vector<std::string> endpoints(const Response& r) {
    std::vector<std::string> out;
    const auto body = body_of(r);
    for (const auto& c : body.at("clients").as_array())
      out.emplace_back(c.at("endpoint").as_string());
    return out;
  }
};

TEST_F(Shards, ListsTheClientsOfEveryShardSortedAndPaged) {
  auto all = answer("GET", "/api/clients");
  EXPECT_EQ(all.status, 200u);
  EXPECT_EQ(body_of(all).at("total").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(endpoints(all), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  auto page = answer("GET", "/api/clients?offset=1&limit=3");
  EXPECT_EQ(endpoints(page), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(body_of(page).at("offset").to_number<std::uint64_t>(), 1u);
  EXPECT_EQ(body_of(page).at("limit").to_number<std::uint64_t>(), 3u);
  EXPECT_TRUE(endpoints(answer("GET", "/api/clients?offset=5")).empty());
  auto bad = answer("GET", "/api/clients?limit=0");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(error_code(bad), "bad_query");
  EXPECT_EQ(answer("DELETE", "/api/clients").status, 405u);
  // The same listing as one Api over all five clients would give.
  ApiHarness one;
  for (auto ep : {"a", "b", "c", "d", "e"})
    one.register_device("ep=" + std::string(ep) + "&lt=60", "</3/0>");
  EXPECT_EQ(endpoints(one.call("GET", "/api/clients?offset=1&limit=3")),
            (std::vector<std::string>{"b", "c", "d"}));
}

TEST_F(Shards, AClientGoneBetweenTheStepsIsLeftOut) {
  // The listing's second step asks for clients the first found: one deregistered in between is
  // skipped, not shown empty.
  ClientQuery q;
  q.limit = 10;
  std::array<ClientPage, 2> parts{h[0]->api.client_page(q, h[0]->now),
                                  h[1]->api.client_page(q, h[1]->now)};
  const auto page = merge_client_pages(q.limit, parts);
  ASSERT_EQ(page.endpoints.size(), 5u);
  EXPECT_EQ(page.endpoints[0], (std::pair<std::size_t, std::string>{1, "a"}));
  EXPECT_EQ(page.endpoints[1], (std::pair<std::size_t, std::string>{0, "b"}));
  EXPECT_EQ(page.total, 5u);
  EXPECT_FALSE(page.next);
  std::vector<std::string> ask{"b", "gone", "d"};
  auto json = h[0]->api.clients_json(ask, h[0]->now);
  ASSERT_EQ(json.size(), 3u);
  EXPECT_TRUE(json[1].empty());
  auto listing = client_listing(q, page, json);
  EXPECT_EQ(endpoints(listing), (std::vector<std::string>{"b", "d"}));
}

TEST_F(Shards, TheCursorWalksTheMergedOrder) {
  std::vector<std::string> walked;
  std::string target = "/api/clients?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = body_of(answer("GET", target));
    EXPECT_EQ(page.at("total").to_number<std::uint64_t>(), 5u);
    for (const auto& c : page.at("clients").as_array())
      walked.emplace_back(c.at("endpoint").as_string());
    if (page.at("next").is_null()) break;
    target = "/api/clients?limit=2&after=" + std::string(page.at("next").as_string());
  }
  EXPECT_EQ(walked, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  // An offset is walked by the router in steps and lands where the cursor does.
  EXPECT_EQ(endpoints(answer("GET", "/api/clients?offset=3&limit=2")),
            (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(endpoints(answer("GET", "/api/clients?after=a&offset=2&limit=1")),
            (std::vector<std::string>{"d"}));
}

TEST_F(Shards, AScanStopsWhereEveryShardHasLooked) {
  // Shard 0 has b, d; shard 1 a, c, e. A filter matching all, with pages that each shard cuts
  // at its own bound, still walks the fleet in order without a gap.
  ClientPage zero{std::nullopt, {"b"}, "b"};  // shard 0 looked at b only
  ClientPage one{std::nullopt, {"a", "c", "e"}, std::nullopt};
  const std::array<ClientPage, 2> parts{zero, one};
  const auto page = merge_client_pages(10, parts);
  ASSERT_EQ(page.endpoints.size(), 2u);  // c and e wait until shard 0 has looked past them
  EXPECT_EQ(page.endpoints[0].second, "a");
  EXPECT_EQ(page.endpoints[1].second, "b");
  EXPECT_EQ(page.next, "b");
  EXPECT_FALSE(page.total);
  // Over the router: a filter that scans gives no total.
  const auto filtered = body_of(answer("GET", "/api/clients?object=3&limit=2"));
  EXPECT_TRUE(filtered.at("total").is_null());
  EXPECT_EQ(filtered.at("next").as_string(), "b");
}

TEST_F(Shards, AnOperationGoesToTheShardHoldingTheClient) {
  calls = {};
  auto reply = call("GET", "/api/clients/c/3/0/0");
  auto* pending = std::get_if<Pending>(&reply);
  ASSERT_NE(pending, nullptr);
  EXPECT_EQ(pending->id.value % 2, 0u);          // shard 1's ids: 2, 4, ...
  EXPECT_EQ(calls, (std::array<int, 2>{0, 1}));  // the index names shard 1: one visit
  h[1]->pump();
  h[0]->pump();
  EXPECT_EQ(h[1]->requests.size(), 1u);  // c's device got the Read
  EXPECT_TRUE(h[0]->requests.empty());

  auto on_zero = call("GET", "/api/clients/d/3/0/0");
  ASSERT_TRUE(std::holds_alternative<Pending>(on_zero));
  EXPECT_EQ(std::get<Pending>(on_zero).id.value % 2, 1u);  // shard 0's ids: 1, 3, ...
  h[0]->pump();
  EXPECT_EQ(h[0]->requests.size(), 1u);

  EXPECT_EQ(body_of(answer("GET", "/api/clients/e")).at("endpoint").as_string(), "e");
  auto unknown = answer("GET", "/api/clients/nobody/3/0/0");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(error_code(unknown), "unknown_client");
}

TEST_F(Shards, AClientTheIndexDoesNotKnowYetIsFoundByAskingEachShard) {
  h[1]->register_device("ep=late&lt=60", "</3/0>");  // its Registered not reported to the router
  calls = {};
  EXPECT_EQ(body_of(answer("GET", "/api/clients/late")).at("endpoint").as_string(), "late");
  EXPECT_EQ(calls, (std::array<int, 2>{1, 1}));
  // An index entry naming the wrong shard (a stale one) is checked, then the others asked.
  router.on_event(0, server::Registered{*h[1]->server.registration("late")});
  calls = {};
  EXPECT_EQ(answer("GET", "/api/clients/late").status, 200u);
  EXPECT_EQ(calls, (std::array<int, 2>{1, 1}));
}

TEST_F(Shards, OtherRoutesAreAnsweredByShardZero) {
  calls = {};
  EXPECT_EQ(answer("GET", "/api/models").status, 200u);
  EXPECT_EQ(answer("GET", "/nowhere").status, 404u);
  EXPECT_EQ(answer("GET", "not a target").status, 400u);
  EXPECT_EQ(calls[0], 3);
  EXPECT_EQ(calls[1], 0);
  EXPECT_TRUE(std::holds_alternative<Subscribe>(call("GET", "/api/events")));
}

TEST_F(Shards, MetricsAreSummedOverTheShards) {
  for (auto& shard : h) shard->completion({});  // the Registered events, to each shard's Api
  auto m = answer("GET", "/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.content_type.find("text/plain"), std::string_view::npos);
  EXPECT_NE(m.body.find("\ndrover_registrations 5\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("drover_registration_events_total{event=\"register\"} 5\n"),
            std::string::npos);
}

TEST_F(Shards, MetricsAreSummedAsValues) {
  for (auto& shard : h) shard->completion({});
  Metrics sum = h[0]->api.metrics();
  sum += h[1]->api.metrics();
  EXPECT_EQ(sum.registrations, 5u);
  EXPECT_EQ(sum.registered, 5u);
  EXPECT_EQ(answer("GET", "/metrics").body, prometheus_text(sum));
  const auto json = body_of(answer("GET", "/api/metrics"));
  EXPECT_EQ(json.at("registrations").to_number<std::uint64_t>(), 5u);
  EXPECT_EQ(json.at("registration_events").at("register").to_number<std::uint64_t>(), 5u);
}

TEST(MetricsValues, AddEveryCounterGaugeAndHistogram) {
  Metrics a;
  a.registrations = 2;
  a.sends = 1;
  a.operations[0][0] = 3;
  a.latency[0].add(0.002);
  a.latency[0].add(200);
  Metrics b;
  b.registrations = 5;
  b.expired = 4;
  b.operations[0][0] = 1;
  b.operations[0][kRefused] = 2;
  b.latency[0].add(0.3);
  a += b;
  EXPECT_EQ(a.registrations, 7u);
  EXPECT_EQ(a.sends, 1u);
  EXPECT_EQ(a.expired, 4u);
  EXPECT_EQ(a.operations[0][0], 4u);
  EXPECT_EQ(a.operations[0][kRefused], 2u);
  EXPECT_EQ(a.latency[0].count, 3u);
  EXPECT_DOUBLE_EQ(a.latency[0].sum, 200.302);
  EXPECT_EQ(a.latency[0].buckets.front(), 1u);  // 2 ms: the 5 ms bucket
  EXPECT_EQ(a.latency[0].buckets[6], 1u);       // 0.3 s: the 0.5 s bucket
  EXPECT_EQ(a.latency[0].buckets.back(), 1u);   // 200 s: +Inf
  const auto text = prometheus_text(a);
  EXPECT_NE(text.find("drover_api_operations_total{operation=\"read\",result=\"refused\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("drover_api_operation_duration_seconds_bucket{operation=\"read\",le=\"0.5\"} 2\n"),
      std::string::npos);
}

TEST(ShardIndex, FollowsRegistrationsAcrossShards) {
  ShardIndex index;
  EXPECT_EQ(index.find("dev"), std::nullopt);
  index.set("dev", 3);
  EXPECT_EQ(index.find("dev"), 3u);
  index.set("dev", 1);  // registered again on shard 1
  EXPECT_EQ(index.find("dev"), 1u);
  index.erase("dev", 3);  // shard 3's Replaced comes after: the entry names shard 1 and stays
  EXPECT_EQ(index.find("dev"), 1u);
  index.erase("dev", 1);
  EXPECT_EQ(index.find("dev"), std::nullopt);
  EXPECT_EQ(index.size(), 0u);
}

TEST(ShardIndex, ManyEndpointsGrowAndShrinkExactly) {
  // Enough entries to grow every stripe several times, and deletions that move probe runs.
  ShardIndex index;
  constexpr unsigned n = 20000;
  for (unsigned i = 0; i < n; ++i) index.set("ep-" + std::to_string(i), i % 7);
  EXPECT_EQ(index.size(), n);
  for (unsigned i = 0; i < n; i += 2) index.erase("ep-" + std::to_string(i), i % 7);
  EXPECT_EQ(index.size(), n / 2);
  for (unsigned i = 0; i < n; ++i) {
    const auto found = index.find("ep-" + std::to_string(i));
    if (i % 2 == 0)
      EXPECT_EQ(found, std::nullopt) << i;
    else
      EXPECT_EQ(found, i % 7) << i;
  }
}

}  // namespace
}  // namespace drover::http::testing
