// Values as the CBOR- and JSON-based formats carry them (a number, a text, a boolean, bytes)
// and their conversion to typed LwM2M values, shared by CBOR, LwM2M CBOR, SenML and OMA JSON.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::lwm2m::detail {

// Whether `d` is a finite whole number. Not std::trunc, which is libm's: the formats need no
// maths library, whose mapping would be a device program's largest after the C library's.
inline bool is_whole(double d) {
  constexpr double two_pow_52 = 4503599627370496.0;  // every double from here on is whole
  if (!(d > -two_pow_52 && d < two_pow_52)) return std::isfinite(d);
  return static_cast<double>(static_cast<std::int64_t>(d)) == d;
}

// `d` as an int64 if it is a whole number in its range.
inline std::optional<std::int64_t> exact_int64(double d) {
  constexpr double two_pow_63 = 9223372036854775808.0;
  if (!is_whole(d) || d < -two_pow_63 || d >= two_pow_63) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

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

// Writes `value` with the one call of `out` that its kind of wire value takes: text,
// signed_integer, unsigned_integer, floating, boolean or bytes (a Time as its seconds, an Objlnk
// as its text). What a format adds around a value (a label, a time tag) is the caller's.
// Precondition: `value` is not None.
template <typename Out>
void write_wire_value(Out& out, const Value& value) {
  switch (value.type()) {
    case DataType::String:
      return out.text(value.get<std::string>());
    case DataType::Corelnk:
      return out.text(value.get<Corelnk>().text);
    case DataType::Integer:
      return out.signed_integer(value.get<std::int64_t>());
    case DataType::UnsignedInteger:
      return out.unsigned_integer(value.get<std::uint64_t>());
    case DataType::Time:
      return out.signed_integer(value.get<Time>().seconds);
    case DataType::Float:
      return out.floating(value.get<double>());
    case DataType::Boolean:
      return out.boolean(value.get<bool>());
    case DataType::Opaque:
      return out.bytes(value.get<Opaque>());
    case DataType::Objlnk:
      return out.text(objlnk_text(value.get<Objlnk>()));
    case DataType::None:
      return;
  }
}

}  // namespace drover::lwm2m::detail
