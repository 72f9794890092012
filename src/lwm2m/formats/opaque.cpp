// application/octet-stream (42): the raw bytes of one Opaque resource or resource instance.
#include <string>

#include "format_codecs.hpp"
#include "single_value.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::string_view format_name = "application/octet-stream";

FormatError not_opaque(const Path& path, DataType type) {
  return FormatError{std::string(format_name) + " carries only Opaque values; " + path.to_string() +
                         " is " + std::string(to_string(type)),
                     0, path, FormatErrorKind::Unsupported};
}

}  // namespace

std::optional<FormatError> decode_opaque(std::span<const std::uint8_t> payload, const Path& base,
                                         const DecodeOptions& options, std::vector<Record>& out) {
  if (auto error = check_single_value_path(base, format_name)) return error;
  const DataType type = resolve_type(options, base, DataType::Opaque);
  if (type != DataType::Opaque) return not_opaque(base, type);
  out.push_back(Record{base, Value(Opaque(payload.begin(), payload.end())), std::nullopt});
  return std::nullopt;
}

std::optional<FormatError> encode_opaque(std::span<const Record> records, const Path& base,
                                         std::vector<std::uint8_t>& out) {
  const Record* record = nullptr;
  if (auto error = single_record(records, base, format_name, record)) return error;
  const auto* bytes = record->value.get_if<Opaque>();
  if (bytes == nullptr) return not_opaque(base, record->value.type());
  out.insert(out.end(), bytes->begin(), bytes->end());
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
