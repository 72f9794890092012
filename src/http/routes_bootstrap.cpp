// /api/bootstrap (bootstrap_routes.hpp), and an API of route families alone.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "drover/http/bootstrap_routes.hpp"
#include "drover/http/metrics.hpp"
#include "errors.hpp"
#include "name_pages.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;

namespace {

constexpr std::string_view kPaths = R"json({
  "/api/bootstrap/configs": {"get": {"summary": "The bootstrap configurations by endpoint name (\"*\": the default), a page at a time; secrets masked",
    "operationId": "listBootstrapConfigs",
    "parameters": [
      {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "only names after this one: the next of the previous page"},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
    "responses": {"200": {"description": "the configurations", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"configs": {"type": "array", "items": {"type": "object", "properties": {
        "endpoint": {"type": "string"}, "config": {"$ref": "#/components/schemas/BootstrapConfig"}}}},
        "next": {"type": "string", "nullable": true}}}}}},
      "400": {"$ref": "#/components/responses/Error"}}}},
  "/api/bootstrap/configs/{name}": {
    "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"},
      "description": "the endpoint client name, or * for the default of unknown names"}],
    "get": {"summary": "One bootstrap configuration; secrets masked", "operationId": "getBootstrapConfig",
      "responses": {"200": {"description": "the configuration", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BootstrapConfig"}}}},
        "404": {"$ref": "#/components/responses/Error"}}},
    "put": {"summary": "Store a bootstrap configuration: refused (400, with the reason) when it would leave a device without a usable server",
      "operationId": "putBootstrapConfig",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BootstrapConfig"}}}},
      "responses": {"200": {"description": "replaced; the stored configuration, secrets masked"},
        "201": {"description": "created; the stored configuration, secrets masked"},
        "400": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Remove a bootstrap configuration", "operationId": "deleteBootstrapConfig",
      "responses": {"200": {"description": "removed"}, "404": {"$ref": "#/components/responses/Error"}}}},
  "/api/bootstrap/sessions": {"post": {"summary": "Bootstrap a device at its address (server-initiated bootstrap) with its configuration",
    "operationId": "startBootstrapSession",
    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["endpoint", "address"],
      "properties": {"endpoint": {"type": "string"}, "address": {"type": "string", "description": "the device's CoAP address, 1.2.3.4:5683 or [::1]:5683"}}}}}},
    "responses": {"202": {"description": "started: its steps and outcome follow on the event stream (bootstrap events)",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"session": {"type": "integer"}, "endpoint": {"type": "string"}}}}}},
      "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
      "409": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
  "/api/bootstrap/metrics": {"get": {"summary": "The bootstrap server's counters", "operationId": "bootstrapMetrics",
    "responses": {"200": {"description": "sessions under way and counts since the start", "content": {"application/json": {}}},
      "404": {"$ref": "#/components/responses/Error"}}}}
})json";

// An entry of the listing (the BootstrapConfig schema is in the API's document, openapi.cpp).
json::object config_with_endpoint(std::string_view name, const bootstrap::BootstrapConfig& c) {
  json::object o;
  o["endpoint"] = name;
  o["config"] = json::parse(bootstrap::to_json(c, true));
  return o;
}

}  // namespace

BootstrapRoutes::BootstrapRoutes(bootstrap::BootstrapConfigs& configs,
                                 bootstrap::BootstrapServer* server)
    : configs_(configs), server_(server) {}

bool BootstrapRoutes::takes(const RouteRequest& r) const {
  if (r.segments.size() == 3 &&
      (r.under({"api", "bootstrap", "metrics"}) || r.under({"api", "bootstrap", "sessions"})))
    return true;
  return r.under({"api", "bootstrap", "configs"}) && r.segments.size() <= 4;
}

