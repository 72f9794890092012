#include "drover/http/json_values.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

#include "drover/lwm2m/formats/base64.hpp"

namespace drover::http {

namespace json = boost::json;
using lwm2m::DataType;

namespace {

constexpr std::array<std::pair<DataType, std::string_view>, 10> kTypeNames{{
    {DataType::None, "none"},
    {DataType::String, "string"},
    {DataType::Integer, "integer"},
    {DataType::UnsignedInteger, "unsigned"},
    {DataType::Float, "float"},
    {DataType::Boolean, "boolean"},
    {DataType::Opaque, "opaque"},
    {DataType::Time, "time"},
    {DataType::Objlnk, "objlnk"},
    {DataType::Corelnk, "corelnk"},
}};

std::optional<std::uint16_t> parse_id(std::string_view text) {
  std::uint16_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return id;
}

std::optional<lwm2m::Objlnk> parse_objlnk(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto o = parse_id(text.substr(0, colon));
  const auto i = parse_id(text.substr(colon + 1));
  if (!o || !i) return std::nullopt;
  return lwm2m::Objlnk{*o, *i};
}

std::optional<std::int64_t> as_int64(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() &&
      v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get_uint64());
  return std::nullopt;
}

// The value of `type` in `v`; nullopt when `v` does not hold one.
std::optional<lwm2m::Value> value_from_json(DataType type, const json::value& v) {
  switch (type) {
    case DataType::None:
      if (v.is_null()) return lwm2m::Value{};
      return std::nullopt;
    case DataType::String:
      if (v.is_string()) return lwm2m::Value(std::string(v.get_string()));
      return std::nullopt;
    case DataType::Corelnk:
      if (v.is_string()) return lwm2m::Value(lwm2m::Corelnk{std::string(v.get_string())});
      return std::nullopt;
    case DataType::Integer:
      if (auto i = as_int64(v)) return lwm2m::Value(*i);
      return std::nullopt;
    case DataType::Time:
      if (auto i = as_int64(v)) return lwm2m::Value(lwm2m::Time{*i});
      return std::nullopt;
    case DataType::UnsignedInteger:
      if (v.is_uint64()) return lwm2m::Value(v.get_uint64());
      if (v.is_int64() && v.get_int64() >= 0)
        return lwm2m::Value(static_cast<std::uint64_t>(v.get_int64()));
      return std::nullopt;
    case DataType::Float:
      if (v.is_number()) return lwm2m::Value(v.to_number<double>());
      return std::nullopt;
    case DataType::Boolean:
      if (v.is_bool()) return lwm2m::Value(v.get_bool());
      return std::nullopt;
    case DataType::Opaque:
      if (!v.is_string()) return std::nullopt;
      if (auto bytes = lwm2m::base64_decode(v.get_string(), false))
        return lwm2m::Value(std::move(*bytes));
      return std::nullopt;
    case DataType::Objlnk:
      if (!v.is_string()) return std::nullopt;
      if (auto link = parse_objlnk(v.get_string())) return lwm2m::Value(*link);
      return std::nullopt;
  }
  return std::nullopt;
}

json::value value_to_json(const lwm2m::Value& value) {
  return std::visit(
      [](const auto& v) -> json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json::string(v);
        } else if constexpr (std::is_same_v<T, lwm2m::Opaque>) {
          return json::string(lwm2m::base64_encode(v));
        } else if constexpr (std::is_same_v<T, lwm2m::Time>) {
          return v.seconds;
        } else if constexpr (std::is_same_v<T, lwm2m::Objlnk>) {
          return json::string(std::to_string(v.object_id) + ":" + std::to_string(v.instance_id));
        } else if constexpr (std::is_same_v<T, lwm2m::Corelnk>) {
          return json::string(v.text);
        } else {
          return v;  // integers, float, boolean
        }
      },
      value.storage());
}

}  // namespace

std::string_view type_name(DataType type) {
  for (const auto& [t, name] : kTypeNames)
    if (t == type) return name;
  return "none";
}

std::optional<DataType> type_from_name(std::string_view name) {
  for (const auto& [t, n] : kTypeNames)
    if (n == name) return t;
  return std::nullopt;
}

json::object record_to_json(const lwm2m::Record& record, const lwm2m::ObjectRegistry* names) {
  json::object out;
  out["path"] = record.path.to_string();
  out["type"] = type_name(record.value.type());
  out["value"] = value_to_json(record.value);
  if (record.time) out["time"] = *record.time;
  if (names && record.path.has_resource()) {
    if (const auto* object = names->active(record.path.object_id())) {
      if (const auto* resource = object->resource(record.path.resource_id())) {
        out["name"] = resource->name;
        if (!resource->units.empty()) out["units"] = resource->units;
      }
    }
  }
  return out;
}

std::optional<lwm2m::Record> record_from_json(const json::value& json,
                                              const lwm2m::TypeResolver& types,
                                              std::string& error) {
  const auto* object = json.if_object();
  if (!object) {
    error = "a value must be a JSON object {\"path\", \"type\", \"value\"}";
    return std::nullopt;
  }
  const auto* path_text = object->if_contains("path");
  if (!path_text || !path_text->is_string()) {
    error = "a value needs a \"path\" string";
    return std::nullopt;
  }
  const auto path = lwm2m::Path::parse(path_text->get_string());
  if (!path || !path->has_resource()) {
    error = "\"" + std::string(path_text->get_string()) +
            "\" is not a resource or resource instance path";
    return std::nullopt;
  }
  std::optional<DataType> type;
  if (const auto* t = object->if_contains("type")) {
    if (t->is_string()) type = type_from_name(t->get_string());
    if (!type) {
      error = path->to_string() + ": unknown \"type\"";
      return std::nullopt;
    }
  } else if (auto shape = types.lookup(path->object_id(), path->resource_id())) {
    type = shape->type;
  } else {
    error = path->to_string() + ": \"type\" is needed (no model of this resource)";
    return std::nullopt;
  }
  const auto* v = object->if_contains("value");
  const json::value null_value;
  auto value = value_from_json(*type, v ? *v : null_value);
  if (!value) {
    error = path->to_string() + ": \"value\" is not a valid " + std::string(type_name(*type));
    return std::nullopt;
  }
  return lwm2m::Record{*path, std::move(*value), std::nullopt};
}

}  // namespace drover::http
