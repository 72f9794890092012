// Random value trees for the property tests: the round trips through every format
// (test_roundtrip.cpp) and the cross-checks with independent decoders (test_crosscheck.cpp).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m::testing {

// What a record format carries, which decides what the generator may produce for it.
struct FormatTraits {
  ContentFormat format;
  bool timestamps;       // Record::time survives
  bool non_finite;       // NaN and infinities survive
  bool several_objects;  // a payload may span objects (otherwise the request path is one object)
  bool order_kept;       // decoded records come back in the encoded order
};

inline constexpr FormatTraits all_formats[] = {
    {ContentFormat::Tlv, false, true, false, false},
    {ContentFormat::SenmlJson, true, false, true, true},
    {ContentFormat::SenmlCbor, true, true, true, true},
    {ContentFormat::OmaJson, true, false, false, true},
    {ContentFormat::Lwm2mCbor, false, true, true, false},
};

inline const FormatTraits& traits_of(ContentFormat format) {
  for (const auto& t : all_formats) {
    if (t.format == format) return t;
  }
  return all_formats[2];  // SenML CBOR carries everything
}

// A random tree: a few objects, instances and resources (some multiple), every data type, edge
// values more often than chance would give them.
class TreeGenerator {
 public:
  TreeGenerator(std::uint32_t seed, const FormatTraits& traits) : rng_(seed), traits_(traits) {}

  // The records of one tree, their types in `types`, and the request path to encode them at.
  std::vector<Record> generate(MapResolver& types, Path& base) {
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
          for (int n = pick(1, 4); n > 0; --n)
            ris.insert(static_cast<std::uint16_t>(pick(0, 65534)));
          for (const auto ri : ris)
            records.push_back(make(Path(object_id, iid, rid, ri), shape.type));
        }
      }
    }
    base = traits_.several_objects ? Path() : Path(*object_ids.begin());
    return records;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::int64_t pick64(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }
  bool edge() { return pick(0, 3) == 0; }

  std::string text() {
    static constexpr std::string_view pieces[] = {"",    "a",    "Drover", " \"quoted\" ",    "\\",
                                                  "é",   "日本", "\n\t",   "<link>;rt=\"x\"", "0",
                                                  "-1.5"};
    std::string out;
    for (int n = pick(0, 4); n > 0; --n) out += pieces[static_cast<std::size_t>(pick(0, 10))];
    return out;
  }

  Value value(DataType type) {
    using L64 = std::numeric_limits<std::int64_t>;
    switch (type) {
      case DataType::String:
        return Value(text());
      case DataType::Integer: {
        if (edge()) {
          const std::int64_t edges[] = {L64::min(), L64::max(), 0, -1, 23, 24, -25, 255, 65536};
          return Value(edges[pick(0, 8)]);
        }
        return Value(pick64(L64::min(), L64::max()));
      }
      case DataType::UnsignedInteger: {
        if (edge()) {
          const std::uint64_t edges[] = {
              0, 1, 255, 256, 0xFFFFFFFFull, std::numeric_limits<std::uint64_t>::max()};
          return Value(edges[pick(0, 5)]);
        }
        return Value(std::uint64_t{std::uniform_int_distribution<std::uint64_t>()(rng_)});
      }
      case DataType::Float: {
        if (edge()) {
          std::vector<double> edges = {0.0, -0.5,   1e300, -1e-300, 3.4028234663852886e38,
                                       1.5, 65504.0};
          if (traits_.non_finite) {
            edges.push_back(std::numeric_limits<double>::quiet_NaN());
            edges.push_back(std::numeric_limits<double>::infinity());
            edges.push_back(-std::numeric_limits<double>::infinity());
          }
          return Value(
              edges[static_cast<std::size_t>(pick(0, static_cast<int>(edges.size()) - 1))]);
        }
        return Value(std::uniform_real_distribution<double>(-1e9, 1e9)(rng_));
      }
      case DataType::Boolean:
        return Value(pick(0, 1) == 1);
      case DataType::Opaque: {
        Opaque bytes(static_cast<std::size_t>(edge() ? 0 : pick(1, 300)));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(pick(0, 255));
        return Value(std::move(bytes));
      }
      case DataType::Time: {
        // Time is signed (Core TS Appendix C): before 1970 is negative.
        if (edge()) {
          const std::int64_t edges[] = {
              0, -1, -2208988800 /* 1900 */, L64::min(), L64::max(), -24, -25, -256};
          return Value(Time{edges[pick(0, 7)]});
        }
        return Value(Time{pick64(-4000000000, 4000000000)});
      }
      case DataType::Objlnk:
        if (edge()) return Value(Objlnk{65535, 65535});
        return Value(Objlnk{static_cast<std::uint16_t>(pick(0, 65534)),
                            static_cast<std::uint16_t>(pick(0, 65534))});
      case DataType::Corelnk:
        return Value(Corelnk{"</3/0>;ver=1.1,</1/0>"});
      case DataType::None:
        break;
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

}  // namespace drover::lwm2m::testing
