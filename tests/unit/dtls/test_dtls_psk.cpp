// PSK handshakes between the DTLS client and server cores, the cookie exchange, the bounds, the
// timers and hostile input.
#include "drover/dtls/client_handshake.hpp"
#include "drover/dtls/record.hpp"
#include "dtls_harness.hpp"

namespace drover::dtls::testing {
namespace {

const std::vector<std::uint8_t> kKey = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

// The default configuration with one change.
DtlsServerConfig config_with(const std::function<void(DtlsServerConfig&)>& change) {
  DtlsServerConfig c;
  change(c);
  return c;
}

ClientCredentials psk(std::string identity, std::vector<std::uint8_t> key) {
  ClientCredentials c;
  c.psk = PskCredential{std::move(identity), std::move(key)};
  return c;
}

class Psk : public ::testing::Test {
 protected:
  Psk() {
    FakeClock::install();
    store.add_psk("dev1", "dev1-id", kKey);
    store.add_psk("dev2", "dev2-id", kKey);
  }

  DtlsServer& make_server(DtlsServerConfig config = {}) {
    ServerCredentials credentials;
    credentials.store = &store;
    server.emplace(server_inner, std::move(credentials), std::move(config));
    net.add(kServer, *server);
    return *server;
  }

  // A client core at 127.0.0.1:40000+n with its own inner core.
  DtlsClient& make_client(std::uint16_t n, ClientCredentials credentials = psk("dev1-id", kKey)) {
    return make_client_at(client_address(n), std::move(credentials));
  }
  DtlsClient& make_client_at(const PeerAddress& address,
                             ClientCredentials credentials = psk("dev1-id", kKey)) {
    inners.push_back(std::make_unique<Recorder>());
    clients.push_back(
        std::make_unique<DtlsClient>(*inners.back(), kServer, std::move(credentials)));
    net.add(address, *clients.back());
    return *clients.back();
  }

  MemorySecurityStore store;
  Recorder server_inner;
  std::optional<DtlsServer> server;
  std::vector<std::unique_ptr<Recorder>> inners;
  std::vector<std::unique_ptr<DtlsClient>> clients;
  Network net;
};

TEST_F(Psk, HandshakeThenDatagramsBothWays) {
  auto& s = make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_EQ(s.stats().cookies_sent, 1u);
  EXPECT_EQ(s.stats().handshakes_completed, 1u);
  EXPECT_EQ(s.counts().sessions, 1u);
  const PeerIdentity* id = s.identity_of(client_address(1));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->kind, CredentialKind::Psk);
  EXPECT_EQ(id->name, "dev1-id");
  EXPECT_EQ(id->endpoint, "dev1");
  EXPECT_EQ(id->text(), "psk:dev1-id");

  inners[0]->send(kServer, "request");
  net.pump();
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "request");
  EXPECT_EQ(server_inner.received[0].peer, client_address(1));
  server_inner.send(client_address(1), "response");
  net.pump();
  ASSERT_EQ(inners[0]->received.size(), 1u);
  EXPECT_EQ(inners[0]->received[0].text, "response");
  EXPECT_EQ(inners[0]->received[0].peer, kServer);
}

TEST_F(Psk, RecordsOnTheWireAreNotPlaintext) {
  make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  std::vector<std::vector<std::uint8_t>> seen;
  net.filter = [&](const PeerAddress&, const PeerAddress&, std::span<const std::uint8_t> b) {
    seen.emplace_back(b.begin(), b.end());
    return true;
  };
  inners[0]->send(kServer, "secret-payload");
  net.pump();
  ASSERT_EQ(seen.size(), 1u);
  const auto header = peek_record(seen[0]);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->type, ContentType::ApplicationData);
  EXPECT_EQ(header->epoch, 1u);
  const std::string wire(seen[0].begin(), seen[0].end());
  EXPECT_EQ(wire.find("secret-payload"), std::string::npos);
}

TEST_F(Psk, DatagramsWaitForTheHandshake) {
  make_server();
  make_client(1);
  // No connect(): the inner core's first datagram starts the handshake and goes out after it.
  inners[0]->send(kServer, "register");
  net.pump();
  EXPECT_EQ(clients[0]->state(), ClientState::Connected);
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "register");
}

