// OMA LwM2M JSON (11543, Core TS 1.0 "JSON"): {"bn":"/3/0/","bt":t0,"e":[{"n":"0","sv":"x"},
// {"n":"9","v":100},{"n":"2","bv":true},{"n":"4","ov":"3:0"},{"n":"13","v":1,"t":-5}]}.
// "bn" and "bt" apply to every entry; name = bn + n, time = bt + t as in SenML (times below 2^28
// are relative to DecodeOptions::now). Opaque values travel in "sv" as base64 (standard alphabet
// with padding; the URL-safe one is accepted too). A 1.1+ client must not send this format, a
// server must still read it.
//
// The encoder sets "bn" to the deepest common path prefix of the entries (the request path in
// the common case, "/3/0/" for a Read of /3/0) and "bt" under the same rule as SenML.
#include <cmath>

#include "drover/lwm2m/formats/base64.hpp"
#include "format_codecs.hpp"
#include "json_reader.hpp"
#include "json_writer.hpp"
#include "senml.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "OMA JSON";

FormatError prefixed(FormatError error) {
  error.message = std::string(format_name) + ": " + error.message;
  return error;
}

FormatError duplicate(std::size_t at) {
  return FormatError{std::string(format_name) + ": member repeated in an object", at, std::nullopt,
                     FormatErrorKind::Duplicate};
}

SenmlLabel entry_label(std::string_view key) {
  if (key == "n") return SenmlLabel::Name;
  if (key == "v") return SenmlLabel::Value;
  if (key == "sv") return SenmlLabel::StringValue;
  if (key == "bv") return SenmlLabel::BooleanValue;
  if (key == "ov") return SenmlLabel::ObjlnkValue;
  if (key == "t") return SenmlLabel::Time;
  return SenmlLabel::Ignored;
}

