// LwM2M data types (Core TS Appendix C) and the values and records every content format uses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "drover/lwm2m/model/path.hpp"

namespace drover::lwm2m {

enum class DataType : std::uint8_t {
  None,             // no value (Execute resources, or a path without a value)
  String,           // UTF-8
  Integer,          // signed 64-bit
  UnsignedInteger,  // unsigned 64-bit
  Float,            // 64-bit IEEE 754 (32-bit accepted on input)
  Boolean,
  Opaque,           // bytes
  Time,             // signed seconds since 1970-01-01 UTC
  Objlnk,           // object link "o:i"
  Corelnk,          // RFC 6690 link text
};
std::string_view to_string(DataType);
std::optional<DataType> data_type_from_string(std::string_view);  // DDF names: "Integer", "Unsigned Integer", ...

struct Objlnk {
  std::uint16_t object_id = 0;
  std::uint16_t instance_id = 0;
  friend auto operator<=>(const Objlnk&, const Objlnk&) = default;
};

struct Time {
  std::int64_t seconds = 0;
  friend auto operator<=>(const Time&, const Time&) = default;
};

struct Corelnk {
  std::string text;
  friend auto operator<=>(const Corelnk&, const Corelnk&) = default;
};

using Opaque = std::vector<std::uint8_t>;

// One LwM2M value. The alternative index follows DataType.
class Value {
 public:
  using Storage = std::variant<std::monostate, std::string, std::int64_t, std::uint64_t, double, bool,
                               Opaque, Time, Objlnk, Corelnk>;

  Value() = default;
  Value(std::string v) : v_(std::move(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(std::int64_t v) : v_(v) {}
  Value(std::uint64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(bool v) : v_(v) {}
  Value(Opaque v) : v_(std::move(v)) {}
  Value(Time v) : v_(v) {}
  Value(Objlnk v) : v_(v) {}
  Value(Corelnk v) : v_(std::move(v)) {}

  DataType type() const { return static_cast<DataType>(v_.index()); }
  bool is_none() const { return v_.index() == 0; }

  template <typename T>
  const T* get_if() const { return std::get_if<T>(&v_); }
  template <typename T>
  const T& get() const { return std::get<T>(v_); }
  const Storage& storage() const { return v_; }

  // Equality treats two NaN floats as equal, so that round-trip tests can compare values.
  friend bool operator==(const Value& a, const Value& b);

  // A short human-readable rendering ("42", "\"text\"", "0x0a0b", "3:0", "t=1700000000").
  std::string debug_string() const;

 private:
  Storage v_;
};

// One (path, value, time) tuple: the flat form every content format encodes and decodes.
// `time` is absolute seconds since the epoch when the format carried a time (SenML bt+t, LwM2M CBOR
// timestamps); relative SenML times are resolved by the decoder against its `now` argument.
struct Record {
  Path path;
  Value value;  // None for a path without value (Read-Composite requests, Execute)
  std::optional<double> time;
  friend bool operator==(const Record&, const Record&) = default;
};

// What a decoder needs to know about a resource to pick its type and shape: formats such as
// TLV and plain text carry no types, and SenML numbers do not say integer, float or time.
struct ResourceShape {
  DataType type = DataType::Opaque;
  bool multiple = false;
};

class TypeResolver {
 public:
  virtual ~TypeResolver() = default;
  virtual std::optional<ResourceShape> lookup(std::uint16_t object_id,
                                              std::uint16_t resource_id) const = 0;
};

}  // namespace drover::lwm2m
