// SenML CBOR (112).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "unit/lwm2m_formats/codec_test_util.hpp"

namespace drover::lwm2m {
namespace {

using testing::Bytes;
using testing::hex;
using testing::rec;

std::vector<Record> decode(const Bytes& payload, const Path& base = {},
                           const TypeResolver* types = nullptr, double now = 0) {
  DecodeOptions options;
  options.types = types;
  options.now = now;
  return testing::decode_ok(detail::decode_senml_cbor, payload, base, options);
}

Bytes encode(const std::vector<Record>& records, const Path& base = {}) {
  return testing::encode_ok(detail::encode_senml_cbor, records, base);
}

FormatError decode_error(const Bytes& payload, const Path& base = {},
                         const TypeResolver* types = nullptr) {
  DecodeOptions options;
  options.types = types;
  return testing::decode_error(detail::decode_senml_cbor, payload, base, options);
}

// A short CBOR text string (under 24 bytes), built by hand.
Bytes txt(std::string_view s) {
  Bytes out(s.size() + 1);
  out[0] = static_cast<std::uint8_t>(0x60 + s.size());
  std::copy(s.begin(), s.end(), out.begin() + 1);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// {0: name, 2: integer} with the integer's encoding given.
Bytes int_record(std::string_view name, std::string_view value) {
  return cat({hex("a2 00"), txt(name), hex("02"), hex(value)});
}

Bytes text_record(std::string_view name, std::string_view value) {
  return cat({hex("a2 00"), txt(name), hex("03"), txt(value)});
}

// Core TS example: Read /3/0 in SenML CBOR. The spec shows it starting with
// 90 a3 21 65 2f 33 2f 30 2f 00 61 30 03 74 (array(16), map(3), -2: "/3/0/", 0: "0", 3: text(20)).
Bytes device_example() {
  return cat({
      hex("90 a3 21"),
      txt("/3/0/"),
      hex("00"),
      txt("0"),
      hex("03 74"),
      testing::text_bytes("Open Mobile Alliance"),
      hex("a2 00"),
      txt("1"),
      hex("03 76"),
      testing::text_bytes("Lightweight M2M Client"),
      text_record("2", "345000123"),
      text_record("3", "1.0"),
      int_record("6/0", "01"),
      int_record("6/1", "05"),
      int_record("7/0", "19 0e d8"),
      int_record("7/1", "19 13 88"),
      int_record("8/0", "18 7d"),
      int_record("8/1", "19 03 84"),
      int_record("9", "18 64"),
      int_record("10", "0f"),
      int_record("11/0", "00"),
      int_record("13", "1a 51 82 42 8f"),
      text_record("14", "+02:00"),
      text_record("16", "U"),
  });
}

TEST(SenmlCbor, EncodesTheDeviceReadExampleByteForByte) {
  const Bytes expected = device_example();
  ASSERT_EQ(Bytes(expected.begin(), expected.begin() + 14),
            hex("90 a3 21 65 2f 33 2f 30 2f 00 61 30 03 74"));
  EXPECT_EQ(testing::to_hex(encode(testing::device_records(), Path(3, 0))),
            testing::to_hex(expected));
}

TEST(SenmlCbor, DecodesTheDeviceReadExample) {
  const auto types = testing::example_types();
  EXPECT_EQ(decode(device_example(), Path(3, 0), &types), testing::device_records());
}

// Core TS 1.1 §7.4.4 Table 7.4.4-3 in SenML CBOR (§7.4.5 uses the same records): the historical
// representation of /72/1/2. 22.4, 22.9 and 24.1 need doubles; the times are small integers.
Bytes historical_example() {
  return cat({hex("83 a5 21"), txt("/72/"), hex("22 1a 01 84 87 6a 00"), txt("1/2"),
              hex("02 fb 40 36 66 66 66 66 66 66 06 24"),  // 22.4, t -5
              hex("a3 00"), txt("1/2"), hex("02 fb 40 36 e6 66 66 66 66 66 06 38 1d"),    // -30
              hex("a3 00"), txt("1/2"), hex("02 fb 40 38 19 99 99 99 99 9a 06 38 31")});  // -50
}

TEST(SenmlCbor, DecodesTheHistoricalExample) {
  const auto types = testing::example_types();
  const double now = 1700000000;
  EXPECT_EQ(decode(historical_example(), Path(72), &types, now), testing::historical_records(now));
  // Our smaller form: the instance as base name, the first (now absolute) time as base time.
  const Bytes ours = cat({hex("83 a4 21"), txt("/72/1/"), hex("22 1a 66 d8 78 65 00"), txt("2"),
                          hex("02 fb 40 36 66 66 66 66 66 66"),  // no t: the base time itself
                          hex("a3 00"), txt("2"), hex("02 fb 40 36 e6 66 66 66 66 66 06 38 18"),
                          hex("a3 00"), txt("2"), hex("02 fb 40 38 19 99 99 99 99 9a 06 38 2c")});
  EXPECT_EQ(testing::to_hex(encode(testing::historical_records(now), Path(72))),
            testing::to_hex(ours));
  EXPECT_EQ(decode(ours, Path(72), &types), testing::historical_records(now));
}

// Core TS 1.1 §7.4.4 Table 7.4.4-4 in SenML CBOR: object links under base name "/", with the
// null link written "65535:65535" (the spec's "FFFF:FFFF" is an erratum: object links are
// decimal; that text is refused).
Bytes object_link_example(std::string_view null_link) {
  const Bytes vlo = txt("vlo");
  return cat({hex("8c a3 21"),
              txt("/"),
              hex("00"),
              txt("65/0/0/0"),
              vlo,
              txt("66:0"),
              hex("a2 00"),
              txt("65/0/0/1"),
              vlo,
              txt("66:1"),
              hex("a2 00"),
              txt("65/0/1"),
              hex("03"),
              txt("8613800755500"),
              hex("a2 00"),
              txt("65/0/2"),
              hex("02 01"),
              hex("a2 00"),
              txt("66/0/0"),
              hex("03"),
              txt("myService1"),
              hex("a2 00"),
              txt("66/0/1"),
              hex("03"),
              txt("Internet.15.234"),
              hex("a2 00"),
              txt("66/0/2"),
              vlo,
              txt("67:0"),
              hex("a2 00"),
              txt("66/1/0"),
              hex("03"),
              txt("myService2"),
              hex("a2 00"),
              txt("66/1/1"),
              hex("03"),
              txt("Internet.15.235"),
              hex("a2 00"),
              txt("66/1/2"),
              vlo,
              txt(null_link),
              hex("a2 00"),
              txt("67/0/0"),
              hex("03"),
              txt("85.76.76.84"),
              hex("a2 00"),
              txt("67/0/1"),
              hex("03"),
              txt("85.76.255.255")});
}

TEST(SenmlCbor, DecodesTheObjectLinkExample) {
  testing::check_object_link_example(detail::decode_senml_cbor, detail::encode_senml_cbor,
                                     object_link_example("65535:65535"),
                                     object_link_example("FFFF:FFFF"));
}

// Core TS 1.1 §7.4.4 Table 7.4.4-5 in SenML CBOR: the whole path as base name.
TEST(SenmlCbor, DecodesTheSingleResourceExample) {
  const auto types = testing::example_types();
  const Bytes example = cat(
      {hex("81 a2 21"), txt("/3/0/0"), hex("03 74"), testing::text_bytes("Open Mobile Alliance")});
  EXPECT_EQ(decode(example, Path(3, 0, 0), &types),
            (std::vector<Record>{rec(Path(3, 0, 0), Value("Open Mobile Alliance"))}));
}

// Core TS 1.1 §7.4.4 Tables 7.4.4-6 and 7.4.4-7 in SenML CBOR, byte for byte both ways.
TEST(SenmlCbor, CompositeReadExamplesByteForByte) {
  const auto types = testing::example_types();
  const Bytes request = cat(
      {hex("83 a1 00"), txt("/3/0/0"), hex("a1 00"), txt("/3/0/9"), hex("a1 00"), txt("/1/0/1")});
  const Bytes response =
      cat({hex("83 a2 00"), txt("/3/0/0"), hex("03 74"),
           testing::text_bytes("Open Mobile Alliance"), hex("a2 00"), txt("/3/0/9"),
           hex("02 18 5f a2 00"), txt("/1/0/1"), hex("02 1a 00 01 51 80")});
  EXPECT_EQ(decode(request), testing::composite_request_records());
  EXPECT_EQ(encode(testing::composite_request_records()), request);
  EXPECT_EQ(decode(response, {}, &types), testing::composite_response_records());
  EXPECT_EQ(encode(testing::composite_response_records()), response);
}

// Core TS 1.1 §7.4.4 Table 7.4.4-8 in SenML CBOR: the integer 18 of the Float resource
// /3308/0/5900 reads as 18.0.
TEST(SenmlCbor, DecodesTheWriteCompositeExample) {
  const auto types = testing::example_types();
  const Bytes example = cat({hex("84 a2 00"), txt("/3311/0/5850"), hex("04 f4 a2 00"),
                             txt("/3311/1/5850"), hex("04 f4 a2 00"), txt("/3311/2/5851"),
                             hex("02 14 a2 00"), txt("/3308/0/5900"), hex("02 12")});
  EXPECT_EQ(decode(example, {}, &types), testing::write_composite_records());
}

TEST(SenmlCbor, CompositeRequestsCarryNamesOnly) {
  const Bytes request = cat({hex("82 a1 00"), txt("/3/0/0"), hex("a1 00"), txt("/1/0/1")});
  const std::vector<Record> records{rec(Path(3, 0, 0)), rec(Path(1, 0, 1))};
  EXPECT_EQ(decode(request), records);
  EXPECT_EQ(encode(records), request);
  EXPECT_EQ(encode({rec(Path())}), cat({hex("81 a1 00"), txt("/")}));
  EXPECT_EQ(decode(cat({hex("81 a1 00"), txt("/")})), std::vector<Record>{rec(Path())});
}

TEST(SenmlCbor, AcceptsEveryValidArrangement) {
  const auto types = testing::example_types();
  const std::vector<Record> expected{rec(Path(3, 0, 9), Value(std::int64_t{100})),
                                     rec(Path(1, 0, 1), Value(std::int64_t{86400}))};
  const Bytes forms[] = {
      // Definite, full names.
      cat({hex("82 a2 00"), txt("/3/0/9"), hex("02 18 64 a2 00"), txt("/1/0/1"),
           hex("02 1a 00 01 51 80")}),
      // Indefinite array and maps, fields in any order, bn changing, bver and units ignored.
      cat({hex("9f bf 02 18 64 00"), txt("9"), hex("21"), txt("/3/0/"), hex("20 0a ff"),
           hex("bf 21"), txt("/1/0/"), hex("00"), txt("1"), hex("01"), txt("s"),
           hex("02 fa 47 a8 c0 00 ff ff")}),
      // Text keys spelled like the JSON labels, and an unknown integer label.
      cat({hex("82 a3"), txt("n"), txt("/3/0/9"), txt("v"), hex("18 64"), hex("18 63 f6"),
           hex("a2 00"), txt("/1/0/1"), hex("02 c1 1a 00 01 51 80")}),
  };
  for (const Bytes& form : forms) {
    EXPECT_EQ(decode(form, {}, &types), expected) << testing::to_hex(form);
  }
}

TEST(SenmlCbor, EveryDataTypeRoundTrips) {
  const auto types = testing::example_types();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Record> records{
      rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF, 0x00})),
      rec(Path(5, 0, 1), Value("\xc3\xa9")),
      rec(Path(4, 0, 1), Value(Objlnk{66, 0})),
      rec(Path(4, 0, 2), Value(Corelnk{"</3/0>"})),
      rec(Path(4, 0, 3), Value(std::numeric_limits<std::uint64_t>::max())),
      rec(Path(4, 0, 4), Value(nan)),
      rec(Path(4, 1, 4), Value(-std::numeric_limits<double>::infinity())),
      rec(Path(4, 2, 4), Value(0.1)),
      rec(Path(3, 0, 9), Value(std::numeric_limits<std::int64_t>::min())),
      rec(Path(3, 0, 13), Value(Time{1700000000})),
      rec(Path(3311, 0, 5850), Value(false)),
      rec(Path(5, 1, 0), Value(Opaque{})),
      rec(Path(5, 1, 1), Value("")),
  };
  const Bytes payload = encode(records);
  EXPECT_EQ(decode(payload, {}, &types), records);
  // vlo is a text key; vd a byte string; NaN the canonical half NaN.
  const Bytes objlnk = cat({txt("vlo"), txt("66:0")});
  EXPECT_NE(std::search(payload.begin(), payload.end(), objlnk.begin(), objlnk.end()),
            payload.end());
  const Bytes nan_value = hex("02 f9 7e 00");
  EXPECT_NE(std::search(payload.begin(), payload.end(), nan_value.begin(), nan_value.end()),
            payload.end());
}

