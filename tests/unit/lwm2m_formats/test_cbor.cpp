// The CBOR layer (RFC 8949 reader and writer) and application/cbor (60) single values.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "cbor_reader.hpp"
#include "cbor_writer.hpp"
#include "unit/lwm2m_formats/codec_test_util.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

using detail::CborContainer;
using detail::CborReader;
using detail::CborType;
using detail::CborWriter;
using detail::Number;
using testing::Bytes;
using testing::hex;
using testing::MapResolver;
using testing::rec;

template <typename F>
Bytes written(F write) {
  Bytes out;
  CborWriter w(out);
  write(w);
  return out;
}

Number read_number(const Bytes& bytes) {
  CborReader reader(bytes);
  Number n;
  const auto error = reader.read_number(n);
  EXPECT_FALSE(error) << error->message;
  EXPECT_TRUE(reader.at_end());
  return n;
}

double read_double(const Bytes& bytes) {
  return read_number(bytes).as_double();
}

// Error offset of skipping one item of `bytes` (the item must be malformed).
std::size_t skip_error_offset(const Bytes& bytes) {
  CborReader reader(bytes);
  auto error = reader.skip();
  if (!error) error = reader.expect_end();
  EXPECT_TRUE(error) << testing::to_hex(bytes);
  return error ? error->offset : 0;
}

TEST(CborWriter, IntegersUseTheShortestHead) {
  // RFC 8949 Appendix A.
  const std::pair<std::uint64_t, std::string_view> unsigned_cases[] = {
      {0, "00"},
      {23, "17"},
      {24, "18 18"},
      {255, "18 ff"},
      {256, "19 01 00"},
      {65535, "19 ff ff"},
      {65536, "1a 00 01 00 00"},
      {4294967295, "1a ff ff ff ff"},
      {4294967296, "1b 00 00 00 01 00 00 00 00"},
      {std::numeric_limits<std::uint64_t>::max(), "1b ff ff ff ff ff ff ff ff"},
  };
  for (const auto& [v, expected] : unsigned_cases) {
    EXPECT_EQ(written([&](CborWriter& w) { w.unsigned_integer(v); }), hex(expected)) << v;
  }
  const std::pair<std::int64_t, std::string_view> signed_cases[] = {
      {-1, "20"},
      {-24, "37"},
      {-25, "38 18"},
      {-100, "38 63"},
      {-1000, "39 03 e7"},
      {std::numeric_limits<std::int64_t>::max(), "1b 7f ff ff ff ff ff ff ff"},
      {std::numeric_limits<std::int64_t>::min(), "3b 7f ff ff ff ff ff ff ff"},
  };
  for (const auto& [v, expected] : signed_cases) {
    EXPECT_EQ(written([&](CborWriter& w) { w.signed_integer(v); }), hex(expected)) << v;
  }
}

TEST(CborWriter, FloatsUseTheSmallestExactPrecision) {
  const double inf = std::numeric_limits<double>::infinity();
  // RFC 8949 Appendix A, plus the half-precision boundaries.
  const std::pair<double, std::string_view> cases[] = {
      {0.0, "f9 00 00"},
      {-0.0, "f9 80 00"},
      {1.0, "f9 3c 00"},
      {1.1, "fb 3f f1 99 99 99 99 99 9a"},
      {1.5, "f9 3e 00"},
      {65504.0, "f9 7b ff"},
      {65505.0, "fa 47 7f e1 00"},
      {100000.0, "fa 47 c3 50 00"},
      {3.4028234663852886e+38, "fa 7f 7f ff ff"},
      {1.0e+300, "fb 7e 37 e4 3c 88 00 75 9c"},
      {5.960464477539063e-8, "f9 00 01"},
      {0.00006103515625, "f9 04 00"},
      {-4.0, "f9 c4 00"},
      {-4.1, "fb c0 10 66 66 66 66 66 66"},
      {inf, "f9 7c 00"},
      {-inf, "f9 fc 00"},
      {std::numeric_limits<double>::quiet_NaN(), "f9 7e 00"},
  };
  for (const auto& [v, expected] : cases) {
    EXPECT_EQ(written([&](CborWriter& w) { w.floating(v); }), hex(expected)) << v;
    EXPECT_EQ(CborWriter::number_size(v), std::isfinite(v) && std::trunc(v) == v
                                              ? written([&](CborWriter& w) { w.number(v); }).size()
                                              : hex(expected).size())
        << v;
  }
}

