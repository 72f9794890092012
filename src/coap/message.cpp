// CoAP message representation and wire codec (RFC 7252 §3).
#include "drover/coap/message.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <stdexcept>

namespace drover::coap {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// §3.1: option delta and length share one encoding: a nibble, then 0, 1 or 2 extension bytes.
constexpr std::uint32_t ext1_base = 13;
constexpr std::uint32_t ext2_base = 269;
constexpr std::uint8_t payload_marker = 0xff;

constexpr std::uint8_t field_nibble(std::uint32_t v) {
  if (v < ext1_base) return static_cast<std::uint8_t>(v);
  return v < ext2_base ? 13 : 14;
}

constexpr std::size_t field_ext_size(std::uint32_t v) {
  if (v < ext1_base) return 0;
  return v < ext2_base ? 1 : 2;
}

std::uint8_t* write_field_ext(std::uint32_t v, std::uint8_t* p) {
  if (v >= ext2_base) {
    const std::uint32_t e = v - ext2_base;
    *p++ = static_cast<std::uint8_t>(e >> 8);
    *p++ = static_cast<std::uint8_t>(e);
  } else if (v >= ext1_base) {
    *p++ = static_cast<std::uint8_t>(v - ext1_base);
  }
  return p;
}

// Reads the extension bytes announced by `nibble` (0..14) at `pos`; false if they run past the end.
bool read_field(std::uint8_t nibble, std::span<const std::uint8_t> in, std::size_t& pos,
                std::uint32_t& value) {
  if (nibble < 13) {
    value = nibble;
  } else if (nibble == 13) {
    if (pos >= in.size()) return false;
    value = ext1_base + in[pos];
    pos += 1;
  } else {
    if (in.size() - pos < 2) return false;
    value = ext2_base + ((std::uint32_t{in[pos]} << 8) | in[pos + 1]);
    pos += 2;
  }
  return true;
}

std::size_t uint_length(std::uint32_t v) {
  std::size_t n = 0;
  while (v != 0) {
    ++n;
    v >>= 8;
  }
  return n;
}

// True if p points inside buf (std::less gives a total order even across unrelated objects).
bool points_into(const std::uint8_t* p, const std::vector<std::uint8_t>& buf) {
  const std::less<const std::uint8_t*> less;
  return !buf.empty() && !less(p, buf.data()) && less(p, buf.data() + buf.size());
}

bool is_reserved_class(Code code) {
  const auto c = code.cls();
  return c == 1 || c == 6 || c == 7;
}

std::size_t write_message(const Message& msg, std::uint8_t* p) {
  std::uint8_t* const start = p;
  const auto token = msg.token.bytes();
  *p++ = static_cast<std::uint8_t>(0x40 | (static_cast<unsigned>(msg.type) << 4) | token.size());
  *p++ = msg.code.value;
  *p++ = static_cast<std::uint8_t>(msg.message_id >> 8);
  *p++ = static_cast<std::uint8_t>(msg.message_id);
  if (!token.empty()) p = std::copy(token.begin(), token.end(), p);

  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < msg.option_count(); ++i) {
    const OptionView opt = msg.option(i);
    const std::uint32_t delta = std::uint32_t{opt.number} - previous;
    const auto length = static_cast<std::uint32_t>(opt.value.size());
    previous = opt.number;
    *p++ = static_cast<std::uint8_t>((field_nibble(delta) << 4) | field_nibble(length));
    p = write_field_ext(delta, p);
    p = write_field_ext(length, p);
    if (!opt.value.empty()) p = std::copy(opt.value.begin(), opt.value.end(), p);
  }

