#include <gtest/gtest.h>

#include "bootstrap_harness.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/registry.hpp"

namespace drover::bootstrap::testing {
namespace {

using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
namespace codes = coap::codes;

// The records of a Bootstrap-Write the device received, decoded in the format it is labelled.
std::vector<Record> written(const coap::Message& m, ContentFormat expected) {
  const auto cf = lwm2m::content_format_of(m);
  EXPECT_TRUE(cf.present && cf.format == expected)
      << m.uri_path() << " carries " << m.uint_option(coap::options::ContentFormat).value_or(0);
  lwm2m::ObjectRegistry registry;
  lwm2m::add_builtin_objects(registry);
  lwm2m::DecodeOptions options;
  options.types = &registry;
  std::vector<Record> records;
  const auto error =
      lwm2m::decode(expected, m.payload(), *Path::parse(m.uri_path()), options, records);
  EXPECT_FALSE(error.has_value()) << error->message;
  return records;
}

Record rec(Path p, lwm2m::Value v) {
  return Record{p, std::move(v), std::nullopt};
}

// A device account and a bootstrap account with PSK: what every flow test provisions.
BootstrapConfig psk_config() {
  BootstrapConfig c;
  ServerAccount dm;
  dm.security.uri = "coaps://dm.example:5684";
  dm.security.mode = lwm2m::SecurityMode::Psk;
  dm.security.identity = {'d', 'e', 'v'};
  dm.security.secret_key = {0x01, 0x02, 0x03};
  dm.security.ssid = 7;
  ServerInstance s;
  s.ssid = 7;
  s.lifetime = 600;
  s.pmin = 5;
  s.binding = "UQ";
  dm.server = s;
  ServerAccount bs;
  bs.security.uri = "coap://bs.example:5683";
  bs.security.bootstrap = true;
  c.servers = {dm, bs};
  AclInstance acl;
  acl.object_id = 3;
  acl.object_instance = 0;
  acl.rights = {{7, 17}};
  acl.owner = 7;
  c.acls = {acl};
  return c;
}

// `dm` and `bs`: the Security instances of the DM and the bootstrap account.
void expect_psk_payloads(const Harness& h, ContentFormat format, std::uint16_t dm = 0,
                         std::uint16_t bs = 1) {
  ASSERT_GE(h.requests.size(), 5u);
  const auto& r = h.requests;
  const auto n = r.size();
  // The last five: Security 0 and 1, Server 0, ACL 0, Finish.
  EXPECT_EQ(
      written(r[n - 5], format),
      (std::vector<Record>{
          rec(Path(0, dm, 0), "coaps://dm.example:5684"), rec(Path(0, dm, 1), false),
          rec(Path(0, dm, 2), std::int64_t{0}), rec(Path(0, dm, 3), lwm2m::Opaque{'d', 'e', 'v'}),
          rec(Path(0, dm, 4), lwm2m::Opaque{}), rec(Path(0, dm, 5), lwm2m::Opaque{1, 2, 3}),
          rec(Path(0, dm, 10), std::int64_t{7})}));
  const auto account = written(r[n - 4], format);
  ASSERT_FALSE(account.empty());
  EXPECT_EQ(account[0], rec(Path(0, bs, 0), "coap://bs.example:5683"));
  EXPECT_EQ(account[1], rec(Path(0, bs, 1), true));
  EXPECT_EQ(written(r[n - 3], format),
            (std::vector<Record>{rec(Path(1, 0, 0), std::int64_t{7}),
                                 rec(Path(1, 0, 1), std::int64_t{600}),
                                 rec(Path(1, 0, 2), std::int64_t{5}), rec(Path(1, 0, 6), true),
                                 rec(Path(1, 0, 7), "UQ")}));
  EXPECT_EQ(written(r[n - 2], format),
            (std::vector<Record>{
                rec(Path(2, 0, 0), std::int64_t{3}), rec(Path(2, 0, 1), std::int64_t{0}),
                rec(Path(2, 0, 2, 7), std::int64_t{17}), rec(Path(2, 0, 3), std::int64_t{7})}));
}

TEST(BootstrapServer, ClientInitiatedInTlvForLwm2m10) {
  Harness h;
  auto config = psk_config();
  config.version = lwm2m::Lwm2mVersion::V1_0;
  ASSERT_FALSE(h.configs.put("dev1", config));
  const auto answer = h.bootstrap_request("ep=dev1");
  EXPECT_EQ(answer.code, codes::Changed);
  EXPECT_EQ(h.request_lines(), (std::vector<std::string>{"DELETE /", "PUT /0/0", "PUT /0/1",
                                                         "PUT /1/0", "PUT /2/0", "POST /bs"}));
  expect_psk_payloads(h, ContentFormat::Tlv);
  const auto started = h.events_of<Started>();
  ASSERT_EQ(started.size(), 1u);
  EXPECT_EQ(started[0]->endpoint, "dev1");
  EXPECT_EQ(started[0]->format, ContentFormat::Tlv);
  EXPECT_FALSE(started[0]->server_initiated);
  const auto steps = h.events_of<StepDone>();
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(steps[0]->step, Step::Delete);
  EXPECT_EQ(steps[0]->result.code, codes::Deleted);
  EXPECT_EQ(steps[3]->path, Path(1, 0));
  EXPECT_EQ(steps[5]->step, Step::Finish);
  EXPECT_EQ(h.events_of<Finished>().size(), 1u);
  EXPECT_EQ(h.server.sessions(), 0u);
  EXPECT_EQ(h.server.stats().finished, 1u);
}

TEST(BootstrapServer, ClientInitiatedInSenmlCborAsThePctAsks_WithDiscoverAndReads) {
  Harness h;
  auto config = psk_config();
  config.discover = true;
  config.reads = {Path(1)};
  ASSERT_FALSE(h.configs.put("dev1", config));
  h.fill = [](const coap::Message& request, coap::Message& response) {
    if (lwm2m::accept_of(request).format == ContentFormat::LinkFormat) {
      lwm2m::set_content_format(response, ContentFormat::LinkFormat);
      response.set_payload("</>;lwm2m=1.1,</0/0>,</1/0>;ssid=3,</3/0>");
    } else {
      const Record r{Path(1, 0, 0), std::int64_t{3}, std::nullopt};
      std::vector<std::uint8_t> bytes;
      EXPECT_FALSE(lwm2m::encode(ContentFormat::SenmlCbor, {&r, 1}, Path(1), bytes));
      lwm2m::set_content_format(response, ContentFormat::SenmlCbor);
      response.set_payload(bytes);
    }
  };
  EXPECT_EQ(h.bootstrap_request("ep=dev1&pct=112").code, codes::Changed);
  // The device's bootstrap account is /0/0 (no ssid): the config's replaces it, the DM account
  // keeps clear of it.
  EXPECT_EQ(h.request_lines(),
            (std::vector<std::string>{"GET /", "GET /1", "DELETE /", "PUT /0/1", "PUT /0/0",
                                      "PUT /1/0", "PUT /2/0", "POST /bs"}));
  EXPECT_EQ(lwm2m::accept_of(h.requests[1]).format, ContentFormat::SenmlCbor);
  expect_psk_payloads(h, ContentFormat::SenmlCbor, 1, 0);
  const auto steps = h.events_of<StepDone>();
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[0]->step, Step::Discover);
  EXPECT_EQ(steps[0]->result.links.size(), 4u);
  EXPECT_EQ(steps[1]->step, Step::Read);
  EXPECT_EQ(steps[1]->result.records, (std::vector<Record>{rec(Path(1, 0, 0), std::int64_t{3})}));
  EXPECT_EQ(h.events_of<Finished>().size(), 1u);
}

TEST(BootstrapServer, ClientInitiatedInLwm2mCborForLwm2m12) {
  Harness h;
  auto config = psk_config();
  config.version = lwm2m::Lwm2mVersion::V1_2;
  ASSERT_FALSE(h.configs.put("*", config));  // the default serves any name
  EXPECT_EQ(h.bootstrap_request("ep=any-device").code, codes::Changed);
  expect_psk_payloads(h, ContentFormat::Lwm2mCbor);
  EXPECT_EQ(h.events_of<Finished>().size(), 1u);
}

TEST(BootstrapServer, RefusesUnknownEndpointsBadQueriesAndUnsupportedFormats) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", one_server_config()));
  auto unknown = h.bootstrap_request("ep=other");
  EXPECT_EQ(unknown.code, codes::BadRequest);
  EXPECT_EQ(unknown.payload_string(), "no bootstrap configuration for this endpoint");
  EXPECT_EQ(h.bootstrap_request("pct=112").code, codes::BadRequest);
  const auto format = h.bootstrap_request("ep=dev1&pct=40");
  EXPECT_EQ(format.code, codes::UnsupportedContentFormat);
  EXPECT_EQ(h.bootstrap_request("ep=dev1", "/bs", codes::Get).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.bootstrap_request("ep=dev1", "/rd").code, codes::NotFound);
  EXPECT_TRUE(h.requests.empty());
  EXPECT_TRUE(h.events.empty());
  EXPECT_EQ(h.server.stats().refused_unknown, 2u);
  EXPECT_EQ(h.server.stats().refused_format, 1u);
}

