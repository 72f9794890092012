// SenML CBOR (112): RFC 8428 §6 as profiled by the LwM2M Core TS. A CBOR array of maps keyed by
// the integer labels of RFC 8428 Table 4; object links go under the text key "vlo". Text keys
// spelled like the JSON labels are accepted too; tags before values are ignored.
#include "cbor_reader.hpp"
#include "cbor_writer.hpp"
#include "format_codecs.hpp"
#include "senml.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "SenML CBOR";

FormatError prefixed(FormatError error) {
  error.message = std::string(format_name) + ": " + error.message;
  return error;
}

std::optional<FormatError> read_label(CborReader& reader, std::string& scratch, SenmlLabel& label) {
  CborType type{};
  if (auto e = reader.peek(type)) return e;
  if (type == CborType::Unsigned || type == CborType::Negative) {
    Number n;
    if (auto e = reader.read_integer(n)) return e;
    label = n.kind == Number::Kind::Signed ? senml_label(n.i) : SenmlLabel::Ignored;
    return std::nullopt;
  }
  if (type == CborType::Text) {
    scratch.clear();
    if (auto e = reader.read_text(scratch)) return e;
    label = senml_label(scratch);
    return std::nullopt;
  }
  return FormatError{"a label must be an integer or a text string", reader.offset(), std::nullopt,
                     FormatErrorKind::Malformed};
}

std::optional<FormatError> read_time(CborReader& reader, std::optional<double>& out) {
  bool epoch = false;
  if (auto e = reader.skip_tags(epoch)) return e;
  Number n;
  if (auto e = reader.read_number(n)) return e;
  out = n.as_double();
  return std::nullopt;
}

std::optional<FormatError> read_field(CborReader& reader, SenmlLabel label, SenmlFields& fields) {
  switch (label) {
    case SenmlLabel::BaseName:
      return reader.read_text(fields.base_name.emplace());
    case SenmlLabel::Name:
      return reader.read_text(fields.name.emplace());
    case SenmlLabel::BaseTime:
      return read_time(reader, fields.base_time);
    case SenmlLabel::Time:
      return read_time(reader, fields.time);
    case SenmlLabel::Ignored:
      return reader.skip();
    default:
      break;
  }
  auto& value = fields.value.emplace();
  // SenML gives tags no meaning: a tag 1 does not make a Time (the encoder never writes one).
  bool epoch = false;
  if (auto e = reader.skip_tags(epoch)) return e;
  switch (label) {
    case SenmlLabel::Value:
      value.kind = WireValue::Kind::Number;
      return reader.read_number(value.number);
    case SenmlLabel::StringValue:
      value.kind = WireValue::Kind::Text;
      return reader.read_text(value.text);
    case SenmlLabel::ObjlnkValue:
      value.kind = WireValue::Kind::Objlnk;
      return reader.read_text(value.text);
    case SenmlLabel::BooleanValue:
      value.kind = WireValue::Kind::Boolean;
      return reader.read_bool(value.boolean);
    default:  // DataValue (note() rejected the rest)
      value.kind = WireValue::Kind::Bytes;
      return reader.read_bytes(value.bytes);
  }
}

std::optional<FormatError> decode_pack(std::span<const std::uint8_t> payload, const Path& base,
                                       const DecodeOptions& options, std::vector<Record>& out) {
  CborReader reader(payload);
  SenmlDecoder decoder(format_name, base, options, out);
  SenmlFields fields;
  std::string scratch;
  CborContainer records;
  if (auto e = reader.enter_array(records)) return prefixed(*e);
  while (true) {
    bool more = false;
    if (auto e = reader.next(records, more)) return prefixed(*e);
    if (!more) break;
    fields.clear();
    fields.offset = reader.offset();
    CborContainer map;
    if (auto e = reader.enter_map(map)) return prefixed(*e);
    while (true) {
      if (auto e = reader.next(map, more)) return prefixed(*e);
      if (!more) break;
      const std::size_t at = reader.offset();
      SenmlLabel label{};
      if (auto e = read_label(reader, scratch, label)) return prefixed(*e);
      if (auto e = fields.note(label, at, format_name)) return e;
      if (auto e = read_field(reader, label, fields)) return prefixed(*e);
    }
    if (auto e = decoder.add(fields)) return e;
  }
  if (auto e = reader.expect_end()) return prefixed(*e);
  return std::nullopt;
}

std::size_t cbor_text_size(std::size_t length) {
  return CborWriter::head_size(length) + length;
}

constexpr SenmlSizes cbor_sizes{cbor_text_size, CborWriter::number_size, 1, 1, 1};

void write_label(CborWriter& w, SenmlLabel label) {
  if (label == SenmlLabel::ObjlnkValue) {
    w.text("vlo");
  } else {
    w.signed_integer(senml_cbor_label(label));
  }
}

// Precondition: `value` is not None.
void write_value(CborWriter& w, const Value& value) {
  write_label(w, senml_value_label(value.type()));
  write_wire_value(w, value);
}

}  // namespace

std::optional<FormatError> decode_senml_cbor(std::span<const std::uint8_t> payload,
                                             const Path& base, const DecodeOptions& options,
                                             std::vector<Record>& out) {
  const std::size_t first = out.size();
  auto error = decode_pack(payload, base, options, out);
  if (error) out.erase(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  return error;
}

std::optional<FormatError> encode_senml_cbor(std::span<const Record> records, const Path& base,
                                             std::vector<std::uint8_t>& out) {
  SenmlPack pack;
  if (auto e = plan_senml(records, base, format_name, cbor_sizes, pack)) return e;
  CborWriter w(out);
  w.array(records.size());
  bool first = true;
  for (const Record& record : records) {
    const bool has_base_name = first && !pack.base_name.empty();
    const bool has_base_time = first && pack.base_time.has_value();
    first = false;
    // A plain double and flag rather than std::optional: g++ 12 -O2 misreports the optional as
    // maybe-uninitialized.
    double t = 0;
    bool has_t = false;
    if (record.time) {
      t = pack.base_time ? *record.time - *pack.base_time : *record.time;
      has_t = !(pack.base_time && t == 0);
    }
    w.map(std::size_t{1} + (has_base_name ? 1 : 0) + (has_base_time ? 1 : 0) +
          (record.value.is_none() ? 0 : 1) + (has_t ? 1 : 0));
    if (has_base_name) {
      write_label(w, SenmlLabel::BaseName);
      w.text(pack.base_name);
    }
    if (has_base_time) {
      write_label(w, SenmlLabel::BaseTime);
      w.number(*pack.base_time);
    }
    write_label(w, SenmlLabel::Name);
    w.text(std::string_view(record.path.to_string()).substr(pack.base_name.size()));
    if (!record.value.is_none()) write_value(w, record.value);
    if (has_t) {
      write_label(w, SenmlLabel::Time);
      w.number(t);
    }
  }
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
