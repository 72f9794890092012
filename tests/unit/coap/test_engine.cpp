// Engine: rejection of malformed and unexpected input, bounds, state cleanup, the random source.
#include "drover/coap/random.hpp"
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

TEST(Engine, MalformedConGetsResetOthersAreDropped) {
  Engine e({}, 1);
  TimePoint now = start_time();
  // CON GET, MID 0x1234, payload marker without payload.
  std::vector<std::uint8_t> bad_con{0x40, 0x01, 0x12, 0x34, 0xff};
  e.receive(kClientAddr, bad_con, now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Rst);
  EXPECT_EQ(sent[0].msg.message_id, 0x1234);

  std::vector<std::uint8_t> bad_non{0x50, 0x01, 0x12, 0x35, 0xff};
  std::vector<std::uint8_t> bad_ack{0x60, 0x45, 0x12, 0x36, 0xff};
  std::vector<std::uint8_t> too_short{0x40, 0x01};
  for (const auto& d : {bad_non, bad_ack, too_short}) e.receive(kClientAddr, d, now);
  EXPECT_TRUE(drain(e).empty());
  EXPECT_TRUE(events_of(e).empty());
  EXPECT_EQ(e.stats().malformed, 4u);
}

TEST(Engine, UnknownCriticalOptionGetsBadOption) {
  Engine e({}, 1);
  TimePoint now = start_time();
  Message req = make_message(Type::Con, codes::Get, 5, {1});
  req.add_option(2049, std::string_view("x"));  // odd: critical, and unknown
  e.receive(kClientAddr, to_bytes(req), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Ack);
  EXPECT_EQ(sent[0].msg.code, codes::BadOption);
  EXPECT_EQ(sent[0].msg.token, req.token);
  EXPECT_TRUE(events_of(e).empty());
}

TEST(Engine, UnknownElectiveOptionIsIgnored) {
  Engine e({}, 1);
  TimePoint now = start_time();
  Message req = make_message(Type::Con, codes::Get, 5, {1});
  req.add_option(2048, std::string_view("x"));
  e.receive(kClientAddr, to_bytes(req), now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 1u);
}

TEST(Engine, OversizeRequestGetsRequestEntityTooLargeWithSize1) {
  EngineConfig c;
  c.max_body_size = 100;
  Engine e(c, 1);
  Message req = make_message(Type::Con, codes::Put, 5, {1});
  req.set_payload(body_of(101));
  e.receive(kClientAddr, to_bytes(req), start_time());
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
  EXPECT_EQ(sent[0].msg.uint_option(options::Size1), 100u);
  EXPECT_TRUE(events_of(e).empty());
}

TEST(Engine, UnexpectedAckAndResetAreIgnored) {
  Engine e({}, 1);
  TimePoint now = start_time();
  e.receive(kServerAddr, to_bytes(make_message(Type::Ack, codes::Empty, 77)), now);
  e.receive(kServerAddr, to_bytes(make_message(Type::Rst, codes::Empty, 78)), now);
  e.receive(kServerAddr, to_bytes(make_message(Type::Ack, codes::Content, 79, {1})), now);
  EXPECT_TRUE(drain(e).empty());
  EXPECT_TRUE(events_of(e).empty());
  EXPECT_EQ(e.stats().unmatched, 3u);
}

TEST(Engine, UnexpectedConResponseIsAcknowledgedUnknownNotificationIsReset) {
  Engine e({}, 1);
  TimePoint now = start_time();
  e.receive(kServerAddr, to_bytes(make_message(Type::Con, codes::Content, 80, {1, 2, 3})), now);
  Message con_notification = make_message(Type::Con, codes::Content, 81, {4});
  con_notification.add_uint_option(options::Observe, 12);
  e.receive(kServerAddr, to_bytes(con_notification), now);
  Message non_notification = make_message(Type::Non, codes::Content, 82, {5});
  non_notification.add_uint_option(options::Observe, 13);
  e.receive(kServerAddr, to_bytes(non_notification), now);
  e.receive(kServerAddr, to_bytes(make_message(Type::Non, codes::Content, 83, {6})), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].msg.type, Type::Ack);
  EXPECT_EQ(sent[0].msg.message_id, 80);
  EXPECT_EQ(sent[1].msg.type, Type::Rst);
  EXPECT_EQ(sent[1].msg.message_id, 81);
  EXPECT_EQ(sent[2].msg.type, Type::Rst);
  EXPECT_EQ(sent[2].msg.message_id, 82);
  EXPECT_TRUE(events_of(e).empty());
}

