// /api/clients: the listing of registrations (in endpoint order, by cursor, prefix or offset, and
// filtered), one registration, and below it the device operations (routes_device.cpp).
#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <unordered_map>

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
  const auto bad = [](std::string_view message) { return error(400, "bad_query", message); };
  ClientQuery q;
  q.limit = config.default_page;
  q.after = query("after").value_or("");
  q.prefix = query("prefix").value_or("");
  q.contains = query("endpoint").value_or("");
  q.binding = query("binding").value_or("");
  if (auto o = query("offset")) {
    auto n = parse_size(*o);
    if (!n) return bad("offset must be a non-negative integer");
    q.offset = *n;
  }
  if (auto l = query("limit")) {
    auto n = parse_size(*l);
    if (!n || *n == 0 || *n > config.max_page)
      return bad("limit must be an integer in [1, " + std::to_string(config.max_page) + "]");
    q.limit = *n;
  }
  if (auto o = query("object")) {
    auto n = parse_size(*o);
    if (!n || *n > 65534) return bad("object must be an object ID, 0..65534");
    q.object = static_cast<std::uint16_t>(*n);
  }
  if (auto v = query("version")) {
    q.version = lwm2m::lwm2m_version_from_string(*v);
    if (!q.version) return bad("version must be 1.0, 1.1 or 1.2");
  }
  if (auto m = query("queue_mode")) {
    if (*m != "true" && *m != "false") return bad("queue_mode must be true or false");
    q.queue_mode = *m == "true";
  }
  for (auto [key, into] :
       {std::pair{"seen_within", &q.seen_within}, std::pair{"not_seen_for", &q.not_seen_for}}) {
    if (auto s = query(key)) {
      auto n = parse_size(*s);
      if (!n || *n > 100ull * 365 * 86400)
        return bad(std::string(key) + " must be a number of seconds");
      *into = std::chrono::seconds(*n);
    }
  }
  if (q.scans() && q.offset > 0)
    return bad("offset goes with prefix alone; a filtered listing continues with after=next");
  return q;
}

