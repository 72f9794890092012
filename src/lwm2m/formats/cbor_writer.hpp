// A CBOR (RFC 8949) writer that picks the smallest encoding of every item: shortest heads, and
// for floats the smallest of half, single and double precision that holds the value exactly
// (as RFC 8949 §4.2.2 "preferred serialization" does, and as LwM2M and SenML CBOR
// implementations commonly do). NaN is written as the canonical half NaN 0xF97E00; its payload
// bits are not kept. Only definite lengths are written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace drover::lwm2m::detail {

class CborWriter {
 public:
  explicit CborWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  void unsigned_integer(std::uint64_t v) { head(0, v); }
  void signed_integer(std::int64_t v);
  void floating(double v);
  // An integer when `v` is integral and fits in int64, else floating(v). For SenML times,
  // where integer and float mean the same.
  void number(double v);
  void text(std::string_view v);
  void bytes(std::span<const std::uint8_t> v);
  void array(std::uint64_t count) { head(4, count); }
  void map(std::uint64_t count) { head(5, count); }
  void tag(std::uint64_t tag_number) { head(6, tag_number); }
  void boolean(bool v) { out_.push_back(v ? 0xF5 : 0xF4); }
  void null() { out_.push_back(0xF6); }

  // Bytes of a head carrying `argument`.
  static std::size_t head_size(std::uint64_t argument);
  // Bytes number(v) writes.
  static std::size_t number_size(double v);

 private:
  void head(std::uint8_t major, std::uint64_t argument);

  std::vector<std::uint8_t>& out_;
};

}  // namespace drover::lwm2m::detail
