// OMA LwM2M JSON (11543).
#include <gtest/gtest.h>

#include <limits>

#include "unit/lwm2m_formats/codec_test_util.hpp"

namespace drover::lwm2m {
namespace {

using testing::as_text;
using testing::Bytes;
using testing::rec;
using testing::text_bytes;

std::vector<Record> decode(std::string_view json, const Path& base = {},
                           const TypeResolver* types = nullptr, double now = 0) {
  DecodeOptions options;
  options.types = types;
  options.now = now;
  return testing::decode_ok(detail::decode_oma_json, text_bytes(json), base, options);
}

std::string encode(const std::vector<Record>& records, const Path& base = {}) {
  return as_text(testing::encode_ok(detail::encode_oma_json, records, base));
}

FormatError decode_error(std::string_view json, const Path& base = {},
                         const TypeResolver* types = nullptr) {
  DecodeOptions options;
  options.types = types;
  return testing::decode_error(detail::decode_oma_json, text_bytes(json), base, options);
}

// Core TS 1.0 example: Read /3/0 in the LwM2M JSON format (compact).
constexpr std::string_view device_example =
    R"({"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},)"
    R"({"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},)"
    R"({"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},)"
    R"({"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},)"
    R"({"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},)"
    R"({"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]})";

TEST(OmaJson, DecodesAndEncodesTheDeviceReadExample) {
  const auto types = testing::example_types();
  EXPECT_EQ(decode(device_example, Path(3, 0), &types), testing::device_records());
  EXPECT_EQ(encode(testing::device_records(), Path(3, 0)), device_example);
}

TEST(OmaJson, BaseNameIsTheDeepestCommonPrefix) {
  EXPECT_EQ(encode({rec(Path(3, 0, 9), Value(std::int64_t{100}))}, Path(3, 0, 9)),
            R"({"bn":"/3/0/","e":[{"n":"9","v":100}]})");
  EXPECT_EQ(encode({rec(Path(3, 0, 9)), rec(Path(1, 0, 1))}),
            R"({"bn":"/","e":[{"n":"3/0/9"},{"n":"1/0/1"}]})");
  EXPECT_EQ(encode({}, Path(3, 0)), R"({"bn":"/3/0/","e":[]})");
  EXPECT_EQ(encode({}), R"({"bn":"/","e":[]})");
  EXPECT_EQ(encode({rec(Path())}), R"({"bn":"/","e":[{"n":""}]})");
  EXPECT_EQ(decode(R"({"bn":"/","e":[{"n":""}]})"), std::vector<Record>{rec(Path())});
}

TEST(OmaJson, AcceptsEveryValidArrangement) {
  const auto types = testing::example_types();
  const std::vector<Record> expected{rec(Path(3, 0, 9), Value(std::int64_t{100})),
                                     rec(Path(3, 0, 14), Value("+02:00"))};
  for (const std::string_view json : {
           R"({"bn":"/3/0/","e":[{"n":"9","v":100},{"n":"14","sv":"+02:00"}]})",
           R"({"e":[{"v":100,"n":"9"},{"sv":"+02:00","n":"14"}],"bn":"/3/0/"})",
           R"({"bn":"/3/0","e":[{"n":"9","v":100.0},{"n":"14","sv":"+02:00"}]})",
           R"({"e":[{"n":"/3/0/9","v":100},{"n":"/3/0/14","sv":"+02:00","x":[1]}],"ver":1})",
           R"( { "bn" : "/3/" , "e" : [ {"n":"0/9","v":1e2} , {"n":"0/14","sv":"+02:00"} ] } )",
       }) {
    EXPECT_EQ(decode(json, {}, &types), expected) << json;
  }
  // A missing "e" is an empty document.
  EXPECT_TRUE(decode(R"({"bn":"/3/0/"})").empty());
}

