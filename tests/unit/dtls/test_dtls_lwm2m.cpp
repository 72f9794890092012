// The LwM2M server and client cores behind the DTLS cores: a Register over PSK carries the
// identity into the registration, an endpoint the credential is not bound to gets 4.03, a Read,
// an observation and a Send go through the session, and a peer with another credential cannot
// Update, Send or notify for the registration.
#include "drover/client/client.hpp"
#include "drover/client/standard_objects.hpp"
#include "drover/server/server.hpp"
#include "dtls_harness.hpp"

namespace drover::dtls::testing {
namespace {

const std::vector<std::uint8_t> kKey = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33};
const std::vector<std::uint8_t> kKey2 = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

// Hands datagrams to the LwM2M client and keeps the last one, so that a test can see in clear
// what the server sent through the session.
class Tap final : public coap::DatagramCore {
 public:
  explicit Tap(coap::DatagramCore& inner) : inner_(inner) {}
  void receive(const PeerAddress& peer, std::span<const std::uint8_t> d, TimePoint now) override {
    last.assign(d.begin(), d.end());
    inner_.receive(peer, d, now);
  }
  void on_timer(TimePoint now) override { inner_.on_timer(now); }
  bool poll_transmit(coap::Transmit& out) override { return inner_.poll_transmit(out); }
  std::optional<TimePoint> next_expiry() const override { return inner_.next_expiry(); }

  std::vector<std::uint8_t> last;

 private:
  coap::DatagramCore& inner_;
};

// A CoAP message as bytes.
std::string wire(const coap::Message& message) {
  std::vector<std::uint8_t> bytes;
  coap::serialize(message, bytes);
  return {bytes.begin(), bytes.end()};
}

coap::Message request(coap::Code code, const std::string& path, std::uint16_t mid) {
  coap::Message m;
  m.type = coap::Type::Con;
  m.code = code;
  m.message_id = mid;
  m.set_uri_path(path);
  return m;
}

class Lwm2mOverDtls : public ::testing::Test {
 protected:
  Lwm2mOverDtls() {
    FakeClock::install();
    store.add_psk("dev1", "dev1-id", kKey);
    store.add_psk("dev2", "dev2-id", kKey2);
    server::ServerConfig config;
    config.random_seed = 1;
    lwm2m_server.emplace(std::move(config));
    ServerCredentials credentials;
    credentials.store = &store;
    dtls_server.emplace(*lwm2m_server, credentials);
    lwm2m_server->set_security_lookup(
        [this](const coap::PeerAddress& peer) -> std::optional<server::PeerSecurity> {
          const PeerIdentity* id = dtls_server->identity_of(peer);
          if (!id) return std::nullopt;
          return server::PeerSecurity{id->text(), id->endpoint};
        },
        [this](std::string_view endpoint) { return store.secures(endpoint); });
    net.add(kServer, *dtls_server);
  }

  // A client registering as `endpoint` with the PSK of dev1-id.
  client::Client& add_client(const std::string& endpoint) {
    client::ClientConfig config;
    config.endpoint = endpoint;
    config.random_seed = 2;
    config.resolve = [](std::string_view) { return kServer; };
    lwm2m_client.emplace(std::move(config));
    auto& c = *lwm2m_client;
    EXPECT_TRUE(c.add_object(3).has_value());
    EXPECT_TRUE(c.add_instance(
                     3, 0,
                     std::make_unique<client::Device>(client::DeviceInfo{}, client::DeviceHooks{}),
                     FakeClock::now)
                    .has_value());
    client::ServerAccount account;
    account.uri = "coaps://127.0.0.1:5684";
    EXPECT_TRUE(c.add_server(account, FakeClock::now).has_value());
    ClientCredentials credentials;
    credentials.psk = PskCredential{"dev1-id", kKey};
    tap.emplace(c);
    dtls_client.emplace(*tap, kServer, credentials);
    net.add(client_address(1), *dtls_client);
    c.start(FakeClock::now);
    return c;
  }

