// Duplicate detection for incoming CON and NON messages (RFC 7252 §4.5), keyed by (peer, MID).
//
// An entry lives EXCHANGE_LIFETIME (CON) or NON_LIFETIME (NON) after the first copy arrived. It
// keeps the reply sent for that message (empty ACK, piggybacked response, RST) so that a duplicate
// CON gets the same reply again instead of being processed twice. Entries of one lifetime expire in
// arrival order, so two FIFOs replace a timer per entry.
//
// Bounded in total and per peer. At a bound a new message gets no entry and must be dropped: it
// cannot be processed without one (its duplicates would be processed again), and answering a
// flood message by message costs a send each. The dropped CON is retransmitted and gets in once
// the peer's older entries expire, so a peer past its share is slowed down, not cut off.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "drover/coap/engine.hpp"

namespace drover::coap {

struct MidKey {
  PeerAddress peer;
  std::uint16_t mid = 0;
  friend bool operator==(const MidKey&, const MidKey&) = default;
};
struct MidKeyHash {
  std::size_t operator()(const MidKey& k) const noexcept { return k.peer.hash() * 31u + k.mid; }
};

class DedupCache {
 public:
  enum class Outcome : std::uint8_t { New, Duplicate, Full };

  DedupCache(std::size_t max_entries, std::size_t max_per_peer, Duration con_lifetime,
             Duration non_lifetime)
      : max_entries_(max_entries),
        max_per_peer_(max_per_peer),
        con_lifetime_(con_lifetime),
        non_lifetime_(non_lifetime) {}

  // Records the arrival of (peer, MID). For a Duplicate, `cached_reply` is the stored reply (empty
  // when none was sent yet, e.g. the request is still with the application). Full: no room, in
  // total or for this peer.
  Outcome check(const MidKey& key, bool confirmable, TimePoint now,
                std::span<const std::uint8_t>& cached_reply);

  // Stores the reply sent for the message `key` (no-op when the entry is gone).
  void set_reply(const MidKey& key, std::span<const std::uint8_t> reply);

  void expire(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  std::size_t size() const { return entries_.size(); }
  std::size_t size_of(const PeerAddress& peer) const;
  void forget_peer(const PeerAddress& peer);

 private:
  struct Entry {
    std::vector<std::uint8_t> reply;
  };
  struct Pending {
    MidKey key;
    TimePoint expires;
  };
  void expire_fifo(std::deque<Pending>& fifo, TimePoint now);

  std::size_t max_entries_;
  std::size_t max_per_peer_;
  Duration con_lifetime_;
  Duration non_lifetime_;
  std::unordered_map<MidKey, Entry, MidKeyHash> entries_;
  std::deque<Pending> con_fifo_;
  std::deque<Pending> non_fifo_;
  std::unordered_map<PeerAddress, std::size_t> per_peer_;
};

}  // namespace drover::coap
