// Keeps the nodes of a std::unordered_map (or map) that lose an entry, for the next one to reuse:
// tables whose entries come and go with each message (exchanges, peers, requests) then stop
// allocating once warm. At most `keep` nodes are held, so an idle engine gives memory back.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace drover {

template <typename Map>
class NodePool {
 public:
  explicit NodePool(std::size_t keep = 256) : keep_(keep) {}

  // Inserts `key` with a default value (or finds the existing entry) in `map`.
  template <typename Key>
  typename Map::iterator emplace(Map& map, const Key& key) {
    return emplace(map, key, [](typename Map::mapped_type& v) { v = typename Map::mapped_type{}; });
  }
  // The same, with `reset(value)` making a reused node's value new (it may keep the capacity of
  // the value's buffers, where a default value would give them up).
  template <typename Key, typename Reset>
  typename Map::iterator emplace(Map& map, const Key& key, Reset&& reset) {
    if (spare_.empty()) return map.try_emplace(key).first;
    auto node = std::move(spare_.back());
    spare_.pop_back();
    node.key() = key;
    reset(node.mapped());
    auto result = map.insert(std::move(node));
    if (!result.inserted) spare_.push_back(std::move(result.node));  // the key was there already
    return result.position;
  }

  // Erases the entry at `it` from `map`, keeping its node.
  void erase(Map& map, typename Map::iterator it) {
    if (spare_.size() < keep_)
      spare_.push_back(map.extract(it));
    else
      map.erase(it);
  }

  // Erases the entry of `key`, if any.
  template <typename Key>
  void erase(Map& map, const Key& key) {
    if (auto it = map.find(key); it != map.end()) erase(map, it);
  }

 private:
  std::size_t keep_;
  std::vector<typename Map::node_type> spare_;
};

}  // namespace drover