  std::vector<server::ServerEvent> server_events() {
    std::vector<server::ServerEvent> out;
    server::ServerEvent e;
    while (lwm2m_server->poll_event(e)) out.push_back(std::move(e));
    return out;
  }

  // dev2's credential from `address`, raw CoAP over it: handshakes, and is `net.nodes.back()`.
  DtlsClient& add_dev2(const PeerAddress& address) {
    ClientCredentials credentials;
    credentials.psk = PskCredential{"dev2-id", kKey2};
    dev2.emplace(dev2_inner, kServer, credentials);
    net.add(address, *dev2);
    dev2->connect(FakeClock::now);
    net.pump();
    return *dev2;
  }

  // What dev2 got back: the last datagram, parsed.
  coap::Message dev2_answer() {
    coap::Message answer;
    if (dev2_inner.received.empty()) return answer;
    const std::string& text = dev2_inner.received.back().text;
    EXPECT_FALSE(
        coap::parse({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, answer));
    return answer;
  }

  MemorySecurityStore store;
  std::optional<server::Server> lwm2m_server;
  std::optional<DtlsServer> dtls_server;
  std::optional<client::Client> lwm2m_client;
  std::optional<Tap> tap;
  std::optional<DtlsClient> dtls_client;
  Recorder dev2_inner;
  std::optional<DtlsClient> dev2;
  Network net;
};

TEST_F(Lwm2mOverDtls, RegisterKeepsTheIdentityAndReadGoesThroughTheSession) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered) << dtls_client->last_error();
  const server::Registration* r = lwm2m_server->registration("dev1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->identity, "psk:dev1-id");
  EXPECT_EQ(r->peer, client_address(1));

  const auto id = lwm2m_server->read("dev1", lwm2m::Path(3, 0, 0), {}, FakeClock::now);
  ASSERT_TRUE(id.has_value());
  net.pump();
  std::optional<server::OperationResult> result;
  for (auto& e : server_events())
    if (auto* done = std::get_if<server::OperationCompleted>(&e); done && done->id == *id)
      result = done->result;
  ASSERT_TRUE(result);
  EXPECT_EQ(result->code, coap::codes::Content);
  ASSERT_EQ(result->records.size(), 1u);
  EXPECT_EQ(result->records[0].path, lwm2m::Path(3, 0, 0));
  EXPECT_GE(dtls_server->stats().records_in, 2u);  // the Register and the Read's answer
}

TEST_F(Lwm2mOverDtls, EndpointNotBoundToTheCredentialIsForbidden) {
  auto& c = add_client("someone-else");
  net.advance(1s);
  EXPECT_EQ(dtls_client->state(), ClientState::Connected);
  EXPECT_NE(c.state(1), client::RegistrationState::Registered);
  EXPECT_EQ(lwm2m_server->registration("someone-else"), nullptr);
  EXPECT_EQ(lwm2m_server->counts().registrations, 0u);
}

// A Register in clear, from `from`, through the NoSec face: the answer's code.
coap::Code register_in_clear(DtlsServer& dtls, const coap::PeerAddress& from,
                             const std::string& endpoint) {
  coap::Message reg;
  reg.type = coap::Type::Con;
  reg.code = coap::codes::Post;
  reg.message_id = 9;
  reg.set_uri_path("/rd");
  reg.add_option(coap::options::UriQuery, "ep=" + endpoint);
  reg.set_payload("</3/0>");
  std::vector<std::uint8_t> bytes;
  coap::serialize(reg, bytes);
  dtls.plain().receive(from, bytes, FakeClock::now);
  coap::Transmit tx;
  if (!dtls.plain().poll_transmit(tx)) return coap::Code{};
  coap::Message answer;
  if (coap::parse(tx.bytes, answer)) return coap::Code{};
  return answer.code;
}

TEST_F(Lwm2mOverDtls, NoSecRegisterOfAnEndpointWithACredentialIsForbidden) {
  EXPECT_EQ(register_in_clear(*dtls_server, client_address(2), "dev1"), coap::codes::Forbidden);
  EXPECT_EQ(lwm2m_server->registration("dev1"), nullptr);
  EXPECT_EQ(register_in_clear(*dtls_server, client_address(3), "no-credential"),
            coap::codes::Created);
  // Bound to another endpoint now: dev1 may use NoSec again, dev2 may not.
  store.bind(CredentialKind::Psk, "dev1-id", "dev2");
  EXPECT_FALSE(store.secures("dev1"));
  EXPECT_TRUE(store.secures("dev2"));
  EXPECT_EQ(register_in_clear(*dtls_server, client_address(4), "dev1"), coap::codes::Created);
}

TEST_F(Lwm2mOverDtls, UpdateOfASecureRegistrationOverNoSecIsForbidden) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered);
  const std::string location = lwm2m_server->registration("dev1")->location;
  // An Update naming the registration's location, in clear from another address.
  coap::Message update;
  update.type = coap::Type::Con;
  update.code = coap::codes::Post;
  update.message_id = 7;
  update.set_uri_path("/rd/" + location);
  std::vector<std::uint8_t> bytes;
  coap::serialize(update, bytes);
  dtls_server->plain().receive(client_address(2), bytes, FakeClock::now);
  coap::Transmit tx;
  ASSERT_TRUE(dtls_server->plain().poll_transmit(tx));
  coap::Message answer;
  ASSERT_FALSE(coap::parse(tx.bytes, answer));
  EXPECT_EQ(answer.code, coap::codes::Forbidden);
  EXPECT_EQ(lwm2m_server->registration("dev1")->peer, client_address(1));
}

