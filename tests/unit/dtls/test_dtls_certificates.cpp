// X.509 and raw public key (RFC 7250) handshakes, with keys and certificates made at test time.
#include "dtls_harness.hpp"

namespace drover::dtls::testing {
namespace {

class Certificates : public ::testing::Test {
 protected:
  Certificates() { FakeClock::install(); }

  DtlsServer& make_server(ServerCredentials credentials) {
    server.emplace(server_inner, std::move(credentials));
    net.add(kServer, *server);
    return *server;
  }
  DtlsClient& make_client(ClientCredentials credentials) {
    client.emplace(client_inner, kServer, std::move(credentials));
    net.add(client_address(1), *client);
    return *client;
  }
  // Connects, then sends one datagram each way; true when both arrived.
  bool exchange() {
    client->connect(FakeClock::now);
    net.pump();
    if (client->state() != ClientState::Connected) return false;
    client_inner.send(kServer, "ping");
    net.pump();
    server_inner.send(client_address(1), "pong");
    net.pump();
    return server_inner.received.size() == 1 && client_inner.received.size() == 1;
  }

  MemorySecurityStore store;
  Recorder server_inner, client_inner;
  std::optional<DtlsServer> server;
  std::optional<DtlsClient> client;
  Network net;
};

TEST_F(Certificates, X509BothWaysWithTheEndpointFromTheCommonName) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(ca, "dev1");
  cc.server_name = "lwm2m.example";
  auto& c = make_client(cc);
  ASSERT_TRUE(exchange()) << c.last_error();
  const PeerIdentity* id = s.identity_of(client_address(1));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->kind, CredentialKind::X509);
  EXPECT_EQ(id->name, "CN=dev1");
  EXPECT_EQ(id->common_name, "dev1");
  EXPECT_EQ(id->endpoint, "dev1");
  ASSERT_NE(c.server_identity(), nullptr);
  EXPECT_EQ(c.server_identity()->common_name, "lwm2m.example");
}

TEST_F(Certificates, X509StoreBindingWinsOverTheCommonName) {
  const auto ca = make_ca("Test CA");
  store.bind(CredentialKind::X509, "CN=dev1", "meter-7");
  ServerCredentials sc;
  sc.store = &store;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(ca, "dev1");
  make_client(cc);
  ASSERT_TRUE(exchange());
  EXPECT_EQ(s.identity_of(client_address(1))->endpoint, "meter-7");
}

TEST_F(Certificates, X509BindingOfASubjectAltName) {
  const auto ca = make_ca("Test CA");
  ASSERT_EQ(store.put("meter-8", {{CredentialKind::X509, std::string(kAltName) + "dev2", {}}}),
            std::nullopt);
  ServerCredentials sc;
  sc.store = &store;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(ca, "dev2");  // its DNS name too
  make_client(cc);
  ASSERT_TRUE(exchange());
  const PeerIdentity* id = s.identity_of(client_address(1));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->alt_names, std::vector<std::string>{"dev2"});
  EXPECT_EQ(id->endpoint, "meter-8");
}