TEST(SenmlCbor, ValuesWithoutAResolverKeepTheirWireType) {
  const Bytes payload = cat(
      {hex("86 a2 00"), txt("/9/0/0"), hex("02 20"),     // -1
       hex("a2 00"), txt("/9/0/1"), hex("02 f9 3c 00"),  // 1.0
       hex("a2 00"), txt("/9/0/2"), hex("02 1b ff ff ff ff ff ff ff ff"), hex("a2 00"),
       txt("/9/0/3"), hex("02 c1 1a 65 53 f1 00"),  // tag ignored
       hex("a2 00"), txt("/9/0/4"), hex("08 41 01"), hex("a2 00"), txt("/9/0/5"), hex("04 f5")});
  EXPECT_EQ(decode(payload),
            (std::vector<Record>{
                rec(Path(9, 0, 0), Value(std::int64_t{-1})), rec(Path(9, 0, 1), Value(1.0)),
                rec(Path(9, 0, 2), Value(std::numeric_limits<std::uint64_t>::max())),
                rec(Path(9, 0, 3), Value(std::int64_t{1700000000})),
                rec(Path(9, 0, 4), Value(Opaque{1})), rec(Path(9, 0, 5), Value(true))}));
}

TEST(SenmlCbor, TimestampedPacksUseBaseTime) {
  const Path temperature(3303, 0, 5700);
  const std::vector<Record> history{rec(temperature, Value(20.5), 1700000000.0),
                                    rec(temperature, Value(21.0), 1700000010.0)};
  // [{-2: "/3303/0/", -3: 1700000000, 0: "5700", 2: 20.5}, {0: "5700", 2: 21.0, 6: 10}]
  const Bytes expected =
      cat({hex("82 a4 21"), txt("/3303/0/"), hex("22 1a 65 53 f1 00 00"), txt("5700"),
           hex("02 f9 4d 20"), hex("a3 00"), txt("5700"), hex("02 f9 4d 40 06 0a")});
  EXPECT_EQ(testing::to_hex(encode(history)), testing::to_hex(expected));
  const auto types = testing::example_types();
  EXPECT_EQ(decode(expected, {}, &types), history);
  // Relative times (below 2^28) resolve against now; a float time works as well.
  const Bytes relative =
      cat({hex("81 a3 00"), txt("/3303/0/5700"), hex("02 f9 4d 20 06 f9 c7 80")});
  EXPECT_EQ(decode(relative, {}, &types, 1000.0)[0].time, 1000.0 - 7.5);
}

