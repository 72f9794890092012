// The engine's per-message path allocates nothing once warm: counted by the global operator new
// of this test binary (drover_allocation_counter).
#include <gtest/gtest.h>

#include "support/allocation_counter.hpp"
#include "test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

// A server answering CON requests piggybacked, from a thousand clients in turn, in the way the
// LwM2M server drives its engine: messages from take_message(), events recycled.
TEST(EngineAllocations, PiggybackedExchangesAllocateNothingOnceWarm) {
  EngineConfig c;
  c.max_dedup_entries = 256;  // full, so that every new message also evicts one
  Engine e(c, 1);
  const TimePoint now = start_time();
  constexpr int kClients = 1000;
  std::vector<std::vector<std::uint8_t>> datagrams;
  std::vector<PeerAddress> peers;
  for (int i = 0; i < 4 * kClients; ++i) {
    datagrams.push_back(to_bytes(make_message(Type::Con, codes::Post, static_cast<std::uint16_t>(i),
                                              {static_cast<std::uint8_t>(i), 7})));
    peers.push_back(PeerAddress::v4({127, 4, static_cast<std::uint8_t>((i % kClients) >> 8),
                                     static_cast<std::uint8_t>(i % kClients)},
                                    5000));
  }
  Event event;
  std::size_t answered = 0;
  const auto exchange = [&](int i) {
    e.receive(peers[static_cast<std::size_t>(i)], datagrams[static_cast<std::size_t>(i)], now);
    while (e.poll_event(event)) {
      auto* r = std::get_if<RequestReceived>(&event);
      ASSERT_NE(r, nullptr);
      Message reply = e.take_message();
      reply.code = codes::Changed;
      reply.set_payload(std::string_view("ok"));
      ASSERT_TRUE(e.respond(r->exchange, std::move(reply), now));
      e.recycle(std::move(r->request));
    }
    Transmit t;
    while (e.poll_transmit(t)) ++answered;
    (void)e.next_expiry();
  };
  for (int i = 0; i < 2 * kClients; ++i) exchange(i);  // warm: tables and pools at their size
  const std::size_t before = testing_support::allocations();
  for (int i = 2 * kClients; i < 4 * kClients; ++i) exchange(i);
  const std::size_t allocated = testing_support::allocations() - before;
  EXPECT_EQ(answered, 4u * kClients);
  EXPECT_EQ(allocated, 0u);
  EXPECT_EQ(e.counts().peers, 0u);
  EXPECT_EQ(e.counts().dedup_entries, 256u);
}

}  // namespace
}  // namespace drover::coap::testing
