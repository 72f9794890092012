// End to end in memory: a client that knows only its bootstrap server is provisioned by the
// bootstrap server core, then registers with the LwM2M server core the configuration names.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/client/client.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/server/server.hpp"

namespace drover::e2e {
namespace {

using namespace std::chrono_literals;
using coap::TimePoint;
using lwm2m::Path;

const coap::PeerAddress kClient = coap::PeerAddress::loopback_v4(40000);
const coap::PeerAddress kServer = coap::PeerAddress::loopback_v4(5683);
const coap::PeerAddress kBootstrap = coap::PeerAddress::loopback_v4(5783);
const coap::PeerAddress kServer2 = coap::PeerAddress::loopback_v4(5684);

bootstrap::BootstrapConfig config_for(std::string uri = "coap://127.0.0.1:5683") {
  bootstrap::BootstrapConfig c;
  bootstrap::ServerAccount dm;
  dm.security.uri = std::move(uri);
  dm.security.ssid = 1;
  bootstrap::ServerInstance s;
  s.ssid = 1;
  s.lifetime = 120;
  dm.server = s;
  bootstrap::ServerAccount bs;
  bs.security.uri = "coap://127.0.0.1:5783";
  bs.security.bootstrap = true;
  c.servers = {bs, dm};
  bootstrap::AclInstance acl;
  acl.object_id = 3;
  acl.rights = {{1, 1}};
  acl.owner = 1;
  c.acls = {acl};
  return c;
}

struct Bootstrap : ::testing::Test {
  TimePoint now = TimePoint{} + 1000h;
  bootstrap::BootstrapConfigs configs;
  std::unique_ptr<bootstrap::BootstrapServer> bs;
  std::unique_ptr<server::Server> server;
  std::unique_ptr<server::Server> server2;  // a second LwM2M server
  std::unique_ptr<client::Client> client;
  std::vector<bootstrap::BootstrapEvent> bs_events;
  std::vector<server::ServerEvent> server_events;
  std::vector<server::ServerEvent> server2_events;
  std::vector<client::ClientEvent> client_events;
  bool bootstrap_reachable = true;
  // The bootstrap server predates LwM2M 1.2: Bootstrap-Pack-Requests are answered 4.04 (the
  // answer of a server that knows no /bspack).
  bool bootstrap_without_pack = false;
  bool bootstrap_pack = false;
  coap::Duration bootstrap_retry = 60s;  // the client's default
  coap::Duration hold_off{};
  std::size_t max_servers = client::default_max_servers;

  void make(lwm2m::Lwm2mVersion version) {
    bootstrap::BootstrapServerConfig bc;
    bc.random_seed = 1;
    bs = std::make_unique<bootstrap::BootstrapServer>(bc, configs);
    server::ServerConfig sc;
    sc.random_seed = 2;
    server = std::make_unique<server::Server>(sc);
    sc.random_seed = 4;
    server2 = std::make_unique<server::Server>(sc);
    make_client(version);
    ASSERT_TRUE(client->add_bootstrap_server("coap://127.0.0.1:5783", now, hold_off).has_value());
  }

  // A client with its Device instance and no account (a device that restarts, or a new one).
  void make_client(lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1) {
    client::ClientConfig cc;
    cc.endpoint = "dev1";
    cc.random_seed = 3;
    cc.version = version;
    cc.bootstrap_retry = bootstrap_retry;
    cc.bootstrap_pack = bootstrap_pack;
    cc.max_servers = max_servers;
    client = std::make_unique<client::Client>(cc);
    ASSERT_TRUE(client->add_object(3).has_value());
    ASSERT_TRUE(
        client
            ->add_instance(
                3, 0, std::make_unique<client::Device>(client::DeviceInfo{}, client::DeviceHooks{}),
                now)
            .has_value());
  }

  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      coap::Transmit tx;
      while (client->poll_transmit(tx)) {
        moved = true;
        const std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
        if (tx.peer == kServer) server->receive(kClient, bytes, now);
        if (tx.peer == kServer2) server2->receive(kClient, bytes, now);
        if (tx.peer == kBootstrap && bootstrap_reachable && !answered_without_pack(bytes))
          bs->receive(kClient, bytes, now);
      }
      while (server->poll_transmit(tx)) {
        moved = true;
        client->receive(kServer, std::vector<std::uint8_t>(tx.bytes.begin(), tx.bytes.end()), now);
      }
      while (server2->poll_transmit(tx)) {
        moved = true;
        client->receive(kServer2, std::vector<std::uint8_t>(tx.bytes.begin(), tx.bytes.end()), now);
      }
      while (bs->poll_transmit(tx)) {
        moved = true;
        client->receive(kBootstrap, std::vector<std::uint8_t>(tx.bytes.begin(), tx.bytes.end()),
                        now);
      }
      bootstrap::BootstrapEvent be;
      while (bs->poll_event(be)) bs_events.push_back(std::move(be));
      server::ServerEvent se;
      while (server->poll_event(se)) server_events.push_back(std::move(se));
      while (server2->poll_event(se)) server2_events.push_back(std::move(se));
      client::ClientEvent ce;
      while (client->poll_event(ce)) client_events.push_back(std::move(ce));
      if (!moved) return;
    }
    ADD_FAILURE() << "traffic did not settle";
  }