TEST(BootstrapServer, ADeviceThatNeverAnswersFailsItsSessionAndFreesIt) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", one_server_config()));
  h.silent = true;
  EXPECT_EQ(h.bootstrap_request("ep=dev1").code, codes::Changed);
  EXPECT_EQ(h.server.sessions(), 1u);
  h.advance(100s);  // past the request deadline (93 s)
  const auto failed = h.events_of<Failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]->step, Step::Delete);
  EXPECT_EQ(failed[0]->path, Path());
  EXPECT_EQ(failed[0]->code, codes::Empty);
  EXPECT_EQ(failed[0]->reason, "timeout");
  EXPECT_EQ(h.server.sessions(), 0u);
  h.advance(300s);
  EXPECT_EQ(h.server.engine().counts(), coap::EngineCounts{});
}

TEST(BootstrapServer, ASessionPastItsTimeoutFailsAtItsStep) {
  auto config = Harness::test_config();
  config.session_timeout = 20s;
  Harness h(config);
  ASSERT_FALSE(h.configs.put("dev1", one_server_config()));
  // The device answers everything but Finish.
  h.answer = [](const coap::Message& m) -> std::optional<coap::Code> {
    if (m.code == codes::Post) return std::nullopt;
    return m.code == codes::Delete ? codes::Deleted : codes::Changed;
  };
  EXPECT_EQ(h.bootstrap_request("ep=dev1").code, codes::Changed);
  h.advance(21s);
  const auto failed = h.events_of<Failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]->step, Step::Finish);
  EXPECT_EQ(failed[0]->reason, "session timeout");
  EXPECT_EQ(h.server.sessions(), 0u);
}

