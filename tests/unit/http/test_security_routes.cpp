// /api/security over the store the DTLS server asks, and the DTLS server's counters in /metrics
// after a real handshake (DTLS client and server cores back to back in memory).
#include <gtest/gtest.h>

#include "drover/dtls/dtls_client.hpp"
#include "drover/http/security_routes.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace json = boost::json;

json::object body(const Response& r) {
  return json::parse(r.body).as_object();
}

std::string error_code(const Response& r) {
  return std::string(body(r).at("error").at("code").as_string());
}

constexpr std::string_view kKeyHex = "000102030405060708090a0b0c0d0e0f";
const std::string kKeyName = "sha256:" + std::string(64, 'a');

// A core that takes everything and sends nothing.
class Sink final : public coap::DatagramCore {
 public:
  void receive(const coap::PeerAddress&, std::span<const std::uint8_t>, coap::TimePoint) override {}
  void on_timer(coap::TimePoint) override {}
  bool poll_transmit(coap::Transmit&) override { return false; }
  std::optional<coap::TimePoint> next_expiry() const override { return std::nullopt; }
};

struct SecurityApi : ::testing::Test {
  ApiHarness h;
  dtls::MemorySecurityStore store;
  SecurityRoutes routes{store};

  SecurityApi() { h.api.add_routes(routes); }

  Response put(std::string_view endpoint, std::string_view credentials) {
    return h.call("PUT", "/api/security/" + std::string(endpoint),
                  "{\"credentials\":" + std::string(credentials) + "}");
  }

  // dev1's PSK put through the API, and a DTLS server over the store that the routes know.
  dtls::DtlsServer& dtls_with_dev1() {
    EXPECT_EQ(
        put("dev1",
            R"([{"type":"psk","identity":"dev1-id","key":"000102030405060708090a0b0c0d0e0f"}])")
            .status,
        201u);
    dtls::ServerCredentials credentials;
    credentials.store = &store;
    dtls_server.emplace(server_inner, credentials);
    routes.set_dtls_server(&*dtls_server);
    return *dtls_server;
  }

  Sink server_inner, client_inner;
  std::optional<dtls::DtlsServer> dtls_server;
};

TEST_F(SecurityApi, PutGetReplaceDelete) {
  auto r =
      put("dev1", R"([{"type":"psk","identity":"dev1-id","key":"000102030405060708090a0b0c0d0e0f"},
                           {"type":"x509","subject":"CN=dev1,O=Example"},
                           {"type":"x509","san":"dev1.example"}])");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.body.find(kKeyHex), std::string::npos) << "the key is never answered";
  EXPECT_EQ(store.psk_key("dev1-id"), dtls::parse_hex(kKeyHex));
  EXPECT_EQ(store.endpoint_of(dtls::CredentialKind::X509, "CN=dev1,O=Example"), "dev1");

  r = h.call("GET", "/api/security/dev1");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.find(kKeyHex), std::string::npos);
  const auto entry = body(r);
  EXPECT_EQ(entry.at("endpoint").as_string(), "dev1");
  EXPECT_EQ(entry.at("source").as_string(), "api");
  const auto& credentials = entry.at("credentials").as_array();
  ASSERT_EQ(credentials.size(), 3u);
  EXPECT_EQ(credentials[0].at("type").as_string(), "psk");
  EXPECT_EQ(credentials[0].at("identity").as_string(), "dev1-id");
  EXPECT_EQ(credentials[0].at("key_set").as_bool(), true);
  EXPECT_FALSE(credentials[0].as_object().contains("key"));
  EXPECT_EQ(credentials[1].at("subject").as_string(), "CN=dev1,O=Example");
  EXPECT_EQ(credentials[2].at("san").as_string(), "dev1.example");
  EXPECT_EQ(store.endpoint_of(dtls::CredentialKind::X509, "san:dev1.example"), "dev1");

  r = put("dev1", R"([{"type":"rpk","key_name":")" + kKeyName + R"("}])");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(body(r).at("credentials").as_array()[0].at("key_name").as_string(), kKeyName);
  EXPECT_EQ(store.psk_key("dev1-id"), std::nullopt) << "replaced";
  EXPECT_EQ(store.endpoint_of(dtls::CredentialKind::RawPublicKey, kKeyName), "dev1");

  r = h.call("DELETE", "/api/security/dev1");
  ASSERT_EQ(r.status, 200u);
  EXPECT_FALSE(store.secures("dev1"));
  EXPECT_EQ(h.call("GET", "/api/security/dev1").status, 404u);
  EXPECT_EQ(h.call("DELETE", "/api/security/dev1").status, 404u);
}

