// Resource ranges: what a <RangeEnumeration> allows, in the forms the OMA registry's object
// definitions use, so that the validator can refuse values outside them.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

// One end of an interval: exact for integers (the whole int64 and uint64 ranges), a double for
// decimals.
struct RangeBound {
  bool integral = true;
  bool negative = false;
  std::uint64_t magnitude = 0;  // when integral
  double number = 0;            // always (rounded for large integers)
  friend bool operator==(const RangeBound&, const RangeBound&) = default;
};

struct RangeInterval {
  RangeBound low;
  RangeBound high;  // == low for a single allowed value
  friend bool operator==(const RangeInterval&, const RangeInterval&) = default;
};

struct ValueRange {
  // Value: the number itself (Integer, Unsigned Integer, Float, Time). Length: the size in bytes
  // of a String, Corelnk or Opaque value.
  enum class Measure : std::uint8_t { Value, Length };
  Measure measure = Measure::Value;
  std::vector<RangeInterval> allowed;  // the value (or its length) lies in one of them

  // True when `value` lies in the range. Values of another kind (a String for a numeric range,
  // None) are not this check's business and pass; NaN lies in no range.
  bool contains(const Value& value) const;
  friend bool operator==(const ValueRange&, const ValueRange&) = default;
};

// The size in bytes of a String, Corelnk or Opaque value; nullopt for other values.
std::optional<std::size_t> value_length(const Value& value);

// Why a range text gives no check.
enum class RangeSkip : std::uint8_t {
  None,           // parsed
  Empty,          // no range given
  NotApplicable,  // the type takes no range (Boolean, Objlnk, none), or a byte size of a number
  LoneNumber,     // "255", "64 bytes": a maximum or the one allowed value? Not guessed.
  Reversed,       // an interval whose low end is above its high end ("-30..-120")
  Prose,          // anything else: words, bit counts, "[1:4]", "<7 to >12.5"
};
std::string_view to_string(RangeSkip);

struct RangeParse {
  std::optional<ValueRange> range;  // set when skip == None
  RangeSkip skip = RangeSkip::None;
};

// Reads the <RangeEnumeration> of a resource of `type`. Accepted, with spaces anywhere between
// the parts: intervals "0..100", "1...15", "0-100", "-40..85", "-90.0..90.0"; lists of intervals
// and values separated by ',', ';' or "or" ("0,1,2", "0..3, 99", "0; 3.8..20.5", "10 or 26");
// labelled enumerations, one "value: label" per line; and for String, Corelnk and Opaque a
// length in bytes, with or without the word "bytes" ("0..255 bytes", "1-64 Bytes", "16,32,48").
RangeParse parse_range(std::string_view text, DataType type);

}  // namespace drover::lwm2m
