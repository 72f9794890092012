// Per-peer shares of the engine's tables: one peer at its share does not keep another out.
#include "drover/coap/block_option.hpp"
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

const PeerAddress kGreedy = PeerAddress::loopback_v4(41000);
const PeerAddress kOther = PeerAddress::loopback_v4(41001);

Message con_get(std::uint16_t mid, std::string_view path = "/r") {
  Message m = make_message(Type::Con, codes::Get, mid,
                           {static_cast<std::uint8_t>(mid >> 8), static_cast<std::uint8_t>(mid)});
  m.set_uri_path(path);
  return m;
}

// Answers every request waiting with 2.05 and a body of `size` (accepting an observation when
// `observe`), and takes what goes out; returns how many observers were registered.
std::size_t answer_all(Engine& e, TimePoint now, std::size_t size = 0, bool observe = false) {
  std::size_t observers = 0;
  for (auto& r : only<RequestReceived>(events_of(e))) {
    Message resp;
    resp.code = codes::Content;
    resp.set_payload(body_of(size));
    if (observe) resp.add_uint_option(options::Observe, 0);
    auto result = e.respond(r.exchange, std::move(resp), now);
    EXPECT_TRUE(result);
    if (result && *result) ++observers;
  }
  return observers;
}

TEST(PerPeerLimits, ExchangesOfOnePeerAreCappedWithServiceUnavailableAndMaxAge) {
  EngineConfig c;
  c.max_exchanges_per_peer = 3;
  c.overload_max_age = std::chrono::seconds(7);
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 3; ++mid) e.receive(kGreedy, to_bytes(con_get(mid)), now);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 3u);  // left unanswered
  e.receive(kGreedy, to_bytes(con_get(4)), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].peer, kGreedy);
  EXPECT_EQ(sent[0].msg.code, codes::ServiceUnavailable);
  EXPECT_EQ(sent[0].msg.uint_option(options::MaxAge), 7u);
  EXPECT_EQ(e.stats().dropped_overload, 1u);

  // Its retransmission gets the same answer from the cache; another peer is served.
  e.receive(kGreedy, to_bytes(con_get(4)), now);
  sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::ServiceUnavailable);
  e.receive(kOther, to_bytes(con_get(1)), now);
  auto other = only<RequestReceived>(events_of(e));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].peer, kOther);
  EXPECT_EQ(e.counts().server_exchanges, 4u);
}

TEST(PerPeerLimits, TotalExchangeBoundAlsoAnswersWithMaxAge) {
  EngineConfig c;
  c.max_exchanges = 1;
  Engine e(c, 1);
  TimePoint now = start_time();
  e.receive(kGreedy, to_bytes(con_get(1)), now);
  e.receive(kOther, to_bytes(con_get(1)), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::ServiceUnavailable);
  EXPECT_EQ(sent[0].msg.uint_option(options::MaxAge), 10u);  // the default overload_max_age
}

TEST(PerPeerLimits, DedupEntriesOfOnePeerAreCapped) {
  EngineConfig c;
  c.max_dedup_entries_per_peer = 4;
  Engine e(c, 1);
  TimePoint now = start_time();
  // NON requests, answered at once: only their dedup entries stay (NON_LIFETIME).
  for (std::uint16_t mid = 1; mid <= 6; ++mid) {
    Message m = con_get(mid);
    m.type = Type::Non;
    e.receive(kGreedy, to_bytes(m), now);
    answer_all(e, now);
    drain(e);
  }
  EXPECT_EQ(e.counts().dedup_entries, 4u);
  EXPECT_EQ(e.stats().dropped_overload, 2u);
  for (std::uint16_t mid = 1; mid <= 4; ++mid) {
    Message m = con_get(mid);
    m.type = Type::Non;
    e.receive(kOther, to_bytes(m), now);
  }
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 4u);
  EXPECT_EQ(e.counts().dedup_entries, 8u);
  // Once its entries expire, the greedy peer gets in again.
  e.on_timer(now + c.non_lifetime);
  EXPECT_EQ(e.counts().dedup_entries, 0u);
  Message m = con_get(7);
  m.type = Type::Non;
  e.receive(kGreedy, to_bytes(m), now + c.non_lifetime);
  EXPECT_EQ(only<RequestReceived>(events_of(e)).size(), 1u);
}

Message observe_get(std::uint16_t mid, std::string_view path) {
  Message m = con_get(mid, path);
  m.add_uint_option(options::Observe, 0);
  return m;
}

TEST(PerPeerLimits, ObserversOfOnePeerAreCappedTheRequestIsStillAnswered) {
  EngineConfig c;
  c.max_observers_per_peer = 2;
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 3; ++mid)
    e.receive(kGreedy, to_bytes(observe_get(mid, "/o" + std::to_string(mid))), now);
  EXPECT_EQ(answer_all(e, now, 0, true), 2u);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_TRUE(sent[1].msg.has_option(options::Observe));
  EXPECT_FALSE(sent[2].msg.has_option(options::Observe));  // answered, not registered (§4.1)
  EXPECT_EQ(sent[2].msg.code, codes::Content);

  e.receive(kOther, to_bytes(observe_get(1, "/o1")), now);
  EXPECT_EQ(answer_all(e, now, 0, true), 1u);
  EXPECT_EQ(e.counts().observers, 3u);
}

Message block1_of(std::uint16_t mid, std::string_view path) {
  Message m = con_get(mid, path);
  m.code = codes::Put;
  write_block(m, options::Block1, BlockOption{0, true, 6});
  m.set_payload(body_of(1024));
  return m;
}

TEST(PerPeerLimits, BlockTransfersOfOnePeerAreCapped) {
  EngineConfig c;
  c.max_block_transfers_per_peer = 2;
  Engine e(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t mid = 1; mid <= 3; ++mid)
    e.receive(kGreedy, to_bytes(block1_of(mid, "/u" + std::to_string(mid))), now);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].msg.code, codes::Continue);
  EXPECT_EQ(sent[1].msg.code, codes::Continue);
  EXPECT_EQ(sent[2].msg.code, codes::ServiceUnavailable);
  EXPECT_TRUE(sent[2].msg.has_option(options::MaxAge));

  e.receive(kOther, to_bytes(block1_of(1, "/u1")), now);
  sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::Continue);
  EXPECT_EQ(e.counts().block_transfers, 3u);
}

TEST(PerPeerLimits, CachedBodiesOfOnePeerReplaceItsOwnOldest) {
  EngineConfig c;
  c.max_block_transfers_per_peer = 1;
  Engine e(c, 1);
  TimePoint now = start_time();
  // Each answer is a 3000-byte body: its first block goes out, the body is cached for the rest.
  auto answer_large = [&] {
    answer_all(e, now, 3000);
    drain(e);
  };
  e.receive(kOther, to_bytes(con_get(1, "/other")), now);
  answer_large();
  e.receive(kGreedy, to_bytes(con_get(1, "/a")), now);
  answer_large();
  e.receive(kGreedy, to_bytes(con_get(2, "/b")), now + 1s);
  answer_large();
  EXPECT_EQ(e.counts().block_transfers, 2u);  // /b replaced /a; /other stays

  // The other peer's follow-up is still served from its cache.
  Message next = con_get(2, "/other");
  write_block(next, options::Block2, BlockOption{1, false, 6});
  e.receive(kOther, to_bytes(next), now + 1s);
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.payload().size(), 1024u);
  EXPECT_TRUE(events_of(e).empty());  // not asked of the application
}

}  // namespace
}  // namespace drover::coap::testing
