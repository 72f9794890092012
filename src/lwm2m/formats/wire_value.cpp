#include "wire_value.hpp"

#include <limits>

#include "drover/lwm2m/model/number_text.hpp"
#include "utf8.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr double two_pow_64 = 18446744073709551616.0;

std::optional<std::int64_t> to_int64(const Number& n) {
  switch (n.kind) {
    case Number::Kind::Signed:
      return n.i;
    case Number::Kind::Unsigned:
      return std::nullopt;  // above INT64_MAX by construction
    case Number::Kind::Float:
      return exact_int64(n.d);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> to_uint64(const Number& n) {
  switch (n.kind) {
    case Number::Kind::Signed:
      if (n.i < 0) return std::nullopt;
      return static_cast<std::uint64_t>(n.i);
    case Number::Kind::Unsigned:
      return n.u;
    case Number::Kind::Float:
      if (is_whole(n.d) && n.d >= 0 && n.d < two_pow_64) return static_cast<std::uint64_t>(n.d);
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view kind_name(WireValue::Kind kind) {
  switch (kind) {
    case WireValue::Kind::Number:
      return "a number";
    case WireValue::Kind::Text:
      return "a text string";
    case WireValue::Kind::Boolean:
      return "a boolean";
    case WireValue::Kind::Bytes:
      return "a byte string";
    case WireValue::Kind::Objlnk:
      return "an object link";
  }
  return "a value";
}

std::string mismatch(const WireValue& wire, DataType type) {
  return std::string(kind_name(wire.kind)) + " cannot be a " + std::string(to_string(type)) +
         " value";
}

std::optional<std::string> number_as(const Number& n, DataType type, Value& out) {
  const auto out_of_range = [&] {
    return "the number is not a " + std::string(to_string(type)) +
           " (not integral or out of range)";
  };
  switch (type) {
    case DataType::Integer:
    case DataType::Time: {
      const auto v = to_int64(n);
      if (!v) return out_of_range();
      out = type == DataType::Integer ? Value(*v) : Value(Time{*v});
      return std::nullopt;
    }
    case DataType::UnsignedInteger: {
      const auto v = to_uint64(n);
      if (!v) return out_of_range();
      out = Value(*v);
      return std::nullopt;
    }
    case DataType::Float:
      out = Value(n.as_double());
      return std::nullopt;
    default:
      break;
  }
  return std::nullopt;  // not reached: callers pass numeric types only
}

std::optional<std::string> checked_text(std::string& text, DataType type, Value& out) {
  if (const auto bad = find_invalid_utf8(text)) {
    return "invalid UTF-8 at character " + std::to_string(*bad) + " of the text";
  }
  out = type == DataType::Corelnk ? Value(Corelnk{std::move(text)}) : Value(std::move(text));
  return std::nullopt;
}

std::optional<std::string> objlnk_value(const std::string& text, Value& out) {
  const auto link = parse_objlnk(text);
  if (!link) return "malformed object link (expected \"oid:iid\")";
  out = Value(*link);
  return std::nullopt;
}

std::optional<std::string> natural_value(WireValue& wire, Value& out) {
  switch (wire.kind) {
    case WireValue::Kind::Number:
      if (wire.time_tag) return number_as(wire.number, DataType::Time, out);
      switch (wire.number.kind) {
        case Number::Kind::Signed:
          out = Value(wire.number.i);
          break;
        case Number::Kind::Unsigned:
          out = Value(wire.number.u);
          break;
        case Number::Kind::Float:
          out = Value(wire.number.d);
          break;
      }
      return std::nullopt;
    case WireValue::Kind::Text:
      return checked_text(wire.text, DataType::String, out);
    case WireValue::Kind::Boolean:
      out = Value(wire.boolean);
      return std::nullopt;
    case WireValue::Kind::Bytes:
      out = Value(std::move(wire.bytes));
      return std::nullopt;
    case WireValue::Kind::Objlnk:
      return objlnk_value(wire.text, out);
  }
  return std::nullopt;
}

}  // namespace

Number Number::of(std::uint64_t v) {
  if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return of(static_cast<std::int64_t>(v));
  }
  return Number{Kind::Unsigned, 0, v, 0};
}

double Number::as_double() const {
  switch (kind) {
    case Kind::Signed:
      return static_cast<double>(i);
    case Kind::Unsigned:
      return static_cast<double>(u);
    case Kind::Float:
      return d;
  }
  return d;
}

std::optional<DataType> lookup_type(const DecodeOptions& options, const Path& path) {
  if (options.types == nullptr || !path.has_resource()) return std::nullopt;
  const auto shape = options.types->lookup(path.object_id(), path.resource_id());
  if (!shape) return std::nullopt;
  return shape->type;
}

std::optional<std::string> to_value(WireValue& wire, std::optional<DataType> type, Value& out) {
  if (!type) return natural_value(wire, out);
  switch (*type) {
    case DataType::Integer:
    case DataType::UnsignedInteger:
    case DataType::Float:
    case DataType::Time:
      if (wire.kind != WireValue::Kind::Number) return mismatch(wire, *type);
      return number_as(wire.number, *type, out);
    case DataType::String:
    case DataType::Corelnk:
      if (wire.kind != WireValue::Kind::Text) return mismatch(wire, *type);
      return checked_text(wire.text, *type, out);
    case DataType::Boolean:
      if (wire.kind != WireValue::Kind::Boolean) return mismatch(wire, *type);
      out = Value(wire.boolean);
      return std::nullopt;
    case DataType::Opaque:
      if (wire.kind != WireValue::Kind::Bytes) return mismatch(wire, *type);
      out = Value(std::move(wire.bytes));
      return std::nullopt;
    case DataType::Objlnk:
      // CBOR and LwM2M CBOR carry object links as plain text strings.
      if (wire.kind != WireValue::Kind::Objlnk && wire.kind != WireValue::Kind::Text) {
        return mismatch(wire, *type);
      }
      return objlnk_value(wire.text, out);
    case DataType::None:
      break;
  }
  return std::string("the resource takes no value (executable)");
}

bool has_valid_text(const Value& value) {
  const std::string* text = value.get_if<std::string>();
  if (const auto* link = value.get_if<Corelnk>()) text = &link->text;
  return text == nullptr || !find_invalid_utf8(*text);
}

std::optional<Objlnk> parse_objlnk(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto oid = parse_uint64(text.substr(0, colon));
  const auto iid = parse_uint64(text.substr(colon + 1));
  // parse_uint64 takes digits only, so "+1", " 1" and "" fail.
  if (!oid || !iid || *oid > 0xFFFF || *iid > 0xFFFF) return std::nullopt;
  return Objlnk{static_cast<std::uint16_t>(*oid), static_cast<std::uint16_t>(*iid)};
}

std::string objlnk_text(Objlnk link) {
  std::string out;
  append_uint64(out, link.object_id);
  out += ':';
  append_uint64(out, link.instance_id);
  return out;
}

}  // namespace drover::lwm2m::detail
