#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "format_codecs.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

using testing::MapResolver;

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

const Path resource{3442, 0, 1};

// Decodes `text` as the value of /3442/0/1 declared with `type`.
std::optional<FormatError> decode_as(DataType type, std::string_view text, Value& value) {
  MapResolver types;
  types.set(3442, 1, type);
  DecodeOptions options;
  options.types = &types;
  std::vector<Record> out;
  auto error = detail::decode_text(as_bytes(text), resource, options, out);
  if (!error) {
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].path, resource);
    EXPECT_FALSE(out[0].time.has_value());
    value = out[0].value;
  }
  return error;
}

Value decoded(DataType type, std::string_view text) {
  Value value;
  const auto error = decode_as(type, text, value);
  EXPECT_FALSE(error) << text << ": " << error->message;
  return value;
}

// Offset of the error decoding `text` as `type`, or SIZE_MAX when it decoded.
std::size_t error_offset(DataType type, std::string_view text) {
  Value value;
  const auto error = decode_as(type, text, value);
  return error ? error->offset : std::numeric_limits<std::size_t>::max();
}

std::string encoded(const Value& value, const Path& path = resource) {
  const std::vector<Record> records{Record{path, value, std::nullopt}};
  std::vector<std::uint8_t> out;
  const auto error = detail::encode_text(records, path, out);
  EXPECT_FALSE(error) << error->message;
  return std::string(out.begin(), out.end());
}

std::optional<FormatError> encode_error(std::span<const Record> records, const Path& base) {
  std::vector<std::uint8_t> out;
  auto error = detail::encode_text(records, base, out);
  EXPECT_TRUE(!error || out.empty());
  return error;
}

