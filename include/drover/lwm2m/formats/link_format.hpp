// CoRE Link Format (RFC 6690, content format 40) as LwM2M uses it: Register/Update payloads,
// Discover and Bootstrap-Discover answers, with the LwM2M attributes (ver, ct, rt, ssid, uri,
// dim, pmin, pmax, gt, lt, st, epmin, epmax, con, hqmax, edge, lwm2m).
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/path.hpp"

namespace drover::lwm2m {

// One link parameter. `value` is the unescaped text (quotes removed); nullopt for a bare
// parameter such as `;con`.
struct LinkAttribute {
  std::string name;
  std::optional<std::string> value;
  friend bool operator==(const LinkAttribute&, const LinkAttribute&) = default;
};

// One link-value: `<target>` followed by its parameters, in payload order.
struct Link {
  std::string target;  // the URI-Reference between '<' and '>', e.g. "/3/0" or "/lwm2m"
  std::vector<LinkAttribute> attributes;

  Link() = default;
  explicit Link(std::string t) : target(std::move(t)) {}
  explicit Link(const Path& path) : target(path.to_string()) {}

  // The target as an LwM2M path below `root` (an alternate path such as "/lwm2m", or "/"):
  // nullopt when the target is not under root or not a numeric path.
  std::optional<Path> path(std::string_view root = "/") const;

  // Parameter names compare case-insensitively (RFC 8288). The first match wins.
  const LinkAttribute* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // The value of `name`; nullopt when absent or bare.
  std::optional<std::string_view> value(std::string_view name) const;

  // Appends a parameter; numbers are written in their shortest exact decimal form.
  Link& add(std::string name, std::optional<std::string> value = std::nullopt);
  template <std::integral T>
  requires(!std::same_as<T, bool>) Link& add(std::string name, T number) {
    if constexpr (std::signed_integral<T>) {
      return add_signed(std::move(name), number);
    } else {
      return add_unsigned(std::move(name), number);
    }
  }
  Link& add(std::string name, double number);

  // Typed views of the LwM2M attributes: nullopt when absent or malformed.
  std::optional<std::string_view> ver() const { return value("ver"); }      // object version "1.1"
  std::optional<std::string_view> lwm2m() const { return value("lwm2m"); }  // enabler version
  std::optional<std::string_view> rt() const { return value("rt"); }
  std::optional<std::string_view> uri() const { return value("uri"); }
  // ct: one number or a space-separated list ("60 110 112").
  std::optional<std::vector<std::uint16_t>> content_formats() const;
  std::optional<std::uint16_t> ssid() const { return uint16_attribute("ssid"); }
  std::optional<std::uint16_t> dim() const { return uint16_attribute("dim"); }
  std::optional<std::uint64_t> pmin() const { return uint_attribute("pmin"); }
  std::optional<std::uint64_t> pmax() const { return uint_attribute("pmax"); }
  std::optional<std::uint64_t> epmin() const { return uint_attribute("epmin"); }
  std::optional<std::uint64_t> epmax() const { return uint_attribute("epmax"); }
  std::optional<std::uint64_t> hqmax() const { return uint_attribute("hqmax"); }
  std::optional<double> gt() const { return number_attribute("gt"); }
  std::optional<double> lt() const { return number_attribute("lt"); }
  std::optional<double> st() const { return number_attribute("st"); }
  std::optional<bool> con() const { return flag_attribute("con"); }    // 0 or 1
  std::optional<bool> edge() const { return flag_attribute("edge"); }  // 0 or 1

  std::optional<std::uint64_t> uint_attribute(std::string_view name) const;
  std::optional<std::uint16_t> uint16_attribute(std::string_view name) const;
  std::optional<double> number_attribute(std::string_view name) const;
  std::optional<bool> flag_attribute(std::string_view name) const;

  friend bool operator==(const Link&, const Link&) = default;

 private:
  Link& add_signed(std::string name, std::int64_t number);
  Link& add_unsigned(std::string name, std::uint64_t number);
};

// Bounds on what a parse may produce; exceeding one is an error.
struct LinkFormatLimits {
  std::size_t max_links = 65536;
  std::size_t max_attributes_per_link = 64;
  std::size_t max_target_length = 1024;
  std::size_t max_value_length = 1024;
};

// Parses a link-format payload (RFC 6690 §2: links separated by ',', parameters by ';', values as
// tokens or quoted strings with backslash escapes). Whitespace around separators is tolerated.
// Links are appended to `out`; on error `out` is left as it was and the error gives the offset.
std::optional<FormatError> parse_link_format(std::string_view text, std::vector<Link>& out,
                                             const LinkFormatLimits& limits = {});

// Appends the link-format text of `links` to `out`. Values are quoted when RFC 6690 requires it
// or when the attribute is conventionally quoted (rt, uri, ...): `</>;rt="oma.lwm2m";ct=110`.
// Fails (appending nothing) on text that link format cannot carry: an empty or invalid parameter
// name, a target containing '>' or control characters, control characters in a value.
std::optional<FormatError> serialize_link_format(std::span<const Link> links, std::string& out);

// ---------------------------------------------------------------------------------------------
// Register / Update payloads: `</>;rt="oma.lwm2m";ct="60 110",</1>;ver=1.1,</1/0>,</3/0>,</5>`.

struct RegisteredObject {
  std::uint16_t object_id = 0;
  std::optional<std::string> version;  // "1.1"; absent when the enabler's default
  std::vector<std::uint16_t> instances;
  friend bool operator==(const RegisteredObject&, const RegisteredObject&) = default;
};

struct RegistrationPayload {
  std::string root = "/";  // alternate path ("/lwm2m") or "/"
  // Announced in `ct` on the root link: one unquoted (`ct=112`), several as a quoted list.
  std::vector<std::uint16_t> content_formats;
  std::vector<RegisteredObject> objects;
  friend bool operator==(const RegistrationPayload&, const RegistrationPayload&) = default;
};

// The links of a Register payload: the root link (when there is an alternate path or content
// formats to announce), then per object either `</o>` (no instances), `</o>;ver=x` followed by
// its instances when versioned, or just its instances. Objects and instances keep their order.
std::vector<Link> registration_links(const RegistrationPayload& payload);

// Reads a Register/Update payload: the root from the link with rt="oma.lwm2m" (default "/"),
// content formats from its ct, and objects, versions and instances from the links below the
// root, sorted by ID and without duplicates. Links that are not object or instance paths
// below the root are ignored, as the Core TS asks of servers.
std::optional<FormatError> parse_registration_links(std::span<const Link> links,
                                                    RegistrationPayload& out);

}  // namespace drover::lwm2m
