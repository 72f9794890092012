// /api/firmware, /fw/<sha256>, /api/clients/{ep}/firmware and /api/campaigns
// (firmware_routes.hpp).
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>

#include "drover/http/firmware_routes.hpp"
#include "drover/http/metrics.hpp"
#include "errors.hpp"

namespace drover::http {

namespace json = boost::json;
using firmware::Image;

namespace {

constexpr std::string_view kPaths = R"json({
  "/api/firmware": {
    "get": {"summary": "Every firmware image, with the store's use and bounds", "operationId": "listFirmware",
      "responses": {"200": {"description": "the images", "content": {"application/json": {}}}}},
    "post": {"summary": "Upload a firmware image (the raw bytes as the body); stored by its SHA-256",
      "operationId": "uploadFirmware",
      "parameters": [{"name": "name", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "version", "in": "query", "required": true, "schema": {"type": "string"}}],
      "requestBody": {"required": true, "content": {"application/octet-stream": {}}},
      "responses": {"201": {"description": "stored", "content": {"application/json": {"schema": {"type": "object"}}}},
        "200": {"description": "the same bytes were stored already"},
        "400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"},
        "507": {"$ref": "#/components/responses/Error"}}}},
  "/api/firmware/{sha256}": {
    "parameters": [{"name": "sha256", "in": "path", "required": true, "schema": {"type": "string"}}],
    "get": {"summary": "One firmware image's description", "operationId": "getFirmware",
      "responses": {"200": {"description": "the image", "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Delete a firmware image (transfers under way finish with it)", "operationId": "deleteFirmware",
      "responses": {"200": {"description": "deleted"}, "404": {"$ref": "#/components/responses/Error"}}}},
  "/fw/{sha256}": {
    "parameters": [{"name": "sha256", "in": "path", "required": true, "schema": {"type": "string"}}],
    "get": {"summary": "A firmware image's bytes, for devices that pull over HTTP; one byte range with Range",
      "operationId": "pullFirmware",
      "responses": {"200": {"description": "the image", "content": {"application/octet-stream": {}}},
        "206": {"description": "the range asked", "content": {"application/octet-stream": {}}},
        "404": {"$ref": "#/components/responses/Error"},
        "416": {"description": "the range lies outside the image"}}}},
  "/api/clients/{endpoint}/firmware": {
    "parameters": [{"name": "endpoint", "in": "path", "required": true, "schema": {"type": "string"}}],
    "post": {"summary": "Update the device's firmware: check, deliver (push or pull), Execute Update, wait for the device's result",
      "operationId": "updateFirmware",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["image"],
        "properties": {"image": {"type": "string", "description": "the image's SHA-256"},
          "method": {"type": "string", "enum": ["auto", "push", "pull"]}}}}}},
      "responses": {"202": {"description": "started", "content": {"application/json": {"schema": {"type": "object"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}},
    "get": {"summary": "The device's firmware update: under way, or the latest finished", "operationId": "getFirmwareUpdate",
      "responses": {"200": {"description": "its progress", "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Cancel the device's firmware update (not once Update was executed)", "operationId": "cancelFirmwareUpdate",
      "responses": {"200": {"description": "cancelled"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}}}},
  "/api/campaigns": {
    "get": {"summary": "Every campaign with its totals", "operationId": "listCampaigns",
      "responses": {"200": {"description": "the campaigns", "content": {"application/json": {}}}}},
    "post": {"summary": "Roll an image out to a list of endpoints, or every registered one with a prefix",
      "operationId": "createCampaign",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["image"],
        "properties": {"image": {"type": "string"}, "method": {"type": "string", "enum": ["auto", "push", "pull"]},
          "endpoints": {"type": "array", "items": {"type": "string"}}, "prefix": {"type": "string"},
          "concurrency": {"type": "integer", "minimum": 1}, "rate": {"type": "number", "minimum": 0},
          "max_failures": {"type": "integer", "minimum": 0}, "retries": {"type": "integer", "minimum": 0}}}}}},
      "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"type": "object"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"}}}},
  "/api/campaigns/{id}": {
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
    "get": {"summary": "One campaign with every device's state", "operationId": "getCampaign",
      "responses": {"200": {"description": "the campaign", "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Cancel the campaign and the updates it has under way", "operationId": "cancelCampaign",
      "responses": {"200": {"description": "cancelled"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}}}},
  "/api/campaigns/{id}/{action}": {
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
      {"name": "action", "in": "path", "required": true, "schema": {"type": "string", "enum": ["pause", "resume"]}}],
    "post": {"summary": "Pause or resume the campaign", "operationId": "pauseResumeCampaign",
      "responses": {"200": {"description": "done"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}}}}
})json";

