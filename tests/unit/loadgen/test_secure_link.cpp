// A fleet over DTLS (SecureLink) against the DTLS server in front of the LwM2M server core, in
// memory: derived PSKs, the cookie exchange, compact sessions on both sides, the bound on
// handshakes at once, sessions dropped and resumed with their tickets, X.509 clients.
#include <gtest/gtest.h>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/pki.hpp"
#include "drover/dtls/security_store.hpp"
#include "drover/loadgen/secure_link.hpp"
#include "drover/server/server.hpp"
#include "fleet_harness.hpp"

namespace drover::loadgen::testing {
namespace {

const std::vector<std::uint8_t> kMaster(32, 0x42);

struct SecureHarness {
  explicit SecureHarness(std::uint32_t clients, std::size_t max_handshakes = 512,
                         std::optional<dtls::CertificateCredential> certificate = {})
      : fleet(fleet_config(clients), sink),
        core(server_config()),
        dtls(core, credentials(std::move(certificate)), {}),
        link({kMaster, max_handshakes, {}}, fleet,
             [this](std::uint32_t client, const coap::PeerAddress& to,
                    std::span<const std::uint8_t> bytes) {
               EXPECT_EQ(to, kServer);
               wire.push_back({client, to, {bytes.begin(), bytes.end()}});
             }) {}

  dtls::ServerCredentials credentials(std::optional<dtls::CertificateCredential> certificate) {
    store.derive_psks(kMaster, "bench-");
    dtls::ServerCredentials c;
    c.store = &store;
    c.certificate = std::move(certificate);
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

TEST(SecureLink, DroppedSessionsResumeWithTheTicketsKept) {
  SecureHarness h(3);
  h.sink.h = &h;
  h.link.keep_tickets(true);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(h.fleet.start(Op::Register, i, h.now));
  h.pump();
  ASSERT_EQ(h.link.sessions(), 3u);
  EXPECT_EQ(h.link.tickets(), 3u);
  EXPECT_GT(h.link.ticket_bytes(), 0u);
  EXPECT_EQ(h.link.stats().handshakes_resumed, 0u);

  h.link.drop_sessions();
  EXPECT_EQ(h.link.sessions(), 0u);
  for (std::uint32_t i = 0; i < 3; ++i) ASSERT_TRUE(h.fleet.start(Op::Update, i, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Update).succeeded, 3u);  // the same identity, resumed
  EXPECT_EQ(h.link.stats().handshakes_completed, 6u);
  EXPECT_EQ(h.link.stats().handshakes_resumed, 3u);
  EXPECT_EQ(h.dtls.stats().handshakes_resumed, 3u);
  EXPECT_EQ(h.dtls.stats().sessions_replaced, 3u);
  EXPECT_EQ(h.link.tickets(), 3u);  // renewed by the server

  h.link.keep_tickets(false);
  EXPECT_EQ(h.link.tickets(), 0u);
  EXPECT_EQ(h.link.ticket_bytes(), 0u);
  h.link.drop_sessions();
  ASSERT_TRUE(h.fleet.start(Op::Update, 0, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.stats().of(Op::Update).succeeded, 4u);
  EXPECT_EQ(h.link.stats().handshakes_resumed, 3u);  // a full handshake without its ticket
}

TEST(SecureLink, ClientsHandshakeWithTheCertificatesGiven) {
  const auto ca = dtls::make_ca("Bench CA");
  SecureHarness h(2, 512, dtls::make_certificate(ca, "bench-server", time(nullptr) + 3600));
  h.sink.h = &h;
  const std::string key = dtls::make_private_key();
  std::vector<std::uint32_t> asked;
  h.link.use_certificates([&](std::uint32_t client) {
    asked.push_back(client);
    return dtls::make_certificate(ca, h.fleet.endpoint_of(client), time(nullptr) + 3600, key);
  });
  for (std::uint32_t i = 0; i < 2; ++i) ASSERT_TRUE(h.fleet.start(Op::Register, i, h.now));
  h.pump();
  EXPECT_EQ(h.fleet.registered_count(), 2u);
  EXPECT_EQ(asked, (std::vector<std::uint32_t>{0, 1}));
  const auto* id = h.dtls.identity_of(h.fleet.address_of(1, kFleetPort));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->kind, dtls::CredentialKind::X509);
  EXPECT_EQ(id->endpoint, "bench-0000001");
}

}  // namespace
}  // namespace drover::loadgen::testing
