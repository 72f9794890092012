// A fleet over DTLS (SecureLink) against the DTLS server in front of the LwM2M server core, in
// memory: derived PSKs, the cookie exchange, compact sessions on both sides, the bound on
// handshakes at once.
#include <gtest/gtest.h>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/security_store.hpp"
#include "drover/loadgen/secure_link.hpp"
#include "drover/server/server.hpp"
#include "fleet_harness.hpp"

namespace drover::loadgen::testing {
namespace {

const std::vector<std::uint8_t> kMaster(32, 0x42);

struct SecureHarness {
  explicit SecureHarness(std::uint32_t clients, std::size_t max_handshakes = 512)
      : fleet(fleet_config(clients), sink),
        core(server_config()),
        dtls(core, credentials(), {}),
        link({kMaster, max_handshakes, {}}, fleet,
             [this](std::uint32_t client, const coap::PeerAddress& to,
                    std::span<const std::uint8_t> bytes) {
               EXPECT_EQ(to, kServer);
               wire.push_back({client, to, {bytes.begin(), bytes.end()}});
             }) {}

  dtls::ServerCredentials credentials() {
    store.derive_psks(kMaster, "bench-");
    dtls::ServerCredentials c;
    c.store = &store;
    return c;
  }

  // The fleet's sink hands its datagrams to the link.
  struct ToLink : Fleet::Sink {
    SecureHarness* h = nullptr;
    void send(std::uint32_t client, const coap::PeerAddress& to,
              std::span<const std::uint8_t> bytes) override {
      h->link.send(client, to, bytes, h->now);
    }
  };

  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (const auto& d : std::exchange(wire, {})) {
        moved = true;
        dtls.receive(fleet.address_of(d.client, kFleetPort), d.bytes, now);
      }
      coap::Transmit t;
      while (dtls.poll_transmit(t)) {
        moved = true;
        const auto client = fleet.client_at(t.peer);
        ASSERT_TRUE(client);
        link.receive(*client, kServer, t.bytes, fleet, now);
      }
      server::ServerEvent e;
      while (core.poll_event(e)) {
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "traffic did not settle";
  }

  void advance(Duration d) {
    now += d;
    fleet.on_timer(now);
    link.on_timer(now);
    dtls.on_timer(now);
    pump();
  }

  TimePoint now = TimePoint{} + std::chrono::hours(10);
  dtls::MemorySecurityStore store;
  ToLink sink;
  std::vector<Datagram> wire;
  Fleet fleet;
  server::Server core;
  dtls::DtlsServer dtls;
  SecureLink link;
};

TEST(SecureLink, FleetRegistersAndUpdatesOverDtls) {
  SecureHarness h(5);
  h.sink.h = &h;
  for (std::uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(h.fleet.start(Op::Register, i, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.registered_count(), 5u);
  EXPECT_EQ(h.link.sessions(), 5u);
  EXPECT_EQ(h.link.handshakes(), 0u);
  EXPECT_EQ(h.link.stats().handshakes_completed, 5u);
  EXPECT_EQ(h.dtls.stats().cookies_sent, 5u);
  EXPECT_EQ(h.dtls.counts().compact_sessions, 5u);
  EXPECT_EQ(h.dtls.identity_of(h.fleet.address_of(3, kFleetPort))->name, "bench-0000003");
  for (std::uint32_t i = 0; i < 5; ++i) ASSERT_TRUE(h.fleet.start(Op::Update, i, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Update).succeeded, 5u);
  EXPECT_EQ(h.link.stats().handshakes_started, 5u);  // no new handshake
}

TEST(SecureLink, HandshakesAtOnceAreBoundedAndRetriedByTheFleet) {
  SecureHarness h(4, 1);
  h.sink.h = &h;
  for (std::uint32_t i = 0; i < 4; ++i) ASSERT_TRUE(h.fleet.start(Op::Register, i, h.now));
  EXPECT_EQ(h.link.stats().dropped_busy, 3u);
  h.pump();
  EXPECT_EQ(h.fleet.registered_count(), 1u);
  // The fleet's CoAP retransmissions start the others' handshakes, one at a time.
  for (int i = 0; i < 60 && h.fleet.registered_count() < 4; ++i) h.advance(std::chrono::seconds(1));
  EXPECT_EQ(h.fleet.registered_count(), 4u);
  EXPECT_EQ(h.link.sessions(), 4u);
}

TEST(SecureLink, ServerCloseNotifyEndsTheSessionAndTheNextDatagramHandshakes) {
  SecureHarness h(1);
  h.sink.h = &h;
  ASSERT_TRUE(h.fleet.start(Op::Register, 0, h.now));
  h.pump();
  ASSERT_EQ(h.link.sessions(), 1u);
  h.dtls.close_all(h.now);
  h.pump();
  EXPECT_EQ(h.link.sessions(), 0u);
  EXPECT_EQ(h.link.stats().sessions_closed, 1u);
  ASSERT_TRUE(h.fleet.start(Op::Update, 0, h.now));
  h.pump();
  EXPECT_EQ(h.link.stats().handshakes_completed, 2u);
  EXPECT_EQ(h.fleet.stats().of(Op::Update).succeeded, 1u);
}

}  // namespace
}  // namespace drover::loadgen::testing