// A device's bootstrap server is NoSec beside the coaps server it was given: with
// plain_to_others its datagrams pass in plain both ways; without, they are dropped.
TEST_F(Psk, OtherPeersPassInPlainOnlyWhenAsked) {
  make_server();
  const PeerAddress bootstrap_server = PeerAddress::loopback_v4(5693);
  const std::string answer = "bootstrap-answer";
  const std::span<const std::uint8_t> answer_bytes(
      reinterpret_cast<const std::uint8_t*>(answer.data()), answer.size());

  Recorder inner;
  DtlsClientConfig config;
  config.plain_to_others = true;
  DtlsClient c(inner, kServer, psk("dev1-id", kKey), config);
  inner.send(bootstrap_server, "bootstrap-request");
  inner.send(kServer, "register");
  coap::Transmit tx;
  ASSERT_TRUE(c.poll_transmit(tx));
  EXPECT_EQ(tx.peer, bootstrap_server);
  EXPECT_EQ(std::string(tx.bytes.begin(), tx.bytes.end()), "bootstrap-request");
  ASSERT_TRUE(c.poll_transmit(tx));  // the server's datagram waits for a handshake
  EXPECT_EQ(tx.peer, kServer);
  EXPECT_EQ(peek_record(tx.bytes)->type, ContentType::Handshake);
  c.receive(bootstrap_server, answer_bytes, FakeClock::now);
  ASSERT_EQ(inner.received.size(), 1u);
  EXPECT_EQ(inner.received[0].peer, bootstrap_server);
  EXPECT_EQ(inner.received[0].text, answer);

  Recorder strict_inner;
  DtlsClient strict(strict_inner, kServer, psk("dev1-id", kKey));
  strict_inner.send(bootstrap_server, "bootstrap-request");
  EXPECT_FALSE(strict.poll_transmit(tx));
  EXPECT_EQ(strict.stats().dropped_transmits, 1u);
  strict.receive(bootstrap_server, answer_bytes, FakeClock::now);
  EXPECT_TRUE(strict_inner.received.empty());
}

TEST_F(Psk, WrongKeyNeverEstablishes) {
  auto& s = make_server();
  auto bad = kKey;
  bad[0] ^= 1;
  auto& c = make_client(1, psk("dev1-id", bad));
  c.connect(FakeClock::now);
  net.pump();
  // The server cannot read the client's Finished: DTLS drops records that fail their MAC
  // (RFC 6347 §4.1.2.7), so the handshake goes on until it times out.
  EXPECT_NE(c.state(), ClientState::Connected);
  EXPECT_EQ(s.counts().sessions, 0u);
  EXPECT_EQ(s.identity_of(client_address(1)), nullptr);
  inners[0]->send(kServer, "register");
  net.advance(61s);
  EXPECT_EQ(c.state(), ClientState::Failed) << c.last_error();
  EXPECT_EQ(c.stats().handshakes_completed, 0u);
  EXPECT_EQ(s.stats().handshakes_completed, 0u);
  EXPECT_EQ(s.stats().handshakes_failed + s.stats().handshakes_timed_out, 1u)
      << s.stats().handshakes_failed << " " << s.stats().handshakes_timed_out << " "
      << c.last_error();
  EXPECT_EQ(s.counts().sessions + s.counts().handshakes, 0u);
  EXPECT_TRUE(server_inner.received.empty());
}

TEST_F(Psk, UnknownIdentityFails) {
  auto& s = make_server();
  auto& c = make_client(1, psk("nobody", kKey));
  c.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(c.state(), ClientState::Failed);
  ASSERT_TRUE(c.last_alert());
  EXPECT_EQ(*c.last_alert(), GNUTLS_A_UNKNOWN_PSK_IDENTITY) << c.last_error();
  EXPECT_EQ(s.stats().handshakes_failed, 1u);
  EXPECT_EQ(s.stats().failed_unknown_identity, 1u);
  EXPECT_EQ(s.stats().failed_bad_certificate + s.stats().failed_other, 0u);
  EXPECT_EQ(s.stats().alerts_sent, 1u);
  EXPECT_EQ(s.counts().sessions + s.counts().handshakes, 0u);
}

TEST_F(Psk, StoreChangesHoldFromTheNextHandshake) {
  auto& s = make_server();
  auto& before = make_client(1, psk("late-id", kKey));
  before.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(before.state(), ClientState::Failed);

  ASSERT_EQ(store.put("late", {{CredentialKind::Psk, "late-id", kKey}}), std::nullopt);
  auto& after = make_client(2, psk("late-id", kKey));
  after.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(after.state(), ClientState::Connected) << after.last_error();
  ASSERT_NE(s.identity_of(client_address(2)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(2))->endpoint, "late");

  ASSERT_TRUE(store.erase("late"));
  auto& erased = make_client(3, psk("late-id", kKey));
  erased.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(erased.state(), ClientState::Failed);
  EXPECT_EQ(s.stats().failed_unknown_identity, 2u);
  EXPECT_EQ(s.stats().handshakes_completed, 1u);
  EXPECT_EQ(s.counts().sessions, 1u) << "the session made before the change stays up";
}

