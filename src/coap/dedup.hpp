// Duplicate detection for incoming CON and NON messages (RFC 7252 §4.5), keyed by (peer, MID).
//
// An entry lives EXCHANGE_LIFETIME (CON) or NON_LIFETIME (NON) after the first copy arrived. It
// keeps the reply sent for that message (empty ACK, piggybacked response, RST) so that a duplicate
// CON gets the same reply again instead of being processed twice. The reply to an idempotent
// request (a GET) is not kept when it is longer than an entry holds inline: its duplicate is
// processed again (RFC 7252 §4.5 allows it), so that serving a large body block by block (a
// firmware image) does not hold a copy of every block sent for EXCHANGE_LIFETIME.
//
// Entries of one lifetime expire in arrival order, so each lifetime has a ring of entries in
// arrival order (no timer per entry), and an open-addressing index finds them by key. Replies up to
// kInlineReply bytes (every empty ACK, RST and short response) are kept inside the entry: a message
// costs no allocation.
//
// Bounds. Per peer: past max_per_peer entries a new message gets none and must be dropped: it
// cannot be processed safely without one, and the dropped CON is retransmitted and gets in once the
// peer's older entries expire, so a peer past its share is slowed down, not cut off. In total: at
// max_entries the oldest entry is evicted for the new one (counted in evicted()), so that a flood
// from many addresses cannot stop all service for a lifetime; the price is that a duplicate of an
// evicted message, should one still come, is processed again.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "drover/coap/engine.hpp"
#include "peer_counts.hpp"

namespace drover::coap {

struct MidKey {
  PeerAddress peer;
  std::uint16_t mid = 0;
  friend bool operator==(const MidKey&, const MidKey&) = default;
};
struct MidKeyHash {
  std::size_t operator()(const MidKey& k) const noexcept {
    return k.peer.hash() ^ (k.mid * 0x9e3779b97f4a7c15ull);
  }
};

class DedupCache {
 public:
  // Reprocess: a duplicate of an idempotent request whose reply was not kept.
  enum class Outcome : std::uint8_t { New, Duplicate, Reprocess, Full };
  static constexpr std::size_t kInlineReply = 48;

  DedupCache(std::size_t max_entries, std::size_t max_per_peer, Duration con_lifetime,
             Duration non_lifetime);

  // Records the arrival of (peer, MID). For a Duplicate, `cached_reply` is the stored reply (empty
  // when none was sent yet, e.g. the request is still with the application). Full: the peer has
  // its share of entries already.
  Outcome check(const MidKey& key, bool confirmable, TimePoint now,
                std::span<const std::uint8_t>& cached_reply);

  // Stores the reply sent for the message `key` (no-op when the entry is gone); for an
  // `idempotent` request only when it fits inline.
  void set_reply(const MidKey& key, std::span<const std::uint8_t> reply, bool idempotent = false);

  void expire(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  std::size_t size() const { return live_; }
  std::size_t size_of(const PeerAddress& peer) const;
  void forget_peer(const PeerAddress& peer);
  std::uint64_t evicted() const { return evicted_; }

 private:
  struct Entry {
    MidKey key;
    TimePoint expires{};
    std::uint8_t reply_size = 0;  // inline reply length (when `overflow` is empty)
    bool live = false;            // false: removed by forget_peer, skipped when it comes first
    bool reprocess = false;       // the reply to an idempotent request, not kept
    std::array<std::uint8_t, kInlineReply> reply{};
    std::vector<std::uint8_t> overflow;  // a reply longer than kInlineReply
  };
  // A FIFO of entries of one lifetime, in a buffer that doubles up to the total bound.
  struct Ring {
    std::vector<Entry> slots;
    std::size_t head = 0;  // oldest
    std::size_t size = 0;
    Entry& at(std::size_t i) { return slots[(head + i) % slots.size()]; }
    const Entry& front() const { return slots[head]; }
  };
  // Index entries name a slot: ring (top bit) and position in its buffer.
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  static constexpr std::uint32_t kNonRing = 0x80000000u;
  struct IndexEntry {
    std::uint32_t hash = 0;
    std::uint32_t handle = kEmpty;
  };

  Entry& entry(std::uint32_t handle) { return rings_[handle >> 31].slots[handle & ~kNonRing]; }
  const Entry& entry(std::uint32_t handle) const {
    return rings_[handle >> 31].slots[handle & ~kNonRing];
  }
  std::uint32_t find(const MidKey& key, std::size_t hash) const;
  void index_insert(std::size_t hash, std::uint32_t handle);
  void index_erase(std::size_t hash, std::uint32_t handle);
  void grow_index();
  void rebuild_index();
  // Removes the oldest entry of `ring` (expired, evicted or dead).
  void pop_front(Ring& ring);
  Ring& ring_with_oldest();

  std::size_t max_entries_;
  std::size_t max_per_peer_;
  Duration lifetime_[2];  // CON, NON
  Ring rings_[2];
  std::vector<IndexEntry> index_;
  std::size_t index_mask_ = 0;
  std::size_t index_size_ = 0;
  PeerCounts per_peer_;
  std::size_t live_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace drover::coap