TEST(Engine, RequestMustCarryARequestCode) {
  Engine e({}, 1);
  Message m;
  m.code = codes::Content;
  auto r = e.send_request(kServerAddr, std::move(m), start_time());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::InvalidMessage);
}

TEST(Engine, ResponseMustCarryAResponseCode) {
  Engine e({}, 1);
  e.receive(kClientAddr, to_bytes(make_message(Type::Con, codes::Get, 1, {1})), start_time());
  auto requests = only<RequestReceived>(events_of(e));
  ASSERT_EQ(requests.size(), 1u);
  Message m;
  m.code = codes::Get;
  auto r = e.respond(requests[0].exchange, std::move(m), start_time());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::InvalidMessage);
  EXPECT_FALSE(e.respond(ExchangeId{12345}, Message{}, start_time()));
}

TEST(Engine, TooManyPeers) {
  EngineConfig c;
  c.max_peers = 2;
  Engine e(c, 1);
  TimePoint now = start_time();
  EXPECT_TRUE(e.send_request(PeerAddress::loopback_v4(1), get_request("/"), now));
  EXPECT_TRUE(e.send_request(PeerAddress::loopback_v4(2), get_request("/"), now));
  auto r = e.send_request(PeerAddress::loopback_v4(3), get_request("/"), now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::TooManyPeers);
  drain(e);
  // Requests from a third peer are dropped (the peer will retransmit), and counted.
  e.receive(PeerAddress::loopback_v4(3), to_bytes(make_message(Type::Con, codes::Get, 1, {1})),
            now);
  EXPECT_TRUE(drain(e).empty());
  EXPECT_TRUE(events_of(e).empty());
  EXPECT_EQ(e.stats().dropped_overload, 1u);
  EXPECT_EQ(e.counts().dedup_entries, 0u);
}

TEST(Engine, TooManyExchanges) {
  EngineConfig c;
  c.max_exchanges = 2;
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 2; ++mid)
    e.receive(
        kClientAddr,
        to_bytes(make_message(Type::Con, codes::Get, mid, {1, static_cast<std::uint8_t>(mid)})),
        now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 2u);
  e.receive(kClientAddr, to_bytes(make_message(Type::Con, codes::Get, 3, {1, 3})), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::ServiceUnavailable);
  auto r = e.send_request(kServerAddr, get_request("/"), now);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::TooManyExchanges);
}

// At the total bound the oldest entry makes room: new messages are still served (a flood from
// many addresses cannot stop service for a lifetime), and only the evicted message would be taken
// for new if it came again.
TEST(Engine, DedupCacheIsBoundedByEvictingTheOldest) {
  EngineConfig c;
  c.max_dedup_entries = 3;
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 5; ++mid)
    e.receive(kClientAddr, to_bytes(make_message(Type::Non, codes::Get, mid, {1})), now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 5u);
  EXPECT_EQ(e.counts().dedup_entries, 3u);
  EXPECT_EQ(e.stats().dedup_evicted, 2u);
  EXPECT_EQ(e.stats().dropped_overload, 0u);
  // 3, 4 and 5 are remembered; 1 was evicted.
  e.receive(kClientAddr, to_bytes(make_message(Type::Non, codes::Get, 5, {1})), now);
  EXPECT_TRUE(only<RequestReceived>(events_of(e)).empty());
  EXPECT_EQ(e.stats().duplicates, 1u);
  e.receive(kClientAddr, to_bytes(make_message(Type::Non, codes::Get, 1, {1})), now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 1u);
  // After NON_LIFETIME everything is gone.
  e.on_timer(now + 146s);
  EXPECT_EQ(e.counts().dedup_entries, 0u);
}

