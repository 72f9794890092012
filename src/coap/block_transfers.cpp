#include "coap/block_transfers.hpp"

#include <algorithm>

namespace drover::coap {
namespace {

bool excluded_from_key(std::uint16_t number) {
  return number == options::Block1 || number == options::Block2 || number == options::Size1 ||
         number == options::Size2 || number == options::Observe;
}

}  // namespace

std::uint64_t transfer_key(const Message& request, bool with_fetch_payload) {
  // FNV-1a: keys are only compared among one peer's transfers, so a collision can at worst
  // confuse that peer's own transfers.
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  auto mix_bytes = [&](std::span<const std::uint8_t> bytes) {
    mix(static_cast<std::uint8_t>(bytes.size() >> 8));
    mix(static_cast<std::uint8_t>(bytes.size()));
    for (auto b : bytes) mix(b);
  };
  mix(request.code.value);
  for (std::size_t i = 0; i < request.option_count(); ++i) {
    OptionView o = request.option(i);
    if (excluded_from_key(o.number)) continue;
    mix(static_cast<std::uint8_t>(o.number >> 8));
    mix(static_cast<std::uint8_t>(o.number));
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
    uploads_.erase(k);  // a new upload of the same request restarts it
    if (size1 && *size1 > max_body_size_) return Block1Outcome::TooLarge;
    if (!room) return Block1Outcome::Busy;
    uploads_.emplace(k, Upload{{}, now});
  }
  auto it = uploads_.find(k);
  if (it == uploads_.end()) return Block1Outcome::Incomplete;
  Upload& up = it->second;
  if (block.offset() != up.body.size()) {
    uploads_.erase(it);
    return Block1Outcome::Incomplete;
  }
  if (block.more && payload.size() != block.size()) {
    uploads_.erase(it);
    return Block1Outcome::BadBlock;
  }
  if (up.body.size() + payload.size() > max_body_size_) {
    uploads_.erase(it);
    return Block1Outcome::TooLarge;
  }
  up.body.insert(up.body.end(), payload.begin(), payload.end());
  up.expires = now + lifetime_;
  return block.more ? Block1Outcome::Continue : Block1Outcome::Complete;
}

std::vector<std::uint8_t> ServerTransfers::take_body(const PeerAddress& peer, std::uint64_t key) {
  auto node = uploads_.extract(Key{peer, key});
  return node ? std::move(node.mapped().body) : std::vector<std::uint8_t>{};
}

void ServerTransfers::store_response(const PeerAddress& peer, std::uint64_t key, Message response,
                                     bool room, TimePoint now) {
  Key k{peer, key};
  if (auto it = responses_.find(k); it != responses_.end()) {
    it->second = Cached{std::move(response), now + lifetime_};
    return;
  }
  if (!room) {
    auto oldest = std::min_element(
        responses_.begin(), responses_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    if (oldest == responses_.end()) return;
    responses_.erase(oldest);
  }
  responses_.emplace(k, Cached{std::move(response), now + lifetime_});
}

const Message* ServerTransfers::find_response(const PeerAddress& peer, std::uint64_t key) const {
  auto it = responses_.find(Key{peer, key});
  return it == responses_.end() ? nullptr : &it->second.response;
}

void ServerTransfers::erase_response(const PeerAddress& peer, std::uint64_t key) {
  responses_.erase(Key{peer, key});
}

void ServerTransfers::expire(TimePoint now) {
  std::erase_if(uploads_, [now](const auto& kv) { return kv.second.expires <= now; });
  std::erase_if(responses_, [now](const auto& kv) { return kv.second.expires <= now; });
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
}

}  // namespace drover::coap
