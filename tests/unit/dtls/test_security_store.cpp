// The security store: credentials bound to endpoints, the endpoints that may not use NoSec, a
// fleet's PSKs derived from a master key, and the entries put through the API kept in a table.
#include <gtest/gtest.h>

#include <map>

#include "drover/dtls/security_store.hpp"

namespace drover::dtls {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  return parse_hex(text).value();
}

TEST(SecurityStore, DerivedKeysAreTheDocumentedHmac) {
  // printf %s dev1 | openssl dgst -sha256 -mac HMAC -macopt hexkey:00112233445566778899aabbccddeeff
  EXPECT_EQ(to_hex(derive_psk(hex("00112233445566778899aabbccddeeff"), "dev1")),
            "085607195d7402f27062028f9ec947bc");
}

TEST(SecurityStore, DerivedPsksCoverTheirPrefixOnly) {
  MemorySecurityStore store;
  const auto master = hex("000102030405060708090a0b0c0d0e0f");
  store.add_psk("fleet-special", "special-id", hex("aabbccdd"));
  store.derive_psks(master, "fleet-");
  EXPECT_EQ(store.psk_key("fleet-7"), derive_psk(master, "fleet-7"));
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "fleet-7"), "fleet-7");
  EXPECT_TRUE(store.secures("fleet-7"));
  EXPECT_EQ(store.psk_key("other-7"), std::nullopt);
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "other-7"), std::nullopt);
  EXPECT_FALSE(store.secures("other-7"));
  EXPECT_EQ(store.endpoint_of(CredentialKind::RawPublicKey, "fleet-7"), std::nullopt);
  // A key given explicitly wins over the derived one.
  EXPECT_EQ(store.psk_key("special-id"), hex("aabbccdd"));
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "special-id"), "fleet-special");
}

TEST(SecurityStore, AnEndpointIsSecuredWhileACredentialIsBoundToIt) {
  MemorySecurityStore store;
  EXPECT_FALSE(store.secures("dev1"));
  store.add_psk("dev1", "id-a", hex("01"));
  store.bind(CredentialKind::RawPublicKey, "sha256:00", "dev1");
  EXPECT_TRUE(store.secures("dev1"));
  store.bind(CredentialKind::Psk, "id-a", "dev2");
  EXPECT_TRUE(store.secures("dev1")) << "the raw public key is still bound to it";
  store.bind(CredentialKind::RawPublicKey, "sha256:00", "dev2");
  EXPECT_FALSE(store.secures("dev1"));
  EXPECT_TRUE(store.secures("dev2"));
}

// A table in memory, as the data folder's documents.db would hold it.
class MapTable final : public DocumentTable {
 public:
  void put(std::string_view key, std::string_view document) override {
    rows[std::string(key)] = std::string(document);
  }
  void erase(std::string_view key) override { rows.erase(std::string(key)); }
  std::vector<std::pair<std::string, std::string>> load() override {
    return {rows.begin(), rows.end()};
  }
  std::map<std::string, std::string> rows;
};

BoundCredential psk(std::string identity, std::string_view key) {
  return {CredentialKind::Psk, std::move(identity), hex(key)};
}

TEST(SecurityStore, PutReplacesAnEndpointsCredentialsAndEraseRemovesThem) {
  MemorySecurityStore store;
  ASSERT_EQ(store.put("dev1", {psk("id-a", "01"), {CredentialKind::X509, "CN=dev1", {}}}),
            std::nullopt);
  EXPECT_EQ(store.psk_key("id-a"), hex("01"));
  EXPECT_EQ(store.endpoint_of(CredentialKind::X509, "CN=dev1"), "dev1");
  EXPECT_TRUE(store.secures("dev1"));
  EXPECT_EQ(store.size(), 2u);

  ASSERT_EQ(store.put("dev1", {psk("id-b", "02")}), std::nullopt);
  EXPECT_EQ(store.psk_key("id-a"), std::nullopt) << "replaced, not added to";
  EXPECT_EQ(store.endpoint_of(CredentialKind::X509, "CN=dev1"), std::nullopt);
  EXPECT_EQ(store.psk_key("id-b"), hex("02"));
  ASSERT_NE(store.find("dev1"), nullptr);
  EXPECT_EQ(store.find("dev1")->origin, EntryOrigin::Api);
  EXPECT_EQ(store.size(), 1u);

  EXPECT_TRUE(store.erase("dev1"));
  EXPECT_FALSE(store.erase("dev1"));
  EXPECT_EQ(store.psk_key("id-b"), std::nullopt);
  EXPECT_FALSE(store.secures("dev1"));
  EXPECT_EQ(store.size(), 0u);
}

