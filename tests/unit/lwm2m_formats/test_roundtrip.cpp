// Property tests: random value trees of every data type survive encode then decode, unchanged,
// in every record format, through the public dispatcher.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "drover/lwm2m/formats/content_format.hpp"
#include "unit/lwm2m_formats/tree_generator.hpp"

namespace drover::lwm2m {
namespace {

using testing::all_formats;
using testing::FormatTraits;
using testing::TreeGenerator;

class RoundTrip : public ::testing::TestWithParam<FormatTraits> {};

TEST_P(RoundTrip, RandomTreesOfEveryTypeSurviveUnchanged) {
  const FormatTraits& traits = GetParam();
  std::set<DataType> covered;
  std::size_t negative_times = 0;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    testing::MapResolver types;
    Path base;
    auto records = TreeGenerator(seed, traits).generate(types, base);
    for (const auto& r : records) {
      covered.insert(r.value.type());
      if (const auto* t = r.value.get_if<Time>(); t && t->seconds < 0) ++negative_times;
    }

    std::vector<std::uint8_t> bytes;
    const auto encode_error = encode(traits.format, records, base, bytes);
    ASSERT_FALSE(encode_error) << "seed " << seed << ": " << encode_error->message;

    DecodeOptions options;
    options.types = &types;
    std::vector<Record> decoded;
    const auto decode_error = decode(traits.format, bytes, base, options, decoded);
    ASSERT_FALSE(decode_error) << "seed " << seed << ": " << decode_error->message << " at byte "
                               << decode_error->offset;
    if (!traits.order_kept)
      std::sort(decoded.begin(), decoded.end(), [](auto& a, auto& b) { return a.path < b.path; });
    ASSERT_EQ(decoded.size(), records.size()) << "seed " << seed;
    for (std::size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(decoded[i], records[i])
          << "seed " << seed << " record " << i << " " << records[i].path.to_string() << " sent "
          << records[i].value.debug_string() << " got " << decoded[i].path.to_string() << " "
          << decoded[i].value.debug_string();
    }
  }
  EXPECT_EQ(covered.size(), 9u) << "every data type but None appears";
  EXPECT_GT(negative_times, 20u) << "Time values before 1970 appear";
}

INSTANTIATE_TEST_SUITE_P(EveryRecordFormat, RoundTrip, ::testing::ValuesIn(all_formats),
                         [](const auto& param_info) {
                           std::string name(to_string(param_info.param.format));
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Time is a signed count of seconds (Core TS Appendix C), so every format that carries Time
// carries the times before 1970 too, down to INT64_MIN: none refuses them.
TEST(RoundTripNegativeTime, EveryFormatCarriesTimesBefore1970) {
  testing::MapResolver types;
  types.set(3, 13, DataType::Time).set(3, 7, DataType::Time, true);
  DecodeOptions options;
  options.types = &types;
  const std::int64_t seconds[] = {
      -1, -24, -25, -256, -65537, -2208988800, std::numeric_limits<std::int64_t>::min()};
  for (const std::int64_t s : seconds) {
    const Record single{Path(3, 0, 13), Value(Time{s}), std::nullopt};
    const Record instance{Path(3, 0, 7, 1), Value(Time{s}), std::nullopt};
    for (const ContentFormat format :
         {ContentFormat::Tlv, ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
          ContentFormat::OmaJson, ContentFormat::Lwm2mCbor, ContentFormat::Text,
          ContentFormat::Cbor}) {
      for (const Record& record : {single, instance}) {
        const bool single_value = format == ContentFormat::Text || format == ContentFormat::Cbor;
        const Path base = single_value ? record.path : Path(3, 0);
        std::vector<std::uint8_t> bytes;
        const auto e = encode(format, std::span(&record, 1), base, bytes);
        ASSERT_FALSE(e) << to_string(format) << " " << s << ": " << e->message;
        std::vector<Record> decoded;
        const auto d = decode(format, bytes, base, options, decoded);
        ASSERT_FALSE(d) << to_string(format) << " " << s << ": " << d->message;
        ASSERT_EQ(decoded.size(), 1u);
        EXPECT_EQ(decoded[0], record)
            << to_string(format) << " sent " << s << " got " << decoded[0].value.debug_string();
      }
    }
  }
}

// Single-value formats carry one resource (or resource instance) value each.
TEST(RoundTripSingleValue, EveryTypeInTextCborAndOpaque) {
  TreeGenerator gen(7, all_formats[2]);
  for (int i = 0; i < 200; ++i) {
    testing::MapResolver types;
    Path base;
    const auto records = gen.generate(types, base);
    for (const auto& record : records) {
      const auto shape = types.lookup(record.path.object_id(), record.path.resource_id());
      DecodeOptions options;
      options.types = &types;
      std::vector<ContentFormat> formats = {ContentFormat::Cbor};
      // Plain text has no spelling for NaN and the infinities.
      if (const auto* f = record.value.get_if<double>(); !f || std::isfinite(*f))
        formats.push_back(ContentFormat::Text);
      if (shape->type == DataType::Opaque) formats.push_back(ContentFormat::OctetStream);
      for (const auto format : formats) {
        const Record plain{record.path, record.value, std::nullopt};
        std::vector<std::uint8_t> bytes;
        const auto e = encode(format, std::span(&plain, 1), record.path, bytes);
        ASSERT_FALSE(e) << to_string(format) << " " << record.value.debug_string() << ": "
                        << e->message;
        std::vector<Record> decoded;
        const auto d = decode(format, bytes, record.path, options, decoded);
        ASSERT_FALSE(d) << to_string(format) << " " << record.value.debug_string() << ": "
                        << d->message;
        ASSERT_EQ(decoded.size(), 1u);
        EXPECT_EQ(decoded[0], plain) << to_string(format) << " sent " << record.value.debug_string()
                                     << " got " << decoded[0].value.debug_string();
      }
    }
  }
}

}  // namespace
}  // namespace drover::lwm2m