// CON (POST: not idempotent) and NON entries of both lifetimes, replies inline and too long to be,
// a thousand peers:
// duplicates replay exactly the reply that was sent, and the table empties at the lifetimes.
TEST(Engine, DedupReplaysRepliesOfEverySizeAcrossGrowth) {
  EngineConfig c;
  c.max_dedup_entries = 100000;
  Engine e(c, 1);
  TimePoint now = start_time();
  const std::string long_text(300, 'z');
  std::vector<Message> first_replies;
  for (std::uint16_t i = 0; i < 1000; ++i) {
    const auto peer = PeerAddress::v4({127, 2, static_cast<std::uint8_t>(i >> 8),
                                       static_cast<std::uint8_t>(i)}, 7000);
    e.receive(peer, to_bytes(make_message(Type::Con, codes::Post, i, {1})), now);
    e.receive(peer, to_bytes(make_message(Type::Non, codes::Get, static_cast<std::uint16_t>(i + 5000), {2})), now);
    for (auto& ev : events_of(e)) {
      auto* r = std::get_if<RequestReceived>(&ev);
      if (!r) continue;
      Message reply;
      reply.code = codes::Content;
      if (i % 2 == 0) reply.set_payload(long_text);
      ASSERT_TRUE(e.respond(r->exchange, std::move(reply), now));
    }
    const auto sent = drain(e);
    ASSERT_EQ(sent.size(), 2u);
    first_replies.push_back(sent[0].msg);
  }
  EXPECT_EQ(e.counts().dedup_entries, 2000u);
  for (std::uint16_t i = 0; i < 1000; i += 7) {
    const auto peer = PeerAddress::v4({127, 2, static_cast<std::uint8_t>(i >> 8),
                                       static_cast<std::uint8_t>(i)}, 7000);
    e.receive(peer, to_bytes(make_message(Type::Con, codes::Post, i, {1})), now);
    const auto again = drain(e);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_TRUE(again[0].msg == first_replies[i]) << i;
  }
  EXPECT_TRUE(events_of(e).empty());
  e.on_timer(now + 146s);
  EXPECT_EQ(e.counts().dedup_entries, 1000u);  // the NON entries are gone
  e.on_timer(now + 248s);
  EXPECT_EQ(e.counts().dedup_entries, 0u);
}

// The long reply to a GET is not kept: its duplicate is processed again (RFC 7252 §4.5), and no
// copy of each block served stays for EXCHANGE_LIFETIME. A short one, and an Observe
// registration's, are replayed as for any request.
TEST(Engine, DuplicateGetWithALongReplyIsProcessedAgain) {
  Engine e({}, 1);
  TimePoint now = start_time();
  const auto answer = [&](std::string_view payload) {
    for (auto& ev : events_of(e)) {
      auto* r = std::get_if<RequestReceived>(&ev);
      ASSERT_NE(r, nullptr);
      Message reply;
      reply.code = codes::Content;
      reply.set_payload(payload);
      ASSERT_TRUE(e.respond(r->exchange, std::move(reply), now));
    }
  };
  const std::string block(1024, 'b');
  const auto get = to_bytes(make_message(Type::Con, codes::Get, 1, {1}));
  e.receive(kClientAddr, get, now);
  answer(block);
  ASSERT_EQ(drain(e).size(), 1u);
  e.receive(kClientAddr, get, now + 2s);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 1u) << "delivered again";
  EXPECT_EQ(e.stats().duplicates, 1u);

  const auto short_get = to_bytes(make_message(Type::Con, codes::Get, 2, {2}));
  e.receive(kClientAddr, short_get, now);
  answer("22 C");
  const auto first = drain(e);
  ASSERT_EQ(first.size(), 1u);
  e.receive(kClientAddr, short_get, now + 2s);
  EXPECT_TRUE(events_of(e).empty()) << "the short reply is replayed";
  const auto again = drain(e);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].msg == first[0].msg);

  Message observe = make_message(Type::Con, codes::Get, 3, {3});
  observe.set_uint_option(options::Observe, 0);
  e.receive(kClientAddr, to_bytes(observe), now);
  answer(block);
  ASSERT_EQ(drain(e).size(), 1u);
  e.receive(kClientAddr, to_bytes(observe), now + 2s);
  EXPECT_TRUE(events_of(e).empty()) << "an Observe registration is not processed twice";
  EXPECT_EQ(drain(e).size(), 1u);
}