TEST(BootstrapServer, AnErrorAnswerFailsTheSessionWithTheStepAndTheDiagnostic) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", one_server_config()));
  h.answer = [](const coap::Message& m) -> std::optional<coap::Code> {
    if (m.code == codes::Put && m.uri_path() == "/1/0") return codes::BadRequest;
    return m.code == codes::Delete ? codes::Deleted : codes::Changed;
  };
  h.fill = [](const coap::Message& m, coap::Message& response) {
    if (m.uri_path() == "/1/0") response.set_payload("no such object");
  };
  EXPECT_EQ(h.bootstrap_request("ep=dev1").code, codes::Changed);
  const auto failed = h.events_of<Failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]->step, Step::Write);
  EXPECT_EQ(failed[0]->path, Path(1, 0));
  EXPECT_EQ(failed[0]->code, codes::BadRequest);
  EXPECT_EQ(failed[0]->reason, "bad request: no such object");
  EXPECT_EQ(h.request_lines().back(), "PUT /1/0");  // no Finish after a failure
  EXPECT_EQ(h.server.sessions(), 0u);
  EXPECT_EQ(h.server.stats().failed, 1u);
}

TEST(BootstrapServer, SessionsAreBoundedInNumber) {
  auto config = Harness::test_config();
  config.max_sessions = 1;
  Harness h(config);
  ASSERT_FALSE(h.configs.put("*", one_server_config()));
  h.silent = true;
  EXPECT_EQ(h.bootstrap_request("ep=a").code, codes::Changed);
  const auto busy = h.bootstrap_request("ep=b");
  EXPECT_EQ(busy.code, codes::ServiceUnavailable);
  EXPECT_TRUE(busy.uint_option(coap::options::MaxAge).has_value());
  EXPECT_EQ(h.server.start("c", kDevice, h.now).error(), Error::TooManySessions);
  EXPECT_EQ(h.server.stats().refused_busy, 1u);
  // The same device asking again replaces its own session.
  EXPECT_EQ(h.bootstrap_request("ep=a").code, codes::Changed);
  const auto failed = h.events_of<Failed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0]->reason, "replaced by a new Bootstrap-Request");
  EXPECT_EQ(h.server.sessions(), 1u);
}

