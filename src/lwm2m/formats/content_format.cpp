// Content-format names and numbers, and the dispatch to the per-format codecs.
#include "drover/lwm2m/formats/content_format.hpp"

#include "format_codecs.hpp"

namespace drover::lwm2m {
namespace {

// The optional formats of this build: DROVER_FORMATS in CMake gives each a 0 or 1. The dispatch
// below calls a left-out codec under `if constexpr`, so it is not referenced and not linked.
constexpr bool with_tlv = DROVER_FORMAT_TLV;
constexpr bool with_senml_json = DROVER_FORMAT_SENML_JSON;
constexpr bool with_senml_cbor = DROVER_FORMAT_SENML_CBOR;
constexpr bool with_oma_json = DROVER_FORMAT_OMA_JSON;
constexpr bool with_lwm2m_cbor = DROVER_FORMAT_LWM2M_CBOR;

FormatError not_built_in(ContentFormat format) {
  return FormatError{std::string(to_string(format)) + " is not in this build (DROVER_FORMATS)", 0,
                     std::nullopt, FormatErrorKind::Unsupported};
}

FormatError link_format_is_not_a_record_format() {
  return FormatError{
      "application/link-format carries links, not resource values: use parse_link_format / "
      "serialize_link_format (link_format.hpp)",
      0, std::nullopt, FormatErrorKind::Unsupported};
}

}  // namespace

std::string_view to_string(ContentFormat format) {
  switch (format) {
    case ContentFormat::Text:
      return "text/plain";
    case ContentFormat::LinkFormat:
      return "application/link-format";
    case ContentFormat::OctetStream:
      return "application/octet-stream";
    case ContentFormat::Cbor:
      return "application/cbor";
    case ContentFormat::SenmlJson:
      return "application/senml+json";
    case ContentFormat::SenmlCbor:
      return "application/senml+cbor";
    case ContentFormat::Tlv:
      return "application/vnd.oma.lwm2m+tlv";
    case ContentFormat::OmaJson:
      return "application/vnd.oma.lwm2m+json";
    case ContentFormat::Lwm2mCbor:
      return "application/vnd.oma.lwm2m+cbor";
  }
  return "unknown";
}

std::string_view to_string(FormatErrorKind kind) {
  switch (kind) {
    case FormatErrorKind::Malformed:
      return "malformed";
    case FormatErrorKind::Truncated:
      return "truncated";
    case FormatErrorKind::TypeMismatch:
      return "type mismatch";
    case FormatErrorKind::InvalidPath:
      return "invalid path";
    case FormatErrorKind::OutsideRequest:
      return "outside the request";
    case FormatErrorKind::Duplicate:
      return "duplicate";
    case FormatErrorKind::LimitExceeded:
      return "limit exceeded";
    case FormatErrorKind::Unsupported:
      return "unsupported";
  }
  return "unknown";
}

std::optional<ContentFormat> content_format_from_number(std::uint16_t number) {
  const auto format = static_cast<ContentFormat>(number);
  switch (format) {
    case ContentFormat::Text:
    case ContentFormat::LinkFormat:
    case ContentFormat::OctetStream:
    case ContentFormat::Cbor:
    case ContentFormat::SenmlJson:
    case ContentFormat::SenmlCbor:
    case ContentFormat::Tlv:
    case ContentFormat::OmaJson:
    case ContentFormat::Lwm2mCbor:
      return format;
  }
  return std::nullopt;
}

bool format_built_in(ContentFormat format) {
  switch (format) {
    case ContentFormat::Tlv:
      return with_tlv;
    case ContentFormat::SenmlJson:
      return with_senml_json;
    case ContentFormat::SenmlCbor:
      return with_senml_cbor;
    case ContentFormat::OmaJson:
      return with_oma_json;
    case ContentFormat::Lwm2mCbor:
      return with_lwm2m_cbor;
    case ContentFormat::Text:
    case ContentFormat::LinkFormat:
    case ContentFormat::OctetStream:
    case ContentFormat::Cbor:
      break;
  }
  return true;
}

std::optional<FormatError> decode(ContentFormat format, std::span<const std::uint8_t> payload,
                                  const Path& base, const DecodeOptions& options,
                                  std::vector<Record>& out) {
  // Records are placed below the request path: a reserved ID there would reach them.
  if (base.has_reserved_id()) {
    return FormatError{std::string(to_string(format)) + ": the request path " + base.to_string() +
                           " holds the reserved ID 65535",
                       0, base, FormatErrorKind::InvalidPath};
  }
  switch (format) {
    case ContentFormat::Text:
      return detail::decode_text(payload, base, options, out);
    case ContentFormat::OctetStream:
      return detail::decode_opaque(payload, base, options, out);
    case ContentFormat::Cbor:
      return detail::decode_cbor(payload, base, options, out);
    case ContentFormat::SenmlJson:
      if constexpr (with_senml_json) return detail::decode_senml_json(payload, base, options, out);
      return not_built_in(format);
    case ContentFormat::SenmlCbor:
      if constexpr (with_senml_cbor) return detail::decode_senml_cbor(payload, base, options, out);
      return not_built_in(format);
    case ContentFormat::Tlv:
      if constexpr (with_tlv) return detail::decode_tlv(payload, base, options, out);
      return not_built_in(format);
    case ContentFormat::OmaJson:
      if constexpr (with_oma_json) return detail::decode_oma_json(payload, base, options, out);
      return not_built_in(format);
    case ContentFormat::Lwm2mCbor:
      if constexpr (with_lwm2m_cbor) return detail::decode_lwm2m_cbor(payload, base, options, out);
      return not_built_in(format);
    case ContentFormat::LinkFormat:
      break;
  }
  return link_format_is_not_a_record_format();
}

std::optional<FormatError> encode(ContentFormat format, std::span<const Record> records,
                                  const Path& base, std::vector<std::uint8_t>& out) {
  switch (format) {
    case ContentFormat::Text:
      return detail::encode_text(records, base, out);
    case ContentFormat::OctetStream:
      return detail::encode_opaque(records, base, out);
    case ContentFormat::Cbor:
      return detail::encode_cbor(records, base, out);
    case ContentFormat::SenmlJson:
      if constexpr (with_senml_json) return detail::encode_senml_json(records, base, out);
      return not_built_in(format);
    case ContentFormat::SenmlCbor:
      if constexpr (with_senml_cbor) return detail::encode_senml_cbor(records, base, out);
      return not_built_in(format);
    case ContentFormat::Tlv:
      if constexpr (with_tlv) return detail::encode_tlv(records, base, out);
      return not_built_in(format);
    case ContentFormat::OmaJson:
      if constexpr (with_oma_json) return detail::encode_oma_json(records, base, out);
      return not_built_in(format);
    case ContentFormat::Lwm2mCbor:
      if constexpr (with_lwm2m_cbor) return detail::encode_lwm2m_cbor(records, base, out);
      return not_built_in(format);
    case ContentFormat::LinkFormat:
      break;
  }
  return link_format_is_not_a_record_format();
}

}  // namespace drover::lwm2m