TEST_F(Psk, ClientHelloWithoutCookieCreatesNoState) {
  auto& s = make_server();
  auto& c = make_client(1);
  std::vector<std::uint8_t> hello;
  net.filter = [&](const PeerAddress&, const PeerAddress& to, std::span<const std::uint8_t> b) {
    if (to == kServer && hello.empty()) hello.assign(b.begin(), b.end());
    return false;
  };
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_TRUE(starts_with_client_hello(hello));
  // The same ClientHello from a thousand addresses: a HelloVerifyRequest each, nothing kept.
  for (std::uint16_t i = 0; i < 1000; ++i)
    s.receive(client_address(100 + i), hello, FakeClock::now);
  EXPECT_EQ(s.stats().cookies_sent, 1000u);
  EXPECT_EQ(s.stats().handshakes_started, 0u);
  EXPECT_EQ(s.counts().sessions + s.counts().handshakes, 0u);
  coap::Transmit tx;
  std::size_t answers = 0;
  while (s.poll_transmit(tx)) {
    ++answers;
    const auto h = peek_record(tx.bytes);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->type, ContentType::Handshake);
    EXPECT_EQ(tx.bytes[record_header_size], 3u);  // HelloVerifyRequest
  }
  EXPECT_EQ(answers, 1000u);
  EXPECT_EQ(s.next_expiry(), std::nullopt);
}

TEST_F(Psk, CookieOfAnotherAddressIsRefused) {
  auto& s = make_server();
  auto& c = make_client(1);
  // The ClientHello carrying the cookie made for 40001, replayed from 40002.
  std::vector<std::vector<std::uint8_t>> hellos;
  net.filter = [&](const PeerAddress&, const PeerAddress& to, std::span<const std::uint8_t> b) {
    if (to == kServer && starts_with_client_hello(b)) hellos.emplace_back(b.begin(), b.end());
    return true;
  };
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(hellos.size(), 2u);
  s.receive(client_address(2), hellos[1], FakeClock::now);
  EXPECT_EQ(s.stats().cookies_sent, 2u);
  EXPECT_EQ(s.stats().handshakes_started, 1u);
}

TEST_F(Psk, HalfOpenHandshakesAreBounded) {
  auto& s = make_server(config_with([](auto& c) { c.max_handshakes = 2; }));
  // Servers' flights after the cookie never arrive: handshakes stay half-open.
  net.filter = [](const PeerAddress& from, const PeerAddress&, std::span<const std::uint8_t> b) {
    return !(from == kServer && b.size() > 60);
  };
  for (std::uint16_t i = 1; i <= 3; ++i) make_client(i).connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.stats().handshakes_started, 2u);
  EXPECT_EQ(s.stats().dropped_handshake_limit, 1u);
  EXPECT_EQ(s.counts().handshakes, 2u);
  // They time out; the third client's ClientHello, sent again, takes the room freed.
  net.advance(31s);
  EXPECT_EQ(s.stats().handshakes_timed_out, 2u);
  EXPECT_EQ(s.stats().handshakes_started, 3u);
  EXPECT_EQ(s.counts().handshakes, 1u);
}

TEST_F(Psk, HalfOpenHandshakesFromOneAddressAreBounded) {
  auto& s = make_server(config_with([](auto& c) { c.max_handshakes_per_ip = 2; }));
  net.filter = [](const PeerAddress& from, const PeerAddress&, std::span<const std::uint8_t> b) {
    return !(from == kServer && b.size() > 60);
  };
  for (std::uint16_t i = 1; i <= 3; ++i) make_client(i).connect(FakeClock::now);  // 127.0.0.1
  auto& other = make_client_at(PeerAddress::v4({127, 0, 0, 2}, 40000));
  other.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.stats().handshakes_started, 3u) << "two from 127.0.0.1, one from 127.0.0.2";
  EXPECT_EQ(s.stats().dropped_address_limit, 1u);
  // Let the flights through: the two complete, then the third gets its turn.
  net.filter = {};
  net.advance(5s);
  EXPECT_EQ(other.state(), ClientState::Connected);
  EXPECT_EQ(s.counts().sessions, 4u);
  EXPECT_EQ(s.counts().handshakes, 0u);
}

