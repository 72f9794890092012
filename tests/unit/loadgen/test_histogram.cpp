#include "drover/loadgen/histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace drover::loadgen {
namespace {

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.quantile(0.5), 50u);
  EXPECT_EQ(h.quantile(0.99), 99u);
  EXPECT_EQ(h.quantile(1.0), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, LargeValuesWithinRelativeError) {
  Histogram h;
  // 1 µs .. 10 s in nanoseconds, spread geometrically.
  std::vector<std::uint64_t> values;
  for (double v = 1000; v < 1e10; v *= 1.37) values.push_back(static_cast<std::uint64_t>(v));
  for (auto v : values) h.record(v);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double q = (static_cast<double>(i) + 0.5) / static_cast<double>(values.size());
    const auto reported = static_cast<double>(h.quantile(q));
    const auto exact = static_cast<double>(values[i]);
    EXPECT_GE(reported, exact) << "q=" << q;
    EXPECT_LE(reported, exact * (1.0 + 1.0 / 128.0)) << "q=" << q;
  }
  EXPECT_EQ(h.quantile(1.0), values.back());  // the maximum is exact
}

TEST(Histogram, MergeAddsCounts) {
  Histogram a, b;
  for (int i = 0; i < 90; ++i) a.record(10);
  for (int i = 0; i < 10; ++i) b.record(1000000);
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.quantile(0.9), 10u);
  EXPECT_GE(a.quantile(0.95), 1000000u);
  EXPECT_EQ(a.max(), 1000000u);
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.quantile(0.5), 0u);
}

TEST(Histogram, HugeValuesDoNotOverflow) {
  Histogram h;
  h.record(~std::uint64_t{0});
  h.record(std::uint64_t{1} << 63);
  EXPECT_EQ(h.quantile(1.0), ~std::uint64_t{0});
  EXPECT_GE(h.quantile(0.5), std::uint64_t{1} << 63);
}

}  // namespace
}  // namespace drover::loadgen