  const auto payload = msg.payload();
  if (!payload.empty()) {
    *p++ = payload_marker;
    p = std::copy(payload.begin(), payload.end(), p);
  }
  return static_cast<std::size_t>(p - start);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Code, option registry, Token, OptionView.

std::string Code::to_string() const {
  const auto d = detail();
  return {static_cast<char>('0' + cls()), '.', static_cast<char>('0' + d / 10),
          static_cast<char>('0' + d % 10)};
}

namespace {
using options::Format;
// Sorted by number. Lengths and repeatability as the defining RFCs give them.
constexpr options::Spec option_specs[] = {
    {options::IfMatch, Format::Opaque, 0, 8, true, true},
    {options::UriHost, Format::String, 1, 255, false, false},
    {options::ETag, Format::Opaque, 1, 8, true, false},
    {options::IfNoneMatch, Format::Empty, 0, 0, false, false},
    {options::Observe, Format::Uint, 0, 3, false, false},
    {options::UriPort, Format::Uint, 0, 2, false, false},
    {options::LocationPath, Format::String, 0, 255, true, true},
    {options::Oscore, Format::Opaque, 0, 255, false, false},
    {options::UriPath, Format::String, 0, 255, true, true},
    {options::ContentFormat, Format::Uint, 0, 2, false, false},
    {options::MaxAge, Format::Uint, 0, 4, false, false},
    {options::UriQuery, Format::String, 0, 255, true, true},
    {options::Accept, Format::Uint, 0, 2, false, false},
    {options::LocationQuery, Format::String, 0, 255, true, true},
    {options::Block2, Format::Uint, 0, 3, false, false},
    {options::Block1, Format::Uint, 0, 3, false, false},
    {options::Size2, Format::Uint, 0, 4, false, false},
    {options::ProxyUri, Format::String, 1, 1034, false, false},
    {options::ProxyScheme, Format::String, 1, 255, false, false},
    {options::Size1, Format::Uint, 0, 4, false, false},
    {options::NoResponse, Format::Uint, 0, 1, false, false},
};
}  // namespace

// Specs of the options numbered below 64 by number, for the screening every message goes through.
constexpr std::array<std::int8_t, 64> spec_index = [] {
  std::array<std::int8_t, 64> index{};
  index.fill(-1);
  for (std::size_t i = 0; i < std::size(option_specs); ++i)
    if (option_specs[i].number < index.size())
      index[option_specs[i].number] = static_cast<std::int8_t>(i);
  return index;
}();

const options::Spec* options::spec(std::uint16_t number) {
  if (number < spec_index.size())
    return spec_index[number] < 0 ? nullptr
                                  : &option_specs[static_cast<std::size_t>(spec_index[number])];
  const auto* end = std::end(option_specs);
  const auto* it = std::lower_bound(std::begin(option_specs), end, number,
                                    [](const Spec& s, std::uint16_t n) { return s.number < n; });
  return it != end && it->number == number ? it : nullptr;
}

bool options::is_known(std::uint16_t number) {
  return spec(number) != nullptr;
}

Token::Token(std::span<const std::uint8_t> bytes) {
  size_ = static_cast<std::uint8_t>(std::min(bytes.size(), bytes_.size()));
  std::copy_n(bytes.begin(), size_, bytes_.begin());
}

std::uint64_t Token::as_u64() const {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < size_; ++i) v = (v << 8) | bytes_[i];
  return v;
}

bool operator==(const Token& a, const Token& b) {
  return a.size_ == b.size_ &&
         std::equal(a.bytes_.begin(), a.bytes_.begin() + a.size_, b.bytes_.begin());
}

std::string Token::to_hex() const {
  std::string s;
  s.reserve(2 * size_);
  for (std::size_t i = 0; i < size_; ++i) {
    s.push_back(hex_digits[bytes_[i] >> 4]);
    s.push_back(hex_digits[bytes_[i] & 0xf]);
  }
  return s;
}

std::optional<std::uint32_t> OptionView::as_uint() const {
  if (value.size() > 4) return std::nullopt;
  std::uint32_t v = 0;
  for (const auto b : value) v = (v << 8) | b;
  return v;
}

// ---------------------------------------------------------------------------------------------------------
// Message.

