// CoRE Link Format (RFC 6690 §2) parsing and serialisation, and the Link accessors.
#include "drover/lwm2m/formats/link_format.hpp"

#include <array>
#include <string>

#include "drover/lwm2m/model/number_text.hpp"

namespace drover::lwm2m {
namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 8288 attr-char, plus '*' for the "name*" (RFC 8187 extended value) form.
bool is_name_char(char c) {
  return is_alpha(c) || is_digit(c) ||
         std::string_view("!#$&+-.^_`|~*").find(c) != std::string_view::npos;
}

// RFC 6690 ptokenchar: printable ASCII except '"', ',', ';' and '\'.
bool is_ptoken_char(char c) {
  return c > 0x20 && c < 0x7F && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Characters accepted in a target: printable ASCII except the angle brackets.
bool is_target_char(char c) {
  return c > 0x20 && c < 0x7F && c != '<' && c != '>';
}

// Inside quotes: anything but control characters (HTAB excepted); '"' and '\' get escaped.
bool is_quotable(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7F);
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Parameters whose values are quoted by convention even when a token would do.
bool conventionally_quoted(std::string_view name) {
  constexpr std::array<std::string_view, 7> names = {"anchor", "if",    "rel", "rev",
                                                     "rt",     "title", "uri"};
  for (const auto n : names) {
    if (equal_ignoring_case(n, name)) return true;
  }
  return false;
}

using ErrorKind = FormatErrorKind;

FormatError link_error(std::size_t offset, std::string message,
                       ErrorKind kind = ErrorKind::Malformed) {
  return FormatError{"link-format: " + std::move(message), offset, std::nullopt, kind};
}

class Parser {
 public:
  Parser(std::string_view text, const LinkFormatLimits& limits) : s_(text), limits_(limits) {}

  std::optional<FormatError> run(std::vector<Link>& links) {
    skip_space();
    while (pos_ < s_.size()) {
      if (links.size() == limits_.max_links) {
        return link_error(pos_, "more than " + std::to_string(limits_.max_links) + " links",
                          ErrorKind::LimitExceeded);
      }
      Link link;
      if (auto error = parse_link(link)) return error;
      links.push_back(std::move(link));
      skip_space();
      if (pos_ == s_.size()) break;
      if (s_[pos_] != ',') return link_error(pos_, "expected ',' or the end after a link");
      ++pos_;
      skip_space();
      if (pos_ == s_.size())
        return link_error(pos_, "expected a link after ','", ErrorKind::Truncated);
    }
    return std::nullopt;
  }

 private:
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  std::optional<FormatError> parse_link(Link& link) {
    if (s_[pos_] != '<') return link_error(pos_, "expected '<' starting a link");
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && is_target_char(s_[pos_])) ++pos_;
    if (pos_ == s_.size())
      return link_error(start - 1, "unterminated link target", ErrorKind::Truncated);
    if (s_[pos_] != '>') return link_error(pos_, "invalid character in link target");
    if (pos_ - start > limits_.max_target_length)
      return link_error(start, "link target too long", ErrorKind::LimitExceeded);
    link.target.assign(s_.substr(start, pos_ - start));
    ++pos_;
    while (true) {
      const std::size_t before = pos_;
      skip_space();
      if (pos_ == s_.size() || s_[pos_] != ';') {
        pos_ = before;  // the space belongs to the link separator
        return std::nullopt;
      }
      ++pos_;
      skip_space();
      if (link.attributes.size() == limits_.max_attributes_per_link) {
        return link_error(pos_,
                          "more than " + std::to_string(limits_.max_attributes_per_link) +
                              " parameters in one link",
                          ErrorKind::LimitExceeded);
      }
      LinkAttribute attribute;
      if (auto error = parse_attribute(attribute)) return error;
      link.attributes.push_back(std::move(attribute));
    }
  }

  std::optional<FormatError> parse_attribute(LinkAttribute& attribute) {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    if (pos_ == start) {
      return link_error(pos_, "expected a parameter name",
                        pos_ == s_.size() ? ErrorKind::Truncated : ErrorKind::Malformed);
    }
    if (pos_ - start > limits_.max_value_length)
      return link_error(start, "parameter name too long", ErrorKind::LimitExceeded);
    attribute.name.assign(s_.substr(start, pos_ - start));
    if (pos_ == s_.size() || s_[pos_] != '=') return std::nullopt;  // bare parameter
    ++pos_;
    std::string value;
    if (pos_ < s_.size() && s_[pos_] == '"') {
      if (auto error = parse_quoted(value)) return error;
    } else {
      const std::size_t value_start = pos_;
      while (pos_ < s_.size() && is_ptoken_char(s_[pos_])) ++pos_;
      if (pos_ == value_start) {
        return link_error(pos_, "expected a value after '='",
                          pos_ == s_.size() ? ErrorKind::Truncated : ErrorKind::Malformed);
      }
      value.assign(s_.substr(value_start, pos_ - value_start));
    }
    if (value.size() > limits_.max_value_length)
      return link_error(start, "parameter value too long", ErrorKind::LimitExceeded);
    attribute.value = std::move(value);
    return std::nullopt;
  }

  std::optional<FormatError> parse_quoted(std::string& value) {
    const std::size_t open = pos_++;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (c == '\\') {
        ++pos_;
        if (pos_ == s_.size()) break;
      }
      if (!is_quotable(s_[pos_])) return link_error(pos_, "control character in quoted string");
      if (value.size() == limits_.max_value_length)
        return link_error(open, "parameter value too long", ErrorKind::LimitExceeded);
      value += s_[pos_++];
    }
    return link_error(open, "unterminated quoted string", ErrorKind::Truncated);
  }

