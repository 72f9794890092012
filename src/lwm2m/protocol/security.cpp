#include "drover/lwm2m/protocol/security.hpp"

#include <limits>
#include <map>

namespace drover::lwm2m {

namespace {

constexpr SecurityMode all_modes[] = {SecurityMode::Psk, SecurityMode::Rpk,
                                      SecurityMode::Certificate, SecurityMode::NoSec,
                                      SecurityMode::Est};

// An Integer or Unsigned Integer resource (TLV and text carry no sign, so either may come).
std::optional<std::int64_t> integer_of(const Value& v) {
  if (const auto* i = v.get_if<std::int64_t>()) return *i;
  if (const auto* u = v.get_if<std::uint64_t>();
      u && *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(*u);
  return std::nullopt;
}

template <typename T>
std::optional<T> in_range(const Value& v, std::int64_t low, std::int64_t high) {
  const auto i = integer_of(v);
  if (!i || *i < low || *i > high) return std::nullopt;
  return static_cast<T>(*i);
}

}  // namespace

std::string_view to_string(SecurityMode mode) {
  switch (mode) {
    case SecurityMode::Psk:
      return "psk";
    case SecurityMode::Rpk:
      return "rpk";
    case SecurityMode::Certificate:
      return "x509";
    case SecurityMode::NoSec:
      return "nosec";
    case SecurityMode::Est:
      return "est";
  }
  return "?";
}

std::optional<SecurityMode> security_mode_from_string(std::string_view text) {
  for (const auto mode : all_modes)
    if (to_string(mode) == text) return mode;
  return std::nullopt;
}

std::optional<SecurityMode> security_mode_from_int(std::int64_t value) {
  for (const auto mode : all_modes)
    if (static_cast<std::int64_t>(mode) == value) return mode;
  return std::nullopt;
}

std::vector<SecurityAccount> security_accounts(std::span<const Record> records) {
  std::map<std::uint16_t, SecurityAccount> by_instance;
  for (const auto& r : records) {
    if (!r.path.has_resource() || r.path.object_id() != 0) continue;
    SecurityAccount& a = by_instance[r.path.instance_id()];
    a.instance = r.path.instance_id();
    const auto& v = r.value;
    const auto opaque = [&v](Opaque& out) {
      if (const auto* bytes = v.get_if<Opaque>()) out = *bytes;
    };
    switch (r.path.resource_id()) {
      case 0:
        if (const auto* uri = v.get_if<std::string>()) a.uri = *uri;
        break;
      case 1:
        if (const auto* flag = v.get_if<bool>()) a.bootstrap = *flag;
        break;
      case 2:
        if (const auto mode = integer_of(v)) a.mode = security_mode_from_int(*mode);
        break;
      case 3:
        opaque(a.public_key_or_identity);
        break;
      case 4:
        opaque(a.server_public_key);
        break;
      case 5:
        opaque(a.secret_key);
        break;
      case 10:
        a.short_server_id = in_range<std::uint16_t>(v, 1, 65534);
        break;
      case 15:
        a.certificate_usage = in_range<std::uint8_t>(v, 0, 3);
        break;
      default:
        break;
    }
  }
  std::vector<SecurityAccount> out;
  out.reserve(by_instance.size());
  for (auto& [instance, account] : by_instance) out.push_back(std::move(account));
  return out;
}

}  // namespace drover::lwm2m
