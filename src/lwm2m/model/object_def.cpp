#include "drover/lwm2m/model/object_def.hpp"

#include <algorithm>
#include <array>

#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

std::optional<std::uint16_t> parse_u16(std::string_view s) {
  const auto v = detail::parse_decimal(s, 65535);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

constexpr std::array<std::string_view, 5> operation_names = {"", "R", "W", "RW", "E"};

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
  const auto dot = text.find('.');
  const auto major = parse_u16(text.substr(0, dot));
  if (!major) return std::nullopt;
  if (dot == std::string_view::npos) return Version{*major, 0};
  const auto minor = parse_u16(text.substr(dot + 1));
  if (!minor) return std::nullopt;
  return Version{*major, *minor};
}

std::string Version::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string_view to_string(Operations o) {
  const auto i = static_cast<std::size_t>(o);
  return i < operation_names.size() ? operation_names[i] : "?";
}

std::optional<Operations> operations_from_string(std::string_view s) {
  for (std::size_t i = 0; i < operation_names.size(); ++i) {
    if (detail::iequals(s, operation_names[i])) return static_cast<Operations>(i);
  }
  return std::nullopt;
}

const ResourceDef* ObjectDef::resource(std::uint16_t resource_id) const {
  const auto it =
      std::lower_bound(resources.begin(), resources.end(), resource_id,
                       [](const ResourceDef& r, std::uint16_t wanted) { return r.id < wanted; });
  return it != resources.end() && it->id == resource_id ? &*it : nullptr;
}

bool same_model(const ObjectDef& a, const ObjectDef& b) {
  const auto same_resource = [](const ResourceDef& x, const ResourceDef& y) {
    return x.id == y.id && x.operations == y.operations && x.multiple == y.multiple &&
           x.mandatory == y.mandatory && x.type == y.type;
  };
  return a.id == b.id && a.version == b.version && a.multiple == b.multiple &&
         a.mandatory == b.mandatory &&
         std::equal(a.resources.begin(), a.resources.end(), b.resources.begin(), b.resources.end(),
                    same_resource);
}

}  // namespace drover::lwm2m
