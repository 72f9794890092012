// GET /api/clients at fleet scale: cursors, prefixes, offsets and filters over registrations a
// server restored in bulk, and the work each API request does on the protocol loop, counted
// (registrations visited and looked up per call) rather than timed.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "drover/http/api.hpp"

namespace drover::http::testing {
namespace {

using namespace std::chrono_literals;
using server::Registration;

const coap::TimePoint kNow = coap::TimePoint{} + std::chrono::hours(1000);

// A store that counts what the API asks of it: registrations handed to a visitor and lookups.
class CountingStore final : public server::RegistrationStore {
 public:
  mutable std::size_t visited = 0;
  mutable std::size_t lookups = 0;

  std::optional<Registration> put(Registration r) override { return inner_->put(std::move(r)); }
  const Registration* update(std::string_view endpoint,
                             const server::RegistrationUpdate& update) override {
    return inner_->update(endpoint, update);
  }
  std::optional<Registration> remove(std::string_view endpoint) override {
    return inner_->remove(endpoint);
  }
  const Registration* find_by_endpoint(std::string_view endpoint) const override {
    ++lookups;
    return inner_->find_by_endpoint(endpoint);
  }
  const Registration* find_by_location(std::string_view location) const override {
    ++lookups;
    return inner_->find_by_location(location);
  }
  const Registration* find_by_peer(const coap::PeerAddress& peer) const override {
    ++lookups;
    return inner_->find_by_peer(peer);
  }
  std::size_t size() const override { return inner_->size(); }
  void for_each(const std::function<void(const Registration&)>& visit) const override {
    inner_->for_each([&](const Registration& r) {
      ++visited;
      visit(r);
    });
  }
  std::size_t rank(std::string_view endpoint) const override {
    ++lookups;
    return inner_->rank(endpoint);
  }
  void visit_in_order(std::size_t first,
                      const std::function<bool(const Registration&)>& visit) const override {
    inner_->visit_in_order(first, [&](const Registration& r) {
      ++visited;
      return visit(r);
    });
  }
  std::size_t order_bytes() const override { return inner_->order_bytes(); }

 private:
  std::unique_ptr<server::RegistrationStore> inner_ = server::make_in_memory_registration_store();
};

// A registration as a restart would bring it back: `i` chooses its version, binding, queue mode,
// objects and when it was last seen.
Registration registration(std::string endpoint, std::size_t i) {
  static const auto with_3303 = std::make_shared<const lwm2m::RegistrationPayload>(
      lwm2m::RegistrationPayload{"/", {}, {{3, {}, {0}}, {3303, {}, {0}}}});
  static const auto without = std::make_shared<const lwm2m::RegistrationPayload>(
      lwm2m::RegistrationPayload{"/", {}, {{3, {}, {0}}}});
  Registration r;
  r.endpoint = std::move(endpoint);
  r.location = "l" + std::to_string(i);
  r.peer = coap::PeerAddress::loopback_v4(static_cast<std::uint16_t>(1 + i % 60000));
  r.version = i % 3 == 0 ? lwm2m::Lwm2mVersion::V1_2 : lwm2m::Lwm2mVersion::V1_1;
  r.binding = i % 2 == 0 ? "U" : "UT";
  r.queue_mode = i % 5 == 0;
  r.objects = i % 4 == 0 ? with_3303 : without;
  r.lifetime = 86400;
  r.updated_at = kNow - std::chrono::seconds(i % 7 == 0 ? 7200 : 60);
  r.registered_at = r.updated_at;
  r.expires_at = r.updated_at + std::chrono::seconds(r.lifetime);
  return r;
}

// A server restored with `n` registrations named dev-00000 ... and an Api over it.
struct Fleet {
  explicit Fleet(std::size_t n, ApiConfig config = {}) {
    auto counting = std::make_unique<CountingStore>();
    store = counting.get();
    server::ServerConfig sc;
    sc.max_registrations = n + 10;
    core = std::make_unique<server::Server>(sc, std::move(counting));
    server::ServerState state;
    for (std::size_t i = 0; i < n; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "dev-%05zu", i);
      state.registrations.push_back(registration(name, i));
    }
    core->restore(std::move(state), kNow);
    api = std::make_unique<Api>(*core, config);
    store->visited = store->lookups = 0;
  }

