#include <gtest/gtest.h>

#include "format_codecs.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

using testing::MapResolver;

const Path package{5, 0, 0};

TEST(OpaqueFormat, DecodesRawBytes) {
  const std::vector<std::uint8_t> payload{0x00, 0xFF, 0x10, 0x0A};
  std::vector<Record> out;
  ASSERT_FALSE(detail::decode_opaque(payload, package, {}, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].path, package);
  EXPECT_EQ(out[0].value, Value(Opaque(payload)));
}

TEST(OpaqueFormat, DecodesEmptyPayloadAsEmptyOpaque) {
  std::vector<Record> out;
  ASSERT_FALSE(detail::decode_opaque({}, Path(5, 0, 0, 3), {}, out));
  EXPECT_EQ(out.at(0).value, Value(Opaque{}));
  EXPECT_EQ(out.at(0).path, Path(5, 0, 0, 3));
}

TEST(OpaqueFormat, RejectsNonOpaqueResources) {
  MapResolver types;
  types.set(5, 0, DataType::Opaque).set(5, 1, DataType::String);
  DecodeOptions options;
  options.types = &types;
  std::vector<Record> out;
  const std::vector<std::uint8_t> payload{'a'};
  EXPECT_FALSE(detail::decode_opaque(payload, package, options, out));
  const auto error = detail::decode_opaque(payload, Path(5, 0, 1), options, out);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->path, Path(5, 0, 1));
  EXPECT_EQ(out.size(), 1u);
}

TEST(OpaqueFormat, NeedsResourcePath) {
  std::vector<Record> out;
  EXPECT_TRUE(detail::decode_opaque({}, Path(5, 0), {}, out));
  EXPECT_TRUE(detail::decode_opaque({}, Path(5), {}, out));
  EXPECT_TRUE(out.empty());
}

TEST(OpaqueFormat, EncodesRawBytes) {
  const std::vector<Record> records{Record{package, Value(Opaque{1, 2, 0}), std::nullopt}};
  std::vector<std::uint8_t> out{0xAA};
  ASSERT_FALSE(detail::encode_opaque(records, package, out));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0xAA, 1, 2, 0}));
}

TEST(OpaqueFormat, EncodingRejectsOtherValues) {
  std::vector<std::uint8_t> out;
  const std::vector<Record> text{Record{package, Value("abc"), std::nullopt}};
  EXPECT_TRUE(detail::encode_opaque(text, package, out));
  const std::vector<Record> two{Record{package, Value(Opaque{1}), std::nullopt},
                                Record{package, Value(Opaque{2}), std::nullopt}};
  EXPECT_TRUE(detail::encode_opaque(two, package, out));
  const std::vector<Record> other{Record{Path(5, 0, 1), Value(Opaque{1}), std::nullopt}};
  EXPECT_TRUE(detail::encode_opaque(other, package, out));
  const std::vector<Record> at_instance{Record{Path(5, 0), Value(Opaque{1}), std::nullopt}};
  EXPECT_TRUE(detail::encode_opaque(at_instance, Path(5, 0), out));
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace drover::lwm2m
