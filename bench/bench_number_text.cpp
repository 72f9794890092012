// Doubles to text and back: Drover's number text (the C library's printf and strtod) against
// libstdc++'s std::to_chars / std::from_chars (Ryu, fast_float), which the client stack no longer
// links. Sensor readings are the values devices send; full-precision ones need 16-17 digits.
#include <benchmark/benchmark.h>

#include <array>
#include <charconv>
#include <random>
#include <string>
#include <vector>

#include "drover/lwm2m/model/number_text.hpp"

namespace {

using namespace drover::lwm2m;

std::vector<double> readings() {
  return {23.5, 21.375, -4.2, 1013.25, 0.001, 3.3, 98.6, 1700000000.5, 55, 0.000015};
}

std::vector<double> full_precision() {
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> any(-1000, 1000);
  std::vector<double> out(64);
  for (double& v : out) v = any(random);
  return out;
}

std::vector<std::string> texts_of(const std::vector<double>& values) {
  std::vector<std::string> out;
  for (const double v : values) {
    DoubleText buf{};
    out.emplace_back(format_double(v, buf));
  }
  return out;
}

void format_drover(benchmark::State& state, const std::vector<double>& values) {
  DoubleText buf{};
  for (auto _ : state) {
    for (const double v : values) benchmark::DoNotOptimize(format_double(v, buf));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values.size()));
}

void append_drover(benchmark::State& state, const std::vector<double>& values) {
  std::string out;
  for (auto _ : state) {
    for (const double v : values) {
      out.clear();
      append_double(out, v);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values.size()));
}

void format_std(benchmark::State& state, const std::vector<double>& values) {
  std::array<char, 32> buf{};
  for (auto _ : state) {
    for (const double v : values) {
      benchmark::DoNotOptimize(std::to_chars(buf.data(), buf.data() + buf.size(), v).ptr);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values.size()));
}

void parse_drover(benchmark::State& state, const std::vector<double>& values) {
  const auto texts = texts_of(values);
  for (auto _ : state) {
    for (const auto& text : texts) benchmark::DoNotOptimize(parse_double(text));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
}

void parse_std(benchmark::State& state, const std::vector<double>& values) {
  const auto texts = texts_of(values);
  for (auto _ : state) {
    for (const auto& text : texts) {
      double v = 0;
      benchmark::DoNotOptimize(std::from_chars(text.data(), text.data() + text.size(), v).ptr);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts.size()));
}

BENCHMARK_CAPTURE(format_drover, readings, readings());
BENCHMARK_CAPTURE(format_std, readings, readings());
BENCHMARK_CAPTURE(append_drover, readings, readings());
BENCHMARK_CAPTURE(format_drover, full_precision, full_precision());
BENCHMARK_CAPTURE(format_std, full_precision, full_precision());
BENCHMARK_CAPTURE(parse_drover, readings, readings());
BENCHMARK_CAPTURE(parse_std, readings, readings());
BENCHMARK_CAPTURE(parse_drover, full_precision, full_precision());
BENCHMARK_CAPTURE(parse_std, full_precision, full_precision());

}  // namespace

BENCHMARK_MAIN();
