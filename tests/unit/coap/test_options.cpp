// Option validation (RFC 7252 §5.4.1, §5.4.3, §5.4.5 and the §5.10 table): the spec table, the
// screening of received options on hand-written wire bytes, and what the engine does with requests
// and responses carrying unrecognized options.
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// CON GET, MID 0x0001, token 0xaa; then the options under test.
const Bytes kConGetHead{0x41, 0x01, 0x00, 0x01, 0xaa};
// NON GET, MID 0x0002, token 0xbb.
const Bytes kNonGetHead{0x51, 0x01, 0x00, 0x02, 0xbb};
// ACK 2.05, MID 0x0003, token 0xcc (a response, for ETag's rule).
const Bytes kAckContentHead{0x61, 0x45, 0x00, 0x03, 0xcc};

// Option bytes (delta from the option before; each vector starts from 0 unless said).
const Bytes kUriPortThreeBytes{0x73, 0x00, 0x16, 0x33};        // 7, uint 0-2 bytes: 3
const Bytes kUriHostTwice{0x31, 'a', 0x01, 'b'};               // 3, not repeatable
const Bytes kIfNoneMatchWithValue{0x51, 0x00};                 // 5, empty: 1 byte
const Bytes kProxyUriEmpty{0xd0, 35 - 13};                     // 35, string 1-1034: 0 bytes
const Bytes kBlock2FourBytes{0xd4, 23 - 13, 0, 0, 0, 0x06};    // 23, uint 0-3 bytes: 4
const Bytes kAcceptTwice{0xd1, 17 - 13, 0x28, 0x01, 0x29};     // 17, not repeatable
const Bytes kContentFormatThreeBytes{0xc3, 0x00, 0x00, 0x00};  // 12, uint 0-2 bytes: 3
const Bytes kContentFormatTwice{0xc1, 0x00, 0x01, 0x28};       // 12 = 0, then 12 = 40
const Bytes kObserveFourBytes{0x64, 0, 0, 0, 1};               // 6, uint 0-3 bytes: 4
const Bytes kEtagEmpty{0x40};                                  // 4, opaque 1-8 bytes: 0
const Bytes kEtagTwice{0x41, 0x01, 0x01, 0x02};                // 4 = 01, then 4 = 02
const Bytes kUriPathTwice{0xb1, 'a', 0x01, 'b'};               // 11, repeatable

Bytes oscore_of(std::size_t length) {  // 9, opaque 0-255 bytes
  Bytes b{0x9d, static_cast<std::uint8_t>(length - 13)};
  b.insert(b.end(), length, 0x5a);
  return b;
}

Message parsed(const Bytes& bytes) {
  Message m;
  EXPECT_FALSE(parse(bytes, m).has_value());
  return m;
}

std::optional<std::uint16_t> screened(const Bytes& bytes, Message* out = nullptr) {
  Message m = parsed(bytes);
  auto bad = screen_options(m);
  if (out) *out = m;
  return bad;
}

TEST(OptionSpecs, FollowTheRfcTables) {
  const options::Spec* host = options::spec(options::UriHost);
  ASSERT_NE(host, nullptr);
  EXPECT_EQ(host->format, options::Format::String);
  EXPECT_EQ(host->min_length, 1);
  EXPECT_EQ(host->max_length, 255);
  EXPECT_FALSE(host->repeatable);
  const options::Spec* etag = options::spec(options::ETag);
  ASSERT_NE(etag, nullptr);
  EXPECT_TRUE(etag->repeatable);
  EXPECT_FALSE(etag->repeatable_in_response);
  EXPECT_EQ(options::spec(options::ProxyUri)->max_length, 1034);
  EXPECT_EQ(options::spec(options::IfNoneMatch)->format, options::Format::Empty);
  EXPECT_EQ(options::spec(options::Observe)->max_length, 3);
  EXPECT_EQ(options::spec(options::Block1)->max_length, 3);
  EXPECT_EQ(options::spec(options::Size2)->max_length, 4);
  EXPECT_EQ(options::spec(options::Oscore)->format, options::Format::Opaque);
  EXPECT_EQ(options::spec(options::Oscore)->max_length, 255);
  EXPECT_EQ(options::spec(options::NoResponse)->max_length, 1);
  EXPECT_EQ(options::spec(2), nullptr);
  EXPECT_EQ(options::spec(2049), nullptr);
  EXPECT_TRUE(options::is_known(options::NoResponse));
  EXPECT_FALSE(options::is_known(2));
  EXPECT_TRUE(options::is_critical(options::UriPath));
  EXPECT_FALSE(options::is_critical(options::Observe));
}

