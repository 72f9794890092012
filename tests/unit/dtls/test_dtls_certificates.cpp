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
  cc.certificate->trust_anchors = ca.certificate;
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
  sc.certificate = make_certificate(ca, "lwm2m.example", time(nullptr) - 60);
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
  cc.certificate = make_certificate(ca, "dev1", time(nullptr) - 60);
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

// A server with both credentials presents each client the one it can check (RFC 7250
// server_certificate_type), whatever order the client lists the server types in: a raw public key
// client the key, an X.509 client the certificate. The clients here list X.509 first, as
// libcoap's GnuTLS clients do ("CTYPE-SRV-ALL").
TEST_F(Certificates, ServerWithBothPresentsTheCredentialEachClientCanCheck) {
  const auto ca = make_ca("Test CA");
  const std::string server_key = make_private_key();
  const std::string client_key = make_private_key();
  store.bind(CredentialKind::RawPublicKey, *public_key_name(client_key), "dev-rpk");
  ServerCredentials sc;
  sc.store = &store;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  sc.raw_public_key = server_key;
  auto& s = make_server(sc);
  DtlsClientConfig x509_first;
  x509_first.priorities =
      default_priorities(true, false) + ":+CTYPE-SRV-X509:+CTYPE-SRV-RAWPK:+CTYPE-CLI-ALL";

  ClientCredentials rpk;
  rpk.raw_public_key = RawPublicKeyCredential{client_key, *public_key_of(server_key)};
  client.emplace(client_inner, kServer, rpk, x509_first);
  net.add(client_address(1), *client);
  ASSERT_TRUE(exchange()) << client->last_error();
  ASSERT_NE(client->server_identity(), nullptr);
  EXPECT_EQ(client->server_identity()->kind, CredentialKind::RawPublicKey);
  EXPECT_EQ(client->server_identity()->name, *public_key_name(server_key));

  Recorder x509_inner;
  ClientCredentials x509;
  x509.certificate = make_certificate(ca, "dev-x509");
  x509.server_name = "lwm2m.example";
  DtlsClient x(x509_inner, kServer, x509, x509_first);
  net.add(client_address(2), x);
  x.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(x.state(), ClientState::Connected) << x.last_error();
  ASSERT_NE(x.server_identity(), nullptr);
  EXPECT_EQ(x.server_identity()->kind, CredentialKind::X509);
  EXPECT_EQ(x.server_identity()->common_name, "lwm2m.example");

  ASSERT_NE(s.identity_of(client_address(1)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(1))->endpoint, "dev-rpk");
  ASSERT_NE(s.identity_of(client_address(2)), nullptr);
  EXPECT_EQ(s.identity_of(client_address(2))->endpoint, "dev-x509");
}

// The load generator's X.509 client: a certificate of the server's CA, its common name the
// endpoint; the session goes on as a RecordState.
TEST_F(Certificates, ClientHandshakeWithACertificate) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  auto& s = make_server(sc);
  ClientHandshake handshake(make_certificate(ca, "dev1"), FakeClock::now);
  run_handshake(handshake, s, client_address(3));
  ASSERT_EQ(handshake.state(), ClientHandshake::State::Done);
  EXPECT_TRUE(handshake.take_records());
  const PeerIdentity* id = s.identity_of(client_address(3));
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->kind, CredentialKind::X509);
  EXPECT_EQ(id->endpoint, "dev1");
}

TEST_F(Certificates, ClientHandshakeRefusesAServerOfAnotherCa) {
  const auto ca = make_ca("Test CA");
  ServerCredentials sc;
  sc.certificate = make_certificate(make_ca("Other CA"), "lwm2m.example");
  sc.certificate->trust_anchors = ca.certificate;  // the server would take the client
  auto& s = make_server(sc);
  ClientHandshake handshake(make_certificate(ca, "dev1"), FakeClock::now);
  run_handshake(handshake, s, client_address(3));
  EXPECT_EQ(handshake.state(), ClientHandshake::State::Failed);
  EXPECT_FALSE(handshake.take_records());
  EXPECT_EQ(s.counts().sessions, 0u);
}

TEST_F(Certificates, RawPublicKeysFromTheDerOfTheSecurityObject) {
  // /0/x/5 and /0/x/4 hold DER: the device's private key (SEC1 here, PKCS#8 as made again) and
  // the server's SubjectPublicKeyInfo.
  const std::string server_key = make_private_key();
  const std::string client_key = make_private_key();
  const auto client_pem = private_key_pem(der_of(client_key));
  ASSERT_TRUE(client_pem);
  EXPECT_EQ(public_key_name(*client_pem), public_key_name(client_key));
  EXPECT_EQ(private_key_pem(der_of(*client_pem)), client_pem) << "PKCS#8 DER is taken too";
  const auto server_public = public_key_pem(der_of(*public_key_of(server_key)));
  ASSERT_TRUE(server_public);
  EXPECT_EQ(public_key_name(*server_public), public_key_name(server_key));

  store.bind(CredentialKind::RawPublicKey, *public_key_name(client_key), "dev1");
  ServerCredentials sc;
  sc.store = &store;
  sc.raw_public_key = server_key;
  auto& s = make_server(sc);
  ClientCredentials cc;
  cc.raw_public_key = RawPublicKeyCredential{*client_pem, *server_public};
  auto& c = make_client(cc);
  ASSERT_TRUE(exchange()) << c.last_error();
  EXPECT_EQ(s.identity_of(client_address(1))->endpoint, "dev1");
}

