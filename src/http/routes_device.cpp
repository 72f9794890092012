// /api/clients/{endpoint}/...: the LwM2M device-management and information-reporting operations
// on one client: Read, Discover, Write, Write-Attributes, Execute, Create, Delete, Observe and
// its cancel, and the composite ones.
#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "api_impl.hpp"
#include "drover/lwm2m/protocol/attributes.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;
using lwm2m::Path;

namespace {

// Query options of the API itself, not passed on to the device (Write-Attributes takes the rest).
constexpr std::array<std::string_view, 3> kApiOptions{"format", "timeout", "names"};

Reply composite(Api::Impl& api, RouteRequest& c, const std::string& endpoint,
                std::string_view action) {
  auto& core = api.core;
  if (action != "read" && action != "write" && action != "observe")
    return error(404, "not_found", "composite operations are read, write and observe");
  if (action == "observe" ? c.method != "POST" && c.method != "DELETE" : c.method != "POST")
    return method_not_allowed(action == "observe" ? "POST, DELETE" : "POST");
  auto body = parse_body(c.body);
  if (auto* e = std::get_if<Response>(&body)) return *e;
  const auto& v = std::get<json::value>(body);
  if (action == "write") {
    auto records = body_records(v, core.objects());
    if (auto* e = std::get_if<Response>(&records)) return *e;
    return api.started(c,
                       core.write_composite(endpoint, std::get<std::vector<lwm2m::Record>>(records),
                                            c.params, c.now),
                       Operation::WriteComposite, endpoint, Path());
  }
  auto parsed = body_paths(v);
  if (auto* e = std::get_if<Response>(&parsed)) return *e;
  const auto& paths = std::get<std::vector<Path>>(parsed);
  if (action == "observe") {
    if (c.method == "DELETE")
      return api.cancel(c, endpoint, observation_key(endpoint, Path(), paths));
    return api.observe(c, endpoint, Path(), paths);
  }
  return api.started(c, core.read_composite(endpoint, paths, c.params, c.now),
                     Operation::ReadComposite, endpoint, Path());
}

Reply resource(Api::Impl& api, RouteRequest& c, const std::string& endpoint, const Path& path,
               std::string_view action) {
  auto& core = api.core;
  const auto& m = c.method;
  if (action == "observe") {
    if (m == "POST") return api.observe(c, endpoint, path);
    if (m == "DELETE") return api.cancel(c, endpoint, observation_key(endpoint, path, {}));
    return method_not_allowed("POST, DELETE");
  }
  if (action == "discover") {
    if (m != "GET") return method_not_allowed("GET");
    std::optional<unsigned> depth;
    if (auto d = c.query("depth")) {
      auto n = parse_size(*d);
      if (!n || *n > 3) return error(400, "bad_query", "depth must be 0..3");
      depth = static_cast<unsigned>(*n);
    }
    return api.started(c, core.discover(endpoint, path, depth, c.params, c.now),
                       Operation::Discover, endpoint, path);
  }
  if (action == "execute") {
    if (m != "POST") return method_not_allowed("POST");
    return api.started(c, core.execute(endpoint, path, c.body, c.params, c.now), Operation::Execute,
                       endpoint, path);
  }
  if (action == "attributes") {
    if (m != "PUT") return method_not_allowed("PUT");
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
    return api.started(c, core.write_attributes(endpoint, path, update, c.params, c.now),
                       Operation::WriteAttributes, endpoint, path);
  }
  if (m == "GET")
    return api.started(c, core.read(endpoint, path, c.params, c.now), Operation::Read, endpoint,
                       path);
  if (m == "DELETE")
    return api.started(c, core.delete_(endpoint, path, c.params, c.now), Operation::Delete,
                       endpoint, path);

  auto body = parse_body(c.body);
  if (auto* e = std::get_if<Response>(&body)) return *e;
  auto records = body_records(std::get<json::value>(body), core.objects());
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
    return api.started(c,
                       core.create(endpoint, path.object_id(), instance, values, c.params, c.now),
                       Operation::Create, endpoint, path);
  }
  const auto mode = m == "PUT" ? server::WriteMode::Replace : server::WriteMode::PartialUpdate;
  return api.started(c, core.write(endpoint, path, values, mode, c.params, c.now), Operation::Write,
                     endpoint, path);
}

}  // namespace

Reply device_operation(Api::Impl& api, RouteRequest& c, const std::string& endpoint) {
  const auto& s = c.segments;
  // Checked before an operation starts, so that every started one is tracked.
  if (api.pending.size() >= api.config.max_pending)
    return error(503, "too_many_pending", "too many API operations are waiting for a result");
  if (s[3] == "composite") {
    if (s.size() != 5) return error(404, "not_found", "no such route");
    return composite(api, c, endpoint, s[4]);
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
  return resource(api, c, endpoint, *path, action);
}

}  // namespace drover::http
