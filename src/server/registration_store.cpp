#include "drover/server/registration_store.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <vector>

namespace drover::server {

const std::shared_ptr<const lwm2m::RegistrationPayload>& empty_registration_payload() {
  static const auto empty = std::make_shared<const lwm2m::RegistrationPayload>();
  return empty;
}

const lwm2m::RegisteredObject* Registration::object(std::uint16_t object_id) const {
  // parse_registration_links sorts objects by ID.
  const auto& list = objects->objects;
  const auto it = std::lower_bound(
      list.begin(), list.end(), object_id,
      [](const lwm2m::RegisteredObject& o, std::uint16_t id) { return o.object_id < id; });
  return it != list.end() && it->object_id == object_id ? &*it : nullptr;
}

bool Registration::announced(lwm2m::ContentFormat format) const {
  const auto& list = objects->content_formats;
  return std::find(list.begin(), list.end(), static_cast<std::uint16_t>(format)) != list.end();
}

void apply_update(Registration& r, const RegistrationUpdate& update) {
  if (update.lifetime) r.lifetime = *update.lifetime;
  if (update.binding) r.binding = *update.binding;
  if (update.queue_mode) r.queue_mode = *update.queue_mode;
  if (update.sms) r.sms = update.sms;
  if (update.objects) r.objects = update.objects;
  r.peer = update.peer;
  r.updated_at = update.updated_at;
  r.expires_at = update.updated_at + std::chrono::seconds(r.lifetime);
}

namespace {

// An open-addressing index from a key to a slot number. The keys live in the slots, so an entry is
// the slot number and 32 bits of the key's hash (which spare most visits to the slot). Linear
// probing with backward-shift deletion: no tombstones, so lookups stay short under churn.
class SlotIndex {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  // The slot whose key has `hash` and satisfies `matches(slot)`, or kNone.
  template <typename Matches>
  std::uint32_t find(std::size_t hash, Matches&& matches) const {
    if (table_.empty()) return kNone;
    const auto h = static_cast<std::uint32_t>(hash);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (e.slot == kNone) return kNone;
      if (e.hash == h && matches(e.slot)) return e.slot;
    }
  }

  // Adds `slot` under `hash` (the caller has checked that the key is not present).
  void insert(std::size_t hash, std::uint32_t slot) {
    if ((size_ + 1) * 4 > table_.size() * 3) grow();
    place({static_cast<std::uint32_t>(hash), slot});
    ++size_;
  }

  // Points the entry of the key `matches` finds at `slot` instead.
  template <typename Matches>
  void replace(std::size_t hash, Matches&& matches, std::uint32_t slot) {
    const auto h = static_cast<std::uint32_t>(hash);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (e.slot == kNone) return;
      if (e.hash == h && matches(e.slot)) {
        e.slot = slot;
        return;
      }
    }
  }

  // Removes the entry of `slot` under `hash`, if there is one.
  void erase(std::size_t hash, std::uint32_t slot) {
    if (table_.empty()) return;
    const auto h = static_cast<std::uint32_t>(hash);
    std::size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      if (table_[i].slot == kNone) return;
      if (table_[i].slot == slot && table_[i].hash == h) break;
    }
    // Backward shift: move later entries of the probe run into the hole where they may live.
    for (std::size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (table_[j].slot == kNone) break;
      const std::size_t home = table_[j].hash & mask_;
      if (((j - home) & mask_) >= ((j - i) & mask_)) {
        table_[i] = table_[j];
        i = j;
      }
    }
    table_[i] = Entry{};
    --size_;
  }

 private:
  struct Entry {
    std::uint32_t hash = 0;
    std::uint32_t slot = kNone;
  };

  void place(Entry entry) {
    for (std::size_t i = entry.hash & mask_;; i = (i + 1) & mask_) {
      if (table_[i].slot == kNone) {
        table_[i] = entry;
        return;
      }
    }
  }

  void grow() {
    std::vector<Entry> old = std::move(table_);
    table_.assign(std::max<std::size_t>(16, old.size() * 2), Entry{});
    mask_ = table_.size() - 1;
    for (const Entry& e : old)
      if (e.slot != kNone) place(e);
  }

  std::vector<Entry> table_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

std::size_t hash_text(std::string_view s) {
  return std::hash<std::string_view>{}(s);
}

// Slot numbers in endpoint order, in blocks of at most kBlock: 4 bytes per registration while a
// block is full, about 8 at worst (blocks split in halves, and merge back when they shrink), no
// copy of the names, which are read from the slots (`name_of`). A name's place is a binary search
// over the blocks' first names, then within its block; a rank is a sum over the blocks' sizes
// (about a thousand of them for a million registrations).
class EndpointOrder {
 public:
  static constexpr std::size_t kBlock = 1024;

