#include "drover/http/shard_router.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <vector>

namespace drover::http {

ShardRouter::ShardRouter(unsigned shards, RunOn run_on, ApiConfig config)
    : shards_(shards == 0 ? 1 : shards), run_on_(std::move(run_on)), config_(config) {}

Reply ShardRouter::on(unsigned shard, const Request& request) {
  Reply reply;
  run_on_(shard, [&](Api& api, coap::TimePoint now) { reply = api.handle(request, now); });
  return reply;
}

Reply ShardRouter::handle(const Request& request, coap::TimePoint) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url || request.body.size() > config_.max_body_bytes) return on(0, request);  // its error answer
  const auto segments = url->segments();
  std::vector<std::string> s(segments.begin(), segments.end());
  const bool get = request.method == "GET";
  if (get && s.size() == 1 && s[0] == "metrics") return metrics();
  if (s.size() < 2 || s[0] != "api" || s[1] != "clients") return on(0, request);
  if (s.size() == 2) return get ? clients(request) : on(0, request);
  // Asked and answered in one visit to each shard, until one holds the client.
  const std::string& endpoint = s[2];
  std::optional<Reply> reply;
  for (unsigned shard = 0; shard < shards_ && !reply; ++shard) {
    run_on_(shard, [&](Api& api, coap::TimePoint now) {
      if (api.has_client(endpoint)) reply = api.handle(request, now);
    });
  }
  return reply ? std::move(*reply) : on(0, request);
}

Reply ShardRouter::clients(const Request& request) {
  auto query = client_query(request.target, config_);
  if (auto* bad = std::get_if<Response>(&query)) return std::move(*bad);
  const auto& q = std::get<ClientQuery>(query);
  std::vector<ClientMatches> parts(shards_);
  std::size_t total = 0;
  for (unsigned shard = 0; shard < shards_; ++shard) {
    run_on_(shard, [&](Api& api, coap::TimePoint) { parts[shard] = api.client_matches(q); });
    total += parts[shard].total;
  }
  const auto page = client_page(q, parts);
  // The page's clients, asked of their shards and put back in the page's order.
  std::vector<std::string> clients(page.size());
  for (unsigned shard = 0; shard < shards_; ++shard) {
    std::vector<std::string> endpoints;
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < page.size(); ++i) {
      if (page[i].first != shard) continue;
      endpoints.push_back(page[i].second);
      at.push_back(i);
    }
    if (endpoints.empty()) continue;
    std::vector<std::string> json;
    run_on_(shard, [&](Api& api, coap::TimePoint now) { json = api.clients_json(endpoints, now); });
    for (std::size_t i = 0; i < at.size(); ++i) clients[at[i]] = std::move(json[i]);
  }
  return client_listing(q, total, clients);
}

Response ShardRouter::metrics() {
  std::vector<std::string> texts(shards_);
  Response first;
  for (unsigned shard = 0; shard < shards_; ++shard) {
    Reply reply = on(shard, Request{"GET", "/metrics", {}});
    if (auto* r = std::get_if<Response>(&reply)) {
      if (shard == 0) first = *r;
      texts[shard] = std::move(r->body);
    }
  }
  first.body = merge_metrics(texts);
  return first;
}

}  // namespace drover::http
