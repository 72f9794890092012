#include "drover/http/api.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>
#include <cmath>
#include <vector>

#include "drover/http/json_values.hpp"
#include "drover/lwm2m/protocol/attributes.hpp"

namespace drover::http {

namespace json = boost::json;
using lwm2m::ContentFormat;
using lwm2m::Path;
using server::OperationStatus;

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  json::object inner{{"code", code}, {"message", message}};
  return {status, json::serialize(json::object{{"error", std::move(inner)}})};
}

namespace {

Response error(unsigned status, std::string_view code, std::string_view message) {
  return error_response(status, code, message);
}

Response ok(unsigned status, const json::value& body) { return {status, json::serialize(body)}; }

// Refusals of the core: nothing was sent.
Response error_of(server::Error e) {
  const std::string message(server::to_string(e));
  switch (e) {
    case server::Error::UnknownEndpoint:
      return error(404, "unknown_client", message);
    case server::Error::UnknownObservation:
      return error(404, "unknown_observation", message);
    case server::Error::InvalidPath:
      return error(400, "invalid_path", message);
    case server::Error::InvalidArgument:
      return error(400, "invalid_argument", message);
    case server::Error::UnsupportedFormat:
      return error(400, "unsupported_format", message);
    case server::Error::EncodeFailed:
      return error(400, "encode_failed", message);
    case server::Error::QueueFull:
      return error(429, "queue_full", message);
    case server::Error::TooManyOperations:
      return error(503, "too_many_operations", message);
    case server::Error::TooManyObservations:
      return error(503, "too_many_observations", message);
    case server::Error::Busy:
      return error(503, "busy", message);
    case server::Error::UnsupportedByVersion:
      return error(400, "unsupported_by_version", message);
  }
  return error(503, "busy", message);
}

struct StatusMapping {
  OperationStatus status;
  unsigned http;
  std::string_view code;
};
// What the device (or its silence) answered, as HTTP: its 4.xx mirrored, the rest a gateway error.
constexpr std::array<StatusMapping, 26> kStatusMap{{
    {OperationStatus::BadRequest, 400, "device_bad_request"},
    {OperationStatus::Unauthorized, 403, "device_unauthorized"},
    {OperationStatus::BadOption, 400, "device_bad_option"},
    {OperationStatus::Forbidden, 403, "device_forbidden"},
    {OperationStatus::NotFound, 404, "device_not_found"},
    {OperationStatus::MethodNotAllowed, 405, "device_method_not_allowed"},
    {OperationStatus::NotAcceptable, 406, "device_not_acceptable"},
    {OperationStatus::RequestEntityIncomplete, 400, "device_request_entity_incomplete"},
    {OperationStatus::Conflict, 409, "device_conflict"},
    {OperationStatus::PreconditionFailed, 412, "device_precondition_failed"},
    {OperationStatus::RequestEntityTooLarge, 413, "device_request_entity_too_large"},
    {OperationStatus::UnsupportedFormat, 415, "device_unsupported_format"},
    {OperationStatus::InternalServerError, 502, "device_internal_error"},
    {OperationStatus::NotImplemented, 502, "device_not_implemented"},
    {OperationStatus::BadGateway, 502, "device_bad_gateway"},
    {OperationStatus::ServiceUnavailable, 502, "device_service_unavailable"},
    {OperationStatus::GatewayTimeout, 502, "device_gateway_timeout"},
    {OperationStatus::ProxyingNotSupported, 502, "device_proxying_not_supported"},
    {OperationStatus::ServerError, 502, "device_server_error"},
    {OperationStatus::OtherError, 502, "device_error"},
    {OperationStatus::DecodeFailed, 502, "device_payload_invalid"},
    {OperationStatus::Timeout, 504, "device_timeout"},
    {OperationStatus::Reset, 502, "device_reset"},
    {OperationStatus::TransferFailed, 502, "device_transfer_failed"},
    {OperationStatus::QueueTimeout, 504, "device_asleep"},
    {OperationStatus::ClientGone, 410, "client_gone"},
}};

Response error_of(const server::OperationResult& r) {
  std::string message(server::to_string(r.status));
  if (r.code != coap::Code{}) message += " (" + r.code.to_string() + ")";
  if (!r.diagnostic.empty()) message += ": " + r.diagnostic;
  for (const auto& m : kStatusMap)
    if (m.status == r.status) return error(m.http, m.code, message);
  return error(502, "device_error", message);
}

struct FormatName {
  std::string_view name;
  ContentFormat format;
};
constexpr std::array<FormatName, 9> kFormats{{
    {"text", ContentFormat::Text},
    {"link", ContentFormat::LinkFormat},
    {"opaque", ContentFormat::OctetStream},
    {"cbor", ContentFormat::Cbor},
    {"senml-json", ContentFormat::SenmlJson},
    {"senml-cbor", ContentFormat::SenmlCbor},
    {"tlv", ContentFormat::Tlv},
    {"oma-json", ContentFormat::OmaJson},
    {"lwm2m-cbor", ContentFormat::Lwm2mCbor},
}};

std::optional<ContentFormat> format_from_name(std::string_view name) {
  for (const auto& f : kFormats)
    if (f.name == name) return f.format;
  return std::nullopt;
}

// Query options of the API itself, not passed on to the device (Write-Attributes takes the rest).
constexpr std::array<std::string_view, 3> kApiOptions{"format", "timeout", "names"};

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// The value of a query option of `url`, decoded.
std::optional<std::string> query_value(const boost::urls::url_view& url, std::string_view key) {
  auto it = url.params().find(key);
  if (it == url.params().end()) return std::nullopt;
  return std::string((*it).value);
}

}  // namespace

