// Base64 (RFC 4648 §4) and base64url (§5) for the textual content formats: Opaque values in
// text/plain, SenML JSON "vd" and OMA JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drover::lwm2m {

// Standard alphabet, with '=' padding.
std::string base64_encode(std::span<const std::uint8_t> data);
// URL-safe alphabet, without padding (the form RFC 8428 prescribes for SenML "vd").
std::string base64url_encode(std::span<const std::uint8_t> data);

// Decodes standard (url_alphabet = false) or URL-safe (true) base64, padded or unpadded.
// Returns nullopt on a character outside the alphabet, misplaced or partial padding, an
// impossible length (4n+1) or non-zero unused bits in the last character (non-canonical).
// Whitespace is not accepted.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, bool url_alphabet);

}  // namespace drover::lwm2m
