#include "drover/http/shard_router.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <vector>

namespace drover::http {

namespace {

constexpr std::uint64_t kShardBits = 0x3f;  // the low bits of a slot: shard + 1

std::uint64_t hash_of(std::string_view endpoint) {
  return std::hash<std::string_view>{}(endpoint);
}

// The slot value of an endpoint's hash without its shard; never 0.
std::uint64_t key_of(std::uint64_t hash) {
  const std::uint64_t key = hash & ~kShardBits;
  return key == 0 ? kShardBits + 1 : key;
}

std::size_t home_of(std::uint64_t slot, std::size_t mask) {
  return static_cast<std::size_t>(slot >> 6) & mask;
}

// The index of `key`'s slot in `slots`, or of the empty slot where it would go.
std::size_t probe(const std::vector<std::uint64_t>& slots, std::uint64_t key) {
  const std::size_t mask = slots.size() - 1;
  for (std::size_t i = home_of(key, mask);; i = (i + 1) & mask)
    if (slots[i] == 0 || (slots[i] & ~kShardBits) == key) return i;
}

}  // namespace

void ShardIndex::on_event(unsigned shard, const server::ServerEvent& event) {
  if (const auto* e = std::get_if<server::Registered>(&event))
    set(e->registration.endpoint, shard);
  else if (const auto* d = std::get_if<server::Deregistered>(&event))
    erase(d->registration.endpoint, shard);
  else if (const auto* x = std::get_if<server::Expired>(&event))
    erase(x->registration.endpoint, shard);
  else if (const auto* r = std::get_if<server::Replaced>(&event))
    erase(r->previous.endpoint, shard);
}

void ShardIndex::set(std::string_view endpoint, unsigned shard) {
  if (shard >= max_shards) return;
  const auto hash = hash_of(endpoint);
  auto& stripe = stripes_[(hash >> 40) % kStripes];
  const std::uint64_t key = key_of(hash);
  std::lock_guard lock(stripe.mutex);
  auto& slots = stripe.slots;
  if ((stripe.used + 1) * 2 > slots.size()) {  // at most half full
    std::vector<std::uint64_t> bigger(std::max<std::size_t>(64, slots.size() * 2), 0);
    for (auto slot : slots)
      if (slot != 0) bigger[probe(bigger, slot & ~kShardBits)] = slot;
    slots.swap(bigger);
  }
  auto& slot = slots[probe(slots, key)];
  if (slot == 0) ++stripe.used;
  slot = key | (shard + 1);
}

void ShardIndex::erase(std::string_view endpoint, unsigned shard) {
  const auto hash = hash_of(endpoint);
  auto& stripe = stripes_[(hash >> 40) % kStripes];
  std::lock_guard lock(stripe.mutex);
  auto& slots = stripe.slots;
  if (slots.empty()) return;
  std::size_t i = probe(slots, key_of(hash));
  if (slots[i] == 0 || (slots[i] & kShardBits) != shard + 1) return;
  // Backward-shift deletion: later entries of the probe run move up into the hole.
  const std::size_t mask = slots.size() - 1;
  for (std::size_t j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = home_of(slots[j], mask);
    const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (stays) continue;
    slots[i] = slots[j];
    i = j;
  }
  slots[i] = 0;
  --stripe.used;
}

std::optional<unsigned> ShardIndex::find(std::string_view endpoint) const {
  const auto hash = hash_of(endpoint);
  const auto& stripe = stripes_[(hash >> 40) % kStripes];
  std::lock_guard lock(stripe.mutex);
  if (stripe.slots.empty()) return std::nullopt;
  const auto slot = stripe.slots[probe(stripe.slots, key_of(hash))];
  if (slot == 0) return std::nullopt;
  return static_cast<unsigned>((slot & kShardBits) - 1);
}

std::size_t ShardIndex::size() const {
  std::size_t n = 0;
  for (const auto& stripe : stripes_) {
    std::lock_guard lock(stripe.mutex);
    n += stripe.used;
  }
  return n;
}

ShardRouter::ShardRouter(unsigned shards, RunOn run_on, ApiConfig config)
    : shards_(shards == 0 ? 1 : shards), run_on_(std::move(run_on)), config_(config) {}

Reply ShardRouter::on(unsigned shard, const Request& request) {
  Reply reply;
  run_on_(shard, [&](Api& api, coap::TimePoint now) { reply = api.handle(request, now); });
  return reply;
}

Reply ShardRouter::handle(const Request& request, coap::TimePoint) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url || request.body.size() > config_.max_body_bytes) return on(0, request);  // its error
  const auto segments = url->segments();
  std::vector<std::string> s(segments.begin(), segments.end());
  const bool get = request.method == "GET";
  const bool metrics_text = s.size() == 1 && s[0] == "metrics";
  const bool metrics_api = s.size() == 2 && s[0] == "api" && s[1] == "metrics";
  if (get && (metrics_text || metrics_api)) {
    const auto m = metrics();
    if (metrics_text) return Response{200, prometheus_text(m), kPrometheusContentType};
    return Response{200, metrics_json(m)};
  }
  if (s.size() < 2 || s[0] != "api" || s[1] != "clients") return on(0, request);
  if (s.size() == 2) return get ? clients(request) : on(0, request);
  // The shard the index names, asked and answered in one visit; else each in turn.
  const std::string& endpoint = s[2];
  std::optional<Reply> reply;
  const auto ask = [&](unsigned shard) {
    run_on_(shard, [&](Api& api, coap::TimePoint now) {
      if (api.has_client(endpoint)) reply = api.handle(request, now);
    });
  };
  const auto indexed = index_.find(endpoint);
  if (indexed && *indexed < shards_) ask(*indexed);
  for (unsigned shard = 0; shard < shards_ && !reply; ++shard)
    if (shard != indexed) ask(shard);
  return reply ? std::move(*reply) : on(0, request);
}

