// Helpers shared by the codecs: the request-path and record checks of the single-value formats
// (text/plain, octet-stream, CBOR) and resource type lookup.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::lwm2m::detail {

// The type `options.types` gives the resource of `path`, or `fallback` when there is no
// resolver, the resource is unknown or `path` names no resource.
DataType resolve_type(const DecodeOptions& options, const Path& path, DataType fallback);

// Error unless `base` is a resource or resource instance path (`format` names the format).
std::optional<FormatError> check_single_value_path(const Path& base, std::string_view format);

// Picks the one record a single-value format encodes: exactly one record, at `base`, with a value.
std::optional<FormatError> single_record(std::span<const Record> records, const Path& base,
                                         std::string_view format, const Record*& record);

}  // namespace drover::lwm2m::detail