TEST(BootstrapServer, ServerInitiatedBootstrapToAKnownAddress) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", one_server_config()));
  EXPECT_EQ(h.server.start("nobody", kDevice, h.now).error(), Error::UnknownEndpoint);
  const auto id = h.server.start("dev1", kDevice, h.now);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(h.server.start("dev1", kDevice, h.now).error(), Error::SessionExists);
  h.pump();
  EXPECT_EQ(h.request_lines(),
            (std::vector<std::string>{"DELETE /", "PUT /0/0", "PUT /1/0", "POST /bs"}));
  const auto started = h.events_of<Started>();
  ASSERT_EQ(started.size(), 1u);
  EXPECT_TRUE(started[0]->server_initiated);
  const auto finished = h.events_of<Finished>();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0]->session, *id);
}

TEST(BootstrapServer, BootstrapPackCarriesTheWholeConfigurationInTheAcceptedFormat) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", psk_config()));
  for (const auto format :
       {ContentFormat::SenmlCbor, ContentFormat::SenmlJson, ContentFormat::Lwm2mCbor}) {
    const auto pack = h.bootstrap_request("ep=dev1", "/bspack", codes::Get, format);
    ASSERT_EQ(pack.code, codes::Content);
    std::vector<Record> records;
    ASSERT_FALSE(lwm2m::decode(format, pack.payload(), Path(), {}, records));
    ASSERT_EQ(records.size(), 7u + 6u + 5u + 4u) << lwm2m::to_string(format);
    EXPECT_EQ(records.front().path, Path(0, 0, 0));
    EXPECT_EQ(records.back(), rec(Path(2, 0, 3), std::int64_t{7}));
  }
  EXPECT_EQ(h.bootstrap_request("ep=dev1", "/bspack", codes::Get).code, codes::Content);
  EXPECT_EQ(h.bootstrap_request("ep=dev1", "/bspack", codes::Get, ContentFormat::Tlv).code,
            codes::NotAcceptable);
  EXPECT_EQ(h.bootstrap_request("ep=x", "/bspack", codes::Get).code, codes::BadRequest);
  EXPECT_TRUE(h.requests.empty());  // no session, no Finish
  EXPECT_EQ(h.events_of<PackServed>().size(), 4u);
  EXPECT_EQ(h.server.stats().packs, 4u);
}

// A config whose bootstrap account is PSK with identity "id-<name>".
BootstrapConfig secured_config(const std::string& identity) {
  BootstrapConfig c = one_server_config();
  ServerAccount bs;
  bs.security.uri = "coaps://bs.example:5694";
  bs.security.bootstrap = true;
  bs.security.mode = lwm2m::SecurityMode::Psk;
  bs.security.identity.assign(identity.begin(), identity.end());
  bs.security.secret_key = {1, 2, 3, 4};
  c.servers.push_back(bs);
  return c;
}

// The device's security as a DTLS server would tell it: nullopt for NoSec.
struct FakeSecurity {
  std::optional<server::PeerSecurity> peer;
  void install(Harness& h, server::SecuredEndpoint secured = {}) {
    h.server.set_security_lookup([this](const coap::PeerAddress&) { return peer; },
                                 std::move(secured));
  }
};

