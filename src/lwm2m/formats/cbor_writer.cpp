#include "cbor_writer.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <optional>

#include "wire_value.hpp"

namespace drover::lwm2m::detail {
namespace {

// The binary16 encoding of `v` if it holds `v` exactly (NaN maps to the canonical quiet NaN).
std::optional<std::uint16_t> exact_half(double v) {
  if (std::isnan(v)) return std::uint16_t{0x7E00};
  const std::uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const double a = std::fabs(v);
  if (std::isinf(a)) return static_cast<std::uint16_t>(sign | 0x7C00u);
  if (a == 0) return sign;
  if (a > 65504.0) return std::nullopt;  // largest finite half
  if (a < 0x1p-14) {                     // subnormal: a multiple of 2^-24 below 2^-14
    const double units = a * 0x1p24;     // exact: a scaling by a power of two
    if (!is_whole(units)) return std::nullopt;
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(units));
  }
  // A normal half is a binary32 whose mantissa has 10 significant bits (of 23); by bits rather
  // than frexp, so that the formats need no maths library.
  const auto single = static_cast<float>(a);
  if (double{single} != a) return std::nullopt;
  const auto bits = std::bit_cast<std::uint32_t>(single);
  if ((bits & 0x1FFFu) != 0) return std::nullopt;
  const std::uint32_t biased = (bits >> 23) - 112u;  // 127 to 15: 1..30 given the range checks
  return static_cast<std::uint16_t>(sign | (biased << 10) | ((bits >> 13) & 0x3FFu));
}

bool exact_single(double v) {
  return std::isnan(v) || std::isinf(v) ||
         (std::fabs(v) <= std::numeric_limits<float>::max() && double{static_cast<float>(v)} == v);
}

}  // namespace

std::size_t CborWriter::head_size(std::uint64_t argument) {
  if (argument < 24) return 1;
  if (argument <= 0xFF) return 2;
  if (argument <= 0xFFFF) return 3;
  if (argument <= 0xFFFFFFFF) return 5;
  return 9;
}

std::size_t CborWriter::number_size(double v) {
  if (const auto i = exact_int64(v)) {
    return head_size(*i < 0 ? static_cast<std::uint64_t>(-1 - *i) : static_cast<std::uint64_t>(*i));
  }
  if (exact_half(v)) return 3;
  return exact_single(v) ? 5 : 9;
}

void CborWriter::head(std::uint8_t major, std::uint64_t argument) {
  const auto initial = static_cast<std::uint8_t>(major << 5);
  const std::size_t size = head_size(argument);
  if (size == 1) {
    out_.push_back(static_cast<std::uint8_t>(initial | argument));
    return;
  }
  const std::size_t n = size - 1;  // 1, 2, 4 or 8 argument bytes
  const auto info = static_cast<std::uint8_t>(24 + std::countr_zero(n));
  out_.push_back(static_cast<std::uint8_t>(initial | info));
  for (std::size_t i = n; i-- > 0;) out_.push_back(static_cast<std::uint8_t>(argument >> (8 * i)));
}

void CborWriter::signed_integer(std::int64_t v) {
  // Major type 1 carries -1 - v; computed without overflow for INT64_MIN.
  if (v >= 0) {
    head(0, static_cast<std::uint64_t>(v));
  } else {
    head(1, static_cast<std::uint64_t>(-1 - v));
  }
}

void CborWriter::floating(double v) {
  if (const auto half = exact_half(v)) {
    out_.push_back(0xF9);
    out_.push_back(static_cast<std::uint8_t>(*half >> 8));
    out_.push_back(static_cast<std::uint8_t>(*half));
    return;
  }
  if (exact_single(v)) {
    const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(v));
    out_.push_back(0xFA);
    for (int i = 3; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
    return;
  }
  const auto bits = std::bit_cast<std::uint64_t>(v);
  out_.push_back(0xFB);
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

void CborWriter::number(double v) {
  if (const auto i = exact_int64(v)) {
    signed_integer(*i);
  } else {
    floating(v);
  }
}

void CborWriter::text(std::string_view v) {
  head(3, v.size());
  out_.insert(out_.end(), v.begin(), v.end());
}

void CborWriter::bytes(std::span<const std::uint8_t> v) {
  head(2, v.size());
  out_.insert(out_.end(), v.begin(), v.end());
}

}  // namespace drover::lwm2m::detail