  boost::json::value get(std::string_view target) {
    auto reply = api->handle({"GET", target, {}}, kNow);
    const auto* r = std::get_if<Response>(&reply);
    EXPECT_NE(r, nullptr);
    if (!r) return nullptr;
    EXPECT_EQ(r->status, 200u) << target << ": " << r->body;
    return r->status == 200 ? boost::json::parse(r->body) : boost::json::value(nullptr);
  }
  unsigned status(std::string_view target) {
    auto reply = api->handle({"GET", target, {}}, kNow);
    const auto* r = std::get_if<Response>(&reply);
    return r ? r->status : 0;
  }

  static std::vector<std::string> endpoints(const boost::json::value& page) {
    std::vector<std::string> out;
    for (const auto& c : page.at("clients").as_array())
      out.emplace_back(c.at("endpoint").as_string());
    return out;
  }

  // Walks the whole listing of `query` by its cursor; the endpoints in order and the calls made.
  std::pair<std::vector<std::string>, int> walk(const std::string& query) {
    std::vector<std::string> all;
    std::string after;
    int calls = 0;
    for (;; ++calls) {
      const auto page = get("/api/clients?" + query + (after.empty() ? "" : "&after=" + after));
      for (auto& e : endpoints(page)) all.push_back(std::move(e));
      if (page.at("next").is_null()) return {all, calls + 1};
      after = std::string(page.at("next").as_string());
    }
  }

  CountingStore* store = nullptr;
  std::unique_ptr<server::Server> core;
  std::unique_ptr<Api> api;
};

TEST(ClientListing, TheCursorWalksTheWholeFleetOnce) {
  Fleet f(2500);
  const auto [all, calls] = f.walk("limit=1000");
  ASSERT_EQ(all.size(), 2500u);
  EXPECT_EQ(calls, 3);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());

  const auto first = f.get("/api/clients?limit=2");
  EXPECT_EQ(first.at("total").to_number<std::size_t>(), 2500u);
  EXPECT_EQ(Fleet::endpoints(first), (std::vector<std::string>{"dev-00000", "dev-00001"}));
  EXPECT_EQ(first.at("next").as_string(), "dev-00001");
  // A cursor need not be registered: the page starts after where it would be.
  EXPECT_EQ(Fleet::endpoints(f.get("/api/clients?limit=1&after=dev-00001x")),
            (std::vector<std::string>{"dev-00002"}));
  // The last page says there is no next one; a page exactly at the end too.
  const auto last = f.get("/api/clients?limit=10&after=dev-02497");
  EXPECT_EQ(Fleet::endpoints(last), (std::vector<std::string>{"dev-02498", "dev-02499"}));
  EXPECT_TRUE(last.at("next").is_null());
  EXPECT_TRUE(f.get("/api/clients?limit=2&after=dev-02497").at("next").is_null());
  // A registration that leaves between two pages does not shift the next one.
  f.core->remove_registration("dev-00003");
  EXPECT_EQ(Fleet::endpoints(f.get("/api/clients?limit=2&after=dev-00001")),
            (std::vector<std::string>{"dev-00002", "dev-00004"}));
}

TEST(ClientListing, PrefixAndOffset) {
  Fleet f(2500);
  const auto page = f.get("/api/clients?prefix=dev-012&limit=3");
  EXPECT_EQ(page.at("total").to_number<std::size_t>(), 100u);  // dev-01200 ... dev-01299
  EXPECT_EQ(Fleet::endpoints(page),
            (std::vector<std::string>{"dev-01200", "dev-01201", "dev-01202"}));
  const auto [all, calls] = f.walk("prefix=dev-012&limit=40");
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(all.back(), "dev-01299");
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(f.get("/api/clients?prefix=x").at("total").to_number<std::size_t>(), 0u);
  EXPECT_EQ(f.get("/api/clients?prefix=%FF%FF").at("total").to_number<std::size_t>(), 0u);

  const auto deep = f.get("/api/clients?offset=2400&limit=2");
  EXPECT_EQ(Fleet::endpoints(deep), (std::vector<std::string>{"dev-02400", "dev-02401"}));
  EXPECT_EQ(deep.at("offset").to_number<std::size_t>(), 2400u);
  // An offset counts from the cursor and within the prefix.
  EXPECT_EQ(Fleet::endpoints(f.get("/api/clients?prefix=dev-01&offset=5&limit=1")),
            (std::vector<std::string>{"dev-01005"}));
  EXPECT_EQ(Fleet::endpoints(f.get("/api/clients?after=dev-00010&offset=5&limit=1")),
            (std::vector<std::string>{"dev-00016"}));
  EXPECT_TRUE(Fleet::endpoints(f.get("/api/clients?offset=2500")).empty());
}