double seconds(coap::TimePoint t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

json::object image_json(const Image& image) {
  json::object o;
  o["sha256"] = image.sha256;
  o["name"] = image.name;
  o["version"] = image.version;
  o["size"] = image.size();
  o["created"] = image.created;
  o["coap_path"] = "/fw/" + image.sha256;
  return o;
}

json::object update_json(const firmware::UpdateStatus& u, coap::TimePoint now) {
  json::object o;
  o["id"] = u.id;
  o["endpoint"] = u.endpoint;
  o["image"] = u.image;
  o["method"] = firmware::to_string(u.method);
  o["step"] = firmware::to_string(u.step);
  o["outcome"] = firmware::to_string(u.outcome);
  if (u.state) {
    o["state"] = *u.state;
    o["state_name"] = firmware::state_name(*u.state);
  }
  if (u.result) {
    o["result"] = *u.result;
    o["result_meaning"] = firmware::result_meaning(*u.result);
  }
  if (!u.version_before.empty()) o["version_before"] = u.version_before;
  if (!u.version_after.empty()) o["version_after"] = u.version_after;
  if (!u.message.empty()) o["message"] = u.message;
  if (u.campaign) o["campaign"] = u.campaign;
  const auto end = u.outcome == firmware::Outcome::Running ? now : u.finished;
  o["seconds"] = seconds(end) - seconds(u.started);
  o["step_seconds"] = seconds(end) - seconds(u.step_started);
  return o;
}

json::object totals_json(const firmware::CampaignTotals& t) {
  json::object o;
  o["waiting"] = t.waiting;
  o["running"] = t.running;
  o["succeeded"] = t.succeeded;
  o["failed"] = t.failed;
  o["cancelled"] = t.cancelled;
  return o;
}

json::object campaign_json(const firmware::Campaign& c, bool devices) {
  json::object o;
  o["id"] = c.id;
  o["image"] = c.spec.image;
  o["method"] = firmware::to_string(c.spec.method);
  o["state"] = firmware::to_string(c.state);
  if (!c.reason.empty()) o["reason"] = c.reason;
  o["concurrency"] = c.spec.concurrency;
  o["rate"] = c.spec.rate;
  o["max_failures"] = c.spec.max_failures;
  o["retries"] = c.spec.retries;
  if (!c.spec.prefix.empty()) o["prefix"] = c.spec.prefix;
  o["devices_total"] = c.devices.size();
  o["totals"] = totals_json(c.totals);
  if (devices) {
    json::array list;
    for (const auto& d : c.devices) {
      json::object e;
      e["endpoint"] = d.endpoint;
      e["state"] = firmware::to_string(d.state);
      e["attempts"] = d.attempts;
      if (!d.message.empty()) e["message"] = d.message;
      list.push_back(std::move(e));
    }
    o["devices"] = std::move(list);
  }
  return o;
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The JSON object of a request body, or why not.
std::variant<json::object, Response> body_object(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return error(400, "bad_body", "the body must be a JSON object");
  return std::move(v.as_object());
}

std::optional<firmware::Method> method_in(const json::object& o) {
  const auto* m = o.if_contains("method");
  if (!m) return firmware::Method::Auto;
  if (!m->is_string()) return std::nullopt;
  return firmware::method_from_string(std::string_view(m->as_string()));
}

}  // namespace

Response image_bytes(const Image& image, std::string_view range) {
  const auto& bytes = *image.bytes;
  const std::size_t size = bytes.size();
  const auto whole = [&] {
    Response r{200, std::string(bytes.begin(), bytes.end()), "application/octet-stream"};
    r.accept_ranges = true;
    return r;
  };
  constexpr std::string_view unit = "bytes=";
  if (range.empty() || !range.starts_with(unit) ||
      range.find(',') != std::string_view::npos)  // several ranges: the whole image
    return whole();
  const auto spec = range.substr(unit.size());
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return whole();  // not a range we read: ignored (§14.2)
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);
  std::size_t first = 0;
  std::size_t last = size == 0 ? 0 : size - 1;
  if (first_text.empty()) {  // the last N bytes
    const auto suffix = number(last_text);
    if (!suffix) return whole();
    if (*suffix == 0)
      first = size;  // unsatisfiable
    else
      first = size - std::min<std::size_t>(size, *suffix);
  } else {
    const auto f = number(first_text);
    if (!f) return whole();
    first = *f;
    if (!last_text.empty()) {
      const auto l = number(last_text);
      if (!l || *l < first) return whole();
      last = std::min<std::size_t>(*l, last);
    }
  }
  if (first >= size) {
    Response r = error(416, "range_not_satisfiable", "the range lies outside the image");
    r.content_range = "bytes */" + std::to_string(size);
    return r;
  }
  Response r{206,
             std::string(bytes.begin() + static_cast<std::ptrdiff_t>(first),
                         bytes.begin() + static_cast<std::ptrdiff_t>(last + 1)),
             "application/octet-stream"};
  r.content_range =
      "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
  r.accept_ranges = true;
  return r;
}

