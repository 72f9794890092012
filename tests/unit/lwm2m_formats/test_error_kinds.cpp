// Every decoder and encoder says what kind of failure it met (FormatErrorKind), so that callers
// can answer with a CoAP code without reading the message. Representative errors per format.
#include <gtest/gtest.h>

#include <limits>

#include "drover/lwm2m/formats/link_format.hpp"
#include "unit/lwm2m_formats/codec_test_util.hpp"

namespace drover::lwm2m {
namespace {

using testing::Bytes;
using testing::hex;
using testing::rec;
using testing::text_bytes;
using Kind = FormatErrorKind;

struct DecodeCase {
  ContentFormat format;
  Bytes payload;
  Path base;
  Kind kind;
};

struct EncodeCase {
  ContentFormat format;
  std::vector<Record> records;
  Path base;
  Kind kind;
};

std::string describe(ContentFormat format, const Bytes& payload) {
  return std::string(to_string(format)) + " [" + testing::to_hex(payload) + "] \"" +
         testing::as_text(payload) + "\"";
}

void expect_decode_kind(const DecodeCase& c, const DecodeOptions& options) {
  std::vector<Record> out;
  const auto error = decode(c.format, c.payload, c.base, options, out);
  ASSERT_TRUE(error) << describe(c.format, c.payload) << " decoded";
  EXPECT_EQ(error->kind, c.kind) << describe(c.format, c.payload) << ": " << error->message
                                 << " is " << to_string(error->kind);
  EXPECT_TRUE(out.empty());
}

void expect_encode_kind(const EncodeCase& c) {
  std::vector<std::uint8_t> out;
  const auto error = encode(c.format, c.records, c.base, out);
  ASSERT_TRUE(error) << to_string(c.format) << " encoded " << c.records.size() << " records";
  EXPECT_EQ(error->kind, c.kind) << to_string(c.format) << ": " << error->message << " is "
                                 << to_string(error->kind);
  EXPECT_TRUE(out.empty());
}

Bytes text(std::string_view s) {
  return text_bytes(s);
}

TEST(FormatErrorKinds, Tlv) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  options.max_records = 2;
  const auto F = ContentFormat::Tlv;
  const DecodeCase cases[] = {
      {F, hex("c8"), Path(3, 0), Kind::Truncated},                 // header cut short
      {F, hex("c8 00 14 41"), Path(3, 0), Kind::Truncated},        // value cut short
      {F, hex("08 00 03 c2 00 41 42"), Path(3), Kind::Malformed},  // child past its container
      {F, hex("02 00 00 00"), Path(3), Kind::Malformed},           // instance inside instance
      {F, hex("c3 09 00 00 01"), Path(3, 0), Kind::TypeMismatch},  // Integer of 3 bytes
      {F, hex("e1 ff ff 00"), Path(3, 0), Kind::InvalidPath},      // resource 65535
      {F, hex("c1 01 01"), Path(3, 0, 0), Kind::OutsideRequest},   // beside the request
      {F, hex("c1 09 01 c1 09 02"), Path(3, 0), Kind::Duplicate},  // /3/0/9 twice
      {F, hex("c1 09 01 c1 0a 02 c1 00 41"), Path(3, 0), Kind::LimitExceeded},
      {F, hex("c1 09 01"), Path(), Kind::Unsupported},  // no object to start from
  };
  for (const auto& c : cases) expect_decode_kind(c, options);