// The first name after every name that starts with `prefix`; nullopt when there is none.
std::optional<std::string> past_prefix(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

bool matches(const ClientQuery& q, const server::Registration& r, coap::TimePoint now) {
  if (!q.contains.empty() && r.endpoint.find(q.contains) == std::string::npos) return false;
  if (q.object && !r.object(*q.object)) return false;
  if (q.version && r.version != *q.version) return false;
  for (char letter : q.binding)
    if (r.binding.find(letter) == std::string::npos) return false;
  if (q.queue_mode && r.queue_mode != *q.queue_mode) return false;
  if (q.seen_within && now - r.updated_at > *q.seen_within) return false;
  if (q.not_seen_for && now - r.updated_at < *q.not_seen_for) return false;
  return true;
}

ClientPage page_of(const server::Server& core, const ClientQuery& q, std::size_t max_scan,
                   coap::TimePoint now) {
  const auto& store = core.registrations();
  // The range [begin, end) of ranks with the prefix, and where the page starts in it.
  const std::size_t begin = q.prefix.empty() ? 0 : store.rank(q.prefix);
  const auto past = past_prefix(q.prefix);
  const std::size_t end = past ? store.rank(*past) : store.size();
  std::size_t start = begin;
  if (!q.after.empty())
    start = std::max(start, store.rank(q.after) + (store.find_by_endpoint(q.after) ? 1 : 0));
  start += q.offset;
  ClientPage page;
  if (!q.scans()) page.total = end - begin;
  if (start >= end) return page;
  const std::size_t remaining = end - start;
  const std::size_t reach = q.scans() ? std::min(remaining, max_scan) : remaining;
  std::size_t looked = 0;
  store.visit_in_order(start, [&](const server::Registration& r) {
    ++looked;
    if (matches(q, r, now)) page.endpoints.push_back(r.endpoint);
    const bool full = page.endpoints.size() == q.limit;
    if (looked < remaining && (full || looked == reach)) page.next = r.endpoint;
    return !full && looked < reach;
  });
  return page;
}

// The JSON text of each client; empty for one no longer registered. A page costs the loop its
// size, so each client's fields are built in a buffer on the stack, and each object list shared
// by clients (a fleet of one product) is written once.
std::vector<std::string> clients_of(const server::Server& core,
                                    std::span<const std::string> endpoints, coap::TimePoint now) {
  std::vector<std::string> out;
  out.reserve(endpoints.size());
  std::unordered_map<const lwm2m::RegistrationPayload*, std::string> object_lists;
  for (const auto& endpoint : endpoints) {
    const auto* r = core.registration(endpoint);
    if (!r) {
      out.emplace_back();
      continue;
    }
    std::array<unsigned char, 2048> buffer;
    json::monotonic_resource storage(buffer.data(), buffer.size());
    std::string text = json::serialize(client_fields_json(*r, core, now, &storage));
    auto& objects = object_lists[r->objects.get()];
    if (objects.empty()) {
      json::object o;
      add_objects_json(o, *r->objects);
      objects = json::serialize(o);
      objects.front() = ',';  // its members continue the client's object
    }
    text.pop_back();  // '}'
    out.push_back(text += objects);
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
    const ClientPage part = page_of(api_.core, q, api_.config.max_scan, r.now);
    const MergedPage page = merge_client_pages(q.limit, {&part, 1});
    return client_listing(q, page, clients_of(api_.core, part.endpoints, r.now));
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

bool ClientQuery::scans() const {
  return !contains.empty() || object || version || !binding.empty() || queue_mode || seen_within ||
         not_seen_for;
}

std::unique_ptr<RouteFamily> client_routes(Api::Impl& api) {
  return std::make_unique<ClientRoutes>(api);
}

std::variant<ClientQuery, Response> client_query(std::string_view target, const ApiConfig& config) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  return client_query_of(*url, config);
}

ClientPage Api::client_page(const ClientQuery& query, coap::TimePoint now) const {
  return page_of(impl_->core, query, impl_->config.max_scan, now);
}

std::vector<std::string> Api::clients_json(std::span<const std::string> endpoints,
                                           coap::TimePoint now) const {
  return clients_of(impl_->core, endpoints, now);
}

bool Api::has_client(const std::string& endpoint) const {
  return impl_->core.registration(endpoint) != nullptr;
}

MergedPage merge_client_pages(std::size_t limit, std::span<const ClientPage> parts) {
  // Every part has looked at least as far as the least of their continuations.
  std::optional<std::string> reached;
  MergedPage out{{}, std::size_t{0}, {}};
  for (const auto& part : parts) {
    if (part.next && (!reached || *part.next < *reached)) reached = part.next;
    if (out.total && part.total)
      *out.total += *part.total;
    else
      out.total.reset();
  }
  for (std::size_t p = 0; p < parts.size(); ++p)
    for (const auto& endpoint : parts[p].endpoints)
      if (!reached || endpoint <= *reached) out.endpoints.emplace_back(p, endpoint);
  std::stable_sort(out.endpoints.begin(), out.endpoints.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  if (out.endpoints.size() > limit) {
    out.endpoints.resize(limit);
    out.next = out.endpoints.back().second;
  } else {
    out.next = std::move(reached);
  }
  return out;
}

Response client_listing(const ClientQuery& query, const MergedPage& page,
                        std::span<const std::string> clients) {
  const auto or_null = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  std::string body = R"({"total":)" + json::serialize(or_null(page.total)) + R"(,"offset":)" +
                     std::to_string(query.offset) + R"(,"limit":)" + std::to_string(query.limit) +
                     R"(,"next":)" + json::serialize(or_null(page.next)) + R"(,"clients":[)";
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