TEST(SenmlCbor, RejectsHostileInput) {
  const auto types = testing::example_types();
  const std::pair<Bytes, std::size_t> cases[] = {
      {hex("a0"), 0},                                                          // not an array
      {cat({hex("81 a1 00"), txt("/3/0/9"), hex("00")}), 10},                  // trailing byte
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("f9 3c 00 01")}), 10},         // float label
      {cat({hex("81 a2 00"), txt("/3/0/9"), txt("x_"), hex("01")}), 10},       // must understand
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("00"), txt("/3/0/9")}), 10},   // repeated label
      {cat({hex("81 a3 00"), txt("/3/0/9"), hex("02 01 03"), txt("x")}), 12},  // two values
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("24 01")}), 10},               // base value (-5)
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("02"), txt("1")}), 11},        // text for v
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("08"), txt("1")}), 11},        // text for vd
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("03"), txt("1")}), 1},         // String for Integer
      {cat({hex("81 a1 00"), txt("/3/0/x")}), 1},                              // not a path
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("02")}), 11},                  // truncated
      {cat({hex("81 a2 00"), txt("/3/0/9"), hex("02 ff")}), 11},               // break as a value
      {hex("81 a1 02 01"), 1},                                                 // no name
      {hex("81 01"), 1},                                                       // record not a map
  };
  for (const auto& [payload, offset] : cases) {
    const auto error = decode_error(payload, {}, &types);
    EXPECT_EQ(error.offset, offset) << testing::to_hex(payload) << ": " << error.message;
    EXPECT_EQ(error.message.rfind("SenML CBOR: ", 0), 0u) << error.message;
  }
}

TEST(SenmlCbor, EncoderChecksTheRecords) {
  Bytes out;
  EXPECT_TRUE(detail::encode_senml_cbor(std::vector<Record>{rec(Path(3), Value(true))}, {}, out));
  EXPECT_TRUE(detail::encode_senml_cbor(std::vector<Record>{rec(Path(3, 0, 1), Value(true))},
                                        Path(3, 1), out));
  EXPECT_TRUE(
      detail::encode_senml_cbor(std::vector<Record>{rec(Path(3, 0, 1), Value(true),
                                                        std::numeric_limits<double>::quiet_NaN())},
                                {}, out));
  EXPECT_TRUE(out.empty());
  // Empty pack.
  EXPECT_EQ(encode({}), hex("80"));
}

}  // namespace
}  // namespace drover::lwm2m