TEST_F(Psk, NewHandshakesFromOneAddressAreRateBounded) {
  auto& s = make_server(config_with([](auto& c) {
    c.handshake_rate_per_ip = 1;
    c.handshake_burst_per_ip = 2;
  }));
  for (std::uint16_t i = 1; i <= 3; ++i) make_client(i).connect(FakeClock::now);
  auto& other = make_client_at(PeerAddress::v4({127, 0, 0, 2}, 40000));
  other.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.counts().sessions, 3u) << "the burst of 127.0.0.1, and 127.0.0.2";
  EXPECT_EQ(s.stats().dropped_address_rate, 1u);
  EXPECT_EQ(other.state(), ClientState::Connected);
  EXPECT_EQ(clients[2]->state(), ClientState::Handshaking);
  // A second later a token is back: the third client's ClientHello, sent again, gets through.
  net.advance(2s);
  EXPECT_EQ(clients[2]->state(), ClientState::Connected);
  EXPECT_EQ(s.counts().sessions, 4u);
}

TEST_F(Psk, SessionsAreBounded) {
  auto& s = make_server(config_with([](auto& c) { c.max_sessions = 2; }));
  for (std::uint16_t i = 1; i <= 3; ++i) make_client(i).connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.counts().sessions, 2u);
  EXPECT_EQ(s.stats().dropped_session_limit, 1u);
  EXPECT_EQ(clients[2]->state(), ClientState::Handshaking);
}

TEST_F(Psk, IdleSessionsExpireWithCloseNotify) {
  auto& s = make_server(config_with([](auto& c) { c.idle_timeout = 600s; }));
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected);
  net.advance(300s);
  inners[0]->send(kServer, "keep");  // activity postpones the expiry
  net.pump();
  net.advance(599s);
  EXPECT_EQ(s.counts().sessions, 1u);
  net.advance(2s);
  EXPECT_EQ(s.stats().sessions_expired, 1u);
  EXPECT_EQ(s.counts().sessions, 0u);
  EXPECT_EQ(c.state(), ClientState::Closed);
  // Nothing in clear to the address whose session ended.
  server_inner.send(client_address(1), "late");
  net.pump();
  EXPECT_TRUE(inners[0]->received.empty());
  EXPECT_EQ(s.stats().dropped_transmits, 1u);
  // The client's next datagram opens a new session.
  inners[0]->send(kServer, "again");
  net.pump();
  EXPECT_EQ(c.state(), ClientState::Connected);
  ASSERT_EQ(server_inner.received.size(), 2u);
  EXPECT_EQ(server_inner.received[1].text, "again");
}

TEST_F(Psk, LostFlightIsSentAgainByTimer) {
  auto& s = make_server();
  auto& c = make_client(1);
  // The server's first flight after the cookie exchange is lost once.
  int server_flights = 0;
  net.filter = [&](const PeerAddress& from, const PeerAddress&, std::span<const std::uint8_t> b) {
    if (from == kServer && b.size() > 60 && server_flights++ == 0) return false;
    return true;
  };
  const TimePoint start = FakeClock::now;
  c.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(c.state(), ClientState::Handshaking);
  ASSERT_TRUE(s.next_expiry());
  EXPECT_EQ(*s.next_expiry() - start, 1s);  // retransmit_timeout
  net.advance(900ms);
  EXPECT_EQ(c.state(), ClientState::Handshaking);
  net.advance(200ms);
  EXPECT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_EQ(s.stats().handshakes_completed, 1u);
}

TEST_F(Psk, NewHandshakeFromTheSameAddressReplacesTheSession) {
  auto& s = make_server();
  auto& first = make_client(1);
  first.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(first.state(), ClientState::Connected);
  inners[0]->send(kServer, "before");  // the session replaced is a compact one
  net.pump();
  ASSERT_EQ(s.counts().compact_sessions, 1u);
  // The device reboots: a new client at the same address, with another identity.
  net.nodes.pop_back();
  auto& second = make_client(1, psk("dev2-id", kKey));
  second.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(second.state(), ClientState::Connected) << second.last_error();
  EXPECT_EQ(s.stats().sessions_replaced, 1u);
  EXPECT_EQ(s.counts().sessions, 1u);
  EXPECT_EQ(s.counts().compact_sessions, 0u);
  ASSERT_NE(s.identity_of(client_address(1)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(1))->endpoint, "dev2");
}