  // Answers a Bootstrap-Pack-Request 4.04 in the bootstrap server's place, if it has none.
  bool answered_without_pack(const std::vector<std::uint8_t>& bytes) {
    coap::Message request;
    if (!bootstrap_without_pack || coap::parse(bytes, request) || request.uri_path() != "/bspack")
      return false;
    coap::Message answer;
    answer.type = coap::Type::Ack;
    answer.code = coap::codes::NotFound;
    answer.message_id = request.message_id;
    answer.token = request.token;
    std::vector<std::uint8_t> out;
    coap::serialize(answer, out);
    client->receive(kBootstrap, out, now);
    return true;
  }

  void advance(coap::Duration d) {
    const TimePoint end = now + d;
    for (;;) {
      std::optional<TimePoint> next;
      for (const auto t : {client->next_expiry(), server->next_expiry(), server2->next_expiry(),
                           bs->next_expiry()})
        if (t && (!next || *t < *next)) next = t;
      if (!next || *next > end) break;
      now = std::max(now, *next);
      client->on_timer(now);
      server->on_timer(now);
      server2->on_timer(now);
      bs->on_timer(now);
      pump();
    }
    now = end;
  }

  // config_for() with a second DM server (Short Server ID 2) on port 5684, like the first.
  bootstrap::BootstrapConfig config_for_two_servers() {
    auto config = config_for();
    auto second = config.servers[1];
    second.security.uri = "coap://127.0.0.1:5684";
    second.security.ssid = 2;
    second.server->ssid = 2;
    config.servers.push_back(second);
    return config;
  }

  template <typename T, typename Events>
  std::vector<T> of(const Events& events) {
    std::vector<T> out;
    for (const auto& e : events)
      if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    return out;
  }

  // The whole flow: bootstrap, then registration with the server the config names.
  void bootstrap_and_register(lwm2m::ContentFormat expected_format) {
    client->start(now);
    pump();
    const auto started = of<bootstrap::Started>(bs_events);
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].endpoint, "dev1");
    EXPECT_EQ(started[0].format, expected_format);
    ASSERT_EQ(of<bootstrap::Finished>(bs_events).size(), 1u)
        << (of<bootstrap::Failed>(bs_events).empty() ? ""
                                                     : of<bootstrap::Failed>(bs_events)[0].reason);
    const auto done = of<client::Bootstrapped>(client_events);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].servers, std::vector<std::uint16_t>{1});
    const auto registered = of<server::Registered>(server_events);
    ASSERT_EQ(registered.size(), 1u);
    EXPECT_EQ(registered[0].registration.endpoint, "dev1");
    EXPECT_EQ(registered[0].registration.lifetime, 120u);  // from the bootstrap config
    EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
    EXPECT_EQ(bs->sessions(), 0u);
    // The written instances are the client's: Server /1/0 as configured, the ACL of /3/0.
    const auto lifetime = client->read(Path(1, 0, 1));
    ASSERT_TRUE(lifetime.has_value());
    EXPECT_EQ(lifetime.value()[0].value, lwm2m::Value(std::int64_t{120}));
    const auto acl = client->read(Path(2, 0, 2));
    ASSERT_TRUE(acl.has_value());
    EXPECT_EQ(acl.value()[0].path, Path(2, 0, 2, 1));
  }
};

TEST_F(Bootstrap, A10ClientIsProvisionedInTlvThenRegisters) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_0);
  bootstrap_and_register(lwm2m::ContentFormat::Tlv);
}

TEST_F(Bootstrap, A11ClientAsksForSenmlCborAndIsReadAndDiscoveredFirst) {
  auto config = config_for();
  config.discover = true;
  config.reads = {Path(1)};
  ASSERT_FALSE(configs.put("dev1", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_and_register(lwm2m::ContentFormat::SenmlCbor);
  const auto steps = of<bootstrap::StepDone>(bs_events);
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[0].step, bootstrap::Step::Discover);
  // The bootstrap server's account is there, without ssid; the Device instance too.
  bool bootstrap_account = false, device = false;
  for (const auto& link : steps[0].result.links) {
    bootstrap_account |= link.target == "/0/0" && link.attributes.empty();
    device |= link.target == "/3/0";
  }
  EXPECT_TRUE(bootstrap_account && device);
  EXPECT_EQ(steps[1].step, bootstrap::Step::Read);
  EXPECT_TRUE(steps[1].result.records.empty());  // no Server instance before the writes
}

TEST_F(Bootstrap, A11ClientIsProvisionedInSenmlJson) {
  auto config = config_for();
  config.format = lwm2m::ContentFormat::SenmlJson;
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_and_register(lwm2m::ContentFormat::SenmlJson);
}

TEST_F(Bootstrap, A12ClientIsProvisionedInLwm2mCbor) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_2);
  bootstrap_and_register(lwm2m::ContentFormat::Lwm2mCbor);
}

