#include "drover/server/registration_store.hpp"

#include <algorithm>
#include <unordered_map>

namespace drover::server {

const lwm2m::RegisteredObject* Registration::object(std::uint16_t object_id) const {
  // parse_registration_links sorts objects by ID.
  const auto& list = objects.objects;
  const auto it = std::lower_bound(
      list.begin(), list.end(), object_id,
      [](const lwm2m::RegisteredObject& o, std::uint16_t id) { return o.object_id < id; });
  return it != list.end() && it->object_id == object_id ? &*it : nullptr;
}

bool Registration::announced(lwm2m::ContentFormat format) const {
  const auto& list = objects.content_formats;
  return std::find(list.begin(), list.end(), static_cast<std::uint16_t>(format)) != list.end();
}

namespace {

// Heterogeneous lookup by string_view, so finds do not build a std::string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

class InMemoryRegistrationStore final : public RegistrationStore {
 public:
  std::optional<Registration> put(Registration registration) override {
    std::optional<Registration> previous = remove(registration.endpoint);
    by_location_.emplace(registration.location, registration.endpoint);
    by_peer_[registration.peer] = registration.endpoint;
    std::string key = registration.endpoint;
    by_endpoint_.emplace(std::move(key), std::move(registration));
    return previous;
  }

  bool update(std::string_view endpoint,
              const std::function<void(Registration&)>& change) override {
    const auto it = by_endpoint_.find(endpoint);
    if (it == by_endpoint_.end()) return false;
    const coap::PeerAddress old_peer = it->second.peer;
    change(it->second);
    if (it->second.peer != old_peer) {
      unindex_peer(old_peer, it->first);
      by_peer_[it->second.peer] = it->first;
    }
    return true;
  }

  std::optional<Registration> remove(std::string_view endpoint) override {
    const auto it = by_endpoint_.find(endpoint);
    if (it == by_endpoint_.end()) return std::nullopt;
    Registration removed = std::move(it->second);
    by_endpoint_.erase(it);
    by_location_.erase(removed.location);
    unindex_peer(removed.peer, removed.endpoint);
    return removed;
  }

  const Registration* find_by_endpoint(std::string_view endpoint) const override {
    const auto it = by_endpoint_.find(endpoint);
    return it == by_endpoint_.end() ? nullptr : &it->second;
  }

  const Registration* find_by_location(std::string_view location) const override {
    const auto it = by_location_.find(location);
    return it == by_location_.end() ? nullptr : find_by_endpoint(it->second);
  }

  const Registration* find_by_peer(const coap::PeerAddress& peer) const override {
    const auto it = by_peer_.find(peer);
    return it == by_peer_.end() ? nullptr : find_by_endpoint(it->second);
  }

  std::size_t size() const override { return by_endpoint_.size(); }

  void for_each(const std::function<void(const Registration&)>& visit) const override {
    for (const auto& [endpoint, registration] : by_endpoint_) visit(registration);
  }

 private:
  // The peer index keeps the newest endpoint per address: only drop it if it still points here.
  void unindex_peer(const coap::PeerAddress& peer, std::string_view endpoint) {
    const auto it = by_peer_.find(peer);
    if (it != by_peer_.end() && it->second == endpoint) by_peer_.erase(it);
  }

  std::unordered_map<std::string, Registration, StringHash, std::equal_to<>> by_endpoint_;
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> by_location_;
  std::unordered_map<coap::PeerAddress, std::string> by_peer_;
};

}  // namespace

std::unique_ptr<RegistrationStore> make_in_memory_registration_store() {
  return std::make_unique<InMemoryRegistrationStore>();
}

}  // namespace drover::server
