// A value tree: objects -> instances -> resources -> resource instances, the nested view of the
// flat records (value.hpp) that content formats decode to and encode from.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

struct ResourceNode {
  bool multiple = false;
  Value value;                               // single resource; None when it has no value
  std::map<std::uint16_t, Value> instances;  // multiple resource
  friend bool operator==(const ResourceNode&, const ResourceNode&) = default;
};

struct InstanceNode {
  std::map<std::uint16_t, ResourceNode> resources;
  friend bool operator==(const InstanceNode&, const InstanceNode&) = default;
};

struct ObjectNode {
  std::map<std::uint16_t, InstanceNode> instances;
  friend bool operator==(const ObjectNode&, const ObjectNode&) = default;
};

// Record timestamps are not kept: the tree holds one current value per path.
struct ValueTree {
  std::map<std::uint16_t, ObjectNode> objects;

  bool empty() const { return objects.empty(); }
  friend bool operator==(const ValueTree&, const ValueTree&) = default;
};

struct TreeError {
  Path path;
  std::string message;
  std::string to_string() const { return path.to_string() + ": " + message; }
};

// Builds a tree from records, following the record conventions of the codecs:
//  - a record with a value sits at a resource (/o/i/r: single) or a resource instance
//    (/o/i/r/ri: multiple);
//  - a record without value creates an empty node: an object (/o), an instance (/o/i), or at
//    /o/i/r a multiple resource without instances if `types` says the resource is multiple, else
//    a single resource without value. Root records without value add nothing.
// Fails on a value above resource level, a path given two values, a resource given both as
// single and with instances, or `types` contradicting the shape a value was given in.
std::optional<TreeError> records_to_tree(std::span<const Record> records, ValueTree& out,
                                         const TypeResolver* types = nullptr);

// The records of a tree, in path order: one per single resource and per resource instance, and a
// record without value for each empty object, instance and multiple resource.
std::vector<Record> tree_to_records(const ValueTree& tree);

}  // namespace drover::lwm2m