TEST_F(Bootstrap, AConfigWithoutTheBootstrapAccountMayRewriteItsInstance) {
  auto config = config_for();
  config.servers.erase(config.servers.begin());  // the DM account alone: written as /0/0
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_and_register(lwm2m::ContentFormat::SenmlCbor);
  const auto writes = of<bootstrap::StepDone>(bs_events);
  ASSERT_GE(writes.size(), 2u);
  EXPECT_EQ(writes[1].path, Path(0, 0));  // over the account the client started with
  EXPECT_EQ(client->servers(), std::vector<std::uint16_t>{1});
}

TEST_F(Bootstrap, ADeviceBootstrappedToTwoServersRegistersWithBoth) {
  auto config = config_for();
  bootstrap::ServerAccount second;
  second.security.uri = "coap://127.0.0.1:5684";
  second.security.ssid = 2;
  bootstrap::ServerInstance s;
  s.ssid = 2;
  s.lifetime = 300;
  s.binding = "UQ";
  second.server = s;
  config.servers.push_back(second);
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  const auto done = of<client::Bootstrapped>(client_events);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].servers, (std::vector<std::uint16_t>{1, 2}));
  const auto first = of<server::Registered>(server_events);
  const auto other = of<server::Registered>(server2_events);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(first[0].registration.lifetime, 120u);
  EXPECT_EQ(other[0].registration.lifetime, 300u);
  EXPECT_FALSE(first[0].registration.queue_mode);
  EXPECT_TRUE(other[0].registration.queue_mode);  // its binding has Q
  EXPECT_EQ(client->state(2), client::RegistrationState::Registered);
}

// Each server's observations are its own: both observe the same resource and are notified of a
// change; one cancels, and only the other is notified of the next.
TEST_F(Bootstrap, EachOfTwoServersKeepsItsOwnObservations) {
  auto config = config_for_two_servers();
  config.acls[0].rights = {{1, 1}, {2, 1}};  // the Device instance: Read for both
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  ASSERT_EQ(of<server::Registered>(server_events).size(), 1u);
  ASSERT_EQ(of<server::Registered>(server2_events).size(), 1u);

  const Path zone(3, 0, 15);
  std::string last_zone;
  const auto one = server->observe("dev1", zone, {}, now);
  const auto two = server2->observe("dev1", zone, {}, now);
  ASSERT_TRUE(one && two);
  pump();
  EXPECT_EQ(client->observation_count(), 2u);
  // Notifications of `id` carrying the latest value set (events are kept, not taken).
  const auto notified = [&](const std::vector<server::ServerEvent>& events,
                            server::OperationId id) {
    std::size_t n = 0;
    for (const auto& note : of<server::Notification>(events))
      if (note.observation == id && note.records.size() == 1 &&
          note.records[0].value == lwm2m::Value(std::string(last_zone)))
        ++n;
    return n;
  };
  last_zone = "Europe/Paris";
  ASSERT_TRUE(client->set_value(zone, lwm2m::Value(last_zone), now).has_value());
  pump();
  EXPECT_EQ(notified(server_events, *one), 1u);
  EXPECT_EQ(notified(server2_events, *two), 1u);

  ASSERT_TRUE(server->cancel_observation(*one, server::CancelMode::Active, now).has_value());
  pump();
  EXPECT_EQ(client->observation_count(), 1u);
  last_zone = "Asia/Tokyo";
  ASSERT_TRUE(client->set_value(zone, lwm2m::Value(last_zone), now).has_value());
  pump();
  EXPECT_EQ(notified(server_events, *one), 0u);
  EXPECT_EQ(notified(server2_events, *two), 1u);
}

// The Access Control instance a bootstrap writes is enforced between the servers it provisions:
// server 2 may read and write the Device instance, server 1 nothing there.
TEST_F(Bootstrap, TheAccessControlABootstrapWritesIsEnforcedBetweenTwoServers) {
  auto config = config_for_two_servers();
  config.acls[0].rights = {{2, 1 | 2}};  // Read and Write for server 2 alone
  config.acls[0].owner = 2;
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  ASSERT_EQ(of<server::Registered>(server_events).size(), 1u);
  ASSERT_EQ(of<server::Registered>(server2_events).size(), 1u);

  const std::vector<lwm2m::Record> zone = {
      {Path(3, 0, 15), lwm2m::Value(std::string("Europe/Paris")), std::nullopt}};
  const std::vector<lwm2m::Record> other_zone = {
      {Path(3, 0, 15), lwm2m::Value(std::string("Asia/Tokyo")), std::nullopt}};
  for (auto* s : {server.get(), server2.get()}) {
    ASSERT_TRUE(s->read("dev1", Path(3, 0, 0), {}, now).has_value());
    ASSERT_TRUE(s->write("dev1", Path(3, 0, 15), s == server.get() ? other_zone : zone,
                         server::WriteMode::Replace, {}, now)
                    .has_value());
    pump();
  }
  const auto one = of<server::OperationCompleted>(server_events);
  const auto two = of<server::OperationCompleted>(server2_events);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(one[0].result.code, coap::codes::Unauthorized);  // read
  EXPECT_EQ(one[1].result.code, coap::codes::Unauthorized);  // write
  EXPECT_EQ(two[0].result.code, coap::codes::Content);
  EXPECT_EQ(two[1].result.code, coap::codes::Changed);
  const auto written = client->read(Path(3, 0, 15));
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written.value()[0].value, lwm2m::Value(std::string("Europe/Paris")));
}