TEST(SecurityStore, PutRefusesWhatCannotBeUsedAndKeepsTheOldEntry) {
  MemorySecurityStore store;
  store.add_psk("dev1", "id-a", hex("01"));
  EXPECT_EQ(store.find("dev1")->origin, EntryOrigin::CommandLine);
  const auto refused = [&](std::string endpoint, std::vector<BoundCredential> c) {
    const auto why = store.put(endpoint, std::move(c));
    return why ? why->reason : "";
  };
  EXPECT_NE(refused("dev2", {}), "");
  EXPECT_NE(refused("", {psk("id-x", "01")}), "");
  EXPECT_NE(refused("dev2", {psk("", "01")}), "");
  EXPECT_NE(refused("dev2", {{CredentialKind::Psk, "id-x", {}}}), "");
  EXPECT_NE(refused("dev2", {{CredentialKind::RawPublicKey, "sha256:00", hex("01")}}), "");
  EXPECT_NE(refused("dev2", {psk("id-x", "01"), psk("id-x", "02")}), "");
  EXPECT_EQ(refused("dev2", {psk("id-a", "02")}), "psk:id-a is bound to another endpoint");
  EXPECT_TRUE(store.put("dev2", {psk("id-a", "02")})->taken);
  EXPECT_FALSE(store.put("dev2", {psk("", "02")})->taken);
  EXPECT_EQ(store.psk_key("id-a"), hex("01"));
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "id-a"), "dev1");
  EXPECT_EQ(store.find("dev2"), nullptr);
  // The endpoint that holds the credential may put it again, with another key.
  EXPECT_EQ(refused("dev1", {psk("id-a", "03")}), "");
  EXPECT_EQ(store.psk_key("id-a"), hex("03"));
}

TEST(SecurityStore, DocumentsRoundTripAnyName) {
  const std::vector<BoundCredential> credentials = {
      psk("id with spaces\n", "00ff"),
      {CredentialKind::RawPublicKey, "sha256:abcd", {}},
      {CredentialKind::X509, "CN=dev1,O=Example\\, Inc.", {}}};
  for (const auto origin : {EntryOrigin::Api, EntryOrigin::Bootstrap}) {
    const auto read = from_document(to_document(SecurityEntry{credentials, origin}));
    ASSERT_TRUE(read);
    EXPECT_EQ(read->credentials, credentials);
    EXPECT_EQ(read->origin, origin);
  }
  EXPECT_EQ(from_document("psk 6964"), std::nullopt) << "a PSK without its key";
  EXPECT_EQ(from_document("from bootstrap\npsk 6964 01"), std::nullopt) << "not last";
  EXPECT_EQ(from_document("rpk zz"), std::nullopt);
  EXPECT_EQ(from_document("dsa 00"), std::nullopt);
}

TEST(SecurityStore, PutEntriesOutliveTheStoreAndTheCommandLinesDoNot) {
  MapTable table;
  {
    MemorySecurityStore store(&table);
    store.add_psk("from-file", "file-id", hex("01"));
    ASSERT_EQ(store.put("dev1", {psk("id-a", "0a0b")}), std::nullopt);
    ASSERT_EQ(store.put("dev2", {{CredentialKind::RawPublicKey, "sha256:00", {}}}), std::nullopt);
    ASSERT_EQ(store.put("dev3", {psk("id-c", "0c")}), std::nullopt);
    ASSERT_EQ(store.put("dev4", {psk("id-d", "0d")}, EntryOrigin::Bootstrap), std::nullopt);
    EXPECT_TRUE(store.erase("dev3"));
  }
  EXPECT_EQ(table.rows.size(), 3u);
  table.rows["broken"] = "not a credential";

  MemorySecurityStore restarted(&table);
  const auto skipped = restarted.load();
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("broken"), std::string::npos);
  EXPECT_EQ(restarted.psk_key("id-a"), hex("0a0b"));
  EXPECT_EQ(restarted.endpoint_of(CredentialKind::Psk, "id-a"), "dev1");
  EXPECT_EQ(restarted.endpoint_of(CredentialKind::RawPublicKey, "sha256:00"), "dev2");
  EXPECT_EQ(restarted.psk_key("id-c"), std::nullopt);
  EXPECT_EQ(restarted.psk_key("file-id"), std::nullopt);
  EXPECT_EQ(restarted.find("dev1")->origin, EntryOrigin::Api);
  EXPECT_EQ(restarted.find("dev4")->origin, EntryOrigin::Bootstrap);
  EXPECT_EQ(restarted.psk_key("id-d"), hex("0d"));
}

TEST(SecurityStore, StoredEntriesReplaceTheCommandLinesButNotItsOtherBindings) {
  MapTable table;
  table.rows["dev1"] = to_document(SecurityEntry{{psk("id-new", "02")}, EntryOrigin::Api});
  table.rows["dev2"] = to_document(SecurityEntry{{psk("shared-id", "03")}, EntryOrigin::Api});
  MemorySecurityStore store(&table);
  store.add_psk("dev1", "id-old", hex("01"));
  store.add_psk("dev9", "shared-id", hex("09"));
  const auto skipped = store.load();
  ASSERT_EQ(skipped.size(), 1u) << "shared-id stays bound to dev9";
  EXPECT_EQ(store.psk_key("id-new"), hex("02"));
  EXPECT_EQ(store.psk_key("id-old"), std::nullopt);
  EXPECT_EQ(store.endpoint_of(CredentialKind::Psk, "shared-id"), "dev9");
}

}  // namespace
}  // namespace drover::dtls
