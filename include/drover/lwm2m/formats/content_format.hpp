// LwM2M content formats (CoAP Content-Format numbers) and the common encode/decode entry points.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

enum class ContentFormat : std::uint16_t {
  Text = 0,
  LinkFormat = 40,
  OctetStream = 42,  // application/octet-stream
  Cbor = 60,
  SenmlJson = 110,
  SenmlCbor = 112,
  Tlv = 11542,
  OmaJson = 11543,
  Lwm2mCbor = 11544,
};
std::string_view to_string(ContentFormat);  // "text/plain", "application/vnd.oma.lwm2m+tlv", ...
std::optional<ContentFormat> content_format_from_number(std::uint16_t);

// A decoding or encoding failure: what went wrong, the byte offset in the input where it was
// found (decoders), and the path concerned when known.
struct FormatError {
  std::string message;
  std::size_t offset = 0;
  std::optional<Path> path;
};

struct DecodeOptions {
  // Resolves resource types for formats that carry none. May be null: decoders then use the
  // type the bytes naturally give (TLV and text: Opaque/String; SenML numbers: Integer or Float).
  const TypeResolver* types = nullptr;
  // Absolute time used to resolve relative SenML times (seconds since the epoch).
  double now = 0;
  // Upper bound on the number of records a payload may produce.
  std::size_t max_records = 65536;
};

// Decodes a payload of `format` that answers or targets `base` (the request path) into records,
// appended to `out`. Resource-value formats (Text, Opaque, Cbor) require a resource or resource
// instance path. LinkFormat is not a record format (see link_format.hpp).
std::optional<FormatError> decode(ContentFormat format, std::span<const std::uint8_t> payload,
                                  const Path& base, const DecodeOptions& options,
                                  std::vector<Record>& out);

// Encodes `records` (all at or below `base`) in `format`, appended to `out`.
std::optional<FormatError> encode(ContentFormat format, std::span<const Record> records,
                                  const Path& base, std::vector<std::uint8_t>& out);

}  // namespace drover::lwm2m