  std::string_view s_;
  const LinkFormatLimits& limits_;
  std::size_t pos_ = 0;
};

std::optional<FormatError> append_link(const Link& link, std::string& out) {
  for (const char c : link.target) {
    if (!is_target_char(c))
      return link_error(0, "link target \"" + link.target + "\" cannot be written",
                        ErrorKind::Unsupported);
  }
  out += '<';
  out += link.target;
  out += '>';
  for (const auto& attribute : link.attributes) {
    if (attribute.name.empty())
      return link_error(0, "empty parameter name on <" + link.target + ">", ErrorKind::Unsupported);
    for (const char c : attribute.name) {
      if (!is_name_char(c))
        return link_error(0, "invalid parameter name \"" + attribute.name + "\"",
                          ErrorKind::Unsupported);
    }
    out += ';';
    out += attribute.name;
    if (!attribute.value) continue;
    const std::string& v = *attribute.value;
    bool quote = v.empty() || conventionally_quoted(attribute.name);
    for (const char c : v) {
      if (!is_quotable(c))
        return link_error(0, "control character in the value of " + attribute.name,
                          ErrorKind::Unsupported);
      quote = quote || !is_ptoken_char(c);
    }
    out += '=';
    if (!quote) {
      out += v;
      continue;
    }
    out += '"';
    for (const char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return std::nullopt;
}

}  // namespace

std::optional<Path> Link::path(std::string_view root) const {
  std::string_view rest = target;
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  if (!root.empty() && root != "/") {
    if (rest.substr(0, root.size()) != root) return std::nullopt;
    rest.remove_prefix(root.size());
    if (!rest.empty() && rest.front() != '/')
      return std::nullopt;  // "/lwm2mx" is not under "/lwm2m"
  }
  return Path::parse(rest);
}

const LinkAttribute* Link::find(std::string_view name) const {
  for (const auto& attribute : attributes) {
    if (equal_ignoring_case(attribute.name, name)) return &attribute;
  }
  return nullptr;
}

std::optional<std::string_view> Link::value(std::string_view name) const {
  const auto* attribute = find(name);
  if (attribute == nullptr || !attribute->value) return std::nullopt;
  return *attribute->value;
}

Link& Link::add(std::string name, std::optional<std::string> v) {
  attributes.push_back(LinkAttribute{std::move(name), std::move(v)});
  return *this;
}

Link& Link::add(std::string name, double number) {
  std::string text;
  append_double(text, number);
  return add(std::move(name), std::move(text));
}

Link& Link::add_signed(std::string name, std::int64_t number) {
  std::string text;
  append_int64(text, number);
  return add(std::move(name), std::move(text));
}

Link& Link::add_unsigned(std::string name, std::uint64_t number) {
  std::string text;
  append_uint64(text, number);
  return add(std::move(name), std::move(text));
}

std::optional<std::vector<std::uint16_t>> Link::content_formats() const {
  const auto text = value("ct");
  if (!text) return std::nullopt;
  std::vector<std::uint16_t> formats;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view item = rest.substr(0, space);
    if (!item.empty()) {
      const auto number = parse_uint64(item);
      if (!number || *number > 0xFFFF) return std::nullopt;
      formats.push_back(static_cast<std::uint16_t>(*number));
    }
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  }
  if (formats.empty()) return std::nullopt;
  return formats;
}

std::optional<std::uint64_t> Link::uint_attribute(std::string_view name) const {
  const auto text = value(name);
  return text ? parse_uint64(*text) : std::nullopt;
}

std::optional<std::uint16_t> Link::uint16_attribute(std::string_view name) const {
  const auto number = uint_attribute(name);
  if (!number || *number > 0xFFFF) return std::nullopt;
  return static_cast<std::uint16_t>(*number);
}

std::optional<double> Link::number_attribute(std::string_view name) const {
  const auto text = value(name);
  return text ? parse_double(*text) : std::nullopt;
}

std::optional<bool> Link::flag_attribute(std::string_view name) const {
  const auto text = value(name);
  if (text == "0") return false;
  if (text == "1") return true;
  return std::nullopt;
}

std::optional<FormatError> parse_link_format(std::string_view text, std::vector<Link>& out,
                                             const LinkFormatLimits& limits) {
  std::vector<Link> links;
  if (auto error = Parser(text, limits).run(links)) return error;
  out.insert(out.end(), std::make_move_iterator(links.begin()),
             std::make_move_iterator(links.end()));
  return std::nullopt;
}

std::optional<FormatError> serialize_link_format(std::span<const Link> links, std::string& out) {
  const std::size_t size_before = out.size();
  for (std::size_t i = 0; i < links.size(); ++i) {
    if (i > 0) out += ',';
    if (auto error = append_link(links[i], out)) {
      out.resize(size_before);
      return error;
    }
  }
  return std::nullopt;
}

}  // namespace drover::lwm2m