TEST(CborWriter, NumberWritesIntegralValuesAsIntegers) {
  EXPECT_EQ(written([](CborWriter& w) { w.number(1700000000.0); }), hex("1a 65 53 f1 00"));
  EXPECT_EQ(written([](CborWriter& w) { w.number(-5.0); }), hex("24"));
  EXPECT_EQ(written([](CborWriter& w) { w.number(0.5); }), hex("f9 38 00"));
  EXPECT_EQ(CborWriter::number_size(1700000000.0), 5u);
  EXPECT_EQ(CborWriter::number_size(0.5), 3u);
}

TEST(CborWriter, StringsContainersAndSimpleValues) {
  const Bytes out = written([](CborWriter& w) {
    w.map(2);
    w.text("a");
    w.array(2);
    w.boolean(true);
    w.null();
    w.bytes(hex("01 02"));
    w.tag(1);
  });
  EXPECT_EQ(out, hex("a2 61 61 82 f5 f6 42 01 02 c1"));
  const std::string long_text(300, 'x');
  const Bytes text = written([&](CborWriter& w) { w.text(long_text); });
  EXPECT_EQ(Bytes(text.begin(), text.begin() + 3), hex("79 01 2c"));
  EXPECT_EQ(text.size(), 303u);
}

TEST(CborReader, ReadsIntegersExactly) {
  EXPECT_EQ(read_number(hex("1b ff ff ff ff ff ff ff ff")).u,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(read_number(hex("1b ff ff ff ff ff ff ff ff")).kind, Number::Kind::Unsigned);
  EXPECT_EQ(read_number(hex("3b 7f ff ff ff ff ff ff ff")).i,
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(read_number(hex("1b 7f ff ff ff ff ff ff ff")).kind, Number::Kind::Signed);
  EXPECT_EQ(read_number(hex("39 03 e7")).i, -1000);
  // Below INT64_MIN: only a double can hold it.
  const Number huge_negative = read_number(hex("3b ff ff ff ff ff ff ff ff"));
  EXPECT_EQ(huge_negative.kind, Number::Kind::Float);
  EXPECT_EQ(huge_negative.d, -18446744073709551616.0);
}

TEST(CborReader, ReadsHalfSingleAndDoubleFloats) {
  EXPECT_EQ(read_double(hex("f9 00 01")), 5.960464477539063e-8);
  EXPECT_EQ(read_double(hex("f9 03 ff")), 0.000060975551605224609375);  // largest subnormal
  EXPECT_EQ(read_double(hex("f9 7b ff")), 65504.0);
  EXPECT_EQ(read_double(hex("f9 c4 00")), -4.0);
  EXPECT_TRUE(std::signbit(read_double(hex("f9 80 00"))));
  EXPECT_EQ(read_double(hex("f9 7c 00")), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(read_double(hex("f9 7e 00"))));
  EXPECT_EQ(read_double(hex("fa 47 c3 50 00")), 100000.0);
  EXPECT_TRUE(std::isnan(read_double(hex("fa 7f c0 00 00"))));
  EXPECT_EQ(read_double(hex("fb 3f f1 99 99 99 99 99 9a")), 1.1);
}

TEST(CborReader, ReadsIndefiniteStringsByChunks) {
  {
    const Bytes reader_in = hex("5f 42 01 02 43 03 04 05 40 ff");
    CborReader reader(reader_in);
    std::vector<std::uint8_t> bytes{0xAA};
    ASSERT_FALSE(reader.read_bytes(bytes));
    EXPECT_EQ(bytes, hex("aa 01 02 03 04 05"));  // appended
    EXPECT_TRUE(reader.at_end());
  }
  {
    const Bytes reader_in = hex("7f 65 73 74 72 65 61 64 6d 69 6e 67 ff");
    CborReader reader(reader_in);
    std::string text;
    ASSERT_FALSE(reader.read_text(text));
    EXPECT_EQ(text, "streaming");
  }
  {
    const Bytes reader_in = hex("7f ff");
    CborReader reader(reader_in);
    std::string text = "x";
    ASSERT_FALSE(reader.read_text(text));
    EXPECT_EQ(text, "x");
  }
}

TEST(CborReader, WalksDefiniteAndIndefiniteContainers) {
  // {"a": 1, "b": [2, 3]} as an indefinite map holding an indefinite array, then [4].
  const Bytes reader_in = hex("bf 61 61 01 61 62 9f 02 03 ff ff 81 04");
  CborReader reader(reader_in);
  CborContainer map;
  ASSERT_FALSE(reader.enter_map(map));
  std::vector<std::string> keys;
  std::vector<std::int64_t> numbers;
  bool more = false;
  while (true) {
    ASSERT_FALSE(reader.next(map, more));
    if (!more) break;
    std::string key;
    ASSERT_FALSE(reader.read_text(key));
    keys.push_back(key);
    CborType type{};
    ASSERT_FALSE(reader.peek(type));
    if (type == CborType::Array) {
      CborContainer array;
      ASSERT_FALSE(reader.enter_array(array));
      while (true) {
        ASSERT_FALSE(reader.next(array, more));
        if (!more) break;
        Number n;
        ASSERT_FALSE(reader.read_integer(n));
        numbers.push_back(n.i);
      }
    } else {
      Number n;
      ASSERT_FALSE(reader.read_integer(n));
      numbers.push_back(n.i);
    }
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(numbers, (std::vector<std::int64_t>{1, 2, 3}));
  ASSERT_FALSE(reader.skip());
  EXPECT_FALSE(reader.expect_end());
}

TEST(CborReader, SkipsAnyWellFormedItem) {
  const std::string_view items[] = {
      "00",
      "3b ff ff ff ff ff ff ff ff",
      "f9 7e 00",
      "fb 3f f1 99 99 99 99 99 9a",
      "f4",
      "f6",
      "f7",
      "f0",
      "f8 ff",
      "c1 1a 51 4b 67 b0",
      "d8 20 63 61 62 63",
      "c0 c1 c2 40",  // a chain of tags
      "83 01 82 02 03 82 04 05",
      "9f 01 82 02 03 9f 04 05 ff ff",
      "a2 01 02 03 04",
      "bf 61 61 01 61 62 9f 02 03 ff ff",
      "5f 42 01 02 ff",
      "7f 61 61 ff",
  };
  for (const auto item : items) {
    const Bytes reader_in = hex(item);
    CborReader reader(reader_in);
    const auto error = reader.skip();
    EXPECT_FALSE(error) << item << ": " << error->message;
    EXPECT_TRUE(reader.at_end()) << item;
  }
}

TEST(CborReader, RejectsMalformedItemsWithTheirOffset) {
  EXPECT_EQ(skip_error_offset(hex("")), 0u);
  EXPECT_EQ(skip_error_offset(hex("18")), 0u);           // truncated argument
  EXPECT_EQ(skip_error_offset(hex("1b 00 00 00")), 0u);  // truncated argument
  EXPECT_EQ(skip_error_offset(hex("82 01 1c")), 2u);     // reserved info 28
  EXPECT_EQ(skip_error_offset(hex("81 1f")), 1u);        // indefinite integer
  EXPECT_EQ(skip_error_offset(hex("df 00")), 0u);        // indefinite tag
  EXPECT_EQ(skip_error_offset(hex("ff")), 0u);           // break outside
  EXPECT_EQ(skip_error_offset(hex("82 01 ff")), 2u);     // break inside a definite array
  EXPECT_EQ(skip_error_offset(hex("f8 18")), 0u);        // two-byte simple below 32
  EXPECT_EQ(skip_error_offset(hex("43 01 02")), 0u);     // string runs past the end
  EXPECT_EQ(skip_error_offset(hex("5f 61 61 ff")), 1u);  // text chunk in a byte string
  EXPECT_EQ(skip_error_offset(hex("5f 5f ff ff")), 1u);  // nested indefinite chunk
  EXPECT_EQ(skip_error_offset(hex("5f 41 01")), 3u);     // missing break
  EXPECT_EQ(skip_error_offset(hex("9f 01 02")), 3u);     // missing break
  EXPECT_EQ(skip_error_offset(hex("9b 00 00 00 01 00 00 00 00 01")), 0u);  // count too large
  EXPECT_EQ(skip_error_offset(hex("a2 01 02 03")), 0u);                    // 2 pairs need 4 bytes
  EXPECT_EQ(skip_error_offset(hex("a1 01 02 03")), 3u);                    // trailing byte
  EXPECT_EQ(skip_error_offset(hex("62 c3 28")), 1u);                       // invalid UTF-8
  EXPECT_EQ(skip_error_offset(hex("c1")), 1u);                             // tag without item
}

TEST(CborReader, RejectsTextWhoseCharactersSpanChunks) {
  const Bytes reader_in = hex("7f 61 c3 61 a9 ff");
  CborReader reader(reader_in);  // "é" split over two chunks
  std::string text;
  const auto error = reader.read_text(text);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 2u);
  const Bytes whole_in = hex("7f 62 c3 a9 ff");
  CborReader whole(whole_in);
  ASSERT_FALSE(whole.read_text(text));
  EXPECT_EQ(text, "\xc3\xa9");
}

TEST(CborReader, BoundsNesting) {
  Bytes deep(100, 0x81);
  deep.push_back(0x00);
  const auto skip_error = CborReader(deep).skip();
  ASSERT_TRUE(skip_error);
  EXPECT_EQ(skip_error->offset, CborReader::default_max_depth);
  Bytes ok(CborReader::default_max_depth, 0x81);
  ok.push_back(0x00);
  CborReader reader(ok);
  EXPECT_FALSE(reader.skip());
  EXPECT_TRUE(reader.at_end());
  // Long tag chains are not nesting: they are skipped iteratively.
  Bytes tags(10000, 0xC1);
  tags.push_back(0x00);
  CborReader tagged(tags);
  bool epoch = false;
  EXPECT_FALSE(tagged.skip_tags(epoch));
  EXPECT_TRUE(epoch);
  EXPECT_FALSE(CborReader(tags).skip());
}

TEST(CborReader, TypeMismatchesAreErrors) {
  const Bytes reader_in = hex("61 61");
  CborReader reader(reader_in);
  Number n;
  bool b = false;
  std::vector<std::uint8_t> bytes;
  CborContainer c;
  EXPECT_TRUE(reader.read_integer(n));
  EXPECT_TRUE(reader.read_number(n));
  EXPECT_TRUE(reader.read_bool(b));
  EXPECT_TRUE(reader.read_bytes(bytes));
  EXPECT_TRUE(reader.read_null());
  EXPECT_TRUE(reader.enter_map(c));
  EXPECT_TRUE(reader.enter_array(c));
  EXPECT_EQ(reader.offset(), 0u);  // nothing consumed
  std::string text;
  EXPECT_FALSE(reader.read_text(text));
  EXPECT_EQ(text, "a");
}

// application/cbor (60) ----------------------------------------------------------------------

const Path resource(3, 0, 9);

Bytes encode_value(Value value, const Path& path = resource) {
  return testing::encode_ok(detail::encode_cbor, {rec(path, std::move(value))}, path);
}

Value decode_value(const Bytes& payload, const TypeResolver* types = nullptr,
                   const Path& path = resource) {
  DecodeOptions options;
  options.types = types;
  const auto records = testing::decode_ok(detail::decode_cbor, payload, path, options);
  EXPECT_EQ(records.size(), 1u);
  if (records.empty()) return {};
  EXPECT_EQ(records[0].path, path);
  EXPECT_FALSE(records[0].time);
  return records[0].value;
}

TEST(CborFormat, EncodesEveryDataType) {
  EXPECT_EQ(encode_value(Value(std::int64_t{100})), hex("18 64"));
  EXPECT_EQ(encode_value(Value(std::int64_t{-5})), hex("24"));
  EXPECT_EQ(encode_value(Value(std::numeric_limits<std::uint64_t>::max())),
            hex("1b ff ff ff ff ff ff ff ff"));
  EXPECT_EQ(encode_value(Value(1.5)), hex("f9 3e 00"));
  EXPECT_EQ(encode_value(Value(true)), hex("f5"));
  EXPECT_EQ(encode_value(Value("Open")), hex("64 4f 70 65 6e"));
  EXPECT_EQ(encode_value(Value("")), hex("60"));
  EXPECT_EQ(encode_value(Value(Opaque{})), hex("40"));
  EXPECT_EQ(encode_value(Value(Opaque{0xDE, 0xAD})), hex("42 de ad"));
  EXPECT_EQ(encode_value(Value(Time{1367491215})), hex("c1 1a 51 82 42 8f"));
  EXPECT_EQ(encode_value(Value(Objlnk{3, 0})), hex("63 33 3a 30"));
  EXPECT_EQ(encode_value(Value(Corelnk{"</3>"})), hex("64 3c 2f 33 3e"));
}

TEST(CborFormat, DecodesNaturalTypesWithoutAResolver) {
  EXPECT_EQ(decode_value(hex("18 64")), Value(std::int64_t{100}));
  EXPECT_EQ(decode_value(hex("3b 7f ff ff ff ff ff ff ff")),
            Value(std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(decode_value(hex("1b ff ff ff ff ff ff ff ff")),
            Value(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(decode_value(hex("fb 3f f1 99 99 99 99 99 9a")), Value(1.1));
  EXPECT_EQ(decode_value(hex("f4")), Value(false));
  EXPECT_EQ(decode_value(hex("62 68 69")), Value("hi"));
  EXPECT_EQ(decode_value(hex("5f 41 01 41 02 ff")), Value(Opaque{1, 2}));
  EXPECT_EQ(decode_value(hex("c1 1a 51 82 42 8f")), Value(Time{1367491215}));
  EXPECT_EQ(decode_value(hex("d8 20 62 68 69")), Value("hi"));  // unknown tag ignored
}

TEST(CborFormat, ResolverPicksTheType) {
  MapResolver types;
  types.set(3, 9, DataType::Time)
      .set(3, 1, DataType::Objlnk)
      .set(3, 2, DataType::Corelnk)
      .set(3, 3, DataType::Float)
      .set(3, 4, DataType::UnsignedInteger)
      .set(3, 5, DataType::Integer);
  EXPECT_EQ(decode_value(hex("1a 51 82 42 8f"), &types), Value(Time{1367491215}));
  EXPECT_EQ(decode_value(hex("c1 1a 51 82 42 8f"), &types), Value(Time{1367491215}));
  EXPECT_EQ(decode_value(hex("c1 fa 4e a3 04 85"), &types), Value(Time{1367491200}));
  EXPECT_EQ(decode_value(hex("63 33 3a 30"), &types, Path(3, 0, 1)), Value(Objlnk{3, 0}));
  EXPECT_EQ(decode_value(hex("64 3c 2f 33 3e"), &types, Path(3, 0, 2)), Value(Corelnk{"</3>"}));
  EXPECT_EQ(decode_value(hex("02"), &types, Path(3, 0, 3)), Value(2.0));
  EXPECT_EQ(decode_value(hex("f9 40 00"), &types, Path(3, 0, 4)), Value(std::uint64_t{2}));
  EXPECT_EQ(decode_value(hex("f9 c0 00"), &types, Path(3, 0, 5)), Value(std::int64_t{-2}));
}

TEST(CborFormat, RoundTripsEdgeValues) {
  MapResolver types;
  types.set(3, 9, DataType::Float);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const double v : {nan, inf, -inf, -0.0, 1e-310, 1.7976931348623157e308}) {
    EXPECT_EQ(decode_value(encode_value(Value(v)), &types), Value(v)) << v;
  }
  for (const Value& v : {Value(std::numeric_limits<std::int64_t>::min()),
                         Value(std::numeric_limits<std::int64_t>::max()),
                         Value(std::numeric_limits<std::uint64_t>::max()), Value(""),
                         Value(Opaque{}), Value(Time{-1}), Value("\xf0\x9f\x98\x80")}) {
    EXPECT_EQ(decode_value(encode_value(v)), v) << v.debug_string();
  }
}

TEST(CborFormat, RejectsWrongTypesAndShapes) {
  MapResolver types;
  types.set(3, 9, DataType::Integer).set(3, 1, DataType::Objlnk).set(3, 2, DataType::Boolean);
  DecodeOptions options;
  options.types = &types;
  const auto error = [&](std::string_view bytes, const Path& path = resource) {
    return testing::decode_error(detail::decode_cbor, hex(bytes), path, options);
  };
  EXPECT_NE(error("62 68 69").message.find("Integer"), std::string::npos);
  EXPECT_EQ(error("62 68 69").path, resource);
  error("f9 3e 00");                                // 1.5 is not an Integer
  error("1b ff ff ff ff ff ff ff ff");              // above INT64_MAX
  error("63 33 3a 78", Path(3, 0, 1));              // "3:x"
  error("65 37 30 30 30 30 3a 30", Path(3, 0, 1));  // 70000:0
  error("01", Path(3, 0, 2));                       // a number for a Boolean
  EXPECT_EQ(error("01 02").offset, 1u);             // trailing item
  error("f6");                                      // null
  error("80");                                      // array
  error("");                                        // nothing
  error("01", Path(3, 0));                          // not a resource path
  error("62 c3 28", Path(3, 0, 5));                 // invalid UTF-8
}

TEST(CborFormat, EncoderChecksTheRecords) {
  Bytes out;
  EXPECT_TRUE(detail::encode_cbor(std::vector<Record>{rec(resource)}, resource, out));
  EXPECT_TRUE(
      detail::encode_cbor(std::vector<Record>{rec(Path(3, 0, 1), Value(true))}, resource, out));
  EXPECT_TRUE(detail::encode_cbor(std::vector<Record>{}, resource, out));
  EXPECT_TRUE(
      detail::encode_cbor(std::vector<Record>{rec(resource, Value("\xff"))}, resource, out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace drover::lwm2m