TEST(Engine, EventQueueIsBounded) {
  EngineConfig c;
  c.max_pending_events = 2;
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 3; ++mid)
    e.receive(
        kClientAddr,
        to_bytes(make_message(Type::Con, codes::Get, mid, {1, static_cast<std::uint8_t>(mid)})),
        now);
  EXPECT_EQ(e.counts().pending_events, 2u);
  EXPECT_EQ(e.stats().dropped_overload, 1u);
  EXPECT_EQ(e.counts().dedup_entries, 2u);  // the dropped one will be processed when it comes again
  events_of(e);
  e.receive(kClientAddr, to_bytes(make_message(Type::Con, codes::Get, 3, {1, 3})), now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 1u);
}

TEST(Engine, ForgetPeerSendsNothingMore) {
  Engine e({}, 1);
  TimePoint now = start_time();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(e.send_request(kServerAddr, get_request("/"), now));
  EXPECT_EQ(drain(e).size(), 1u);
  e.forget_peer(kServerAddr);
  EXPECT_TRUE(drain(e).empty());
  EXPECT_EQ(only<RequestFailed>(events_of(e)).size(), 3u);
  EXPECT_EQ(e.counts().queued_requests, 0u);
  EXPECT_EQ(e.counts().client_requests, 0u);
}

TEST(Engine, StateReturnsToZeroAfterExchangeLifetime) {
  Link link;
  link.on_server_event = content_server(link, body_of(3000));  // Block2 as well
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/r"), link.now));
  Message put;
  put.code = codes::Put;
  put.set_payload(body_of(5000));
  ASSERT_TRUE(link.client.send_request(kServerAddr, std::move(put), link.now));
  ASSERT_TRUE(link.client.ping(kServerAddr, link.now));
  link.advance(10s);
  EXPECT_EQ(only<ResponseReceived>(link.client_events).size(), 4u);
  EXPECT_EQ(only<PongReceived>(link.client_events).size(), 1u);
  EXPECT_FALSE(all_zero(link.server.counts()));
  link.advance(link.server.config().exchange_lifetime + 1s);
  EXPECT_TRUE(all_zero(link.client.counts()));
  EXPECT_TRUE(all_zero(link.server.counts()));
  EXPECT_FALSE(link.client.next_expiry().has_value());
  EXPECT_FALSE(link.server.next_expiry().has_value());
}

TEST(Engine, UnansweredExchangeExpires) {
  Engine e({}, 1);
  TimePoint now = start_time();
  e.receive(kClientAddr, to_bytes(make_message(Type::Con, codes::Get, 1, {1})), now);
  auto requests = only<RequestReceived>(events_of(e));
  ASSERT_EQ(requests.size(), 1u);
  for (TimePoint t = now; t <= now + 250s; t += 1s) e.on_timer(t);
  EXPECT_EQ(e.counts().server_exchanges, 0u);
  auto r = e.respond(requests[0].exchange, Message{}, now + 251s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::UnknownExchange);
}

TEST(Engine, ForgetPeerFailsItsRequests) {
  Engine e({}, 1);
  TimePoint now = start_time();
  auto id = e.send_request(kServerAddr, get_request("/"), now);
  ASSERT_TRUE(id);
  e.forget_peer(kServerAddr);
  auto failed = only<RequestFailed>(events_of(e));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, *id);
  EXPECT_EQ(e.counts().peers, 0u);
  EXPECT_EQ(e.counts().client_requests, 0u);
}

TEST(Engine, TokensAreEightRandomBytes) {
  Engine a({}, 1), b({}, 2);
  TimePoint now = start_time();
  std::set<std::uint64_t> tokens;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(a.send_request(PeerAddress::loopback_v4(static_cast<std::uint16_t>(100 + i)),
                               get_request("/"), now));
    ASSERT_TRUE(b.send_request(PeerAddress::loopback_v4(static_cast<std::uint16_t>(100 + i)),
                               get_request("/"), now));
  }
  for (Engine* e : {&a, &b})
    for (auto& s : drain(*e)) {
      EXPECT_EQ(s.msg.token.size(), 8u);
      tokens.insert(s.msg.token.as_u64());
    }
  EXPECT_EQ(tokens.size(), 16u);
}