TEST(ScreenOptions, UnknownCriticalIsReportedUnknownElectiveKept) {
  Message m;
  m.code = codes::Get;
  m.set_uri_path("/3/0");
  m.add_uint_option(options::Block2, 2);
  m.add_option(2048, "elective, kept");
  EXPECT_FALSE(screen_options(m).has_value());
  EXPECT_TRUE(m.has_option(2048));
  m.add_option(2049, "x");
  m.add_option(13, "y");
  EXPECT_EQ(screen_options(m), 13);
}

TEST(ScreenOptions, CriticalOptionOutOfRangeIsUnrecognized) {
  EXPECT_EQ(screened(concat({kConGetHead, kUriPortThreeBytes})), options::UriPort);
  EXPECT_EQ(screened(concat({kConGetHead, kIfNoneMatchWithValue})), options::IfNoneMatch);
  EXPECT_EQ(screened(concat({kConGetHead, kProxyUriEmpty})), options::ProxyUri);
  EXPECT_EQ(screened(concat({kConGetHead, kBlock2FourBytes})), options::Block2);
  EXPECT_EQ(screened(concat({kConGetHead, oscore_of(256)})), options::Oscore);
  EXPECT_FALSE(screened(concat({kConGetHead, oscore_of(255)})).has_value());
}

TEST(ScreenOptions, RepeatedCriticalOptionIsUnrecognizedRepeatableOneIsNot) {
  EXPECT_EQ(screened(concat({kConGetHead, kUriHostTwice})), options::UriHost);
  EXPECT_EQ(screened(concat({kConGetHead, kAcceptTwice})), options::Accept);
  Message m;
  EXPECT_FALSE(screened(concat({kConGetHead, kUriPathTwice}), &m).has_value());
  EXPECT_EQ(m.uri_path(), "/a/b");
}

TEST(ScreenOptions, InvalidElectiveOptionsAreRemoved) {
  Message m;
  EXPECT_FALSE(screened(concat({kConGetHead, kContentFormatThreeBytes}), &m).has_value());
  EXPECT_FALSE(m.has_option(options::ContentFormat));

  EXPECT_FALSE(screened(concat({kConGetHead, kContentFormatTwice}), &m).has_value());
  ASSERT_EQ(m.option_count(), 1u);
  EXPECT_EQ(m.uint_option(options::ContentFormat), 0u);  // the first stays

  EXPECT_FALSE(screened(concat({kConGetHead, kObserveFourBytes}), &m).has_value());
  EXPECT_FALSE(m.has_option(options::Observe));
  EXPECT_FALSE(screened(concat({kConGetHead, kEtagEmpty}), &m).has_value());
  EXPECT_EQ(m.option_count(), 0u);
}

TEST(ScreenOptions, EtagRepeatsInRequestsOnly) {
  Message m;
  EXPECT_FALSE(screened(concat({kConGetHead, kEtagTwice}), &m).has_value());
  EXPECT_EQ(m.option_count(), 2u);
  EXPECT_FALSE(screened(concat({kAckContentHead, kEtagTwice}), &m).has_value());
  ASSERT_EQ(m.option_count(), 1u);
  EXPECT_EQ(m.find(options::ETag)->value[0], 0x01);
}

