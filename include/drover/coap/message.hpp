// CoAP messages (RFC 7252 §3): an owned, reusable representation and its wire codec.
//
// A Message keeps its option values and payload in one byte buffer that is reused across
// clear() calls, so a parse/serialize loop over a reused Message does not allocate once warm.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace drover::coap {

enum class Type : std::uint8_t { Con = 0, Non = 1, Ack = 2, Rst = 3 };

// A code "c.dd" packed as (c << 5) | dd.
struct Code {
  std::uint8_t value = 0;

  constexpr Code() = default;
  constexpr explicit Code(std::uint8_t v) : value(v) {}
  constexpr Code(std::uint8_t cls, std::uint8_t detail)
      : value(static_cast<std::uint8_t>((cls << 5) | (detail & 0x1f))) {}
  constexpr std::uint8_t cls() const { return static_cast<std::uint8_t>(value >> 5); }
  constexpr std::uint8_t detail() const { return value & 0x1f; }
  constexpr bool is_empty() const { return value == 0; }
  constexpr bool is_request() const { return cls() == 0 && value != 0; }
  constexpr bool is_response() const { return cls() >= 2 && cls() <= 5; }
  constexpr bool is_success() const { return cls() == 2; }
  friend constexpr bool operator==(Code, Code) = default;
  std::string to_string() const;  // "2.05"
};

namespace codes {
inline constexpr Code Empty{0, 0};
inline constexpr Code Get{0, 1};
inline constexpr Code Post{0, 2};
inline constexpr Code Put{0, 3};
inline constexpr Code Delete{0, 4};
inline constexpr Code Fetch{0, 5};
inline constexpr Code Patch{0, 6};
inline constexpr Code IPatch{0, 7};
inline constexpr Code Created{2, 1};
inline constexpr Code Deleted{2, 2};
inline constexpr Code Valid{2, 3};
inline constexpr Code Changed{2, 4};
inline constexpr Code Content{2, 5};
inline constexpr Code Continue{2, 31};
inline constexpr Code BadRequest{4, 0};
inline constexpr Code Unauthorized{4, 1};
inline constexpr Code BadOption{4, 2};
inline constexpr Code Forbidden{4, 3};
inline constexpr Code NotFound{4, 4};
inline constexpr Code MethodNotAllowed{4, 5};
inline constexpr Code NotAcceptable{4, 6};
inline constexpr Code RequestEntityIncomplete{4, 8};
inline constexpr Code Conflict{4, 9};
inline constexpr Code PreconditionFailed{4, 12};
inline constexpr Code RequestEntityTooLarge{4, 13};
inline constexpr Code UnsupportedContentFormat{4, 15};
inline constexpr Code InternalServerError{5, 0};
inline constexpr Code NotImplemented{5, 1};
inline constexpr Code BadGateway{5, 2};
inline constexpr Code ServiceUnavailable{5, 3};
inline constexpr Code GatewayTimeout{5, 4};
}  // namespace codes