// The client's session ticket: a reconnect is an abbreviated handshake that proves the same
// identity, from the same address or from another one.
TEST_F(Psk, ReconnectResumesTheSessionFromItsTicket) {
  auto& s = make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_FALSE(c.resumed());

  c.close(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.counts().sessions, 0u);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_TRUE(c.resumed());
  EXPECT_EQ(c.stats().handshakes_resumed, 1u);
  EXPECT_EQ(s.stats().handshakes_resumed, 1u);
  EXPECT_EQ(s.stats().handshakes_completed, 2u);
  ASSERT_NE(s.identity_of(client_address(1)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(1))->text(), "psk:dev1-id");
  EXPECT_EQ(s.identity_of(client_address(1))->endpoint, "dev1");
}

// Another server at the same address in its place, as another shard of the process would be.
void replace_server(Network& net, std::optional<DtlsServer>& server, Recorder& inner,
                    const MemorySecurityStore& store, DtlsServerConfig config) {
  std::erase_if(net.nodes, [&](const Network::Node& n) { return n.core == &*server; });
  ServerCredentials credentials;
  credentials.store = &store;
  server.emplace(inner, std::move(credentials), std::move(config));
  net.add(kServer, *server);
}

// Servers that share a TicketKey resume each other's tickets; one with a key of its own does not.
TEST_F(Psk, ATicketResumesAtAnotherServerOfTheSameKeyOnly) {
  const auto shared = make_ticket_key();
  make_server(config_with([&](DtlsServerConfig& c) { c.ticket_key = shared; }));
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();

  replace_server(net, server, server_inner, store,
                 config_with([&](DtlsServerConfig& cfg) { cfg.ticket_key = shared; }));
  c.reconnect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_TRUE(c.resumed());
  EXPECT_EQ(server->stats().handshakes_resumed, 1u);
  ASSERT_NE(server->identity_of(client_address(1)), nullptr);
  EXPECT_EQ(server->identity_of(client_address(1))->endpoint, "dev1");

  replace_server(net, server, server_inner, store, {});
  c.reconnect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_FALSE(c.resumed());
  EXPECT_EQ(server->stats().handshakes_resumed, 0u);
  EXPECT_EQ(server->stats().handshakes_completed, 1u);
}

TEST_F(Psk, ClientAtANewAddressResumesAndItsDatagramsGoOn) {
  auto& s = make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();

  // A NAT binding changed: the client's records now come from another port, which has no session.
  net.nodes.back().address = client_address(2);
  inners[0]->send(kServer, "lost");
  net.pump();
  EXPECT_TRUE(server_inner.received.empty());
  EXPECT_GE(s.stats().dropped_no_session, 1u);

  c.reconnect(FakeClock::now);
  inners[0]->send(kServer, "after");
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_TRUE(c.resumed());
  EXPECT_EQ(s.stats().handshakes_resumed, 1u);
  ASSERT_NE(s.identity_of(client_address(2)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(2))->endpoint, "dev1");
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].peer, client_address(2));
  EXPECT_EQ(server_inner.received[0].text, "after");
}

TEST_F(Psk, WithoutTicketsEveryHandshakeIsAFullOne) {
  auto& s = make_server(config_with([](DtlsServerConfig& c) { c.ticket_lifetime = {}; }));
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  c.reconnect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected) << c.last_error();
  EXPECT_FALSE(c.resumed());
  EXPECT_EQ(s.stats().handshakes_completed, 2u);
  EXPECT_EQ(s.stats().handshakes_resumed, 0u);
}

TEST_F(Psk, RevokingACredentialEndsItsSessionsAndTickets) {
  auto& s = make_server();
  auto& one = make_client(1);
  auto& two = make_client(2, psk("dev2-id", kKey));
  one.connect(FakeClock::now);
  two.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(s.counts().sessions, 2u);

  EXPECT_EQ(s.revoke(CredentialKind::Psk, "dev1-id", FakeClock::now), 1u);
  net.pump();
  EXPECT_EQ(one.state(), ClientState::Closed) << "close_notify reached the client";
  EXPECT_EQ(two.state(), ClientState::Connected);
  EXPECT_EQ(s.counts().sessions, 1u);
  EXPECT_EQ(s.stats().sessions_revoked, 1u);
  EXPECT_EQ(s.identity_of(client_address(1)), nullptr);

  // The ticket it held is refused: a full handshake, which the store's key decides.
  one.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(one.state(), ClientState::Connected) << one.last_error();
  EXPECT_FALSE(one.resumed());
  EXPECT_EQ(s.stats().handshakes_resumed, 0u);
  one.close(FakeClock::now);
  net.pump();
  ASSERT_TRUE(store.erase("dev1"));
  EXPECT_EQ(s.revoke(CredentialKind::Psk, "dev1-id", FakeClock::now), 0u);
  one.connect(FakeClock::now);
  net.pump();
  EXPECT_EQ(one.state(), ClientState::Failed);
  EXPECT_EQ(s.stats().failed_unknown_identity, 1u);
}

