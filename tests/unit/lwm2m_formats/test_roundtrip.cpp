// Property tests: random value trees of every data type survive encode then decode, unchanged,
// in every record format, through the public dispatcher.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "drover/lwm2m/formats/content_format.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

struct FormatTraits {
  ContentFormat format;
  bool timestamps;       // Record::time survives
  bool non_finite;       // NaN and infinities survive
  bool several_objects;  // a payload may span objects (otherwise the request path is one object)
  bool order_kept;       // decoded records come back in the encoded order
};

constexpr FormatTraits all_formats[] = {
    {ContentFormat::Tlv, false, true, false, false},
    {ContentFormat::SenmlJson, true, false, true, true},
    {ContentFormat::SenmlCbor, true, true, true, true},
    {ContentFormat::OmaJson, true, false, false, true},
    {ContentFormat::Lwm2mCbor, false, true, true, false},
};

// A random tree: a few objects, instances and resources (some multiple), every data type, edge
// values more often than chance would give them.
class TreeGenerator {
 public:
  TreeGenerator(std::uint32_t seed, const FormatTraits& traits) : rng_(seed), traits_(traits) {}

  std::vector<Record> generate(testing::MapResolver& types, Path& base) {
    std::vector<Record> records;
    const int objects = traits_.several_objects ? pick(1, 3) : 1;
    std::set<std::uint16_t> object_ids;
    while (static_cast<int>(object_ids.size()) < objects)
      object_ids.insert(static_cast<std::uint16_t>(pick(0, 40000)));
    for (const auto object_id : object_ids) {
      const int instances = pick(1, 3);
      std::map<std::uint16_t, ResourceShape> shapes;
      for (int r = pick(1, 6); r > 0; --r) {
        const auto type = static_cast<DataType>(pick(1, 9));
        const bool multiple = pick(0, 3) == 0;
        shapes[static_cast<std::uint16_t>(pick(0, 65534))] = ResourceShape{type, multiple};
      }
      for (const auto& [rid, shape] : shapes) types.set(object_id, rid, shape.type, shape.multiple);
      std::set<std::uint16_t> instance_ids;
      while (static_cast<int>(instance_ids.size()) < instances)
        instance_ids.insert(static_cast<std::uint16_t>(pick(0, 65534)));
      for (const auto iid : instance_ids) {
        for (const auto& [rid, shape] : shapes) {
          if (!shape.multiple) {
            records.push_back(make(Path(object_id, iid, rid), shape.type));
            continue;
          }
          std::set<std::uint16_t> ris;
          for (int n = pick(1, 4); n > 0; --n) ris.insert(static_cast<std::uint16_t>(pick(0, 65534)));
          for (const auto ri : ris) records.push_back(make(Path(object_id, iid, rid, ri), shape.type));
        }
      }
    }
    base = traits_.several_objects ? Path() : Path(*object_ids.begin());
    return records;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool edge() { return pick(0, 3) == 0; }

  std::string text() {
    static constexpr std::string_view pieces[] = {"", "a", "Drover", " \"quoted\" ", "\\", "é", "日本",
                                                  "\n\t", "<link>;rt=\"x\"", "0", "-1.5"};
    std::string out;
    for (int n = pick(0, 4); n > 0; --n) out += pieces[static_cast<std::size_t>(pick(0, 10))];
    return out;
  }

  Value value(DataType type) {
    using L64 = std::numeric_limits<std::int64_t>;
    switch (type) {
      case DataType::String: return Value(text());
      case DataType::Integer: {
        if (edge()) {
          const std::int64_t edges[] = {L64::min(), L64::max(), 0, -1, 23, 24, -25, 255, 65536};
          return Value(edges[pick(0, 8)]);
        }
        return Value(std::int64_t{std::uniform_int_distribution<std::int64_t>(L64::min(), L64::max())(rng_)});
      }
      case DataType::UnsignedInteger: {
        if (edge()) {
          const std::uint64_t edges[] = {0, 1, 255, 256, 0xFFFFFFFFull, std::numeric_limits<std::uint64_t>::max()};
          return Value(edges[pick(0, 5)]);
        }
        return Value(std::uint64_t{std::uniform_int_distribution<std::uint64_t>()(rng_)});
      }
      case DataType::Float: {
        if (edge()) {
          std::vector<double> edges = {0.0, -0.5, 1e300, -1e-300, 3.4028234663852886e38, 1.5, 65504.0};
          if (traits_.non_finite) {
            edges.push_back(std::numeric_limits<double>::quiet_NaN());
            edges.push_back(std::numeric_limits<double>::infinity());
            edges.push_back(-std::numeric_limits<double>::infinity());
          }
          return Value(edges[static_cast<std::size_t>(pick(0, static_cast<int>(edges.size()) - 1))]);
        }
        return Value(std::uniform_real_distribution<double>(-1e9, 1e9)(rng_));
      }
      case DataType::Boolean: return Value(pick(0, 1) == 1);
      case DataType::Opaque: {
        Opaque bytes(static_cast<std::size_t>(edge() ? 0 : pick(1, 300)));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(pick(0, 255));
        return Value(std::move(bytes));
      }
      case DataType::Time: return Value(Time{edge() ? 0 : pick(0, 2000000000)});
      case DataType::Objlnk:
        if (edge()) return Value(Objlnk{65535, 65535});
        return Value(Objlnk{static_cast<std::uint16_t>(pick(0, 65534)), static_cast<std::uint16_t>(pick(0, 65534))});
      case DataType::Corelnk: return Value(Corelnk{"</3/0>;ver=1.1,</1/0>"});
      case DataType::None: break;
    }
    return Value();
  }

  Record make(Path path, DataType type) {
    Record record{path, value(type), std::nullopt};
    if (traits_.timestamps && pick(0, 2) == 0) record.time = 1700000000.0 + pick(0, 100000);
    return record;
  }

  std::mt19937 rng_;
  const FormatTraits& traits_;
};

class RoundTrip : public ::testing::TestWithParam<FormatTraits> {};

TEST_P(RoundTrip, RandomTreesOfEveryTypeSurviveUnchanged) {
  const FormatTraits& traits = GetParam();
  std::set<DataType> covered;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    testing::MapResolver types;
    Path base;
    auto records = TreeGenerator(seed, traits).generate(types, base);
    for (const auto& r : records) covered.insert(r.value.type());

    std::vector<std::uint8_t> bytes;
    const auto encode_error = encode(traits.format, records, base, bytes);
    ASSERT_FALSE(encode_error) << "seed " << seed << ": " << encode_error->message;

    DecodeOptions options;
    options.types = &types;
    std::vector<Record> decoded;
    const auto decode_error = decode(traits.format, bytes, base, options, decoded);
    ASSERT_FALSE(decode_error) << "seed " << seed << ": " << decode_error->message << " at byte "
                               << decode_error->offset;
    if (!traits.order_kept) std::sort(decoded.begin(), decoded.end(), [](auto& a, auto& b) { return a.path < b.path; });
    ASSERT_EQ(decoded.size(), records.size()) << "seed " << seed;
    for (std::size_t i = 0; i < records.size(); ++i) {
      ASSERT_EQ(decoded[i], records[i]) << "seed " << seed << " record " << i << " "
                                        << records[i].path.to_string() << " sent "
                                        << records[i].value.debug_string() << " got "
                                        << decoded[i].path.to_string() << " "
                                        << decoded[i].value.debug_string();
    }
  }
  EXPECT_EQ(covered.size(), 9u) << "every data type but None appears";
}

INSTANTIATE_TEST_SUITE_P(EveryRecordFormat, RoundTrip, ::testing::ValuesIn(all_formats),
                         [](const auto& param_info) {
                           std::string name(to_string(param_info.param.format));
                           for (auto& c : name) if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

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
        ASSERT_FALSE(e) << to_string(format) << " " << record.value.debug_string() << ": " << e->message;
        std::vector<Record> decoded;
        const auto d = decode(format, bytes, record.path, options, decoded);
        ASSERT_FALSE(d) << to_string(format) << " " << record.value.debug_string() << ": " << d->message;
        ASSERT_EQ(decoded.size(), 1u);
        EXPECT_EQ(decoded[0], plain) << to_string(format) << " sent " << record.value.debug_string()
                                     << " got " << decoded[0].value.debug_string();
      }
    }
  }
}

}  // namespace
}  // namespace drover::lwm2m
