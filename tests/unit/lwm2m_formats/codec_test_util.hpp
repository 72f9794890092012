// Helpers for the CBOR- and JSON-based codec tests: hex and text payloads, and decode/encode
// wrappers that fail the test on an unexpected error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "format_codecs.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m::testing {

using Bytes = std::vector<std::uint8_t>;

// "a1 83 03" -> {0xA1, 0x83, 0x03}; spaces are ignored.
inline Bytes hex(std::string_view text) {
  Bytes out;
  int nibbles = 0;
  unsigned acc = 0;
  for (const char c : text) {
    if (c == ' ') continue;
    const unsigned digit = c >= 'a'   ? static_cast<unsigned>(c - 'a' + 10)
                           : c >= 'A' ? static_cast<unsigned>(c - 'A' + 10)
                                      : static_cast<unsigned>(c - '0');
    acc = acc * 16 + digit;
    if (++nibbles == 2) {
      out.push_back(static_cast<std::uint8_t>(acc));
      nibbles = 0;
      acc = 0;
    }
  }
  return out;
}

inline std::string to_hex(const Bytes& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const std::uint8_t b : bytes) {
    if (!out.empty()) out += ' ';
    out += digits[b >> 4];
    out += digits[b & 0xF];
  }
  return out;
}

inline Bytes text_bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

inline std::string as_text(const Bytes& bytes) {
  return {bytes.begin(), bytes.end()};
}

using DecodeFn = std::optional<FormatError> (*)(std::span<const std::uint8_t>, const Path&,
                                                const DecodeOptions&, std::vector<Record>&);
using EncodeFn = std::optional<FormatError> (*)(std::span<const Record>, const Path&,
                                                std::vector<std::uint8_t>&);

inline std::vector<Record> decode_ok(DecodeFn decode, const Bytes& payload, const Path& base = {},
                                     const DecodeOptions& options = {}) {
  std::vector<Record> records;
  const auto error = decode(payload, base, options, records);
  EXPECT_FALSE(error) << error->message << " at byte " << error->offset;
  return records;
}

inline Bytes encode_ok(EncodeFn encode, const std::vector<Record>& records, const Path& base = {}) {
  Bytes out;
  const auto error = encode(records, base, out);
  EXPECT_FALSE(error) << error->message;
  return out;
}

// The error a decode must give; records already in `out` stay, none is added.
inline FormatError decode_error(DecodeFn decode, const Bytes& payload, const Path& base = {},
                                const DecodeOptions& options = {}) {
  std::vector<Record> records{Record{Path(9, 9, 9), Value(std::int64_t{9}), std::nullopt}};
  const auto error = decode(payload, base, options, records);
  EXPECT_TRUE(error) << "decoded " << records.size() - 1 << " records";
  EXPECT_EQ(records.size(), 1u);
  return error.value_or(FormatError{});
}

inline Record rec(Path path, Value value = {}, std::optional<double> time = std::nullopt) {
  return Record{path, std::move(value), time};
}

// Resource types of the Device object (3) and a few others the examples use.
inline MapResolver example_types() {
  MapResolver types;
  for (const int id : {0, 1, 2, 3, 14, 15, 16})
    types.set(3, static_cast<std::uint16_t>(id), DataType::String);
  for (const int id : {6, 7, 8, 11})
    types.set(3, static_cast<std::uint16_t>(id), DataType::Integer, true);
  types.set(3, 9, DataType::Integer).set(3, 10, DataType::Integer).set(3, 13, DataType::Time);
  types.set(1, 0, DataType::Integer).set(1, 1, DataType::Integer);
  types.set(3311, 5850, DataType::Boolean).set(3311, 5851, DataType::Integer);
  types.set(3303, 5700, DataType::Float);
  types.set(5, 0, DataType::Opaque).set(5, 1, DataType::String);
  types.set(4, 1, DataType::Objlnk).set(4, 2, DataType::Corelnk);
  types.set(4, 3, DataType::UnsignedInteger).set(4, 4, DataType::Float);
  types.set(3308, 5900, DataType::Float);
  // The objects of the Core TS SenML examples: 72 (a sensor with history), and 65, 66, 67 whose
  // object links chain them.
  types.set(72, 2, DataType::Float);
  types.set(65, 0, DataType::Objlnk, true).set(65, 1, DataType::String);
  types.set(65, 2, DataType::Integer);
  types.set(66, 0, DataType::String).set(66, 1, DataType::String).set(66, 2, DataType::Objlnk);
  types.set(67, 0, DataType::String).set(67, 1, DataType::String);
  return types;
}