// After the client's first record the server keeps only the compact record state: records flow
// both ways, a replayed or tampered record is dropped, close_notify ends the session (a new
// handshake replacing a compact session: NewHandshakeFromTheSameAddressReplacesTheSession).
TEST_F(Psk, SessionGoesCompactAfterTheClientsFirstRecord) {
  auto& s = make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected);
  EXPECT_EQ(s.counts().compact_sessions, 0u);  // the last flight may still be asked for
  std::vector<std::vector<std::uint8_t>> from_client;
  net.filter = [&](const PeerAddress& from, const PeerAddress&, std::span<const std::uint8_t> b) {
    if (from != kServer) from_client.emplace_back(b.begin(), b.end());
    return true;
  };
  inners[0]->send(kServer, "first");
  net.pump();
  EXPECT_EQ(s.counts().compact_sessions, 1u);
  EXPECT_EQ(s.counts().sessions, 1u);
  inners[0]->send(kServer, "second");
  net.pump();
  server_inner.send(client_address(1), "answer");
  net.pump();
  ASSERT_EQ(server_inner.received.size(), 2u);
  EXPECT_EQ(server_inner.received[1].text, "second");
  ASSERT_EQ(inners[0]->received.size(), 1u);
  EXPECT_EQ(inners[0]->received[0].text, "answer");

  ASSERT_EQ(from_client.size(), 2u);
  s.receive(client_address(1), from_client[1], FakeClock::now);  // replayed
  auto tampered = from_client[1];
  tampered.back() ^= 0x80;
  s.receive(client_address(1), tampered, FakeClock::now);
  EXPECT_EQ(server_inner.received.size(), 2u);
  EXPECT_EQ(s.counts().sessions, 1u);

  net.filter = nullptr;
  c.close(FakeClock::now);
  net.pump();
  EXPECT_EQ(s.stats().sessions_closed, 1u);
  EXPECT_EQ(s.counts().sessions, 0u);
  EXPECT_EQ(s.counts().compact_sessions, 0u);
}

// The load generator's client: a handshake through the cookie exchange, then only a RecordState.
TEST_F(Psk, ClientHandshakeEndsInARecordState) {
  auto& s = make_server();
  ClientHandshake handshake(PskCredential{"dev1-id", kKey}, FakeClock::now);
  const PeerAddress me = client_address(7);
  run_handshake(handshake, s, me);
  ASSERT_EQ(handshake.state(), ClientHandshake::State::Done);
  EXPECT_FALSE(handshake.resumed());
  EXPECT_EQ(s.stats().cookies_sent, 1u);
  auto records = handshake.take_records();
  ASSERT_TRUE(records);
  std::vector<std::uint8_t> record, buffer;
  ASSERT_TRUE(records->protect(ContentType::ApplicationData, bytes_of("register"), record));
  s.receive(me, record, FakeClock::now);
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "register");
  EXPECT_EQ(s.counts().compact_sessions, 1u);
  server_inner.send(me, "created");
  coap::Transmit tx;
  ASSERT_TRUE(s.poll_transmit(tx));
  std::span<const std::uint8_t> datagram = tx.bytes;
  const auto r = next_record(datagram);
  ASSERT_TRUE(r);
  const auto opened = records->unprotect(r->header, r->bytes, buffer);
  ASSERT_EQ(opened.verdict, RecordState::Verdict::Opened);
  EXPECT_EQ(std::string(opened.plaintext.begin(), opened.plaintext.end()), "created");
}

// A load generator's client's full handshake from client_address(7), and the ticket it kept
// (empty if it failed).
std::vector<std::uint8_t> first_ticket(DtlsServer& s) {
  ClientHandshakeOptions options;
  options.keep_resumption = true;
  ClientHandshake first(PskCredential{"dev1-id", kKey}, FakeClock::now, options);
  run_handshake(first, s, client_address(7));
  EXPECT_EQ(first.state(), ClientHandshake::State::Done);
  return first.take_resumption();
}

