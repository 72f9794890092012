// Strict decimal numbers as text/plain and link-format attributes write them.
#pragma once

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
// ["-"] 1*DIGIT ["." 1*DIGIT] [("e" / "E") ["+" / "-"] 1*DIGIT]
std::optional<double> parse_double(std::string_view text, std::size_t* error_at = nullptr);

void append_int64(std::string& out, std::int64_t v);
void append_uint64(std::string& out, std::uint64_t v);
// Shortest text that reads back to exactly `v`, in plain decimal notation ("0.00000000006667",
// "3800") unless that gets long, then in exponent form ("1e+300"). Precondition: v is finite.
void append_double(std::string& out, double v);

}  // namespace drover::lwm2m
