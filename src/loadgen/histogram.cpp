#include "drover/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace drover::loadgen {
namespace {

constexpr std::uint64_t kLinear = std::uint64_t{1} << Histogram::sub_bits;
// Buckets: kLinear exact ones, then kLinear per power of two from 2^sub_bits to 2^63.
constexpr std::size_t kBuckets = kLinear + (64 - Histogram::sub_bits) * kLinear;

}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

std::size_t Histogram::bucket_of(std::uint64_t value) {
  if (value < kLinear) return static_cast<std::size_t>(value);
  const unsigned top = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= sub_bits
  const unsigned shift = top - sub_bits;
  const std::uint64_t mantissa = (value >> shift) - kLinear;  // 0 .. kLinear-1
  return static_cast<std::size_t>(kLinear + (shift * kLinear) + mantissa);
}

std::uint64_t Histogram::upper_bound_of(std::size_t bucket) {
  if (bucket < kLinear) return bucket;
  const std::uint64_t shift = (bucket - kLinear) / kLinear;
  const std::uint64_t mantissa = (bucket - kLinear) % kLinear;
  const std::uint64_t low = (kLinear + mantissa) << shift;
  const std::uint64_t width = std::uint64_t{1} << shift;
  return low > std::numeric_limits<std::uint64_t>::max() - width ? std::numeric_limits<std::uint64_t>::max()
                                                                  : low + width - 1;
}

void Histogram::record(std::uint64_t value) {
  ++counts_[bucket_of(value)];
  if (count_ == 0 || value < min_) min_ = value;
  max_ = std::max(max_, value);
  ++count_;
  sum_ += value;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = min_ = max_ = 0;
}

std::uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_bound_of(i), max_);
  }
  return max_;
}

}  // namespace drover::loadgen
