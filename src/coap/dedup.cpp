#include "coap/dedup.hpp"

#include <algorithm>

namespace drover::coap {

DedupCache::Outcome DedupCache::check(const MidKey& key, bool confirmable, TimePoint now,
                                      std::span<const std::uint8_t>& cached_reply) {
  expire(now);
  if (auto it = entries_.find(key); it != entries_.end()) {
    cached_reply = it->second.reply;
    return Outcome::Duplicate;
  }
  if (entries_.size() >= max_entries_) return Outcome::Full;
  auto& of_peer = per_peer_[key.peer];
  if (of_peer >= max_per_peer_) {
    if (of_peer == 0) per_peer_.erase(key.peer);
    return Outcome::Full;
  }
  ++of_peer;
  entries_.emplace(key, Entry{});
  if (confirmable)
    con_fifo_.push_back({key, now + con_lifetime_});
  else
    non_fifo_.push_back({key, now + non_lifetime_});
  return Outcome::New;
}

void DedupCache::set_reply(const MidKey& key, std::span<const std::uint8_t> reply) {
  if (auto it = entries_.find(key); it != entries_.end())
    it->second.reply.assign(reply.begin(), reply.end());
}

void DedupCache::expire_fifo(std::deque<Pending>& fifo, TimePoint now) {
  while (!fifo.empty() && fifo.front().expires <= now) {
    const MidKey& key = fifo.front().key;
    entries_.erase(key);
    if (auto it = per_peer_.find(key.peer); it != per_peer_.end() && --it->second == 0)
      per_peer_.erase(it);
    fifo.pop_front();
  }
}

void DedupCache::expire(TimePoint now) {
  expire_fifo(con_fifo_, now);
  expire_fifo(non_fifo_, now);
}

std::optional<TimePoint> DedupCache::next_expiry() const {
  std::optional<TimePoint> t;
  if (!con_fifo_.empty()) t = con_fifo_.front().expires;
  if (!non_fifo_.empty() && (!t || non_fifo_.front().expires < *t)) t = non_fifo_.front().expires;
  return t;
}

std::size_t DedupCache::size_of(const PeerAddress& peer) const {
  auto it = per_peer_.find(peer);
  return it == per_peer_.end() ? 0 : it->second;
}

void DedupCache::forget_peer(const PeerAddress& peer) {
  per_peer_.erase(peer);
  auto other_peer = [&](const Pending& p) { return !(p.key.peer == peer); };
  for (auto* fifo : {&con_fifo_, &non_fifo_}) {
    for (const auto& p : *fifo)
      if (!other_peer(p)) entries_.erase(p.key);
    std::erase_if(*fifo, [&](const Pending& p) { return !other_peer(p); });
  }
}

}  // namespace drover::coap
