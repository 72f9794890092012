#include "drover/lwm2m/model/validator.hpp"

#include <map>
#include <optional>
#include <set>

namespace drover::lwm2m {
namespace {

std::string describe(const ResourceDef& r) {
  return "resource " + std::to_string(r.id) + " (" + r.name + ")";
}

std::string describe(const ObjectDef& o) {
  return "object " + std::to_string(o.id) + " (" + o.name + ") version " + o.version.to_string();
}

std::string shown(const Value& v) {
  constexpr std::size_t limit = 40;
  std::string s = v.debug_string();
  if (s.size() > limit) s = s.substr(0, limit) + "...";
  return s;
}

// Collects problems from a walk over paths; the record and tree checks drive the same calls.
class Checker {
 public:
  Checker(const ObjectRegistry& registry, const ValidationOptions& options)
      : registry_(registry), options_(options) {}

  // Every path met, in any order. `given_multiple` is the shape the data gave a resource path
  // (depth >= 3): true for resource instances, false for a single value, nullopt if unknown.
  void visit(const Path& path, const Value& value, std::optional<bool> given_multiple) {
    if (path.has_reserved_id()) {
      report(path, Problem::Kind::ReservedId, "ID 65535 is reserved");
      return;
    }
    if (!path.has_resource() && !value.is_none()) {
      report(path, Problem::Kind::ValueAboveResource, "a value belongs to a resource path");
    }
    if (!path.has_object()) return;
    const ObjectDef* object = registry_.active(path.object_id());
    if (object == nullptr) {
      report(path.truncated(1), Problem::Kind::UnknownObject,
             "unknown object " + std::to_string(path.object_id()));
      return;
    }
    if (!path.has_instance()) return;
    auto& instance = instances_[path.truncated(2)];
    if (!path.has_resource()) return;
    instance.insert(path.resource_id());
    const ResourceDef* resource = object->resource(path.resource_id());
    const Path resource_path = path.truncated(3);
    if (resource == nullptr) {
      report(resource_path, Problem::Kind::UnknownResource,
             "resource " + std::to_string(path.resource_id()) + " is not defined in " +
                 describe(*object));
      return;
    }
    check_shape(resource_path, *resource, given_multiple);
    if (value.is_none()) return;
    check_value(path, *resource, value);
    if (options_.require_writable && !is_writable(resource->operations)) {
      report(resource_path, Problem::Kind::NotWritable,
             describe(*resource) + " is not writable (operations \"" +
                 std::string(to_string(resource->operations)) + "\")");
    }
  }

  std::vector<Problem> finish() {
    std::map<std::uint16_t, std::size_t> instance_counts;
    for (const auto& [instance_path, present] : instances_) {
      ++instance_counts[instance_path.object_id()];
      check_mandatory(instance_path, present);
    }
    for (const auto& [oid, count] : instance_counts) {
      const ObjectDef& object = *registry_.active(oid);
      if (!object.multiple && count > 1) {
        report(Path(oid), Problem::Kind::TooManyInstances,
               describe(object) + " is single-instance, given " + std::to_string(count) +
                   " instances");
      }
    }
    std::vector<Problem> out;
    out.reserve(problems_.size());
    for (auto& [key, problem] : problems_) out.push_back(std::move(problem));
    return out;
  }

 private:
  void report(const Path& path, Problem::Kind kind, std::string message) {
    problems_.try_emplace({path, kind}, Problem{path, kind, std::move(message)});
  }

  void check_shape(const Path& path, const ResourceDef& resource,
                   std::optional<bool> given_multiple) {
    if (!given_multiple || *given_multiple == resource.multiple) return;
    if (resource.multiple) {
      report(path, Problem::Kind::NotSingle,
             describe(resource) + " is multiple, given a single value");
    } else {
      report(path, Problem::Kind::NotMultiple,
             describe(resource) + " is single, given resource instances");
    }
  }

  void check_value(const Path& path, const ResourceDef& resource, const Value& value) {
    if (value.type() == resource.type) {
      check_range(path, resource, value);
      return;
    }
    if (resource.type == DataType::None) {
      report(path, Problem::Kind::TypeMismatch,
             describe(resource) + " holds no value (operations \"" +
                 std::string(to_string(resource.operations)) + "\"), given " + shown(value));
      return;
    }
    report(path, Problem::Kind::TypeMismatch,
           describe(resource) + " is " + std::string(to_string(resource.type)) + ", given " +
               std::string(to_string(value.type())) + " " + shown(value));
  }

  void check_range(const Path& path, const ResourceDef& resource, const Value& value) {
    if (resource.range.empty()) return;
    auto it = ranges_.find(&resource);
    if (it == ranges_.end())
      it = ranges_.emplace(&resource, parse_range(resource.range, resource.type)).first;
    const auto& range = it->second.range;
    if (!range || range->contains(value)) return;
    const std::string given = range->measure == ValueRange::Measure::Length
                                  ? std::to_string(*value_length(value)) + " bytes"
                                  : shown(value);
    report(path, Problem::Kind::OutOfRange,
           describe(resource) + " is outside its range \"" + resource.range + "\", given " + given);
  }

  void check_mandatory(const Path& instance_path, const std::set<std::uint16_t>& present) {
    if (!options_.require_mandatory) return;
    const ObjectDef& object = *registry_.active(instance_path.object_id());
    for (const ResourceDef& r : object.resources) {
      const bool expected = r.mandatory && !is_executable(r.operations) &&
                            (!options_.require_writable || is_writable(r.operations));
      if (expected && !present.contains(r.id)) {
        report(instance_path.child(r.id), Problem::Kind::MissingMandatory,
               "mandatory " + describe(r) + " is missing");
      }
    }
  }

  const ObjectRegistry& registry_;
  const ValidationOptions& options_;
  std::map<Path, std::set<std::uint16_t>> instances_;  // instance path -> resource IDs given
  std::map<std::pair<Path, Problem::Kind>, Problem> problems_;
  std::map<const ResourceDef*, RangeParse> ranges_;  // parsed once per resource and check
};

}  // namespace

std::vector<Problem> Validator::check(std::span<const Record> records,
                                      const ValidationOptions& options) const {
  Checker checker(registry_, options);
  for (const Record& rec : records) {
    std::optional<bool> given_multiple;
    if (rec.path.has_resource_instance()) {
      given_multiple = true;
    } else if (rec.path.has_resource() && !rec.value.is_none()) {
      given_multiple = false;
    }
    checker.visit(rec.path, rec.value, given_multiple);
  }
  return checker.finish();
}

std::vector<Problem> Validator::check(const ValueTree& tree,
                                      const ValidationOptions& options) const {
  Checker checker(registry_, options);
  const Value none;
  for (const auto& [oid, object] : tree.objects) {
    checker.visit(Path(oid), none, std::nullopt);
    for (const auto& [iid, instance] : object.instances) {
      checker.visit(Path(oid, iid), none, std::nullopt);
      for (const auto& [rid, resource] : instance.resources) {
        const Path resource_path(oid, iid, rid);
        // A single resource without value says nothing about its shape, as with records.
        const std::optional<bool> given_multiple =
            resource.multiple ? std::optional(true)
                              : (resource.value.is_none() ? std::nullopt : std::optional(false));
        checker.visit(resource_path, resource.multiple ? none : resource.value, given_multiple);
        for (const auto& [riid, value] : resource.instances) {
          checker.visit(resource_path.child(riid), value, true);
        }
      }
    }
  }
  return checker.finish();
}

}  // namespace drover::lwm2m