// The records of the Core TS example "Read /3/0" (Device object instance).
inline std::vector<Record> device_records() {
  const auto i = [](std::int64_t v) { return Value(v); };
  return {
      rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
      rec(Path(3, 0, 1), Value("Lightweight M2M Client")),
      rec(Path(3, 0, 2), Value("345000123")),
      rec(Path(3, 0, 3), Value("1.0")),
      rec(Path(3, 0, 6, 0), i(1)),
      rec(Path(3, 0, 6, 1), i(5)),
      rec(Path(3, 0, 7, 0), i(3800)),
      rec(Path(3, 0, 7, 1), i(5000)),
      rec(Path(3, 0, 8, 0), i(125)),
      rec(Path(3, 0, 8, 1), i(900)),
      rec(Path(3, 0, 9), i(100)),
      rec(Path(3, 0, 10), i(15)),
      rec(Path(3, 0, 11, 0), i(0)),
      rec(Path(3, 0, 13), Value(Time{1367491215})),
      rec(Path(3, 0, 14), Value("+02:00")),
      rec(Path(3, 0, 16), Value("U")),
  };
}

// The records of Core TS 1.1 §7.4.4 Table 7.4.4-3 (a historical notification of /72/1/2): base
// time 25462634 with values 5, 30 and 50 s before it. A time below 2^28 is relative to now
// (RFC 8428 §4.5.3), so the decoder adds `now`.
inline std::vector<Record> historical_records(double now) {
  const Path sensor(72, 1, 2);
  return {rec(sensor, Value(22.4), now + 25462629), rec(sensor, Value(22.9), now + 25462604),
          rec(sensor, Value(24.1), now + 25462584)};
}

// The records of Core TS 1.1 §7.4.4 Table 7.4.4-4 (Read "/" of objects 65, 66 and 67, linked by
// object links; 66/1 holds the null link).
inline std::vector<Record> object_link_records() {
  return {
      rec(Path(65, 0, 0, 0), Value(Objlnk{66, 0})),
      rec(Path(65, 0, 0, 1), Value(Objlnk{66, 1})),
      rec(Path(65, 0, 1), Value("8613800755500")),
      rec(Path(65, 0, 2), Value(std::int64_t{1})),
      rec(Path(66, 0, 0), Value("myService1")),
      rec(Path(66, 0, 1), Value("Internet.15.234")),
      rec(Path(66, 0, 2), Value(Objlnk{67, 0})),
      rec(Path(66, 1, 0), Value("myService2")),
      rec(Path(66, 1, 1), Value("Internet.15.235")),
      rec(Path(66, 1, 2), Value(Objlnk{65535, 65535})),
      rec(Path(67, 0, 0), Value("85.76.76.84")),
      rec(Path(67, 0, 1), Value("85.76.255.255")),
  };
}

// Checks a SenML codec against Table 7.4.4-4: `example` (with the null link "65535:65535") gives
// the records, `erratum` (the spec's own "FFFF:FFFF") is refused for that resource, and the
// codec's own encoding of the records reads back the same.
inline void check_object_link_example(DecodeFn decode, EncodeFn encode, const Bytes& example,
                                      const Bytes& erratum) {
  const auto types = example_types();
  DecodeOptions options;
  options.types = &types;
  EXPECT_EQ(decode_ok(decode, example, {}, options), object_link_records());
  const auto error = decode_error(decode, erratum, {}, options);
  EXPECT_EQ(error.kind, FormatErrorKind::TypeMismatch);
  EXPECT_EQ(error.path, Path(66, 1, 2));
  EXPECT_EQ(decode_ok(decode, encode_ok(encode, object_link_records()), {}, options),
            object_link_records());
}

// Core TS 1.1 §7.4.4 Tables 7.4.4-6 and 7.4.4-7: a Read-Composite request and its answer.
inline std::vector<Record> composite_request_records() {
  return {rec(Path(3, 0, 0)), rec(Path(3, 0, 9)), rec(Path(1, 0, 1))};
}

inline std::vector<Record> composite_response_records() {
  return {rec(Path(3, 0, 0), Value("Open Mobile Alliance")),
          rec(Path(3, 0, 9), Value(std::int64_t{95})),
          rec(Path(1, 0, 1), Value(std::int64_t{86400}))};
}

// Core TS 1.1 §7.4.4 Table 7.4.4-8: a Write-Composite of light controls and a set point.
inline std::vector<Record> write_composite_records() {
  return {rec(Path(3311, 0, 5850), Value(false)), rec(Path(3311, 1, 5850), Value(false)),
          rec(Path(3311, 2, 5851), Value(std::int64_t{20})), rec(Path(3308, 0, 5900), Value(18.0))};
}

}  // namespace drover::lwm2m::testing