TEST(OmaJson, EveryDataTypeRoundTrips) {
  const auto types = testing::example_types();
  const std::vector<Record> records{
      rec(Path(5, 0, 0), Value(Opaque{0xFB, 0xFF, 0x00, 0x01})),
      rec(Path(5, 0, 1), Value("\xc3\xa9\"")),
      rec(Path(4, 0, 1), Value(Objlnk{3, 0})),
      rec(Path(4, 0, 2), Value(Corelnk{"</3/0>"})),
      rec(Path(4, 0, 3), Value(std::numeric_limits<std::uint64_t>::max())),
      rec(Path(4, 0, 4), Value(2.5)),
      rec(Path(3, 0, 9), Value(std::numeric_limits<std::int64_t>::min())),
      rec(Path(3, 0, 13), Value(Time{1367491215})),
      rec(Path(3311, 0, 5850), Value(true)),
      rec(Path(5, 1, 0), Value(Opaque{})),
  };
  const std::string json = encode(records);
  EXPECT_NE(json.find(R"({"n":"5/0/0","sv":"+/8AAQ=="})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"n":"4/0/1","ov":"3:0"})"), std::string::npos) << json;
  EXPECT_NE(json.find(R"({"n":"3311/0/5850","bv":true})"), std::string::npos) << json;
  EXPECT_EQ(decode(json, {}, &types), records) << json;
  // Base64 Opaque needs the resolver; the URL-safe alphabet is read too.
  EXPECT_EQ(decode(R"({"e":[{"n":"/5/0/0","sv":"-_8AAQ"}]})", {}, &types)[0].value,
            Value(Opaque{0xFB, 0xFF, 0x00, 0x01}));
  EXPECT_EQ(decode(R"({"e":[{"n":"/5/0/0","sv":"+/8AAQ=="}]})")[0].value, Value("+/8AAQ=="));
}

TEST(OmaJson, TimesFollowBaseTime) {
  const Path temperature(3303, 0, 5700);
  const auto types = testing::example_types();
  // Relative times (the 1.0 TS example style) resolve against now.
  const auto relative =
      decode(R"({"bn":"/3303/0/5700","e":[{"v":22.4,"t":-5},{"v":24.1,"t":-50}]})", {}, &types,
             1700000000.0);
  EXPECT_EQ(relative, (std::vector<Record>{rec(temperature, Value(22.4), 1699999995.0),
                                           rec(temperature, Value(24.1), 1699999950.0)}));
  const std::vector<Record> history{rec(temperature, Value(22.4), 1700000000.0),
                                    rec(temperature, Value(22.9), 1700000030.0)};
  const std::string json = encode(history);
  EXPECT_EQ(json, R"({"bn":"/3303/0/","bt":1700000000,"e":[{"n":"5700","v":22.4},)"
                  R"({"n":"5700","v":22.9,"t":30}]})");
  EXPECT_EQ(decode(json, {}, &types), history);
}

TEST(OmaJson, RejectsHostileInput) {
  const auto types = testing::example_types();
  const std::pair<std::string_view, std::size_t> cases[] = {
      {R"([{"n":"/3/0/9"}])", 0},                        // not an object
      {R"({"bn":"/3/0/","bn":"/3/0/","e":[]})", 19},     // repeated bn
      {R"({"e":[],"e":[]})", 12},                        // repeated e
      {R"({"e":[{"n":"/3/0/9","v":1,"sv":"x"}]})", 31},  // two values
      {R"({"e":[{"n":"/3/0/9","n":"/3/0/9"}]})", 24},    // repeated n
      {R"({"e":[{"n":"/3/0/9","v":"1"}]})", 24},         // text for v
      {R"({"e":[{"n":"/3/0/9","sv":"1"}]})", 6},         // String for Integer
      {R"({"e":[{"n":"/5/0/0","sv":"*"}]})", 6},         // not base64
      {R"({"e":[{"n":"/3/0","v":1}]})", 6},              // value above a resource
      {R"({"e":{"n":"/3/0/9"}})", 5},                    // e not an array
      {R"({"e":[{"n":"/3/0/9","v":1}]} x)", 29},         // trailing content
      {R"({"bn":5,"e":[]})", 6},                         // bn not a string
  };
  for (const auto& [json, offset] : cases) {
    const auto error = decode_error(json, {}, &types);
    EXPECT_EQ(error.offset, offset) << json << ": " << error.message;
    EXPECT_EQ(error.message.rfind("OMA JSON: ", 0), 0u) << error.message;
  }
  EXPECT_EQ(decode_error(R"({"e":[{"n":"/3/0/9","v":1}]})", Path(4)).path, Path(3, 0, 9));
}

TEST(OmaJson, EncoderRejectsWhatJsonCannotCarry) {
  Bytes out;
  EXPECT_TRUE(detail::encode_oma_json(
      std::vector<Record>{rec(Path(4, 0, 4), Value(std::numeric_limits<double>::quiet_NaN()))}, {},
      out));
  EXPECT_TRUE(
      detail::encode_oma_json(std::vector<Record>{rec(Path(3, 0, 1), Value("\xff"))}, {}, out));
  EXPECT_TRUE(
      detail::encode_oma_json(std::vector<Record>{rec(Path(3, 0, 1), Value("x"))}, Path(4), out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace drover::lwm2m
