#include "views.hpp"

#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <string>

#include "drover/http/json_values.hpp"
#include "errors.hpp"

namespace drover::http {

namespace json = boost::json;
using lwm2m::ContentFormat;
using lwm2m::Path;

namespace {

std::int64_t unix_seconds(coap::TimePoint t, coap::TimePoint now,
                          const std::function<double()>& wall_clock) {
  // The core keeps steady-clock times; shown as wall-clock times relative to now.
  const double age = std::chrono::duration<double>(now - t).count();
  const double wall =
      wall_clock ? wall_clock() : std::chrono::duration<double>(now.time_since_epoch()).count();
  return static_cast<std::int64_t>(std::floor(wall - age));
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

}  // namespace

json::object client_fields_json(const server::Registration& r, const server::Server& core,
                                coap::TimePoint now, json::storage_ptr storage) {
  const auto& wall = core.config().wall_clock;
  json::object o(
      {
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
      },
      std::move(storage));
  if (r.sms) o["sms"] = *r.sms;
  if (r.identity) o["identity"] = *r.identity;  // the DTLS identity, "psk:..."; absent for NoSec
  return o;
}

void add_objects_json(json::object& o, const lwm2m::RegistrationPayload& payload) {
  json::array formats;
  for (auto f : payload.content_formats) formats.push_back(f);
  o["content_formats"] = std::move(formats);
  json::array objects;
  for (const auto& obj : payload.objects) {
    json::object entry{{"id", obj.object_id}};
    if (obj.version) entry["version"] = *obj.version;
    json::array instances;
    for (auto i : obj.instances) instances.push_back(i);
    entry["instances"] = std::move(instances);
    objects.push_back(std::move(entry));
  }
  o["objects"] = std::move(objects);
}

json::object client_json(const server::Registration& r, const server::Server& core,
                         coap::TimePoint now) {
  json::object o = client_fields_json(r, core, now);
  add_objects_json(o, *r.objects);
  return o;
}

json::object endpoint_json(const server::Registration& r) {
  return json::object{{"endpoint", r.endpoint}, {"location", "/rd/" + r.location}};
}

json::array records_json(const std::vector<lwm2m::Record>& records,
                         const lwm2m::ObjectRegistry* names) {
  json::array out;
  for (const auto& r : records) out.push_back(record_to_json(r, names));
  return out;
}

json::array links_json(const std::vector<lwm2m::Link>& links) {
  json::array out;
  for (const auto& link : links) {
    json::object attributes;
    for (const auto& a : link.attributes) {
      if (a.value)
        attributes[a.name] = *a.value;
      else
        attributes[a.name] = nullptr;
    }
    out.push_back(json::object{{"target", link.target}, {"attributes", attributes}});
  }
  return out;
}

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

std::variant<json::value, Response> parse_body(std::string_view body) {
  json::parse_options options;
  options.max_depth = 16;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) return error(400, "bad_json", "the body is not valid JSON: " + ec.message());
  return v;
}

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

std::optional<ContentFormat> format_from_name(std::string_view name) {
  for (const auto& f : kFormats)
    if (f.name == name) return f.format;
  return std::nullopt;
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

}  // namespace drover::http
