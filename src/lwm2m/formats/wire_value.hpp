// Values as the CBOR- and JSON-based formats carry them (a number, a text, a boolean, bytes)
// and their conversion to typed LwM2M values, shared by CBOR, LwM2M CBOR, SenML and OMA JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::lwm2m::detail {

// A number as read from JSON or CBOR. Integers stay exact: Signed holds every integer that fits
// in int64, Unsigned only those above INT64_MAX; anything else is Float.
struct Number {
  enum class Kind : std::uint8_t { Signed, Unsigned, Float };
  Kind kind = Kind::Signed;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0;

  static Number of(std::int64_t v) { return Number{Kind::Signed, v, 0, 0}; }
  static Number of(std::uint64_t v);
  static Number of(double v) { return Number{Kind::Float, 0, 0, v}; }
  double as_double() const;
};

// One decoded value before it is given its LwM2M type.
struct WireValue {
  enum class Kind : std::uint8_t {
    Number,
    Text,
    Boolean,
    Bytes,
    Objlnk,  // text from a field that only carries object links (SenML "vlo", OMA JSON "ov")
  };
  Kind kind = Kind::Number;
  Number number;
  std::string text;
  bool boolean = false;
  Opaque bytes;
  bool time_tag = false;  // a CBOR tag 1 (epoch time) preceded the number
};

// The type `options.types` gives the resource of `path`; nullopt when there is no resolver, the
// resource is unknown, or `path` names no resource.
std::optional<DataType> lookup_type(const DecodeOptions& options, const Path& path);

// Converts `wire` to a value of `type`; without a type, the value keeps the type the wire gives
// it (Integer, UnsignedInteger or Float for numbers, Time for a tagged number, String, Boolean,
// Opaque, Objlnk). Returns why the conversion failed (wrong kind, out of range, not integral,
// malformed object link, invalid UTF-8). `wire` is moved from.
std::optional<std::string> to_value(WireValue& wire, std::optional<DataType> type, Value& out);

// False when `value` is a String or Corelnk that is not valid UTF-8 (text formats cannot carry it).
bool has_valid_text(const Value& value);

// "oid:iid" with decimal IDs 0..65535, nothing else.
std::optional<Objlnk> parse_objlnk(std::string_view text);
std::string objlnk_text(Objlnk link);

}  // namespace drover::lwm2m::detail
