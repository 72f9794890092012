#include <gtest/gtest.h>

#include <map>

#include "bootstrap_harness.hpp"
#include "drover/bootstrap/config.hpp"

namespace drover::bootstrap::testing {
namespace {

using lwm2m::Path;

TEST(BootstrapConfigValidation, RefusesWhatWouldLeaveTheDeviceWithoutAUsableServer) {
  struct Case {
    const char* name;
    std::function<void(BootstrapConfig&)> change;
    const char* reason;  // nullptr: valid
  };
  const Case cases[] = {
      {"valid", [](BootstrapConfig&) {}, nullptr},
      {"no server", [](BootstrapConfig& c) { c.servers.clear(); },
       "no LwM2M server: the device would have no non-bootstrap Security and Server instances to "
       "register with"},
      {"only a bootstrap account",
       [](BootstrapConfig& c) {
         c.servers[0].security.bootstrap = true;
         c.servers[0].security.ssid.reset();
         c.servers[0].server.reset();
       },
       "no LwM2M server: the device would have no non-bootstrap Security and Server instances to "
       "register with"},
      {"bad URI", [](BootstrapConfig& c) { c.servers[0].security.uri = "not a uri"; },
       "server URI \"not a uri\" is not an absolute URI with a host"},
      {"http URI", [](BootstrapConfig& c) { c.servers[0].security.uri = "http://x"; },
       "server URI \"http://x\": the scheme must be coap, coaps, coap+tcp or coaps+tcp"},
      {"PSK on coap://",
       [](BootstrapConfig& c) { c.servers[0].security.mode = lwm2m::SecurityMode::Psk; },
       "server URI \"coap://127.0.0.1:5683\": security mode psk needs a coaps:// URI"},
      {"PSK without key",
       [](BootstrapConfig& c) {
         c.servers[0].security.uri = "coaps://h:5684";
         c.servers[0].security.mode = lwm2m::SecurityMode::Psk;
         c.servers[0].security.identity = {'i'};
       },
       "server coaps://h:5684: PSK mode needs an identity and a key"},
      {"duplicate ssid", [](BootstrapConfig& c) { c.servers.push_back(nosec_account(1)); },
       "ssid 1 given to two servers"},
      {"ssid mismatch", [](BootstrapConfig& c) { c.servers[0].server->ssid = 2; },
       "server coap://127.0.0.1:5683: the Server instance's ssid 2 differs from the Security "
       "instance's 1"},
      {"no ssid", [](BootstrapConfig& c) { c.servers[0].security.ssid.reset(); },
       "server coap://127.0.0.1:5683 needs a short server ID (ssid)"},
      {"no Server instance", [](BootstrapConfig& c) { c.servers[0].server.reset(); },
       "server coap://127.0.0.1:5683 has no Server instance (lifetime, binding)"},
      {"zero lifetime", [](BootstrapConfig& c) { c.servers[0].server->lifetime = 0; },
       "server 1: lifetime must be positive"},
      {"bad binding", [](BootstrapConfig& c) { c.servers[0].server->binding = "X"; },
       "server 1: binding \"X\" must be letters among U, T, S, N, Q"},
      {"duplicate instance",
       [](BootstrapConfig& c) {
         c.servers.push_back(nosec_account(2));
         c.servers[0].security.instance = 4;
         c.servers[1].security.instance = 4;
       },
       "a Security instance ID is given twice"},
      {"delete a resource", [](BootstrapConfig& c) { c.deletes = {Path(1, 0, 1)}; },
       "Bootstrap-Delete /1/0/1: / , /o or /o/i"},
      {"read /3", [](BootstrapConfig& c) { c.reads = {Path(3)}; },
       "Bootstrap-Read /3: only /1, /2 and their instances"},
      {"read in 1.0",
       [](BootstrapConfig& c) {
         c.reads = {Path(1)};
         c.version = lwm2m::Lwm2mVersion::V1_0;
       },
       "Bootstrap-Read needs LwM2M 1.1 or later"},
      {"bad order",
       [](BootstrapConfig& c) {
         c.order = {0, 0, 1};
       },
       "order must name the objects 0, 1 and 2 once each"},
      {"ACL of an unknown server",
       [](BootstrapConfig& c) {
         AclInstance a;
         a.object_id = 3;
         a.owner = 1;
         a.rights = {{9, 1}};
         c.acls = {a};
       },
       "Access Control of /3/0: ssid 9 is no server of this config"},
  };
  for (const auto& c : cases) {
    auto config = one_server_config();
    c.change(config);
    const auto error = validate(config);
    if (!c.reason) {
      EXPECT_FALSE(error.has_value()) << c.name << ": " << error.value_or("");
      continue;
    }
    ASSERT_TRUE(error.has_value()) << c.name;
    EXPECT_EQ(*error, c.reason) << c.name;
  }
}

TEST(BootstrapConfigJson, ReadsWritesAndMasksSecrets) {
  const auto parsed = config_from_json(R"({
    "version": "1.1", "discover": true, "read": ["/1"], "delete": ["/0", "/1"],
    "servers": [
      {"security": {"uri": "coaps://dm:5684", "mode": "psk", "identity_text": "dev",
                    "secret_key": "0a0B", "ssid": 3},
       "server": {"lifetime": 60, "binding": "U", "pmax": 120}},
      {"security": {"uri": "coap://bs", "bootstrap": true}}],
    "acls": [{"object": 3, "rights": {"3": 31}, "owner": 3}],
    "order": [1, 0, 2]})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  const auto& c = *parsed;
  EXPECT_EQ(c.version, lwm2m::Lwm2mVersion::V1_1);
  EXPECT_EQ(c.deletes, (std::vector<Path>{Path(0), Path(1)}));
  ASSERT_EQ(c.servers.size(), 2u);
  EXPECT_EQ(c.servers[0].security.identity, (lwm2m::Opaque{'d', 'e', 'v'}));
  EXPECT_EQ(c.servers[0].security.secret_key, (lwm2m::Opaque{0x0a, 0x0b}));
  EXPECT_EQ(c.servers[0].server->ssid, 3);  // from the Security instance
  EXPECT_EQ(c.servers[0].server->pmax, 120u);
  EXPECT_EQ(c.acls[0].rights, (std::map<std::uint16_t, std::uint16_t>{{3, 31}}));

