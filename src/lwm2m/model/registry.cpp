#include "drover/lwm2m/model/registry.hpp"

#include <algorithm>

namespace drover::lwm2m {

ObjectRegistry::AddResult ObjectRegistry::add(ObjectDef def) {
  std::sort(def.resources.begin(), def.resources.end(),
            [](const ResourceDef& a, const ResourceDef& b) { return a.id < b.id; });
  const bool repeats = std::adjacent_find(def.resources.begin(), def.resources.end(),
                                          [](const ResourceDef& a, const ResourceDef& b) {
                                            return a.id == b.id;
                                          }) != def.resources.end();
  const bool reserved =
      def.id == reserved_id || (!def.resources.empty() && def.resources.back().id == reserved_id);
  if (repeats || reserved) return AddResult::Invalid;
  const auto key = std::pair{def.id, def.version};
  if (const auto it = defs_.find(key); it != defs_.end()) {
    return same_model(it->second, def) ? AddResult::Equivalent : AddResult::Conflict;
  }
  defs_.emplace(key, std::move(def));
  return AddResult::Added;
}

const ObjectDef* ObjectRegistry::find(std::uint16_t object_id, Version version) const {
  const auto it = defs_.find({object_id, version});
  return it == defs_.end() ? nullptr : &it->second;
}

const ObjectDef* ObjectRegistry::newest(std::uint16_t object_id) const {
  if (object_id == reserved_id) return nullptr;  // never stored; and object_id + 1 would wrap
  // The last key below (object_id + 1, version 0.0) is this object's highest version, if any.
  auto it = defs_.lower_bound({static_cast<std::uint16_t>(object_id + 1), Version{0, 0}});
  if (it == defs_.begin()) return nullptr;
  --it;
  return it->first.first == object_id ? &it->second : nullptr;
}

const ObjectDef* ObjectRegistry::active(std::uint16_t object_id) const {
  if (const auto it = chosen_.find(object_id); it != chosen_.end())
    return find(object_id, it->second);
  return newest(object_id);
}

bool ObjectRegistry::choose(std::uint16_t object_id, Version version) {
  if (find(object_id, version) == nullptr) return false;
  chosen_[object_id] = version;
  return true;
}

std::vector<const ObjectDef*> ObjectRegistry::versions(std::uint16_t object_id) const {
  std::vector<const ObjectDef*> out;
  for (auto it = defs_.lower_bound({object_id, Version{0, 0}});
       it != defs_.end() && it->first.first == object_id; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

std::vector<const ObjectDef*> ObjectRegistry::all() const {
  std::vector<const ObjectDef*> out;
  out.reserve(defs_.size());
  for (const auto& [key, def] : defs_) out.push_back(&def);
  return out;
}

std::optional<ResourceShape> ObjectRegistry::lookup(std::uint16_t object_id,
                                                    std::uint16_t resource_id) const {
  const ObjectDef* def = active(object_id);
  if (def == nullptr) return std::nullopt;
  const ResourceDef* res = def->resource(resource_id);
  if (res == nullptr) return std::nullopt;
  return res->shape();
}

}  // namespace drover::lwm2m
