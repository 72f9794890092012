// Object definitions compiled into Drover: the core LwM2M objects (0-7, 21) in the versions that
// LwM2M 1.0-1.2 clients announce, and common IPSO objects (3303, 3304, 3311, 3313, 3342).
// Descriptions are empty; everything else (names, operations, shapes, types, ranges, units) is set.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "drover/lwm2m/model/object_def.hpp"
#include "drover/lwm2m/model/registry.hpp"

namespace drover::lwm2m {

// Every built-in definition, by object ID then version; resources sorted by ID.
const std::vector<ObjectDef>& builtin_objects();

// Adds every built-in definition to `registry` (definitions already there stay).
void add_builtin_objects(ObjectRegistry& registry);
// Adds the built-in definitions (every version) of these objects alone, made from the tables
// without the copy of them all that builtin_objects() keeps: a device's registry holds the few
// objects it serves, not every one the project knows.
void add_builtin_objects(ObjectRegistry& registry, std::span<const std::uint16_t> object_ids);

}  // namespace drover::lwm2m
