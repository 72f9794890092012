// The client's credential options: the server name taken from the URI's host, and the server
// certificate with its Certificate Usage.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "security_options.hpp"

namespace drover::apps {
namespace {

TEST(ClientSecurityOptions, ServerNameIsTheUrisHostWhenThatIsAName) {
  dtls::ClientCredentials c;
  c.certificate.emplace();
  name_the_server(c, "127.0.0.1");
  EXPECT_EQ(c.server_name, "");
  name_the_server(c, "::1");
  EXPECT_EQ(c.server_name, "");
  name_the_server(c, "lwm2m.example");
  EXPECT_EQ(c.server_name, "lwm2m.example");
  c.server_name = "given.example";  // --server-name wins
  name_the_server(c, "lwm2m.example");
  EXPECT_EQ(c.server_name, "given.example");
  dtls::ClientCredentials psk;
  psk.psk = dtls::PskCredential{"id", {1}};
  name_the_server(psk, "lwm2m.example");
  EXPECT_EQ(psk.server_name, "") << "no certificate, no name";
}

TEST(ClientSecurityOptions, CertificateUsageGoesWithTheServerCertificate) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("drover-security-options-" +
                    std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  for (const char* name : {"own.crt", "own.key", "server.crt"}) std::ofstream(dir / name) << name;
  ClientSecurityOptions o;
  o.certificate_file = dir / "own.crt";
  o.key_file = dir / "own.key";
  o.certificate_usage = 1;
  std::string error;
  EXPECT_FALSE(client_credentials(o, error));
  EXPECT_EQ(error, "--cert-usage needs --server-cert");

  o.server_certificate_file = dir / "server.crt";
  auto c = client_credentials(o, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->server_certificate, "server.crt");
  EXPECT_EQ(c->certificate_usage, dtls::CertificateUsage::ServiceCertificate);
  o.certificate_usage = -1;
  c = client_credentials(o, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->certificate_usage, dtls::CertificateUsage::DomainIssued) << "LwM2M's default";
  std::filesystem::remove_all(dir);
}

TEST(AccountCredentials, PskFromTheSecurityObject) {
  lwm2m::SecurityAccount a;
  a.uri = "coaps://dm.example:5684";
  a.mode = lwm2m::SecurityMode::Psk;
  a.public_key_or_identity = {'d', 'e', 'v'};
  a.secret_key = {1, 2, 3};
  std::string error;
  const auto c = account_credentials(a, "dm.example", error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->psk);
  EXPECT_EQ(c->psk->identity, "dev");
  EXPECT_EQ(c->psk->key, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(describe_credentials(*c), "PSK identity dev");
}

TEST(AccountCredentials, SaysWhyAnAccountCannotBeSecured) {
  lwm2m::SecurityAccount a;
  a.uri = "coaps://dm.example:5684";
  std::string error;
  EXPECT_FALSE(account_credentials(a, "dm.example", error));
  EXPECT_EQ(error, "no security mode (/0/x/2)");
  a.mode = lwm2m::SecurityMode::Est;
  EXPECT_FALSE(account_credentials(a, "dm.example", error));
  EXPECT_EQ(error, "security mode est is not supported");
  a.mode = lwm2m::SecurityMode::Psk;
  a.public_key_or_identity = {'d'};
  EXPECT_FALSE(account_credentials(a, "dm.example", error));
  EXPECT_EQ(error, "PSK needs an identity (/0/x/3) and a key (/0/x/5)");
  a.mode = lwm2m::SecurityMode::Rpk;
  a.secret_key = {0x30, 0x00};
  EXPECT_FALSE(account_credentials(a, "dm.example", error));
  EXPECT_EQ(error,
            "a raw public key needs a private key (/0/x/5) and the server's public key (/0/x/4), "
            "DER");
  a.mode = lwm2m::SecurityMode::Certificate;
  EXPECT_FALSE(account_credentials(a, "dm.example", error));
  EXPECT_EQ(error,
            "X.509 needs a certificate (/0/x/3), its private key (/0/x/5) and the server's "
            "certificate (/0/x/4), DER");
}

}  // namespace
}  // namespace drover::apps
