#include "json_reader.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "drover/lwm2m/model/number_text.hpp"
#include "utf8.hpp"

namespace drover::lwm2m::detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

JsonReader::JsonReader(std::string_view text, std::size_t max_depth, std::size_t offset_base)
    : text_(text),
      max_depth_(std::min(max_depth, max_supported_depth)),
      offset_base_(offset_base) {}

FormatError JsonReader::error(std::size_t at, std::string message, FormatErrorKind kind) const {
  // Whatever was expected where the text ends, the text is cut short.
  if (kind == FormatErrorKind::Malformed && at >= text_.size()) kind = FormatErrorKind::Truncated;
  return FormatError{std::move(message), offset_base_ + at, std::nullopt, kind};
}

void JsonReader::skip_whitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    ++pos_;
  }
}

std::optional<FormatError> JsonReader::peek(JsonType& type) {
  skip_whitespace();
  if (pos_ == text_.size())
    return error(pos_, "unexpected end of the JSON input", FormatErrorKind::Truncated);
  const char c = text_[pos_];
  switch (c) {
    case 'n':
      type = JsonType::Null;
      return std::nullopt;
    case 't':
    case 'f':
      type = JsonType::Boolean;
      return std::nullopt;
    case '"':
      type = JsonType::String;
      return std::nullopt;
    case '[':
      type = JsonType::Array;
      return std::nullopt;
    case '{':
      type = JsonType::Object;
      return std::nullopt;
    default:
      if (c == '-' || is_digit(c)) {
        type = JsonType::Number;
        return std::nullopt;
      }
  }
  return error(pos_, "unexpected character in JSON");
}

std::optional<FormatError> JsonReader::literal(std::string_view word) {
  if (text_.substr(pos_, word.size()) != word) {
    return error(pos_, "expected '" + std::string(word) + "'");
  }
  pos_ += word.size();
  return std::nullopt;
}

std::optional<FormatError> JsonReader::read_null() {
  skip_whitespace();
  return literal("null");
}

std::optional<FormatError> JsonReader::read_bool(bool& out) {
  skip_whitespace();
  if (pos_ < text_.size() && text_[pos_] == 't') {
    out = true;
    return literal("true");
  }
  if (pos_ < text_.size() && text_[pos_] == 'f') {
    out = false;
    return literal("false");
  }
  return error(pos_, "expected a boolean");
}

std::optional<FormatError> JsonReader::read_number(Number& out) {
  skip_whitespace();
  const std::size_t start = pos_;
  std::size_t p = pos_;
  const auto digits = [&] {
    const std::size_t from = p;
    while (p < text_.size() && is_digit(text_[p])) ++p;
    return p - from;
  };
  if (p < text_.size() && text_[p] == '-') ++p;
  const std::size_t int_start = p;
  const std::size_t int_digits = digits();
  if (int_digits == 0) return error(p, "expected a digit");
  if (int_digits > 1 && text_[int_start] == '0') return error(int_start, "leading zero");
  bool integral = true;
  if (p < text_.size() && text_[p] == '.') {
    ++p;
    if (digits() == 0) return error(p, "expected a digit after '.'");
    integral = false;
  }
  if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
    ++p;
    if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
    if (digits() == 0) return error(p, "expected a digit in the exponent");
    integral = false;
  }
  const char* const first = text_.data() + start;
  const char* const last = text_.data() + p;
  pos_ = p;
  if (integral) {
    std::int64_t i = 0;
    if (std::from_chars(first, last, i).ec == std::errc{}) {
      out = Number::of(i);
      return std::nullopt;
    }
    std::uint64_t u = 0;
    if (text_[start] != '-' && std::from_chars(first, last, u).ec == std::errc{}) {
      out = Number::of(u);
      return std::nullopt;
    }
    // Beyond 64 bits: the nearest double, like any other number.
  }
  const auto d = parse_double({first, static_cast<std::size_t>(last - first)});
  if (!d) return error(start, "number out of the range of a double", FormatErrorKind::Unsupported);
  out = Number::of(*d);
  return std::nullopt;
}

std::optional<FormatError> JsonReader::read_hex4(std::size_t at, std::uint32_t& out) const {
  if (text_.size() - at < 4) return error(at, "truncated \\u escape", FormatErrorKind::Truncated);
  out = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const char c = text_[at + k];
    std::uint32_t nibble = 0;
    if (is_digit(c)) {
      nibble = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      nibble = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      nibble = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return error(at + k, "invalid hex digit in \\u escape");
    }
    out = out * 16 + nibble;
  }
  return std::nullopt;
}

std::optional<FormatError> JsonReader::read_string(std::string& out) {
  out.clear();
  return scan_string(&out);
}