// One request being routed: its parsed URL and what the query options ask.
struct Api::Context {
  std::string_view method;
  std::string_view body;
  coap::TimePoint now;
  boost::urls::url_view url;
  server::RequestParams params;
  bool names = false;

  std::optional<std::string> query(std::string_view key) const { return query_value(url, key); }
  // An on/off option: "1" or "true" is on.
  bool flag(std::string_view key) const {
    const auto v = query(key);
    return v && (*v == "1" || *v == "true");
  }
};

Api::Api(server::Server& core, ApiConfig config) : core_(core), config_(config) {}

Reply Api::handle(const Request& request, coap::TimePoint now) {
  if (request.body.size() > config_.max_body_bytes)
    return error(413, "body_too_large",
                 "the body is larger than " + std::to_string(config_.max_body_bytes) + " bytes");
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  Context c{request.method, request.body, now, *url, {}, false};

  // Query options shared by the operations.
  if (auto f = c.query("format")) {
    const auto format = format_from_name(*f);
    if (!format) return error(400, "bad_format", "unknown format \"" + *f + "\"");
    // Read-like operations take it as Accept, writes as the payload's Content-Format.
    if (c.method == "GET")
      c.params.accept = format;
    else
      c.params.format = format;
  }
  if (auto t = c.query("timeout")) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), seconds);
    if (ec != std::errc{} || end != t->data() + t->size() || !std::isfinite(seconds) ||
        seconds <= 0 || seconds > static_cast<double>(config_.max_timeout.count()))
      return error(400, "bad_timeout",
                   "timeout must be seconds in (0, " + std::to_string(config_.max_timeout.count()) +
                       "]");
    c.params.timeout =
        std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(seconds));
  }
  c.names = c.flag("names");
  return route(c);
}

Reply Api::route(Context& c) {
  const auto segments = c.url.segments();
  std::vector<std::string> s(segments.begin(), segments.end());
  const Response unknown = error(404, "not_found", "no such route");
  if (s.size() == 1 && s[0] == "metrics") {
    if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
    return metrics();
  }
  if (s.size() == 2 && s[0] == "api" && s[1] == "events") {
    if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
    Subscribe subscribe{c.query("endpoint").value_or(""), c.names, c.flag("coap")};
    if (subscribe.coap && subscribe.endpoint.empty())
      return error(400, "bad_query", "coap=1 logs the messages of one client: add endpoint=");
    return subscribe;
  }
  if (s.size() == 2 && s[0] == "api" && s[1] == "openapi.json") {
    if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
    return Response{200, std::string(openapi_document())};
  }
  if (s.size() >= 2 && s.size() <= 3 && s[0] == "api" && s[1] == "models") {
    if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
    return models(c, s.size() == 3 ? std::string_view(s[2]) : std::string_view());
  }
  if (s.size() < 2 || s[0] != "api" || s[1] != "clients") return unknown;
  if (c.method != "GET" && c.method != "PUT" && c.method != "POST" && c.method != "DELETE")
    return error(405, "method_not_allowed", "use GET, PUT, POST or DELETE");
  if (s.size() == 2) return clients(c);
  const std::string& endpoint = s[2];
  if (s.size() == 3) return client(c, endpoint);
  // Checked before an operation starts, so that every started one is tracked.
  if (pending_.size() >= config_.max_pending)
    return error(503, "too_many_pending", "too many API operations are waiting for a result");
  if (s[3] == "composite") {
    if (s.size() != 5) return unknown;
    return composite(c, endpoint, s[4]);
  }
  // /{o}[/{i}[/{r}[/{ri}]]][/{action}]
  std::string_view action;
  std::size_t last = s.size();
  if (s.size() > 4 && (s.back() == "discover" || s.back() == "execute" ||
                       s.back() == "attributes" || s.back() == "observe")) {
    action = s.back();
    --last;
  }
  if (last - 3 > 4) return error(400, "invalid_path", "an LwM2M path has at most 4 levels");
  std::string text;
  for (std::size_t i = 3; i < last; ++i) text += "/" + s[i];
  const auto path = Path::parse(text);
  if (!path) return error(400, "invalid_path", "\"" + text + "\" is not an LwM2M path");
  return resource(c, endpoint, *path, action);
}

