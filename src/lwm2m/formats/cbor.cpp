// application/cbor (60): one resource or resource instance value as a single CBOR data item
// (Core TS 1.1+). The item's major type gives the value's natural type; the TypeResolver tells
// Time, Objlnk and Corelnk apart from integers and strings. Record times are not carried.
#include "cbor_value.hpp"
#include "format_codecs.hpp"
#include "single_value.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "CBOR";

}  // namespace

std::optional<FormatError> decode_cbor(std::span<const std::uint8_t> payload, const Path& base,
                                       const DecodeOptions& options, std::vector<Record>& out) {
  if (auto error = check_single_value_path(base, format_name)) return error;
  CborReader reader(payload);
  WireValue wire;
  auto error = read_cbor_value(reader, wire);
  if (!error) error = reader.expect_end();
  if (error) {
    error->message = std::string(format_name) + ": " + error->message;
    error->path = base;
    return error;
  }
  Value value;
  if (auto why = to_value(wire, lookup_type(options, base), value)) {
    return FormatError{std::string(format_name) + ": " + base.to_string() + ": " + *why, 0, base,
                       FormatErrorKind::TypeMismatch};
  }
  out.push_back(Record{base, std::move(value), std::nullopt});
  return std::nullopt;
}

std::optional<FormatError> encode_cbor(std::span<const Record> records, const Path& base,
                                       std::vector<std::uint8_t>& out) {
  const Record* record = nullptr;
  if (auto error = single_record(records, base, format_name, record)) return error;
  if (!has_valid_text(record->value)) {
    return FormatError{
        std::string(format_name) + ": " + base.to_string() + ": text is not valid UTF-8", 0, base,
        FormatErrorKind::Malformed};
  }
  CborWriter writer(out);
  write_cbor_value(writer, record->value);
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