TEST_F(SecurityApi, BadBodiesAndTakenCredentialsAreRefused) {
  ASSERT_EQ(put("dev1", R"([{"type":"psk","identity":"id","key":"01"}])").status, 201u);
  for (
      std::string_view bad : {
          R"([])",
          R"([{"type":"psk","identity":"id2"}])",
          R"([{"type":"psk","identity":"id2","key":"xyz"}])",
          R"([{"type":"psk","key":"01"}])",
          R"([{"type":"rpk","public_key":"not PEM"}])",
          R"([{"type":"rpk","key_name":"sha256:00"}])",
          R"([{"type":"x509"}])",
          R"([{"type":"x509","subject":"CN=a","san":"a"}])",
          R"([{"type":"dsa"}])",
          R"([{"type":"psk","identity":"id2","key":"01"},{"type":"psk","identity":"id2","key":"02"}])",
      }) {
    const auto r = put("dev2", bad);
    EXPECT_EQ(r.status, 400u) << bad << ": " << r.body;
    EXPECT_EQ(error_code(r), "bad_security") << bad;
  }
  EXPECT_EQ(h.call("PUT", "/api/security/dev2", "{").status, 400u);
  const auto taken = put("dev2", R"([{"type":"psk","identity":"id","key":"02"}])");
  EXPECT_EQ(taken.status, 409u);
  EXPECT_EQ(error_code(taken), "credential_in_use");
  EXPECT_EQ(store.psk_key("id"), dtls::parse_hex("01"));
  EXPECT_EQ(store.find("dev2"), nullptr);
  EXPECT_EQ(h.call("POST", "/api/security/dev2").status, 405u);
  EXPECT_EQ(h.call("DELETE", "/api/security").status, 405u);
}

TEST_F(SecurityApi, ListingIsPagedInEndpointOrderWithCommandLineEntriesMarked) {
  store.add_psk("from-file", "file-id", {1});
  for (const auto* ep : {"c", "a", "b"})
    ASSERT_EQ(
        put(ep, R"([{"type":"psk","identity":"id-)" + std::string(ep) + R"(","key":"01"}])").status,
        201u);
  auto page = body(h.call("GET", "/api/security?limit=2"));
  auto entries = page.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("endpoint").as_string(), "a");
  EXPECT_EQ(entries[1].at("endpoint").as_string(), "b");
  ASSERT_EQ(page.at("next").as_string(), "b");
  page = body(h.call("GET", "/api/security?limit=2&after=b"));
  entries = page.at("entries").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("endpoint").as_string(), "c");
  EXPECT_EQ(entries[1].at("endpoint").as_string(), "from-file");
  EXPECT_EQ(entries[1].at("source").as_string(), "command line");
  EXPECT_TRUE(page.at("next").is_null());
  EXPECT_EQ(h.call("GET", "/api/security?limit=0").status, 400u);
  EXPECT_EQ(body(h.call("GET", "/api/security/a")).at("source").as_string(), "api");
  ASSERT_EQ(
      store.put("a", {{dtls::CredentialKind::Psk, "id-a", {2}}}, dtls::EntryOrigin::Bootstrap),
      std::nullopt);
  EXPECT_EQ(body(h.call("GET", "/api/security/a")).at("source").as_string(), "bootstrap");
}

TEST_F(SecurityApi, ABootstrapServerMarksWhatItPutsAsFromBootstrap) {
  const auto from_bootstrap =
      h.call("PUT", "/api/security/dev1",
             R"({"source":"bootstrap","credentials":[{"type":"psk","identity":"id","key":"01"}]})");
  ASSERT_EQ(from_bootstrap.status, 201u) << from_bootstrap.body;
  EXPECT_EQ(body(from_bootstrap).at("source").as_string(), "bootstrap");
  EXPECT_EQ(store.find("dev1")->origin, dtls::EntryOrigin::Bootstrap);
  for (std::string_view bad : {R"("command line")", R"("elsewhere")", "1"}) {
    const auto r = h.call("PUT", "/api/security/dev1",
                          R"({"source":)" + std::string(bad) +
                              R"(,"credentials":[{"type":"psk","identity":"id","key":"01"}]})");
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(error_code(r), "bad_security") << bad;
  }
  EXPECT_EQ(store.find("dev1")->origin, dtls::EntryOrigin::Bootstrap);
}

// Moves datagrams between a DTLS client and server until neither has one.
void exchange(dtls::DtlsClient& client, const coap::PeerAddress& client_address,
              dtls::DtlsServer& server, const coap::PeerAddress& server_address,
              coap::TimePoint now) {
  for (int round = 0; round < 100; ++round) {
    bool moved = false;
    coap::Transmit tx;
    while (client.poll_transmit(tx)) {
      moved = true;
      const std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
      server.receive(client_address, bytes, now);
    }
    while (server.poll_transmit(tx)) {
      moved = true;
      const std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
      client.receive(server_address, bytes, now);
    }
    if (!moved) return;
  }
}

// The value of an unlabelled sample, or of `name{labels}`.
std::optional<std::string> sample(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  const auto start = at + name.size() + 2;
  return text.substr(start, text.find('\n', start) - start);
}

