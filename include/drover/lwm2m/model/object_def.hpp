// Object and resource definitions: what an Object Definition File (DDF) or the built-in tables
// say about an object's resources (Core TS "Object Model" and Appendix D).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

// An object or enabler version "major.minor" ("1.0", "1.1", "2.0"). Compared numerically, so
// "1.10" is newer than "1.9".
struct Version {
  std::uint16_t major = 1;
  std::uint16_t minor = 0;

  // Parses "1", "1.0", "1.2"; rejects signs, spaces, empty parts and numbers above 65535.
  static std::optional<Version> parse(std::string_view text);
  std::string to_string() const;  // "1.0"
  friend auto operator<=>(const Version&, const Version&) = default;
};

// The <Operations> column: R, W, RW, E or empty (no DM operation, e.g. Security resources that
// only the bootstrap server writes).
enum class Operations : std::uint8_t { None, R, W, RW, E };
std::string_view to_string(Operations);                              // "", "R", "W", "RW", "E"
std::optional<Operations> operations_from_string(std::string_view);  // case-insensitive
inline bool is_readable(Operations o) {
  return o == Operations::R || o == Operations::RW;
}
inline bool is_writable(Operations o) {
  return o == Operations::W || o == Operations::RW;
}
inline bool is_executable(Operations o) {
  return o == Operations::E;
}

struct ResourceDef {
  std::uint16_t id = 0;
  std::string name;
  Operations operations = Operations::None;
  bool multiple = false;
  bool mandatory = false;
  DataType type = DataType::None;
  std::string range;  // <RangeEnumeration> as written ("0..255", "1-65534", "")
  std::string units;
  std::string description;

  ResourceShape shape() const { return {type, multiple}; }
  friend bool operator==(const ResourceDef&, const ResourceDef&) = default;
};

struct ObjectDef {
  std::uint16_t id = 0;
  std::string name;
  Version version;        // <ObjectVersion>, 1.0 when absent
  std::string urn;        // <ObjectURN>, e.g. "urn:oma:lwm2m:oma:3:1.1"
  Version lwm2m_version;  // <LWM2MVersion>, 1.0 when absent
  bool multiple = false;  // multiple-instance object
  bool mandatory = false;
  std::string description;             // <Description1>
  std::string description2;            // <Description2>
  std::vector<ResourceDef> resources;  // sorted by ID, IDs unique

  // The resource with this ID, or null.
  const ResourceDef* resource(std::uint16_t resource_id) const;
  friend bool operator==(const ObjectDef&, const ObjectDef&) = default;
};

// Whether two definitions agree on everything that decides encoding, validation and access:
// object ID, version, instance shape, and each resource's ID, operations, shape and type. Names,
// URNs, ranges, units and descriptions may differ (spelling fixes, a built-in without prose).
bool same_model(const ObjectDef& a, const ObjectDef& b);

}  // namespace drover::lwm2m
