// UTF-8 validation (RFC 3629) for String and Corelnk values read from the wire.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace drover::lwm2m::detail {

// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
// forms, surrogates and code points above U+10FFFF are ill-formed), or nullopt if all is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

}  // namespace drover::lwm2m::detail