  const EncodeCase encodes[] = {
      {F, {rec(Path(4, 0, 0), Value("x"))}, Path(3), Kind::OutsideRequest},
      {F, {rec(Path(3, 0), Value("x"))}, Path(3), Kind::InvalidPath},
      {F,
       {rec(Path(3, 0, 9), Value("a")), rec(Path(3, 0, 9), Value("b"))},
       Path(3, 0),
       Kind::Duplicate},
      {F, {rec(Path(3, 0, 6, 0))}, Path(3, 0), Kind::Unsupported},  // empty resource instance
      {F, {rec(Path(3, 0, 0), Value("x"))}, Path(), Kind::Unsupported},
  };
  for (const auto& c : encodes) expect_encode_kind(c);
}

TEST(FormatErrorKinds, SenmlJson) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  options.max_records = 2;
  const auto F = ContentFormat::SenmlJson;
  const DecodeCase cases[] = {
      {F, text(R"([{"n":"/3/0/9","v":1})"), Path(), Kind::Truncated},
      {F, text(R"([{"n":"/3/0/9","v":)"), Path(), Kind::Truncated},
      {F, text(R"([{"n":"/3/0/9","v":01}])"), Path(), Kind::Malformed},
      {F, text(R"([{"n":"/3/0/9","v":1,"x_":0}])"), Path(), Kind::Malformed},
      {F, text(R"([{"n":"/3/0/0","v":1}])"), Path(), Kind::TypeMismatch},    // String resource
      {F, text(R"([{"n":"/3/0/9","v":1.5}])"), Path(), Kind::TypeMismatch},  // Integer resource
      {F, text(R"([{"n":"/3/0/x","v":1}])"), Path(), Kind::InvalidPath},
      {F, text(R"([{"n":"/3/65535/9","v":1}])"), Path(), Kind::InvalidPath},
      {F, text(R"([{"n":"/3/0","v":1}])"), Path(), Kind::InvalidPath},  // value on instance
      {F, text(R"([{"n":"/4/0/1","vlo":"1:1"}])"), Path(3), Kind::OutsideRequest},
      {F, text(R"([{"n":"/3/0/9","n":"/3/0/9"}])"), Path(), Kind::Duplicate},
      {F, text(R"([{"n":"/3/0/9","v":1,"vs":"x"}])"), Path(), Kind::Duplicate},
      {F, text(R"([{"n":"/3/0/9"},{"n":"/3/0/9"},{"n":"/3/0/9"}])"), Path(), Kind::LimitExceeded},
      {F, text(R"([{"n":"/3/0/9","x":)" + std::string(20, '[') + std::string(20, ']') + "}]"),
       Path(), Kind::LimitExceeded},  // nesting, even under a label that is ignored
      {F, text(R"([{"n":"/3/0/9","s":1}])"), Path(), Kind::Unsupported},  // SenML sum
  };
  for (const auto& c : cases) expect_decode_kind(c, options);

  const EncodeCase encodes[] = {
      {F,
       {rec(Path(3, 0, 9), Value(std::numeric_limits<double>::quiet_NaN()))},
       Path(),
       Kind::Unsupported},
      {F,
       {rec(Path(3, 0, 9), Value(1.0), std::numeric_limits<double>::infinity())},
       Path(),
       Kind::Unsupported},
      {F, {rec(Path(4, 0, 9), Value(1.0))}, Path(3), Kind::OutsideRequest},
      {F, {rec(Path(3), Value(1.0))}, Path(), Kind::InvalidPath},
      {F, {rec(Path(3, 0, 0), Value("\xff"))}, Path(), Kind::Malformed},
  };
  for (const auto& c : encodes) expect_encode_kind(c);
}

TEST(FormatErrorKinds, SenmlCbor) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const auto F = ContentFormat::SenmlCbor;
  const Bytes name = hex("66 2f 33 2f 30 2f 39");  // "/3/0/9"
  std::string nested;
  for (int i = 0; i < 30; ++i) nested += " 81";
  nested += " 80";
  const auto record = [&](const std::string& rest) {
    Bytes out = hex("81 a2 00");
    out.insert(out.end(), name.begin(), name.end());
    const Bytes tail = hex(rest);
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  };
  const DecodeCase cases[] = {
      {F, record("02"), Path(), Kind::Truncated},                 // value missing
      {F, record("02 19 00"), Path(), Kind::Truncated},           // 16-bit integer cut short
      {F, hex("81 a1 00 1c"), Path(), Kind::Malformed},           // reserved additional information
      {F, record("02 63 61 62 63"), Path(), Kind::Malformed},     // "v" holding a text string
      {F, record("03 63 61 62 63"), Path(), Kind::TypeMismatch},  // "vs" for an Integer
      {F, hex("81 a2 00 62 2f 78 02 01"), Path(), Kind::InvalidPath},  // name "/x"
      {F, record("02 01"), Path(1), Kind::OutsideRequest},
      {F, hex("81 a3 00 61 61 00 61 62 02 01"), Path(), Kind::Duplicate},  // "n" twice
      {F, record("18 63" + nested), Path(), Kind::LimitExceeded},          // nesting, label ignored
      {F, record("05 01"), Path(), Kind::Unsupported},                     // sum
  };
  for (const auto& c : cases) expect_decode_kind(c, options);
  expect_encode_kind({F, {rec(Path(2, 0, 0), Value(1.0))}, Path(3), Kind::OutsideRequest});
}

