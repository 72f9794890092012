#include "block_transfers.hpp"

#include <algorithm>
#include <cstring>

namespace drover::coap {
namespace {

bool excluded_from_key(std::uint16_t number) {
  return number == options::Block1 || number == options::Block2 || number == options::Size1 ||
         number == options::Size2 || number == options::Observe;
}

}  // namespace

std::uint64_t transfer_key(const Message& request, bool with_fetch_payload) {
  // Eight bytes at a time (every request of every server exchange is hashed): keys are only
  // compared among one peer's transfers, so a collision can at worst confuse that peer's own.
  std::uint64_t h = 0x9e3779b97f4a7c15ull;
  auto mix = [&h](std::uint64_t v) {
    h = (h ^ v) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  };
  auto mix_bytes = [&](std::span<const std::uint8_t> bytes) {
    mix(bytes.size());
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes.data() + i, 8);
      mix(word);
    }
    if (i < bytes.size()) {
      std::uint64_t word = 0;
      std::memcpy(&word, bytes.data() + i, bytes.size() - i);
      mix(word);
    }
  };
  mix(request.code.value);
  for (std::size_t i = 0; i < request.option_count(); ++i) {
    OptionView o = request.option(i);
    if (excluded_from_key(o.number)) continue;
    mix(o.number);
    mix_bytes(o.value);
  }
  if (with_fetch_payload && request.code == codes::Fetch) mix_bytes(request.payload());
  return h;
}

ServerTransfers::Block1Outcome ServerTransfers::offer_block1(const PeerAddress& peer,
                                                             std::uint64_t key,
                                                             const BlockOption& block,
                                                             std::optional<std::uint32_t> size1,
                                                             std::span<const std::uint8_t> payload,
                                                             bool room, TimePoint now) {
  Key k{peer, key};
  if (block.num == 0) {
    if (auto old = uploads_.find(k); old != uploads_.end())
      erase(uploads_, old);  // a new upload of the same request restarts it
    if (size1 && *size1 > max_body_size_) return Block1Outcome::TooLarge;
    if (!room || size_of(peer) >= max_per_peer_) return Block1Outcome::Busy;
    uploads_.emplace(k, Upload{{}, now});
    count(peer, +1);
  }
  auto it = uploads_.find(k);
  if (it == uploads_.end()) return Block1Outcome::Incomplete;
  Upload& up = it->second;
  if (block.offset() != up.body.size()) {
    erase(uploads_, it);
    return Block1Outcome::Incomplete;
  }
  if (block.more && payload.size() != block.size()) {
    erase(uploads_, it);
    return Block1Outcome::BadBlock;
  }
  if (up.body.size() + payload.size() > max_body_size_) {
    erase(uploads_, it);
    return Block1Outcome::TooLarge;
  }
  up.body.insert(up.body.end(), payload.begin(), payload.end());
  up.expires = now + lifetime_;
  return block.more ? Block1Outcome::Continue : Block1Outcome::Complete;
}

std::vector<std::uint8_t> ServerTransfers::take_body(const PeerAddress& peer, std::uint64_t key) {
  auto node = uploads_.extract(Key{peer, key});
  if (!node) return {};
  count(peer, -1);
  return std::move(node.mapped().body);
}

void ServerTransfers::store_response(const PeerAddress& peer, std::uint64_t key, Message response,
                                     bool room, TimePoint now) {
  Key k{peer, key};
  if (auto it = responses_.find(k); it != responses_.end()) {
    it->second = Cached{std::move(response), now + lifetime_};
    return;
  }
  const bool peer_full = size_of(peer) >= max_per_peer_;
  if (!room || peer_full) {
    auto oldest = responses_.end();
    for (auto c = responses_.begin(); c != responses_.end(); ++c)
      if ((!peer_full || c->first.peer == peer) &&
          (oldest == responses_.end() || c->second.expires < oldest->second.expires))
        oldest = c;
    if (oldest == responses_.end()) return;
    erase(responses_, oldest);
  }
  responses_.emplace(k, Cached{std::move(response), now + lifetime_});
  count(peer, +1);
}

const Message* ServerTransfers::find_response(const PeerAddress& peer, std::uint64_t key) const {
  auto it = responses_.find(Key{peer, key});
  return it == responses_.end() ? nullptr : &it->second.response;
}

void ServerTransfers::erase_response(const PeerAddress& peer, std::uint64_t key) {
  if (auto it = responses_.find(Key{peer, key}); it != responses_.end()) erase(responses_, it);
}

template <typename Map>
void ServerTransfers::erase(Map& map, typename Map::iterator it) {
  count(it->first.peer, -1);
  map.erase(it);
}

void ServerTransfers::count(const PeerAddress& peer, int delta) {
  auto it = per_peer_.try_emplace(peer, 0).first;
  it->second = static_cast<std::size_t>(static_cast<long>(it->second) + delta);
  if (it->second == 0) per_peer_.erase(it);
}

std::size_t ServerTransfers::size_of(const PeerAddress& peer) const {
  auto it = per_peer_.find(peer);
  return it == per_peer_.end() ? 0 : it->second;
}

void ServerTransfers::expire(TimePoint now) {
  auto expire_in = [this, now](auto& map) {
    for (auto it = map.begin(); it != map.end();) {
      auto next = std::next(it);
      if (it->second.expires <= now) erase(map, it);
      it = next;
    }
  };
  expire_in(uploads_);
  expire_in(responses_);
}

std::optional<TimePoint> ServerTransfers::next_expiry() const {
  std::optional<TimePoint> t;
  auto consider = [&t](TimePoint at) {
    if (!t || at < *t) t = at;
  };
  for (const auto& kv : uploads_) consider(kv.second.expires);
  for (const auto& kv : responses_) consider(kv.second.expires);
  return t;
}

void ServerTransfers::forget_peer(const PeerAddress& peer) {
  std::erase_if(uploads_, [&](const auto& kv) { return kv.first.peer == peer; });
  std::erase_if(responses_, [&](const auto& kv) { return kv.first.peer == peer; });
  per_peer_.erase(peer);
}

}  // namespace drover::coap
