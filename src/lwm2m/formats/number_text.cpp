#include "drover/lwm2m/formats/number_text.hpp"

#include <array>
#include <charconv>
#include <system_error>

namespace drover::lwm2m {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

template <typename T>
std::optional<T> parse_integer(std::string_view text, std::size_t* error_at) {
  T value{};
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc{} && ptr == end) return value;
  if (error_at != nullptr) {
    *error_at = ec == std::errc::result_out_of_range ? 0 : static_cast<std::size_t>(ptr - begin);
  }
  return std::nullopt;
}

// Offset just past the digits starting at `i`.
std::size_t skip_digits(std::string_view text, std::size_t i) {
  while (i < text.size() && is_digit(text[i])) ++i;
  return i;
}

// Scans the grammar of parse_double from the start of `text`. Returns where the scan stopped;
// `complete` tells whether what came before forms a number (false for "1." or "-").
std::size_t scan_decimal(std::string_view text, bool& complete) {
  complete = false;
  std::size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  std::size_t j = skip_digits(text, i);
  if (j == i) return i;
  i = j;
  if (i < text.size() && text[i] == '.') {
    j = skip_digits(text, i + 1);
    if (j == i + 1) return j;
    i = j;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t k = i + 1;
    if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
    j = skip_digits(text, k);
    if (j == k) return k;
    i = j;
  }
  complete = true;
  return i;
}

}  // namespace

std::optional<std::int64_t> parse_int64(std::string_view text, std::size_t* error_at) {
  return parse_integer<std::int64_t>(text, error_at);
}

std::optional<std::uint64_t> parse_uint64(std::string_view text, std::size_t* error_at) {
  return parse_integer<std::uint64_t>(text, error_at);
}

std::optional<double> parse_double(std::string_view text, std::size_t* error_at) {
  // from_chars alone would also take "inf", "nan" and "1." forms; check the grammar first.
  bool complete = false;
  const std::size_t stop = scan_decimal(text, complete);
  if (!complete || stop != text.size()) {
    if (error_at != nullptr) *error_at = stop;
    return std::nullopt;
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    if (error_at != nullptr) *error_at = 0;
    return std::nullopt;
  }
  return value;
}

void append_int64(std::string& out, std::int64_t v) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

void append_uint64(std::string& out, std::uint64_t v) {
  std::array<char, 24> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), r.ptr);
}

void append_double(std::string& out, double v) {
  // Plain notation is what LwM2M examples use and every peer reads; beyond this length the
  // exponent form is both shorter and still accepted by common parsers.
  constexpr std::ptrdiff_t max_plain_length = 24;
  std::array<char, 400> buf{};  // the longest plain form of a double is under 330 characters
  auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  if (r.ec != std::errc{} || r.ptr - buf.data() > max_plain_length) {
    r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  }
  out.append(buf.data(), r.ptr);
}

}  // namespace drover::lwm2m
