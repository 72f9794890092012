// A server with the default priorities (a PSK store and an ECDSA certificate) negotiates each
// cipher suite LwM2M 1.1 mandates, and the ECDHE-PSK ones, with a client that offers only that
// suite; records then pass both ways.
#include "dtls_harness.hpp"

namespace drover::dtls::testing {
namespace {

const std::vector<std::uint8_t> kKey = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

struct Suite {
  const char* name;  // GnuTLS's name of the suite
  bool psk;          // else ECDHE-ECDSA with a certificate
  const char* key_exchange;
  const char* cipher;
  const char* mac;  // AEAD for CCM and GCM
};

class DefaultPriorities : public ::testing::TestWithParam<Suite> {
 protected:
  DefaultPriorities() { FakeClock::install(); }
};

TEST_P(DefaultPriorities, NegotiateTheSuiteTheClientOffers) {
  const Suite& suite = GetParam();
  const auto ca = make_ca("Test CA");
  MemorySecurityStore store;
  store.add_psk("dev1", "dev1-id", kKey);
  ServerCredentials sc;
  sc.store = &store;
  sc.certificate = make_certificate(ca, "lwm2m.example");
  Recorder server_inner, client_inner;
  DtlsServer server(server_inner, sc);  // the default DtlsServerConfig

  ClientCredentials cc;
  if (suite.psk)
    cc.psk = PskCredential{"dev1-id", kKey};
  else
    cc.certificate = make_certificate(ca, "dev1");
  DtlsClientConfig config;
  config.priorities = std::string("NORMAL:-VERS-ALL:+VERS-DTLS1.2:-KX-ALL:+") + suite.key_exchange +
                      ":-CIPHER-ALL:+" + suite.cipher + ":-MAC-ALL:+" + suite.mac;
  DtlsClient client(client_inner, kServer, cc, config);

  Network net;
  net.add(kServer, server);
  net.add(client_address(1), client);
  client.connect(FakeClock::now);
  net.pump();
  ASSERT_EQ(client.state(), ClientState::Connected) << client.last_error();
  EXPECT_EQ(client.cipher_suite(), suite.name);
  EXPECT_EQ(server.stats().handshakes_completed, 1u);

  client_inner.send(kServer, "ping");
  net.pump();
  server_inner.send(client_address(1), "pong");
  net.pump();
  ASSERT_EQ(server_inner.received.size(), 1u);
  EXPECT_EQ(server_inner.received[0].text, "ping");
  ASSERT_EQ(client_inner.received.size(), 1u);
  EXPECT_EQ(client_inner.received[0].text, "pong");
}

INSTANTIATE_TEST_SUITE_P(
    Lwm2m11, DefaultPriorities,
    ::testing::Values(
        // Mandated by LwM2M 1.1 (Transport §5.2.8): PSK and certificate modes.
        Suite{"PSK_AES_128_CCM_8", true, "PSK", "AES-128-CCM-8", "AEAD"},
        Suite{"PSK_AES_128_CBC_SHA256", true, "PSK", "AES-128-CBC", "SHA256"},
        Suite{"ECDHE_ECDSA_AES_128_CCM_8", false, "ECDHE-ECDSA", "AES-128-CCM-8", "AEAD"},
        Suite{"ECDHE_ECDSA_AES_128_GCM_SHA256", false, "ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
        // ECDHE-PSK (RFC 5489), which current peers offer.
        Suite{"ECDHE_PSK_AES_128_CBC_SHA256", true, "ECDHE-PSK", "AES-128-CBC", "SHA256"},
        Suite{"ECDHE_PSK_CHACHA20_POLY1305", true, "ECDHE-PSK", "CHACHA20-POLY1305", "AEAD"}),
    [](const ::testing::TestParamInfo<Suite>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace drover::dtls::testing