// A device whose NAT binding changed resumes its DTLS session from the new address, and its next
// Update moves the registration there.
TEST_F(Lwm2mOverDtls, ResumedSessionFromANewAddressCarriesTheRegistrationOn) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered) << dtls_client->last_error();
  const std::string location = c.location(1);

  net.nodes.back().address = client_address(2);
  dtls_client->reconnect(FakeClock::now);
  ASSERT_TRUE(c.trigger_update(std::nullopt, FakeClock::now).has_value());
  net.advance(1s);
  ASSERT_EQ(dtls_client->state(), ClientState::Connected) << dtls_client->last_error();
  EXPECT_TRUE(dtls_client->resumed());
  EXPECT_EQ(dtls_server->stats().handshakes_resumed, 1u);
  EXPECT_EQ(c.state(1), client::RegistrationState::Registered);
  EXPECT_EQ(c.location(1), location);
  const server::Registration* r = lwm2m_server->registration("dev1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer, client_address(2));
  EXPECT_EQ(r->identity, "psk:dev1-id");
}

// dev1 observes and Sends through its session: both arrive as events of dev1.
TEST_F(Lwm2mOverDtls, ObserveAndSendGoThroughTheSession) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered) << dtls_client->last_error();
  const auto id = lwm2m_server->observe("dev1", lwm2m::Path(3, 0, 14), {}, FakeClock::now);
  ASSERT_TRUE(id.has_value());
  net.pump();
  server_events();
  ASSERT_TRUE(c.set_value(lwm2m::Path(3, 0, 14), lwm2m::Value("+02:00"), FakeClock::now));
  const lwm2m::Path sent[] = {lwm2m::Path(3, 0, 0)};
  ASSERT_TRUE(c.send(sent, FakeClock::now));
  net.advance(1s);
  bool notified = false, received = false;
  for (auto& e : server_events()) {
    if (auto* n = std::get_if<server::Notification>(&e); n && n->observation == *id) {
      ASSERT_EQ(n->records.size(), 1u);
      EXPECT_EQ(n->records[0].value, lwm2m::Value("+02:00"));
      notified = true;
    }
    if (auto* s = std::get_if<server::SendReceived>(&e)) {
      EXPECT_EQ(s->endpoint, "dev1");
      ASSERT_EQ(s->records.size(), 1u);
      EXPECT_EQ(s->records[0].path, lwm2m::Path(3, 0, 0));
      received = true;
    }
  }
  EXPECT_TRUE(notified);
  EXPECT_TRUE(received);
  EXPECT_EQ(lwm2m_server->engine_stats().refused_notifications, 0u);
}

