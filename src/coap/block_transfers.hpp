// Server-side block-wise state (RFC 7959): Block1 reassembly of request bodies and the Block2 cache
// of response bodies being read block by block.
//
// Both are keyed by (peer, transfer key), the transfer key identifying "the same request" across
// its blocks: a hash of the code and of all options but the block-wise, size and Observe ones.
// Bodies are bounded by max_body_size; the number of transfers per peer by max_per_peer, and in
// total by the caller, which passes `room` (the engine shares max_block_transfers with client
// downloads). Idle transfers expire.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "drover/coap/block_option.hpp"
#include "drover/coap/engine.hpp"

namespace drover::coap {

// Identifies a request across its blocks. A FETCH body selects what is read, so for Block2
// follow-ups (`with_fetch_payload`) it is part of the key.
std::uint64_t transfer_key(const Message& request, bool with_fetch_payload);

class ServerTransfers {
 public:
  ServerTransfers(std::size_t max_body_size, std::size_t max_per_peer, Duration lifetime)
      : max_body_size_(max_body_size), max_per_peer_(max_per_peer), lifetime_(lifetime) {}

  enum class Block1Outcome : std::uint8_t {
    Continue,    // stored; answer 2.31 Continue
    Complete,    // the last block: take_body()
    Incomplete,  // 4.08: a block out of order or no transfer started
    TooLarge,    // 4.13: past max_body_size (the transfer is dropped)
    BadBlock,    // 4.00: a non-final block whose payload is not exactly the block size
    Busy,        // no room for a new transfer, in total or for this peer (5.03)
  };
  Block1Outcome offer_block1(const PeerAddress& peer, std::uint64_t key, const BlockOption& block,
                             std::optional<std::uint32_t> size1,
                             std::span<const std::uint8_t> payload, bool room, TimePoint now);
  // The reassembled body after Complete; ends the transfer.
  std::vector<std::uint8_t> take_body(const PeerAddress& peer, std::uint64_t key);

  // Keeps `response` (its whole body) to answer follow-up Block2 requests. Without room, the
  // oldest cached body makes way (the peer's own oldest when the peer is at max_per_peer); failing
  // that, nothing is kept (follow-ups reach the application).
  void store_response(const PeerAddress& peer, std::uint64_t key, Message response, bool room,
                      TimePoint now);
  const Message* find_response(const PeerAddress& peer, std::uint64_t key) const;
  void erase_response(const PeerAddress& peer, std::uint64_t key);

  void expire(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  std::size_t size() const { return uploads_.size() + responses_.size(); }
  std::size_t size_of(const PeerAddress& peer) const;
  void forget_peer(const PeerAddress& peer);

 private:
  struct Key {
    PeerAddress peer;
    std::uint64_t key;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept { return k.peer.hash() ^ k.key; }
  };
  struct Upload {
    std::vector<std::uint8_t> body;
    TimePoint expires;
  };
  struct Cached {
    Message response;
    TimePoint expires;
  };

  template <typename Map>
  void erase(Map& map, typename Map::iterator it);
  void count(const PeerAddress& peer, int delta);

  std::size_t max_body_size_;
  std::size_t max_per_peer_;
  Duration lifetime_;
  std::unordered_map<Key, Upload, KeyHash> uploads_;
  std::unordered_map<Key, Cached, KeyHash> responses_;
  std::unordered_map<PeerAddress, std::size_t> per_peer_;  // uploads + responses of each peer
};

}  // namespace drover::coap
