// The bootstrap server behind the DTLS server with the configurations' credentials
// (BootstrapSecurityStore): a device is bootstrapped over PSK as the endpoint its configuration
// names, another endpoint over that identity gets 4.03, an unknown identity no handshake.
#include <gtest/gtest.h>

#include "../dtls/dtls_harness.hpp"
#include "bootstrap_credentials.hpp"
#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/client/client.hpp"

namespace drover::apps {
namespace {

using bootstrap::BootstrapConfig;
using bootstrap::ServerAccount;
using dtls::CredentialKind;
using dtls::testing::FakeClock;
using dtls::testing::kServer;
using dtls::testing::Network;
using lwm2m::SecurityMode;

const std::vector<std::uint8_t> kKey = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80};

// A NoSec DM account and a bootstrap account of PSK `identity`.
BootstrapConfig config_with(std::string_view identity) {
  BootstrapConfig c;
  ServerAccount dm;
  dm.security.uri = "coap://127.0.0.1:5683";
  dm.security.ssid = 1;
  dm.server.emplace().ssid = 1;
  ServerAccount bs;
  bs.security.uri = "coaps://127.0.0.1:5694";
  bs.security.bootstrap = true;
  bs.security.mode = SecurityMode::Psk;
  bs.security.identity.assign(identity.begin(), identity.end());
  bs.security.secret_key = kKey;
  c.servers = {dm, bs};
  return c;
}

TEST(BootstrapSecurityStore, TheConfigurationsBootstrapAccountsAsTheyChange) {
  bootstrap::BootstrapConfigs configs;
  dtls::MemorySecurityStore command_line;
  command_line.add_psk("cli-dev", "cli-id", {1});
  const BootstrapSecurityStore store(configs, &command_line);
  EXPECT_EQ(store.psk_key("dev-id"), std::nullopt);

  ASSERT_FALSE(configs.put("dev", config_with("dev-id")));
  ASSERT_FALSE(configs.put("*", config_with("fleet-id")));
  EXPECT_EQ(store.psk_key("dev-id"), kKey);
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "dev-id"), "dev");
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "fleet-id"), "*");
  EXPECT_TRUE(store.secures("dev"));
  EXPECT_EQ(store.psk_key("cli-id"), std::vector<std::uint8_t>{1});
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "cli-id"), "cli-dev");
  EXPECT_TRUE(store.secures("cli-dev"));

  ASSERT_TRUE(configs.erase("dev"));
  EXPECT_EQ(store.psk_key("dev-id"), std::nullopt);
  EXPECT_FALSE(store.secures("dev"));

  // X.509: a subjectAltName naming a configuration whose bootstrap account is X.509.
  auto x509 = config_with("certificate");
  x509.servers[1].security.mode = SecurityMode::Certificate;
  ASSERT_FALSE(configs.put("cert-dev", x509));
  EXPECT_EQ(store.endpoint_of(CredentialKind::X509, "san:cert-dev"), "cert-dev");
  EXPECT_EQ(store.endpoint_of(CredentialKind::X509, "san:dev"), std::nullopt);
}

class BootstrapOverDtls : public ::testing::Test {
 protected:
  BootstrapOverDtls() {
    FakeClock::install();
    EXPECT_FALSE(configs.put("dev", config_with("dev-id")));
    EXPECT_FALSE(configs.put("other", config_with("other-id")));
    bootstrap::BootstrapServerConfig config;
    config.random_seed = 1;
    core.emplace(config, configs);
    dtls::ServerCredentials credentials;
    credentials.store = &store;
    dtls_server.emplace(*core, credentials);
    core->set_security_lookup(
        [this](const coap::PeerAddress& peer) -> std::optional<server::PeerSecurity> {
          const dtls::PeerIdentity* id = dtls_server->identity_of(peer);
          if (!id) return std::nullopt;
          return server::PeerSecurity{id->text(), id->endpoint};
        },
        [this](std::string_view endpoint) { return store.secures(endpoint); });
    net.add(kServer, *dtls_server);
  }

