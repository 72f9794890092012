#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include "bootstrap_credentials.hpp"
#include "dm_api_push.hpp"

namespace drover::apps {
namespace {

using bootstrap::BootstrapConfig;
using bootstrap::ServerAccount;
using dtls::BoundCredential;
using dtls::CredentialKind;
using dtls::EntryOrigin;
using lwm2m::SecurityMode;

coap::PeerAddress at(std::string_view text) {
  return *coap::PeerAddress::parse(text);
}

lwm2m::Opaque bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

ServerAccount account(std::string uri, SecurityMode mode, std::string_view identity,
                      std::string_view key, std::uint16_t ssid) {
  ServerAccount a;
  a.security.uri = std::move(uri);
  a.security.mode = mode;
  a.security.identity = bytes(identity);
  a.security.secret_key = bytes(key);
  a.security.ssid = ssid;
  a.server.emplace().ssid = ssid;
  return a;
}

TEST(BootstrapCredentials, TheListenerIsNamedByItsPortAndAddress) {
  const auto any = at("0.0.0.0:5684");
  EXPECT_TRUE(names_listener("coaps://127.0.0.1:5684", any));
  EXPECT_TRUE(names_listener("coaps://localhost:5684", any));
  EXPECT_TRUE(names_listener("coaps://[::1]:5684", at("[::]:5684")));
  EXPECT_TRUE(names_listener("coaps://127.0.0.1", any)) << "the scheme's default port";
  EXPECT_FALSE(names_listener("coaps://127.0.0.1:5685", any));
  EXPECT_FALSE(names_listener("coap://127.0.0.1:5684", any)) << "NoSec";
  EXPECT_FALSE(names_listener("coaps://10.0.0.7:5684", any)) << "maybe another machine";
  EXPECT_FALSE(names_listener("coaps://lwm2m.example:5684", any));
  EXPECT_FALSE(names_listener("not a uri", any));

  const auto bound = at("10.0.0.7:5684");
  EXPECT_TRUE(names_listener("coaps://10.0.0.7:5684", bound));
  EXPECT_FALSE(names_listener("coaps://10.0.0.8:5684", bound));
  EXPECT_FALSE(names_listener("coaps://127.0.0.1:5684", bound)) << "not listening there";
  EXPECT_TRUE(names_listener("coaps://localhost:5684", at("127.0.0.1:5684")));
}

TEST(BootstrapCredentials, OnlyTheAccountsOfThisServerGiveCredentials) {
  const auto local = at("127.0.0.1:5684");
  BootstrapConfig config;
  auto bs = account("coaps://127.0.0.1:5684", SecurityMode::Psk, "bs-id", "bb", 0);
  bs.security.bootstrap = true;
  bs.security.ssid.reset();
  bs.server.reset();
  config.servers = {
      bs,
      account("coaps://127.0.0.1:5684", SecurityMode::Psk, "dev-id", "\x01\x02", 1),
      account("coaps://192.0.2.1:5684", SecurityMode::Psk, "elsewhere", "\x03", 2),
      account("coap://127.0.0.1:5684", SecurityMode::NoSec, "", "", 3),
      account("coaps://127.0.0.1:5684", SecurityMode::Psk, "dev-id", "\x01\x02", 4),
      account("coaps://localhost:5684", SecurityMode::Rpk, "spki", "private", 5),
      account("coaps://127.0.0.1:5684", SecurityMode::Certificate, "cert", "private", 6)};
  const std::vector<BoundCredential> expected = {
      {CredentialKind::Psk, "dev-id", {1, 2}},
      {CredentialKind::RawPublicKey, dtls::key_name(bytes("spki")), {}}};
  EXPECT_EQ(server_credentials(config, local), expected);
  EXPECT_TRUE(server_credentials(config, at("127.0.0.1:5685")).empty());
}

TEST(BootstrapCredentials, ASeparateServerIsNamedByItsUriAsWritten) {
  EXPECT_TRUE(same_server("coaps://DM.example:5684", "coaps://dm.example"));
  EXPECT_TRUE(same_server("coaps://[::1]:5700/", "coaps://[::1]:5700"));
  EXPECT_FALSE(same_server("coaps://dm.example:5685", "coaps://dm.example:5684"));
  EXPECT_FALSE(same_server("coap://dm.example:5684", "coaps://dm.example:5684"));
  EXPECT_FALSE(same_server("coaps://127.0.0.1:5684", "coaps://localhost:5684")) << "not resolved";
  EXPECT_FALSE(same_server("not a uri", "not a uri"));

  BootstrapConfig config;
  config.servers = {account("coaps://dm.example:5684", SecurityMode::Psk, "dev-id", "\x01", 1),
                    account("coaps://other.example:5684", SecurityMode::Psk, "o-id", "\x02", 2),
                    account("coaps://dm.example", SecurityMode::Rpk, "spki", "private", 3)};
  const std::vector<BoundCredential> expected = {
      {CredentialKind::Psk, "dev-id", {1}},
      {CredentialKind::RawPublicKey, dtls::key_name(bytes("spki")), {}}};
  EXPECT_EQ(
      server_credentials(
          config, [](std::string_view uri) { return same_server(uri, "coaps://dm.example:5684"); }),
      expected);
}

TEST(BootstrapCredentials, APushCarriesThemInTheSecurityApisForm) {
  const auto body =
      boost::json::parse(credentials_body({{CredentialKind::Psk, "dev-id", {0xab, 0x01}},
                                           {CredentialKind::RawPublicKey, "sha256:00", {}}}));
  EXPECT_EQ(body, boost::json::parse(R"({"source":"bootstrap","credentials":[
      {"type":"psk","identity":"dev-id","key":"ab01"},{"type":"rpk","key_name":"sha256:00"}]})"));
}

// Nothing runs the io_context: the first push stays under way, the others wait.
TEST(BootstrapCredentials, PushesWaitInABoundedQueueOnePerEndpoint) {
  boost::asio::io_context io;
  DmApiOptions options;
  options.url = "http://127.0.0.1:9";
  options.uris = {"coaps://127.0.0.1:5684"};
  options.max_queue = 3;
  DmApiPush push(io, options);
  BootstrapConfig mine, elsewhere;
  mine.servers = {account("coaps://127.0.0.1:5684", SecurityMode::Psk, "id", "\x01", 1)};
  elsewhere.servers = {account("coaps://127.0.0.1:5685", SecurityMode::Psk, "id", "\x01", 1)};
  push.push("dev0", elsewhere);
  EXPECT_EQ(push.queued(), 0u) << "no credential for this server";
  push.push("dev0", mine);
  push.push("dev0", mine);  // under way: this one waits behind it
  push.push("dev1", mine);
  push.push("dev1", mine);  // replaces the one waiting
  EXPECT_EQ(push.queued(), 3u);
  push.push("dev2", mine);
  EXPECT_EQ(push.queued(), 3u) << "past max_queue: dropped";
}

TEST(BootstrapCredentials, BoundAsFromBootstrapWithoutTakingAnotherEndpoints) {
  const auto local = at("127.0.0.1:5684");
  BootstrapConfig config;
  config.servers = {account("coaps://127.0.0.1:5684", SecurityMode::Psk, "shared", "\x05", 1)};
  dtls::MemorySecurityStore store;
  store.add_psk("dev1", "old-id", {9});

  bind_server_credentials("dev1", config, local, store);
  ASSERT_NE(store.find("dev1"), nullptr);
  EXPECT_EQ(store.find("dev1")->origin, EntryOrigin::Bootstrap);
  EXPECT_EQ(store.psk_key("shared"), std::vector<std::uint8_t>{5});
  EXPECT_EQ(store.psk_key("old-id"), std::nullopt) << "replaced";

  // The default configuration's one identity for every device stays with the first.
  bind_server_credentials("dev2", config, local, store);
  EXPECT_EQ(store.find("dev2"), nullptr);
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "shared"), "dev1");

  bind_server_credentials("dev3", config, at("127.0.0.1:5685"), store);
  EXPECT_EQ(store.find("dev3"), nullptr);
}

}  // namespace
}  // namespace drover::apps