TEST(Credentials, CertificatesFromDerAndWhatIsNone) {
  const auto ca = make_ca("der-ca");
  const auto own = make_certificate(ca, "dev1");
  const auto pem = certificate_pem(der_of(own.certificate));
  ASSERT_TRUE(pem);
  EXPECT_EQ(der_of(*pem), der_of(own.certificate));
  const std::vector<std::uint8_t> junk = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_FALSE(certificate_pem(junk));
  EXPECT_FALSE(public_key_pem(junk));
  EXPECT_FALSE(private_key_pem(junk));
  EXPECT_FALSE(certificate_pem({}));
  EXPECT_FALSE(certificate_pem(der_of(own.private_key))) << "a key is no certificate";
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

// ---- Certificate Usage (/0/x/15): the client checks the server's certificate against the one
// the Security object gives, as RFC 6698 §2.1.1 defines each mode.
class CertificateUsageModes : public ::testing::Test {
 protected:
  CertificateUsageModes() { FakeClock::install(); }

  // Whether a client with `cc` (its own certificate from `ca`) gets a session with a server that
  // presents `presented`.
  bool connects(const CertificateCredential& presented, ClientCredentials cc) {
    Recorder server_inner, client_inner;
    ServerCredentials sc;
    sc.certificate = presented;
    DtlsServer dtls_server(server_inner, sc);
    cc.certificate = client;
    if (!anchors.empty()) cc.certificate->trust_anchors = anchors;
    DtlsClient c(client_inner, kServer, cc);
    Network net;
    net.add(kServer, dtls_server);
    net.add(client_address(1), c);
    c.connect(FakeClock::now);
    net.pump();
    error = c.last_error();
    return c.state() == ClientState::Connected;
  }

  static ClientCredentials given(std::string certificate, CertificateUsage usage,
                                 std::string server_name = {}) {
    ClientCredentials cc;
    cc.server_certificate = std::move(certificate);
    cc.certificate_usage = usage;
    cc.server_name = std::move(server_name);
    return cc;
  }

  CertificateAuthority ca = make_ca("Test CA");
  CertificateAuthority other = make_ca("Other CA");
  CertificateCredential server = make_certificate(ca, "lwm2m.example");
  CertificateCredential second = make_certificate(ca, "lwm2m.example");  // same CA and name
  CertificateCredential client = make_certificate(ca, "dev1");
  std::string anchors;  // the client's trust anchors when not empty (else its CA's)
  std::string error;
};

TEST_F(CertificateUsageModes, CaConstraintNeedsTheGivenCaOnThePath) {
  EXPECT_TRUE(
      connects(server, given(ca.certificate, CertificateUsage::CaConstraint, "lwm2m.example")))
      << error;
  EXPECT_FALSE(connects(server, given(other.certificate, CertificateUsage::CaConstraint)));
  // The given CA's name on the path is not enough: a CA of that name but another key.
  EXPECT_FALSE(
      connects(server, given(make_ca("Test CA").certificate, CertificateUsage::CaConstraint)));
  EXPECT_FALSE(
      connects(server, given(ca.certificate, CertificateUsage::CaConstraint, "wrong.example")))
      << "the name is checked";
}

TEST_F(CertificateUsageModes, ServiceCertificateNeedsTheGivenCertificateAndAValidChain) {
  EXPECT_TRUE(connects(server, given(server.certificate, CertificateUsage::ServiceCertificate)))
      << error;
  EXPECT_FALSE(connects(second, given(server.certificate, CertificateUsage::ServiceCertificate)))
      << "another certificate of the same CA and name";
  anchors = other.certificate;
  EXPECT_FALSE(connects(server, given(server.certificate, CertificateUsage::ServiceCertificate)))
      << "the given certificate, but its chain leads to no trust anchor";
}

TEST_F(CertificateUsageModes, TrustAnchorIsTheOnlyAnchor) {
  anchors = other.certificate;  // replaced by the given certificate
  EXPECT_TRUE(
      connects(server, given(ca.certificate, CertificateUsage::TrustAnchor, "lwm2m.example")))
      << error;
  EXPECT_FALSE(connects(server, given(other.certificate, CertificateUsage::TrustAnchor)));
  EXPECT_FALSE(
      connects(server, given(ca.certificate, CertificateUsage::TrustAnchor, "wrong.example")));
}

TEST_F(CertificateUsageModes, DomainIssuedPinsTheCertificateWithoutChainOrName) {
  // A server certificate of a CA the client does not know (the server trusts the client's CA).
  const auto unknown_ca = make_ca("Unknown CA");
  CertificateCredential lone = make_certificate(unknown_ca, "lwm2m.example");
  lone.trust_anchors = ca.certificate;
  anchors = other.certificate;
  EXPECT_TRUE(
      connects(lone, given(lone.certificate, CertificateUsage::DomainIssued, "wrong.example")))
      << error;
  EXPECT_TRUE(connects(server, given(server.certificate, CertificateUsage::DomainIssued))) << error;
  EXPECT_FALSE(connects(second, given(server.certificate, CertificateUsage::DomainIssued)));
  EXPECT_NE(error.find("certificate"), std::string::npos) << error;
}

TEST_F(CertificateUsageModes, ModesThatCheckTheChainNeedTrustAnchors) {
  ClientCredentials cc = given(server.certificate, CertificateUsage::ServiceCertificate);
  cc.certificate = client;
  cc.certificate->trust_anchors.clear();
  Recorder inner;
  EXPECT_THROW(DtlsClient(inner, kServer, cc), std::runtime_error);
  cc.server_certificate = "not a certificate";
  cc.certificate_usage = CertificateUsage::DomainIssued;
  EXPECT_THROW(DtlsClient(inner, kServer, cc), std::runtime_error);
}

}  // namespace
}  // namespace drover::dtls::testing
