#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "format_codecs.hpp"
#include "unit/lwm2m_formats/map_resolver.hpp"

namespace drover::lwm2m {
namespace {

using testing::MapResolver;
using Bytes = std::vector<std::uint8_t>;

// "C8 00 14" -> {0xC8, 0x00, 0x14}
Bytes hex(std::string_view text) {
  Bytes out;
  int nibbles = 0;
  unsigned acc = 0;
  for (const char c : text) {
    if (c == ' ') continue;
    acc = acc * 16 + static_cast<unsigned>(c >= 'A' ? c - 'A' + 10 : c - '0');
    if (++nibbles == 2) {
      out.push_back(static_cast<std::uint8_t>(acc));
      nibbles = 0;
      acc = 0;
    }
  }
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes text_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

Record rec(const Path& path, Value value = {}) {
  return Record{path, std::move(value), std::nullopt};
}

// Device (3) and Access Control (2) resource types from their object definitions.
const MapResolver& core_types() {
  static const MapResolver types = [] {
    MapResolver t;
    for (const int r : {0, 1, 2, 3, 14, 15, 16})
      t.set(3, static_cast<std::uint16_t>(r), DataType::String);
    for (const int r : {4, 5, 12}) t.set(3, static_cast<std::uint16_t>(r), DataType::None);
    for (const int r : {6, 7, 8, 11})
      t.set(3, static_cast<std::uint16_t>(r), DataType::Integer, true);
    for (const int r : {9, 10}) t.set(3, static_cast<std::uint16_t>(r), DataType::Integer);
    t.set(3, 13, DataType::Time);
    t.set(2, 0, DataType::Integer).set(2, 1, DataType::Integer).set(2, 3, DataType::Integer);
    t.set(2, 2, DataType::Integer, true);
    return t;
  }();
  return types;
}

// Types of the test object 1000: one resource per data type.
const MapResolver& all_types() {
  static const MapResolver types = [] {
    MapResolver t;
    t.set(1000, 0, DataType::String)
        .set(1000, 1, DataType::Integer)
        .set(1000, 2, DataType::UnsignedInteger);
    t.set(1000, 3, DataType::Float).set(1000, 4, DataType::Boolean).set(1000, 5, DataType::Opaque);
    t.set(1000, 6, DataType::Time).set(1000, 7, DataType::Objlnk).set(1000, 8, DataType::Corelnk);
    t.set(1000, 9, DataType::Integer, true);
    return t;
  }();
  return types;
}

DecodeOptions with(const TypeResolver& types) {
  DecodeOptions options;
  options.types = &types;
  return options;
}

std::vector<Record> decode_ok(const Bytes& payload, const Path& base,
                              const DecodeOptions& options) {
  std::vector<Record> out;
  const auto error = detail::decode_tlv(payload, base, options, out);
  EXPECT_FALSE(error) << error->message << " at " << error->offset;
  return out;
}

FormatError decode_fails(const Bytes& payload, const Path& base,
                         const DecodeOptions& options = {}) {
  std::vector<Record> out{rec(Path(9, 9, 9), Value("kept"))};
  const auto error = detail::decode_tlv(payload, base, options, out);
  EXPECT_TRUE(error);
  EXPECT_EQ(out.size(), 1u) << "a failed decode must not leave records behind";
  return error.value_or(FormatError{});
}

Bytes encode_ok(const std::vector<Record>& records, const Path& base) {
  Bytes out;
  const auto error = detail::encode_tlv(records, base, out);
  EXPECT_FALSE(error) << error->message;
  return out;
}

FormatError encode_fails(const std::vector<Record>& records, const Path& base) {
  Bytes out{0x55};
  const auto error = detail::encode_tlv(records, base, out);
  EXPECT_TRUE(error);
  EXPECT_EQ(out, Bytes{0x55}) << "a failed encode must not leave bytes behind";
  return error.value_or(FormatError{});
}

// Core TS TLV example "Single Object Instance": Read /3/0 of a Device object. Bytes written out
// from the TLV layout, one line per resource.
const Bytes device_instance_body = concat({
    hex("C8 00 14"), text_bytes("Open Mobile Alliance"),    // 0 Manufacturer
    hex("C8 01 16"), text_bytes("Lightweight M2M Client"),  // 1 Model Number
    hex("C8 02 09"), text_bytes("345000123"),               // 2 Serial Number
    hex("C3 03"), text_bytes("1.0"),                        // 3 Firmware Version
    hex("86 06 41 00 01 41 01 05"),                         // 6 Available Power Sources {1, 5}
    hex("88 07 08 42 00 0E D8 42 01 13 88"),                // 7 Power Source Voltage {3800, 5000}
    hex("87 08 41 00 7D 42 01 03 84"),                      // 8 Power Source Current {125, 900}
    hex("C1 09 64"),                                        // 9 Battery Level 100
    hex("C1 0A 0F"),                                        // 10 Memory Free 15
    hex("83 0B 41 00 00"),                                  // 11 Error Code {0}
    hex("C4 0D 51 82 42 8F"),                               // 13 Current Time
    hex("C6 0E"), text_bytes("+02:00"),                     // 14 UTC Offset
    hex("C1 10 55"),                                        // 16 Supported Binding "U"
});

std::vector<Record> device_instance_records(std::uint16_t iid = 0) {
  const auto r = [iid](std::uint16_t id) { return Path(3, iid, id); };
  const auto ri = [iid](std::uint16_t id, std::uint16_t i) { return Path(3, iid, id, i); };
  return {
      rec(r(0), Value("Open Mobile Alliance")),
      rec(r(1), Value("Lightweight M2M Client")),
      rec(r(2), Value("345000123")),
      rec(r(3), Value("1.0")),
      rec(ri(6, 0), Value(std::int64_t{1})),
      rec(ri(6, 1), Value(std::int64_t{5})),
      rec(ri(7, 0), Value(std::int64_t{3800})),
      rec(ri(7, 1), Value(std::int64_t{5000})),
      rec(ri(8, 0), Value(std::int64_t{125})),
      rec(ri(8, 1), Value(std::int64_t{900})),
      rec(r(9), Value(std::int64_t{100})),
      rec(r(10), Value(std::int64_t{15})),
      rec(ri(11, 0), Value(std::int64_t{0})),
      rec(r(13), Value(Time{0x5182428F})),
      rec(r(14), Value("+02:00")),
      rec(r(16), Value("U")),
  };
}

TEST(TlvFormat, DeviceInstanceGoldenBytes) {
  ASSERT_EQ(device_instance_body.size(), 0x79u);
  EXPECT_EQ(encode_ok(device_instance_records(), Path(3, 0)), device_instance_body);
  EXPECT_EQ(decode_ok(device_instance_body, Path(3, 0), with(core_types())),
            device_instance_records());
}

TEST(TlvFormat, DeviceObjectWrapsTheInstance) {
  const Bytes wrapped = concat({hex("08 00 79"), device_instance_body});
  EXPECT_EQ(encode_ok(device_instance_records(), Path(3)), wrapped);
  EXPECT_EQ(decode_ok(wrapped, Path(3), with(core_types())), device_instance_records());
  // With the instance in the request path the wrapper is optional.
  EXPECT_EQ(decode_ok(wrapped, Path(3, 0), with(core_types())), device_instance_records());
}

TEST(TlvFormat, InstanceWrapperMustMatchTheRequestPath) {
  const Bytes wrapped = concat({hex("08 00 79"), device_instance_body});
  const auto error = decode_fails(wrapped, Path(3, 1), with(core_types()));
  EXPECT_EQ(error.offset, 0u);
  EXPECT_EQ(error.path, Path(3, 0));
}

// Core TS TLV example "Multiple Object Instances": Read /2 of two Access Control instances, the
// second with an ACL instance ID (310) that needs the 16-bit identifier form.
TEST(TlvFormat, AccessControlObjectGoldenBytes) {
  const Bytes payload =
      hex("08 00 0E  C1 00 01  C1 01 00  83 02 41 7F 07  C1 03 7F"
          "08 02 12  C1 00 03  C1 01 00  87 02 41 7F 07 61 01 36 01  C1 03 7F");
  const std::vector<Record> records{
      rec(Path(2, 0, 0), Value(std::int64_t{1})),
      rec(Path(2, 0, 1), Value(std::int64_t{0})),
      rec(Path(2, 0, 2, 127), Value(std::int64_t{7})),
      rec(Path(2, 0, 3), Value(std::int64_t{127})),
      rec(Path(2, 2, 0), Value(std::int64_t{3})),
      rec(Path(2, 2, 1), Value(std::int64_t{0})),
      rec(Path(2, 2, 2, 127), Value(std::int64_t{7})),
      rec(Path(2, 2, 2, 310), Value(std::int64_t{1})),
      rec(Path(2, 2, 3), Value(std::int64_t{127})),
  };
  EXPECT_EQ(encode_ok(records, Path(2)), payload);
  EXPECT_EQ(decode_ok(payload, Path(2), with(core_types())), records);
}

// Core TS TLV example "Multiple Object Instances", case of a Server object with one instance
// (LwM2M 1.0 TS §6.4.3.2 C; the 1.1 Core TS keeps the examples under §7.4.3): Read /1 still wraps
// it in an Object Instance entry. Lifetime 86400 takes 4 bytes.
TEST(TlvFormat, ServerObjectGoldenBytes) {
  const Bytes payload = hex("08 00 0F  C1 00 01  C4 01 00 01 51 80  C1 06 01  C1 07 55");
  MapResolver types;
  types.set(1, 0, DataType::Integer).set(1, 1, DataType::Integer);
  types.set(1, 6, DataType::Boolean).set(1, 7, DataType::String);
  const std::vector<Record> records{
      rec(Path(1, 0, 0), Value(std::int64_t{1})),      // Short Server ID
      rec(Path(1, 0, 1), Value(std::int64_t{86400})),  // Lifetime
      rec(Path(1, 0, 6), Value(true)),                 // Notification Storing
      rec(Path(1, 0, 7), Value("U")),                  // Binding
  };
  EXPECT_EQ(encode_ok(records, Path(1)), payload);
  EXPECT_EQ(decode_ok(payload, Path(1), with(types)), records);
}

// The objects of the Core TS TLV examples "Request on an Object Instance containing an Object
// Link Resource" (LwM2M 1.0 TS §6.4.3.3, 1.1 Core TS §7.4.3): 65 links to instances of 66, which
// link to 67 or hold the null link.
const MapResolver& object_link_types() {
  static const MapResolver types = [] {
    MapResolver t;
    t.set(65, 0, DataType::Objlnk, true).set(65, 1, DataType::String);
    t.set(65, 2, DataType::Integer);
    t.set(66, 0, DataType::String).set(66, 1, DataType::String).set(66, 2, DataType::Objlnk);
    return t;
  }();
  return types;
}

// Example 1: Read /65/0, a multiple Objlnk resource (two 4-byte links) beside a String and a
// 4-byte Integer.
TEST(TlvFormat, ObjectLinkExample1GoldenBytes) {
  const Bytes payload = concat({
      hex("88 00 0C  44 00 00 42 00 00  44 01 00 42 00 01"),  // 0: {66:0, 66:1}
      hex("C8 01 0D"), text_bytes("8613800755500"),           // 1
      hex("C4 02 12 34 56 78"),                               // 2: 0x12345678
  });
  const std::vector<Record> records{
      rec(Path(65, 0, 0, 0), Value(Objlnk{66, 0})),
      rec(Path(65, 0, 0, 1), Value(Objlnk{66, 1})),
      rec(Path(65, 0, 1), Value("8613800755500")),
      rec(Path(65, 0, 2), Value(std::int64_t{0x12345678})),
  };
  EXPECT_EQ(encode_ok(records, Path(65, 0)), payload);
  EXPECT_EQ(decode_ok(payload, Path(65, 0), with(object_link_types())), records);
}

// Example 2: Read /66, two instances whose resource 2 links to 67:0 and is the null link
// 65535:65535 (FF FF FF FF).
TEST(TlvFormat, ObjectLinkExample2GoldenBytes) {
  const Bytes payload = concat({
      hex("08 00 26"),
      hex("C8 00 0B"),
      text_bytes("myService 1"),
      hex("C8 01 0F"),
      text_bytes("Internet.15.234"),
      hex("C4 02 00 43 00 00"),
      hex("08 01 26"),
      hex("C8 00 0B"),
      text_bytes("myService 2"),
      hex("C8 01 0F"),
      text_bytes("Internet.15.235"),
      hex("C4 02 FF FF FF FF"),
  });
  const std::vector<Record> records{
      rec(Path(66, 0, 0), Value("myService 1")),
      rec(Path(66, 0, 1), Value("Internet.15.234")),
      rec(Path(66, 0, 2), Value(Objlnk{67, 0})),
      rec(Path(66, 1, 0), Value("myService 2")),
      rec(Path(66, 1, 1), Value("Internet.15.235")),
      rec(Path(66, 1, 2), Value(Objlnk{65535, 65535})),
  };
  EXPECT_EQ(encode_ok(records, Path(66)), payload);
  EXPECT_EQ(decode_ok(payload, Path(66), with(object_link_types())), records);
}

TEST(TlvFormat, SingleResourceHasNoWrapper) {
  const Bytes payload = concat({hex("C8 00 14"), text_bytes("Open Mobile Alliance")});
  const std::vector<Record> records{rec(Path(3, 0, 0), Value("Open Mobile Alliance"))};
  EXPECT_EQ(encode_ok(records, Path(3, 0, 0)), payload);
  EXPECT_EQ(decode_ok(payload, Path(3, 0, 0), with(core_types())), records);
}

TEST(TlvFormat, MultipleResourceAndResourceInstance) {
  const std::vector<Record> records{rec(Path(3, 0, 6, 0), Value(std::int64_t{1})),
                                    rec(Path(3, 0, 6, 1), Value(std::int64_t{5}))};
  const Bytes multiple = hex("86 06 41 00 01 41 01 05");
  EXPECT_EQ(encode_ok(records, Path(3, 0, 6)), multiple);
  EXPECT_EQ(decode_ok(multiple, Path(3, 0, 6), with(core_types())), records);

  const std::vector<Record> one{records[1]};
  EXPECT_EQ(encode_ok(one, Path(3, 0, 6, 1)), hex("41 01 05"));
  EXPECT_EQ(decode_ok(hex("41 01 05"), Path(3, 0, 6, 1), with(core_types())), one);
  // A multiple resource holding the requested instance is accepted too.
  EXPECT_EQ(decode_ok(hex("83 06 41 01 05"), Path(3, 0, 6, 1), with(core_types())), one);
  // So are bare resource instances under a resource path.
  EXPECT_EQ(decode_ok(hex("41 00 01 41 01 05"), Path(3, 0, 6), with(core_types())), records);
}

TEST(TlvFormat, WrappersLeadingToTheRequestPathAreAccepted) {
  const Bytes payload = hex("08 00 03 C1 09 64");
  const std::vector<Record> records{rec(Path(3, 0, 9), Value(std::int64_t{100}))};
  EXPECT_EQ(decode_ok(payload, Path(3, 0, 9), with(core_types())), records);
  const auto error = decode_fails(payload, Path(3, 0, 10), with(core_types()));
  EXPECT_EQ(error.offset, 3u);
  EXPECT_EQ(error.path, Path(3, 0, 9));
}

TEST(TlvFormat, EmptyContainersAreRecordsWithoutValue) {
  const std::vector<Record> empty_instance{rec(Path(3, 0))};
  EXPECT_EQ(encode_ok(empty_instance, Path(3)), hex("00 00"));
  EXPECT_EQ(encode_ok(empty_instance, Path(3, 0)), hex("00 00"));
  EXPECT_EQ(decode_ok(hex("00 00"), Path(3), {}), empty_instance);
  EXPECT_EQ(decode_ok(hex("00 00"), Path(3, 0), {}), empty_instance);

  const std::vector<Record> empty_multiple{rec(Path(3, 0, 6))};
  EXPECT_EQ(encode_ok(empty_multiple, Path(3, 0, 6)), hex("80 06"));
  EXPECT_EQ(encode_ok(empty_multiple, Path(3, 0)), hex("80 06"));
  EXPECT_EQ(decode_ok(hex("80 06"), Path(3, 0, 6), with(core_types())), empty_multiple);

  // An object without instances reads as an empty payload.
  EXPECT_EQ(encode_ok({rec(Path(5))}, Path(5)), Bytes{});
  EXPECT_EQ(encode_ok({}, Path(5)), Bytes{});
  EXPECT_TRUE(decode_ok({}, Path(5), {}).empty());
}

TEST(TlvFormat, EncodesEveryTypeWithEdgeValues) {
  struct Case {
    std::uint16_t resource;
    Value value;
    const char* bytes;
  };
  const Case cases[] = {
      {0, Value(""), "C0 00"},
      {0, Value("ab"), "C2 00 61 62"},
      {1, Value(std::int64_t{0}), "C1 01 00"},
      {1, Value(std::int64_t{-1}), "C1 01 FF"},
      {1, Value(std::int64_t{127}), "C1 01 7F"},
      {1, Value(std::int64_t{-128}), "C1 01 80"},
      {1, Value(std::int64_t{128}), "C2 01 00 80"},
      {1, Value(std::int64_t{-129}), "C2 01 FF 7F"},
      {1, Value(std::int64_t{32768}), "C4 01 00 00 80 00"},
      {1, Value(std::int64_t{-2147483648}), "C4 01 80 00 00 00"},
      {1, Value(std::int64_t{2147483648}), "C8 01 08 00 00 00 00 80 00 00 00"},
      {1, Value(std::numeric_limits<std::int64_t>::min()), "C8 01 08 80 00 00 00 00 00 00 00"},
      {1, Value(std::numeric_limits<std::int64_t>::max()), "C8 01 08 7F FF FF FF FF FF FF FF"},
      {2, Value(std::uint64_t{255}), "C1 02 FF"},
      {2, Value(std::uint64_t{256}), "C2 02 01 00"},
      {2, Value(std::uint64_t{4294967295}), "C4 02 FF FF FF FF"},
      {2, Value(std::numeric_limits<std::uint64_t>::max()), "C8 02 08 FF FF FF FF FF FF FF FF"},
      {3, Value(1.5), "C4 03 3F C0 00 00"},
      {3, Value(-0.0), "C4 03 80 00 00 00"},
      {3, Value(0.1), "C8 03 08 3F B9 99 99 99 99 99 9A"},
      {3, Value(std::numeric_limits<double>::infinity()), "C4 03 7F 80 00 00"},
      {3, Value(1e300), "C8 03 08 7E 37 E4 3C 88 00 75 9C"},
      {4, Value(true), "C1 04 01"},
      {4, Value(false), "C1 04 00"},
      {5, Value(Opaque{}), "C0 05"},
      {5, Value(Opaque{0xDE, 0xAD}), "C2 05 DE AD"},
      {6, Value(Time{0x5182428F}), "C4 06 51 82 42 8F"},
      {6, Value(Time{-1}), "C1 06 FF"},
      {7, Value(Objlnk{65535, 65535}), "C4 07 FF FF FF FF"},
      {7, Value(Objlnk{3, 1}), "C4 07 00 03 00 01"},
      {8, Value(Corelnk{"</3/0>"}), "C6 08 3C 2F 33 2F 30 3E"},
  };
  for (const auto& c : cases) {
    const Path path(1000, 0, c.resource);
    const std::vector<Record> records{rec(path, c.value)};
    EXPECT_EQ(encode_ok(records, path), hex(c.bytes)) << c.bytes;
    EXPECT_EQ(decode_ok(hex(c.bytes), path, with(all_types())), records) << c.bytes;
  }
}

TEST(TlvFormat, NanKeepsEightBytes) {
  const Path path(1000, 0, 3);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Bytes bytes = encode_ok({rec(path, Value(nan))}, path);
  ASSERT_EQ(bytes.size(), 11u);
  const auto back = decode_ok(bytes, path, with(all_types()));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(std::isnan(back[0].value.get<double>()));
}

TEST(TlvFormat, DecodesEveryIntegerLength) {
  const Path integer(1000, 0, 1);
  const Path unsigned_integer(1000, 0, 2);
  const Path time(1000, 0, 6);
  const auto one = [&](const char* bytes, const Path& path) {
    const auto out = decode_ok(hex(bytes), path, with(all_types()));
    return out.size() == 1 ? out[0].value : Value();
  };
  EXPECT_EQ(one("C1 01 FE", integer), Value(std::int64_t{-2}));
  EXPECT_EQ(one("C2 01 00 05", integer), Value(std::int64_t{5}));
  EXPECT_EQ(one("C2 01 FF FE", integer), Value(std::int64_t{-2}));
  EXPECT_EQ(one("C4 01 FF FF FF FE", integer), Value(std::int64_t{-2}));
  EXPECT_EQ(one("C8 01 08 FF FF FF FF FF FF FF FE", integer), Value(std::int64_t{-2}));
  EXPECT_EQ(one("C1 02 80", unsigned_integer), Value(std::uint64_t{128}));
  EXPECT_EQ(one("C2 02 FF FF", unsigned_integer), Value(std::uint64_t{65535}));
  EXPECT_EQ(one("C4 02 80 00 00 00", unsigned_integer), Value(std::uint64_t{2147483648}));
  EXPECT_EQ(one("C8 02 08 00 00 00 00 00 00 00 01", unsigned_integer), Value(std::uint64_t{1}));
  EXPECT_EQ(one("C8 06 08 00 00 00 00 51 82 42 8F", time), Value(Time{0x5182428F}));
  EXPECT_EQ(one("C8 03 08 3F F8 00 00 00 00 00 00", Path(1000, 0, 3)), Value(1.5));
}

TEST(TlvFormat, DecodesEveryHeaderForm) {
  const Path path(1000, 0, 0);
  const std::vector<Record> a{rec(path, Value("A"))};
  EXPECT_EQ(decode_ok(hex("C1 00 41"), path, with(all_types())), a);
  EXPECT_EQ(decode_ok(hex("C8 00 01 41"), path, with(all_types())), a);        // 8-bit length
  EXPECT_EQ(decode_ok(hex("D0 00 00 01 41"), path, with(all_types())), a);     // 16-bit length
  EXPECT_EQ(decode_ok(hex("D8 00 00 00 01 41"), path, with(all_types())), a);  // 24-bit length
  EXPECT_EQ(decode_ok(hex("DF 00 00 00 01 41"), path, with(all_types())), a);  // bits 2-0 ignored
  EXPECT_EQ(decode_ok(hex("E1 00 00 41"), path, with(all_types())), a);        // 16-bit ID
  EXPECT_EQ(decode_ok(hex("F8 00 00 00 00 01 41"), path, with(all_types())), a);  // both
  const std::vector<Record> wide{rec(Path(1000, 0, 300), Opaque{0x41})};
  EXPECT_EQ(decode_ok(hex("E1 01 2C 41"), Path(1000, 0, 300), {}), wide);
  EXPECT_EQ(encode_ok(wide, Path(1000, 0, 300)), hex("E1 01 2C 41"));
}

TEST(TlvFormat, LongValuesUseLongerLengthFields) {
  const Path path(1000, 0, 5);
  for (const std::size_t size : {7u, 8u, 255u, 256u, 65535u, 65536u, 70000u}) {
    Opaque data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    const std::vector<Record> records{rec(path, Value(data))};
    const Bytes bytes = encode_ok(records, path);
    const std::size_t length_field = size <= 7 ? 0 : size <= 0xFF ? 1 : size <= 0xFFFF ? 2 : 3;
    ASSERT_EQ(bytes.size(), 2 + length_field + size) << size;
    EXPECT_EQ(bytes[0], 0xC0 | (length_field == 0 ? size : length_field << 3)) << size;
    EXPECT_EQ(decode_ok(bytes, path, with(all_types())), records) << size;
  }
}

TEST(TlvFormat, ManyResourceInstancesRoundTrip) {
  std::vector<Record> records;
  for (std::uint16_t i = 0; i < 300; ++i) {
    records.push_back(
        rec(Path(1000, 0, 9, static_cast<std::uint16_t>(i * 200)), Value(std::int64_t{i} - 150)));
  }
  const Bytes bytes = encode_ok(records, Path(1000));
  EXPECT_EQ(bytes[0], 0x10);  // object instance 0 with a 16-bit length
  EXPECT_EQ(decode_ok(bytes, Path(1000), with(all_types())), records);
}

TEST(TlvFormat, UnknownTypesDecodeAsOpaque) {
  const std::vector<Record> expected{rec(Path(3, 0, 9), Value(Opaque{0x64}))};
  EXPECT_EQ(decode_ok(hex("C1 09 64"), Path(3, 0), {}), expected);
  MapResolver empty;
  EXPECT_EQ(decode_ok(hex("C1 09 64"), Path(3, 0), with(empty)), expected);
}

TEST(TlvFormat, EncoderSortsRecords) {
  const std::vector<Record> shuffled{
      rec(Path(3, 1, 9), Value(std::int64_t{1})),
      rec(Path(3, 0, 6, 1), Value(std::int64_t{5})),
      rec(Path(3, 0, 0), Value("x")),
      rec(Path(3, 0, 6, 0), Value(std::int64_t{1})),
  };
  EXPECT_EQ(encode_ok(shuffled, Path(3)),
            hex("08 00 0B C1 00 78 86 06 41 00 01 41 01 05 03 01 C1 09 01"));
}

TEST(TlvFormat, RejectsWrongValueLengths) {
  const auto options = with(all_types());
  EXPECT_EQ(decode_fails(hex("C3 01 00 00 01"), Path(1000, 0, 1), options).path, Path(1000, 0, 1));
  decode_fails(hex("C0 01"), Path(1000, 0, 1), options);
  decode_fails(hex("C3 02 00 00 01"), Path(1000, 0, 2), options);
  decode_fails(hex("C2 03 00 00"), Path(1000, 0, 3), options);
  decode_fails(hex("C2 04 00 01"), Path(1000, 0, 4), options);
  EXPECT_EQ(decode_fails(hex("C1 04 02"), Path(1000, 0, 4), options).offset, 2u);
  decode_fails(hex("C3 06 00 00 01"), Path(1000, 0, 6), options);
  decode_fails(hex("C3 07 00 03 00"), Path(1000, 0, 7), options);
  EXPECT_EQ(decode_fails(hex("C3 00 61 FF 62"), Path(1000, 0, 0), options).offset, 3u);  // UTF-8
  decode_fails(hex("C1 04 00"), Path(3, 0, 4), with(core_types()));  // executable
}

TEST(TlvFormat, RejectsTruncatedInput) {
  const Bytes payload = concat({hex("08 00 79"), device_instance_body});
  for (std::size_t n = 1; n < payload.size(); ++n) {
    const Bytes cut(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
    const auto error = decode_fails(cut, Path(3), with(core_types()));
    EXPECT_LE(error.offset, n) << n;
  }
  EXPECT_EQ(decode_fails(hex("C8"), Path(3, 0)).offset, 0u);
  EXPECT_EQ(decode_fails(hex("E8 00"), Path(3, 0)).offset, 0u);
  EXPECT_EQ(decode_fails(hex("C1 00 41 D8 01 00 00"), Path(3, 0)).offset, 3u);
  EXPECT_EQ(decode_fails(hex("C8 00 14 41"), Path(3, 0)).offset, 0u);
  EXPECT_EQ(decode_fails(hex("D8 00 FF FF FF 41"), Path(3, 0)).offset, 0u);
  // A child running past the end of its container, though not of the payload.
  EXPECT_EQ(decode_fails(hex("08 00 03 C2 00 41 42"), Path(3)).offset, 3u);
}

TEST(TlvFormat, RejectsMisplacedEntries) {
  EXPECT_EQ(decode_fails(hex("02 00 00 00"), Path(3)).offset, 2u);        // instance in instance
  EXPECT_EQ(decode_fails(hex("83 06 C1 00 01"), Path(3, 0)).offset, 2u);  // resource in multiple
  EXPECT_EQ(decode_fails(hex("03 00 41 00 01"), Path(3)).offset,
            2u);                                                 // instance of resource in instance
  EXPECT_EQ(decode_fails(hex("C1 00 01"), Path(3)).offset, 0u);  // resource needs an instance
  EXPECT_EQ(decode_fails(hex("41 00 01"), Path(3, 0)).offset,
            0u);  // resource instance needs a resource
  EXPECT_EQ(decode_fails(hex("C1 00 01"), Path()).offset, 0u);            // no object
  EXPECT_EQ(decode_fails(hex("C1 06 01"), Path(3, 0, 6, 1)).offset, 0u);  // value above the request
  EXPECT_EQ(decode_fails(hex("C1 01 01"), Path(3, 0, 0)).path,
            Path(3, 0, 1));  // beside the request
  EXPECT_EQ(decode_fails(hex("83 06 41 00 01"), Path(3, 0, 6, 1)).offset, 2u);
  EXPECT_EQ(decode_fails(hex("E1 FF FF 00"), Path(3, 0)).path, Path(3, 0, 65535));
}

TEST(TlvFormat, RejectsDuplicates) {
  EXPECT_EQ(decode_fails(hex("C1 00 01 C1 00 02"), Path(3, 0)).offset, 3u);
  EXPECT_EQ(decode_fails(hex("C1 06 01 83 06 41 00 01"), Path(3, 0)).offset, 5u);
  EXPECT_EQ(decode_fails(hex("00 00 08 00 03 C1 00 01"), Path(3)).offset, 5u);
  EXPECT_EQ(decode_fails(hex("08 00 03 C1 00 01 08 00 03 C1 00 01"), Path(3)).offset, 6u + 3u);
}

TEST(TlvFormat, DeepNestingStopsAtTheFirstBadLevel) {
  Bytes payload;
  for (int i = 0; i < 10000; ++i) payload.insert(payload.end(), {0x18, 0x00, 0xFF, 0xFF, 0xFF});
  const auto error = decode_fails(payload, Path(3));
  EXPECT_EQ(error.offset, 0u);  // the first length already runs past the end
  Bytes nested;
  for (int i = 0; i < 60; ++i)
    nested.insert(nested.end(), {0x08, 0x00, static_cast<std::uint8_t>(200 - 3 * (i + 1))});
  nested.resize(200, 0);
  EXPECT_EQ(decode_fails(nested, Path(3)).offset, 3u);
}

TEST(TlvFormat, BoundsTheRecordCount) {
  DecodeOptions options;
  options.max_records = 2;
  EXPECT_EQ(decode_fails(hex("C1 00 01 C1 01 02 C1 02 03"), Path(3, 0), options).offset, 6u);
  EXPECT_EQ(decode_ok(hex("C1 00 01 C1 01 02"), Path(3, 0), options).size(), 2u);
}

TEST(TlvFormat, EncoderRejectsInvalidRecordSets) {
  encode_fails({rec(Path(3, 0, 0), Value("a"))}, Path());
  EXPECT_EQ(encode_fails({rec(Path(4, 0, 0), Value("a"))}, Path(3)).path, Path(4, 0, 0));
  encode_fails({rec(Path(3, 0, 0), Value("a")), rec(Path(3, 0, 0), Value("b"))}, Path(3, 0));
  encode_fails(
      {rec(Path(3, 0, 6), Value(std::int64_t{1})), rec(Path(3, 0, 6, 0), Value(std::int64_t{1}))},
      Path(3, 0));
  encode_fails({rec(Path(3, 0), Value("a"))}, Path(3));
  encode_fails({rec(Path(3), Value("a"))}, Path(3));
  encode_fails({rec(Path(3, 0, 6, 0))}, Path(3, 0));
  encode_fails({rec(Path(3, 0, 0), Value("a")), rec(Path(3, 1, 0), Value(std::int64_t{1})),
                rec(Path(3, 1, 2, 0))},
               Path(3));
}

TEST(TlvFormat, RoundTripsMixedRecords) {
  const std::vector<Record> records{
      rec(Path(1000, 0, 0), Value("\xE2\x82\xAC")),
      rec(Path(1000, 0, 3), Value(-1.25e-5)),
      rec(Path(1000, 0, 9)),
      rec(Path(1000, 1)),
      rec(Path(1000, 2, 1), Value(std::int64_t{-5})),
      rec(Path(1000, 2, 9, 0), Value(std::int64_t{7})),
      rec(Path(1000, 2, 9, 65534), Value(std::int64_t{8})),
      rec(Path(1000, 65534, 2), Value(std::uint64_t{9})),
  };
  const Bytes bytes = encode_ok(records, Path(1000));
  EXPECT_EQ(decode_ok(bytes, Path(1000), with(all_types())), records);
}

}  // namespace
}  // namespace drover::lwm2m