// What a load generator's client keeps of its session resumes it, from another address too: an
// abbreviated handshake (the server's ticket) that ends in a RecordState the server reads.
TEST_F(Psk, ClientHandshakeResumesWithWhatItKept) {
  auto& s = make_server();
  const std::vector<std::uint8_t> ticket = first_ticket(s);
  ASSERT_FALSE(ticket.empty());
  ClientHandshakeOptions options;
  options.keep_resumption = true;
  options.resume = ticket;
  ClientHandshake again(PskCredential{"dev1-id", kKey}, FakeClock::now, options);
  const PeerAddress moved = client_address(8);
  run_handshake(again, s, moved);
  ASSERT_EQ(again.state(), ClientHandshake::State::Done);
  EXPECT_TRUE(again.resumed());
  EXPECT_FALSE(again.take_resumption().empty());  // the server renewed the ticket
  EXPECT_EQ(s.stats().handshakes_completed, 2u);
  EXPECT_EQ(s.stats().handshakes_resumed, 1u);
  ASSERT_NE(s.identity_of(moved), nullptr);
  EXPECT_EQ(s.identity_of(moved)->endpoint, "dev1");
  const auto records = again.take_records();
  ASSERT_TRUE(records);
  std::vector<std::uint8_t> record;
  ASSERT_TRUE(records->protect(ContentType::ApplicationData, bytes_of("update"), record));
  s.receive(moved, record, FakeClock::now);
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "update");
}

// A ticket the server no longer takes (revoke() replaced its key) leaves a full handshake.
TEST_F(Psk, ClientHandshakeWithATicketNoLongerTakenDoesAFullOne) {
  auto& s = make_server();
  const std::vector<std::uint8_t> ticket = first_ticket(s);
  ASSERT_FALSE(ticket.empty());
  ClientHandshakeOptions options;
  s.revoke(CredentialKind::Psk, "dev2-id", FakeClock::now);
  options.resume = ticket;
  ClientHandshake again(PskCredential{"dev1-id", kKey}, FakeClock::now, options);
  run_handshake(again, s, client_address(8));
  ASSERT_EQ(again.state(), ClientHandshake::State::Done);
  EXPECT_FALSE(again.resumed());
  EXPECT_EQ(s.stats().handshakes_resumed, 0u);
  EXPECT_EQ(s.stats().handshakes_completed, 2u);
}

TEST_F(Psk, ClientHandshakeWithAWrongKeyFails) {
  auto& s = make_server(config_with([](auto& c) { c.handshake_timeout = 5s; }));
  ClientHandshake handshake(PskCredential{"dev1-id", std::vector<std::uint8_t>(16, 0)},
                            FakeClock::now);
  const PeerAddress me = client_address(8);
  for (int round = 0; round < 200 && handshake.state() == ClientHandshake::State::Running;
       ++round) {
    for (const auto& d : std::exchange(handshake.output, {})) s.receive(me, d, FakeClock::now);
    coap::Transmit tx;
    while (s.poll_transmit(tx)) handshake.receive(tx.bytes, FakeClock::now);
    FakeClock::now = std::max(FakeClock::now + 1s, handshake.next_expiry());
    handshake.on_timer(FakeClock::now);
    s.on_timer(FakeClock::now);
  }
  EXPECT_EQ(handshake.state(), ClientHandshake::State::Failed);
  EXPECT_FALSE(handshake.take_records());
}

TEST_F(Psk, CbcSuitesKeepTheirGnuTLSSession) {
  auto& s = make_server();
  DtlsClientConfig config;
  config.priorities = "NONE:+VERS-DTLS1.2:+PSK:+AES-128-CBC:+SHA256:+COMP-NULL:+SIGN-ALL";
  inners.push_back(std::make_unique<Recorder>());
  clients.push_back(
      std::make_unique<DtlsClient>(*inners.back(), kServer, psk("dev1-id", kKey), config));
  net.add(client_address(1), *clients.back());
  clients.back()->connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(clients.back()->state(), ClientState::Connected) << clients.back()->last_error();
  inners[0]->send(kServer, "cbc");
  net.pump();
  server_inner.send(client_address(1), "answer");
  net.pump();
  EXPECT_EQ(s.counts().compact_sessions, 0u);
  ASSERT_EQ(server_inner.received.size(), 1u);
  ASSERT_EQ(inners[0]->received.size(), 1u);
}