// Option numbers (RFC 7252 §5.10, RFC 7641, RFC 7959, RFC 7967, RFC 8613).
namespace options {
inline constexpr std::uint16_t IfMatch = 1;
inline constexpr std::uint16_t UriHost = 3;
inline constexpr std::uint16_t ETag = 4;
inline constexpr std::uint16_t IfNoneMatch = 5;
inline constexpr std::uint16_t Observe = 6;
inline constexpr std::uint16_t UriPort = 7;
inline constexpr std::uint16_t LocationPath = 8;
inline constexpr std::uint16_t Oscore = 9;
inline constexpr std::uint16_t UriPath = 11;
inline constexpr std::uint16_t ContentFormat = 12;
inline constexpr std::uint16_t MaxAge = 14;
inline constexpr std::uint16_t UriQuery = 15;
inline constexpr std::uint16_t Accept = 17;
inline constexpr std::uint16_t LocationQuery = 20;
inline constexpr std::uint16_t Block2 = 23;
inline constexpr std::uint16_t Block1 = 27;
inline constexpr std::uint16_t Size2 = 28;
inline constexpr std::uint16_t ProxyUri = 35;
inline constexpr std::uint16_t ProxyScheme = 39;
inline constexpr std::uint16_t Size1 = 60;
inline constexpr std::uint16_t NoResponse = 258;

// RFC 7252 §5.4.1: odd option numbers are critical.
constexpr bool is_critical(std::uint16_t number) { return (number & 1) != 0; }

// RFC 7252 §3.2 option value formats.
enum class Format : std::uint8_t { Empty, Opaque, Uint, String };

// What the defining RFC says about a known option (the table of RFC 7252 §5.10, and RFC 7641 §2,
// RFC 7959 §2.1 and §4, RFC 7967 §2, RFC 8613 §2).
struct Spec {
  std::uint16_t number;
  Format format;
  std::uint16_t min_length;  // bytes
  std::uint16_t max_length;
  bool repeatable;              // in a request
  bool repeatable_in_response;  // differs only for ETag (§5.10.6.1: once in a response)
};

// The spec of a known option; nullptr for an option this implementation does not know.
const Spec* spec(std::uint16_t number);
// True for the options this implementation understands (others are unrecognized: §5.4.1).
bool is_known(std::uint16_t number);
}  // namespace options

// A token of 0 to 8 bytes, stored inline.
class Token {
 public:
  Token() = default;
  explicit Token(std::span<const std::uint8_t> bytes);  // at most 8 bytes; longer input is cut to 8
  std::span<const std::uint8_t> bytes() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint64_t as_u64() const;  // the bytes as a big-endian number (for hashing and maps)
  friend bool operator==(const Token& a, const Token& b);
  std::string to_hex() const;

 private:
  std::array<std::uint8_t, 8> bytes_{};
  std::uint8_t size_ = 0;
};

// One option as stored in a Message: its number and a view of its value inside the message.
struct OptionView {
  std::uint16_t number = 0;
  std::span<const std::uint8_t> value;

  std::string_view as_string() const {
    return {reinterpret_cast<const char*>(value.data()), value.size()};
  }
  // The value as an unsigned integer (RFC 7252 §3.2 uint format); nullopt if longer than 4 bytes.
  std::optional<std::uint32_t> as_uint() const;
};

enum class ParseError : std::uint8_t {
  TooShort,              // fewer than 4 bytes
  BadVersion,            // version is not 1
  BadTokenLength,        // TKL 9..15
  Truncated,             // token, option or option extension runs past the end
  ReservedOptionNibble,  // delta or length nibble 15 outside the payload marker
  EmptyPayloadAfterMarker,
  OptionNumberTooLarge,  // option number above 65535
  BadEmptyMessage,       // code 0.00 with a token, options or payload
  BadCodeClass,          // code class 1, 6 or 7 (reserved)
  TooManyOptions,        // more options than Message::max_options
};
std::string_view to_string(ParseError);

// What a parse failure lets a receiver still answer with (RFC 7252 §4.2, §4.3).
struct ParseFailure {
  ParseError error;
  std::size_t offset = 0;            // byte offset where the problem was found
  std::optional<Type> type;          // header fields, when at least 4 bytes were read
  std::optional<std::uint16_t> message_id;
};

class Message {
 public:
  static constexpr std::size_t max_options = 64;
  // Largest value the option length field can express (§3.1: 65535 + 269).
  static constexpr std::size_t max_option_length = 65535 + 269;

  Type type = Type::Con;
  Code code = codes::Empty;
  std::uint16_t message_id = 0;
  Token token;

  // Removes everything but keeps the allocated capacity.
  void clear();

