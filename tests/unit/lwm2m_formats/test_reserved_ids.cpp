// The ID 65535 is reserved at every level of a path (Core TS 1.1/1.2 "Identifiers": object,
// object instance, resource and resource instance IDs). Decoders refuse it; so must every
// encoder, or it would emit payloads that its own decoder refuses.
#include <gtest/gtest.h>

#include "unit/lwm2m_formats/codec_test_util.hpp"

namespace drover::lwm2m {
namespace {

using testing::rec;

constexpr std::uint16_t reserved = 65535;

// A value each format can carry for the resource (or resource instance) `path`.
Value value_for(ContentFormat format) {
  return format == ContentFormat::OctetStream ? Value(Opaque{1}) : Value(std::int64_t{7});
}

// Paths with the reserved ID at each level, and the request path an encoder would get.
struct Placement {
  Path path;
  Path base;
};

std::vector<Placement> placements(bool single_value) {
  if (single_value) {  // the record must be at the request path
    return {{Path(reserved, 0, 9), Path(reserved, 0, 9)},
            {Path(3, reserved, 9), Path(3, reserved, 9)},
            {Path(3, 0, reserved), Path(3, 0, reserved)},
            {Path(3, 0, 6, reserved), Path(3, 0, 6, reserved)}};
  }
  return {{Path(reserved, 0, 9), Path()},
          {Path(3, reserved, 9), Path(3)},
          {Path(3, 0, reserved), Path(3, 0)},
          {Path(3, 0, 6, reserved), Path(3, 0, 6)},
          {Path(3, 0, 6, reserved), Path(3, 0, 6, reserved)}};
}

TEST(ReservedIds, EveryEncoderRefusesThemAtEveryLevel) {
  const ContentFormat formats[] = {ContentFormat::Tlv,         ContentFormat::SenmlJson,
                                   ContentFormat::SenmlCbor,   ContentFormat::OmaJson,
                                   ContentFormat::Lwm2mCbor,   ContentFormat::Text,
                                   ContentFormat::OctetStream, ContentFormat::Cbor};
  for (const ContentFormat format : formats) {
    const bool single_value = format == ContentFormat::Text ||
                              format == ContentFormat::OctetStream || format == ContentFormat::Cbor;
    for (const auto& [path, base] : placements(single_value)) {
      // TLV needs an object in the request path; the object ID itself is then the reserved one.
      const Path request =
          format == ContentFormat::Tlv && base.is_root() ? path.truncated(1) : base;
      const std::vector<Record> records{rec(path, value_for(format))};
      std::vector<std::uint8_t> out{0x55};
      const auto error = encode(format, records, request, out);
      ASSERT_TRUE(error) << to_string(format) << " encoded " << path.to_string();
      EXPECT_EQ(error->kind, FormatErrorKind::InvalidPath)
          << to_string(format) << " " << path.to_string() << ": " << error->message;
      EXPECT_TRUE(error->path && error->path->has_reserved_id()) << error->message;
      EXPECT_EQ(out, std::vector<std::uint8_t>{0x55}) << "nothing written";
    }
    // The same records one ID lower encode and decode back: only the reserved ID is refused.
    const Path fine =
        format == ContentFormat::OctetStream ? Path(5, 0, 0, 65534) : Path(3, 0, 6, 65534);
    const Path base = single_value ? fine : fine.truncated(1);
    std::vector<std::uint8_t> bytes;
    ASSERT_FALSE(encode(format, std::vector{rec(fine, value_for(format))}, base, bytes))
        << to_string(format);
    const auto types = testing::example_types();
    DecodeOptions options;
    options.types = &types;
    std::vector<Record> back;
    ASSERT_FALSE(decode(format, bytes, base, options, back)) << to_string(format);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].path, fine);
  }
}

TEST(ReservedIds, RecordsWithoutValueAreRefusedToo) {
  // Read-Composite requests and empty containers carry paths without values.
  for (const ContentFormat format : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
                                     ContentFormat::Lwm2mCbor, ContentFormat::Tlv}) {
    std::vector<std::uint8_t> out;
    const Path base = format == ContentFormat::Tlv ? Path(3) : Path();
    const auto error = encode(format, std::vector{rec(Path(3, reserved))}, base, out);
    ASSERT_TRUE(error) << to_string(format);
    EXPECT_EQ(error->kind, FormatErrorKind::InvalidPath) << error->message;
  }
}

TEST(ReservedIds, TheNullObjectLinkIsAValueNotAPath) {
  // 65535:65535 is the null object link (Core TS Appendix C): a value every format carries.
  const std::vector<Record> records{rec(Path(4, 0, 1), Value(Objlnk{reserved, reserved}))};
  for (const ContentFormat format :
       {ContentFormat::Tlv, ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
        ContentFormat::OmaJson, ContentFormat::Lwm2mCbor}) {
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(encode(format, records, Path(4), out)) << to_string(format);
  }
}

TEST(ReservedIds, DecodersRefuseARequestPathHoldingOne) {
  const auto types = testing::example_types();
  DecodeOptions options;
  options.types = &types;
  const std::pair<ContentFormat, std::vector<std::uint8_t>> payloads[] = {
      {ContentFormat::Text, testing::text_bytes("7")},
      {ContentFormat::OctetStream, {1}},
      {ContentFormat::Cbor, {0x07}},
      {ContentFormat::Tlv, testing::hex("c1 09 07")},
      {ContentFormat::SenmlJson, testing::text_bytes(R"([{"n":"9","v":7}])")},
  };
  for (const auto& [format, payload] : payloads) {
    std::vector<Record> out;
    const auto error = decode(format, payload, Path(3, reserved, 9), options, out);
    ASSERT_TRUE(error) << to_string(format);
    EXPECT_EQ(error->kind, FormatErrorKind::InvalidPath) << error->message;
    EXPECT_TRUE(out.empty());
  }
}

}  // namespace
}  // namespace drover::lwm2m