  template <typename NameOf>
  void insert(std::uint32_t slot, std::string_view name, NameOf&& name_of) {
    if (blocks_.empty()) blocks_.push_back(new_block());
    const std::size_t b = block_of(name, name_of);
    auto& block = blocks_[b];
    const std::size_t at = place(block, name, name_of);
    block.insert(block.begin() + static_cast<std::ptrdiff_t>(at), slot);
    if (block.size() < kBlock) return;
    // Split: the upper half to a new block after this one; or, when names come in order (a
    // restart, a fleet named in sequence), only the new last one, so that blocks stay full.
    const std::size_t keep = at + 1 == kBlock ? kBlock - 1 : kBlock / 2;
    auto upper = new_block();
    upper.assign(block.begin() + static_cast<std::ptrdiff_t>(keep), block.end());
    block.resize(keep);
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
  }

  template <typename NameOf>
  void erase(std::string_view name, NameOf&& name_of) {
    if (blocks_.empty()) return;
    const std::size_t b = block_of(name, name_of);
    auto& block = blocks_[b];
    const std::size_t i = place(block, name, name_of);
    if (i == block.size() || name_of(block[i]) != name) return;
    block.erase(block.begin() + static_cast<std::ptrdiff_t>(i));
    // A small block joins a neighbour when both fit in three quarters of one.
    const auto joins = [&](std::size_t left) {
      return left + 1 < blocks_.size() &&
             blocks_[left].size() + blocks_[left + 1].size() <= kBlock * 3 / 4;
    };
    if (block.size() >= kBlock / 4) return;
    std::optional<std::size_t> left;
    if (joins(b))
      left = b;
    else if (b > 0 && joins(b - 1))
      left = b - 1;
    if (block.empty() && !left) {
      blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
      return;
    }
    if (!left) return;
    auto& into = blocks_[*left];
    auto& from = blocks_[*left + 1];
    into.insert(into.end(), from.begin(), from.end());
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(*left) + 1);
  }

  template <typename NameOf>
  std::size_t rank(std::string_view name, NameOf&& name_of) const {
    if (blocks_.empty()) return 0;
    const std::size_t b = block_of(name, name_of);
    return before(b) + place(blocks_[b], name, name_of);
  }

  // Calls visit(slot) from rank `first` on while it returns true.
  template <typename Visit>
  void visit(std::size_t first, Visit&& visit) const {
    std::size_t b = 0;
    for (; b < blocks_.size() && first >= blocks_[b].size(); ++b) first -= blocks_[b].size();
    for (; b < blocks_.size(); ++b, first = 0)
      for (std::size_t i = first; i < blocks_[b].size(); ++i)
        if (!visit(blocks_[b][i])) return;
  }

  std::size_t bytes() const {
    std::size_t n = blocks_.capacity() * sizeof(Block);
    for (const auto& block : blocks_) n += block.capacity() * sizeof(std::uint32_t);
    return n;
  }

 private:
  using Block = std::vector<std::uint32_t>;

  static Block new_block() {
    Block block;
    block.reserve(kBlock);
    return block;
  }

  // The block `name` belongs in: the last whose first name is not after it (the first block for
  // names before all).
  template <typename NameOf>
  std::size_t block_of(std::string_view name, NameOf&& name_of) const {
    if (blocks_.size() < 2) return 0;  // the one block may be the empty first one
    const auto it = std::upper_bound(
        blocks_.begin(), blocks_.end(), name,
        [&](std::string_view n, const Block& block) { return n < name_of(block.front()); });
    return it == blocks_.begin() ? 0 : static_cast<std::size_t>(it - blocks_.begin()) - 1;
  }
  // The first position in `block` whose name is not before `name`.
  template <typename NameOf>
  static std::size_t place(const Block& block, std::string_view name, NameOf&& name_of) {
    const auto it =
        std::lower_bound(block.begin(), block.end(), name,
                         [&](std::uint32_t slot, std::string_view n) { return name_of(slot) < n; });
    return static_cast<std::size_t>(it - block.begin());
  }
  std::size_t before(std::size_t b) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < b; ++i) n += blocks_[i].size();
    return n;
  }

  std::vector<Block> blocks_;  // none empty
};

// Registrations in fixed chunks of slots (stable addresses, no copy when growing), a free list, and
// three SlotIndexes and the endpoint order. A registration costs its own size plus about 40 bytes
// of hash index and 4 to 8 of order.
class InMemoryRegistrationStore final : public RegistrationStore {
 public:
  std::optional<Registration> put(Registration registration) override {
    std::optional<Registration> previous = remove(registration.endpoint);
    const std::uint32_t slot = allocate();
    Registration& r = at(slot) = std::move(registration);
    by_endpoint_.insert(hash_text(r.endpoint), slot);
    by_location_.insert(hash_text(r.location), slot);
    index_peer(slot);
    order_.insert(slot, r.endpoint, name_of());
    ++size_;
    return previous;
  }