FirmwareRoutes::FirmwareRoutes(firmware::Images& images, firmware::FirmwareService& service,
                               std::function<std::int64_t()> wall_clock)
    : images_(images), service_(service), wall_clock_(std::move(wall_clock)) {}

bool FirmwareRoutes::takes(const RouteRequest& r) const {
  const auto n = r.segments.size();
  return (n <= 3 && r.under({"api", "firmware"})) || (n == 2 && r.under({"fw"})) ||
         (n == 4 && r.under({"api", "clients"}) && r.segments[3] == "firmware") ||
         (n <= 4 && r.under({"api", "campaigns"}));
}

Reply FirmwareRoutes::handle(RouteRequest& r) {
  if (r.segments[0] == "fw") {
    if (r.method != "GET") return method_not_allowed("GET");
    const Image* image = images_.find(r.segments[1]);
    if (!image) return error(404, "unknown_image", "no firmware image has this hash");
    return image_bytes(*image, r.range);
  }
  if (r.segments[1] == "firmware") return images(r);
  if (r.segments[1] == "clients") return device(r);
  return campaigns(r);
}

Reply FirmwareRoutes::images(RouteRequest& r) {
  if (r.segments.size() == 2) {
    if (r.method == "GET") {
      json::array list;
      for (const Image* image : images_.list()) list.push_back(image_json(*image));
      json::object o;
      o["images"] = std::move(list);
      o["total_bytes"] = images_.total_bytes();
      o["max_image_bytes"] = images_.config().max_image_bytes;
      o["max_total_bytes"] = images_.config().max_total_bytes;
      o["max_images"] = images_.config().max_images;
      return ok(200, o);
    }
    if (r.method != "POST") return method_not_allowed("GET, POST");
    const auto name = r.query("name");
    const auto version = r.query("version");
    if (!name || !version)
      return error(400, "bad_image", "name and version are required query parameters");
    const std::size_t before = images_.count();
    const auto bytes =
        std::span(reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size());
    auto added = images_.add(*name, *version, bytes, wall_clock_ ? wall_clock_() : 0);
    if (!added) {
      using Kind = firmware::ImageError::Kind;
      const auto& e = added.error();
      switch (e.kind) {
        case Kind::Invalid:
          return error(400, "bad_image", e.message);
        case Kind::TooLarge:
          return error(413, "image_too_large", e.message);
        case Kind::Full:
          return error(507, "firmware_store_full", e.message);
        case Kind::Io:
          return error(500, "firmware_store_failed", e.message);
      }
    }
    return ok(images_.count() > before ? 201 : 200, image_json(**added));
  }
  const std::string& sha = r.segments[2];
  if (r.method == "GET") {
    const Image* image = images_.find(sha);
    if (!image) return error(404, "unknown_image", "no firmware image has this hash");
    return ok(200, image_json(*image));
  }
  if (r.method == "DELETE") {
    if (!images_.erase(sha)) return error(404, "unknown_image", "no firmware image has this hash");
    json::object o;
    o["deleted"] = sha;
    return ok(200, o);
  }
  return method_not_allowed("GET, DELETE");
}

