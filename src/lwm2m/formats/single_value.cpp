#include "single_value.hpp"

#include <string>

#include "record_checks.hpp"

namespace drover::lwm2m::detail {

DataType resolve_type(const DecodeOptions& options, const Path& path, DataType fallback) {
  if (options.types == nullptr || !path.has_resource()) return fallback;
  const auto shape = options.types->lookup(path.object_id(), path.resource_id());
  return shape ? shape->type : fallback;
}

std::optional<FormatError> check_single_value_path(const Path& base, std::string_view format) {
  if (base.has_resource()) return std::nullopt;
  return FormatError{std::string(format) +
                         " carries a single resource or resource instance value, not " +
                         base.to_string(),
                     0, base, FormatErrorKind::Unsupported};
}

std::optional<FormatError> single_record(std::span<const Record> records, const Path& base,
                                         std::string_view format, const Record*& record) {
  if (auto error = check_single_value_path(base, format)) return error;
  if (auto error = check_record_paths(records, base, format)) return error;
  if (records.size() != 1) {
    return FormatError{
        std::string(format) + " encodes exactly one value, got " + std::to_string(records.size()),
        0, base, FormatErrorKind::Unsupported};
  }
  if (records[0].path != base) {
    return FormatError{std::string(format) + " value is for " + records[0].path.to_string() +
                           ", not the request path " + base.to_string(),
                       0, records[0].path, FormatErrorKind::OutsideRequest};
  }
  if (records[0].value.is_none()) {
    return FormatError{std::string(format) + " has no value to encode", 0, base,
                       FormatErrorKind::Unsupported};
  }
  record = &records[0];
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
