#include "transmit_queue.hpp"

#include <algorithm>

namespace drover::coap {

TransmitQueue::Slot* TransmitQueue::acquire() {
  if (size_ == slots_.size()) {
    if (size_ >= max_size_) return nullptr;
    // Grow the ring: rotate so that the oldest entry is first, then append a slot.
    std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end());
    head_ = 0;
    slots_.emplace_back();
  }
  Slot* slot = &slots_[(head_ + size_) % slots_.size()];
  ++size_;
  slot->bytes.clear();
  return slot;
}

bool TransmitQueue::push(const PeerAddress& peer, const Message& msg) {
  Slot* slot = acquire();
  if (slot == nullptr) return false;
  slot->peer = peer;
  serialize(msg, slot->bytes);
  return true;
}

bool TransmitQueue::push(const PeerAddress& peer, std::span<const std::uint8_t> bytes) {
  Slot* slot = acquire();
  if (slot == nullptr) return false;
  slot->peer = peer;
  slot->bytes.assign(bytes.begin(), bytes.end());
  return true;
}

bool TransmitQueue::pop(PeerAddress& peer, std::span<const std::uint8_t>& bytes) {
  if (size_ == 0) return false;
  const Slot& slot = slots_[head_];
  peer = slot.peer;
  bytes = slot.bytes;
  head_ = (head_ + 1) % slots_.size();
  --size_;
  return true;
}

}  // namespace drover::coap
