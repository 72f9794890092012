#include "dedup.hpp"

#include <algorithm>

namespace drover::coap {

DedupCache::DedupCache(std::size_t max_entries, std::size_t max_per_peer, Duration con_lifetime,
                       Duration non_lifetime)
    : max_entries_(std::max<std::size_t>(1, std::min<std::size_t>(max_entries, ~kNonRing))),
      max_per_peer_(max_per_peer),
      lifetime_{con_lifetime, non_lifetime} {}

DedupCache::Outcome DedupCache::check(const MidKey& key, bool confirmable, TimePoint now,
                                      std::span<const std::uint8_t>& cached_reply) {
  expire(now);
  const std::size_t hash = MidKeyHash{}(key);
  if (const std::uint32_t found = find(key, hash); found != kEmpty) {
    const Entry& e = entry(found);
    if (e.reprocess) return Outcome::Reprocess;
    cached_reply = e.overflow.empty() ? std::span<const std::uint8_t>(e.reply.data(), e.reply_size)
                                      : std::span<const std::uint8_t>(e.overflow);
    return Outcome::Duplicate;
  }
  if (per_peer_.get(key.peer) >= max_per_peer_) return Outcome::Full;

  if (rings_[0].size + rings_[1].size >= max_entries_) {
    Ring& oldest = ring_with_oldest();
    if (oldest.front().live) ++evicted_;
    pop_front(oldest);
  }
  const unsigned r = confirmable ? 0 : 1;
  Ring& ring = rings_[r];
  if (ring.size == ring.slots.size()) {  // full: double the buffer, oldest first at 0
    std::vector<Entry> grown(
        std::min(max_entries_, std::max<std::size_t>(16, ring.slots.size() * 2)));
    for (std::size_t i = 0; i < ring.size; ++i) grown[i] = std::move(ring.at(i));
    ring.slots = std::move(grown);
    ring.head = 0;
    rebuild_index();
  }
  const std::size_t position = (ring.head + ring.size) % ring.slots.size();
  ++ring.size;
  Entry& e = ring.slots[position];
  e.key = key;
  e.expires = now + lifetime_[r];
  e.reply_size = 0;
  e.reprocess = false;
  // Indexed before it is live: an index rebuild on the way must not add it twice.
  index_insert(hash, static_cast<std::uint32_t>(position) | (r == 1 ? kNonRing : 0u));
  e.live = true;
  ++live_;
  per_peer_.increment(key.peer);
  return Outcome::New;
}

void DedupCache::set_reply(const MidKey& key, std::span<const std::uint8_t> reply,
                           bool idempotent) {
  const std::uint32_t found = find(key, MidKeyHash{}(key));
  if (found == kEmpty) return;
  Entry& e = entry(found);
  e.reprocess = idempotent && reply.size() > kInlineReply;
  if (e.reprocess) {
    e.reply_size = 0;
    std::vector<std::uint8_t>().swap(e.overflow);
  } else if (reply.size() <= kInlineReply) {
    std::copy(reply.begin(), reply.end(), e.reply.begin());
    e.reply_size = static_cast<std::uint8_t>(reply.size());
    e.overflow.clear();
  } else {
    e.overflow.assign(reply.begin(), reply.end());
  }
}

void DedupCache::expire(TimePoint now) {
  for (Ring& ring : rings_)
    while (ring.size > 0 && (!ring.front().live || ring.front().expires <= now)) pop_front(ring);
}

std::optional<TimePoint> DedupCache::next_expiry() const {
  std::optional<TimePoint> t;
  for (const Ring& ring : rings_)
    if (ring.size > 0 && (!t || ring.front().expires < *t)) t = ring.front().expires;
  return t;
}

std::size_t DedupCache::size_of(const PeerAddress& peer) const {
  return per_peer_.get(peer);
}

void DedupCache::forget_peer(const PeerAddress& peer) {
  for (Ring& ring : rings_) {
    for (std::size_t i = 0; i < ring.size; ++i) {
      Entry& e = ring.at(i);
      if (!e.live || !(e.key.peer == peer)) continue;
      const auto position = static_cast<std::uint32_t>((ring.head + i) % ring.slots.size());
      index_erase(MidKeyHash{}(e.key), position | (&ring == &rings_[1] ? kNonRing : 0u));
      e.live = false;  // popped when it reaches the front
      --live_;
    }
  }
  per_peer_.erase(peer);
}

DedupCache::Ring& DedupCache::ring_with_oldest() {
  if (rings_[0].size == 0) return rings_[1];
  if (rings_[1].size == 0) return rings_[0];
  return rings_[1].front().expires - lifetime_[1] < rings_[0].front().expires - lifetime_[0]
             ? rings_[1]
             : rings_[0];
}

void DedupCache::pop_front(Ring& ring) {
  Entry& e = ring.slots[ring.head];
  if (e.live) {
    const auto handle =
        static_cast<std::uint32_t>(ring.head) | (&ring == &rings_[1] ? kNonRing : 0u);
    index_erase(MidKeyHash{}(e.key), handle);
    per_peer_.decrement(e.key.peer);
    e.live = false;
    --live_;
  }
  if (!e.overflow.empty()) std::vector<std::uint8_t>().swap(e.overflow);
  ring.head = (ring.head + 1) % ring.slots.size();
  --ring.size;
}

// ---- The index: linear probing over (hash, handle) pairs, backward-shift deletion.

std::uint32_t DedupCache::find(const MidKey& key, std::size_t hash) const {
  if (index_.empty()) return kEmpty;
  const auto h = static_cast<std::uint32_t>(hash);
  for (std::size_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
    const IndexEntry& slot = index_[i];
    if (slot.handle == kEmpty) return kEmpty;
    if (slot.hash == h && entry(slot.handle).key == key) return slot.handle;
  }
}

void DedupCache::index_insert(std::size_t hash, std::uint32_t handle) {
  if ((index_size_ + 1) * 2 > index_.size()) grow_index();
  const auto h = static_cast<std::uint32_t>(hash);
  for (std::size_t i = h & index_mask_;; i = (i + 1) & index_mask_) {
    if (index_[i].handle == kEmpty) {
      index_[i] = {h, handle};
      ++index_size_;
      return;
    }
  }
}

void DedupCache::index_erase(std::size_t hash, std::uint32_t handle) {
  if (index_.empty()) return;
  const auto h = static_cast<std::uint32_t>(hash);
  std::size_t i = h & index_mask_;
  for (;; i = (i + 1) & index_mask_) {
    if (index_[i].handle == kEmpty) return;
    if (index_[i].handle == handle) break;
  }
  for (std::size_t j = (i + 1) & index_mask_;; j = (j + 1) & index_mask_) {
    if (index_[j].handle == kEmpty) break;
    const std::size_t home = index_[j].hash & index_mask_;
    if (((j - home) & index_mask_) >= ((j - i) & index_mask_)) {
      index_[i] = index_[j];
      i = j;
    }
  }
  index_[i] = IndexEntry{};
  --index_size_;
}

void DedupCache::grow_index() {
  index_.assign(std::max<std::size_t>(32, index_.size() * 2), IndexEntry{});
  index_mask_ = index_.size() - 1;
  rebuild_index();
}

void DedupCache::rebuild_index() {
  std::fill(index_.begin(), index_.end(), IndexEntry{});
  index_size_ = 0;
  for (unsigned r = 0; r < 2; ++r) {
    Ring& ring = rings_[r];
    for (std::size_t i = 0; i < ring.size; ++i) {
      const std::size_t position = (ring.head + i) % ring.slots.size();
      const Entry& e = ring.slots[position];
      if (!e.live) continue;
      const auto h = static_cast<std::uint32_t>(MidKeyHash{}(e.key));
      for (std::size_t k = h & index_mask_;; k = (k + 1) & index_mask_) {
        if (index_[k].handle == kEmpty) {
          index_[k] = {h, static_cast<std::uint32_t>(position) | (r == 1 ? kNonRing : 0u)};
          ++index_size_;
          break;
        }
      }
    }
  }
}

}  // namespace drover::coap
