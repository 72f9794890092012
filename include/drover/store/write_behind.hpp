// How the stores of this layer write behind (src/store/writer.hpp): their settings. Their counts
// are StoreStats (util/store_stats.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "drover/util/store_stats.hpp"

namespace drover::store {

// Changes are committed in batches on the store's own thread: every `batch_interval`, or at once
// when `batch_changes` wait. Past `max_pending` waiting changes, more are dropped (counted and
// reported once). A failed batch is kept and tried again every `retry_interval`.
struct WriteBehindConfig {
  std::chrono::milliseconds batch_interval{10};
  std::size_t batch_changes = 4096;
  std::size_t max_pending = std::size_t{1} << 20;
  std::chrono::milliseconds retry_interval{1000};
  // Failures and recoveries, from the writer thread. Null: not reported.
  std::function<void(std::string_view)> log;
};

}  // namespace drover::store