void Message::clear() {
  type = Type::Con;
  code = codes::Empty;
  message_id = 0;
  token = Token{};
  options_.clear();
  storage_.clear();
  payload_.clear();
}

void Message::add_option(std::uint16_t number, std::span<const std::uint8_t> value) {
  if (value.size() > max_option_length) {
#if defined(__cpp_exceptions)
    throw std::length_error("CoAP option value too long");
#else
    std::abort();  // device builds have no exceptions; the caller broke the precondition
#endif
  }
  const auto offset = static_cast<std::uint32_t>(storage_.size());
  const auto length = static_cast<std::uint32_t>(value.size());
  if (length != 0) {
    // `value` may point into storage_ itself (copying one of our own options): locate it before
    // resize() can move the buffer.
    const std::uint8_t* src = value.data();
    if (points_into(src, storage_)) {
      const auto src_offset = static_cast<std::size_t>(src - storage_.data());
      storage_.resize(offset + length);
      std::memcpy(storage_.data() + offset, storage_.data() + src_offset, length);
    } else {
      storage_.insert(storage_.end(), src, src + length);  // no zero-filling first
    }
  }
  // Stable insertion after every option with the same or a lower number; parse() appends in order,
  // so the common case is a plain push_back.
  const Entry entry{number, offset, length};
  if (options_.empty() || options_.back().number <= number) {
    options_.push_back(entry);
  } else {
    const auto pos = std::upper_bound(options_.begin(), options_.end(), number,
                                      [](std::uint16_t n, const Entry& e) { return n < e.number; });
    options_.insert(pos, entry);
  }
}

