#include "drover/lwm2m/model/value.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <concepts>

#include "drover/lwm2m/model/number_text.hpp"
#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

// Spellings used by the DDF schema (<Type> element), indexed by DataType.
constexpr std::array<std::string_view, 10> type_names = {
    "None",    "String", "Integer", "Unsigned Integer", "Float",
    "Boolean", "Opaque", "Time",    "Objlnk",           "Corelnk"};

void append_quoted(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

template <std::integral T>
std::string number(T v) {
  std::array<char, 32> buf{};
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), r.ptr);
}

}  // namespace

std::string_view to_string(DataType t) {
  const auto i = static_cast<std::size_t>(t);
  return i < type_names.size() ? type_names[i] : "Unknown";
}

std::optional<DataType> data_type_from_string(std::string_view s) {
  for (std::size_t i = 0; i < type_names.size(); ++i) {
    if (detail::iequals(s, type_names[i])) return static_cast<DataType>(i);
  }
  return std::nullopt;
}

bool operator==(const Value& a, const Value& b) {
  const auto* x = a.get_if<double>();
  const auto* y = b.get_if<double>();
  if (x != nullptr && y != nullptr && std::isnan(*x) && std::isnan(*y)) return true;
  return a.v_ == b.v_;
}

std::string Value::debug_string() const {
  struct Render {
    std::string operator()(std::monostate) const { return "none"; }
    std::string operator()(const std::string& s) const {
      std::string out;
      append_quoted(out, s);
      return out;
    }
    std::string operator()(std::int64_t v) const { return number(v); }
    std::string operator()(std::uint64_t v) const { return number(v) + "u"; }
    std::string operator()(double v) const {
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
      DoubleText buf{};
      std::string s(format_double(v, buf));
      // Keep floats recognisable next to integers: "1" would read as an Integer.
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const Opaque& v) const {
      static constexpr char hex[] = "0123456789abcdef";
      std::string out = "0x";
      for (auto b : v) {
        out += hex[b >> 4];
        out += hex[b & 0xf];
      }
      return out;
    }
    std::string operator()(Time t) const { return "t=" + number(t.seconds); }
    std::string operator()(Objlnk l) const {
      return number(l.object_id) + ":" + number(l.instance_id);
    }
    std::string operator()(const Corelnk& l) const {
      std::string out = "link:";
      append_quoted(out, l.text);
      return out;
    }
  };
  return std::visit(Render{}, v_);
}

}  // namespace drover::lwm2m