Reply FirmwareRoutes::device(RouteRequest& r) {
  const std::string& endpoint = r.segments[2];
  auto& updater = service_.updater();
  if (r.method == "GET") {
    const auto* status = updater.status(endpoint);
    if (!status) return error(404, "no_update", "no firmware update of this device is known");
    return ok(200, update_json(*status, r.now));
  }
  if (r.method == "DELETE") {
    const auto* status = updater.status(endpoint);
    if (!status || status->outcome != firmware::Outcome::Running)
      return error(404, "no_update", "no firmware update of this device is under way");
    if (!updater.cancel(endpoint, r.now))
      return error(409, "too_late",
                   "the device is updating (Update was executed): too late to cancel");
    return ok(200, update_json(*updater.status(endpoint), r.now));
  }
  if (r.method != "POST") return method_not_allowed("GET, POST, DELETE");
  auto parsed = body_object(r.body);
  if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
  const auto& o = std::get<json::object>(parsed);
  const auto* image = o.if_contains("image");
  const auto method = method_in(o);
  if (!image || !image->is_string() || !method)
    return error(400, "bad_body",
                 "{\"image\": \"<sha256>\", \"method\": \"auto|push|pull\"} is expected");
  const auto started =
      updater.start(endpoint, std::string_view(image->as_string()), *method, r.now);
  if (!started) {
    const auto e = started.error();
    const unsigned status = e == firmware::StartError::AlreadyRunning ? 409
                            : e == firmware::StartError::TooMany      ? 503
                                                                      : 404;
    const std::string_view code = e == firmware::StartError::UnknownEndpoint  ? "unknown_client"
                                  : e == firmware::StartError::UnknownImage   ? "unknown_image"
                                  : e == firmware::StartError::AlreadyRunning ? "update_under_way"
                                                                              : "too_many_updates";
    return error(status, code, firmware::to_string(e));
  }
  return ok(202, update_json(*updater.status(endpoint), r.now));
}

Reply FirmwareRoutes::campaigns(RouteRequest& r) {
  auto& campaigns = service_.campaigns();
  if (r.segments.size() == 2) {
    if (r.method == "GET") {
      json::array list;
      for (const auto* c : campaigns.all()) list.push_back(campaign_json(*c, false));
      json::object o;
      o["campaigns"] = std::move(list);
      return ok(200, o);
    }
    if (r.method != "POST") return method_not_allowed("GET, POST");
    auto parsed = body_object(r.body);
    if (auto* refused = std::get_if<Response>(&parsed)) return std::move(*refused);
    const auto& o = std::get<json::object>(parsed);
    firmware::CampaignSpec spec;
    const auto* image = o.if_contains("image");
    const auto method = method_in(o);
    bool good = image && image->is_string() && method;
    if (good) {
      spec.image = std::string(image->as_string());
      spec.method = *method;
    }
    if (const auto* list = o.if_contains("endpoints")) {
      good = good && list->is_array();
      if (good)
        for (const auto& e : list->as_array()) {
          if (!e.is_string())
            good = false;
          else
            spec.endpoints.emplace_back(e.as_string());
        }
    }
    if (const auto* prefix = o.if_contains("prefix")) {
      good = good && prefix->is_string();
      if (good) spec.prefix = std::string(prefix->as_string());
    }
    for (auto [key, field] :
         {std::pair{"concurrency", &spec.concurrency},
          std::pair{"max_failures", &spec.max_failures}, std::pair{"retries", &spec.retries}}) {
      if (const auto* v = o.if_contains(key)) {
        good = good && v->is_int64() && v->as_int64() >= 0;
        if (good) *field = static_cast<std::size_t>(v->as_int64());
      }
    }
    if (const auto* v = o.if_contains("rate")) {
      good = good && v->is_number();
      if (good) spec.rate = v->to_number<double>();
      good = good && std::isfinite(spec.rate);
    }
    if (!good)
      return error(400, "bad_body",
                   "{\"image\", \"method\", \"endpoints\" or \"prefix\", \"concurrency\", "
                   "\"rate\", \"max_failures\", \"retries\"} is expected");
    const auto created = campaigns.create(std::move(spec), r.now);
    if (!created) {
      const auto e = created.error();
      const unsigned status = e == firmware::CampaignError::UnknownImage ? 404
                              : e == firmware::CampaignError::TooMany    ? 503
                                                                         : 400;
      return error(status,
                   e == firmware::CampaignError::UnknownImage ? "unknown_image" : "bad_campaign",
                   firmware::to_string(e));
    }
    return ok(201, campaign_json(*campaigns.get(*created), false));
  }
  const bool action_route = r.segments.size() == 4;
  if (action_route && r.segments[3] != "pause" && r.segments[3] != "resume")
    return error(404, "not_found", "campaign actions are pause and resume");
  if (action_route ? r.method != "POST" : r.method != "GET" && r.method != "DELETE")
    return method_not_allowed(action_route ? "POST" : "GET, DELETE");
  const auto id = number(r.segments[2]);
  const firmware::Campaign* c = id ? campaigns.get(*id) : nullptr;
  if (!c) return error(404, "unknown_campaign", "no campaign has this id");
  if (action_route) {
    const auto& action = r.segments[3];
    const bool done = action == "pause" ? campaigns.pause(*id) : campaigns.resume(*id, r.now);
    if (!done)
      return error(409, "bad_state",
                   "the campaign is " + std::string(firmware::to_string(c->state)));
    return ok(200, campaign_json(*c, false));
  }
  if (r.method == "GET") return ok(200, campaign_json(*c, true));
  if (!campaigns.cancel(*id, r.now))
    return error(409, "bad_state", "the campaign is " + std::string(firmware::to_string(c->state)));
  return ok(200, campaign_json(*c, false));
}