void Message::add_option(std::uint16_t number, std::string_view value) {
  add_option(number, std::span(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
}

void Message::add_uint_option(std::uint16_t number, std::uint32_t value) {
  std::array<std::uint8_t, 4> bytes{};
  const std::size_t n = uint_length(value);
  for (std::size_t i = 0; i < n; ++i)
    bytes[n - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
  add_option(number, std::span<const std::uint8_t>(bytes.data(), n));
}

void Message::remove_option(std::uint16_t number) {
  for (std::size_t i = options_.size(); i-- > 0;)
    if (options_[i].number == number) remove_option_at(i);
}

void Message::remove_option_at(std::size_t index) {
  // Drop the value's bytes too, so that repeated set_uint_option() on a reused Message stays
  // bounded.
  const Entry e = options_[index];
  const auto first = storage_.begin() + static_cast<std::ptrdiff_t>(e.offset);
  storage_.erase(first, first + static_cast<std::ptrdiff_t>(e.length));
  for (auto& other : options_)
    if (other.offset > e.offset) other.offset -= e.length;
  options_.erase(options_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Message::set_uint_option(std::uint16_t number, std::uint32_t value) {
  remove_option(number);
  add_uint_option(number, value);
}

OptionView Message::option(std::size_t index) const {
  const Entry& e = options_[index];
  return {e.number, std::span<const std::uint8_t>(storage_.data() + e.offset, e.length)};
}

std::optional<OptionView> Message::find(std::uint16_t number) const {
  const auto it = std::lower_bound(options_.begin(), options_.end(), number,
                                   [](const Entry& e, std::uint16_t n) { return e.number < n; });
  if (it == options_.end() || it->number != number) return std::nullopt;
  return option(static_cast<std::size_t>(it - options_.begin()));
}

std::optional<std::uint32_t> Message::uint_option(std::uint16_t number) const {
  const auto opt = find(number);
  if (!opt) return std::nullopt;
  return opt->as_uint();
}

std::string Message::uri_path() const {
  if (!has_option(options::UriPath)) return "/";
  std::string path;
  for_each(options::UriPath, [&](OptionView o) {
    path.push_back('/');
    path.append(o.as_string());
  });
  return path;
}

namespace {
// Calls f(item) for every non-empty item of `text` separated by `sep`.
template <typename F>
void split_nonempty(std::string_view text, char sep, F&& f) {
  while (!text.empty()) {
    const auto cut = text.find(sep);
    const auto item = text.substr(0, cut);
    if (!item.empty()) f(item);
    if (cut == std::string_view::npos) break;
    text.remove_prefix(cut + 1);
  }
}
}  // namespace

void Message::set_uri_path(std::string_view path) {
  remove_option(options::UriPath);
  split_nonempty(path, '/', [&](std::string_view seg) { add_option(options::UriPath, seg); });
}

void Message::add_uri_queries(std::string_view query) {
  split_nonempty(query, '&', [&](std::string_view item) { add_option(options::UriQuery, item); });
}

std::span<const std::uint8_t> Message::payload() const {
  return payload_;
}

void Message::set_payload(std::span<const std::uint8_t> bytes) {
  if (!bytes.empty() && points_into(bytes.data(), payload_)) {  // a part of our own payload
    std::memmove(payload_.data(), bytes.data(), bytes.size());
    payload_.resize(bytes.size());
    return;
  }
  payload_.assign(bytes.begin(), bytes.end());
}

void Message::set_payload(std::string_view text) {
  set_payload(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string_view Message::payload_string() const {
  return {reinterpret_cast<const char*>(payload_.data()), payload_.size()};
}

std::size_t Message::wire_size() const {
  std::size_t size = 4 + token.size();
  std::uint32_t previous = 0;
  for (const Entry& e : options_) {
    size += 1 + field_ext_size(e.number - previous) + field_ext_size(e.length) + e.length;
    previous = e.number;
  }
  if (!payload_.empty()) size += 1 + payload_.size();
  return size;
}

bool operator==(const Message& a, const Message& b) {
  if (a.type != b.type || a.code != b.code || a.message_id != b.message_id ||
      !(a.token == b.token) || a.option_count() != b.option_count() ||
      !std::ranges::equal(a.payload(), b.payload()))
    return false;
  for (std::size_t i = 0; i < a.option_count(); ++i) {
    const OptionView x = a.option(i);
    const OptionView y = b.option(i);
    if (x.number != y.number || !std::ranges::equal(x.value, y.value)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Wire codec.

namespace {

// The decoder behind parse() and parse_prefix(). With `cut`, the input ends where the transport cut
// the datagram: an option running past the end ends the decoding instead of failing it, and the
// payload is located (payload_offset) but not kept.
std::optional<ParseFailure> decode(std::span<const std::uint8_t> in, Message& out, bool cut,
                                   std::optional<std::size_t>& payload_offset) {
  payload_offset.reset();
  if (in.size() < 4)
    return ParseFailure{ParseError::TooShort, in.size(), std::nullopt, std::nullopt};
  // §3: a message with an unknown version MUST be silently ignored, so its header fields are not
  // reported (they would invite an RST).
  if ((in[0] >> 6) != 1) return ParseFailure{ParseError::BadVersion, 0, std::nullopt, std::nullopt};

  const auto type = static_cast<Type>((in[0] >> 4) & 3);
  const std::size_t tkl = in[0] & 0x0f;
  const Code code{in[1]};
  const auto mid = static_cast<std::uint16_t>((in[2] << 8) | in[3]);
  const auto fail = [&](ParseError e, std::size_t offset) {
    return ParseFailure{e, offset, type, mid};
  };

  if (tkl > 8) return fail(ParseError::BadTokenLength, 0);
  if (is_reserved_class(code)) return fail(ParseError::BadCodeClass, 1);
  // §4.1: an Empty message is the 4-byte header only.
  if (code.is_empty() && (tkl != 0 || in.size() != 4 || cut))
    return fail(ParseError::BadEmptyMessage, tkl != 0 ? 0 : 4);
  if (in.size() < 4 + tkl) return fail(ParseError::Truncated, 4);

  out.clear();
  out.type = type;
  out.code = code;
  out.message_id = mid;
  out.token = Token(in.subspan(4, tkl));

  std::size_t pos = 4 + tkl;
  std::uint32_t number = 0;
  while (pos < in.size()) {
    const std::size_t start = pos;
    const std::uint8_t head = in[pos++];
    if (head == payload_marker) {
      payload_offset = pos;
      if (cut) break;
      if (pos == in.size()) return fail(ParseError::EmptyPayloadAfterMarker, start);
      out.set_payload(in.subspan(pos));
      break;
    }
    const std::uint8_t delta_nibble = head >> 4;
    const std::uint8_t length_nibble = head & 0x0f;
    if (delta_nibble == 15 || length_nibble == 15)
      return fail(ParseError::ReservedOptionNibble, start);
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    if (!read_field(delta_nibble, in, pos, delta) || !read_field(length_nibble, in, pos, length)) {
      if (cut) break;
      return fail(ParseError::Truncated, pos);
    }
    number += delta;
    if (number > 0xffff) return fail(ParseError::OptionNumberTooLarge, start);
    if (in.size() - pos < length) {
      if (cut) break;
      return fail(ParseError::Truncated, pos);
    }
    if (out.option_count() == Message::max_options) return fail(ParseError::TooManyOptions, start);
    out.add_option(static_cast<std::uint16_t>(number), in.subspan(pos, length));
    pos += length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ParseFailure> parse(std::span<const std::uint8_t> in, Message& out) {
  std::optional<std::size_t> payload_offset;
  return decode(in, out, false, payload_offset);
}

std::optional<ParseFailure> parse_prefix(std::span<const std::uint8_t> in, Message& out,
                                         std::optional<std::size_t>& payload_offset) {
  return decode(in, out, true, payload_offset);
}

void serialize(const Message& msg, std::vector<std::uint8_t>& out) {
  const std::size_t base = out.size();
  out.resize(base + msg.wire_size());
  write_message(msg, out.data() + base);
}

std::size_t serialize(const Message& msg, std::span<std::uint8_t> out) {
  const std::size_t size = msg.wire_size();
  if (out.size() < size) return 0;
  return write_message(msg, out.data());
}

std::optional<std::uint16_t> screen_options(Message& msg) {
  const bool response = !msg.code.is_request();
  std::size_t occurrence = 0;  // of the current number, counted in the message as received
  std::optional<std::uint16_t> previous;
  for (std::size_t i = 0; i < msg.option_count();) {
    const OptionView o = msg.option(i);
    occurrence = previous == o.number ? occurrence + 1 : 0;
    previous = o.number;
    const options::Spec* spec = options::spec(o.number);
    bool unrecognized = spec == nullptr;
    if (spec != nullptr) {
      const bool repeatable = response ? spec->repeatable_in_response : spec->repeatable;
      unrecognized = o.value.size() < spec->min_length || o.value.size() > spec->max_length ||
                     (occurrence > 0 && !repeatable);
    }
    if (unrecognized && options::is_critical(o.number)) return o.number;
    if (unrecognized && spec != nullptr) {
      msg.remove_option_at(i);  // an elective option to ignore
      continue;
    }
    ++i;
  }
  return std::nullopt;
}

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::TooShort:
      return "message shorter than the 4-byte header";
    case ParseError::BadVersion:
      return "unsupported CoAP version";
    case ParseError::BadTokenLength:
      return "token length 9-15 is reserved";
    case ParseError::Truncated:
      return "token or option runs past the end of the message";
    case ParseError::ReservedOptionNibble:
      return "option delta or length nibble 15 is reserved";
    case ParseError::EmptyPayloadAfterMarker:
      return "payload marker followed by an empty payload";
    case ParseError::OptionNumberTooLarge:
      return "option number above 65535";
    case ParseError::BadEmptyMessage:
      return "Empty message (0.00) with token, options or payload";
    case ParseError::BadCodeClass:
      return "reserved code class 1, 6 or 7";
    case ParseError::TooManyOptions:
      return "too many options";
  }
  return "unknown parse error";
}

}  // namespace drover::coap