Reply BootstrapRoutes::start_session(RouteRequest& r) {
  if (r.method != "POST") return method_not_allowed("POST");
  if (!server_) return error(404, "no_bootstrap_server", "no bootstrap server runs here");
  auto parsed = parse_body(r.body);
  if (auto* reply = std::get_if<Response>(&parsed)) return std::move(*reply);
  const auto* o = std::get<json::value>(parsed).if_object();
  const json::value* endpoint = o ? o->if_contains("endpoint") : nullptr;
  const json::value* address = o ? o->if_contains("address") : nullptr;
  if (!endpoint || !endpoint->is_string() || endpoint->as_string().empty() || !address ||
      !address->is_string())
    return error(400, "bad_body", "the body must be {\"endpoint\": NAME, \"address\": HOST:PORT}");
  const auto peer = coap::PeerAddress::parse(address->as_string());
  if (!peer)
    return error(400, "bad_address",
                 "address must be an IP address and a port: 1.2.3.4:5683 or [::1]:5683");
  const std::string name(endpoint->as_string());
  const auto started = server_->start(name, *peer, r.now);
  if (!started) {
    switch (started.error()) {
      case bootstrap::Error::UnknownEndpoint:
        return error(404, "unknown_config",
                     "no bootstrap configuration for " + name + " and no default (*)");
      case bootstrap::Error::SessionExists:
        return error(409, "session_exists", name + " is being bootstrapped already");
      case bootstrap::Error::TooManySessions:
      case bootstrap::Error::Busy:
        return error(503, "busy", std::string(bootstrap::to_string(started.error())));
    }
  }
  if (wake_) wake_();
  json::object out;
  out["session"] = started.value();
  out["endpoint"] = name;
  return ok(202, out);
}

Reply BootstrapRoutes::handle(RouteRequest& r) {
  if (r.segments[2] == "sessions") return start_session(r);
  if (r.segments[2] == "metrics") {
    if (r.method != "GET") return method_not_allowed("GET");
    if (!server_) return error(404, "no_bootstrap_server", "no bootstrap server runs here");
    const auto& s = server_->stats();
    json::object o;
    o["sessions"] = server_->sessions();
    o["requests"] = s.requests;
    o["started"] = s.started;
    o["finished"] = s.finished;
    o["failed"] = s.failed;
    o["refused_unknown"] = s.refused_unknown;
    o["refused_format"] = s.refused_format;
    o["refused_busy"] = s.refused_busy;
    o["refused_identity"] = s.refused_identity;
    o["packs"] = s.packs;
    o["events_dropped"] = s.events_dropped;
    return ok(200, o);
  }
  if (r.segments.size() == 3) {
    if (r.method != "GET") return method_not_allowed("GET");
    return name_page(r, configs_.all(), "configs", config_with_endpoint);
  }
  const std::string& name = r.segments[3];
  if (r.method == "GET") {
    const auto* config = configs_.get(name);
    if (!config) return error(404, "unknown_config", "no bootstrap configuration named " + name);
    return Response{200, bootstrap::to_json(*config, true)};
  }
  if (r.method == "PUT") {
    auto parsed = bootstrap::config_from_json(r.body);
    if (!parsed) return error(400, "bad_config", parsed.error());
    const bool existed = configs_.get(name) != nullptr;
    if (auto why = configs_.put(name, std::move(parsed).value()))
      return error(400, "bad_config", *why);
    return Response{existed ? 200u : 201u, bootstrap::to_json(*configs_.get(name), true)};
  }
  if (r.method == "DELETE") {
    if (!configs_.erase(name))
      return error(404, "unknown_config", "no bootstrap configuration named " + name);
    json::object o;
    o["deleted"] = name;
    return ok(200, o);
  }
  return method_not_allowed("GET, PUT, DELETE");
}

std::string_view BootstrapRoutes::openapi_paths() const {
  return kPaths;
}

std::string BootstrapRoutes::prometheus_metrics() const {
  if (!server_) return {};
  const auto& s = server_->stats();
  std::string out;
  prometheus_metric(out, "drover_bootstrap_sessions", "gauge", "Bootstrap sessions under way.",
                    server_->sessions());
  prometheus_metric(out, "drover_bootstrap_requests_total", "counter",
                    "Bootstrap-Requests accepted (answered 2.04).", s.requests);
  prometheus_metric(out, "drover_bootstrap_started_total", "counter",
                    "Bootstrap sessions started, client- or server-initiated.", s.started);
  prometheus_metric(out, "drover_bootstrap_finished_total", "counter",
                    "Bootstrap sessions ended by an accepted Bootstrap-Finish.", s.finished);
  prometheus_metric(out, "drover_bootstrap_failed_total", "counter", "Bootstrap sessions failed.",
                    s.failed);
  prometheus_header(
      out, "drover_bootstrap_refused_total", "counter",
      "Bootstrap-Requests and Bootstrap-Pack-Requests refused, by reason: unknown "
      "(4.00, no configuration or a bad query), format (4.15, 4.06), busy (5.03), "
      "identity (4.03: not the DTLS identity's endpoint, or NoSec for a secured one).");
  for (const auto& [reason, n] :
       {std::pair<std::string_view, std::uint64_t>{"unknown", s.refused_unknown},
        {"format", s.refused_format},
        {"busy", s.refused_busy},
        {"identity", s.refused_identity}})
    out.append("drover_bootstrap_refused_total{reason=\"")
        .append(reason)
        .append("\"} ")
        .append(std::to_string(n))
        .append("\n");
  prometheus_metric(out, "drover_bootstrap_packs_total", "counter",
                    "Bootstrap-Pack-Requests answered (LwM2M 1.2).", s.packs);
  return out;
}