TEST(ClientListing, FiltersScanABoundedStretch) {
  ApiConfig config;
  config.max_scan = 100;
  Fleet f(1000, config);
  // Each filter finds what it says, walking the fleet by its cursor, 100 registrations a call.
  const auto count_of = [&](const std::string& query, int expected) {
    const auto [all, calls] = f.walk(query + "&limit=1000");
    EXPECT_EQ(static_cast<int>(all.size()), expected) << query;
    EXPECT_EQ(calls, 10) << query;
    return all;
  };
  count_of("object=3303", 250);
  count_of("version=1.2", 334);
  count_of("binding=T", 500);
  count_of("binding=UT", 500);
  count_of("queue_mode=true", 200);
  count_of("queue_mode=false", 800);
  count_of("not_seen_for=3600", 143);
  count_of("seen_within=600", 857);
  const auto both = count_of("object=3303&queue_mode=true", 50);  // i % 20 == 0
  EXPECT_EQ(both.front(), "dev-00000");
  EXPECT_EQ(both[1], "dev-00020");
  count_of("endpoint=7", 1000 - 729);  // names with a 7 in their last three digits

  const auto page = f.get("/api/clients?object=3303&limit=5");
  EXPECT_TRUE(page.at("total").is_null());
  EXPECT_EQ(Fleet::endpoints(page).size(), 5u);
  EXPECT_EQ(page.at("next").as_string(), "dev-00016");  // where the fifth match was
  // Nothing matches within the bound: an empty page and where to go on.
  const auto none = f.get("/api/clients?object=9999");
  EXPECT_TRUE(Fleet::endpoints(none).empty());
  EXPECT_EQ(none.at("next").as_string(), "dev-00099");
  // With a prefix, within it only.
  const auto [within, calls] = f.walk("prefix=dev-005&object=3303");
  EXPECT_EQ(within.size(), 25u);
  EXPECT_EQ(calls, 1);

  for (auto bad :
       {"/api/clients?object=3303&offset=5", "/api/clients?object=x", "/api/clients?object=65535",
        "/api/clients?version=2.0", "/api/clients?queue_mode=1", "/api/clients?seen_within=-1",
        "/api/clients?not_seen_for=soon"})
    EXPECT_EQ(f.status(bad), 400u) << bad;
}

// The rule of docs/architecture.md: a request does work on the protocol loop in proportion to
// its page, not to the fleet. Counted for every route that reads the fleet.
TEST(ClientListing, RequestsDoWorkOfAPageNotOfTheFleet) {
  ApiConfig config;
  config.max_scan = 500;
  Fleet f(20000, config);
  constexpr std::size_t kPage = 50;
  const auto work = [&](const std::string& target) {
    f.store->visited = f.store->lookups = 0;
    EXPECT_NE(f.status(target), 0u);
    return std::pair{f.store->visited, f.store->lookups};
  };
  const std::string page = "limit=" + std::to_string(kPage);
  for (const std::string& target :
       {"/api/clients?" + page, "/api/clients?offset=10000&" + page,
        "/api/clients?offset=19950&" + page, "/api/clients?after=dev-19000&" + page,
        "/api/clients?prefix=dev-1&" + page, "/api/clients?prefix=dev-1&offset=9000&" + page}) {
    const auto [visited, lookups] = work(target);
    EXPECT_LE(visited, kPage) << target;
    // Each client of the page found and asked whether awake; the cursor and the ranks.
    EXPECT_LE(lookups, 2 * kPage + 4) << target;
  }
  // A filter looks at max_scan registrations at most, matching or not.
  for (const std::string& target :
       {"/api/clients?object=9999&" + page, "/api/clients?endpoint=zzz&" + page,
        "/api/clients?not_seen_for=999999&after=dev-10000&" + page}) {
    const auto [visited, lookups] = work(target);
    EXPECT_LE(visited, config.max_scan) << target;
    EXPECT_LE(lookups, 4u) << target;
  }
  // The metrics and the other routes read counters kept as registrations change.
  for (const char* target :
       {"/metrics", "/api/metrics", "/api/clients/dev-12345", "/api/models", "/api/openapi.json"}) {
    const auto [visited, lookups] = work(target);
    EXPECT_EQ(visited, 0u) << target;
    EXPECT_LE(lookups, 2u) << target;
  }
  EXPECT_EQ(f.get("/api/metrics").at("registrations").to_number<std::size_t>(), 20000u);
}

}  // namespace
}  // namespace drover::http::testing
