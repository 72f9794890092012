// Strict decimal numbers as text/plain, link-format attributes and JSON write them. The model
// layer holds them because value and range texts need them too; every layer above uses these.
//
// Doubles are converted without std::to_chars/std::from_chars: those bring 153 kB of libstdc++
// (Ryu and its tables, fast_float) into the device program. Short numbers are exact arithmetic;
// the others go through the C library's correctly rounded printf and strtod, slower (see
// docs/decisions.md). The texts are std::to_chars's, whatever the process locale.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover::lwm2m {

// Each parser accepts only the whole text: no spaces, no leading '+', no hex, no inf/nan.
// On failure `error_at` (when given) receives the offset of the first offending character
// (the text size when it ends too early; 0 when the number is out of range).
std::optional<std::int64_t> parse_int64(std::string_view text, std::size_t* error_at = nullptr);
std::optional<std::uint64_t> parse_uint64(std::string_view text, std::size_t* error_at = nullptr);
// ["-"] 1*DIGIT ["." 1*DIGIT] [("e" / "E") ["+" / "-"] 1*DIGIT]; out of range when the number
// would round to infinity, or to zero from nonzero digits (as std::from_chars has it).
std::optional<double> parse_double(std::string_view text, std::size_t* error_at = nullptr);

void append_int64(std::string& out, std::int64_t v);
void append_uint64(std::string& out, std::uint64_t v);
// Shortest text that reads back to exactly `v`, in plain decimal notation ("0.00000000006667",
// "3800") unless that gets long, then in exponent form ("1e+300"). Precondition: v is finite.
void append_double(std::string& out, double v);

// Room for any text of format_double: "-2.2250738585072014e-308" is the longest.
using DoubleText = std::array<char, 24>;
// Shortest text that reads back to exactly `v`, exactly as std::to_chars(first, last, v) writes
// it: the fewest digits (the nearest to `v` among those), in plain notation ("0.001", "123.5",
// "1152921504606846976") unless exponent form is shorter ("1e-05", "1e+22"). Precondition: v is
// finite.
std::string_view format_double(double v, DoubleText& buf);

}  // namespace drover::lwm2m