namespace {

std::int64_t unix_seconds(coap::TimePoint t, coap::TimePoint now,
                          const std::function<double()>& wall_clock) {
  // The core keeps steady-clock times; shown as wall-clock times relative to now.
  const double age = std::chrono::duration<double>(now - t).count();
  const double wall = wall_clock ? wall_clock() : std::chrono::duration<double>(
                                                      now.time_since_epoch())
                                                      .count();
  return static_cast<std::int64_t>(std::floor(wall - age));
}

json::object client_json(const server::Registration& r, const server::Server& core,
                         coap::TimePoint now) {
  const auto& wall = core.config().wall_clock;
  json::object o{
      {"endpoint", r.endpoint},
      {"location", "/rd/" + r.location},
      {"address", r.peer.to_string()},
      {"lifetime", r.lifetime},
      {"binding", r.binding},
      {"lwm2m_version", lwm2m::to_string(r.version)},
      {"queue_mode", r.queue_mode},
      {"awake", core.is_awake(r.endpoint)},
      {"root", r.objects->root},
      {"registered_at", unix_seconds(r.registered_at, now, wall)},
      {"updated_at", unix_seconds(r.updated_at, now, wall)},
      {"expires_at", unix_seconds(r.expires_at, now, wall)},
  };
  if (r.sms) o["sms"] = *r.sms;
  json::array formats;
  for (auto f : r.objects->content_formats) formats.push_back(f);
  o["content_formats"] = std::move(formats);
  json::array objects;
  for (const auto& obj : r.objects->objects) {
    json::object entry{{"id", obj.object_id}};
    if (obj.version) entry["version"] = *obj.version;
    json::array instances;
    for (auto i : obj.instances) instances.push_back(i);
    entry["instances"] = std::move(instances);
    objects.push_back(std::move(entry));
  }
  o["objects"] = std::move(objects);
  return o;
}

json::array records_json(const std::vector<lwm2m::Record>& records,
                         const lwm2m::ObjectRegistry* names) {
  json::array out;
  for (const auto& r : records) out.push_back(record_to_json(r, names));
  return out;
}

// The "values" array of a body, as records; a Response on error.
std::variant<std::vector<lwm2m::Record>, Response> body_records(const json::value& body,
                                                                const lwm2m::TypeResolver& types) {
  const auto* object = body.if_object();
  const auto* values = object ? object->if_contains("values") : nullptr;
  if (!values || !values->is_array() || values->get_array().empty())
    return error(400, "bad_body", "the body needs a non-empty \"values\" array");
  std::vector<lwm2m::Record> records;
  for (const auto& v : values->get_array()) {
    std::string why;
    auto record = record_from_json(v, types, why);
    if (!record) return error(400, "bad_value", why);
    records.push_back(std::move(*record));
  }
  return records;
}

std::variant<json::value, Response> parse_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) return error(400, "bad_json", "the body is not valid JSON: " + ec.message());
  return v;
}

}  // namespace

namespace {

std::variant<ClientQuery, Response> client_query_of(const boost::urls::url_view& url,
                                                    const ApiConfig& config) {
  const auto query = [&url](std::string_view key) { return query_value(url, key); };
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

}  // namespace

std::variant<ClientQuery, Response> client_query(std::string_view target,
                                                 const ApiConfig& config) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  return client_query_of(*url, config);
}