TEST_F(SecurityApi, MetricsCountTheDtlsServersHandshakes) {
  auto& server = dtls_with_dev1();
  const auto server_address = coap::PeerAddress::loopback_v4(5684);

  auto metrics = h.call("GET", "/metrics").body;
  EXPECT_EQ(sample(metrics, "drover_dtls_credentials"), "1");
  EXPECT_EQ(sample(metrics, "drover_dtls_sessions"), "0");
  EXPECT_EQ(sample(metrics, "drover_dtls_cookies_sent_total"), "0");

  const auto connect = [&](std::uint16_t port, std::string identity) {
    dtls::ClientCredentials c;
    c.psk = dtls::PskCredential{std::move(identity), *dtls::parse_hex(kKeyHex)};
    auto client = std::make_unique<dtls::DtlsClient>(client_inner, server_address, c);
    client->connect(h.now);
    exchange(*client, coap::PeerAddress::loopback_v4(port), server, server_address, h.now);
    return client;
  };
  const auto good = connect(40001, "dev1-id");
  ASSERT_EQ(good->state(), dtls::ClientState::Connected) << good->last_error();
  const auto unknown = connect(40002, "nobody");
  EXPECT_EQ(unknown->state(), dtls::ClientState::Failed);

  metrics = h.call("GET", "/metrics").body;
  EXPECT_EQ(sample(metrics, "drover_dtls_sessions"), "1");
  EXPECT_EQ(sample(metrics, "drover_dtls_cookies_sent_total"), "2");
  EXPECT_EQ(sample(metrics, "drover_dtls_handshakes_total{outcome=\"started\"}"), "2");
  EXPECT_EQ(sample(metrics, "drover_dtls_handshakes_total{outcome=\"completed\"}"), "1");
  EXPECT_EQ(sample(metrics, "drover_dtls_handshakes_total{outcome=\"failed\"}"), "1");
  EXPECT_EQ(sample(metrics, "drover_dtls_handshake_failures_total{reason=\"unknown_identity\"}"),
            "1");
  EXPECT_EQ(sample(metrics, "drover_dtls_alerts_sent_total"), "1");
  server.receive(coap::PeerAddress::loopback_v4(40003), std::vector<std::uint8_t>{0x40, 1, 0, 0},
                 h.now);
  metrics = h.call("GET", "/metrics").body;
  EXPECT_EQ(sample(metrics, "drover_dtls_dropped_total{reason=\"not_dtls\"}"), "1");
  routes.set_dtls_server(nullptr);
}

// A credential a PUT replaces or a DELETE removes ends the sessions it authenticated; one the PUT
// keeps as it was does not.
TEST_F(SecurityApi, TakingACredentialAwayEndsItsSessions) {
  auto& server = dtls_with_dev1();
  const auto server_address = coap::PeerAddress::loopback_v4(5684);
  const auto client_address = coap::PeerAddress::loopback_v4(40001);
  dtls::ClientCredentials c;
  c.psk = dtls::PskCredential{"dev1-id", *dtls::parse_hex(kKeyHex)};
  dtls::DtlsClient client(client_inner, server_address, c);
  const auto connect = [&] {
    client.connect(h.now);
    exchange(client, client_address, server, server_address, h.now);
    return client.state();
  };
  ASSERT_EQ(connect(), dtls::ClientState::Connected) << client.last_error();

  // The same credential, and another beside it: the session stays.
  ASSERT_EQ(
      put("dev1", R"([{"type":"psk","identity":"dev1-id","key":"000102030405060708090a0b0c0d0e0f"},
                            {"type":"x509","subject":"CN=dev1"}])")
          .status,
      200u);
  EXPECT_EQ(server.counts().sessions, 1u);

  // Another key for the identity: the session ends with close_notify.
  ASSERT_EQ(put("dev1", R"([{"type":"psk","identity":"dev1-id","key":"ffff"}])").status, 200u);
  exchange(client, client_address, server, server_address, h.now);
  EXPECT_EQ(client.state(), dtls::ClientState::Closed);
  EXPECT_EQ(server.counts().sessions, 0u);
  EXPECT_EQ(
      sample(h.call("GET", "/metrics").body, "drover_dtls_sessions_ended_total{why=\"revoked\"}"),
      "1");

  ASSERT_EQ(put("dev1",
                R"([{"type":"psk","identity":"dev1-id","key":"000102030405060708090a0b0c0d0e0f"}])")
                .status,
            200u);
  ASSERT_EQ(connect(), dtls::ClientState::Connected) << client.last_error();
  EXPECT_EQ(h.call("DELETE", "/api/security/dev1").status, 200u);
  exchange(client, client_address, server, server_address, h.now);
  EXPECT_EQ(client.state(), dtls::ClientState::Closed);
  EXPECT_EQ(server.stats().sessions_revoked, 2u);
  EXPECT_EQ(connect(), dtls::ClientState::Failed) << "the deleted identity is unknown now";
  routes.set_dtls_server(nullptr);
}

}  // namespace
}  // namespace drover::http::testing