// RFC 8439 §2.3.2 test vector.
TEST(EngineRandom, ChaCha20BlockMatchesRfc8439) {
  std::array<std::uint32_t, 16> state{0x61707865, 0x3320646e, 0x79622d32, 0x6b206574,
                                      0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c,
                                      0x13121110, 0x17161514, 0x1b1a1918, 0x1f1e1d1c,
                                      0x00000001, 0x09000000, 0x4a000000, 0x00000000};
  std::array<std::uint8_t, 64> out{};
  chacha20_block(state, out);
  const std::array<std::uint8_t, 64> expected{
      0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3,
      0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22,
      0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa,
      0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1,
      0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
  EXPECT_EQ(out, expected);
}

TEST(EngineRandom, SeedsGiveDifferentStreams) {
  Random a(1), b(1), c(2);
  std::uint64_t x = a.next_u64();
  EXPECT_EQ(x, b.next_u64());
  EXPECT_NE(x, c.next_u64());
  for (int i = 0; i < 1000; ++i) {
    double u = a.unit();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace drover::coap::testing

namespace drover::coap::testing {
namespace {

// A server keeps no per-peer state for a client whose requests it answers piggybacked (only the
// dedup entry stays), but remembers a peer it chose MIDs for until EXCHANGE_LIFETIME after the
// last one (RFC 7252 §4.4).
TEST(EnginePeers, PiggybackedExchangesLeaveNoPeerBehind) {
  Engine e({}, 1);
  const TimePoint now = start_time();
  for (std::uint16_t i = 0; i < 50; ++i) {
    const auto peer = PeerAddress::v4({127, 3, 0, static_cast<std::uint8_t>(i)}, 9000);
    e.receive(peer, to_bytes(make_message(Type::Con, codes::Post, i, {1})), now);
    for (auto& ev : events_of(e))
      if (auto* r = std::get_if<RequestReceived>(&ev)) {
        Message reply;
        reply.code = codes::Changed;
        ASSERT_TRUE(e.respond(r->exchange, std::move(reply), now));
      }
    EXPECT_EQ(e.counts().peers, 0u) << i;
  }
  EXPECT_EQ(drain(e).size(), 50u);
  EXPECT_EQ(e.counts().dedup_entries, 50u);
  EXPECT_EQ(e.counts().timers, 0u);
  // A refused request (unknown critical option: 4.02) leaves none either.
  Message bad = make_message(Type::Con, codes::Get, 77, {2});
  bad.add_option(9999, "x");
  e.receive(kClientAddr, to_bytes(bad), now);
  EXPECT_EQ(drain(e).at(0).msg.code, codes::BadOption);
  EXPECT_EQ(e.counts().peers, 0u);
}

TEST(EnginePeers, PeersWithOurMidsAreKeptForTheExchangeLifetime) {
  Engine e({}, 1);
  const TimePoint now = start_time();
  // A NON request is answered NON, in a MID of ours.
  e.receive(kClientAddr, to_bytes(make_message(Type::Non, codes::Get, 5, {1})), now);
  for (auto& ev : events_of(e))
    if (auto* r = std::get_if<RequestReceived>(&ev)) {
      Message reply;
      reply.code = codes::Content;
      ASSERT_TRUE(e.respond(r->exchange, std::move(reply), now));
    }
  ASSERT_EQ(drain(e).at(0).msg.type, Type::Non);
  EXPECT_EQ(e.counts().peers, 1u);
  e.on_timer(now + 246s);
  EXPECT_EQ(e.counts().peers, 1u);
  e.on_timer(now + 248s);
  EXPECT_EQ(e.counts().peers, 0u);

  // A request of ours: the peer stays while it is in flight and a lifetime after its MID.
  auto id = e.send_request(kServerAddr, get_request("/"), now + 300s);
  ASSERT_TRUE(id);
  const auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  Message ack;
  ack.type = Type::Ack;
  ack.code = codes::Content;
  ack.message_id = sent[0].msg.message_id;
  ack.token = sent[0].msg.token;
  e.receive(kServerAddr, to_bytes(ack), now + 301s);
  ASSERT_EQ(only<ResponseReceived>(events_of(e)).size(), 1u);
  EXPECT_EQ(e.counts().peers, 1u);
  e.on_timer(now + 300s + 248s);
  EXPECT_EQ(e.counts().peers, 0u);
  EXPECT_EQ(e.counts().timers, 0u);
}

}  // namespace
}  // namespace drover::coap::testing