StreamEvent stream_event(const bootstrap::BootstrapEvent& event) {
  json::object o;
  std::string endpoint;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        endpoint = e.endpoint;
        o["endpoint"] = e.endpoint;
        if constexpr (std::is_same_v<T, bootstrap::PackServed>) {
          o["event"] = "pack";
          o["peer"] = e.peer.to_string();
          o["format"] = lwm2m::to_string(e.format);
        } else {
          o["session"] = e.session;
          if constexpr (std::is_same_v<T, bootstrap::Started>) {
            o["event"] = "started";
            o["peer"] = e.peer.to_string();
            o["server_initiated"] = e.server_initiated;
            o["format"] = lwm2m::to_string(e.format);
          } else if constexpr (std::is_same_v<T, bootstrap::StepDone>) {
            o["event"] = "step";
            o["step"] = bootstrap::to_string(e.step);
            o["path"] = e.step == bootstrap::Step::Finish ? "/bs" : e.path.to_string();
            o["code"] = e.result.code.to_string();
          } else if constexpr (std::is_same_v<T, bootstrap::Finished>) {
            o["event"] = "finished";
          } else {
            static_assert(std::is_same_v<T, bootstrap::Failed>);
            o["event"] = "failed";
            o["step"] = bootstrap::to_string(e.step);
            o["path"] = e.step == bootstrap::Step::Finish ? "/bs" : e.path.to_string();
            if (!e.code.is_empty()) o["code"] = e.code.to_string();
            o["reason"] = e.reason;
          }
        }
      },
      event);
  return StreamEvent{"bootstrap", std::move(endpoint), json::serialize(o)};
}

// ---------------------------------------------------------------------------------------------

RouteFamilies::RouteFamilies(std::size_t max_body_bytes) : max_body_bytes_(max_body_bytes) {}

void RouteFamilies::add_routes(RouteFamily& family) {
  families_.push_back(&family);
}

Reply RouteFamilies::handle(const Request& request, coap::TimePoint now) {
  if (request.body.size() > max_body_bytes_)
    return error(413, "body_too_large",
                 "the body is larger than " + std::to_string(max_body_bytes_) + " bytes");
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  RouteRequest r{request.method, request.body, now, *url, {}, {}, false, request.range};
  const auto segments = url->segments();
  r.segments.assign(segments.begin(), segments.end());
  if (r.segments.size() == 2 && r.under({"api", "openapi.json"})) {
    if (r.method != "GET") return method_not_allowed("GET");
    // The Api's document, with only these families' paths.
    auto doc = json::parse(openapi_document()).as_object();
    json::object paths;
    for (const auto* family : families_) {
      const auto more = family->openapi_paths();
      if (more.empty()) continue;
      const auto fragment = json::parse(more);
      for (const auto& [path, item] : fragment.as_object()) paths[path] = item;
    }
    doc["paths"] = std::move(paths);
    return ok(200, doc);
  }
  if (r.segments.size() == 1 && r.segments[0] == "metrics") {
    if (r.method != "GET") return method_not_allowed("GET");
    std::string text;
    for (const auto* family : families_) text += family->prometheus_metrics();
    return Response{200, std::move(text), kPrometheusContentType};
  }
  for (auto* family : families_)
    if (family->takes(r)) return family->handle(r);
  return error(404, "not_found", "no such route");
}

}  // namespace drover::http
