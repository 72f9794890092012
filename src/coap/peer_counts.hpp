// A count per peer in one flat open-addressing table (linear probing, backward-shift deletion),
// for the per-peer bounds that every message touches: no node per peer, no allocation once grown.
// Peers are keyed by their 64-bit hash; two peers whose hashes collide share a count, which for a
// bound only makes it stricter for both, and 64-bit collisions do not happen in practice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "drover/coap/peer.hpp"

namespace drover::coap {

class PeerCounts {
 public:
  std::uint32_t get(const PeerAddress& peer) const {
    const std::uint64_t key = key_of(peer);
    if (table_.empty()) return 0;
    for (std::size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (table_[i].key == 0) return 0;
      if (table_[i].key == key) return table_[i].count;
    }
  }

  void increment(const PeerAddress& peer) {
    if ((size_ + 1) * 2 > table_.size()) grow();
    const std::uint64_t key = key_of(peer);
    for (std::size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (table_[i].key == key) {
        ++table_[i].count;
        return;
      }
      if (table_[i].key == 0) {
        table_[i] = {key, 1};
        ++size_;
        return;
      }
    }
  }

  // Decrements the count of `peer` (dropping it at zero); no-op for a peer without one.
  void decrement(const PeerAddress& peer) {
    if (table_.empty()) return;
    const std::uint64_t key = key_of(peer);
    std::size_t i = key & mask_;
    for (;; i = (i + 1) & mask_) {
      if (table_[i].key == 0) return;
      if (table_[i].key == key) break;
    }
    if (--table_[i].count > 0) return;
    erase_at(i);
  }

  void erase(const PeerAddress& peer) {
    if (table_.empty()) return;
    const std::uint64_t key = key_of(peer);
    for (std::size_t i = key & mask_;; i = (i + 1) & mask_) {
      if (table_[i].key == 0) return;
      if (table_[i].key == key) return erase_at(i);
    }
  }

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    std::uint64_t key = 0;  // 0: empty
    std::uint32_t count = 0;
  };

  static std::uint64_t key_of(const PeerAddress& peer) {
    const std::uint64_t h = peer.hash();
    return h == 0 ? 1 : h;
  }

  void erase_at(std::size_t i) {
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (table_[j].key == 0) break;
      const std::size_t home = table_[j].key & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        table_[i] = table_[j];
        i = j;
      }
    }
    table_[i] = Slot{};
    --size_;
  }

  void grow() {
    std::vector<Slot> old = std::move(table_);
    table_.assign(old.empty() ? 64 : old.size() * 2, Slot{});
    mask_ = table_.size() - 1;
    for (const Slot& s : old) {
      if (s.key == 0) continue;
      std::size_t i = s.key & mask_;
      while (table_[i].key != 0) i = (i + 1) & mask_;
      table_[i] = s;
    }
  }

  std::vector<Slot> table_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace drover::coap