MergedPage ShardRouter::page(const ClientQuery& query) {
  std::vector<ClientPage> parts(shards_);
  for (unsigned shard = 0; shard < shards_; ++shard)
    run_on_(shard,
            [&](Api& api, coap::TimePoint now) { parts[shard] = api.client_page(query, now); });
  return merge_client_pages(query.limit, parts);
}

Reply ShardRouter::clients(const Request& request) {
  auto query = client_query(request.target, config_);
  if (auto* bad = std::get_if<Response>(&query)) return std::move(*bad);
  const auto& q = std::get<ClientQuery>(query);
  // An offset is walked here, a merged page of at most max_page endpoints at a time, so that no
  // shard spends longer on one visit than on one page.
  ClientQuery at = q;
  at.offset = 0;
  for (std::size_t skip = q.offset; skip > 0;) {
    ClientQuery step = at;
    step.limit = std::min(skip, config_.max_page);
    const auto skipped = page(step);
    if (skipped.endpoints.empty()) break;
    at.after = skipped.endpoints.back().second;
    skip -= skipped.endpoints.size();
    if (!skipped.next) break;
  }
  const auto merged = page(at);
  // The page's clients, asked of their shards and put back in the page's order.
  const auto& endpoints = merged.endpoints;
  std::vector<std::string> clients(endpoints.size());
  for (unsigned shard = 0; shard < shards_; ++shard) {
    std::vector<std::string> names;
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      if (endpoints[i].first != shard) continue;
      names.push_back(endpoints[i].second);
      where.push_back(i);
    }
    if (names.empty()) continue;
    std::vector<std::string> json;
    run_on_(shard, [&](Api& api, coap::TimePoint now) { json = api.clients_json(names, now); });
    for (std::size_t i = 0; i < where.size(); ++i) clients[where[i]] = std::move(json[i]);
  }
  return client_listing(q, merged, clients);
}

Metrics ShardRouter::metrics() {
  Metrics sum;
  for (unsigned shard = 0; shard < shards_; ++shard)
    run_on_(shard, [&](Api& api, coap::TimePoint) { sum += api.metrics(); });
  return sum;
}

}  // namespace drover::http
