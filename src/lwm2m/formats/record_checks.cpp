#include "record_checks.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

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

std::optional<FormatError> check_unique_paths(std::span<const Record> records,
                                              std::span<const std::size_t> offsets,
                                              std::string_view format) {
  const std::size_t n = records.size();
  if (n < 2) return std::nullopt;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return records[a].path < records[b].path; });
  for (std::size_t k = 1; k < n; ++k) {
    const Path& first = records[order[k - 1]].path;
    const Path& second = records[order[k]].path;
    if (first.is_prefix_of(second)) {
      return FormatError{std::string(format) + ": duplicate entries for " + second.to_string(),
                         std::max(offsets[order[k - 1]], offsets[order[k]]), second,
                         FormatErrorKind::Duplicate};
    }
  }
  return std::nullopt;
}

}  // namespace drover::lwm2m::detail
