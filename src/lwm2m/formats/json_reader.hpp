// A strict pull reader of JSON (RFC 8259) for SenML JSON and OMA JSON.
//
// It reads one value at a time, never past the end of its input, with bounded nesting. Numbers
// keep integers exact (int64 / uint64) and convert the rest to the nearest double; strings
// decode every escape, \uXXXX surrogate pairs included, to UTF-8 and must be valid UTF-8
// themselves. Errors carry the byte offset where the problem was found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drover/lwm2m/formats/content_format.hpp"
#include "wire_value.hpp"

namespace drover::lwm2m::detail {

enum class JsonType : std::uint8_t { Null, Boolean, Number, String, Array, Object };

class JsonReader {
 public:
  static constexpr std::size_t default_max_depth = 16;
  static constexpr std::size_t max_supported_depth = 64;

  // `offset_base` is added to every offset reported (when `text` is part of a larger payload).
  explicit JsonReader(std::string_view text, std::size_t max_depth = default_max_depth,
                      std::size_t offset_base = 0);

  std::size_t offset() const { return offset_base_ + pos_; }

  // The type of the next value (skipping whitespace), without consuming it.
  std::optional<FormatError> peek(JsonType& type);

  std::optional<FormatError> read_null();
  std::optional<FormatError> read_bool(bool& out);
  std::optional<FormatError> read_number(Number& out);
  // Replaces `out` with the decoded string.
  std::optional<FormatError> read_string(std::string& out);

  // Enters an array; then call next_element() before each element.
  std::optional<FormatError> begin_array();
  // Sets `more` when another element follows; otherwise consumes the ']'.
  std::optional<FormatError> next_element(bool& more);
  // Enters an object; then call next_member() before each member.
  std::optional<FormatError> begin_object();
  // Sets `more` and reads the member's key (and the ':') when another member follows;
  // otherwise consumes the '}'.
  std::optional<FormatError> next_member(bool& more, std::string& key);

  // Skips one complete value.
  std::optional<FormatError> skip_value();
  // Error unless only whitespace remains.
  std::optional<FormatError> expect_end();

 private:
  void skip_whitespace();
  FormatError error(std::size_t at, std::string message,
                    FormatErrorKind kind = FormatErrorKind::Malformed) const;
  // Reads a string into `out`, or only checks it when `out` is null.
  std::optional<FormatError> scan_string(std::string* out);
  std::optional<FormatError> open(char bracket);
  std::optional<FormatError> literal(std::string_view word);
  std::optional<FormatError> read_hex4(std::size_t at, std::uint32_t& out) const;

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t max_depth_;
  std::size_t offset_base_;
  std::size_t depth_ = 0;
  std::uint64_t first_ = 0;  // bit d: container at depth d has not had an element yet
};

}  // namespace drover::lwm2m::detail