ClientMatches Api::client_matches(const ClientQuery& query) const {
  std::vector<const server::Registration*> matching;
  core_.registrations().for_each([&](const server::Registration& r) {
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

std::vector<std::string> Api::clients_json(std::span<const std::string> endpoints,
                                           coap::TimePoint now) const {
  std::vector<std::string> out;
  out.reserve(endpoints.size());
  for (const auto& endpoint : endpoints) {
    const auto* r = core_.registration(endpoint);
    out.push_back(r ? json::serialize(client_json(*r, core_, now)) : std::string());
  }
  return out;
}

bool Api::has_client(const std::string& endpoint) const {
  return core_.registration(endpoint) != nullptr;
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
  std::string body = R"({"total":)" + std::to_string(total) +
                     R"(,"offset":)" + std::to_string(query.offset) +
                     R"(,"limit":)" + std::to_string(query.limit) + R"(,"clients":[)";
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

Reply Api::clients(Context& c) {
  if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
  auto query = client_query_of(c.url, config_);
  if (auto* bad = std::get_if<Response>(&query)) return std::move(*bad);
  const auto& q = std::get<ClientQuery>(query);
  const ClientMatches matches = client_matches(q);
  std::vector<std::string> endpoints;
  for (auto& [part, endpoint] : client_page(q, {&matches, 1})) endpoints.push_back(endpoint);
  return client_listing(q, matches.total, clients_json(endpoints, c.now));
}

Reply Api::client(Context& c, const std::string& endpoint) {
  if (c.method != "GET") return error(405, "method_not_allowed", "use GET");
  const auto* r = core_.registration(endpoint);
  if (!r) return error(404, "unknown_client", "no client registered as \"" + endpoint + "\"");
  return ok(200, client_json(*r, core_, c.now));
}

Reply Api::resource(Context& c, const std::string& endpoint, const Path& path,
                    std::string_view action) {
  const auto& m = c.method;
  if (action == "observe") {
    if (m == "POST") return observe(c, endpoint, path);
    if (m == "DELETE") return cancel(c, endpoint, endpoint + " " + path.to_string());
    return error(405, "method_not_allowed", "use POST or DELETE");
  }
  if (action == "discover") {
    if (m != "GET") return error(405, "method_not_allowed", "use GET");
    std::optional<unsigned> depth;
    if (auto d = c.query("depth")) {
      auto n = parse_size(*d);
      if (!n || *n > 3) return error(400, "bad_query", "depth must be 0..3");
      depth = static_cast<unsigned>(*n);
    }
    return started(c, core_.discover(endpoint, path, depth, c.params, c.now), Kind::Discover,
                   endpoint, path);
  }
  if (action == "execute") {
    if (m != "POST") return error(405, "method_not_allowed", "use POST");
    return started(c, core_.execute(endpoint, path, c.body, c.params, c.now), Kind::Execute,
                   endpoint, path);
  }
  if (action == "attributes") {
    if (m != "PUT") return error(405, "method_not_allowed", "use PUT");
    // The query, minus the API's own options, read as LwM2M Uri-Query attributes.
    coap::Message queries;
    for (const auto& p : c.url.params()) {
      if (std::find(kApiOptions.begin(), kApiOptions.end(), p.key) != kApiOptions.end()) continue;
      queries.add_uri_queries(p.has_value ? p.key + "=" + p.value : p.key);
    }
    lwm2m::AttributeUpdate update;
    if (auto why = lwm2m::parse_attribute_queries(queries, update))
      return error(400, "bad_attributes", *why);
    if (update.set.empty() && update.cleared.empty())
      return error(400, "bad_attributes", "no attribute to set or clear");
    return started(c, core_.write_attributes(endpoint, path, update, c.params, c.now),
                   Kind::WriteAttributes, endpoint, path);
  }
  if (m == "GET")
    return started(c, core_.read(endpoint, path, c.params, c.now), Kind::Read, endpoint, path);
  if (m == "DELETE")
    return started(c, core_.delete_(endpoint, path, c.params, c.now), Kind::Delete, endpoint,
                   path);
  if (m != "PUT" && m != "POST")
    return error(405, "method_not_allowed", "use GET, PUT, POST or DELETE");

  auto body = parse_body(c.body);
  if (auto* e = std::get_if<Response>(&body)) return *e;
  auto records = body_records(std::get<json::value>(body), core_.objects());
  if (auto* e = std::get_if<Response>(&records)) return *e;
  const auto& values = std::get<std::vector<lwm2m::Record>>(records);

  if (path.level() == Path::Level::Object) {
    if (m != "POST") return error(405, "method_not_allowed", "create an instance with POST");
    std::optional<std::uint16_t> instance;
    if (const auto* i = std::get<json::value>(body).get_object().if_contains("instance")) {
      const auto id = i->is_int64() ? i->get_int64() : -1;
      if (id < 0 || id > lwm2m::max_id)
        return error(400, "bad_body", "\"instance\" must be an integer 0..65534");
      instance = static_cast<std::uint16_t>(id);
    }
    return started(c, core_.create(endpoint, path.object_id(), instance, values, c.params, c.now),
                   Kind::Create, endpoint, path);
  }
  const auto mode = m == "PUT" ? server::WriteMode::Replace : server::WriteMode::PartialUpdate;
  return started(c, core_.write(endpoint, path, values, mode, c.params, c.now), Kind::Write,
                 endpoint, path);
}

namespace {

json::object model_summary(const lwm2m::ObjectDef& d) {
  return json::object{{"id", d.id},
                      {"version", d.version.to_string()},
                      {"name", d.name},
                      {"lwm2m", d.lwm2m_version.to_string()},
                      {"multiple", d.multiple},
                      {"mandatory", d.mandatory}};
}

json::object model_json(const lwm2m::ObjectDef& d) {
  auto o = model_summary(d);
  o["urn"] = d.urn;
  o["description"] = d.description;
  json::array resources;
  for (const auto& r : d.resources)
    resources.push_back(json::object{
        {"id", r.id},
        {"name", r.name},
        {"operations", lwm2m::to_string(r.operations)},
        {"multiple", r.multiple},
        {"mandatory", r.mandatory},
        // A DDF leaves <Type> empty for Execute resources.
        {"type", r.type == lwm2m::DataType::None ? std::string_view() : lwm2m::to_string(r.type)},
        {"range", r.range},
        {"units", r.units},
        {"description", r.description}});
  o["resources"] = std::move(resources);
  return o;
}

}  // namespace

Response Api::models(const Context& c, std::string_view id) const {
  const auto& registry = core_.objects();
  if (id.empty()) {
    json::array list;
    for (const auto* d : registry.all()) list.push_back(model_summary(*d));  // by ID, version
    return ok(200, list);
  }
  const auto object_id = parse_size(id);
  if (!object_id || *object_id > lwm2m::max_id)
    return error(400, "bad_object_id", "the object ID must be an integer 0..65534");
  const auto oid = static_cast<std::uint16_t>(*object_id);
  const lwm2m::ObjectDef* def = nullptr;
  if (auto v = c.query("version")) {
    const auto version = lwm2m::Version::parse(*v);
    if (!version) return error(400, "bad_version", "version must be \"major.minor\"");
    def = registry.find(oid, *version);
    if (!def && registry.active(oid))
      return error(404, "unknown_version",
                   "object " + std::to_string(oid) + " has no version " + version->to_string());
  } else {
    def = registry.active(oid);
  }
  if (!def) return error(404, "unknown_object", "no model of object " + std::to_string(oid));
  return ok(200, model_json(*def));
}

namespace {

// The "paths" array of a composite body, as LwM2M paths; a Response on error.
std::variant<std::vector<Path>, Response> body_paths(const json::value& body) {
  const auto* object = body.if_object();
  const auto* list = object ? object->if_contains("paths") : nullptr;
  if (!list || !list->is_array() || list->get_array().empty())
    return error(400, "bad_body", "the body needs a non-empty \"paths\" array");
  std::vector<Path> paths;
  for (const auto& p : list->get_array()) {
    std::optional<Path> path;
    if (p.is_string()) path = Path::parse(p.get_string());
    if (!path) return error(400, "invalid_path", "\"paths\" must hold LwM2M path strings");
    paths.push_back(*path);
  }
  return paths;
}

// What identifies an observation started through the API: the client and its path, or its set
// of paths (in any order) for a composite one.
std::string observation_key(std::string_view endpoint, const Path& path,
                            std::span<const Path> paths) {
  std::string key(endpoint);
  if (paths.empty()) return key + " " + path.to_string();
  std::vector<Path> sorted(paths.begin(), paths.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  key += " composite";
  for (const auto& p : sorted) key += " " + p.to_string();
  return key;
}

}  // namespace

Reply Api::composite(Context& c, const std::string& endpoint, std::string_view action) {
  if (action != "read" && action != "write" && action != "observe")
    return error(404, "not_found", "composite operations are read, write and observe");
  if (action == "observe" ? c.method != "POST" && c.method != "DELETE" : c.method != "POST")
    return error(405, "method_not_allowed",
                 action == "observe" ? "use POST or DELETE" : "use POST");
  auto body = parse_body(c.body);
  if (auto* e = std::get_if<Response>(&body)) return *e;
  const auto& v = std::get<json::value>(body);
  if (action == "write") {
    auto records = body_records(v, core_.objects());
    if (auto* e = std::get_if<Response>(&records)) return *e;
    return started(c,
                   core_.write_composite(endpoint, std::get<std::vector<lwm2m::Record>>(records),
                                         c.params, c.now),
                   Kind::WriteComposite, endpoint, Path());
  }
  auto parsed = body_paths(v);
  if (auto* e = std::get_if<Response>(&parsed)) return *e;
  const auto& paths = std::get<std::vector<Path>>(parsed);
  if (action == "observe") {
    if (c.method == "DELETE") return cancel(c, endpoint, observation_key(endpoint, Path(), paths));
    return observe(c, endpoint, Path(), paths);
  }
  return started(c, core_.read_composite(endpoint, paths, c.params, c.now), Kind::ReadComposite,
                 endpoint, Path());
}

Reply Api::observe(Context& c, const std::string& endpoint, const Path& path,
                   std::span<const Path> paths) {
  const std::string key = observation_key(endpoint, path, paths);
  if (auto it = observations_.find(key); it != observations_.end())
    return error(409, "already_observed",
                 "observation " + std::to_string(it->second.value) + " already covers " +
                     (paths.empty() ? "this path" : "these paths"));
  const bool composite = !paths.empty();
  auto id = composite ? core_.observe_composite(endpoint, paths, c.params, c.now)
                      : core_.observe(endpoint, path, c.params, c.now);
  auto reply = started(c, id, composite ? Kind::ObserveComposite : Kind::Observe, endpoint, path);
  if (id) {
    observations_[key] = *id;
    observation_keys_[*id] = key;
  }
  return reply;
}

Reply Api::cancel(Context& c, const std::string& endpoint, const std::string& key) {
  auto mode = server::CancelMode::Passive;
  if (auto m = c.query("mode")) {
    if (*m == "active")
      mode = server::CancelMode::Active;
    else if (*m != "passive")
      return error(400, "bad_query", "mode must be passive or active");
  }
  if (!core_.registration(endpoint))
    return error(404, "unknown_client", "no client registered as \"" + endpoint + "\"");
  auto it = observations_.find(key);
  if (it == observations_.end())
    return error(404, "unknown_observation", "no observation started through the API matches");
  const auto id = it->second;
  if (auto p = pending_.find(id); p != pending_.end()) {
    // Its HTTP request waits for the first answer, which a cancel would never give.
    if (!p->second.queued)
      return error(409, "observe_pending", "the observe is not answered yet: cancel it after");
    pending_.erase(p);  // queued for a sleeping client: nobody waits for it
  }
  auto status = core_.cancel_observation(id, mode, c.now);
  forget_observation(id);
  if (!status) return error_of(status.error());
  return ok(200, json::object{{"cancelled", id.value}});
}

Reply Api::started(Context& c, const server::Result<server::OperationId>& id, Kind kind,
                   const std::string& endpoint, const Path& path) {
  if (!id) {
    ++operations_[static_cast<std::size_t>(kind)][kResults - 1];
    return error_of(id.error());
  }
  const auto* r = core_.registration(endpoint);
  const bool queued = r && r->queue_mode && !core_.is_awake(endpoint);
  pending_[*id] = PendingOp{kind, endpoint, path, c.now, c.names, queued};
  if (queued) return ok(202, json::object{{"id", (*id).value}, {"queued", true}});
  return Pending{*id};
}

std::optional<Completion> Api::on_event(const server::ServerEvent& event, coap::TimePoint now) {
  if (const auto* ended = std::get_if<server::ObservationEnded>(&event)) {
    forget_observation(ended->observation);
    return std::nullopt;
  }
  if (std::holds_alternative<server::Registered>(event)) ++registered_;
  if (std::holds_alternative<server::Updated>(event)) ++updated_;
  if (std::holds_alternative<server::Deregistered>(event)) ++deregistered_;
  if (std::holds_alternative<server::Expired>(event)) ++expired_;
  if (std::holds_alternative<server::Notification>(event)) ++notifications_;
  if (std::holds_alternative<server::SendReceived>(event)) ++sends_;
  const auto* done = std::get_if<server::OperationCompleted>(&event);
  if (!done) return std::nullopt;
  auto it = pending_.find(done->id);
  if (it == pending_.end()) return std::nullopt;
  const PendingOp op = std::move(it->second);
  pending_.erase(it);
  ++operations_[static_cast<std::size_t>(op.kind)][static_cast<std::size_t>(done->result.status)];
  auto& latency = latency_[static_cast<std::size_t>(op.kind)];
  const double seconds = std::max(0.0, std::chrono::duration<double>(now - op.started).count());
  const auto bucket = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  ++latency.buckets[static_cast<std::size_t>(bucket - kLatencyBounds.begin())];
  latency.sum += seconds;
  ++latency.count;
  const bool observe = op.kind == Kind::Observe || op.kind == Kind::ObserveComposite;
  if (observe && !done->result.observing) forget_observation(done->id);
  return Completion{done->id, completed(op, done->id, done->result), op.queued};
}

Response Api::completed(const PendingOp& op, server::OperationId id,
                        const server::OperationResult& result) {
  if (result.status != OperationStatus::Success) return error_of(result);
  json::object body{{"id", id.value}, {"code", result.code.to_string()}};
  const lwm2m::ObjectRegistry* names = op.names ? &core_.objects() : nullptr;
  switch (op.kind) {
    case Kind::Read:
    case Kind::ReadComposite:
    case Kind::Observe:
    case Kind::ObserveComposite:
      if (result.format) body["format"] = lwm2m::to_string(*result.format);
      body["values"] = records_json(result.records, names);
      if (op.kind == Kind::Observe || op.kind == Kind::ObserveComposite)
        body["observing"] = result.observing;
      break;
    case Kind::Discover: {
      json::array links;
      for (const auto& link : result.links) {
        json::object attributes;
        for (const auto& a : link.attributes) {
          if (a.value)
            attributes[a.name] = *a.value;
          else
            attributes[a.name] = nullptr;
        }
        links.push_back(json::object{{"target", link.target}, {"attributes", attributes}});
      }
      body["links"] = std::move(links);
      break;
    }
    case Kind::Create:
      if (result.created) body["created"] = result.created->to_string();
      return ok(201, body);
    case Kind::Write:
    case Kind::WriteAttributes:
    case Kind::Execute:
    case Kind::Delete:
    case Kind::WriteComposite:
      break;
  }
  return ok(200, body);
}

namespace {

json::object endpoint_json(const server::Registration& r) {
  return json::object{{"endpoint", r.endpoint}, {"location", "/rd/" + r.location}};
}

// Notification and Send data: the values in the API's JSON form, or why they could not be read.
void add_records(json::object& o, std::optional<ContentFormat> format,
                 const std::vector<lwm2m::Record>& records, const std::string& diagnostic,
                 const lwm2m::ObjectRegistry* names) {
  if (format) o["format"] = lwm2m::to_string(*format);
  o["values"] = records_json(records, names);
  if (!diagnostic.empty()) o["diagnostic"] = diagnostic;
}

}  // namespace

std::optional<StreamEvent> Api::stream_event(const server::ServerEvent& event,
                                             const std::optional<Completion>& completion,
                                             coap::TimePoint now, bool names) const {
  const lwm2m::ObjectRegistry* registry = names ? &core_.objects() : nullptr;
  return std::visit(
      [&](const auto& e) -> std::optional<StreamEvent> {
        using T = std::decay_t<decltype(e)>;
        const auto make = [](std::string_view type, const std::string& endpoint,
                             const json::object& data) {
          return StreamEvent{type, endpoint, json::serialize(data)};
        };
        if constexpr (std::is_same_v<T, server::Registered>) {
          return make("registration", e.registration.endpoint,
                      client_json(e.registration, core_, now));
        } else if constexpr (std::is_same_v<T, server::Updated>) {
          auto data = client_json(e.registration, core_, now);
          data["objects_changed"] = e.objects_changed;
          return make("update", e.registration.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::Deregistered>) {
          return make("deregistration", e.registration.endpoint, endpoint_json(e.registration));
        } else if constexpr (std::is_same_v<T, server::Expired>) {
          return make("expiry", e.registration.endpoint, endpoint_json(e.registration));
        } else if constexpr (std::is_same_v<T, server::Sleeping>) {
          return make("sleeping", e.endpoint, json::object{{"endpoint", e.endpoint}});
        } else if constexpr (std::is_same_v<T, server::Awake>) {
          return make("awake", e.endpoint, json::object{{"endpoint", e.endpoint}});
        } else if constexpr (std::is_same_v<T, server::Notification>) {
          json::object data{{"endpoint", e.endpoint},
                            {"observation", e.observation.value},
                            {"code", e.code.to_string()}};
          add_records(data, e.format, e.records, e.diagnostic, registry);
          return make("notification", e.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::SendReceived>) {
          json::object data{{"endpoint", e.endpoint}};
          add_records(data, e.format, e.records, {}, registry);
          return make("send", e.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::OperationCompleted>) {
          // Only results nobody waits for: those of operations answered 202.
          if (!completion || !completion->queued) return std::nullopt;
          json::object data{{"endpoint", e.endpoint},
                            {"id", e.id.value},
                            {"status", completion->response.status},
                            {"response", json::parse(completion->response.body)}};
          return make("result", e.endpoint, data);
        } else {
          // Replaced (a Registered follows) and ObservationEnded are not streamed.
          return std::nullopt;
        }
      },
      event);
}

namespace {

constexpr std::array<std::string_view, 11> kKindNames{
    "read",           "discover",        "write",   "write_attributes",
    "execute",        "create",          "delete",  "read_composite",
    "write_composite", "observe",        "observe_composite"};

void metric_header(std::string& out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            std::uint64_t value) {
  metric_header(out, name, type, help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

// Shortest text that reads back as `v` (Prometheus takes Go float syntax: "0.25", "1e-05").
std::string number(double v) {
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

}  // namespace

Response Api::metrics() const {
  static_assert(static_cast<std::size_t>(OperationStatus::ClientGone) + 2 == kResults);
  const auto counts = core_.counts();
  std::string out;
  metric(out, "drover_registrations", "gauge", "Clients registered now.", counts.registrations);
  metric_header(out, "drover_registration_events_total", "counter",
                "Registration interface events: register, update, deregister, expire.");
  for (const auto& [name, n] : {std::pair<std::string_view, std::uint64_t>{"register", registered_},
                                {"update", updated_},
                                {"deregister", deregistered_},
                                {"expire", expired_}})
    out.append("drover_registration_events_total{event=\"")
        .append(name)
        .append("\"} ")
        .append(std::to_string(n))
        .append("\n");
  metric(out, "drover_observations", "gauge", "Observations established or pending.",
         counts.observations);
  metric(out, "drover_queued_requests", "gauge",
         "Requests and observations waiting for a sleeping client.", counts.queued);
  metric(out, "drover_operations_in_flight", "gauge",
         "Operations in flight or queued in the server core.", counts.operations);
  metric(out, "drover_api_pending_operations", "gauge",
         "Operations started through the API and not completed yet.", pending_.size());
  metric_header(out, "drover_api_operations_total", "counter",
                "Operations started through the HTTP API, by operation and result (refused: the "
                "server did not send it).");
  for (std::size_t k = 0; k < kKinds; ++k) {
    for (std::size_t r = 0; r < kResults; ++r) {
      if (operations_[k][r] == 0) continue;
      std::string result(r + 1 == kResults ? "refused"
                                           : server::to_string(static_cast<OperationStatus>(r)));
      std::replace(result.begin(), result.end(), ' ', '_');  // "not found" -> not_found
      out.append("drover_api_operations_total{operation=\"")
          .append(kKindNames[k])
          .append("\",result=\"")
          .append(result)
          .append("\"} ")
          .append(std::to_string(operations_[k][r]))
          .append("\n");
    }
  }
  metric_header(out, "drover_api_operation_duration_seconds", "histogram",
                "Time from the API call to the operation's completion (the device's answer, a "
                "timeout, or the end of the registration), queue included, by operation.");
  for (std::size_t k = 0; k < kKinds; ++k) {
    const auto& h = latency_[k];
    const std::string label = "operation=\"" + std::string(kKindNames[k]) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < h.buckets.size(); ++b) {
      cumulative += h.buckets[b];
      const std::string le = b < kLatencyBounds.size() ? number(kLatencyBounds[b]) : "+Inf";
      out.append("drover_api_operation_duration_seconds_bucket{")
          .append(label)
          .append(",le=\"")
          .append(le)
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    out.append("drover_api_operation_duration_seconds_sum{")
        .append(label)
        .append("} ")
        .append(number(h.sum))
        .append("\n");
    out.append("drover_api_operation_duration_seconds_count{")
        .append(label)
        .append("} ")
        .append(std::to_string(h.count))
        .append("\n");
  }
  metric(out, "drover_notifications_total", "counter", "Notifications received.",
         notifications_);
  metric(out, "drover_sends_total", "counter", "Send requests (POST /dp) received.", sends_);
  return Response{200, std::move(out), "text/plain; version=0.0.4; charset=utf-8"};
}

std::string merge_metrics(std::span<const std::string> texts) {
  struct Family {
    std::string name;
    std::vector<std::string> headers;                     // # HELP, # TYPE
    std::vector<std::pair<std::string, double>> samples;  // by "name{labels}", summed
  };
  std::vector<Family> families;
  for (const auto& text : texts) {
    Family* family = nullptr;
    std::size_t at = 0;
    while (at < text.size()) {
      std::size_t end = text.find('\n', at);
      if (end == std::string::npos) end = text.size();
      const std::string_view line(text.data() + at, end - at);
      at = end + 1;
      if (line.starts_with("# ")) {  // "# HELP name text" / "# TYPE name type"
        const auto name_at = line.find(' ', 2);
        if (name_at == std::string_view::npos) continue;
        const auto name = line.substr(name_at + 1, line.find(' ', name_at + 1) - name_at - 1);
        auto it = std::find_if(families.begin(), families.end(),
                               [&](const Family& f) { return f.name == name; });
        if (it == families.end()) {
          families.push_back({std::string(name), {}, {}});
          it = families.end() - 1;
        }
        family = &*it;
        if (std::find(family->headers.begin(), family->headers.end(), line) ==
            family->headers.end())
          family->headers.emplace_back(line);
        continue;
      }
      const auto space = line.rfind(' ');
      if (!family || space == std::string_view::npos) continue;
      double value = 0;
      const auto v = line.substr(space + 1);
      std::from_chars(v.data(), v.data() + v.size(), value);
      const auto key = line.substr(0, space);
      auto it = std::find_if(family->samples.begin(), family->samples.end(),
                             [&](const auto& sample) { return sample.first == key; });
      if (it == family->samples.end())
        family->samples.emplace_back(std::string(key), value);
      else
        it->second += value;
    }
  }
  std::string out;
  for (const auto& f : families) {
    for (const auto& h : f.headers) out.append(h).append("\n");
    for (const auto& [key, value] : f.samples)
      out.append(key).append(" ").append(number(value)).append("\n");
  }
  return out;
}

void Api::forget_observation(server::OperationId id) {
  auto it = observation_keys_.find(id);
  if (it == observation_keys_.end()) return;
  observations_.erase(it->second);
  observation_keys_.erase(it);
}

}  // namespace drover::http
