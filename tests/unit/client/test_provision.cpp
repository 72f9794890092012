// Accounts from outside a bootstrap session (Client::provision) and the instances to save
// (Client::provisioned).
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

const coap::PeerAddress kBootstrapAddr = coap::PeerAddress::loopback_v4(5999);

std::vector<Record> two_servers_and_bootstrap() {
  const auto i = [](std::int64_t v) { return Value(v); };
  return {
      {Path(0, 0, 0), Value("coap://127.0.0.1:5999"), std::nullopt},
      {Path(0, 0, 1), Value(true), std::nullopt},
      {Path(0, 0, 2), i(3), std::nullopt},
      {Path(0, 1, 0), Value("coap://127.0.0.1:5683"), std::nullopt},
      {Path(0, 1, 1), Value(false), std::nullopt},
      {Path(0, 1, 2), i(3), std::nullopt},
      {Path(0, 1, 5), Value(lwm2m::Opaque{0xa1, 0xb2}), std::nullopt},  // a secret, kept too
      {Path(0, 1, 10), i(1), std::nullopt},
      {Path(0, 2, 0), Value("coap://127.0.0.1:5783"), std::nullopt},
      {Path(0, 2, 10), i(2), std::nullopt},
      {Path(1, 0, 0), i(1), std::nullopt},
      {Path(1, 0, 1), i(300), std::nullopt},
      {Path(1, 0, 7), Value("U"), std::nullopt},
      {Path(1, 1, 0), i(2), std::nullopt},
      {Path(1, 1, 1), i(400), std::nullopt},
      {Path(1, 1, 7), Value("UQ"), std::nullopt},
      {Path(2, 0, 0), i(3), std::nullopt},
      {Path(2, 0, 1), i(0), std::nullopt},
      {Path(2, 0, 2, 1), i(1), std::nullopt},
      {Path(2, 0, 3), i(2), std::nullopt},
  };
}

TEST(Provision, MakesAnAccountOfEachPairAndRegistersWithoutBootstrapping) {
  ClientHarness h;
  h.add_fake_server(kServer2Addr);
  h.add_fake_server(kBootstrapAddr);
  ASSERT_TRUE(h.client.provision(two_servers_and_bootstrap(), h.now).has_value());
  EXPECT_EQ(h.client.servers(), (std::vector<std::uint16_t>{1, 2}));
  h.client.start(h.now);
  h.pump();
  EXPECT_FALSE(h.has_request(2));  // the bootstrap server is not asked
  const auto one = h.accept_register("one", 0);
  const auto two = h.accept_register("two", 1);
  EXPECT_EQ(queries_of(one.request)[2], "lt=300");
  EXPECT_EQ(queries_of(two.request)[2], "lt=400");
  EXPECT_NE(std::find(queries_of(two.request).begin(), queries_of(two.request).end(), "Q"),
            queries_of(two.request).end());
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
  EXPECT_EQ(h.client.state(2), RegistrationState::Registered);
  // The Access Control instance is there, for every server to read.
  EXPECT_EQ(h.call(request(coap::codes::Get, "/2/0/3"), 1).payload_string(), "2");
}

TEST(Provision, WhatIsProvisionedComesBackTheSame) {
  ClientHarness h;
  ASSERT_TRUE(h.client.provision(two_servers_and_bootstrap(), h.now).has_value());
  const auto saved = h.client.provisioned();
  // Every value given, the secret included; the Server instances' executables carry none.
  for (const auto& r : two_servers_and_bootstrap())
    EXPECT_NE(std::find(saved.begin(), saved.end(), r), saved.end()) << r.path.to_string();
  ClientHarness again;
  ASSERT_TRUE(again.client.provision(saved, again.now).has_value());
  EXPECT_EQ(again.client.provisioned(), saved);
}

TEST(Provision, ABootstrapAccountAloneBootstraps) {
  ClientHarness h;
  h.add_fake_server(kBootstrapAddr);
  const std::vector<Record> records = {
      {Path(0, 0, 0), Value("coap://127.0.0.1:5999"), std::nullopt},
      {Path(0, 0, 1), Value(true), std::nullopt}};
  ASSERT_TRUE(h.client.provision(records, h.now).has_value());
  EXPECT_TRUE(h.client.servers().empty());
  h.client.start(h.now);
  h.pump();
  const auto bs = h.next_request(1);
  EXPECT_EQ(bs.request.uri_path(), "/bs");
  // A second bootstrap account is not taken.
  EXPECT_EQ(h.client.add_bootstrap_server("coap://127.0.0.1:5999", h.now).error(),
            Error::DuplicateServer);
}

TEST(Provision, RefusesWhatMakesNoAccount) {
  ClientHarness h;
  const std::vector<Record> device = {{Path(3, 0, 14), Value("+01:00"), std::nullopt}};
  EXPECT_EQ(h.client.provision(device, h.now).error(), Error::InvalidArgument);
  const std::vector<Record> no_instance = {{Path(1), Value{}, std::nullopt}};
  EXPECT_EQ(h.client.provision(no_instance, h.now).error(), Error::InvalidArgument);
  const std::vector<Record> unresolved = {
      {Path(0, 1, 0), Value("coap://example.org"), std::nullopt},
      {Path(0, 1, 10), Value(std::int64_t{1}), std::nullopt},
      {Path(1, 1, 0), Value(std::int64_t{1}), std::nullopt}};
  EXPECT_EQ(h.client.provision(unresolved, h.now).error(), Error::InvalidArgument);
  EXPECT_TRUE(h.client.servers().empty());
}

}  // namespace
}  // namespace drover::client::testing
