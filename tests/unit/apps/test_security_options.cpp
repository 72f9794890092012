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

}  // namespace
}  // namespace drover::apps
