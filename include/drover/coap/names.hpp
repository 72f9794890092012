// Readable names of CoAP header fields and options (RFC 7252 §5.10, §12; RFC 7641, 7959, 8613,
// 7967), for logs and the HTTP API's message log. Nothing here is on the protocol path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "drover/coap/message.hpp"

namespace drover::coap {

// "CON", "NON", "ACK", "RST".
std::string_view type_name(Type type);

// "GET", "Content", "Not Found" ...; empty for codes without a registered name.
std::string_view code_name(Code code);

// "Uri-Path", "Content-Format" ...; empty for unknown option numbers.
std::string_view option_name(std::uint16_t number);

// How an option's value reads: text for string options, a number for uint ones, "NUM[+]/SIZE"
// for Block1/Block2 (+: more blocks follow), lower-case hex for the opaque and unknown ones.
enum class OptionFormat : std::uint8_t { Empty, Opaque, Uint, String, Block };
OptionFormat option_format(std::uint16_t number);

// RFC 7959 §2.2 block value as "NUM[+]/SIZE", e.g. "2+/1024".
std::string block_text(std::uint32_t value);

}  // namespace drover::coap