TEST_F(Bootstrap, FinishNamingAServerTheClientCannotReachIsRefused) {
  ASSERT_FALSE(configs.put("*", config_for("coap://dm.example:5683")));  // no resolver: unusable
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  const auto failed = of<bootstrap::Failed>(bs_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].step, bootstrap::Step::Finish);
  // Core TS: Bootstrap-Finish answers 4.06 Not Acceptable to an inconsistent configuration (its
  // 4.00 is for a Finish request that is itself malformed).
  EXPECT_EQ(failed[0].code, coap::codes::NotAcceptable);
  EXPECT_EQ(failed[0].reason, "not acceptable: server 1: bad URI");
  EXPECT_TRUE(of<client::Bootstrapped>(client_events).empty());
  EXPECT_TRUE(server_events.empty());
  EXPECT_TRUE(client->servers().empty());
}

TEST_F(Bootstrap, FinishWithMoreServersThanTheClientTakesIsNotAcceptable) {
  auto config = config_for_two_servers();
  config.acls.clear();
  ASSERT_FALSE(configs.put("*", config));
  max_servers = 1;
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  const auto failed = of<bootstrap::Failed>(bs_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].step, bootstrap::Step::Finish);
  EXPECT_EQ(failed[0].code, coap::codes::NotAcceptable);
  EXPECT_EQ(failed[0].reason, "not acceptable: more servers than the client takes");
  EXPECT_TRUE(of<client::Bootstrapped>(client_events).empty());
  EXPECT_TRUE(server_events.empty());
  EXPECT_TRUE(server2_events.empty());
  EXPECT_TRUE(client->servers().empty());
}