  const auto plain = to_json(c, false);
  EXPECT_NE(plain.find("\"secret_key\":\"0a0b\""), std::string::npos) << plain;
  const auto again = config_from_json(plain);
  ASSERT_TRUE(again.has_value()) << again.error();
  EXPECT_EQ(*again, c);

  const auto masked = to_json(c, true);
  EXPECT_EQ(masked.find("0a0b"), std::string::npos) << masked;
  EXPECT_NE(masked.find("\"secret_key\":\"********\""), std::string::npos) << masked;

  // The writes in the config's order: Server first.
  const auto writes = instance_writes(c);
  ASSERT_EQ(writes.size(), 4u);
  EXPECT_EQ(writes[0].path, Path(1, 0));
  EXPECT_EQ(writes[1].path, Path(0, 0));
  EXPECT_EQ(writes[2].path, Path(0, 1));
  EXPECT_EQ(writes[3].path, Path(2, 0));
}

TEST(BootstrapConfigWrites, ReadBackAsTheDevicesSecurityAccounts) {
  const auto parsed = config_from_json(R"({"servers": [
      {"security": {"uri": "coaps://dm:5684", "mode": "x509", "identity": "3001",
                    "server_public_key": "3002", "secret_key": "3003", "ssid": 2,
                    "certificate_usage": 2},
       "server": {"lifetime": 60}},
      {"security": {"uri": "coaps://bs:5694", "bootstrap": true, "mode": "psk",
                    "identity_text": "bs", "secret_key": "0b"}}]})");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  EXPECT_EQ((*parsed).servers[0].security.certificate_usage, 2);
  EXPECT_EQ(*config_from_json(to_json(*parsed, false)), *parsed);
  std::vector<lwm2m::Record> records;
  for (const auto& write : instance_writes(*parsed))
    records.insert(records.end(), write.records.begin(), write.records.end());
  const auto accounts = lwm2m::security_accounts(records);
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].uri, "coaps://dm:5684");
  EXPECT_EQ(accounts[0].mode, lwm2m::SecurityMode::Certificate);
  EXPECT_EQ(accounts[0].public_key_or_identity, (lwm2m::Opaque{0x30, 0x01}));
  EXPECT_EQ(accounts[0].server_public_key, (lwm2m::Opaque{0x30, 0x02}));
  EXPECT_EQ(accounts[0].secret_key, (lwm2m::Opaque{0x30, 0x03}));
  EXPECT_EQ(accounts[0].short_server_id, 2);
  EXPECT_EQ(accounts[0].certificate_usage, 2);
  EXPECT_TRUE(accounts[1].bootstrap);
  EXPECT_EQ(accounts[1].mode, lwm2m::SecurityMode::Psk);
  EXPECT_EQ(accounts[1].public_key_or_identity, (lwm2m::Opaque{'b', 's'}));

  // A certificate usage is X.509's alone.
  const auto psk = config_from_json(R"({"servers": [
      {"security": {"uri": "coaps://dm:5684", "mode": "psk", "identity_text": "d",
                    "secret_key": "0b", "ssid": 1, "certificate_usage": 3},
       "server": {"lifetime": 60}}]})");
  ASSERT_FALSE(psk.has_value());
  EXPECT_EQ(psk.error(), "server coaps://dm:5684: certificate_usage is 0 to 3, for x509 mode");
}