TEST(TextFormat, DecodesStringsWithoutResolver) {
  std::vector<Record> out;
  ASSERT_FALSE(detail::decode_text(as_bytes("Open Mobile Alliance"), Path(3, 0, 0), {}, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, Value("Open Mobile Alliance"));
}

TEST(TextFormat, UnknownResourceDecodesAsString) {
  MapResolver types;
  DecodeOptions options;
  options.types = &types;
  std::vector<Record> out;
  ASSERT_FALSE(detail::decode_text(as_bytes("42"), Path(3, 0, 9), options, out));
  EXPECT_EQ(out.at(0).value, Value("42"));
}

TEST(TextFormat, DecodesEveryType) {
  EXPECT_EQ(decoded(DataType::String, ""), Value(""));
  EXPECT_EQ(decoded(DataType::String,
                    "gr\xC3\xBC\xC3\x9F"
                    "e"),
            Value("gr\xC3\xBC\xC3\x9F"
                  "e"));
  EXPECT_EQ(decoded(DataType::Integer, "-750"), Value(std::int64_t{-750}));
  EXPECT_EQ(decoded(DataType::Integer, "-9223372036854775808"),
            Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(decoded(DataType::Integer, "9223372036854775807"),
            Value(std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(decoded(DataType::UnsignedInteger, "18446744073709551615"),
            Value(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(decoded(DataType::UnsignedInteger, "0"), Value(std::uint64_t{0}));
  EXPECT_EQ(decoded(DataType::Float, "0.00000000006667"), Value(6.667e-11));
  EXPECT_EQ(decoded(DataType::Float, "-2.5"), Value(-2.5));
  EXPECT_EQ(decoded(DataType::Float, "1E3"), Value(1000.0));
  EXPECT_EQ(decoded(DataType::Float, "12"), Value(12.0));
  EXPECT_EQ(decoded(DataType::Float, "1.5e-3"), Value(0.0015));
  EXPECT_EQ(decoded(DataType::Boolean, "0"), Value(false));
  EXPECT_EQ(decoded(DataType::Boolean, "1"), Value(true));
  EXPECT_EQ(decoded(DataType::Time, "1476186613"), Value(Time{1476186613}));
  EXPECT_EQ(decoded(DataType::Time, "-1"), Value(Time{-1}));
  EXPECT_EQ(decoded(DataType::Objlnk, "3:0"), Value(Objlnk{3, 0}));
  EXPECT_EQ(decoded(DataType::Objlnk, "65535:65535"), Value(Objlnk{65535, 65535}));
  EXPECT_EQ(decoded(DataType::Opaque, "AQID"), Value(Opaque{1, 2, 3}));
  EXPECT_EQ(decoded(DataType::Opaque, "AQ=="), Value(Opaque{1}));
  EXPECT_EQ(decoded(DataType::Opaque, "AQ"), Value(Opaque{1}));
  EXPECT_EQ(decoded(DataType::Opaque, "-_8"), Value(Opaque{0xFB, 0xFF}));
  EXPECT_EQ(decoded(DataType::Opaque, ""), Value(Opaque{}));
  EXPECT_EQ(decoded(DataType::Corelnk, "</3/0>;pmin=10"), Value(Corelnk{"</3/0>;pmin=10"}));
}

TEST(TextFormat, RejectsMalformedNumbersAtTheirOffset) {
  constexpr auto decoded_ok = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(error_offset(DataType::Integer, "12a4"), 2u);
  EXPECT_EQ(error_offset(DataType::Integer, ""), 0u);
  EXPECT_EQ(error_offset(DataType::Integer, "+1"), 0u);
  EXPECT_EQ(error_offset(DataType::Integer, " 1"), 0u);
  EXPECT_EQ(error_offset(DataType::Integer, "1 "), 1u);
  EXPECT_EQ(error_offset(DataType::Integer, "1.0"), 1u);
  EXPECT_EQ(error_offset(DataType::Integer, "0x10"), 1u);
  EXPECT_NE(error_offset(DataType::Integer, "9223372036854775808"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Integer, "-9223372036854775809"), decoded_ok);
  EXPECT_EQ(error_offset(DataType::UnsignedInteger, "-1"), 0u);
  EXPECT_NE(error_offset(DataType::UnsignedInteger, "18446744073709551616"), decoded_ok);
  EXPECT_EQ(error_offset(DataType::Float, "1."), 2u);
  EXPECT_EQ(error_offset(DataType::Float, ".5"), 0u);
  EXPECT_EQ(error_offset(DataType::Float, "nan"), 0u);
  EXPECT_EQ(error_offset(DataType::Float, "inf"), 0u);
  EXPECT_EQ(error_offset(DataType::Float, "-inf"), 1u);
  EXPECT_EQ(error_offset(DataType::Float, "1e"), 2u);
  EXPECT_EQ(error_offset(DataType::Float, "1e+"), 3u);
  EXPECT_EQ(error_offset(DataType::Float, "0x1p3"), 1u);
  EXPECT_NE(error_offset(DataType::Float, "1e400"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Boolean, "2"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Boolean, "true"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Boolean, ""), decoded_ok);
  EXPECT_NE(error_offset(DataType::Time, "1.5"), decoded_ok);
}

TEST(TextFormat, RejectsMalformedObjectLinks) {
  constexpr auto decoded_ok = std::numeric_limits<std::size_t>::max();
  EXPECT_EQ(error_offset(DataType::Objlnk, "3"), 1u);
  EXPECT_EQ(error_offset(DataType::Objlnk, "3:"), 2u);
  EXPECT_EQ(error_offset(DataType::Objlnk, ":0"), 0u);
  EXPECT_EQ(error_offset(DataType::Objlnk, "3:0:1"), 3u);
  EXPECT_EQ(error_offset(DataType::Objlnk, "3:x"), 2u);
  EXPECT_NE(error_offset(DataType::Objlnk, "65536:0"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Objlnk, "0:65536"), decoded_ok);
  EXPECT_NE(error_offset(DataType::Objlnk, "-1:0"), decoded_ok);
}

TEST(TextFormat, RejectsInvalidUtf8AndBase64) {
  EXPECT_EQ(error_offset(DataType::String, "ab\xFF"), 2u);
  EXPECT_EQ(error_offset(DataType::String, "a\xC3\x28"), 1u);
  EXPECT_EQ(error_offset(DataType::String, "\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(error_offset(DataType::String, "x\xED\xA0\x80"), 1u);     // surrogate
  EXPECT_EQ(error_offset(DataType::String, "\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(error_offset(DataType::String, "ok\xE2\x82"), 2u);        // truncated sequence
  EXPECT_EQ(error_offset(DataType::Corelnk, "\x80"), 0u);
  EXPECT_NE(error_offset(DataType::Opaque, "A"), std::numeric_limits<std::size_t>::max());
  EXPECT_NE(error_offset(DataType::Opaque, "AQ=x"), std::numeric_limits<std::size_t>::max());
}

TEST(TextFormat, RejectsExecutableResources) {
  Value value;
  const auto error = decode_as(DataType::None, "", value);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, resource);
}

TEST(TextFormat, NeedsResourcePath) {
  std::vector<Record> out;
  for (const Path& base : {Path(), Path(3), Path(3, 0)}) {
    const auto error = detail::decode_text(as_bytes("1"), base, {}, out);
    ASSERT_TRUE(error) << base.to_string();
    EXPECT_EQ(error->path, base);
  }
  EXPECT_TRUE(out.empty());
  ASSERT_FALSE(detail::decode_text(as_bytes("1"), Path(3, 0, 6, 1), {}, out));
  EXPECT_EQ(out.at(0).path, Path(3, 0, 6, 1));
}

TEST(TextFormat, EncodesEveryType) {
  EXPECT_EQ(encoded(Value("Open Mobile Alliance")), "Open Mobile Alliance");
  EXPECT_EQ(encoded(Value("")), "");
  EXPECT_EQ(encoded(Value(std::int64_t{-750})), "-750");
  EXPECT_EQ(encoded(Value(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(encoded(Value(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(encoded(Value(6.667e-11)), "0.00000000006667");
  EXPECT_EQ(encoded(Value(3800.0)), "3800");
  EXPECT_EQ(encoded(Value(-2.5)), "-2.5");
  EXPECT_EQ(encoded(Value(0.1)), "0.1");
  EXPECT_EQ(encoded(Value(1e300)), "1e+300");
  EXPECT_EQ(encoded(Value(true)), "1");
  EXPECT_EQ(encoded(Value(false)), "0");
  EXPECT_EQ(encoded(Value(Time{1476186613})), "1476186613");
  EXPECT_EQ(encoded(Value(Objlnk{65535, 65535})), "65535:65535");
  EXPECT_EQ(encoded(Value(Objlnk{3, 0})), "3:0");
  EXPECT_EQ(encoded(Value(Opaque{1, 2, 3})), "AQID");
  EXPECT_EQ(encoded(Value(Opaque{0xFB, 0xFF})), "+/8=");
  EXPECT_EQ(encoded(Value(Opaque{})), "");
  EXPECT_EQ(encoded(Value(Corelnk{"</1/0>"})), "</1/0>");
  EXPECT_EQ(encoded(Value("x"), Path(3, 0, 6, 1)), "x");
}

TEST(TextFormat, FloatsRoundTripExactly) {
  for (const double v : {0.1, 1.0 / 3.0, -0.0, 123456789.125, 1e21, 1e-7, 2.2250738585072014e-308,
                         std::numeric_limits<double>::denorm_min(),
                         std::numeric_limits<double>::max(), -std::numeric_limits<double>::max()}) {
    const std::string text = encoded(Value(v));
    EXPECT_LE(text.size(), 24u) << text;
    const Value back = decoded(DataType::Float, text);
    ASSERT_EQ(back.type(), DataType::Float) << text;
    EXPECT_EQ(back.get<double>(), v) << text;
    EXPECT_EQ(std::signbit(back.get<double>()), std::signbit(v)) << text;
  }
}

TEST(TextFormat, EncodingRejectsWhatTextCannotCarry) {
  const Path base(3, 0, 0);
  for (const double v : {std::nan(""), std::numeric_limits<double>::infinity()}) {
    const std::vector<Record> records{Record{base, Value(v), std::nullopt}};
    EXPECT_TRUE(encode_error(records, base));
  }
  const std::vector<Record> none{Record{base, Value(), std::nullopt}};
  EXPECT_TRUE(encode_error(none, base));
  const std::vector<Record> two{Record{base, Value("a"), std::nullopt},
                                Record{base, Value("b"), std::nullopt}};
  EXPECT_TRUE(encode_error(two, base));
  EXPECT_TRUE(encode_error({}, base));
  const std::vector<Record> elsewhere{Record{Path(3, 0, 1), Value("a"), std::nullopt}};
  const auto error = encode_error(elsewhere, base);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, Path(3, 0, 1));
  const std::vector<Record> instance{Record{Path(3, 0), Value("a"), std::nullopt}};
  EXPECT_TRUE(encode_error(instance, Path(3, 0)));
}

}  // namespace
}  // namespace drover::lwm2m
