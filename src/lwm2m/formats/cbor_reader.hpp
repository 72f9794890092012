// A pull reader of CBOR (RFC 8949) over a byte span, for the CBOR-based content formats.
//
// It reads one data item at a time: heads of every major type, definite and indefinite lengths,
// indefinite strings chunk by chunk, half/single/double floats, tags and simple values. It never
// reads past the end of its input, bounds container nesting, checks lengths against the bytes
// left before trusting them, and allocates nothing except into the caller's outputs. Every error
// carries the byte offset of the offending item.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "wire_value.hpp"

namespace drover::lwm2m::detail {

enum class CborType : std::uint8_t {
  Unsigned,  // major type 0
  Negative,  // major type 1
  Bytes,     // major type 2
  Text,      // major type 3
  Array,     // major type 4
  Map,       // major type 5
  Tag,       // major type 6
  False,
  True,
  Null,
  Undefined,
  Simple,  // any other simple value
  Float,   // half, single or double
  Break,   // the "break" stop code of an indefinite-length item
};

// Position within an array or map being read (see CborReader::next).
struct CborContainer {
  bool indefinite = false;
  std::uint64_t remaining = 0;  // elements, or key/value pairs for a map
};

class CborReader {
 public:
  static constexpr std::size_t default_max_depth = 16;

  explicit CborReader(std::span<const std::uint8_t> in, std::size_t max_depth = default_max_depth)
      : in_(in), max_depth_(max_depth) {}

  std::size_t offset() const { return pos_; }
  bool at_end() const { return pos_ == in_.size(); }
  // Error unless the whole input has been read.
  std::optional<FormatError> expect_end() const;

  // The type of the next item, without consuming anything.
  std::optional<FormatError> peek(CborType& type) const;

  // Major type 0 or 1. Negative values below INT64_MIN come back as the nearest Float.
  std::optional<FormatError> read_integer(Number& out);
  // An integer or a float.
  std::optional<FormatError> read_number(Number& out);
  // A text string (definite or chunked), UTF-8 checked, appended to `out`.
  std::optional<FormatError> read_text(std::string& out);
  // A byte string (definite or chunked), appended to `out`.
  std::optional<FormatError> read_bytes(std::vector<std::uint8_t>& out);
  std::optional<FormatError> read_bool(bool& out);
  std::optional<FormatError> read_null();
  std::optional<FormatError> read_tag(std::uint64_t& tag);
  // Consumes the tags (if any) before the next item; sets `epoch_time` when one of them is
  // tag 1 (epoch-based date/time). Other tags are ignored, as RFC 8949 §3.4 allows.
  std::optional<FormatError> skip_tags(bool& epoch_time);

  // Enters an array or map; then call next() before each element (each key/value pair).
  std::optional<FormatError> enter_array(CborContainer& container);
  std::optional<FormatError> enter_map(CborContainer& container);
  // Sets `more` when another element (pair) follows; otherwise consumes the end of the
  // container (the break code when indefinite) and leaves it.
  std::optional<FormatError> next(CborContainer& container, bool& more);

  // Skips one complete item of any type (tags included).
  std::optional<FormatError> skip();

 private:
  struct Head {
    std::uint8_t major = 0;
    std::uint8_t info = 0;       // additional information (low 5 bits)
    std::uint64_t argument = 0;  // value, length, count, tag number or simple value
    bool indefinite = false;
    std::size_t size = 0;  // bytes of the head itself
  };

  std::optional<FormatError> read_head(std::size_t at, Head& head) const;
  std::optional<FormatError> expect(CborType wanted, std::string_view what, Head& head);
  std::optional<FormatError> read_string(std::uint8_t major, std::string* text,
                                         std::vector<std::uint8_t>* bytes);
  std::optional<FormatError> enter(std::uint8_t major, CborContainer& container);
  FormatError error(std::size_t at, std::string message,
                    FormatErrorKind kind = FormatErrorKind::Malformed) const;

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::size_t max_depth_;
};

}  // namespace drover::lwm2m::detail