  const Registration* update(std::string_view endpoint, const RegistrationUpdate& update) override {
    const std::uint32_t slot = find_endpoint(endpoint);
    if (slot == SlotIndex::kNone) return nullptr;
    Registration& r = at(slot);
    const coap::PeerAddress old_peer = r.peer;
    apply_update(r, update);
    if (r.peer != old_peer) {
      unindex_peer(old_peer, slot);
      index_peer(slot);
    }
    return &r;
  }

  std::optional<Registration> remove(std::string_view endpoint) override {
    const std::uint32_t slot = find_endpoint(endpoint);
    if (slot == SlotIndex::kNone) return std::nullopt;
    Registration& r = at(slot);
    by_endpoint_.erase(hash_text(r.endpoint), slot);
    by_location_.erase(hash_text(r.location), slot);
    unindex_peer(r.peer, slot);
    order_.erase(r.endpoint, name_of());
    Registration removed = std::move(r);
    r = Registration{};  // an empty endpoint marks a free slot
    free_.push_back(slot);
    --size_;
    return removed;
  }

  const Registration* find_by_endpoint(std::string_view endpoint) const override {
    return pointer(find_endpoint(endpoint));
  }

  const Registration* find_by_location(std::string_view location) const override {
    return pointer(by_location_.find(
        hash_text(location), [&](std::uint32_t slot) { return at(slot).location == location; }));
  }

  const Registration* find_by_peer(const coap::PeerAddress& peer) const override {
    return pointer(find_peer(peer));
  }

  std::size_t size() const override { return size_; }

  void for_each(const std::function<void(const Registration&)>& visit) const override {
    for (std::uint32_t slot = 0; slot < slots_; ++slot)
      if (!at(slot).endpoint.empty()) visit(at(slot));
  }

  std::size_t rank(std::string_view endpoint) const override {
    return order_.rank(endpoint, name_of());
  }

  void visit_in_order(std::size_t first,
                      const std::function<bool(const Registration&)>& visit) const override {
    order_.visit(first, [&](std::uint32_t slot) { return visit(at(slot)); });
  }

  std::size_t order_bytes() const override { return order_.bytes(); }

 private:
  static constexpr std::uint32_t kChunk = 4096;
  using Chunk = std::array<Registration, kChunk>;

  Registration& at(std::uint32_t slot) { return (*chunks_[slot / kChunk])[slot % kChunk]; }
  const Registration& at(std::uint32_t slot) const {
    return (*chunks_[slot / kChunk])[slot % kChunk];
  }
  struct NameOf {
    const InMemoryRegistrationStore* store;
    std::string_view operator()(std::uint32_t slot) const { return store->at(slot).endpoint; }
  };
  NameOf name_of() const { return {this}; }
  const Registration* pointer(std::uint32_t slot) const {
    return slot == SlotIndex::kNone ? nullptr : &at(slot);
  }

  std::uint32_t allocate() {
    if (!free_.empty()) {
      const std::uint32_t slot = free_.back();
      free_.pop_back();
      return slot;
    }
    if (slots_ % kChunk == 0) chunks_.push_back(std::make_unique<Chunk>());
    return slots_++;
  }

  std::uint32_t find_endpoint(std::string_view endpoint) const {
    return by_endpoint_.find(hash_text(endpoint),
                             [&](std::uint32_t slot) { return at(slot).endpoint == endpoint; });
  }
  std::uint32_t find_peer(const coap::PeerAddress& peer) const {
    return by_peer_.find(peer.hash(), [&](std::uint32_t slot) { return at(slot).peer == peer; });
  }

  // The peer index keeps the newest registration per address (several endpoints may share one
  // behind a NAT); an older one sharing the address is no longer found by it.
  void index_peer(std::uint32_t slot) {
    const coap::PeerAddress& peer = at(slot).peer;
    if (find_peer(peer) == SlotIndex::kNone)
      by_peer_.insert(peer.hash(), slot);
    else
      by_peer_.replace(
          peer.hash(), [&](std::uint32_t s) { return at(s).peer == peer; }, slot);
  }
  // Drops the entry of `slot` under `peer` (its address before a change), if it still has one.
  void unindex_peer(const coap::PeerAddress& peer, std::uint32_t slot) {
    by_peer_.erase(peer.hash(), slot);
  }

  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::uint32_t slots_ = 0;  // slots ever handed out
  std::vector<std::uint32_t> free_;
  std::size_t size_ = 0;
  SlotIndex by_endpoint_;
  SlotIndex by_location_;
  SlotIndex by_peer_;
  EndpointOrder order_;
};

}  // namespace

std::unique_ptr<RegistrationStore> make_in_memory_registration_store() {
  return std::make_unique<InMemoryRegistrationStore>();
}

}  // namespace drover::server