TEST_F(Psk, GarbageAndTruncatedRecordsAreDropped) {
  auto& s = make_server();
  auto& c = make_client(1);
  std::vector<std::vector<std::uint8_t>> records;
  net.filter = [&](const PeerAddress&, const PeerAddress& to, std::span<const std::uint8_t> b) {
    if (to == kServer) records.emplace_back(b.begin(), b.end());
    return true;
  };
  c.connect(FakeClock::now);
  net.pump();
  inners[0]->send(kServer, "one");
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected);
  const auto app = records.back();
  const auto now = FakeClock::now;
  // Not DTLS at all, from a stranger and from the client.
  s.receive(client_address(9), bytes_of("GET /"), now);
  s.receive(client_address(1), bytes_of("\x40\x01\x00\x01"), now);
  EXPECT_EQ(s.stats().dropped_not_dtls, 2u);
  // Every cut of a ClientHello and of an application record; a record header only.
  for (std::size_t n = 0; n < records.front().size(); ++n)
    s.receive(client_address(9), std::span(records.front()).first(n), now);
  for (std::size_t n = 0; n < app.size(); ++n)
    s.receive(client_address(1), std::span(app).first(n), now);
  // An application record with a flipped byte, and one from an address with no session.
  auto flipped = app;
  flipped.back() ^= 0x55;
  s.receive(client_address(1), flipped, now);
  s.receive(client_address(9), app, now);
  EXPECT_GE(s.stats().dropped_no_session, 1u);
  EXPECT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(s.counts().handshakes, 0u);
  // The session still works.
  inners[0]->send(kServer, "two");
  net.pump();
  ASSERT_EQ(server_inner.received.size(), 2u);
  EXPECT_EQ(server_inner.received[1].text, "two");
}

TEST_F(Psk, PlainFaceKeepsNoSecPeersApart) {
  auto& s = make_server();
  auto& c = make_client(1);
  c.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(c.state(), ClientState::Connected);
  // A NoSec peer through the plain face, and one posing as the DTLS client's address.
  const PeerAddress nosec = client_address(50);
  s.plain().receive(nosec, bytes_of("plain"), FakeClock::now);
  s.plain().receive(client_address(1), bytes_of("forged"), FakeClock::now);
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "plain");
  EXPECT_EQ(s.stats().dropped_plain, 1u);
  // Answers leave by the face of their peer, whichever face's loop asks.
  int plain_wakeups = 0, secure_wakeups = 0;
  s.set_wakeups([&] { ++secure_wakeups; }, [&] { ++plain_wakeups; });
  server_inner.send(nosec, "to-plain");
  server_inner.send(client_address(1), "to-secure");
  coap::Transmit tx;
  // The secure face takes both: the first for the plain face, the second encrypted.
  ASSERT_TRUE(s.poll_transmit(tx));
  EXPECT_EQ(tx.peer, client_address(1));
  clients[0]->receive(kServer, std::vector<std::uint8_t>(tx.bytes.begin(), tx.bytes.end()),
                      FakeClock::now);
  ASSERT_EQ(inners[0]->received.size(), 1u);
  EXPECT_EQ(inners[0]->received[0].text, "to-secure");
  EXPECT_FALSE(s.poll_transmit(tx));
  EXPECT_EQ(plain_wakeups, 1);
  ASSERT_TRUE(s.plain().poll_transmit(tx));
  EXPECT_EQ(tx.peer, nosec);
  EXPECT_EQ(std::string(tx.bytes.begin(), tx.bytes.end()), "to-plain");
  EXPECT_FALSE(s.plain().poll_transmit(tx));
  server_inner.send(client_address(1), "to-secure-2");
  ASSERT_FALSE(s.plain().poll_transmit(tx));  // encrypted for the secure face
  EXPECT_EQ(secure_wakeups, 1);
  net.pump();
  ASSERT_EQ(inners[0]->received.size(), 2u);
  EXPECT_EQ(inners[0]->received[1].text, "to-secure-2");
}

TEST(Record, HeaderIsChecked) {
  std::vector<std::uint8_t> r = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2, 1, 0};
  const auto h = peek_record(r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->type, ContentType::Handshake);
  EXPECT_EQ(h->version, 0xfefd);
  EXPECT_EQ(h->sequence, 5u);
  EXPECT_EQ(h->length, 2u);
  EXPECT_TRUE(starts_with_client_hello(r));
  r[3] = 1;  // epoch 1
  EXPECT_FALSE(starts_with_client_hello(r));
  r[3] = 0;
  r[12] = 3;  // longer than the datagram
  EXPECT_FALSE(peek_record(r));
  r[12] = 2;
  r[0] = 24;  // not a content type of DTLS 1.2 records here
  EXPECT_FALSE(peek_record(r));
  r[0] = 22;
  r[1] = 0x03;  // TLS, not DTLS
  EXPECT_FALSE(peek_record(r));
  EXPECT_FALSE(peek_record(std::span(r).first(12)));
}

}  // namespace
}  // namespace drover::dtls::testing
