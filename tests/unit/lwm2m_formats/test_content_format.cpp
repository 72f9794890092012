#include <gtest/gtest.h>

#include "drover/lwm2m/formats/content_format.hpp"
#include "format_codecs.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

using testing::MapResolver;

constexpr ContentFormat record_formats[] = {
    ContentFormat::Text, ContentFormat::Cbor,    ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
    ContentFormat::Tlv,  ContentFormat::OmaJson, ContentFormat::Lwm2mCbor,
};

TEST(ContentFormat, NamesAndNumbers) {
  const std::pair<std::uint16_t, std::string_view> known[] = {
      {0, "text/plain"},
      {40, "application/link-format"},
      {42, "application/octet-stream"},
      {60, "application/cbor"},
      {110, "application/senml+json"},
      {112, "application/senml+cbor"},
      {11542, "application/vnd.oma.lwm2m+tlv"},
      {11543, "application/vnd.oma.lwm2m+json"},
      {11544, "application/vnd.oma.lwm2m+cbor"},
  };
  for (const auto& [number, name] : known) {
    const auto format = content_format_from_number(number);
    ASSERT_TRUE(format) << number;
    EXPECT_EQ(static_cast<std::uint16_t>(*format), number);
    EXPECT_EQ(to_string(*format), name);
  }
  constexpr std::uint16_t unknown_numbers[] = {1, 41, 50, 61, 1542, 1543, 11541, 11545, 65535};
  for (const std::uint16_t unknown : unknown_numbers) {
    EXPECT_FALSE(content_format_from_number(unknown)) << unknown;
  }
}

// Builds with tests are full builds (a server's): every format is in. The device build, which
// leaves some out, is checked by tests/device/test_device_build.sh.
TEST(ContentFormat, AFullBuildHasEveryFormat) {
  for (const ContentFormat format : record_formats) EXPECT_TRUE(format_built_in(format));
  EXPECT_TRUE(format_built_in(ContentFormat::OctetStream));
  EXPECT_TRUE(format_built_in(ContentFormat::LinkFormat));
}

TEST(ContentFormat, LinkFormatIsNotARecordFormat) {
  std::vector<Record> records;
  const std::vector<std::uint8_t> payload{'<', '/', '>'};
  const auto error = decode(ContentFormat::LinkFormat, payload, Path(3), {}, records);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("parse_link_format"), std::string::npos);
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(encode(ContentFormat::LinkFormat, records, Path(3), out));
  EXPECT_TRUE(records.empty());
  EXPECT_TRUE(out.empty());
}

TEST(ContentFormat, DispatchesToTheCodecOfEachFormat) {
  const std::vector<Record> records{Record{Path(3, 0, 9), Value(std::int64_t{100}), std::nullopt}};
  std::vector<std::uint8_t> via_dispatch;
  std::vector<std::uint8_t> direct;
  ASSERT_FALSE(encode(ContentFormat::Tlv, records, Path(3, 0), via_dispatch));
  ASSERT_FALSE(detail::encode_tlv(records, Path(3, 0), direct));
  EXPECT_EQ(via_dispatch, direct);
  via_dispatch.clear();
  ASSERT_FALSE(encode(ContentFormat::Text, records, Path(3, 0, 9), via_dispatch));
  EXPECT_EQ(via_dispatch, (std::vector<std::uint8_t>{'1', '0', '0'}));
  const std::vector<Record> opaque{Record{Path(5, 0, 0), Value(Opaque{7, 8}), std::nullopt}};
  via_dispatch.clear();
  ASSERT_FALSE(encode(ContentFormat::OctetStream, opaque, Path(5, 0, 0), via_dispatch));
  EXPECT_EQ(via_dispatch, (std::vector<std::uint8_t>{7, 8}));
}

TEST(ContentFormat, EveryRecordFormatRoundTripsASingleResource) {
  MapResolver types;
  types.set(3, 9, DataType::Integer);
  DecodeOptions options;
  options.types = &types;
  const Path path(3, 0, 9);
  const std::vector<Record> records{Record{path, Value(std::int64_t{100}), std::nullopt}};
  for (const ContentFormat format : record_formats) {
    std::vector<std::uint8_t> payload;
    const auto encode_error = encode(format, records, path, payload);
    ASSERT_FALSE(encode_error) << to_string(format) << ": " << encode_error->message;
    std::vector<Record> decoded;
    const auto decode_error = decode(format, payload, path, options, decoded);
    ASSERT_FALSE(decode_error) << to_string(format) << ": " << decode_error->message;
    EXPECT_EQ(decoded, records) << to_string(format);
  }
}

}  // namespace
}  // namespace drover::lwm2m
