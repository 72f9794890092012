// /api/clients: the listing of registrations (paged, filtered, sorted by endpoint), one
// registration, and below it the device operations (routes_device.cpp).
#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "api_impl.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;

namespace {

std::variant<ClientQuery, Response> client_query_of(const boost::urls::url_view& url,
                                                    const ApiConfig& config) {
  const auto query = [&url](std::string_view key) -> std::optional<std::string> {
    auto it = url.params().find(key);
    if (it == url.params().end()) return std::nullopt;
    return std::string((*it).value);
  };
  ClientQuery q{query("endpoint").value_or(""), 0, config.default_page};
  if (auto o = query("offset")) {
    auto n = parse_size(*o);
    if (!n) return error(400, "bad_query", "offset must be a non-negative integer");
    q.offset = *n;
  }
  if (auto l = query("limit")) {
    auto n = parse_size(*l);
    if (!n || *n == 0 || *n > config.max_page)
      return error(400, "bad_query",
                   "limit must be an integer in [1, " + std::to_string(config.max_page) + "]");
    q.limit = *n;
  }
  return q;
}

ClientMatches matches_of(const server::Server& core, const ClientQuery& query) {
  std::vector<const server::Registration*> matching;
  core.registrations().for_each([&](const server::Registration& r) {
    if (r.endpoint.find(query.filter) != std::string::npos) matching.push_back(&r);
  });
  // Sorted by endpoint so that pages are stable; only as far as the page reaches.
  const std::size_t reach = std::min(matching.size(), query.offset + query.limit);
  const auto by_endpoint = [](const auto* a, const auto* b) { return a->endpoint < b->endpoint; };
  std::partial_sort(matching.begin(), matching.begin() + static_cast<std::ptrdiff_t>(reach),
                    matching.end(), by_endpoint);
  ClientMatches out{matching.size(), {}};
  out.first.reserve(reach);
  for (std::size_t i = 0; i < reach; ++i) out.first.push_back(matching[i]->endpoint);
  return out;
}

// The JSON text of each client; empty for one no longer registered.
std::vector<std::string> clients_of(const server::Server& core,
                                    std::span<const std::string> endpoints, coap::TimePoint now) {
  std::vector<std::string> out;
  out.reserve(endpoints.size());
  for (const auto& endpoint : endpoints) {
    const auto* r = core.registration(endpoint);
    out.push_back(r ? json::serialize(client_json(*r, core, now)) : std::string());
  }
  return out;
}

class ClientRoutes final : public RouteFamily {
 public:
  explicit ClientRoutes(Api::Impl& api) : api_(api) {}

  // /api/clients/{ep}/firmware is the firmware family's (firmware_routes.hpp).
  bool takes(const RouteRequest& r) const override {
    return r.under({"api", "clients"}) && !(r.segments.size() == 4 && r.segments[3] == "firmware");
  }

  Reply handle(RouteRequest& r) override {
    const auto& m = r.method;
    if (m != "GET" && m != "PUT" && m != "POST" && m != "DELETE")
      return method_not_allowed("GET, PUT, POST, DELETE");
    if (r.segments.size() == 2) return listing(r);
    const std::string& endpoint = r.segments[2];
    if (r.segments.size() == 3) return client(r, endpoint);
    return device_operation(api_, r, endpoint);
  }

 private:
  Reply listing(RouteRequest& r) {
    if (r.method != "GET") return method_not_allowed("GET");
    auto query = client_query_of(r.url, api_.config);
    if (auto* bad = std::get_if<Response>(&query)) return std::move(*bad);
    const auto& q = std::get<ClientQuery>(query);
    const ClientMatches matches = matches_of(api_.core, q);
    std::vector<std::string> endpoints;
    for (auto& [part, endpoint] : client_page(q, {&matches, 1})) endpoints.push_back(endpoint);
    return client_listing(q, matches.total, clients_of(api_.core, endpoints, r.now));
  }

  Reply client(RouteRequest& r, const std::string& endpoint) {
    if (r.method != "GET") return method_not_allowed("GET");
    const auto* reg = api_.core.registration(endpoint);
    if (!reg) return error(404, "unknown_client", "no client registered as \"" + endpoint + "\"");
    return ok(200, client_json(*reg, api_.core, r.now));
  }

 private:
  Api::Impl& api_;
};

}  // namespace

std::unique_ptr<RouteFamily> client_routes(Api::Impl& api) {
  return std::make_unique<ClientRoutes>(api);
}

std::variant<ClientQuery, Response> client_query(std::string_view target, const ApiConfig& config) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  return client_query_of(*url, config);
}

ClientMatches Api::client_matches(const ClientQuery& query) const {
  return matches_of(impl_->core, query);
}

std::vector<std::string> Api::clients_json(std::span<const std::string> endpoints,
                                           coap::TimePoint now) const {
  return clients_of(impl_->core, endpoints, now);
}

bool Api::has_client(const std::string& endpoint) const {
  return impl_->core.registration(endpoint) != nullptr;
}

std::vector<std::pair<std::size_t, std::string>> client_page(const ClientQuery& query,
                                                             std::span<const ClientMatches> parts) {
  // A merge of the sorted parts, from the offset on.
  std::vector<std::size_t> next(parts.size(), 0);
  std::vector<std::pair<std::size_t, std::string>> page;
  for (std::size_t rank = 0; rank < query.offset + query.limit; ++rank) {
    std::optional<std::size_t> least;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      if (next[p] < parts[p].first.size() &&
          (!least || parts[p].first[next[p]] < parts[*least].first[next[*least]]))
        least = p;
    }
    if (!least) break;
    if (rank >= query.offset) page.emplace_back(*least, parts[*least].first[next[*least]]);
    ++next[*least];
  }
  return page;
}

Response client_listing(const ClientQuery& query, std::size_t total,
                        std::span<const std::string> clients) {
  std::string body = R"({"total":)" + std::to_string(total) + R"(,"offset":)" +
                     std::to_string(query.offset) + R"(,"limit":)" + std::to_string(query.limit) +
                     R"(,"clients":[)";
  bool first = true;
  for (const auto& client : clients) {
    if (client.empty()) continue;  // gone since its endpoint was matched
    if (!first) body += ',';
    body += client;
    first = false;
  }
  body += "]}";
  return Response{200, std::move(body)};
}

}  // namespace drover::http
