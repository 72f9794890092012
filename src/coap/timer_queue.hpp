// A min-heap of timers with lazy cancellation.
//
// Owners keep their own deadline; an entry is "live" only while its owner still exists and still
// wants that exact time (the engine checks when an entry pops). Rescheduling therefore costs one
// push and no search. Stale entries are dropped when they pop, or all at once by compact() when
// they outnumber the live ones, so the heap stays proportional to the live state.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace drover::coap {

enum class TimerKind : std::uint8_t {
  RequestRetransmit,   // id: RequestId
  RequestDeadline,     // id: RequestId
  ExchangeRetransmit,  // id: ExchangeId (a CON separate response)
  ExchangePiggyback,   // id: ExchangeId (send the empty ACK)
  ExchangeExpiry,      // id: ExchangeId
  ObserverRetransmit,  // id: ObserverId (a CON notification)
  PeerExpiry,          // id: peer serial
};

template <typename TimePointT>
class TimerQueue {
 public:
  struct Entry {
    TimePointT at;
    TimerKind kind;
    std::uint64_t id;
  };

  void schedule(TimePointT at, TimerKind kind, std::uint64_t id) {
    heap_.push_back({at, kind, id});
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  std::optional<TimePointT> earliest() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().at;
  }

  // Removes and returns the earliest entry if it is due at `now`.
  std::optional<Entry> pop_due(TimePointT now) {
    if (heap_.empty() || heap_.front().at > now) return std::nullopt;
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Entry e = heap_.back();
    heap_.pop_back();
    return e;
  }

  // Drops every entry for which live(entry) is false.
  template <typename LivePredicate>
  void compact(LivePredicate live) {
    std::erase_if(heap_, [&](const Entry& e) { return !live(e); });
    std::make_heap(heap_.begin(), heap_.end(), later);
  }

  std::size_t size() const { return heap_.size(); }
  template <typename LivePredicate>
  std::size_t count_live(LivePredicate live) const {
    return static_cast<std::size_t>(std::count_if(heap_.begin(), heap_.end(), live));
  }

 private:
  static bool later(const Entry& a, const Entry& b) { return a.at > b.at; }
  std::vector<Entry> heap_;
};

}  // namespace drover::coap
