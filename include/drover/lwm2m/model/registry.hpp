// A set of object definitions keyed by (object ID, object version). Every version of an object is
// kept side by side: a server talks to clients that each announce their own version (`ver=`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "drover/lwm2m/model/object_def.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

class ObjectRegistry : public TypeResolver {
 public:
  enum class AddResult : std::uint8_t {
    Added,       // a new (ID, version)
    Equivalent,  // a definition with the same model (see same_model) is present and kept
    Conflict,    // a different model of this (ID, version) is present and kept; `def` is dropped
    Invalid,     // an ID is 65535 or a resource ID repeats: `def` is dropped
  };

  // Sorts the resources by ID before storing. The first definition of an (ID, version) stays.
  AddResult add(ObjectDef def);

  // The definition of one version, or null.
  const ObjectDef* find(std::uint16_t object_id, Version version) const;
  // The highest version known, or null.
  const ObjectDef* newest(std::uint16_t object_id) const;
  // The version chosen with `choose`, else the newest one: what `lookup` and the validator use.
  const ObjectDef* active(std::uint16_t object_id) const;
  // Makes `version` the active one for the object. False (and no change) if it is not present.
  bool choose(std::uint16_t object_id, Version version);

  // Every version of one object, oldest first.
  std::vector<const ObjectDef*> versions(std::uint16_t object_id) const;
  // Every definition, by object ID then version.
  std::vector<const ObjectDef*> all() const;
  std::size_t size() const { return defs_.size(); }
  bool empty() const { return defs_.empty(); }

  // TypeResolver: the resource's shape in the active version of the object.
  std::optional<ResourceShape> lookup(std::uint16_t object_id,
                                      std::uint16_t resource_id) const override;

 private:
  std::map<std::pair<std::uint16_t, Version>, ObjectDef> defs_;
  std::map<std::uint16_t, Version> chosen_;
};

}  // namespace drover::lwm2m
