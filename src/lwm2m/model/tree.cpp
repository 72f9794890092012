#include "drover/lwm2m/model/tree.hpp"

namespace drover::lwm2m {
namespace {

std::optional<bool> declared_multiple(const TypeResolver* types, const Path& path) {
  if (types == nullptr) return std::nullopt;
  const auto shape = types->lookup(path.object_id(), path.resource_id());
  if (!shape) return std::nullopt;
  return shape->multiple;
}

std::optional<TreeError> add_resource_record(const Record& rec, ResourceNode& node, bool created,
                                             const TypeResolver* types) {
  const Path& path = rec.path;
  const std::optional<bool> multiple = declared_multiple(types, path);
  if (path.has_resource_instance()) {
    if (multiple == false) return TreeError{path, "the resource is single, given an instance"};
    // A resource first named without value (and without a resolver) was taken as single.
    if (!created && !node.multiple && !node.value.is_none()) {
      return TreeError{path, "the resource is given both a single value and instances"};
    }
    node.multiple = true;
    const auto [it, inserted] = node.instances.try_emplace(path.resource_instance_id(), rec.value);
    if (!inserted) {
      if (it->second.is_none()) {
        it->second = rec.value;
      } else if (!rec.value.is_none()) {
        return TreeError{path, "given more than one value"};
      }
    }
    return std::nullopt;
  }
  // A record at /o/i/r.
  if (rec.value.is_none()) {
    if (created) node.multiple = multiple.value_or(false);
    return std::nullopt;
  }
  if (multiple == true) return TreeError{path, "the resource is multiple, given a single value"};
  if (!created && node.multiple) {
    return TreeError{path, "the resource is given both a single value and instances"};
  }
  if (!node.value.is_none()) return TreeError{path, "given more than one value"};
  node.value = rec.value;
  return std::nullopt;
}

}  // namespace

std::optional<TreeError> records_to_tree(std::span<const Record> records, ValueTree& out,
                                         const TypeResolver* types) {
  for (const Record& rec : records) {
    const Path& path = rec.path;
    if (!path.has_resource() && !rec.value.is_none()) {
      return TreeError{path, "a value belongs to a resource or resource instance path"};
    }
    if (path.is_root()) continue;
    ObjectNode& object = out.objects[path.object_id()];
    if (!path.has_instance()) continue;
    InstanceNode& instance = object.instances[path.instance_id()];
    if (!path.has_resource()) continue;
    const auto [it, created] = instance.resources.try_emplace(path.resource_id());
    if (auto err = add_resource_record(rec, it->second, created, types)) return err;
  }
  return std::nullopt;
}

std::vector<Record> tree_to_records(const ValueTree& tree) {
  std::vector<Record> out;
  for (const auto& [oid, object] : tree.objects) {
    if (object.instances.empty()) out.push_back({Path(oid), {}, {}});
    for (const auto& [iid, instance] : object.instances) {
      if (instance.resources.empty()) out.push_back({Path(oid, iid), {}, {}});
      for (const auto& [rid, resource] : instance.resources) {
        if (!resource.multiple) {
          out.push_back({Path(oid, iid, rid), resource.value, {}});
          continue;
        }
        if (resource.instances.empty()) out.push_back({Path(oid, iid, rid), {}, {}});
        for (const auto& [riid, value] : resource.instances) {
          out.push_back({Path(oid, iid, rid, riid), value, {}});
        }
      }
    }
  }
  return out;
}

}  // namespace drover::lwm2m
