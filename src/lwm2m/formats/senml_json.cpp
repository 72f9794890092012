// SenML JSON (110): RFC 8428 §5 as profiled by the LwM2M Core TS. A JSON array of records;
// "vd" is base64url without padding (RFC 8428), standard base64 is accepted too since the Core TS
// just says "base64".
#include <cmath>

#include "drover/lwm2m/formats/base64.hpp"
#include "format_codecs.hpp"
#include "json_reader.hpp"
#include "json_writer.hpp"
#include "senml.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "SenML JSON";

FormatError prefixed(FormatError error) {
  error.message = std::string(format_name) + ": " + error.message;
  return error;
}

std::optional<FormatError> read_field(JsonReader& reader, SenmlLabel label, SenmlFields& fields) {
  switch (label) {
    case SenmlLabel::BaseName:
      return reader.read_string(fields.base_name.emplace());
    case SenmlLabel::Name:
      return reader.read_string(fields.name.emplace());
    case SenmlLabel::BaseTime:
    case SenmlLabel::Time: {
      Number n;
      if (auto e = reader.read_number(n)) return e;
      (label == SenmlLabel::Time ? fields.time : fields.base_time) = n.as_double();
      return std::nullopt;
    }
    case SenmlLabel::Value: {
      auto& value = fields.value.emplace();
      value.kind = WireValue::Kind::Number;
      return reader.read_number(value.number);
    }
    case SenmlLabel::StringValue:
    case SenmlLabel::ObjlnkValue: {
      auto& value = fields.value.emplace();
      value.kind =
          label == SenmlLabel::StringValue ? WireValue::Kind::Text : WireValue::Kind::Objlnk;
      return reader.read_string(value.text);
    }
    case SenmlLabel::BooleanValue: {
      auto& value = fields.value.emplace();
      value.kind = WireValue::Kind::Boolean;
      return reader.read_bool(value.boolean);
    }
    case SenmlLabel::DataValue: {
      const std::size_t at = reader.offset();
      std::string text;
      if (auto e = reader.read_string(text)) return e;
      auto bytes = base64_decode(text, true);
      if (!bytes) bytes = base64_decode(text, false);
      if (!bytes)
        return FormatError{"\"vd\" is not base64", at, std::nullopt, FormatErrorKind::Malformed};
      auto& value = fields.value.emplace();
      value.kind = WireValue::Kind::Bytes;
      value.bytes = std::move(*bytes);
      return std::nullopt;
    }
    default:
      return reader.skip_value();
  }
}

std::optional<FormatError> decode_pack(std::string_view text, const Path& base,
                                       const DecodeOptions& options, std::vector<Record>& out) {
  JsonReader reader(text);
  SenmlDecoder decoder(format_name, base, options, out);
  SenmlFields fields;
  std::string key;
  if (auto e = reader.begin_array()) return prefixed(*e);
  while (true) {
    bool more = false;
    if (auto e = reader.next_element(more)) return prefixed(*e);
    if (!more) break;
    fields.clear();
    fields.offset = reader.offset();
    if (auto e = reader.begin_object()) return prefixed(*e);
    while (true) {
      if (auto e = reader.next_member(more, key)) return prefixed(*e);
      if (!more) break;
      const SenmlLabel label = senml_label(key);
      if (auto e = fields.note(label, reader.offset(), format_name)) return e;
      if (auto e = read_field(reader, label, fields)) return prefixed(*e);
    }
    if (auto e = decoder.add(fields)) return e;
  }
  if (auto e = reader.expect_end()) return prefixed(*e);
  return std::nullopt;
}

std::size_t json_text_size(std::size_t length) {
  return length + 2;  // names are digits and '/': nothing to escape
}

constexpr SenmlSizes json_sizes{
    json_text_size,
    JsonWriter::number_size,
    6,  // "bn": and a comma
    6,  // "bt": and a comma
    5,  // ,"t":
};

// SenML JSON's form of each kind of wire value: strings, numbers, booleans, and Opaque in
// base64url (RFC 8428 §6).
struct JsonValueOut {
  JsonWriter& w;
  void text(std::string_view v) { w.string(v); }
  void signed_integer(std::int64_t v) { w.integer(v); }
  void unsigned_integer(std::uint64_t v) { w.unsigned_integer(v); }
  void floating(double v) { w.floating(v); }
  void boolean(bool v) { w.boolean(v); }
  void bytes(std::span<const std::uint8_t> v) { w.string(base64url_encode(v)); }
};

// Precondition: `value` is not None.
std::optional<FormatError> write_value(JsonWriter& w, const Record& record) {
  const Value& value = record.value;
  if (value.type() == DataType::Float && !std::isfinite(value.get<double>())) {
    return FormatError{std::string(format_name) + " cannot carry the Float value " +
                           value.debug_string() + " of " + record.path.to_string(),
                       0, record.path, FormatErrorKind::Unsupported};
  }
  w.key(senml_json_label(senml_value_label(value.type())));
  JsonValueOut out{w};
  write_wire_value(out, value);
  return std::nullopt;
}

}  // namespace

std::optional<FormatError> decode_senml_json(std::span<const std::uint8_t> payload,
                                             const Path& base, const DecodeOptions& options,
                                             std::vector<Record>& out) {
  const std::size_t first = out.size();
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  auto error = decode_pack(text, base, options, out);
  if (error) out.erase(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  return error;
}

std::optional<FormatError> encode_senml_json(std::span<const Record> records, const Path& base,
                                             std::vector<std::uint8_t>& out) {
  SenmlPack pack;
  if (auto e = plan_senml(records, base, format_name, json_sizes, pack)) return e;
  const std::size_t size_before = out.size();
  JsonWriter w(out);
  w.begin_array();
  bool first = true;
  for (const Record& record : records) {
    w.begin_object();
    if (first && !pack.base_name.empty()) {
      w.key("bn");
      w.string(pack.base_name);
    }
    if (first && pack.base_time) {
      w.key("bt");
      w.number(*pack.base_time);
    }
    first = false;
    w.key("n");
    w.string(std::string_view(record.path.to_string()).substr(pack.base_name.size()));
    if (!record.value.is_none()) {
      if (auto e = write_value(w, record)) {
        out.resize(size_before);
        return e;
      }
    }
    if (record.time) {
      const double t = pack.base_time ? *record.time - *pack.base_time : *record.time;
      if (!pack.base_time || t != 0) {
        w.key("t");
        w.number(t);
      }
    }
    w.end_object();
  }
  w.end_array();
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
