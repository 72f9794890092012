// Encode and decode of typical LwM2M payloads in each content format: the Device object
// instance /3/0 (a Read answer) and a 100-record timestamped pack (a Send or historical notify).
#include <benchmark/benchmark.h>

#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/builtin_objects.hpp"

namespace {

using namespace drover::lwm2m;

const ObjectRegistry& registry() {
  static const ObjectRegistry r = [] {
    ObjectRegistry out;
    add_builtin_objects(out);
    return out;
  }();
  return r;
}

std::vector<Record> device_instance() {
  auto s = [](std::uint16_t rid, const char* v) { return Record{Path(3, 0, rid), Value(v), {}}; };
  auto i = [](std::uint16_t rid, std::int64_t v) { return Record{Path(3, 0, rid), Value(v), {}}; };
  auto ri = [](std::uint16_t rid, std::uint16_t inst, std::int64_t v) {
    return Record{Path(3, 0, rid, inst), Value(v), {}};
  };
  return {s(0, "Open Mobile Alliance"), s(1, "Lightweight M2M Client"), s(2, "345000123"),
          s(3, "1.0"), ri(6, 0, 1), ri(6, 1, 5), ri(7, 0, 3800), ri(7, 1, 5000),
          ri(8, 0, 125), ri(8, 1, 900), i(9, 100), i(10, 15), ri(11, 0, 0),
          Record{Path(3, 0, 13), Value(Time{1367491215}), {}}, s(14, "+02:00"),
          s(15, "Europe/Paris"), s(16, "U")};
}

// 100 temperature readings of /3303/0/5700, one per minute.
std::vector<Record> temperature_pack() {
  std::vector<Record> out;
  for (int n = 0; n < 100; ++n)
    out.push_back(Record{Path(3303, 0, 5700), Value(20.0 + 0.125 * n), 1700000000.0 + 60 * n});
  return out;
}

// The records of a pack for formats without timestamps: 100 readings over 25 instances.
std::vector<Record> untimed_pack() {
  std::vector<Record> out;
  for (std::uint16_t inst = 0; inst < 25; ++inst)
    for (const std::uint16_t rid : {std::uint16_t{5700}, std::uint16_t{5601}, std::uint16_t{5602}, std::uint16_t{5701}}) {
      Value v = rid == 5701 ? Value("Cel") : Value(20.0 + inst);
      out.push_back(Record{Path(3303, inst, rid), v, {}});
    }
  return out;
}

void encode_bench(benchmark::State& state, ContentFormat format, const std::vector<Record>& records,
                  const Path& base) {
  std::vector<std::uint8_t> out;
  out.reserve(16384);
  for (auto _ : state) {
    out.clear();
    if (encode(format, records, base, out)) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}

void decode_bench(benchmark::State& state, ContentFormat format, const std::vector<Record>& records,
                  const Path& base) {
  std::vector<std::uint8_t> payload;
  if (encode(format, records, base, payload)) {
    state.SkipWithError("encode failed");
    return;
  }
  DecodeOptions options;
  options.types = &registry();
  std::vector<Record> out;
  out.reserve(records.size());
  for (auto _ : state) {
    out.clear();
    if (decode(format, payload, base, options, out)) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(payload.size());
}

void register_all() {
  static const auto device = device_instance();
  static const auto timed = temperature_pack();
  static const auto untimed = untimed_pack();
  struct Case {
    ContentFormat format;
    const char* name;
    bool timestamps;
  };
  const Case cases[] = {{ContentFormat::Tlv, "TLV", false},
                        {ContentFormat::SenmlJson, "SenML_JSON", true},
                        {ContentFormat::SenmlCbor, "SenML_CBOR", true},
                        {ContentFormat::OmaJson, "OMA_JSON", true},
                        {ContentFormat::Lwm2mCbor, "LwM2M_CBOR", false}};
  for (const auto& c : cases) {
    const std::string n = c.name;
    benchmark::RegisterBenchmark(("Encode/Device_3_0/" + n).c_str(), encode_bench, c.format,
                                 std::cref(device), Path(3, 0));
    benchmark::RegisterBenchmark(("Decode/Device_3_0/" + n).c_str(), decode_bench, c.format,
                                 std::cref(device), Path(3, 0));
    const auto& pack = c.timestamps ? timed : untimed;
    const Path base = c.format == ContentFormat::Tlv ? Path(3303) : Path();
    const std::string what = c.timestamps ? "/Pack100_timed/" : "/Pack100/";
    benchmark::RegisterBenchmark(("Encode" + what + n).c_str(), encode_bench, c.format, std::cref(pack), base);
    benchmark::RegisterBenchmark(("Decode" + what + n).c_str(), decode_bench, c.format, std::cref(pack), base);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
