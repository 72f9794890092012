// What a store that writes behind (store/) reports of its writing: the same counts for every
// store, so that the server core and the HTTP metrics can show them without knowing the store.
#pragma once

#include <cstdint>

namespace drover {

struct StoreStats {
  std::uint64_t committed = 0;       // changes on disk
  std::uint64_t batches = 0;         // transactions committed
  std::uint64_t failed_batches = 0;  // transactions that failed (and are tried again)
  std::uint64_t dropped = 0;         // changes dropped past the store's bound on pending ones
  std::uint64_t pending = 0;         // changes waiting to be committed

  StoreStats& operator+=(const StoreStats& o) {
    committed += o.committed;
    batches += o.batches;
    failed_batches += o.failed_batches;
    dropped += o.dropped;
    pending += o.pending;
    return *this;
  }
};

}  // namespace drover