std::string_view FirmwareRoutes::openapi_paths() const {
  return kPaths;
}

std::string FirmwareRoutes::prometheus_metrics() const {
  const auto u = service_.updater().counts();
  std::string out;
  const auto metric = [&](std::string_view name, std::string_view type, std::string_view help,
                          std::uint64_t value) { prometheus_metric(out, name, type, help, value); };
  metric("drover_firmware_images", "gauge", "Firmware images stored", images_.count());
  metric("drover_firmware_image_bytes", "gauge", "Bytes of the firmware images stored",
         images_.total_bytes());
  metric("drover_firmware_updates_running", "gauge", "Firmware updates under way", u.running);
  metric("drover_firmware_updates_started_total", "counter", "Firmware updates started", u.started);
  metric("drover_firmware_updates_succeeded_total", "counter", "Firmware updates that succeeded",
         u.succeeded);
  metric("drover_firmware_updates_failed_total", "counter", "Firmware updates that failed",
         u.failed);
  metric("drover_firmware_updates_cancelled_total", "counter", "Firmware updates cancelled",
         u.cancelled);
  metric("drover_firmware_pushes_total", "counter", "Images delivered by push (Write of /5/0/0)",
         u.pushed);
  metric("drover_firmware_pulls_total", "counter", "Images delivered by pull (Package URI)",
         u.pulled);
  metric("drover_firmware_campaigns_running", "gauge", "Campaigns running",
         service_.campaigns().running());
  return out;
}

StreamEvent stream_event(const firmware::FirmwareEvent& event) {
  json::object o;
  std::string endpoint;
  if (const auto* u = std::get_if<firmware::UpdateEvent>(&event)) {
    endpoint = u->status.endpoint;
    o = update_json(u->status, u->status.outcome == firmware::Outcome::Running
                                   ? u->status.step_started
                                   : u->status.finished);
    o["event"] = "update";
  } else {
    const auto& c = std::get<firmware::CampaignEvent>(event);
    endpoint = c.endpoint;
    o["event"] = "campaign";
    o["campaign"] = c.campaign;
    o["state"] = firmware::to_string(c.state);
    o["totals"] = totals_json(c.totals);
    if (!c.endpoint.empty()) {
      o["endpoint"] = c.endpoint;
      o["device"] = firmware::to_string(c.device);
      if (!c.message.empty()) o["message"] = c.message;
    }
  }
  return StreamEvent{"firmware", std::move(endpoint), json::serialize(o)};
}

}  // namespace drover::http