TEST_F(Certificates, X509ClientOfAnotherCaIsRefused) {
  const auto ca = make_ca("Test CA");
  const auto other = make_ca("Other CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(other, "dev1");
  cc.certificate->trust_anchors = ca.ca_certificate;
  auto& c = make_client(cc);
  // The client has no certificate of the CAs the server asks for, so it sends none.
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  ASSERT_TRUE(c.last_alert());
  EXPECT_EQ(*c.last_alert(), GNUTLS_A_HANDSHAKE_FAILURE) << c.last_error();
  EXPECT_EQ(s.stats().handshakes_failed, 1u);
  EXPECT_EQ(s.stats().failed_bad_certificate, 1u);
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, X509WrongServerNameIsRefusedByTheClient) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(ca, "dev1");
  cc.server_name = "other.example";
  auto& c = make_client(cc);
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  EXPECT_EQ(c.stats().handshakes_failed, 1u);
  ASSERT_TRUE(c.last_alert());  // sent to the server
  EXPECT_EQ(*c.last_alert(), GNUTLS_A_BAD_CERTIFICATE) << c.last_error();
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, X509ExpiredServerCertificateIsRefusedByTheClient) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate_until(ca, "lwm2m.example", time(nullptr) - 60);
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate(ca, "dev1");
  cc.server_name = "lwm2m.example";
  auto& c = make_client(cc);
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  EXPECT_EQ(c.stats().handshakes_failed, 1u);
  ASSERT_TRUE(c.last_alert());
  EXPECT_EQ(*c.last_alert(), GNUTLS_A_BAD_CERTIFICATE) << c.last_error();
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, X509ExpiredClientCertificateIsRefusedByTheServer) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.certificate = make_certificate_until(ca, "dev1", time(nullptr) - 60);
  cc.server_name = "lwm2m.example";
  auto& c = make_client(cc);
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  EXPECT_EQ(s.stats().handshakes_failed, 1u);
  EXPECT_EQ(s.stats().failed_bad_certificate, 1u);
  EXPECT_EQ(s.identity_of(client_address(1)), nullptr);
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, RawPublicKeysBothWays) {
  const std::string server_key = make_private_key();
  const std::string client_key = make_private_key();
  const auto client_name = public_key_name(client_key);
  ASSERT_TRUE(client_name);
  EXPECT_EQ(client_name->rfind("sha256:", 0), 0u);
  store.bind(CredentialKind::RawPublicKey, *client_name, "dev1");
  ServerCredentials sc;
  sc.store = &store;
  sc.raw_public_key = server_key;
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.raw_public_key = RawPublicKeyCredential{client_key, *public_key_of(server_key)};
  auto& c = make_client(cc);
  ASSERT_TRUE(exchange()) << c.last_error();
  const PeerIdentity* id = s.identity_of(client_address(1));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->kind, CredentialKind::RawPublicKey);
  EXPECT_EQ(id->name, *client_name);
  EXPECT_EQ(id->endpoint, "dev1");
  EXPECT_EQ(c.server_identity()->name, *public_key_name(server_key));
}

TEST_F(Certificates, RawPublicKeyUnknownToTheStoreIsRefused) {
  ServerCredentials sc;
  sc.store = &store;
  const std::string server_key = make_private_key();
  sc.raw_public_key = server_key;
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.raw_public_key = RawPublicKeyCredential{make_private_key(), *public_key_of(server_key)};
  auto& c = make_client(cc);
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  EXPECT_EQ(s.stats().handshakes_failed, 1u);
  EXPECT_EQ(s.stats().failed_bad_certificate, 1u);
  EXPECT_EQ(s.stats().alerts_sent, 1u);
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, RawPublicKeyOfAnotherServerIsRefusedByTheClient) {
  const std::string client_key = make_private_key();
  store.bind(CredentialKind::RawPublicKey, *public_key_name(client_key), "dev1");
  ServerCredentials sc;
  sc.store = &store;
  sc.raw_public_key = make_private_key();
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.raw_public_key = RawPublicKeyCredential{client_key, *public_key_of(make_private_key())};
  auto& c = make_client(cc);
  EXPECT_FALSE(exchange());
  EXPECT_EQ(c.state(), ClientState::Failed);
  EXPECT_EQ(c.stats().handshakes_failed, 1u);
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST(Credentials, BadPemIsRefusedAtConstruction) {
  Recorder inner;
  ServerCredentials sc;
  sc.certificate = CertificateCredential{"not a certificate", "not a key", ""};
  EXPECT_THROW(DtlsServer(inner, sc), std::runtime_error);
  ClientCredentials cc;
  EXPECT_THROW(DtlsClient(inner, kServer, cc), std::runtime_error);  // no credentials at all
  EXPECT_FALSE(public_key_name("junk"));
  EXPECT_FALSE(parse_hex("abc"));
  EXPECT_FALSE(parse_hex("zz"));
  EXPECT_EQ(parse_hex("0aFF"), (std::vector<std::uint8_t>{0x0a, 0xff}));
  EXPECT_EQ(to_hex(std::vector<std::uint8_t>{0x0a, 0xff}), "0aff");
}

}  // namespace
}  // namespace drover::dtls::testing
