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

// Whether this build carries the format's codec. A device build may leave out the optional
// multi-value formats (CMake DROVER_FORMATS); text, opaque, link-format and CBOR single values are
// always in. decode and encode answer Unsupported for a format left out.
bool format_built_in(ContentFormat);

// What kind of failure a FormatError is, so that callers can answer with a CoAP code without
// reading the message. A decoder's errors are the peer's fault: 4.00 Bad Request, except
// LimitExceeded (4.13 Request Entity Too Large) and Unsupported (4.15 Unsupported Content-Format).
// An encoder's Unsupported means another format may carry the data (4.06 Not Acceptable); its
// other kinds are the caller's own inconsistent records (5.00).
enum class FormatErrorKind : std::uint8_t {
  Malformed,       // not well-formed: syntax, structure, bad UTF-8 or base64, an unknown "_" label
  Truncated,       // the input ends inside an item, or a length runs past the end
  TypeMismatch,    // a value that does not fit its resource's type (kind, range, length, Execute)
  InvalidPath,     // a name that is no LwM2M path, a reserved ID 65535, a value above a resource
  OutsideRequest,  // a record not at or below the request path
  Duplicate,       // a path given twice (or a value and entries below it), a repeated label
  LimitExceeded,   // more records, nesting, links, attributes or bytes than the limits allow
  Unsupported,     // well-formed, but not carried here: the request path or a value the format
                   // cannot hold (NaN in JSON), SenML sums, link-format through decode/encode
};
std::string_view to_string(FormatErrorKind);  // "malformed", "truncated", ...

// A decoding or encoding failure: what went wrong, the byte offset in the input where it was
// found (decoders), the path concerned when known, and its kind.
struct FormatError {
  std::string message;
  std::size_t offset = 0;
  std::optional<Path> path;
  FormatErrorKind kind = FormatErrorKind::Malformed;
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

// Encodes `records` (all at or below `base`) in `format`, appended to `out`; nothing is appended
// on error. Every encoder refuses a path holding the reserved ID 65535 (InvalidPath), as every
// decoder does, and records outside `base` (OutsideRequest).
std::optional<FormatError> encode(ContentFormat format, std::span<const Record> records,
                                  const Path& base, std::vector<std::uint8_t>& out);

}  // namespace drover::lwm2m
