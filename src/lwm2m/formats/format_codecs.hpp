// Per-format codecs behind the dispatcher in content_format.cpp. Each follows the contract of
// lwm2m::decode / lwm2m::encode (content_format.hpp).
#pragma once

#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::lwm2m::detail {

#define DROVER_DECLARE_FORMAT_CODEC(name)                                                        \
  std::optional<FormatError> decode_##name(std::span<const std::uint8_t> payload,               \
                                           const Path& base, const DecodeOptions& options,      \
                                           std::vector<Record>& out);                           \
  std::optional<FormatError> encode_##name(std::span<const Record> records, const Path& base,   \
                                           std::vector<std::uint8_t>& out)

DROVER_DECLARE_FORMAT_CODEC(text);        // text/plain (0)
DROVER_DECLARE_FORMAT_CODEC(opaque);      // application/octet-stream (42)
DROVER_DECLARE_FORMAT_CODEC(tlv);         // TLV (11542)
DROVER_DECLARE_FORMAT_CODEC(cbor);        // application/cbor (60), single values
DROVER_DECLARE_FORMAT_CODEC(senml_json);  // SenML JSON (110)
DROVER_DECLARE_FORMAT_CODEC(senml_cbor);  // SenML CBOR (112)
DROVER_DECLARE_FORMAT_CODEC(oma_json);    // OMA JSON (11543)
DROVER_DECLARE_FORMAT_CODEC(lwm2m_cbor);  // LwM2M CBOR (11544)

#undef DROVER_DECLARE_FORMAT_CODEC

}  // namespace drover::lwm2m::detail
