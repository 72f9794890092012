// text/plain (0): one resource or resource instance value in its textual form (Core TS
// Appendix C). The bytes carry no type, so decoding asks the TypeResolver (String when unknown).
#include <cmath>
#include <string>

#include "drover/lwm2m/formats/base64.hpp"
#include "drover/lwm2m/model/number_text.hpp"
#include "format_codecs.hpp"
#include "single_value.hpp"
#include "utf8.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "text/plain";

// Text that is no value of `type`; Malformed when it is not even text (UTF-8) or base64.
FormatError bad_text(const Path& base, DataType type, std::size_t offset, std::string_view why = {},
                     FormatErrorKind kind = FormatErrorKind::TypeMismatch) {
  std::string message =
      "text/plain: invalid " + std::string(to_string(type)) + " value for " + base.to_string();
  if (!why.empty()) message += std::string(": ") + std::string(why);
  return FormatError{std::move(message), offset, base, kind};
}

std::optional<std::uint16_t> parse_id(std::string_view text, std::size_t* error_at) {
  const auto v = parse_uint64(text, error_at);
  if (!v || *v > 0xFFFF) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<FormatError> parse_value(std::string_view text, DataType type, const Path& base,
                                       Value& value) {
  std::size_t at = 0;
  switch (type) {
    case DataType::String:
    case DataType::Corelnk:
      if (const auto bad = find_invalid_utf8(text))
        return bad_text(base, type, *bad, "not UTF-8", FormatErrorKind::Malformed);
      if (type == DataType::String) {
        value = Value(std::string(text));
      } else {
        value = Value(Corelnk{std::string(text)});
      }
      return std::nullopt;
    case DataType::Integer:
      if (const auto v = parse_int64(text, &at)) {
        value = Value(*v);
        return std::nullopt;
      }
      return bad_text(base, type, at);
    case DataType::Time:
      if (const auto v = parse_int64(text, &at)) {
        value = Value(Time{*v});
        return std::nullopt;
      }
      return bad_text(base, type, at);
    case DataType::UnsignedInteger:
      if (const auto v = parse_uint64(text, &at)) {
        value = Value(*v);
        return std::nullopt;
      }
      return bad_text(base, type, at);
    case DataType::Float:
      if (const auto v = parse_double(text, &at)) {
        value = Value(*v);
        return std::nullopt;
      }
      return bad_text(base, type, at);
    case DataType::Boolean:
      if (text == "0" || text == "1") {
        value = Value(text == "1");
        return std::nullopt;
      }
      return bad_text(base, type, 0, "expected 0 or 1");
    case DataType::Objlnk: {
      const auto colon = text.find(':');
      if (colon == std::string_view::npos)
        return bad_text(base, type, text.size(), "expected oid:iid");
      const auto oid = parse_id(text.substr(0, colon), &at);
      if (!oid) return bad_text(base, type, at);
      const auto iid = parse_id(text.substr(colon + 1), &at);
      if (!iid) return bad_text(base, type, colon + 1 + at);
      value = Value(Objlnk{*oid, *iid});
      return std::nullopt;
    }
    case DataType::Opaque: {
      // Base64 per the Core TS; the URL-safe alphabet is accepted too since SenML uses it.
      auto bytes = base64_decode(text, false);
      if (!bytes) bytes = base64_decode(text, true);
      if (!bytes) return bad_text(base, type, 0, "not base64", FormatErrorKind::Malformed);
      value = Value(std::move(*bytes));
      return std::nullopt;
    }
    case DataType::None:
      break;
  }
  return FormatError{"text/plain: " + base.to_string() + " has no value type (executable resource)",
                     0, base, FormatErrorKind::TypeMismatch};
}

}  // namespace

std::optional<FormatError> decode_text(std::span<const std::uint8_t> payload, const Path& base,
                                       const DecodeOptions& options, std::vector<Record>& out) {
  if (auto error = check_single_value_path(base, format_name)) return error;
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  Value value;
  if (auto error = parse_value(text, resolve_type(options, base, DataType::String), base, value)) {
    return error;
  }
  out.push_back(Record{base, std::move(value), std::nullopt});
  return std::nullopt;
}

std::optional<FormatError> encode_text(std::span<const Record> records, const Path& base,
                                       std::vector<std::uint8_t>& out) {
  const Record* record = nullptr;
  if (auto error = single_record(records, base, format_name, record)) return error;
  std::string text;
  const auto& v = record->value;
  switch (v.type()) {
    case DataType::String:
      text = v.get<std::string>();
      break;
    case DataType::Corelnk:
      text = v.get<Corelnk>().text;
      break;
    case DataType::Integer:
      append_int64(text, v.get<std::int64_t>());
      break;
    case DataType::Time:
      append_int64(text, v.get<Time>().seconds);
      break;
    case DataType::UnsignedInteger:
      append_uint64(text, v.get<std::uint64_t>());
      break;
    case DataType::Boolean:
      text = v.get<bool>() ? "1" : "0";
      break;
    case DataType::Opaque:
      text = base64_encode(v.get<Opaque>());
      break;
    case DataType::Objlnk:
      append_uint64(text, v.get<Objlnk>().object_id);
      text += ':';
      append_uint64(text, v.get<Objlnk>().instance_id);
      break;
    case DataType::Float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) {
        return FormatError{"text/plain cannot represent the Float value " + v.debug_string() +
                               " of " + base.to_string(),
                           0, base, FormatErrorKind::Unsupported};
      }
      append_double(text, d);
      break;
    }
    case DataType::None:
      break;  // excluded by single_record
  }
  out.insert(out.end(), text.begin(), text.end());
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
