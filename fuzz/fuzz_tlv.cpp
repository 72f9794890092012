// TLV decoder: never crashes on any input, and whatever it accepts re-encodes to a payload that
// decodes to the same records. The first byte picks the request path depth.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "format_codecs.hpp"

namespace {

using namespace drover::lwm2m;

// Every data type, chosen by resource ID, so that typed value decoding is exercised too.
class CyclingTypes : public TypeResolver {
 public:
  std::optional<ResourceShape> lookup(std::uint16_t, std::uint16_t resource_id) const override {
    if (resource_id >= 100) return std::nullopt;  // unknown: Opaque
    return ResourceShape{static_cast<DataType>(resource_id % 10), false};
  }
};

std::vector<Record> sorted(std::vector<Record> records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.path < b.path; });
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const Path bases[] = {Path(7), Path(7, 0), Path(7, 0, 11), Path(7, 0, 11, 1)};
  const Path& base = bases[data[0] % 4];
  const std::span<const std::uint8_t> payload(data + 1, size - 1);

  static const CyclingTypes types;
  DecodeOptions options;
  options.types = &types;
  options.max_records = 4096;

  std::vector<Record> records;
  if (detail::decode_tlv(payload, base, options, records)) return 0;

  std::vector<std::uint8_t> encoded;
  if (detail::encode_tlv(records, base, encoded)) std::abort();  // decoded records must encode
  std::vector<Record> again;
  if (detail::decode_tlv(encoded, base, options, again)) std::abort();
  if (again != sorted(std::move(records))) std::abort();
  return 0;
}
