// CoAP message codec: hand-checked wire bytes (RFC 7252 §3), every ParseError, option handling.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "drover/coap/message.hpp"

namespace drover::coap {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes wire(const Message& msg) {
  Bytes out;
  serialize(msg, out);
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Message parsed(const Bytes& bytes) {
  Message msg;
  const auto failure = parse(bytes, msg);
  EXPECT_FALSE(failure.has_value()) << (failure ? to_string(failure->error) : "");
  return msg;
}

ParseFailure failure_of(const Bytes& bytes) {
  Message msg;
  const auto failure = parse(bytes, msg);
  EXPECT_TRUE(failure.has_value());
  return failure.value_or(ParseFailure{ParseError::TooShort, 0, std::nullopt, std::nullopt});
}

// ---------------------------------------------------------------------------------------------------------
// Hand-checked vectors.

// CON GET /temperature, MID 0x7d34, token 0x20 (RFC 7252 Appendix A, figure 16, with a token).
const Bytes get_temperature = concat({{0x41, 0x01, 0x7d, 0x34, 0x20, 0xbb}, text("temperature")});
// Its piggybacked ACK 2.05 "22.3 C".
const Bytes ack_content = concat({{0x61, 0x45, 0x7d, 0x34, 0x20, 0xff}, text("22.3 C")});

TEST(CoapMessage, SerializesConGet) {
  Message msg;
  msg.type = Type::Con;
  msg.code = codes::Get;
  msg.message_id = 0x7d34;
  msg.token = Token(Bytes{0x20});
  msg.set_uri_path("/temperature");
  EXPECT_EQ(wire(msg), get_temperature);
  EXPECT_EQ(msg.wire_size(), get_temperature.size());
}

TEST(CoapMessage, ParsesConGet) {
  const Message msg = parsed(get_temperature);
  EXPECT_EQ(msg.type, Type::Con);
  EXPECT_EQ(msg.code, codes::Get);
  EXPECT_EQ(msg.message_id, 0x7d34);
  EXPECT_EQ(msg.token.to_hex(), "20");
  ASSERT_EQ(msg.option_count(), 1u);
  EXPECT_EQ(msg.option(0).number, options::UriPath);
  EXPECT_EQ(msg.uri_path(), "/temperature");
  EXPECT_TRUE(msg.payload().empty());
}

TEST(CoapMessage, PiggybackedAckRoundTrip) {
  const Message msg = parsed(ack_content);
  EXPECT_EQ(msg.type, Type::Ack);
  EXPECT_EQ(msg.code, codes::Content);
  EXPECT_EQ(msg.message_id, 0x7d34);
  EXPECT_EQ(msg.option_count(), 0u);
  EXPECT_EQ(msg.payload_string(), "22.3 C");
  EXPECT_EQ(wire(msg), ack_content);
}

TEST(CoapMessage, EmptyMessages) {
  const Message ack = parsed({0x60, 0x00, 0x12, 0x34});
  EXPECT_EQ(ack.type, Type::Ack);
  EXPECT_TRUE(ack.is_empty_message());
  EXPECT_EQ(ack.message_id, 0x1234);
  const Message rst = parsed({0x70, 0x00, 0xff, 0xfe});
  EXPECT_EQ(rst.type, Type::Rst);
  EXPECT_EQ(wire(rst), (Bytes{0x70, 0x00, 0xff, 0xfe}));
}

TEST(CoapMessage, EightByteTokenAndNonType) {
  const Bytes bytes{0x58, 0x02, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8};
  const Message msg = parsed(bytes);
  EXPECT_EQ(msg.type, Type::Non);
  EXPECT_EQ(msg.code, codes::Post);
  EXPECT_EQ(msg.token.size(), 8u);
  EXPECT_EQ(msg.token.as_u64(), 0x0102030405060708u);
  EXPECT_EQ(wire(msg), bytes);
}

// Option number (as first option, so delta == number) -> expected header nibble and extension
// bytes.
struct Field {
  std::uint32_t value;
  std::uint8_t nibble;
  Bytes ext;
};
const Field field_boundaries[] = {
    {0, 0, {}},
    {12, 12, {}},
    {13, 13, {0x00}},
    {268, 13, {0xff}},
    {269, 14, {0x00, 0x00}},
    {1000, 14, {0x02, 0xdb}},
    {65535, 14, {0xfe, 0xf2}},
};

TEST(CoapMessage, OptionDeltaBoundaries) {
  for (const Field& f : field_boundaries) {
    Message msg;
    msg.code = codes::Get;
    msg.add_option(static_cast<std::uint16_t>(f.value), text("x"));
    const Bytes expected =
        concat({{0x40, 0x01, 0x00, 0x00, static_cast<std::uint8_t>((f.nibble << 4) | 1)},
                f.ext,
                text("x")});
    EXPECT_EQ(wire(msg), expected) << "number " << f.value;
    EXPECT_EQ(msg.wire_size(), expected.size());
    EXPECT_EQ(parsed(expected), msg) << "number " << f.value;
  }
}

TEST(CoapMessage, OptionLengthBoundaries) {
  std::vector<Field> lengths(std::begin(field_boundaries), std::end(field_boundaries));
  lengths.push_back({Message::max_option_length, 14, {0xff, 0xff}});
  for (const Field& f : lengths) {
    Message msg;
    msg.code = codes::Put;
    const Bytes value(f.value, 0xab);
    msg.add_option(options::ETag, value);
    const Bytes expected = concat(
        {{0x40, 0x03, 0x00, 0x00, static_cast<std::uint8_t>((4 << 4) | f.nibble)}, f.ext, value});
    EXPECT_EQ(wire(msg), expected) << "length " << f.value;
    const Message back = parsed(expected);
    ASSERT_EQ(back.option_count(), 1u);
    EXPECT_EQ(back.option(0).value.size(), f.value);
  }
}

TEST(CoapMessage, DeltaAndLengthExtensionsTogether) {
  // Option 269 (delta ext 00 00) of length 13 (length ext 00): delta bytes come first.
  Message msg;
  msg.code = codes::Get;
  msg.add_option(269, Bytes(13, 0x01));
  msg.add_option(300, Bytes{});  // delta 31: 13 + 18
  const Bytes expected =
      concat({{0x40, 0x01, 0x00, 0x00, 0xed, 0x00, 0x00, 0x00}, Bytes(13, 0x01), {0xd0, 18}});
  EXPECT_EQ(wire(msg), expected);
  EXPECT_EQ(parsed(expected), msg);
}

TEST(CoapMessage, RepeatedOptionsUseZeroDelta) {
  Message msg;
  msg.code = codes::Post;
  msg.add_uri_queries("ep=a&b");
  msg.set_uri_path("/rd");
  const Bytes expected =
      concat({{0x40, 0x02, 0x00, 0x00, 0xb2}, text("rd"), {0x44}, text("ep=a"), {0x01}, text("b")});
  EXPECT_EQ(wire(msg), expected);
  EXPECT_EQ(parsed(expected), msg);
}

TEST(CoapMessage, ParseKeepsNonMinimalUintBytes) {
  // Receivers accept leading zero bytes (§3.2); they survive a round trip unchanged.
  const Bytes bytes{0x40, 0x01, 0x00, 0x00, 0x62, 0x00, 0x05};  // Observe = 00 05
  const Message msg = parsed(bytes);
  EXPECT_EQ(msg.uint_option(options::Observe), 5u);
  EXPECT_EQ(wire(msg), bytes);
}

// ---------------------------------------------------------------------------------------------------------
// Every ParseError.

TEST(CoapParse, TooShort) {
  for (const Bytes& b : {Bytes{}, Bytes{0x40}, Bytes{0x40, 0x01, 0x00}}) {
    const auto f = failure_of(b);
    EXPECT_EQ(f.error, ParseError::TooShort);
    EXPECT_FALSE(f.type.has_value());
    EXPECT_FALSE(f.message_id.has_value());
  }
}

TEST(CoapParse, BadVersionReportsNoHeaderFields) {
  for (std::uint8_t v : Bytes{0x00, 0x80, 0xc0}) {
    const auto f = failure_of({v, 0x01, 0x12, 0x34});
    EXPECT_EQ(f.error, ParseError::BadVersion);
    EXPECT_FALSE(f.message_id.has_value());  // §3: silently ignored, never RST
  }
}

TEST(CoapParse, BadTokenLengthReportsHeader) {
  for (std::uint8_t tkl = 9; tkl <= 15; ++tkl) {
    const auto f = failure_of(
        concat({{static_cast<std::uint8_t>(0x40 | tkl), 0x01, 0x12, 0x34}, Bytes(15, 0)}));
    EXPECT_EQ(f.error, ParseError::BadTokenLength);
    EXPECT_EQ(f.offset, 0u);
    EXPECT_EQ(f.type, Type::Con);
    EXPECT_EQ(f.message_id, 0x1234);
  }
}

TEST(CoapParse, Truncated) {
  struct Case {
    Bytes bytes;
    std::size_t offset;
  };
  const Case cases[] = {
      {{0x52, 0x01, 0x00, 0x07, 0xaa}, 4},             // token of 2, 1 present
      {{0x40, 0x01, 0x00, 0x07, 0xd0}, 5},             // delta ext byte missing
      {{0x40, 0x01, 0x00, 0x07, 0xe0, 0x00}, 5},       // one of two delta ext bytes
      {{0x40, 0x01, 0x00, 0x07, 0x1e, 0x01}, 5},       // one of two length ext bytes
      {{0x40, 0x01, 0x00, 0x07, 0xb5, 'a', 'b'}, 5},   // value of 5, 2 present
      {{0x40, 0x01, 0x00, 0x07, 0x1d, 0x00, 'a'}, 6},  // value of 13, 1 present
  };
  for (const Case& c : cases) {
    const auto f = failure_of(c.bytes);
    EXPECT_EQ(f.error, ParseError::Truncated);
    EXPECT_EQ(f.offset, c.offset);
    EXPECT_EQ(f.message_id, 7);
  }
  EXPECT_EQ(failure_of({0x52, 0x01, 0x00, 0x07, 0xaa}).type, Type::Non);
}

TEST(CoapParse, ReservedOptionNibble) {
  for (std::uint8_t head : Bytes{0xf0, 0x1f, 0xf5, 0x5f}) {
    const auto f = failure_of({0x41, 0x01, 0x00, 0x07, 0x99, 0x60, head, 0, 0});
    EXPECT_EQ(f.error, ParseError::ReservedOptionNibble);
    EXPECT_EQ(f.offset, 6u);
  }
}

TEST(CoapParse, EmptyPayloadAfterMarker) {
  const auto f = failure_of({0x40, 0x01, 0x00, 0x07, 0xb1, 'a', 0xff});
  EXPECT_EQ(f.error, ParseError::EmptyPayloadAfterMarker);
  EXPECT_EQ(f.offset, 6u);
}

TEST(CoapParse, OptionNumberTooLarge) {
  // Largest delta in one option: 65535 + 269.
  EXPECT_EQ(failure_of({0x40, 0x01, 0x00, 0x07, 0xe0, 0xff, 0xff}).error,
            ParseError::OptionNumberTooLarge);
  // 65535 is fine; one more is not.
  EXPECT_EQ(parsed({0x40, 0x01, 0x00, 0x07, 0xe0, 0xfe, 0xf2}).option(0).number, 65535);
  const auto f = failure_of({0x40, 0x01, 0x00, 0x07, 0xe0, 0xfe, 0xf2, 0x10});
  EXPECT_EQ(f.error, ParseError::OptionNumberTooLarge);
  EXPECT_EQ(f.offset, 7u);
}

TEST(CoapParse, BadEmptyMessage) {
  EXPECT_EQ(failure_of({0x41, 0x00, 0x00, 0x07, 0x01}).error,
            ParseError::BadEmptyMessage);  // token
  EXPECT_EQ(failure_of({0x40, 0x00, 0x00, 0x07, 0xb1, 'a'}).error, ParseError::BadEmptyMessage);
  const auto f = failure_of({0x40, 0x00, 0x00, 0x07, 0xff, 'a'});
  EXPECT_EQ(f.error, ParseError::BadEmptyMessage);
  EXPECT_EQ(f.offset, 4u);
  EXPECT_EQ(f.type, Type::Con);  // a malformed CON can still be answered with RST
  EXPECT_EQ(f.message_id, 7);
}

TEST(CoapParse, BadCodeClass) {
  for (std::uint8_t code : Bytes{0x20, 0x3f, 0xc0, 0xe5}) {
    const auto f = failure_of({0x40, code, 0x00, 0x07});
    EXPECT_EQ(f.error, ParseError::BadCodeClass) << int{code};
    EXPECT_EQ(f.offset, 1u);
  }
  for (std::uint8_t code : Bytes{0x01, 0x45, 0x84, 0xa0})
    EXPECT_EQ(parsed({0x40, code, 0x00, 0x07}).code.value, code);
}

TEST(CoapParse, TooManyOptions) {
  Bytes bytes{0x40, 0x01, 0x00, 0x07, 0xb0};  // Uri-Path "" then repeats of delta 0
  bytes.insert(bytes.end(), Message::max_options - 1, 0x00);
  EXPECT_EQ(parsed(bytes).option_count(), Message::max_options);
  bytes.push_back(0x00);
  const auto f = failure_of(bytes);
  EXPECT_EQ(f.error, ParseError::TooManyOptions);
  EXPECT_EQ(f.offset, 4 + Message::max_options);
}

TEST(CoapParse, ErrorStrings) {
  for (int e = 0; e <= static_cast<int>(ParseError::TooManyOptions); ++e)
    EXPECT_FALSE(to_string(static_cast<ParseError>(e)).empty());
  EXPECT_NE(to_string(ParseError::Truncated), to_string(ParseError::TooShort));
}

// Random inputs: parse never crashes, and anything accepted re-serializes to the same bytes (the
// option encoding is canonical and values are kept verbatim).
TEST(CoapParse, AcceptedInputReserializesExactly) {
  std::mt19937 rng(1234);
  Message msg;
  std::size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b(4 + rng() % 24);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    b[0] = static_cast<std::uint8_t>(0x40 | (b[0] & 0x37));  // version 1, TKL 0..7
    if (b[1] >> 5 == 1) b[1] = static_cast<std::uint8_t>(b[1] & 0x1f);
    if (parse(b, msg)) continue;
    ++accepted;
    ASSERT_EQ(wire(msg), b);
  }
  EXPECT_GT(accepted, 100u);
}

// ---------------------------------------------------------------------------------------------------------
// Building messages.

TEST(CoapMessage, OptionsSortedStably) {
  Message msg;
  msg.add_option(options::UriPath, "a");
  msg.add_option(options::UriHost, "h1");
  msg.add_option(options::UriPath, "b");
  msg.add_option(options::UriQuery, "q");
  msg.add_option(options::UriHost, "h2");
  const std::pair<std::uint16_t, std::string_view> expected[] = {
      {3, "h1"}, {3, "h2"}, {11, "a"}, {11, "b"}, {15, "q"}};
  ASSERT_EQ(msg.option_count(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(msg.option(i).number, expected[i].first);
    EXPECT_EQ(msg.option(i).as_string(), expected[i].second);
  }
  EXPECT_EQ(msg.find(options::UriHost)->as_string(), "h1");
  EXPECT_FALSE(msg.find(options::ETag).has_value());
  std::string paths;
  msg.for_each(options::UriPath, [&](OptionView o) { paths += o.as_string(); });
  EXPECT_EQ(paths, "ab");
}

TEST(CoapMessage, UintOptionsUseMinimalLength) {
  const std::pair<std::uint32_t, std::size_t> cases[] = {
      {0, 0},     {1, 1},        {255, 1},       {256, 2},       {65535, 2},
      {65536, 3}, {0xffffff, 3}, {0x1000000, 4}, {0xffffffff, 4}};
  for (const auto& [value, length] : cases) {
    Message msg;
    msg.add_uint_option(options::ContentFormat, value);
    EXPECT_EQ(msg.find(options::ContentFormat)->value.size(), length) << value;
    EXPECT_EQ(msg.uint_option(options::ContentFormat), value);
  }
  Message msg;
  msg.add_uint_option(options::ContentFormat, 11542);
  EXPECT_EQ(wire(msg), (Bytes{0x40, 0x00, 0x00, 0x00, 0xc2, 0x2d, 0x16}));
}

TEST(CoapMessage, AsUintRejectsLongValues) {
  const Bytes five{0, 0, 0, 0, 1};
  EXPECT_FALSE((OptionView{options::MaxAge, five}.as_uint().has_value()));
  const Bytes four{0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ((OptionView{options::MaxAge, four}.as_uint()), 0x12345678u);
  Message msg;
  msg.add_option(options::MaxAge, five);
  EXPECT_FALSE(msg.uint_option(options::MaxAge).has_value());
  EXPECT_FALSE(msg.uint_option(options::Size1).has_value());
}

TEST(CoapMessage, RemoveAndSetOptions) {
  Message msg;
  msg.add_option(options::ETag, "aaa");
  msg.add_option(options::UriPath, "bb");
  msg.add_option(options::UriPath, "b2");
  msg.add_option(options::UriQuery, "c");
  msg.remove_option(options::UriPath);
  ASSERT_EQ(msg.option_count(), 2u);
  EXPECT_EQ(msg.option(0).as_string(), "aaa");
  EXPECT_EQ(msg.option(1).as_string(), "c");
  msg.add_uint_option(options::Observe, 1);
  msg.add_uint_option(options::Observe, 2);
  msg.set_uint_option(options::Observe, 7);
  int observes = 0;
  msg.for_each(options::Observe, [&](OptionView) { ++observes; });
  EXPECT_EQ(observes, 1);
  EXPECT_EQ(msg.uint_option(options::Observe), 7u);
  EXPECT_EQ(msg.find(options::ETag)->as_string(), "aaa");
  EXPECT_EQ(msg.find(options::UriQuery)->as_string(), "c");
  // One instance by index; the values after it stay intact.
  msg.add_option(options::UriPath, "p1");
  msg.add_option(options::UriPath, "p2");
  msg.remove_option_at(2);  // p1: ETag, Observe, Uri-Path p1, Uri-Path p2, Uri-Query
  EXPECT_EQ(msg.uri_path(), "/p2");
  EXPECT_EQ(msg.find(options::UriQuery)->as_string(), "c");
  EXPECT_EQ(msg.uint_option(options::Observe), 7u);
}

TEST(CoapMessage, RepeatedSetUintDoesNotGrowStorage) {
  Message msg;
  msg.set_uint_option(options::Observe, 0xffffff);
  const auto* first = msg.find(options::Observe)->value.data();
  for (std::uint32_t i = 0; i < 1000; ++i) msg.set_uint_option(options::Observe, 0x10000 + i);
  EXPECT_EQ(msg.find(options::Observe)->value.data(), first);  // same bytes reused, no growth
  EXPECT_EQ(msg.uint_option(options::Observe), 0x10000u + 999);
}

TEST(CoapMessage, AddOptionFromOwnValue) {
  Message msg;
  msg.add_option(options::ETag, "abcdefgh");
  for (int i = 0; i < 50; ++i)
    msg.add_option(options::ETag, msg.option(0).value);  // forces regrowth
  EXPECT_EQ(msg.option_count(), 51u);
  for (std::size_t i = 0; i < msg.option_count(); ++i)
    EXPECT_EQ(msg.option(i).as_string(), "abcdefgh");
  msg.set_payload("hello world");
  msg.set_payload(msg.payload().subspan(6));
  EXPECT_EQ(msg.payload_string(), "world");
}

TEST(CoapMessage, OptionValueLengthLimit) {
  Message msg;
  EXPECT_THROW(msg.add_option(options::ETag, Bytes(Message::max_option_length + 1)),
               std::length_error);
  EXPECT_EQ(msg.option_count(), 0u);
}

TEST(CoapMessage, UriPathAndQueries) {
  Message msg;
  EXPECT_EQ(msg.uri_path(), "/");
  msg.set_uri_path("/3/0/1");
  EXPECT_EQ(msg.uri_path(), "/3/0/1");
  msg.set_uri_path("//rd//abc/");
  EXPECT_EQ(msg.uri_path(), "/rd/abc");
  msg.set_uri_path("/");
  EXPECT_FALSE(msg.has_option(options::UriPath));
  msg.add_uri_queries("ep=node1&lt=300&&b");
  std::vector<std::string> queries;
  msg.for_each(options::UriQuery, [&](OptionView o) { queries.emplace_back(o.as_string()); });
  EXPECT_EQ(queries, (std::vector<std::string>{"ep=node1", "lt=300", "b"}));
  msg.add_uri_queries("");
  EXPECT_EQ(msg.option_count(), 3u);
}

TEST(CoapMessage, SerializeIntoSpan) {
  const Message msg = parsed(ack_content);
  Bytes buf(ack_content.size() - 1);
  EXPECT_EQ(serialize(msg, std::span<std::uint8_t>(buf)), 0u);
  buf.resize(ack_content.size() + 5, 0xee);
  EXPECT_EQ(serialize(msg, std::span<std::uint8_t>(buf)), ack_content.size());
  EXPECT_TRUE(std::equal(ack_content.begin(), ack_content.end(), buf.begin()));
  EXPECT_EQ(buf.back(), 0xee);
}

TEST(CoapMessage, SerializeAppends) {
  Bytes out{0xaa};
  serialize(parsed(get_temperature), out);
  EXPECT_EQ(out, concat({{0xaa}, get_temperature}));
}

TEST(CoapMessage, ClearAndReparseReuseBuffers) {
  Message msg;
  const Bytes big =
      concat({{0x44, 0x02, 0, 1, 1, 2, 3, 4, 0xbd, 20}, Bytes(33, 'p'), {0xff}, Bytes(200, 'x')});
  ASSERT_FALSE(parse(big, msg));
  const auto* options_before = msg.option(0).value.data();
  const auto* payload_before = msg.payload().data();
  ASSERT_FALSE(parse(ack_content, msg));
  ASSERT_FALSE(parse(big, msg));
  EXPECT_EQ(msg.option(0).value.data(), options_before);
  EXPECT_EQ(msg.payload().data(), payload_before);
  msg.clear();
  EXPECT_EQ(msg.option_count(), 0u);
  EXPECT_TRUE(msg.payload().empty());
  EXPECT_TRUE(msg.token.empty());
  EXPECT_EQ(msg.code, codes::Empty);
}

TEST(CoapMessage, Equality) {
  Message a = parsed(get_temperature);
  Message b = parsed(get_temperature);
  EXPECT_EQ(a, b);
  b.message_id = 1;
  EXPECT_FALSE(a == b);
  b = a;
  b.set_payload("x");
  EXPECT_FALSE(a == b);
  b = a;
  b.set_uri_path("/temperaturE");
  EXPECT_FALSE(a == b);
}

// ---------------------------------------------------------------------------------------------------------
// Code and Token.

TEST(CoapCode, Strings) {
  EXPECT_EQ(codes::Empty.to_string(), "0.00");
  EXPECT_EQ(codes::Get.to_string(), "0.01");
  EXPECT_EQ(codes::Content.to_string(), "2.05");
  EXPECT_EQ(codes::Continue.to_string(), "2.31");
  EXPECT_EQ(codes::NotFound.to_string(), "4.04");
  EXPECT_EQ(codes::UnsupportedContentFormat.to_string(), "4.15");
  EXPECT_EQ(codes::ServiceUnavailable.to_string(), "5.03");
  EXPECT_EQ(Code{0xff}.to_string(), "7.31");
}

TEST(CoapToken, BytesHexAndEquality) {
  const Token t(Bytes{0xde, 0xad, 0x01});
  EXPECT_EQ(t.to_hex(), "dead01");
  EXPECT_EQ(t.as_u64(), 0xdead01u);
  EXPECT_EQ(Token(Bytes{0xde, 0xad, 0x01}), t);
  EXPECT_FALSE(Token(Bytes{0x00, 0xde, 0xad, 0x01}) == t);  // same number, different length
  EXPECT_TRUE(Token().empty());
  EXPECT_EQ(Token(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).size(), 8u);  // cut to 8
}

}  // namespace
}  // namespace drover::coap
