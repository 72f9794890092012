#include "drover/lwm2m/protocol/attributes.hpp"

#include <cmath>

#include "drover/lwm2m/model/number_text.hpp"

namespace drover::lwm2m {
namespace {

constexpr std::string_view names[attribute_count] = {"pmin",  "pmax",  "gt",   "lt",  "st",
                                                     "epmin", "epmax", "edge", "con", "hqmax"};

std::size_t index(Attribute a) {
  return static_cast<std::size_t>(a);
}

bool is_flag(Attribute a) {
  return a == Attribute::Edge || a == Attribute::Con;
}

}  // namespace

std::string_view to_string(Attribute a) {
  return names[index(a)];
}

std::optional<Attribute> attribute_from_string(std::string_view name) {
  for (std::size_t i = 0; i < attribute_count; ++i)
    if (names[i] == name) return static_cast<Attribute>(i);
  return std::nullopt;
}

bool is_integer_attribute(Attribute a) {
  return a != Attribute::Gt && a != Attribute::Lt && a != Attribute::St;
}

std::optional<double> AttributeSet::get(Attribute a) const {
  if (!has(a)) return std::nullopt;
  return values_[index(a)];
}

void AttributeSet::set(Attribute a, double value) {
  values_[index(a)] = value;
  present_ = static_cast<std::uint16_t>(present_ | (1u << index(a)));
}

void AttributeSet::clear(Attribute a) {
  values_[index(a)] = 0;
  present_ = static_cast<std::uint16_t>(present_ & ~(1u << index(a)));
}

AttributeSet AttributeSet::inherit(const AttributeSet& outer) const {
  AttributeSet out = *this;
  for (std::size_t i = 0; i < attribute_count; ++i) {
    const auto a = static_cast<Attribute>(i);
    if (!has(a) && outer.has(a)) out.set(a, outer.values_[i]);
  }
  return out;
}

void AttributeSet::add_to(Link& link) const {
  for (std::size_t i = 0; i < attribute_count; ++i) {
    const auto a = static_cast<Attribute>(i);
    if (!has(a)) continue;
    if (is_integer_attribute(a))
      link.add(std::string(names[i]), static_cast<std::uint64_t>(values_[i]));
    else
      link.add(std::string(names[i]), values_[i]);
  }
}

void AttributeUpdate::apply_to(AttributeSet& target) const {
  for (const auto a : cleared) target.clear(a);
  for (std::size_t i = 0; i < attribute_count; ++i) {
    const auto a = static_cast<Attribute>(i);
    if (const auto v = set.get(a)) target.set(a, *v);
  }
}

std::optional<std::string> parse_attribute_queries(const coap::Message& request,
                                                   AttributeUpdate& out) {
  out = {};
  std::optional<std::string> error;
  std::uint16_t seen = 0;
  request.for_each(coap::options::UriQuery, [&](const coap::OptionView& option) {
    if (error) return;
    const std::string_view query = option.as_string();
    const auto eq = query.find('=');
    const std::string_view name = query.substr(0, eq);
    const auto attribute = attribute_from_string(name);
    if (!attribute) {
      error = "unknown attribute \"" + std::string(name) + "\"";
      return;
    }
    const auto bit = static_cast<std::uint16_t>(1u << index(*attribute));
    if (seen & bit) {
      error = "attribute " + std::string(name) + " given twice";
      return;
    }
    seen = static_cast<std::uint16_t>(seen | bit);
    if (eq == std::string_view::npos) {
      out.cleared.push_back(*attribute);
      return;
    }
    const std::string_view text = query.substr(eq + 1);
    double value = 0;
    if (is_integer_attribute(*attribute)) {
      const auto n = parse_uint64(text);
      if (!n || *n > (std::uint64_t{1} << 53) || (is_flag(*attribute) && *n > 1)) {
        error = "attribute " + std::string(name) + " needs " +
                (is_flag(*attribute) ? "0 or 1" : "a non-negative integer") + ", got \"" +
                std::string(text) + "\"";
        return;
      }
      value = static_cast<double>(*n);
    } else {
      const auto n = parse_double(text);
      if (!n || (*attribute == Attribute::St && *n < 0)) {
        error = "attribute " + std::string(name) + " needs a" +
                (*attribute == Attribute::St ? " non-negative" : "") + " number, got \"" +
                std::string(text) + "\"";
        return;
      }
      value = *n;
    }
    out.set.set(*attribute, value);
  });
  if (error) out = {};
  return error;
}

void add_attribute_queries(const AttributeUpdate& update, coap::Message& request) {
  std::string query;
  for (std::size_t i = 0; i < attribute_count; ++i) {
    const auto a = static_cast<Attribute>(i);
    const auto v = update.set.get(a);
    if (!v) continue;
    query.assign(names[i]);
    query += '=';
    if (is_integer_attribute(a))
      append_uint64(query, static_cast<std::uint64_t>(*v));
    else
      append_double(query, *v);
    request.add_option(coap::options::UriQuery, query);
  }
  for (const auto a : update.cleared) request.add_option(coap::options::UriQuery, to_string(a));
}

std::optional<std::string> check_attributes(const AttributeSet& effective) {
  const auto pmin = effective.get(Attribute::Pmin);
  const auto pmax = effective.get(Attribute::Pmax);
  if (pmin && pmax && *pmin > *pmax) return "pmin must not exceed pmax";
  const auto epmin = effective.get(Attribute::Epmin);
  const auto epmax = effective.get(Attribute::Epmax);
  if (epmin && epmax && *epmin > *epmax) return "epmin must not exceed epmax";
  const auto gt = effective.get(Attribute::Gt);
  const auto lt = effective.get(Attribute::Lt);
  if (gt && lt) {
    const double st = effective.get(Attribute::St).value_or(0);
    if (!(*lt + 2 * st < *gt)) return "lt + 2 * st must be less than gt";
  }
  return std::nullopt;
}

}  // namespace drover::lwm2m