std::optional<FormatError> JsonReader::scan_string(std::string* out) {
  skip_whitespace();
  if (pos_ == text_.size() || text_[pos_] != '"') return error(pos_, "expected a string");
  const std::size_t start = pos_;
  std::size_t p = pos_ + 1;
  while (true) {
    // A run of plain characters up to the next quote, escape or control character.
    const std::size_t run = p;
    while (p < text_.size() && text_[p] != '"' && text_[p] != '\\' &&
           static_cast<unsigned char>(text_[p]) >= 0x20) {
      ++p;
    }
    // Escapes produce whole characters, so each raw run must be valid UTF-8 by itself.
    const std::string_view raw = text_.substr(run, p - run);
    if (const auto bad = find_invalid_utf8(raw)) return error(run + *bad, "invalid UTF-8");
    if (out != nullptr) out->append(raw);
    if (p == text_.size()) return error(start, "unterminated string", FormatErrorKind::Truncated);
    const char c = text_[p];
    if (c == '"') {
      pos_ = p + 1;
      return std::nullopt;
    }
    if (c != '\\') return error(p, "unescaped control character in a string");
    if (p + 1 == text_.size())
      return error(start, "unterminated string", FormatErrorKind::Truncated);
    const char e = text_[p + 1];
    p += 2;
    char simple = 0;
    switch (e) {
      case '"':
      case '\\':
      case '/':
        simple = e;
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'u':
        break;
      default:
        return error(p - 2, "invalid escape");
    }
    if (simple != 0) {
      if (out != nullptr) *out += simple;
      continue;
    }
    std::uint32_t unit = 0;
    if (auto err = read_hex4(p, unit)) return err;
    const std::size_t escape_at = p - 2;
    p += 4;
    if (unit >= 0xDC00 && unit <= 0xDFFF) return error(escape_at, "lone low surrogate");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      std::uint32_t low = 0;
      if (text_.substr(p, 2) != "\\u") return error(escape_at, "lone high surrogate");
      if (auto err = read_hex4(p + 2, low)) return err;
      if (low < 0xDC00 || low > 0xDFFF) return error(escape_at, "lone high surrogate");
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
      p += 6;
    }
    if (out != nullptr) append_utf8(*out, unit);
  }
}

std::optional<FormatError> JsonReader::open(char bracket) {
  skip_whitespace();
  if (pos_ == text_.size() || text_[pos_] != bracket) {
    return error(pos_, bracket == '[' ? "expected an array" : "expected an object");
  }
  if (depth_ >= max_depth_) {
    return error(pos_, "JSON nesting deeper than " + std::to_string(max_depth_) + " levels",
                 FormatErrorKind::LimitExceeded);
  }
  ++depth_;
  first_ |= std::uint64_t{1} << (depth_ - 1);
  ++pos_;
  return std::nullopt;
}

std::optional<FormatError> JsonReader::begin_array() {
  return open('[');
}

std::optional<FormatError> JsonReader::begin_object() {
  return open('{');
}

std::optional<FormatError> JsonReader::next_element(bool& more) {
  skip_whitespace();
  if (pos_ == text_.size()) return error(pos_, "unterminated array", FormatErrorKind::Truncated);
  const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
  if (text_[pos_] == ']') {
    ++pos_;
    --depth_;
    more = false;
    return std::nullopt;
  }
  if ((first_ & bit) != 0) {
    first_ &= ~bit;
  } else if (text_[pos_] == ',') {
    ++pos_;
  } else {
    return error(pos_, "expected ',' or ']'");
  }
  more = true;
  return std::nullopt;
}

std::optional<FormatError> JsonReader::next_member(bool& more, std::string& key) {
  skip_whitespace();
  if (pos_ == text_.size()) return error(pos_, "unterminated object", FormatErrorKind::Truncated);
  const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
  if (text_[pos_] == '}') {
    ++pos_;
    --depth_;
    more = false;
    return std::nullopt;
  }
  if ((first_ & bit) != 0) {
    first_ &= ~bit;
  } else if (text_[pos_] == ',') {
    ++pos_;
  } else {
    return error(pos_, "expected ',' or '}'");
  }
  if (auto err = read_string(key)) return err;
  skip_whitespace();
  if (pos_ == text_.size() || text_[pos_] != ':') return error(pos_, "expected ':'");
  ++pos_;
  more = true;
  return std::nullopt;
}

std::optional<FormatError> JsonReader::skip_value() {
  JsonType type{};
  if (auto err = peek(type)) return err;
  switch (type) {
    case JsonType::Null:
      return read_null();
    case JsonType::Boolean: {
      bool b = false;
      return read_bool(b);
    }
    case JsonType::Number: {
      Number n;
      return read_number(n);
    }
    case JsonType::String:
      return scan_string(nullptr);
    case JsonType::Array: {
      if (auto err = begin_array()) return err;
      bool more = true;
      while (true) {
        if (auto err = next_element(more)) return err;
        if (!more) return std::nullopt;
        if (auto err = skip_value()) return err;
      }
    }
    case JsonType::Object: {
      if (auto err = begin_object()) return err;
      bool more = true;
      std::string key;
      while (true) {
        if (auto err = next_member(more, key)) return err;
        if (!more) return std::nullopt;
        if (auto err = skip_value()) return err;
      }
    }
  }
  return std::nullopt;
}

std::optional<FormatError> JsonReader::expect_end() {
  skip_whitespace();
  if (pos_ == text_.size()) return std::nullopt;
  return error(pos_, "unexpected content after the JSON value");
}

}  // namespace drover::lwm2m::detail
