#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "drover/lwm2m/model/range.hpp"

namespace drover::lwm2m {
namespace {

using L64 = std::numeric_limits<std::int64_t>;
using U64 = std::numeric_limits<std::uint64_t>;

ValueRange parsed(std::string_view text, DataType type) {
  const auto result = parse_range(text, type);
  EXPECT_EQ(result.skip, RangeSkip::None) << text << ": " << to_string(result.skip);
  return result.range.value_or(ValueRange{});
}

RangeSkip skip_of(std::string_view text, DataType type) {
  return parse_range(text, type).skip;
}

Value i(std::int64_t v) {
  return Value(v);
}

TEST(Range, IntervalsInEveryNotation) {
  for (const std::string_view text : {"0..100", "0-100", "0...100", " 0 .. 100 ", "0 - 100"}) {
    const auto r = parsed(text, DataType::Integer);
    EXPECT_EQ(r.measure, ValueRange::Measure::Value);
    EXPECT_TRUE(r.contains(i(0))) << text;
    EXPECT_TRUE(r.contains(i(100))) << text;
    EXPECT_FALSE(r.contains(i(-1))) << text;
    EXPECT_FALSE(r.contains(i(101))) << text;
  }
  const auto signed_range = parsed("-40..85", DataType::Integer);
  EXPECT_TRUE(signed_range.contains(i(-40)));
  EXPECT_FALSE(signed_range.contains(i(-41)));
  const auto negative = parsed("-120..-30", DataType::Integer);
  EXPECT_TRUE(negative.contains(i(-30)));
  EXPECT_FALSE(negative.contains(i(-29)));
  EXPECT_FALSE(negative.contains(i(L64::min())));
}

TEST(Range, NumbersOfEveryType) {
  const auto id = parsed("1..65534", DataType::UnsignedInteger);
  EXPECT_TRUE(id.contains(Value(std::uint64_t{65534})));
  EXPECT_FALSE(id.contains(Value(std::uint64_t{65535})));
  EXPECT_FALSE(id.contains(Value(std::uint64_t{0})));
  EXPECT_FALSE(id.contains(Value(U64::max())));
  // The whole uint64 range is exact, not rounded through a double.
  const auto all = parsed("0..18446744073709551615", DataType::UnsignedInteger);
  EXPECT_TRUE(all.contains(Value(U64::max())));
  const auto below_max = parsed("0..18446744073709551614", DataType::UnsignedInteger);
  EXPECT_FALSE(below_max.contains(Value(U64::max())));
  // Integers far below zero compare exactly too.
  const auto int64 = parsed("-9223372036854775808..-9223372036854775807", DataType::Integer);
  EXPECT_TRUE(int64.contains(i(L64::min())));
  EXPECT_FALSE(int64.contains(i(-9223372036854775806)));

  const auto latitude = parsed("-90.0..90.0", DataType::Float);
  EXPECT_TRUE(latitude.contains(Value(-90.0)));
  EXPECT_TRUE(latitude.contains(Value(45.5)));
  EXPECT_FALSE(latitude.contains(Value(90.000001)));
  EXPECT_FALSE(latitude.contains(Value(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_FALSE(latitude.contains(Value(-std::numeric_limits<double>::infinity())));
  const auto fraction = parsed("0..1", DataType::Float);
  EXPECT_TRUE(fraction.contains(Value(0.5)));
  EXPECT_FALSE(fraction.contains(Value(1.5)));

  const auto time = parsed("0..4102444800", DataType::Time);
  EXPECT_TRUE(time.contains(Value(Time{1700000000})));
  EXPECT_FALSE(time.contains(Value(Time{-1})));
}

TEST(Range, ListsAndEnumerations) {
  const auto list = parsed("5, 10, 15, 20", DataType::Integer);
  EXPECT_TRUE(list.contains(i(15)));
  EXPECT_FALSE(list.contains(i(12)));
  const auto mixed = parsed("0..247, 255", DataType::Integer);
  EXPECT_TRUE(mixed.contains(i(247)));
  EXPECT_TRUE(mixed.contains(i(255)));
  EXPECT_FALSE(mixed.contains(i(250)));
  const auto floats = parsed("0; 3.8..20.5", DataType::Float);
  EXPECT_TRUE(floats.contains(Value(0.0)));
  EXPECT_TRUE(floats.contains(Value(3.8)));
  EXPECT_FALSE(floats.contains(Value(2.0)));
  const auto labelled =
      parsed("0: disabled\n\t\t\t\t1: normal\n\t\t\t\t2: remote\n\t\t\t\t255: non_responsive",
             DataType::Integer);
  EXPECT_TRUE(labelled.contains(i(255)));
  EXPECT_FALSE(labelled.contains(i(3)));
  EXPECT_TRUE(parsed("1: on", DataType::UnsignedInteger).contains(Value(std::uint64_t{1})));
}

TEST(Range, LengthsOfStringsAndOpaque) {
  for (const std::string_view text : {"0..255 bytes", "0-255 bytes", "0..255 Bytes", "0..255"}) {
    const auto r = parsed(text, DataType::String);
    EXPECT_EQ(r.measure, ValueRange::Measure::Length) << text;
    EXPECT_TRUE(r.contains(Value(std::string(255, 'x')))) << text;
    EXPECT_FALSE(r.contains(Value(std::string(256, 'x')))) << text;
  }
  const auto keys = parsed("16,32,48", DataType::Opaque);
  EXPECT_TRUE(keys.contains(Value(Opaque(32))));
  EXPECT_FALSE(keys.contains(Value(Opaque(31))));
  const auto wep = parsed("0 or 26 Bytes", DataType::String);
  EXPECT_TRUE(wep.contains(Value("")));
  EXPECT_FALSE(wep.contains(Value("abc")));
  // Bytes, not characters: "é" is two.
  EXPECT_FALSE(parsed("1..1 bytes", DataType::String).contains(Value("\xc3\xa9")));
  EXPECT_TRUE(parsed("0..6", DataType::Corelnk).contains(Value(Corelnk{"</3/0>"})));
  EXPECT_EQ(value_length(Value(Opaque{1, 2})), 2u);
  EXPECT_EQ(value_length(Value(std::int64_t{1})), std::nullopt);
}

TEST(Range, ValuesOfAnotherKindPass) {
  // The validator reports a type mismatch for those; the range has no opinion.
  EXPECT_TRUE(parsed("0..1", DataType::Integer).contains(Value("text")));
  EXPECT_TRUE(parsed("0..1", DataType::String).contains(i(5)));
  EXPECT_TRUE(parsed("0..1", DataType::Integer).contains(Value()));
}

TEST(Range, FormsThatAreNotCheckedSayWhy) {
  EXPECT_EQ(skip_of("", DataType::Integer), RangeSkip::Empty);
  EXPECT_EQ(skip_of("  \n", DataType::Integer), RangeSkip::Empty);
  EXPECT_EQ(skip_of("0..65535", DataType::Boolean), RangeSkip::NotApplicable);
  EXPECT_EQ(skip_of("0..1", DataType::Objlnk), RangeSkip::NotApplicable);
  EXPECT_EQ(skip_of("2 bytes", DataType::Integer), RangeSkip::NotApplicable);
  EXPECT_EQ(skip_of("255", DataType::Integer), RangeSkip::LoneNumber);
  EXPECT_EQ(skip_of("64", DataType::String), RangeSkip::LoneNumber);
  EXPECT_EQ(skip_of("12 Bytes", DataType::String), RangeSkip::LoneNumber);
  EXPECT_EQ(skip_of("-30..-120", DataType::Integer), RangeSkip::Reversed);
  for (const std::string_view prose :
       {"8 bit", "8-Bits", "16-bit", "2 Instances", "[1:4]", "<7 to >12.5", "ON;OFF",
        "16-32-48 bytes", "The possible values are those listed in the LwM2M Core Specification",
        "0..1.5 bytes", "-1..5 bytes", "1..", "..5", "0x10..0x20", "1e3..1e4"}) {
    EXPECT_EQ(skip_of(prose, prose.find("bytes") != std::string_view::npos ? DataType::String
                                                                           : DataType::Integer),
              RangeSkip::Prose)
        << prose;
  }
  EXPECT_EQ(to_string(RangeSkip::LoneNumber), "a lone number (maximum or only value?)");
}

}  // namespace
}  // namespace drover::lwm2m