TEST_F(Bootstrap, AnUnansweredBootstrapRequestIsTriedAgainWithBackOff) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_reachable = false;
  client->start(now);
  advance(600s);
  const auto failed = of<client::BootstrapFailed>(client_events);
  ASSERT_EQ(failed.size(), 3u);
  // 60 s doubling, each lengthened by up to 10 %.
  for (std::size_t i = 0; i < failed.size(); ++i) {
    ASSERT_TRUE(failed[i].retry_in.has_value());
    EXPECT_GE(*failed[i].retry_in, 60s * (1 << i));
    EXPECT_LE(*failed[i].retry_in, 66s * (1 << i));
  }
  EXPECT_EQ(of<bootstrap::Started>(bs_events).size(), 0u);
  bootstrap_reachable = true;
  advance(300s);
  EXPECT_EQ(of<client::Bootstrapped>(client_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
  EXPECT_EQ(of<client::BootstrapFailed>(client_events).size(), 3u);
}

TEST_F(Bootstrap, TheFirstRequestWaitsForTheHoldOffTime) {
  ASSERT_FALSE(configs.put("*", config_for()));
  hold_off = 30s;
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  advance(29s);
  EXPECT_TRUE(of<bootstrap::Started>(bs_events).empty());
  advance(2s);
  EXPECT_EQ(of<bootstrap::Started>(bs_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
}

TEST_F(Bootstrap, AClientWhoseServerFailsForGoodBootstraps) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  // A factory account whose server never answers, tried twice.
  client::ServerAccount dead;
  dead.uri = "coap://127.0.0.1:5999";
  dead.retry_count = 2;
  dead.retry_timer = 10;
  ASSERT_TRUE(client->add_server(dead, now).has_value());
  client->start(now);
  advance(400s);
  const auto failures = of<client::RegistrationFailed>(client_events);
  ASSERT_FALSE(failures.empty());
  EXPECT_TRUE(failures.back().final);
  EXPECT_EQ(of<bootstrap::Started>(bs_events).size(), 1u);
  ASSERT_EQ(of<client::Bootstrapped>(client_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
  EXPECT_EQ(of<server::Registered>(server_events).size(), 1u);
}

TEST_F(Bootstrap, AServerWithoutBootstrapOnRegistrationFailureIsNotBootstrappedFrom) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  client::ServerAccount dead;
  dead.uri = "coap://127.0.0.1:5999";
  dead.retry_count = 2;
  dead.retry_timer = 10;
  ASSERT_TRUE(client->add_server(dead, now).has_value());
  ASSERT_TRUE(client->set_value(Path(1, 0, 16), lwm2m::Value(false), now).has_value());
  client->start(now);
  advance(400s);
  const auto failures = of<client::RegistrationFailed>(client_events);
  ASSERT_FALSE(failures.empty());
  EXPECT_TRUE(failures.back().final);
  EXPECT_TRUE(bs_events.empty());
  EXPECT_TRUE(of<client::Bootstrapped>(client_events).empty());
  EXPECT_EQ(client->state(1), client::RegistrationState::Failed);
  EXPECT_TRUE(server_events.empty());
}

TEST_F(Bootstrap, StartTriesAgainWhenRetriesAreOff) {
  ASSERT_FALSE(configs.put("*", config_for()));
  bootstrap_retry = {};
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_reachable = false;
  client->start(now);
  pump();
  advance(300s);
  const auto failed = of<client::BootstrapFailed>(client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, coap::codes::Empty);
  EXPECT_FALSE(failed[0].retry_in.has_value());
  bootstrap_reachable = true;
  client->start(now);
  pump();
  EXPECT_EQ(of<client::Bootstrapped>(client_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
}

TEST_F(Bootstrap, ServerInitiatedBootstrapOfAClientWaitingForIt) {
  ASSERT_FALSE(configs.put("dev1", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_reachable = false;  // its own Bootstrap-Request gets lost
  client->start(now);
  advance(120s);  // failed, its retry not due yet
  ASSERT_EQ(of<client::BootstrapFailed>(client_events).size(), 1u);
  bootstrap_reachable = true;
  const auto session = bs->start("dev1", kClient, now);
  ASSERT_TRUE(session.has_value());
  pump();
  const auto started = of<bootstrap::Started>(bs_events);
  ASSERT_EQ(started.size(), 1u);
  EXPECT_TRUE(started[0].server_initiated);
  EXPECT_EQ(of<bootstrap::Finished>(bs_events).size(), 1u);
  EXPECT_EQ(of<client::Bootstrapped>(client_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
  // Once it has a server, the bootstrap server's unasked requests are ignored.
  ASSERT_TRUE(bs->start("dev1", kClient, now).has_value());
  advance(100s);
  const auto failed = of<bootstrap::Failed>(bs_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].reason, "timeout");
  EXPECT_EQ(client->servers(), std::vector<std::uint16_t>{1});
}

// What a bootstrap server may send wrong, answered by the device with the code and a reason;
// none of it leaves an account, and a later good Finish still works.
TEST_F(Bootstrap, TheDeviceAnswersBadBootstrapRequestsWithTheirCodes) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_reachable = false;  // the device waits in Requesting; the test is its server
  client->start(now);
  pump();
  std::uint16_t mid = 100;
  const auto ask = [&](coap::Code code, std::string_view path, std::string_view payload,
                       std::optional<lwm2m::ContentFormat> format) {
    coap::Message m;
    m.type = coap::Type::Con;
    m.code = code;
    m.message_id = mid++;
    const std::uint8_t token[] = {1, static_cast<std::uint8_t>(mid)};
    m.token = coap::Token(token);
    m.set_uri_path(path);
    if (format) lwm2m::set_content_format(m, *format);
    m.set_payload(payload);
    std::vector<std::uint8_t> bytes;
    coap::serialize(m, bytes);
    client->receive(kBootstrap, bytes, now);
    coap::Transmit tx;
    coap::Message answer;
    while (client->poll_transmit(tx))
      if (tx.peer == kBootstrap &&
          !coap::parse(std::vector<std::uint8_t>(tx.bytes.begin(), tx.bytes.end()), answer) &&
          answer.message_id == m.message_id)
        return std::pair{answer.code, std::string(answer.payload_string())};
    return std::pair{coap::codes::Empty, std::string("no answer")};
  };
  using lwm2m::ContentFormat;
  namespace codes = coap::codes;
  EXPECT_EQ(ask(codes::Put, "/32700/0", "1", ContentFormat::SenmlJson),
            std::pair(codes::NotFound, std::string("no such object")));
  EXPECT_EQ(ask(codes::Put, "/1/0", "[{\"n\":", ContentFormat::SenmlJson).first, codes::BadRequest);
  EXPECT_EQ(ask(codes::Put, "/1/0", "1", std::nullopt).first, codes::UnsupportedContentFormat);
  EXPECT_EQ(ask(codes::Delete, "/1/0/1", "", std::nullopt).first, codes::BadRequest);
  EXPECT_EQ(ask(codes::Get, "/3", "", std::nullopt).first, codes::BadRequest);  // not /1 or /2
  EXPECT_EQ(ask(codes::Put, "/", "", ContentFormat::SenmlJson).first, codes::BadRequest);
  EXPECT_EQ(ask(codes::Post, "/bs", "", std::nullopt),
            std::pair(codes::NotAcceptable,
                      std::string("no Security and Server instance pair names an LwM2M server")));
  EXPECT_TRUE(client->servers().empty());
  EXPECT_TRUE(of<client::Bootstrapped>(client_events).empty());
}

TEST_F(Bootstrap, AnUnknownEndpointIsRefusedAndTheClientSaysWhy) {
  ASSERT_FALSE(configs.put("other", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  const auto failed = of<client::BootstrapFailed>(client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, coap::codes::BadRequest);
  EXPECT_EQ(failed[0].reason,
            "Bootstrap-Request answered 4.00: no bootstrap configuration for this endpoint");
}

// ---- Bootstrap-Pack (LwM2M 1.2): the whole configuration in one answer.

TEST_F(Bootstrap, A12ClientBootstrapsWithAPackThenRegisters) {
  ASSERT_FALSE(configs.put("*", config_for()));
  bootstrap_pack = true;
  make(lwm2m::Lwm2mVersion::V1_2);
  client->start(now);
  pump();
  const auto packs = of<bootstrap::PackServed>(bs_events);
  ASSERT_EQ(packs.size(), 1u);
  EXPECT_EQ(packs[0].endpoint, "dev1");
  EXPECT_EQ(packs[0].format, lwm2m::ContentFormat::SenmlCbor);
  EXPECT_TRUE(of<bootstrap::Started>(bs_events).empty());  // no session, no Finish
  EXPECT_EQ(bs->stats().packs, 1u);
  EXPECT_EQ(bs->stats().requests, 0u);
  const auto done = of<client::Bootstrapped>(client_events);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].servers, std::vector<std::uint16_t>{1});
  const auto registered = of<server::Registered>(server_events);
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0].registration.lifetime, 120u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
  // The pack's instances are the client's, the Access Control instance among them.
  const auto acl = client->read(Path(2, 0, 2));
  ASSERT_TRUE(acl.has_value());
  EXPECT_EQ(acl.value()[0].path, Path(2, 0, 2, 1));
  EXPECT_EQ(acl.value()[0].value, lwm2m::Value(std::int64_t{1}));
}

TEST_F(Bootstrap, PackIsOnlyAskedForByA12Client) {
  ASSERT_FALSE(configs.put("*", config_for()));
  bootstrap_pack = true;
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_and_register(lwm2m::ContentFormat::SenmlCbor);
  EXPECT_EQ(bs->stats().packs, 0u);
}

TEST_F(Bootstrap, AnOlderBootstrapServerGetsABootstrapRequestInstead) {
  ASSERT_FALSE(configs.put("*", config_for()));
  bootstrap_pack = true;
  bootstrap_without_pack = true;
  make(lwm2m::Lwm2mVersion::V1_2);
  bootstrap_and_register(lwm2m::ContentFormat::Lwm2mCbor);
  const auto fallback = of<client::BootstrapFallback>(client_events);
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_EQ(fallback[0].code, coap::codes::NotFound);
  EXPECT_EQ(fallback[0].reason, "Bootstrap-Pack-Request answered 4.04");
  EXPECT_TRUE(of<client::BootstrapFailed>(client_events).empty());
  EXPECT_EQ(bs->stats().packs, 0u);
}

TEST_F(Bootstrap, AnUnusablePackFailsWithTheReasonAndIsAskedForAgain) {
  ASSERT_FALSE(configs.put("*", config_for("coap://dm.example:5683")));  // no resolver: unusable
  bootstrap_pack = true;
  make(lwm2m::Lwm2mVersion::V1_2);
  client->start(now);
  pump();
  const auto failed = of<client::BootstrapFailed>(client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].reason, "unusable Bootstrap-Pack: server 1: bad URI");
  ASSERT_TRUE(failed[0].retry_in.has_value());
  EXPECT_GE(*failed[0].retry_in, 60s);
  EXPECT_TRUE(of<client::Bootstrapped>(client_events).empty());
  EXPECT_TRUE(client->servers().empty());
  // The configuration mended, the retry brings a usable pack.
  ASSERT_FALSE(configs.put("*", config_for()));
  advance(*failed[0].retry_in);
  EXPECT_EQ(of<bootstrap::PackServed>(bs_events).size(), 2u);
  EXPECT_EQ(of<client::Bootstrapped>(client_events).size(), 1u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
}

TEST_F(Bootstrap, APackRefusedForAnUnknownEndpointIsAFailureNotAFallback) {
  ASSERT_FALSE(configs.put("other", config_for()));
  bootstrap_pack = true;
  make(lwm2m::Lwm2mVersion::V1_2);
  client->start(now);
  pump();
  EXPECT_TRUE(of<client::BootstrapFallback>(client_events).empty());
  const auto failed = of<client::BootstrapFailed>(client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, coap::codes::BadRequest);
  EXPECT_EQ(failed[0].reason,
            "Bootstrap-Pack-Request answered 4.00: no bootstrap configuration for this endpoint");
  EXPECT_EQ(bs->stats().refused_unknown, 1u);
}

// ---- Accounts without a bootstrap session: a saved state, a factory configuration.

TEST_F(Bootstrap, ARestartedClientTakesItsSavedStateBackAndRegistersWithoutBootstrapping) {
  ASSERT_FALSE(configs.put("*", config_for()));
  make(lwm2m::Lwm2mVersion::V1_1);
  bootstrap_and_register(lwm2m::ContentFormat::SenmlCbor);
  // What a device saves after Bootstrap-Finish, in the state file's format (SenML JSON).
  const auto saved = client->provisioned();
  std::vector<std::uint8_t> file;
  ASSERT_FALSE(lwm2m::encode(lwm2m::ContentFormat::SenmlJson, saved, Path(), file));
  const auto started = of<bootstrap::Started>(bs_events).size();

  make_client();
  std::vector<lwm2m::Record> loaded;
  lwm2m::DecodeOptions options;
  options.types = &client->objects();
  ASSERT_FALSE(lwm2m::decode(lwm2m::ContentFormat::SenmlJson, file, Path(), options, loaded));
  ASSERT_TRUE(client->provision(loaded, now).has_value());
  EXPECT_EQ(client->provisioned(), saved);
  client->start(now);
  pump();
  EXPECT_EQ(of<bootstrap::Started>(bs_events).size(), started);  // no Bootstrap-Request
  const auto registered = of<server::Registered>(server_events);
  ASSERT_EQ(registered.size(), 2u);
  EXPECT_EQ(registered[1].registration.lifetime, 120u);
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);
  // The Access Control instance came back, and the bootstrap server's account: a server that
  // fails for good sends the client to bootstrap again.
  const auto acl = client->read(Path(2, 0, 2));
  ASSERT_TRUE(acl.has_value());
  EXPECT_EQ(acl.value()[0].path, Path(2, 0, 2, 1));
  EXPECT_TRUE(std::any_of(saved.begin(), saved.end(), [](const lwm2m::Record& r) {
    return r.path.object_id() == 0 && r.path.resource_id() == 1 && r.value == lwm2m::Value(true);
  }));
}

TEST_F(Bootstrap, AFactoryConfiguredClientRegistersWithTheServersItNames) {
  make(lwm2m::Lwm2mVersion::V1_1);
  make_client();
  // The bootstrap server's configuration format, as `drover client --factory` reads it.
  const auto factory = bootstrap::config_from_json(R"({"servers": [
      {"security": {"uri": "coap://127.0.0.1:5683", "ssid": 1}, "server": {"lifetime": 150}},
      {"security": {"uri": "coap://127.0.0.1:5684", "ssid": 2}, "server": {"lifetime": 160}},
      {"security": {"uri": "coap://127.0.0.1:5783", "bootstrap": true}}],
    "acls": [{"object": 3, "object_instance": 0, "rights": {"1": 0, "2": 1}, "owner": 2}]})");
  ASSERT_TRUE(factory.has_value()) << factory.error();
  std::vector<lwm2m::Record> records;
  for (auto& write : bootstrap::instance_writes(factory.value()))
    records.insert(records.end(), write.records.begin(), write.records.end());
  ASSERT_TRUE(client->provision(records, now).has_value());
  client->start(now);
  pump();
  EXPECT_TRUE(bs_events.empty());
  ASSERT_EQ(of<server::Registered>(server_events).size(), 1u);
  ASSERT_EQ(of<server::Registered>(server2_events).size(), 1u);
  EXPECT_EQ(of<server::Registered>(server2_events)[0].registration.lifetime, 160u);
  // Two servers and an Access Control instance: the rights it gives apply.
  ASSERT_TRUE(server->read("dev1", Path(3, 0, 0), {}, now).has_value());
  ASSERT_TRUE(server2->read("dev1", Path(3, 0, 0), {}, now).has_value());
  pump();
  const auto one = of<server::OperationCompleted>(server_events);
  const auto two = of<server::OperationCompleted>(server2_events);
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(one[0].result.code, coap::codes::Unauthorized);
  EXPECT_EQ(two[0].result.code, coap::codes::Content);
}

// Unbootstrapping: server 1 executes the Bootstrap-Request Trigger, and the new configuration
// deletes server 2's account. Server 2 is told with a De-register; its ACL entries go, the
// Access Control instance it owned passes to server 1, and the instance only it had is deleted.
TEST_F(Bootstrap, TheBootstrapRequestTriggerCanTakeAServerAwayAndItsAccessControlWithIt) {
  auto config = config_for();
  config.servers[1].security.instance = 1;
  config.servers[1].server->instance = 1;
  bootstrap::ServerAccount second;
  second.security.uri = "coap://127.0.0.1:5684";
  second.security.ssid = 2;
  second.security.instance = 2;
  bootstrap::ServerInstance s;
  s.instance = 2;
  s.ssid = 2;
  second.server = s;
  config.servers.push_back(second);
  bootstrap::AclInstance device;
  device.instance = 0;
  device.object_id = 3;
  device.rights = {{1, 1}, {2, 31}};
  device.owner = 2;
  bootstrap::AclInstance sensor;
  sensor.instance = 1;
  sensor.object_id = 3303;
  sensor.rights = {{2, 31}};
  sensor.owner = 2;
  bootstrap::AclInstance own;  // server 1's rights on its Server instance, for the trigger
  own.instance = 2;
  own.object_id = 1;
  own.object_instance = 1;
  own.owner = 1;
  config.acls = {device, sensor, own};
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  ASSERT_TRUE(client->add_object(3303).has_value());
  ASSERT_TRUE(
      client->add_instance(3303, 0, std::make_unique<client::ValueInstance>(), now).has_value());
  client->start(now);
  pump();
  ASSERT_EQ(of<server::Registered>(server2_events).size(), 1u);

  // The new configuration: server 2's account deleted, nothing else.
  auto moved = config_for();
  moved.servers[1].security.instance = 1;
  moved.servers[1].server->instance = 1;
  moved.deletes = {Path(0, 2), Path(1, 2)};
  moved.acls.clear();
  ASSERT_FALSE(configs.put("*", moved));
  ASSERT_TRUE(server->execute("dev1", Path(1, 1, 9), "", {}, now).has_value());
  pump();
  const auto executed = of<server::OperationCompleted>(server_events);
  ASSERT_EQ(executed.size(), 1u);
  EXPECT_EQ(executed[0].result.code, coap::codes::Changed);
  ASSERT_EQ(of<bootstrap::Finished>(bs_events).size(), 2u);
  const auto done = of<client::Bootstrapped>(client_events);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[1].servers, std::vector<std::uint16_t>{1});  // written again: registers again
  EXPECT_EQ(done[1].removed, std::vector<std::uint16_t>{2});
  EXPECT_EQ(of<server::Deregistered>(server2_events).size(), 1u);
  EXPECT_EQ(client->servers(), std::vector<std::uint16_t>{1});
  EXPECT_EQ(client->state(1), client::RegistrationState::Registered);

  const auto owner = client->read(Path(2, 0, 3));
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner.value()[0].value, lwm2m::Value(std::int64_t{1}));
  const auto rights = client->read(Path(2, 0, 2));
  ASSERT_TRUE(rights.has_value());
  ASSERT_EQ(rights.value().size(), 1u);
  EXPECT_EQ(rights.value()[0].path, Path(2, 0, 2, 1));
  EXPECT_FALSE(client->read(Path(3303, 0)).has_value());
  EXPECT_FALSE(client->read(Path(2, 1)).has_value());
}

// A 1.1 Bootstrap-Read of /2: a device bootstrapped again (the trigger) shows the Access Control
// instance the first bootstrap wrote.
TEST_F(Bootstrap, ABootstrapReadOfAccessControlShowsWhatTheDeviceHas) {
  auto config = config_for();
  bootstrap::AclInstance own;  // a second instance: Execute for server 1 on its Server instance
  own.object_id = 1;
  own.object_instance = 0;
  own.rights = {{1, 4}};
  own.owner = 1;
  config.acls.push_back(own);
  ASSERT_FALSE(configs.put("*", config));
  make(lwm2m::Lwm2mVersion::V1_1);
  client->start(now);
  pump();
  ASSERT_EQ(of<bootstrap::Finished>(bs_events).size(), 1u);

  config.reads = {Path(2)};
  ASSERT_FALSE(configs.put("*", config));
  ASSERT_TRUE(server->execute("dev1", Path(1, 0, 9), "", {}, now).has_value());
  pump();
  ASSERT_EQ(of<bootstrap::Finished>(bs_events).size(), 2u);
  std::vector<bootstrap::StepDone> reads;
  for (const auto& step : of<bootstrap::StepDone>(bs_events))
    if (step.step == bootstrap::Step::Read) reads.push_back(step);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].path, Path(2));
  EXPECT_EQ(reads[0].result.code, coap::codes::Content);
  const auto value = [&](const Path& path) -> std::optional<lwm2m::Value> {
    for (const auto& r : reads[0].result.records)
      if (r.path == path) return r.value;
    return std::nullopt;
  };
  EXPECT_EQ(value(Path(2, 0, 0)), lwm2m::Value(std::int64_t{3}));
  EXPECT_EQ(value(Path(2, 0, 2, 1)), lwm2m::Value(std::int64_t{1}));
  EXPECT_EQ(value(Path(2, 1, 0)), lwm2m::Value(std::int64_t{1}));
  EXPECT_EQ(value(Path(2, 1, 2, 1)), lwm2m::Value(std::int64_t{4}));
  EXPECT_EQ(value(Path(2, 1, 3)), lwm2m::Value(std::int64_t{1}));
}

TEST_F(Bootstrap, TheBootstrapRequestTriggerNeedsABootstrapAccount) {
  make(lwm2m::Lwm2mVersion::V1_1);
  make_client();  // no bootstrap server: a plain account
  client::ServerAccount account;
  account.uri = "coap://127.0.0.1:5683";
  ASSERT_TRUE(client->add_server(account, now).has_value());
  client->start(now);
  pump();
  ASSERT_TRUE(server->execute("dev1", Path(1, 0, 9), "", {}, now).has_value());
  pump();
  const auto executed = of<server::OperationCompleted>(server_events);
  ASSERT_EQ(executed.size(), 1u);
  EXPECT_EQ(executed[0].result.code, coap::codes::NotFound);
  EXPECT_TRUE(bs_events.empty());
}

}  // namespace
}  // namespace drover::e2e