  // Options are kept sorted by number; repeated options keep their insertion order.
  // Throws std::length_error (aborts without exceptions) if value is over max_option_length.
  // The options' count is not bounded here (local code builds); parse() enforces max_options.
  void add_option(std::uint16_t number, std::span<const std::uint8_t> value);
  void add_option(std::uint16_t number, std::string_view value);
  void add_uint_option(std::uint16_t number, std::uint32_t value);  // minimal-length encoding
  void remove_option(std::uint16_t number);                          // all instances
  void remove_option_at(std::size_t index);                          // the index-th option
  void set_uint_option(std::uint16_t number, std::uint32_t value);   // replace all instances

  std::size_t option_count() const { return options_.size(); }
  OptionView option(std::size_t index) const;
  std::optional<OptionView> find(std::uint16_t number) const;  // first instance
  std::optional<std::uint32_t> uint_option(std::uint16_t number) const;
  bool has_option(std::uint16_t number) const { return find(number).has_value(); }

  // Calls f(OptionView) for every instance of `number`, in order.
  template <typename F>
  void for_each(std::uint16_t number, F&& f) const {
    for (std::size_t i = 0; i < options_.size(); ++i)
      if (options_[i].number == number) f(option(i));
  }

  // Uri-Path segments joined with '/', with a leading '/' ("/" when there is none).
  std::string uri_path() const;
  // Sets Uri-Path options from "/a/b/c" (empty segments are dropped).
  void set_uri_path(std::string_view path);
  // Adds one Uri-Query option per '&'-separated item of "a=1&b".
  void add_uri_queries(std::string_view query);

  std::span<const std::uint8_t> payload() const;
  void set_payload(std::span<const std::uint8_t> bytes);
  void set_payload(std::string_view text);
  std::string_view payload_string() const;

  // RFC 7252 §4.1: an Empty message (code 0.00) has no token, options or payload.
  bool is_empty_message() const { return code.is_empty(); }

  // Wire size of serialize() (header + token + options + marker + payload).
  std::size_t wire_size() const;

  // Same header fields, token, options (numbers and values, in order) and payload.
  friend bool operator==(const Message& a, const Message& b);

 private:
  struct Entry {
    std::uint16_t number;
    std::uint32_t offset;
    std::uint32_t length;
  };
  std::vector<Entry> options_;
  std::vector<std::uint8_t> storage_;  // option values, then nothing; payload lives separately
  std::vector<std::uint8_t> payload_;
};

// Decodes `bytes` into `out` (cleared first). On failure, `out` is unspecified.
// Reports as much as it could read so the caller can RST a malformed CON (§4.2).
std::optional<ParseFailure> parse(std::span<const std::uint8_t> bytes, Message& out);

// Decodes the start of a datagram that the transport cut short (it did not fit the receive
// buffer): the header, the token and every option that ends before the cut. The payload is not
// kept; `payload_offset` is where it starts when its marker lies before the cut, else nullopt.
// Fails like parse() on what is there, and with Truncated when the token itself is cut.
std::optional<ParseFailure> parse_prefix(std::span<const std::uint8_t> bytes, Message& out,
                                         std::optional<std::size_t>& payload_offset);

// Appends the wire form of `msg` to `out`.
void serialize(const Message& msg, std::vector<std::uint8_t>& out);

// Writes the wire form into `out`; returns the number of bytes written, or 0 if `out` is too small.
std::size_t serialize(const Message& msg, std::span<std::uint8_t> out);

// Applies RFC 7252 §5.4 to the options of a received message. An option is unrecognized when it
// is unknown, when its length lies outside its spec's range (§5.4.3), or when it repeats an option
// that may occur once (every occurrence after the first, §5.4.5). Known options unrecognized this
// way are removed when elective (they MUST be ignored); unknown elective ones are kept for the
// application, which may know them. Returns the first unrecognized critical option, if any: it
// makes a request 4.02 Bad Option and a response rejected (§5.4.1).
std::optional<std::uint16_t> screen_options(Message& msg);

}  // namespace drover::coap