TEST(ParsePrefix, KeepsTheWholeOptionsBeforeTheCut) {
  // CON PUT, token 0x01 0x02, Uri-Path "abc", Content-Format 0, then a payload.
  const Bytes whole = concat({{0x42, 0x03, 0x12, 0x34, 0x01, 0x02, 0xb3, 'a', 'b', 'c', 0x10},
                              {0xff, 'p', 'a', 'y', 'l', 'o', 'a', 'd'}});
  Message m;
  std::optional<std::size_t> payload_offset;
  // Cut inside the payload: every option, the payload's start, no payload.
  ASSERT_FALSE(parse_prefix(std::span(whole).first(14), m, payload_offset).has_value());
  EXPECT_EQ(m.code, codes::Put);
  EXPECT_EQ(m.message_id, 0x1234);
  EXPECT_EQ(m.token, Token(Bytes{0x01, 0x02}));
  EXPECT_EQ(m.uri_path(), "/abc");
  EXPECT_TRUE(m.has_option(options::ContentFormat));
  EXPECT_TRUE(m.payload().empty());
  EXPECT_EQ(payload_offset, 12u);
  // Cut inside Uri-Path: the options before it only, and no payload offset.
  ASSERT_FALSE(parse_prefix(std::span(whole).first(8), m, payload_offset).has_value());
  EXPECT_EQ(m.option_count(), 0u);
  EXPECT_FALSE(payload_offset.has_value());
  // Cut inside the token: the header is reported, for an RST.
  auto failure = parse_prefix(std::span(whole).first(5), m, payload_offset);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error, ParseError::Truncated);
  EXPECT_EQ(failure->type, Type::Con);
  EXPECT_EQ(failure->message_id, 0x1234);
  // What is there must still be well-formed.
  const Bytes reserved_nibble{0x40, 0x01, 0x00, 0x01, 0xf1, 0x00};
  failure = parse_prefix(reserved_nibble, m, payload_offset);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error, ParseError::ReservedOptionNibble);
  // An Empty message that was long is malformed.
  const Bytes long_empty{0x40, 0x00, 0x00, 0x01, 0x00};
  failure = parse_prefix(long_empty, m, payload_offset);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->error, ParseError::BadEmptyMessage);
}

// ---------------------------------------------------------------------------------------------------------
// The engine, server role: 4.02 Bad Option for a request with an unrecognized critical option.

void expect_bad_option(const Bytes& request, Type reply_type) {
  Engine e({}, 1);
  e.receive(kClientAddr, request, start_time());
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, reply_type);
  EXPECT_EQ(sent[0].msg.code, codes::BadOption);
  EXPECT_EQ(sent[0].msg.token, parsed(request).token);
  EXPECT_TRUE(events_of(e).empty());
}

TEST(EngineOptions, CriticalOptionOutOfRangeGetsBadOption) {
  expect_bad_option(concat({kConGetHead, kUriPortThreeBytes}), Type::Ack);
  expect_bad_option(concat({kNonGetHead, kUriPortThreeBytes}), Type::Non);
  expect_bad_option(concat({kConGetHead, kBlock2FourBytes}), Type::Ack);
  expect_bad_option(concat({kNonGetHead, oscore_of(256)}), Type::Non);
}

TEST(EngineOptions, RepeatedCriticalOptionGetsBadOption) {
  expect_bad_option(concat({kConGetHead, kUriHostTwice}), Type::Ack);
  expect_bad_option(concat({kNonGetHead, kAcceptTwice}), Type::Non);
}

TEST(EngineOptions, InvalidElectiveOptionsNeverReachTheApplication) {
  Engine e({}, 1);
  // Observe of 4 bytes, then Content-Format 0 and Content-Format 40.
  const Bytes request = concat({kConGetHead, kObserveFourBytes, {0x61, 0x00, 0x01, 0x28}});
  e.receive(kClientAddr, request, start_time());
  auto requests = only<RequestReceived>(events_of(e));
  ASSERT_EQ(requests.size(), 1u);
  const Message& m = requests[0].request;
  EXPECT_FALSE(m.has_option(options::Observe));  // so this is no observe registration
  ASSERT_EQ(m.option_count(), 1u);
  EXPECT_EQ(m.uint_option(options::ContentFormat), 0u);
}

// ---------------------------------------------------------------------------------------------------------
// The engine, client role: a response with an unrecognized critical option is rejected (§5.4.1)
// and the request fails.

struct Sent1 {
  RequestId id;
  Message request;  // as it went out (MID, token)
};

Sent1 send_one(Engine& client, Message request, RequestOptions options = {}) {
  auto id = client.send_request(kServerAddr, std::move(request), start_time(), options);
  EXPECT_TRUE(id);
  auto sent = drain(client);
  EXPECT_EQ(sent.size(), 1u);
  return {id ? *id : RequestId{}, sent.empty() ? Message{} : sent[0].msg};
}

