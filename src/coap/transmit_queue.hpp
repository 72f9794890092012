// Outgoing datagrams waiting for poll_transmit: a bounded ring of byte buffers whose capacity is
// kept, so that once warm, queueing a datagram does not allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "drover/coap/message.hpp"
#include "drover/coap/peer.hpp"

namespace drover::coap {

class TransmitQueue {
 public:
  explicit TransmitQueue(std::size_t max_size) : max_size_(max_size) {}

  // False (nothing queued) when the queue is full.
  bool push(const PeerAddress& peer, const Message& msg);
  bool push(const PeerAddress& peer, std::span<const std::uint8_t> bytes);

  // The oldest datagram; its bytes stay valid until the next push.
  bool pop(PeerAddress& peer, std::span<const std::uint8_t>& bytes);

  std::size_t size() const { return size_; }

 private:
  struct Slot {
    PeerAddress peer;
    std::vector<std::uint8_t> bytes;
  };
  Slot* acquire();

  std::size_t max_size_;
  std::vector<Slot> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace drover::coap
