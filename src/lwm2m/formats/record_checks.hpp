// The checks every encoder makes before it writes a byte, so that no encoder emits a payload
// its own decoder (or a peer's) refuses.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::lwm2m::detail {

// Error (InvalidPath) when the request path or a record's path holds the reserved ID 65535, or
// (OutsideRequest) when a record does not lie at or below the request path. `format` names the
// format in the message.
std::optional<FormatError> check_record_paths(std::span<const Record> records, const Path& base,
                                              std::string_view format);

// Error (Duplicate) when a decoded record's path is another's or lies below it: the same path
// twice, or a value and an entry below it, is ambiguous. `offsets` holds the payload offset of
// each record, for the report; `format` names the format in the message.
std::optional<FormatError> check_unique_paths(std::span<const Record> records,
                                              std::span<const std::size_t> offsets,
                                              std::string_view format);

}  // namespace drover::lwm2m::detail