TEST(FormatErrorKinds, OmaJson) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const auto F = ContentFormat::OmaJson;
  const DecodeCase cases[] = {
      {F, text(R"({"bn":"/3/0/","e":[{"n":"9","v":1})"), Path(), Kind::Truncated},
      {F, text(R"({"bn":"/3/0/","e":[{"n":"9","v":1}],"bn":"/"})"), Path(), Kind::Duplicate},
      {F, text(R"({"bn":"/3/0/","e":[{"n":"0","bv":true}]})"), Path(), Kind::TypeMismatch},
      {F, text(R"({"bn":"/5/0/","e":[{"n":"0","sv":"!!"}]})"), Path(), Kind::Malformed},  // base64
      {F, text(R"({"bn":"/3/0/","e":[{"n":"99999","v":1}]})"), Path(), Kind::InvalidPath},
      {F, text(R"({"bn":"/3/0/","e":[{"n":"9","v":1}]})"), Path(4), Kind::OutsideRequest},
  };
  for (const auto& c : cases) expect_decode_kind(c, options);
  expect_encode_kind({F,
                      {rec(Path(3, 0, 9), Value(std::numeric_limits<double>::infinity()))},
                      Path(3),
                      Kind::Unsupported});
}

TEST(FormatErrorKinds, Lwm2mCbor) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  options.max_records = 2;
  const auto F = ContentFormat::Lwm2mCbor;
  const DecodeCase cases[] = {
      {F, hex("a1 83 03 00 09"), Path(), Kind::Truncated},             // no value
      {F, hex("a1 83 03 00 09 01 00"), Path(), Kind::Malformed},       // trailing byte
      {F, hex("a1 80 01"), Path(), Kind::Malformed},                   // empty array key
      {F, hex("a1 83 03 00 00 01"), Path(), Kind::TypeMismatch},       // Integer for a String
      {F, hex("a1 83 03 19 ff ff 00 01"), Path(), Kind::InvalidPath},  // instance 65535
      {F, hex("a1 82 03 00 01"), Path(), Kind::InvalidPath},           // value on an instance
      {F, hex("a1 83 03 00 09 01"), Path(4), Kind::OutsideRequest},
      {F, hex("a2 83 03 00 09 01 83 03 00 09 02"), Path(), Kind::Duplicate},
      {F, hex("a1 82 03 00 a3 09 01 0a 02 0b 03"), Path(), Kind::LimitExceeded},
  };
  for (const auto& c : cases) expect_decode_kind(c, options);
  expect_encode_kind({F, {rec(Path(), Value())}, Path(), Kind::Unsupported});  // root: no key
  expect_encode_kind({F, {rec(Path(3, 0), Value("x"))}, Path(), Kind::InvalidPath});
}

