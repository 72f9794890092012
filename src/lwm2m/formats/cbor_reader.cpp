#include "cbor_reader.hpp"

#include <bit>
#include <cmath>
#include <limits>

#include "utf8.hpp"

namespace drover::lwm2m::detail {
namespace {

constexpr std::uint8_t major_unsigned = 0;
constexpr std::uint8_t major_negative = 1;
constexpr std::uint8_t major_bytes = 2;
constexpr std::uint8_t major_text = 3;
constexpr std::uint8_t major_array = 4;
constexpr std::uint8_t major_map = 5;
constexpr std::uint8_t major_tag = 6;
constexpr std::uint8_t major_simple = 7;

constexpr std::uint8_t info_half = 25;
constexpr std::uint8_t info_single = 26;
constexpr std::uint8_t info_double = 27;
constexpr std::uint8_t info_indefinite = 31;

CborType type_of(std::uint8_t major, std::uint8_t info) {
  switch (major) {
    case major_unsigned:
      return CborType::Unsigned;
    case major_negative:
      return CborType::Negative;
    case major_bytes:
      return CborType::Bytes;
    case major_text:
      return CborType::Text;
    case major_array:
      return CborType::Array;
    case major_map:
      return CborType::Map;
    case major_tag:
      return CborType::Tag;
    default:
      break;
  }
  switch (info) {
    case 20:
      return CborType::False;
    case 21:
      return CborType::True;
    case 22:
      return CborType::Null;
    case 23:
      return CborType::Undefined;
    case info_half:
    case info_single:
    case info_double:
      return CborType::Float;
    case info_indefinite:
      return CborType::Break;
    default:
      return CborType::Simple;
  }
}

std::string_view type_name(CborType type) {
  switch (type) {
    case CborType::Unsigned:
      return "an unsigned integer";
    case CborType::Negative:
      return "a negative integer";
    case CborType::Bytes:
      return "a byte string";
    case CborType::Text:
      return "a text string";
    case CborType::Array:
      return "an array";
    case CborType::Map:
      return "a map";
    case CborType::Tag:
      return "a tag";
    case CborType::False:
    case CborType::True:
      return "a boolean";
    case CborType::Null:
      return "null";
    case CborType::Undefined:
      return "undefined";
    case CborType::Simple:
      return "a simple value";
    case CborType::Float:
      return "a float";
    case CborType::Break:
      return "a break code";
  }
  return "an item";
}

// IEEE 754 binary16 to double (exact: every half value is a double). By multiplication and
// bits rather than ldexp, so that the formats need no maths library.
double half_to_double(std::uint16_t half) {
  const unsigned exponent = (half >> 10) & 0x1Fu;
  const unsigned mantissa = half & 0x3FFu;
  double value = 0;
  if (exponent == 0) {
    value = mantissa * 0x1p-24;
  } else if (exponent == 31) {
    value = mantissa == 0 ? std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::quiet_NaN();
  } else {  // the same value as a binary32: exponent rebiased from 15 to 127, mantissa widened
    value = std::bit_cast<float>((exponent + 112u) << 23 | mantissa << 13);
  }
  return (half & 0x8000) != 0 ? -value : value;
}

}  // namespace

FormatError CborReader::error(std::size_t at, std::string message, FormatErrorKind kind) const {
  return FormatError{std::move(message), at, std::nullopt, kind};
}

std::optional<FormatError> CborReader::expect_end() const {
  if (at_end()) return std::nullopt;
  return error(pos_, std::to_string(in_.size() - pos_) + " bytes follow the CBOR item");
}

std::optional<FormatError> CborReader::read_head(std::size_t at, Head& head) const {
  if (at >= in_.size())
    return error(at, "unexpected end of the CBOR input", FormatErrorKind::Truncated);
  const std::uint8_t initial = in_[at];
  head = Head{};
  head.major = static_cast<std::uint8_t>(initial >> 5);
  head.info = static_cast<std::uint8_t>(initial & 0x1F);
  head.size = 1;
  if (head.info < 24) {
    head.argument = head.info;
  } else if (head.info <= 27) {
    const std::size_t n = std::size_t{1} << (head.info - 24);
    if (in_.size() - at - 1 < n)
      return error(at, "CBOR item head runs past the end of the input", FormatErrorKind::Truncated);
    for (std::size_t k = 1; k <= n; ++k) head.argument = (head.argument << 8) | in_[at + k];
    head.size += n;
    if (head.major == major_simple && head.info == 24 && head.argument < 32) {
      return error(at, "simple value below 32 in a two-byte encoding (not well-formed)");
    }
  } else if (head.info < info_indefinite) {
    return error(at, "reserved additional information " + std::to_string(head.info));
  } else if (head.major == major_unsigned || head.major == major_negative ||
             head.major == major_tag) {
    return error(at, "indefinite length on major type " + std::to_string(head.major));
  } else {
    head.indefinite = head.major != major_simple;  // major 7 + 31 is the break code
  }
  return std::nullopt;
}

std::optional<FormatError> CborReader::peek(CborType& type) const {
  Head head;
  if (auto e = read_head(pos_, head)) return e;
  type = type_of(head.major, head.info);
  return std::nullopt;
}

std::optional<FormatError> CborReader::expect(CborType wanted, std::string_view what, Head& head) {
  if (auto e = read_head(pos_, head)) return e;
  const CborType found = type_of(head.major, head.info);
  if (found == wanted) return std::nullopt;
  return error(pos_, "expected " + std::string(what) + ", found " + std::string(type_name(found)));
}

std::optional<FormatError> CborReader::read_integer(Number& out) {
  Head head;
  if (auto e = read_head(pos_, head)) return e;
  if (head.major == major_unsigned) {
    out = Number::of(head.argument);
  } else if (head.major == major_negative) {
    constexpr auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    out = head.argument <= int64_max ? Number::of(-1 - static_cast<std::int64_t>(head.argument))
                                     : Number::of(-1.0 - static_cast<double>(head.argument));
  } else {
    return error(pos_, "expected an integer, found " +
                           std::string(type_name(type_of(head.major, head.info))));
  }
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::read_number(Number& out) {
  Head head;
  if (auto e = read_head(pos_, head)) return e;
  if (type_of(head.major, head.info) != CborType::Float) return read_integer(out);
  switch (head.info) {
    case info_half:
      out = Number::of(half_to_double(static_cast<std::uint16_t>(head.argument)));
      break;
    case info_single:
      out = Number::of(double{std::bit_cast<float>(static_cast<std::uint32_t>(head.argument))});
      break;
    default:
      out = Number::of(std::bit_cast<double>(head.argument));
      break;
  }
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::read_string(std::uint8_t major, std::string* text,
                                                   std::vector<std::uint8_t>* bytes) {
  const CborType wanted = major == major_text ? CborType::Text : CborType::Bytes;
  Head head;
  if (auto e = expect(wanted, type_name(wanted), head)) return e;
  // One chunk for a definite string; for an indefinite one, definite chunks up to the break.
  std::size_t p = pos_;
  if (head.indefinite) p += head.size;
  while (true) {
    Head chunk = head;
    if (head.indefinite) {
      if (auto e = read_head(p, chunk)) return e;
      if (type_of(chunk.major, chunk.info) == CborType::Break) {
        pos_ = p + 1;
        return std::nullopt;
      }
      if (chunk.major != major || chunk.indefinite) {
        return error(p, "a chunk of an indefinite-length string must be a definite " +
                            std::string(type_name(wanted)));
      }
    }
    const std::size_t start = p + chunk.size;
    if (chunk.argument > in_.size() - start) {
      return error(
          p,
          "string of " + std::to_string(chunk.argument) + " bytes runs past the end of the input",
          FormatErrorKind::Truncated);
    }
    const auto data = in_.subspan(start, static_cast<std::size_t>(chunk.argument));
    if (major == major_text) {
      // Each chunk must be valid on its own: a character may not span chunks (RFC 8949 3.2.3).
      const std::string_view view(reinterpret_cast<const char*>(data.data()), data.size());
      if (const auto bad = find_invalid_utf8(view)) return error(start + *bad, "invalid UTF-8");
      if (text != nullptr) text->append(view);
    } else if (bytes != nullptr) {
      bytes->insert(bytes->end(), data.begin(), data.end());
    }
    p = start + data.size();
    if (!head.indefinite) {
      pos_ = p;
      return std::nullopt;
    }
  }
}

std::optional<FormatError> CborReader::read_text(std::string& out) {
  return read_string(major_text, &out, nullptr);
}

std::optional<FormatError> CborReader::read_bytes(std::vector<std::uint8_t>& out) {
  return read_string(major_bytes, nullptr, &out);
}

std::optional<FormatError> CborReader::read_bool(bool& out) {
  Head head;
  if (auto e = read_head(pos_, head)) return e;
  const CborType type = type_of(head.major, head.info);
  if (type != CborType::True && type != CborType::False) {
    return error(pos_, "expected a boolean, found " + std::string(type_name(type)));
  }
  out = type == CborType::True;
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::read_null() {
  Head head;
  if (auto e = expect(CborType::Null, "null", head)) return e;
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::read_tag(std::uint64_t& tag) {
  Head head;
  if (auto e = expect(CborType::Tag, "a tag", head)) return e;
  tag = head.argument;
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::skip_tags(bool& epoch_time) {
  epoch_time = false;
  while (true) {
    Head head;
    if (auto e = read_head(pos_, head)) return e;
    if (head.major != major_tag) return std::nullopt;
    epoch_time = epoch_time || head.argument == 1;
    pos_ += head.size;
  }
}

std::optional<FormatError> CborReader::enter(std::uint8_t major, CborContainer& container) {
  const CborType wanted = major == major_map ? CborType::Map : CborType::Array;
  Head head;
  if (auto e = expect(wanted, type_name(wanted), head)) return e;
  if (depth_ >= max_depth_) {
    return error(pos_, "CBOR nesting deeper than " + std::to_string(max_depth_) + " levels",
                 FormatErrorKind::LimitExceeded);
  }
  container = CborContainer{head.indefinite, head.indefinite ? 0 : head.argument};
  if (!head.indefinite) {
    // Each element takes at least one byte: a larger count cannot be genuine.
    const std::uint64_t left = in_.size() - pos_ - head.size;
    const std::uint64_t per_entry = major == major_map ? 2 : 1;
    if (head.argument > left / per_entry) {
      return error(pos_,
                   std::string(type_name(wanted)) + " of " + std::to_string(head.argument) +
                       " entries cannot fit in the " + std::to_string(left) + " bytes left",
                   FormatErrorKind::Truncated);
    }
  }
  ++depth_;
  pos_ += head.size;
  return std::nullopt;
}

std::optional<FormatError> CborReader::enter_array(CborContainer& container) {
  return enter(major_array, container);
}

std::optional<FormatError> CborReader::enter_map(CborContainer& container) {
  return enter(major_map, container);
}

std::optional<FormatError> CborReader::next(CborContainer& container, bool& more) {
  if (container.indefinite) {
    Head head;
    if (auto e = read_head(pos_, head)) return e;
    more = type_of(head.major, head.info) != CborType::Break;
    if (!more) ++pos_;
  } else {
    more = container.remaining > 0;
    if (more) --container.remaining;
  }
  if (!more) --depth_;
  return std::nullopt;
}

std::optional<FormatError> CborReader::skip() {
  Head head;
  if (auto e = read_head(pos_, head)) return e;
  switch (head.major) {
    case major_bytes:
    case major_text:
      return read_string(head.major, nullptr, nullptr);
    case major_array:
    case major_map: {
      CborContainer container;
      if (auto e = enter(head.major, container)) return e;
      const int items_per_entry = head.major == major_map ? 2 : 1;
      bool more = true;
      while (true) {
        if (auto e = next(container, more)) return e;
        if (!more) return std::nullopt;
        for (int k = 0; k < items_per_entry; ++k) {
          if (auto e = skip()) return e;
        }
      }
    }
    case major_tag:
      // A tag applies to the item after it; chains of tags are skipped in a loop, not by recursion.
      while (head.major == major_tag) {
        pos_ += head.size;
        if (auto e = read_head(pos_, head)) return e;
      }
      return skip();
    default:
      if (type_of(head.major, head.info) == CborType::Break) {
        return error(pos_, "break code outside an indefinite-length item");
      }
      pos_ += head.size;
      return std::nullopt;
  }
}

}  // namespace drover::lwm2m::detail
