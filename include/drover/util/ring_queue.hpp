// A FIFO queue in one growable ring buffer. Unlike std::deque, which allocates and frees a block
// every few elements as the queue moves along, a warm RingQueue allocates nothing: the protocol
// cores' event queues use it, so that an event per message costs no allocation. Capacity doubles
// when full and is kept; the cores bound how many elements it may hold.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace drover {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == slots_.size()) grow();
    T& slot = slots_[(head_ + size_) % slots_.size()];
    slot = T(std::forward<Args>(args)...);
    ++size_;
    return slot;
  }
  void push_back(T value) { emplace_back(std::move(value)); }

  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }
  // The front element is left moved-from (or as it was) in its slot, to be overwritten later.
  void pop_front() {
    head_ = (head_ + 1) % slots_.size();
    --size_;
  }

 private:
  void grow() {
    std::vector<T> grown(slots_.empty() ? 8 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) grown[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    slots_ = std::move(grown);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace drover