// dev1 registers and is observed; then dev2's credential handshakes from dev1's address (the
// session is replaced) and speaks as dev1: its Send gets 4.03, its notification with the
// observation's token an RST, and neither reaches the application.
TEST_F(Lwm2mOverDtls, AnotherCredentialAtTheSameAddressCannotSendOrNotify) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered) << dtls_client->last_error();
  const auto id = lwm2m_server->observe("dev1", lwm2m::Path(3, 0, 14), {}, FakeClock::now);
  ASSERT_TRUE(id.has_value());
  net.pump();
  coap::Message observe;
  ASSERT_FALSE(coap::parse(tap->last, observe));
  ASSERT_TRUE(observe.has_option(coap::options::Observe));
  server_events();

  net.nodes.pop_back();  // dev1's device goes quiet; dev2's takes its address
  add_dev2(client_address(1));
  ASSERT_EQ(dev2->state(), ClientState::Connected) << dev2->last_error();
  EXPECT_EQ(dtls_server->stats().sessions_replaced, 1u);

  coap::Message send = request(coap::codes::Post, "/dp", 100);
  send.add_uint_option(coap::options::ContentFormat, 110);  // SenML JSON
  send.set_payload(R"([{"n":"/3/0/14","vs":"+09:00"}])");
  dev2_inner.send(kServer, wire(send));
  net.pump();
  EXPECT_EQ(dev2_answer().code, coap::codes::Forbidden);

  coap::Message notification;
  notification.type = coap::Type::Con;
  notification.code = coap::codes::Content;
  notification.message_id = 101;
  notification.token = observe.token;
  notification.add_uint_option(coap::options::Observe, 50);
  notification.add_uint_option(coap::options::ContentFormat, 0);  // text
  notification.set_payload("+09:00");
  dev2_inner.send(kServer, wire(notification));
  net.pump();
  const coap::Message rst = dev2_answer();
  EXPECT_EQ(rst.type, coap::Type::Rst);
  EXPECT_EQ(rst.message_id, 101);
  EXPECT_EQ(lwm2m_server->engine_stats().refused_notifications, 1u);

  for (auto& e : server_events()) {
    EXPECT_FALSE(std::holds_alternative<server::Notification>(e));
    EXPECT_FALSE(std::holds_alternative<server::SendReceived>(e));
  }
  // The observation is still dev1's.
  EXPECT_EQ(lwm2m_server->observations().size(), 1u);
}

// dev2, registered or not, knows dev1's location and posts an Update to it with its own
// credential, from another address: 4.03, and the registration stays where it was.
TEST_F(Lwm2mOverDtls, UpdateFromAnotherIdentityIsForbidden) {
  auto& c = add_client("dev1");
  net.advance(1s);
  ASSERT_EQ(c.state(1), client::RegistrationState::Registered) << dtls_client->last_error();
  const std::string location = lwm2m_server->registration("dev1")->location;

  add_dev2(client_address(2));
  ASSERT_EQ(dev2->state(), ClientState::Connected) << dev2->last_error();
  dev2_inner.send(kServer, wire(request(coap::codes::Post, "/rd/" + location, 100)));
  net.pump();
  EXPECT_EQ(dev2_answer().code, coap::codes::Forbidden);
  dev2_inner.send(kServer, wire(request(coap::codes::Delete, "/rd/" + location, 101)));
  net.pump();
  EXPECT_EQ(dev2_answer().code, coap::codes::Forbidden);
  const server::Registration* r = lwm2m_server->registration("dev1");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->peer, client_address(1));
}

}  // namespace
}  // namespace drover::dtls::testing