Message response_to(const Message& request, Type type, std::uint16_t mid) {
  Message m = make_message(type, codes::Content, mid);
  m.token = request.token;
  m.set_payload(std::string_view("22.5"));
  return m;
}

void expect_failed(Engine& client, RequestId id, FailureReason reason) {
  auto failed = only<RequestFailed>(events_of(client));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, id);
  EXPECT_EQ(failed[0].reason, reason);
  EXPECT_EQ(client.counts().client_requests, 0u);
}

TEST(EngineOptions, PiggybackedResponseWithUnknownCriticalOptionFailsTheRequest) {
  Engine client({}, 1);
  Sent1 s = send_one(client, get_request("/r"));
  Message ack = response_to(s.request, Type::Ack, s.request.message_id);
  ack.add_option(2049, std::string_view("?"));
  client.receive(kServerAddr, to_bytes(ack), start_time());
  EXPECT_TRUE(drain(client).empty());  // an ACK is rejected by ignoring it (§4.2)
  expect_failed(client, s.id, FailureReason::BadResponse);
}

TEST(EngineOptions, SeparateConResponseWithBadCriticalOptionGetsReset) {
  Engine client({}, 1);
  Sent1 s = send_one(client, get_request("/r"));
  client.receive(kServerAddr, to_bytes(make_message(Type::Ack, codes::Empty, s.request.message_id)),
                 start_time());
  // Block2 of 4 bytes: known, critical, out of range.
  Bytes response = to_bytes(response_to(s.request, Type::Con, 0x5000));
  Message head = parsed(response);
  head.set_payload(std::span<const std::uint8_t>{});
  Bytes wire = concat({to_bytes(head), kBlock2FourBytes, {0xff, '1'}});
  client.receive(kServerAddr, wire, start_time());
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Rst);
  EXPECT_EQ(sent[0].msg.message_id, 0x5000);
  expect_failed(client, s.id, FailureReason::BadResponse);
  // A retransmission of it gets the same RST from the dedup cache.
  client.receive(kServerAddr, wire, start_time());
  sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Rst);
}

// A client engine with an established observation of /obs.
Sent1 observing(Engine& client) {
  Message observe = get_request("/obs");
  observe.add_uint_option(options::Observe, 0);
  Sent1 s = send_one(client, std::move(observe));
  Message accepted = response_to(s.request, Type::Ack, s.request.message_id);
  accepted.add_uint_option(options::Observe, 1);
  client.receive(kServerAddr, to_bytes(accepted), start_time());
  EXPECT_EQ(only<ResponseReceived>(events_of(client)).size(), 1u);
  return s;
}

TEST(EngineOptions, NotificationWithUnknownCriticalOptionEndsTheObservation) {
  for (Type type : {Type::Con, Type::Non}) {
    SCOPED_TRACE(type == Type::Con ? "CON" : "NON");
    Engine client({}, 1);
    Sent1 s = observing(client);
    Message notification = response_to(s.request, type, 0x6000);
    notification.add_uint_option(options::Observe, 2);
    notification.add_option(2049, std::string_view("?"));
    client.receive(kServerAddr, to_bytes(notification), start_time());
    auto sent = drain(client);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].msg.type, Type::Rst);  // which also ends the observation at the server
    EXPECT_EQ(sent[0].msg.message_id, 0x6000);
    expect_failed(client, s.id, FailureReason::BadResponse);
  }
}

TEST(EngineOptions, ResponseWithInvalidElectiveOptionIsDeliveredWithoutIt) {
  Engine client({}, 1);
  Sent1 s = send_one(client, get_request("/r"));
  Message head = response_to(s.request, Type::Ack, s.request.message_id);
  head.set_payload(std::span<const std::uint8_t>{});
  client.receive(kServerAddr, concat({to_bytes(head), kContentFormatTwice, {0xff, 'x'}}),
                 start_time());
  auto responses = only<ResponseReceived>(events_of(client));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, s.id);
  EXPECT_EQ(responses[0].response.option_count(), 1u);
  EXPECT_EQ(responses[0].response.uint_option(options::ContentFormat), 0u);
}

}  // namespace
}  // namespace drover::coap::testing
