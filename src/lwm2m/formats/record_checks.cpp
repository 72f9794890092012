#include "lwm2m/formats/record_checks.hpp"

#include <string>

namespace drover::lwm2m::detail {

std::optional<FormatError> check_record_paths(std::span<const Record> records, const Path& base,
                                              std::string_view format) {
  const auto error = [&](FormatErrorKind kind, std::string message, const Path& path) {
    return FormatError{std::string(format) + ": " + std::move(message), 0, path, kind};
  };
  if (base.has_reserved_id()) {
    return error(FormatErrorKind::InvalidPath,
                 "the request path " + base.to_string() + " holds the reserved ID 65535", base);
  }
  for (const Record& r : records) {
    if (r.path.has_reserved_id()) {
      return error(FormatErrorKind::InvalidPath,
                   r.path.to_string() + " holds the reserved ID 65535", r.path);
    }
    if (!base.is_prefix_of(r.path)) {
      return error(FormatErrorKind::OutsideRequest,
                   r.path.to_string() + " lies outside the request path " + base.to_string(),
                   r.path);
    }
  }
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
