#include "cbor_value.hpp"

namespace drover::lwm2m::detail {

std::optional<FormatError> read_cbor_value(CborReader& reader, WireValue& out) {
  out = WireValue{};
  if (auto e = reader.skip_tags(out.time_tag)) return e;
  CborType type{};
  if (auto e = reader.peek(type)) return e;
  switch (type) {
    case CborType::Unsigned:
    case CborType::Negative:
    case CborType::Float:
      out.kind = WireValue::Kind::Number;
      return reader.read_number(out.number);
    case CborType::Text:
      out.kind = WireValue::Kind::Text;
      return reader.read_text(out.text);
    case CborType::Bytes:
      out.kind = WireValue::Kind::Bytes;
      return reader.read_bytes(out.bytes);
    case CborType::True:
    case CborType::False:
      out.kind = WireValue::Kind::Boolean;
      return reader.read_bool(out.boolean);
    default:
      break;
  }
  return FormatError{"expected a resource value (number, string, byte string or boolean)",
                     reader.offset(), std::nullopt, FormatErrorKind::Malformed};
}

void write_cbor_value(CborWriter& writer, const Value& value) {
  if (value.is_none()) return writer.null();
  if (value.type() == DataType::Time) writer.tag(1);
  write_wire_value(writer, value);
}

}  // namespace drover::lwm2m::detail