TEST(BootstrapServerSecurity, TheAuthenticatedEndpointIsBootstrappedAnotherIsRefused) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", secured_config("id1")));
  ASSERT_FALSE(h.configs.put("dev2", one_server_config()));
  FakeSecurity security;
  security.install(h);
  security.peer = server::PeerSecurity{"psk:id1", "dev1"};
  EXPECT_EQ(h.bootstrap_request("ep=dev1").code, codes::Changed);
  EXPECT_EQ(h.events_of<Finished>().size(), 1u);

  const auto other = h.bootstrap_request("ep=dev2");
  EXPECT_EQ(other.code, codes::Forbidden);
  EXPECT_EQ(other.payload_string(), "psk:id1 is bound to endpoint dev1, not dev2");
  const auto pack = h.bootstrap_request("ep=dev2", "/bspack", codes::Get);
  EXPECT_EQ(pack.code, codes::Forbidden);
  const auto failed = h.events_of<Failed>();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0]->endpoint, "dev2");
  EXPECT_EQ(failed[0]->step, Step::Request);
  EXPECT_EQ(failed[0]->code, codes::Forbidden);
  EXPECT_EQ(failed[0]->reason, "psk:id1 is bound to endpoint dev1, not dev2");
  EXPECT_EQ(h.server.stats().refused_identity, 2u);
  EXPECT_EQ(h.server.stats().failed, 0u);  // no session was started
  EXPECT_EQ(h.server.sessions(), 0u);

  security.peer = server::PeerSecurity{"x509:CN=nobody", std::nullopt};
  EXPECT_EQ(h.bootstrap_request("ep=dev2").payload_string(),
            "x509:CN=nobody is bound to no endpoint, not dev2");
}

TEST(BootstrapServerSecurity, NoSecIsRefusedForASecuredBootstrapAccount) {
  Harness h;
  ASSERT_FALSE(h.configs.put("dev1", secured_config("id1")));
  ASSERT_FALSE(h.configs.put("dev2", one_server_config()));
  ASSERT_FALSE(h.configs.put("dev3", one_server_config()));
  FakeSecurity security;
  security.install(h, [](std::string_view endpoint) { return endpoint == "dev3"; });
  const auto refused = h.bootstrap_request("ep=dev1");
  EXPECT_EQ(refused.code, codes::Forbidden);
  EXPECT_EQ(refused.payload_string(),
            "endpoint dev1 has a secured bootstrap account: bootstrap over DTLS");
  EXPECT_EQ(h.bootstrap_request("ep=dev1", "/bspack", codes::Get).code, codes::Forbidden);
  // A credential given for dev3 elsewhere (the command line) secures it too.
  EXPECT_EQ(h.bootstrap_request("ep=dev3").code, codes::Forbidden);
  EXPECT_EQ(h.server.stats().refused_identity, 3u);
  EXPECT_TRUE(h.requests.empty());
  // A NoSec configuration still serves NoSec.
  EXPECT_EQ(h.bootstrap_request("ep=dev2").code, codes::Changed);
  EXPECT_EQ(h.events_of<Finished>().size(), 1u);
}

TEST(BootstrapServerSecurity, TheDefaultConfigServesNoSecOrTheIdentitiesItNames) {
  Harness h;
  ASSERT_FALSE(h.configs.put("*", one_server_config()));
  ASSERT_FALSE(h.configs.put("own", one_server_config()));
  FakeSecurity security;
  security.install(h);
  EXPECT_EQ(h.bootstrap_request("ep=a").code, codes::Changed);  // NoSec, NoSec default
  // A credential the default configuration names ("*") serves endpoints without their own.
  security.peer = server::PeerSecurity{"psk:fleet", std::string(default_config_name)};
  EXPECT_EQ(h.bootstrap_request("ep=b").code, codes::Changed);
  EXPECT_EQ(h.bootstrap_request("ep=own").code, codes::Forbidden);
  ASSERT_FALSE(h.configs.put("*", secured_config("fleet")));
  security.peer.reset();
  EXPECT_EQ(h.bootstrap_request("ep=c").code, codes::Forbidden);  // NoSec, secured default
  EXPECT_EQ(h.server.stats().refused_identity, 2u);
}

}  // namespace
}  // namespace drover::bootstrap::testing
