// Checks records or value trees against object definitions and says which path has which problem.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/range.hpp"
#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/model/tree.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

struct ValidationOptions {
  // Write, Create, Write-Composite from a server: values are only allowed for W/RW resources.
  bool require_writable = false;
  // Create (or a Bootstrap-Write of whole instances): every instance given must hold each
  // mandatory resource that carries a value (Execute resources aside; with require_writable,
  // only the writable ones, since the others cannot be given).
  bool require_mandatory = false;
};

struct Problem {
  enum class Kind : std::uint8_t {
    ReservedId,          // a path segment is 65535
    ValueAboveResource,  // a value at the root, an object or an instance path
    UnknownObject,       // no definition for the object ID
    UnknownResource,     // the object's (active) definition has no such resource
    TypeMismatch,        // value type differs from the resource's type (or Execute given a value)
    OutOfRange,          // a value (or a String/Opaque length) outside the resource's range
    NotMultiple,         // a single resource given resource instances
    NotSingle,           // a multiple resource given a single value
    TooManyInstances,    // a single-instance object given more than one instance
    NotWritable,         // require_writable and the resource is not W/RW
    MissingMandatory,    // require_mandatory and a mandatory resource is absent
  };
  Path path;
  Kind kind = Kind::UnknownObject;
  std::string message;  // names the resource ("resource 1 (Lifetime)") and the reason
  std::string to_string() const { return path.to_string() + ": " + message; }
};

// Validates against the active version of each object in `registry` (ObjectRegistry::active).
// Ranges are checked in the forms parse_range reads; a range in another form is not checked.
// Problems come sorted by path; each (path, kind) is reported once.
class Validator {
 public:
  explicit Validator(const ObjectRegistry& registry) : registry_(registry) {}

  std::vector<Problem> check(std::span<const Record> records,
                             const ValidationOptions& options = {}) const;
  std::vector<Problem> check(const ValueTree& tree, const ValidationOptions& options = {}) const;

 private:
  const ObjectRegistry& registry_;
};

}  // namespace drover::lwm2m