TEST(BootstrapConfigWrites, KeepClearOfTheDevicesBootstrapAccount) {
  auto config = one_server_config();
  config.servers.push_back(nosec_account(2, "coap://127.0.0.1:5684"));
  const auto paths = [](const std::vector<InstanceWrite>& writes) {
    std::vector<Path> out;
    for (const auto& w : writes) out.push_back(w.path);
    return out;
  };
  EXPECT_EQ(paths(instance_writes(config, 0)),
            (std::vector<Path>{Path(0, 1), Path(0, 2), Path(1, 0), Path(1, 1)}));
  // The config's own bootstrap account takes the device's instance.
  ServerAccount bs;
  bs.security.uri = "coap://bs";
  bs.security.bootstrap = true;
  config.servers.push_back(bs);
  EXPECT_EQ(paths(instance_writes(config, 1)),
            (std::vector<Path>{Path(0, 0), Path(0, 2), Path(0, 1), Path(1, 0), Path(1, 1)}));
  // An explicit ID is the config's choice, even the device's bootstrap account's.
  config.servers[0].security.instance = 1;
  EXPECT_EQ(paths(instance_writes(config, 1)),
            (std::vector<Path>{Path(0, 1), Path(0, 0), Path(0, 2), Path(1, 0), Path(1, 1)}));
}

TEST(BootstrapConfigJson, NamesWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"{", "invalid JSON: "},
      {"[]", "config must be a JSON object"},
      {R"({"servers": [{"security": {"uri": "coap://h", "ssid": 1}, "server": {}}], "x": 1})",
       "config: unknown field x"},
      {R"({"servers": [{"security": {"uri": "coap://h", "ssid": 70000}}]})",
       "servers[0].security: ssid must be an integer from 0 to 65535"},
      {R"({"servers": [{"security": {"uri": "coaps://h", "mode": "magic"}}]})",
       "servers[0].security: mode must be psk, rpk, x509, nosec or est, got \"magic\""},
      {R"({"servers": [{"security": {"uri": "coaps://h", "mode": "psk", "secret_key": "zz"}}]})",
       "servers[0].security: secret_key must be hex digits"},
      {R"({"delete": ["/a"]})", "delete: \"\"/a\"\" is no LwM2M path"},
      {R"({"servers": []})",
       "no LwM2M server: the device would have no non-bootstrap Security and Server instances to "
       "register with"},
  };
  for (const auto& [json, reason] : cases) {
    const auto parsed = config_from_json(json);
    ASSERT_FALSE(parsed.has_value()) << json;
    EXPECT_TRUE(parsed.error().starts_with(reason)) << json << " -> " << parsed.error();
  }
}

// A DocumentTable in memory, as the store keeps it.
struct MemoryTable : DocumentTable {
  std::map<std::string, std::string> documents;
  void put(std::string_view key, std::string_view document) override {
    documents[std::string(key)] = std::string(document);
  }
  void erase(std::string_view key) override { documents.erase(std::string(key)); }
  std::vector<std::pair<std::string, std::string>> load() override {
    return {documents.begin(), documents.end()};
  }
};

TEST(BootstrapConfigs, WritesThroughItsTableAndLoadsItBack) {
  MemoryTable table;
  {
    BootstrapConfigs configs(&table);
    ASSERT_FALSE(configs.put("dev1", one_server_config()));
    ASSERT_FALSE(configs.put("*", one_server_config()));
    BootstrapConfig bad;
    EXPECT_TRUE(configs.put("dev2", bad).has_value());
    EXPECT_EQ(configs.put("", one_server_config()),
              "a config is named by an endpoint name (1 to 256 bytes) or \"*\"");
    EXPECT_TRUE(configs.erase("*"));
    EXPECT_FALSE(configs.erase("*"));
  }
  EXPECT_EQ(table.documents.size(), 1u);
  table.documents["broken"] = "{\"servers\": []}";
  BootstrapConfigs configs(&table);
  const auto errors = configs.load();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("bootstrap config broken: no LwM2M server")) << errors[0];
  ASSERT_NE(configs.get("dev1"), nullptr);
  EXPECT_EQ(*configs.get("dev1"), one_server_config());
  EXPECT_EQ(configs.find("dev9"), nullptr);  // no default any more
}

TEST(BootstrapConfigs, LoadsAFileOfConfigurationsByName) {
  BootstrapConfigs configs;
  EXPECT_FALSE(configs.put_all_json(R"({"*": {"servers": [
      {"security": {"uri": "coap://127.0.0.1:5683", "ssid": 1}, "server": {"lifetime": 30}}]}})"));
  ASSERT_NE(configs.find("anyone"), nullptr);
  EXPECT_EQ(configs.find("anyone")->servers[0].server->lifetime, 30u);
  EXPECT_EQ(*configs.put_all_json(R"({"d": {"servers": []}})"),
            "d: no LwM2M server: the device would have no non-bootstrap Security and Server "
            "instances to register with");
}

}  // namespace
}  // namespace drover::bootstrap::testing
