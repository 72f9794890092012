// The body shared by the record-format fuzz targets: decode arbitrary bytes (request path "/");
// whatever decodes must encode, and that encoding must decode to the same records.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "format_codecs.hpp"

namespace drover::lwm2m::fuzzing {

// Every data type, chosen by resource ID, so that typed value decoding is exercised too;
// resources 100 and up are unknown (values keep their wire type).
class CyclingTypes : public TypeResolver {
 public:
  std::optional<ResourceShape> lookup(std::uint16_t, std::uint16_t resource_id) const override {
    if (resource_id >= 100) return std::nullopt;
    return ResourceShape{static_cast<DataType>(resource_id % 10), false};
  }
};

using DecodeFn = std::optional<FormatError> (*)(std::span<const std::uint8_t>, const Path&,
                                                const DecodeOptions&, std::vector<Record>&);
using EncodeFn = std::optional<FormatError> (*)(std::span<const Record>, const Path&,
                                                std::vector<std::uint8_t>&);

inline void sort_by_path(std::vector<Record>& records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.path < b.path; });
}

// `order_kept`: the format keeps the record order (SenML, OMA JSON); otherwise records are
// compared in path order.
inline int roundtrip(const std::uint8_t* data, std::size_t size, DecodeFn decode, EncodeFn encode,
                     bool order_kept) {
  static const CyclingTypes types;
  DecodeOptions options;
  options.types = &types;
  options.max_records = 4096;
  const Path base;

  std::vector<Record> records;
  if (decode({data, size}, base, options, records)) return 0;

  std::vector<std::uint8_t> encoded;
  if (encode(records, base, encoded)) std::abort();  // decoded records must encode
  std::vector<Record> again;
  if (decode(encoded, base, options, again)) std::abort();
  if (!order_kept) {
    sort_by_path(records);
    sort_by_path(again);
  }
  if (again != records) std::abort();
  return 0;
}

}  // namespace drover::lwm2m::fuzzing