std::optional<FormatError> read_entry_field(JsonReader& reader, SenmlLabel label,
                                            SenmlFields& fields) {
  switch (label) {
    case SenmlLabel::Name:
      return reader.read_string(fields.name.emplace());
    case SenmlLabel::Time: {
      Number n;
      if (auto e = reader.read_number(n)) return e;
      fields.time = n.as_double();
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
    default:
      return reader.skip_value();
  }
}

// The top-level members; the "e" array is only located, since "bn" may follow it.
struct Envelope {
  std::string base_name;
  std::optional<double> base_time;
  std::optional<std::size_t> entries_at;
};

std::optional<FormatError> read_envelope(std::string_view text, Envelope& envelope) {
  JsonReader reader(text);
  if (auto e = reader.begin_object()) return prefixed(*e);
  std::string key;
  bool seen_bn = false;
  while (true) {
    bool more = false;
    if (auto e = reader.next_member(more, key)) return prefixed(*e);
    if (!more) break;
    const std::size_t at = reader.offset();
    if (key == "bn") {
      if (seen_bn) return duplicate(at);
      seen_bn = true;
      if (auto e = reader.read_string(envelope.base_name)) return prefixed(*e);
      continue;
    }
    if (key == "bt") {
      if (envelope.base_time) return duplicate(at);
      Number n;
      if (auto e = reader.read_number(n)) return prefixed(*e);
      envelope.base_time = n.as_double();
      continue;
    }
    if (key == "e") {
      if (envelope.entries_at) return duplicate(at);
      envelope.entries_at = at;
    }
    if (auto e = reader.skip_value()) return prefixed(*e);
  }
  if (auto e = reader.expect_end()) return prefixed(*e);
  return std::nullopt;
}

std::optional<FormatError> decode_document(std::string_view text, const Path& base,
                                           const DecodeOptions& options, std::vector<Record>& out) {
  Envelope envelope;
  if (auto e = read_envelope(text, envelope)) return e;
  if (!envelope.entries_at) return std::nullopt;  // no entries
  const std::size_t at = *envelope.entries_at;
  JsonReader reader(text.substr(at), JsonReader::default_max_depth, at);
  SenmlDecoder decoder(format_name, base, options, out, true);
  // bn without its trailing '/' ("/3/0" + "1") is joined with one: the name stays a path.
  const bool join = !envelope.base_name.empty() && envelope.base_name.back() != '/';
  SenmlFields fields;
  std::string key;
  bool first = true;
  if (auto e = reader.begin_array()) return prefixed(*e);
  while (true) {
    bool more = false;
    if (auto e = reader.next_element(more)) return prefixed(*e);
    if (!more) break;
    fields.clear();
    fields.offset = reader.offset();
    if (first) {
      fields.base_name = envelope.base_name;
      fields.base_time = envelope.base_time;
      first = false;
    }
    if (auto e = reader.begin_object()) return prefixed(*e);
    while (true) {
      if (auto e = reader.next_member(more, key)) return prefixed(*e);
      if (!more) break;
      const SenmlLabel label = entry_label(key);
      if (auto e = fields.note(label, reader.offset(), format_name)) return e;
      if (auto e = read_entry_field(reader, label, fields)) return prefixed(*e);
    }
    if (join && fields.name && !fields.name->empty() && fields.name->front() != '/') {
      fields.name->insert(fields.name->begin(), '/');
    }
    if (auto e = decoder.add(fields)) return e;
  }
  return std::nullopt;
}

std::size_t json_text_size(std::size_t length) {
  return length + 2;
}

constexpr SenmlSizes json_sizes{json_text_size, JsonWriter::number_size, 0, 6, 5};

// Precondition: `record.value` is not None.
std::optional<FormatError> write_value(JsonWriter& w, const Record& record) {
  const Value& value = record.value;
  switch (value.type()) {
    case DataType::String:
      w.key("sv");
      w.string(value.get<std::string>());
      break;
    case DataType::Corelnk:
      w.key("sv");
      w.string(value.get<Corelnk>().text);
      break;
    case DataType::Opaque:
      w.key("sv");
      w.string(base64_encode(value.get<Opaque>()));
      break;
    case DataType::Integer:
      w.key("v");
      w.integer(value.get<std::int64_t>());
      break;
    case DataType::UnsignedInteger:
      w.key("v");
      w.unsigned_integer(value.get<std::uint64_t>());
      break;
    case DataType::Time:
      w.key("v");
      w.integer(value.get<Time>().seconds);
      break;
    case DataType::Float:
      if (!std::isfinite(value.get<double>())) {
        return FormatError{std::string(format_name) + " cannot carry the Float value " +
                               value.debug_string() + " of " + record.path.to_string(),
                           0, record.path, FormatErrorKind::Unsupported};
      }
      w.key("v");
      w.floating(value.get<double>());
      break;
    case DataType::Boolean:
      w.key("bv");
      w.boolean(value.get<bool>());
      break;
    case DataType::Objlnk:
      w.key("ov");
      w.string(objlnk_text(value.get<Objlnk>()));
      break;
    case DataType::None:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FormatError> decode_oma_json(std::span<const std::uint8_t> payload, const Path& base,
                                           const DecodeOptions& options, std::vector<Record>& out) {
  const std::size_t first = out.size();
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  auto error = decode_document(text, base, options, out);
  if (error) out.erase(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  return error;
}

std::optional<FormatError> encode_oma_json(std::span<const Record> records, const Path& base,
                                           std::vector<std::uint8_t>& out) {
  if (auto e = check_senml_records(records, base, format_name)) return e;
  const Path prefix = records.empty() ? base : common_name_prefix(records);
  const std::string base_name = prefix.is_root() ? "/" : prefix.to_string() + "/";
  const auto base_time = choose_base_time(records, json_sizes);
  const std::size_t size_before = out.size();
  JsonWriter w(out);
  w.begin_object();
  w.key("bn");
  w.string(base_name);
  if (base_time) {
    w.key("bt");
    w.number(*base_time);
  }
  w.key("e");
  w.begin_array();
  for (const Record& record : records) {
    w.begin_object();
    w.key("n");
    w.string(std::string_view(record.path.to_string()).substr(base_name.size()));
    if (!record.value.is_none()) {
      if (auto e = write_value(w, record)) {
        out.resize(size_before);
        return e;
      }
    }
    if (record.time) {
      const double t = base_time ? *record.time - *base_time : *record.time;
      if (!base_time || t != 0) {
        w.key("t");
        w.number(t);
      }
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
