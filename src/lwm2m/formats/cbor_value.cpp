#include "lwm2m/formats/cbor_value.hpp"

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
  switch (value.type()) {
    case DataType::None:
      writer.null();
      break;
    case DataType::String:
      writer.text(value.get<std::string>());
      break;
    case DataType::Corelnk:
      writer.text(value.get<Corelnk>().text);
      break;
    case DataType::Integer:
      writer.signed_integer(value.get<std::int64_t>());
      break;
    case DataType::UnsignedInteger:
      writer.unsigned_integer(value.get<std::uint64_t>());
      break;
    case DataType::Float:
      writer.floating(value.get<double>());
      break;
    case DataType::Boolean:
      writer.boolean(value.get<bool>());
      break;
    case DataType::Opaque:
      writer.bytes(value.get<Opaque>());
      break;
    case DataType::Time:
      writer.tag(1);
      writer.signed_integer(value.get<Time>().seconds);
      break;
    case DataType::Objlnk:
      writer.text(objlnk_text(value.get<Objlnk>()));
      break;
  }
}

}  // namespace drover::lwm2m::detail