  // A device bootstrapping as `endpoint` over PSK `identity`.
  client::Client& add_device(const std::string& endpoint, const std::string& identity) {
    client::ClientConfig config;
    config.endpoint = endpoint;
    config.random_seed = 2;
    // The DM server is elsewhere: what reaches the device from kServer is the bootstrap server's.
    config.resolve = [](std::string_view uri) {
      return uri.ends_with(":5694") ? kServer : dtls::testing::client_address(9);
    };
    device.emplace(std::move(config));
    EXPECT_TRUE(device->add_bootstrap_server("coaps://127.0.0.1:5694", FakeClock::now));
    dtls::ClientCredentials credentials;
    credentials.psk = dtls::PskCredential{identity, kKey};
    dtls_client.emplace(*device, kServer, credentials);
    net.add(dtls::testing::client_address(1), *dtls_client);
    device->start(FakeClock::now);
    return *device;
  }

  // The events of type T that `core` (the bootstrap server or the device) has, of the variant
  // Event.
  template <typename T, typename Event, typename Core>
  static std::vector<T> events_of(Core& core) {
    std::vector<T> out;
    Event e;
    while (core.poll_event(e))
      if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }
  template <typename T>
  std::vector<T> events_of_core() {
    return events_of<T, bootstrap::BootstrapEvent>(*core);
  }
  template <typename T>
  std::vector<T> events_of_device() {
    return events_of<T, client::ClientEvent>(*device);
  }

  bootstrap::BootstrapConfigs configs;
  BootstrapSecurityStore store{configs, nullptr};
  std::optional<bootstrap::BootstrapServer> core;
  std::optional<dtls::DtlsServer> dtls_server;
  std::optional<client::Client> device;
  std::optional<dtls::DtlsClient> dtls_client;
  Network net;
};

TEST_F(BootstrapOverDtls, TheEndpointOfTheIdentityIsBootstrapped) {
  add_device("dev", "dev-id");
  net.advance(std::chrono::seconds(5));
  EXPECT_EQ(events_of_core<bootstrap::Finished>().size(), 1u) << dtls_client->last_error();
  EXPECT_EQ(events_of_device<client::Bootstrapped>().size(), 1u);
  EXPECT_EQ(core->stats().refused_identity, 0u);
}

TEST_F(BootstrapOverDtls, AServerInitiatedBootstrapGoesThroughTheSession) {
  add_device("dev", "dev-id");
  net.advance(std::chrono::seconds(5));
  ASSERT_EQ(events_of_core<bootstrap::Finished>().size(), 1u);
  const auto records_in = dtls_client->stats().records_in;
  ASSERT_TRUE(core->start("dev", dtls::testing::client_address(1), FakeClock::now).has_value());
  net.advance(std::chrono::seconds(1));
  // The bootstrap server's first request reached the device as a record of the session.
  EXPECT_GT(dtls_client->stats().records_in, records_in);
  EXPECT_EQ(dtls_client->stats().dropped_records, 0u);
  EXPECT_EQ(dtls_server->stats().dropped_transmits, 0u);
}

TEST_F(BootstrapOverDtls, AnotherEndpointOverTheIdentityIsRefused) {
  add_device("other", "dev-id");
  net.advance(std::chrono::seconds(5));
  const auto failed = events_of_core<bootstrap::Failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].step, bootstrap::Step::Request);
  EXPECT_EQ(failed[0].reason, "psk:dev-id is bound to endpoint dev, not other");
  const auto refused = events_of_device<client::BootstrapFailed>();
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused[0].code, coap::codes::Forbidden);
  EXPECT_EQ(core->stats().refused_identity, 1u);
}

TEST_F(BootstrapOverDtls, AnUnknownIdentityGetsNoHandshake) {
  add_device("dev", "stranger");
  net.advance(std::chrono::seconds(5));
  EXPECT_EQ(dtls_client->state(), dtls::ClientState::Failed);
  EXPECT_EQ(dtls_server->stats().failed_unknown_identity, 1u);
  EXPECT_EQ(core->stats().started, 0u);
}

}  // namespace
}  // namespace drover::apps