TEST(FormatErrorKinds, SingleValueFormats) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const DecodeCase cases[] = {
      {ContentFormat::Text, text("12x"), Path(3, 0, 9), Kind::TypeMismatch},
      {ContentFormat::Text, text("\xc3"), Path(3, 0, 0), Kind::Malformed},  // not UTF-8
      {ContentFormat::Text, text("!"), Path(5, 0, 0), Kind::Malformed},     // not base64
      {ContentFormat::Text, text("1"), Path(3, 0), Kind::Unsupported},      // an instance
      {ContentFormat::OctetStream, hex("01"), Path(3, 0, 9), Kind::Unsupported},
      {ContentFormat::Cbor, hex("19 01"), Path(3, 0, 9), Kind::Truncated},
      {ContentFormat::Cbor, hex("63 61 62 63"), Path(3, 0, 9), Kind::TypeMismatch},
      {ContentFormat::Cbor, hex("80"), Path(3, 0, 9), Kind::Malformed},  // an array
      {ContentFormat::LinkFormat, text("</1>"), Path(), Kind::Unsupported},
  };
  for (const auto& c : cases) expect_decode_kind(c, options);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const EncodeCase encodes[] = {
      {ContentFormat::Text,
       {rec(Path(3303, 0, 5700), Value(nan))},
       Path(3303, 0, 5700),
       Kind::Unsupported},
      {ContentFormat::Text,
       {rec(Path(3, 0, 9), Value(std::int64_t{1}))},
       Path(3, 0, 10),
       Kind::OutsideRequest},
      {ContentFormat::OctetStream,
       {rec(Path(3, 0, 9), Value(std::int64_t{1}))},
       Path(3, 0, 9),
       Kind::Unsupported},
      {ContentFormat::Cbor, {rec(Path(3, 0, 0), Value("\xff"))}, Path(3, 0, 0), Kind::Malformed},
      {ContentFormat::Cbor, {}, Path(3, 0, 0), Kind::Unsupported},
  };
  for (const auto& c : encodes) expect_encode_kind(c);
}

TEST(FormatErrorKinds, LinkFormat) {
  const auto parse_kind = [](std::string_view text, const LinkFormatLimits& limits = {}) {
    std::vector<Link> links;
    const auto error = parse_link_format(text, links, limits);
    EXPECT_TRUE(error) << text;
    return error ? error->kind : Kind::Malformed;
  };
  EXPECT_EQ(parse_kind("</3/0"), Kind::Truncated);
  EXPECT_EQ(parse_kind(R"(</3/0>;rt="x)"), Kind::Truncated);
  EXPECT_EQ(parse_kind("</3/0>;"), Kind::Truncated);
  EXPECT_EQ(parse_kind("</3/0>,"), Kind::Truncated);
  EXPECT_EQ(parse_kind("/3/0"), Kind::Malformed);
  EXPECT_EQ(parse_kind("</3/0>;=1"), Kind::Malformed);
  EXPECT_EQ(parse_kind("</1>,</2>", LinkFormatLimits{.max_links = 1}), Kind::LimitExceeded);
  EXPECT_EQ(parse_kind("</1>;a;b", LinkFormatLimits{.max_attributes_per_link = 1}),
            Kind::LimitExceeded);

  std::string out;
  Link bad("/3/0");
  bad.add("x y", std::string("1"));
  const auto error = serialize_link_format(std::vector{bad}, out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, Kind::Unsupported);

  RegistrationPayload payload;
  const auto twice =
      parse_registration_links(std::vector{Link("/a").add("rt", std::string("oma.lwm2m")),
                                           Link("/b").add("rt", std::string("oma.lwm2m"))},
                               payload);
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->kind, Kind::Duplicate);
}

TEST(FormatErrorKinds, HaveNames) {
  EXPECT_EQ(to_string(Kind::Malformed), "malformed");
  EXPECT_EQ(to_string(Kind::Truncated), "truncated");
  EXPECT_EQ(to_string(Kind::TypeMismatch), "type mismatch");
  EXPECT_EQ(to_string(Kind::InvalidPath), "invalid path");
  EXPECT_EQ(to_string(Kind::OutsideRequest), "outside the request");
  EXPECT_EQ(to_string(Kind::Duplicate), "duplicate");
  EXPECT_EQ(to_string(Kind::LimitExceeded), "limit exceeded");
  EXPECT_EQ(to_string(Kind::Unsupported), "unsupported");
  // Errors built the old way (message, offset, path) still compile and default to Malformed.
  const FormatError legacy{"x", 1, Path(3)};
  EXPECT_EQ(legacy.kind, Kind::Malformed);
}

}  // namespace
}  // namespace drover::lwm2m
