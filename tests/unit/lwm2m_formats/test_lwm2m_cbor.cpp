// LwM2M CBOR (11544).
#include <gtest/gtest.h>

#include <limits>

#include "unit/lwm2m_formats/codec_test_util.hpp"

namespace drover::lwm2m {
namespace {

using testing::Bytes;
using testing::hex;
using testing::rec;

std::vector<Record> decode(const Bytes& payload, const Path& base = {},
                           const TypeResolver* types = nullptr) {
  DecodeOptions options;
  options.types = types;
  return testing::decode_ok(detail::decode_lwm2m_cbor, payload, base, options);
}

Bytes encode(const std::vector<Record>& records, const Path& base = {}) {
  return testing::encode_ok(detail::encode_lwm2m_cbor, records, base);
}

FormatError decode_error(const Bytes& payload, const Path& base = {},
                         const TypeResolver* types = nullptr) {
  DecodeOptions options;
  options.types = types;
  return testing::decode_error(detail::decode_lwm2m_cbor, payload, base, options);
}

Value i(std::int64_t v) {
  return Value(v);
}

TEST(Lwm2mCbor, MultipleResourceExampleByteForByte) {
  // Core TS 1.2: Read /3/0/6 -> {[3,0,6]:{0:1,1:5}}, 10 bytes.
  const std::vector<Record> records{rec(Path(3, 0, 6, 0), i(1)), rec(Path(3, 0, 6, 1), i(5))};
  const Bytes expected = hex("a1 83 03 00 06 a2 00 01 01 05");
  EXPECT_EQ(encode(records, Path(3, 0, 6)), expected);
  EXPECT_EQ(decode(expected, Path(3, 0, 6)), records);
}

TEST(Lwm2mCbor, CompositeExampleByteForByte) {
  // Core TS 1.2: {[3,0]:{0:"Open Mobile Alliance",9:100},[1,0,1]:86400}.
  const std::vector<Record> records{rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
                                    rec(Path(3, 0, 9), i(100)), rec(Path(1, 0, 1), i(86400))};
  Bytes expected = hex("a2 82 03 00 a2 00 74");
  const std::string_view manufacturer = "Open Mobile Alliance";
  expected.insert(expected.end(), manufacturer.begin(), manufacturer.end());
  const Bytes rest = hex("09 18 64 83 01 00 01 1a 00 01 51 80");
  expected.insert(expected.end(), rest.begin(), rest.end());
  EXPECT_EQ(testing::to_hex(encode(records)), testing::to_hex(expected));
  EXPECT_EQ(decode(expected), records);
}

TEST(Lwm2mCbor, ObjectReadNestsByLevel) {
  // Read /1: {1:{0:{0:101,1:86400},1:{0:102,1:3600}}}.
  const std::vector<Record> records{rec(Path(1, 0, 0), i(101)), rec(Path(1, 0, 1), i(86400)),
                                    rec(Path(1, 1, 0), i(102)), rec(Path(1, 1, 1), i(3600))};
  const Bytes expected =
      hex("a1 01 a2 00 a2 00 18 65 01 1a 00 01 51 80 01 a2 00 18 66 01 19 0e 10");
  EXPECT_EQ(encode(records, Path(1)), expected);
  EXPECT_EQ(decode(expected, Path(1)), records);
  // The device example round-trips with its types.
  const auto types = testing::example_types();
  EXPECT_EQ(decode(encode(testing::device_records(), Path(3, 0)), Path(3, 0), &types),
            testing::device_records());
}

TEST(Lwm2mCbor, EveryNestingMeansTheSame) {
  const std::vector<Record> expected{rec(Path(3, 0, 0), Value("x")), rec(Path(3, 0, 9), i(7))};
  for (const std::string_view form : {
           "a1 03 a1 00 a2 00 61 78 09 07",              // {3:{0:{0:"x",9:7}}}
           "a2 83 03 00 00 61 78 83 03 00 09 07",        // {[3,0,0]:"x",[3,0,9]:7}
           "a2 81 03 a1 82 00 00 61 78 83 03 00 09 07",  // {[3]:{[0,0]:"x"},[3,0,9]:7}
           "bf 82 03 00 bf 00 61 78 09 07 ff ff",        // indefinite maps
           "a1 9f 03 00 ff a2 00 7f 61 78 ff 09 c0 07",  // indefinite key, chunked text, tag
       }) {
    EXPECT_EQ(decode(hex(form)), expected) << form;
  }
}

TEST(Lwm2mCbor, NullMarksPathsWithoutValue) {
  // A Read-Composite request: {[3,0,0]:null,[1,0]:null,5:null}.
  const std::vector<Record> request{rec(Path(3, 0, 0)), rec(Path(1, 0)), rec(Path(5))};
  const Bytes payload = hex("a3 83 03 00 00 f6 82 01 00 f6 05 f6");
  EXPECT_EQ(encode(request), payload);
  EXPECT_EQ(decode(payload), request);
}

TEST(Lwm2mCbor, EveryDataTypeRoundTrips) {
  const auto types = testing::example_types();
  const std::vector<Record> records{
      rec(Path(3, 0, 9), Value(std::numeric_limits<std::int64_t>::min())),
      rec(Path(3, 0, 13), Value(Time{1700000000})),
      rec(Path(4, 0, 1), Value(Objlnk{65535, 65535})),
      rec(Path(4, 0, 2), Value(Corelnk{"</3/0>"})),
      rec(Path(4, 0, 3), Value(std::numeric_limits<std::uint64_t>::max())),
      rec(Path(4, 0, 4), Value(std::numeric_limits<double>::quiet_NaN())),
      rec(Path(5, 0, 0), Value(Opaque{})),
      rec(Path(5, 0, 1), Value("")),
      rec(Path(3311, 0, 5850), Value(true)),
  };
  EXPECT_EQ(decode(encode(records), {}, &types), records);
  // Time carries tag 1 and decodes as Time even without a resolver.
  EXPECT_EQ(encode({rec(Path(3, 0, 13), Value(Time{1700000000}))}),
            hex("a1 83 03 00 0d c1 1a 65 53 f1 00"));
  EXPECT_EQ(decode(hex("a1 83 03 00 0d c1 1a 65 53 f1 00"))[0].value, Value(Time{1700000000}));
  // Without a resolver an object link is just text.
  EXPECT_EQ(decode(hex("a1 83 04 00 01 63 33 3a 30"))[0].value, Value("3:0"));
  EXPECT_EQ(decode(hex("a1 83 04 00 01 63 33 3a 30"), {}, &types)[0].value, Value(Objlnk{3, 0}));
}

TEST(Lwm2mCbor, EncoderKeepsTheOrderOfFirstAppearance) {
  // /4 first, /3 second, though /3 sorts first; /4/0/1 and /4/0/2 are grouped.
  const std::vector<Record> records{rec(Path(4, 0, 2), i(1)), rec(Path(3, 0, 9), i(2)),
                                    rec(Path(4, 0, 1), i(3))};
  EXPECT_EQ(encode(records), hex("a2 82 04 00 a2 02 01 01 03 83 03 00 09 02"));
  // Times are not part of the format.
  EXPECT_EQ(encode({rec(Path(3, 0, 9), i(2), 1700000000.0)}), hex("a1 83 03 00 09 02"));
  EXPECT_EQ(encode({}), hex("a0"));
  EXPECT_TRUE(decode(hex("a0")).empty());
  EXPECT_TRUE(decode(hex("a1 03 a0")).empty());  // an object without instances
}

TEST(Lwm2mCbor, RejectsHostileInput) {
  const auto types = testing::example_types();
  const std::pair<std::string_view, std::size_t> cases[] = {
      {"80", 0},                                    // not a map
      {"a1 83 03 00 09 01 00", 6},                  // trailing byte
      {"a2 83 03 00 09 01 83 03 00 09 02", 10},     // same path twice
      {"a2 82 03 00 a1 09 01 83 03 00 09 02", 11},  // same path, two spellings
      {"a2 83 03 00 09 01 84 03 00 09 00 02", 11},  // value and a value below it
      {"a1 82 03 00 01", 4},                        // value on an instance
      {"a1 83 03 00 19 ff ff 01", 4},               // reserved ID 65535
      {"a1 83 03 00 20 01", 4},                     // negative ID
      {"a1 61 33 01", 1},                           // text key
      {"a1 80 01", 1},                              // empty array key
      {"a1 85 01 02 03 04 05 06", 6},               // five IDs
      {"a1 84 01 02 03 04 a1 00 01", 6},            // map below a resource instance
      {"a1 83 03 00 09 82 01 02", 5},               // array as a value
      {"a1 83 03 00 09 f7", 5},                     // undefined as a value
      {"a1 83 03 00 09 61 78", 5},                  // String for an Integer resource
      {"a1 83 03 00 09", 5},                        // truncated
      {"a1 01", 0},                                 // one pair cannot fit in one byte
  };
  for (const auto& [payload, offset] : cases) {
    const auto error = decode_error(hex(payload), {}, &types);
    EXPECT_EQ(error.offset, offset) << payload << ": " << error.message;
    EXPECT_EQ(error.message.rfind("LwM2M CBOR: ", 0), 0u) << error.message;
  }
  EXPECT_EQ(decode_error(hex("a1 83 03 00 09 01"), Path(4)).path, Path(3, 0, 9));
  // Nesting is bounded by the path depth; deep arrays in keys fail fast.
  Bytes deep = hex("a1");
  for (int k = 0; k < 40; ++k) deep.push_back(0x81);
  deep.push_back(0x01);
  decode_error(deep);
}

TEST(Lwm2mCbor, EncoderChecksTheRecords) {
  Bytes out;
  const auto fails = [&](std::vector<Record> records, const Path& base = {}) {
    return detail::encode_lwm2m_cbor(records, base, out).has_value();
  };
  EXPECT_TRUE(fails({rec(Path())}));
  EXPECT_TRUE(fails({rec(Path(3, 0), i(1))}));
  EXPECT_TRUE(fails({rec(Path(3, 0, 9), i(1)), rec(Path(3, 0, 9), i(2))}));
  EXPECT_TRUE(fails({rec(Path(3, 0)), rec(Path(3, 0, 9), i(2))}));
  EXPECT_TRUE(fails({rec(Path(3, 0, 9), i(1))}, Path(4)));
  EXPECT_TRUE(fails({rec(Path(3, 0, 0), Value("\xc3"))}));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace drover::lwm2m
