#include "drover/lwm2m/model/range.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "drover/lwm2m/model/number_text.hpp"
#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// ["-"] 1*DIGIT ["." 1*DIGIT], spaces around it allowed.
std::optional<RangeBound> parse_bound(std::string_view text) {
  text = detail::trim(text);
  RangeBound b;
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '-') {
    b.negative = true;
    digits.remove_prefix(1);
  }
  const auto dot = digits.find('.');
  const std::string_view whole = digits.substr(0, dot);
  if (!all_digits(whole)) return std::nullopt;
  if (dot != std::string_view::npos && !all_digits(digits.substr(dot + 1))) return std::nullopt;
  const auto number = parse_double(text);
  if (!number) return std::nullopt;
  b.number = *number;
  b.integral =
      dot == std::string_view::npos &&
      std::from_chars(whole.data(), whole.data() + whole.size(), b.magnitude).ec == std::errc{};
  if (!b.integral) b.magnitude = 0;
  if (b.integral && b.magnitude == 0) b.negative = false;  // "-0" is 0
  return b;
}

// An integer given as sign and magnitude; zero is not negative.
struct Exact {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

Exact exact(std::int64_t v) {
  if (v >= 0) return {false, static_cast<std::uint64_t>(v)};
  return {true, static_cast<std::uint64_t>(-(v + 1)) + 1};  // INT64_MIN has no positive twin
}

int compare(Exact v, const RangeBound& b) {
  if (!b.integral) {
    const double d =
        v.negative ? -static_cast<double>(v.magnitude) : static_cast<double>(v.magnitude);
    return d < b.number ? -1 : d > b.number ? 1 : 0;
  }
  if (v.negative != b.negative) return v.negative ? -1 : 1;
  if (v.magnitude == b.magnitude) return 0;
  return (v.magnitude < b.magnitude) != v.negative ? -1 : 1;
}

int compare(double v, const RangeBound& b) {
  return v < b.number ? -1 : v > b.number ? 1 : 0;
}

bool below(const RangeBound& a, const RangeBound& b) {
  if (a.integral) return compare(Exact{a.negative, a.magnitude}, b) < 0;
  return compare(a.number, b) < 0;
}

// One list item: an interval ("0..100", "1...15", "0-100") or one value (`lone` is then set).
std::optional<RangeInterval> parse_item(std::string_view item, bool& lone) {
  lone = false;
  item = detail::trim(item);
  std::size_t split = item.find("...");
  std::size_t width = 3;
  if (split == std::string_view::npos) {
    split = item.find("..");
    width = 2;
  }
  if (split == std::string_view::npos) {
    split = item.find('-', 1);  // "0-100"; a leading '-' is a sign
    width = 1;
  }
  if (split == std::string_view::npos) {
    const auto value = parse_bound(item);
    if (!value) return std::nullopt;
    lone = true;
    return RangeInterval{*value, *value};
  }
  const auto low = parse_bound(item.substr(0, split));
  const auto high = parse_bound(item.substr(split + width));
  if (!low || !high) return std::nullopt;
  return RangeInterval{*low, *high};
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && detail::iequals(s.substr(s.size() - suffix.size()), suffix);
}

// The items of a list: separated by ',', ';' or the word "or"; or, for a labelled enumeration
// ("0: disabled" per line), the value of each line.
std::optional<std::vector<std::string_view>> split_items(std::string_view body) {
  std::vector<std::string_view> items;
  if (body.find(':') != std::string_view::npos) {
    while (!body.empty()) {
      const auto newline = body.find('\n');
      const std::string_view line = detail::trim(body.substr(0, newline));
      body.remove_prefix(newline == std::string_view::npos ? body.size() : newline + 1);
      if (line.empty()) continue;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      items.push_back(line.substr(0, colon));
    }
    return items;
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i <= body.size(); ++i) {
    std::size_t skip = 0;
    if (i == body.size() || body[i] == ',' || body[i] == ';') {
      skip = 1;
    } else if (body.substr(i, 4) == " or ") {
      skip = 4;
    }
    if (skip == 0) continue;
    items.push_back(body.substr(start, i - start));
    start = i + skip;
    i = start - 1;
  }
  return items;
}

RangeParse skipped(RangeSkip why) {
  return RangeParse{std::nullopt, why};
}

}  // namespace

