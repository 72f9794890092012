// Compact row types for the built-in object tables (builtin_core.cpp, builtin_ipso.cpp).
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/object_def.hpp"

namespace drover::lwm2m::detail {

struct ResourceRow {
  std::uint16_t id;
  std::string_view name;
  Operations operations;
  bool multiple;
  bool mandatory;
  DataType type;
  std::string_view range;
  std::string_view units;
};

struct ObjectRow {
  std::uint16_t id;
  std::string_view name;
  Version version;
  std::string_view urn;
  Version lwm2m_version;
  bool multiple;
  bool mandatory;
  std::span<const ResourceRow> resources;
};

// Spellings that keep the tables to one line per resource.
using Op = Operations;
using T = DataType;
inline constexpr bool Single = false;
inline constexpr bool Multi = true;
inline constexpr bool Opt = false;
inline constexpr bool Mand = true;

std::span<const ObjectRow> core_object_rows();
std::span<const ObjectRow> ipso_object_rows();

}  // namespace drover::lwm2m::detail
