// A latency histogram with bounded relative error, for the load generator's percentiles.
//
// Values (nanoseconds) fall into log-linear buckets: exact below 2^sub_bits, then 2^sub_bits
// buckets per power of two, so any recorded value is reported within 1/2^sub_bits (0.8 % with
// 7 bits) of itself. The bucket array is fixed at construction: record() never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace drover::loadgen {

class Histogram {
 public:
  static constexpr unsigned sub_bits = 7;

  Histogram();

  void record(std::uint64_t value);
  // Adds every count of `other` (the same layout).
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }
  // The smallest bucket value v such that at least q (0..1) of the records are <= v, reported as
  // the bucket's upper bound (never below a recorded value); 0 when empty.
  std::uint64_t quantile(double q) const;

 private:
  static std::size_t bucket_of(std::uint64_t value);
  static std::uint64_t upper_bound_of(std::size_t bucket);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace drover::loadgen
