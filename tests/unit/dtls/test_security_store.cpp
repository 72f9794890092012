// The security store: credentials bound to endpoints, the endpoints that may not use NoSec, and
// a fleet's PSKs derived from a master key.
#include <gtest/gtest.h>

#include "drover/dtls/credentials.hpp"

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

}  // namespace
}  // namespace drover::dtls
