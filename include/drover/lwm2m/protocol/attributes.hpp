// Notification attributes (Core TS "Attributes"): pmin, pmax, gt, lt, st, epmin, epmax, edge, con,
// hqmax; carried as Uri-Query options by Write-Attributes (and 1.2 Observe), and as link
// parameters in Discover answers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/message.hpp"
#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::lwm2m {

enum class Attribute : std::uint8_t { Pmin, Pmax, Gt, Lt, St, Epmin, Epmax, Edge, Con, Hqmax };
inline constexpr std::size_t attribute_count = 10;
std::string_view to_string(Attribute);                          // the query name: "pmin"
std::optional<Attribute> attribute_from_string(std::string_view);  // exact, lower case

// Integer-valued attributes (seconds, counts, 0/1 flags); gt, lt and st are numbers.
bool is_integer_attribute(Attribute);

// Attributes attached at one level (object, instance, resource or resource instance), each present
// or absent. Values are doubles: every integer attribute's range fits exactly.
class AttributeSet {
 public:
  std::optional<double> get(Attribute a) const;
  void set(Attribute a, double value);
  void clear(Attribute a);
  bool has(Attribute a) const { return (present_ >> static_cast<unsigned>(a)) & 1u; }
  bool empty() const { return present_ == 0; }

  // The effective attributes: this set's own, completed by the ones of `outer` for those absent
  // here (resource inherits from instance, instance from object).
  AttributeSet inherit(const AttributeSet& outer) const;

  // Adds the present attributes to a Discover link (`;pmin=10;gt=20.5`).
  void add_to(Link& link) const;

  friend bool operator==(const AttributeSet&, const AttributeSet&) = default;

 private:
  std::array<double, attribute_count> values_{};
  std::uint16_t present_ = 0;
};

// A Write-Attributes request: attributes to set (`?pmin=10`) and attributes to remove (`?pmin`).
struct AttributeUpdate {
  AttributeSet set;
  std::vector<Attribute> cleared;
  // Applies the update to `target`.
  void apply_to(AttributeSet& target) const;
  friend bool operator==(const AttributeUpdate&, const AttributeUpdate&) = default;
};

// Reads the Uri-Query options of a request as attributes. Fails (a 4.00 for the caller) on an
// unknown name, a malformed or negative number, a non-integer where an integer is required, an
// edge/con other than 0 or 1, or a repeated attribute. The message says which query is wrong.
std::optional<std::string> parse_attribute_queries(const coap::Message& request,
                                                   AttributeUpdate& out);
// Adds one Uri-Query option per set and cleared attribute.
void add_attribute_queries(const AttributeUpdate& update, coap::Message& request);

// The Core TS consistency rules over effective attributes: pmin <= pmax, epmin <= epmax when both
// are set, and when gt, lt and st are set together lt + 2 * st < gt (lt < gt with no st).
// Returns what is violated.
std::optional<std::string> check_attributes(const AttributeSet& effective);

}  // namespace drover::lwm2m