std::optional<std::size_t> value_length(const Value& value) {
  if (const auto* s = value.get_if<std::string>()) return s->size();
  if (const auto* link = value.get_if<Corelnk>()) return link->text.size();
  if (const auto* bytes = value.get_if<Opaque>()) return bytes->size();
  return std::nullopt;
}

bool ValueRange::contains(const Value& value) const {
  std::optional<Exact> whole;
  double real = 0;
  if (measure == Measure::Length) {
    const auto bytes = value_length(value);
    if (!bytes) return true;
    whole = Exact{false, *bytes};
  } else {
    switch (value.type()) {
      case DataType::Integer:
        whole = exact(value.get<std::int64_t>());
        break;
      case DataType::Time:
        whole = exact(value.get<Time>().seconds);
        break;
      case DataType::UnsignedInteger:
        whole = Exact{false, value.get<std::uint64_t>()};
        break;
      case DataType::Float:
        real = value.get<double>();
        if (std::isnan(real)) return false;
        break;
      default:
        return true;
    }
  }
  for (const auto& interval : allowed) {
    const int from_low = whole ? compare(*whole, interval.low) : compare(real, interval.low);
    const int from_high = whole ? compare(*whole, interval.high) : compare(real, interval.high);
    if (from_low >= 0 && from_high <= 0) return true;
  }
  return false;
}

std::string_view to_string(RangeSkip skip) {
  switch (skip) {
    case RangeSkip::None:
      return "parsed";
    case RangeSkip::Empty:
      return "no range";
    case RangeSkip::NotApplicable:
      return "not applicable to the type";
    case RangeSkip::LoneNumber:
      return "a lone number (maximum or only value?)";
    case RangeSkip::Reversed:
      return "an interval with its ends reversed";
    case RangeSkip::Prose:
      return "not a range form that is checked";
  }
  return "?";
}

RangeParse parse_range(std::string_view text, DataType type) {
  std::string_view body = detail::trim(text);
  if (body.empty()) return skipped(RangeSkip::Empty);
  const bool length =
      type == DataType::String || type == DataType::Corelnk || type == DataType::Opaque;
  const bool numeric = type == DataType::Integer || type == DataType::UnsignedInteger ||
                       type == DataType::Float || type == DataType::Time;
  if (!length && !numeric) return skipped(RangeSkip::NotApplicable);
  for (const std::string_view unit : {"bytes", "byte"}) {
    if (iends_with(body, unit)) {
      // "2 bytes" on an Integer is the size of its encoding, not a range of values.
      if (!length) return skipped(RangeSkip::NotApplicable);
      body = detail::trim(body.substr(0, body.size() - unit.size()));
      break;
    }
  }
  const auto items = split_items(body);
  if (!items || items->empty()) return skipped(RangeSkip::Prose);
  ValueRange range;
  range.measure = length ? ValueRange::Measure::Length : ValueRange::Measure::Value;
  bool lone = false;
  for (const std::string_view item : *items) {
    const auto interval = parse_item(item, lone);
    if (!interval) return skipped(RangeSkip::Prose);
    range.allowed.push_back(*interval);
  }
  for (const auto& interval : range.allowed) {
    if (below(interval.high, interval.low)) return skipped(RangeSkip::Reversed);
    if (length && (!interval.low.integral || interval.low.negative || !interval.high.integral)) {
      return skipped(RangeSkip::Prose);
    }
  }
  // A labelled enumeration of one value is still an enumeration.
  if (range.allowed.size() == 1 && lone && body.find(':') == std::string_view::npos) {
    return skipped(RangeSkip::LoneNumber);
  }
  return RangeParse{std::move(range), RangeSkip::None};
}

}  // namespace drover::lwm2m
