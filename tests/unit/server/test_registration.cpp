// The Registration interface: Register, Update, De-register, replacement, expiry, bounds.
#include <map>
#include <random>
#include <set>

#include "drover/server/registration_store.hpp"
#include "server_harness.hpp"

namespace drover::server::testing {
namespace {

TEST(ServerRegistration, LaterLocationsSortAfterEarlierOnes) {
  Harness h;
  std::vector<std::string> locations;
  for (int i = 0; i < 600; ++i)
    locations.push_back(h.register_device("ep=dev" + std::to_string(i) + "&lt=300"));
  // Four characters count the registrations, a step every 256; ten random ones follow.
  EXPECT_EQ(locations[0].substr(4, 4), "aaaa");
  EXPECT_EQ(locations[255].substr(4, 4), "aaaa");
  EXPECT_EQ(locations[256].substr(4, 4), "aaab");
  EXPECT_EQ(locations[599].substr(4, 4), "aaac");
  EXPECT_LT(locations[255], locations[256]);
  EXPECT_LT(locations[511], locations[512]);
  EXPECT_NE(locations[0].substr(8), locations[1].substr(8));
}

TEST(ServerRegistration, RegisterStoresParametersAndObjects) {
  Harness h;
  const std::string location =
      h.register_device("ep=dev1&lt=300&lwm2m=1.1&b=U&Q&sms=123456",
                        "</lwm2m>;rt=\"oma.lwm2m\";ct=\"110 112\",</lwm2m/1/0>,</lwm2m/3>;ver=1.1,"
                        "</lwm2m/3/0>,</lwm2m/5>");
  ASSERT_EQ(location.size(), std::string("/rd/").size() + 14);
  EXPECT_TRUE(location.starts_with("/rd/"));

  auto registered = h.take_events<Registered>();
  ASSERT_EQ(registered.size(), 1u);
  const Registration& r = registered[0].registration;
  EXPECT_EQ(r.endpoint, "dev1");
  EXPECT_EQ("/rd/" + r.location, location);
  EXPECT_EQ(r.peer, kDevice);
  EXPECT_EQ(r.lifetime, 300u);
  EXPECT_EQ(r.version, lwm2m::Lwm2mVersion::V1_1);
  EXPECT_EQ(r.binding, "U");
  EXPECT_TRUE(r.queue_mode);
  EXPECT_EQ(r.sms, "123456");
  EXPECT_FALSE(r.identity.has_value());
  EXPECT_EQ(r.objects->root, "/lwm2m");
  EXPECT_EQ(r.objects->content_formats, (std::vector<std::uint16_t>{110, 112}));
  ASSERT_EQ(r.objects->objects.size(), 3u);
  EXPECT_EQ(r.objects->objects[0].object_id, 1);
  EXPECT_EQ(r.objects->objects[0].instances, std::vector<std::uint16_t>{0});
  EXPECT_EQ(r.objects->objects[1].version, "1.1");
  EXPECT_TRUE(r.objects->objects[2].instances.empty());
  EXPECT_EQ(r.expires_at, h.now + 300s);
  EXPECT_TRUE(r.announced(lwm2m::ContentFormat::SenmlCbor));
  EXPECT_FALSE(r.announced(lwm2m::ContentFormat::Tlv));

  ASSERT_NE(h.server.registration("dev1"), nullptr);
  EXPECT_EQ(h.server.registrations().find_by_location(r.location)->endpoint, "dev1");
  EXPECT_EQ(h.server.registrations().find_by_peer(kDevice)->endpoint, "dev1");
  EXPECT_EQ(h.server.counts().registrations, 1u);
}

TEST(ServerRegistration, DefaultsForA10Client) {
  Harness h;
  h.register_device("ep=old&b=UQ", "</1/0>,</3/0>");
  const Registration* r = h.server.registration("old");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, lwm2m::Lwm2mVersion::V1_0);
  EXPECT_EQ(r->lifetime, lwm2m::default_lifetime);
  EXPECT_EQ(r->binding, "UQ");
  EXPECT_TRUE(r->queue_mode);
  EXPECT_EQ(r->objects->root, "/");
}

TEST(ServerRegistration, LocationsAreDistinctAndUnpredictableAcrossSeeds) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    ServerConfig config = test_config();
    config.random_seed = seed;
    Harness h(config);
    for (int i = 0; i < 5; ++i) {
      h.device_addr.port = static_cast<std::uint16_t>(41000 + i);
      const std::string location = h.register_device("ep=dev" + std::to_string(i));
      EXPECT_TRUE(seen.insert(location).second) << location;
    }
  }
  EXPECT_EQ(seen.size(), 15u);
}

TEST(ServerRegistration, BadRegisterParameters) {
  struct Case {
    const char* query;
    const char* payload;
    coap::Code code;
  };
  const Case cases[] = {
      {"lt=60&lwm2m=1.1", "</3/0>", coap::codes::BadRequest},         // no ep
      {"ep=&lwm2m=1.1", "</3/0>", coap::codes::BadRequest},           // empty ep
      {"ep=a&lt=abc", "</3/0>", coap::codes::BadRequest},             // bad lt
      {"ep=a&lt=0", "</3/0>", coap::codes::BadRequest},               // zero lt
      {"ep=a&ep=b", "</3/0>", coap::codes::BadRequest},               // repeated
      {"ep=a&b=X", "</3/0>", coap::codes::BadRequest},                // bad binding
      {"ep=a&lwm2m=2.0", "</3/0>", coap::codes::PreconditionFailed},  // unsupported version
      {"ep=a&lwm2m=1.3", "</3/0>", coap::codes::PreconditionFailed},
      {"ep=a", "</3/0", coap::codes::BadRequest},                        // broken link-format
      {"ep=a", "</>;rt=\"oma.lwm2m\";ct=abc", coap::codes::BadRequest},  // bad ct
  };
  for (const Case& c : cases) {
    Harness h;
    auto response = h.device_request(request(coap::codes::Post, "/rd", c.query, c.payload));
    EXPECT_EQ(response.code, c.code) << c.query << " " << c.payload;
    EXPECT_FALSE(response.payload().empty()) << "a diagnostic payload says what is wrong";
    EXPECT_EQ(h.server.counts().registrations, 0u);
    EXPECT_TRUE(h.events.empty());
  }
}

TEST(ServerRegistration, RegisterWithWrongContentFormatIs415) {
  Harness h;
  auto m = request(coap::codes::Post, "/rd", "ep=a");
  m.set_payload("</3/0>");
  m.add_uint_option(coap::options::ContentFormat, 0);
  EXPECT_EQ(h.device_request(std::move(m)).code, coap::codes::UnsupportedContentFormat);
}

TEST(ServerRegistration, WrongMethodsAndPaths) {
  Harness h;
  EXPECT_EQ(h.device_request(request(coap::codes::Get, "/rd")).code, coap::codes::MethodNotAllowed);
  EXPECT_EQ(h.device_request(request(coap::codes::Get, "/other")).code, coap::codes::NotFound);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, "/rd/unknown")).code,
            coap::codes::NotFound);
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, "/rd/unknown")).code,
            coap::codes::NotFound);
  const std::string location = h.register_device();
  EXPECT_EQ(h.device_request(request(coap::codes::Put, location)).code,
            coap::codes::MethodNotAllowed);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location + "/x")).code,
            coap::codes::NotFound);
}

TEST(ServerRegistration, UpdateChangesOnlyWhatIsSent) {
  Harness h;
  const std::string location = h.register_device();
  h.events.clear();
  const Registration before = *h.server.registration("dev1");

  h.advance(100s);
  auto response = h.device_request(request(coap::codes::Post, location));
  EXPECT_EQ(response.code, coap::codes::Changed);
  auto updated = h.take_events<Updated>();
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_FALSE(updated[0].objects_changed);
  EXPECT_EQ(updated[0].registration.lifetime, 300u);
  EXPECT_EQ(updated[0].registration.objects, before.objects);
  EXPECT_EQ(updated[0].registration.updated_at, h.now);
  EXPECT_EQ(updated[0].registration.registered_at, before.registered_at);
  EXPECT_EQ(updated[0].registration.expires_at, h.now + 300s);

  response =
      h.device_request(request(coap::codes::Post, location, "lt=600&b=U&sms=99", "</3/0>,</4/0>"));
  EXPECT_EQ(response.code, coap::codes::Changed);
  updated = h.take_events<Updated>();
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_TRUE(updated[0].objects_changed);
  const Registration& r = updated[0].registration;
  EXPECT_EQ(r.lifetime, 600u);
  EXPECT_EQ(r.sms, "99");
  EXPECT_EQ(r.objects->objects.size(), 2u);
  EXPECT_EQ(r.objects->root, "/");
  EXPECT_EQ(r.location, before.location);
}

TEST(ServerRegistration, UpdateFromANewAddressMovesThePeer) {
  Harness h;
  const std::string location = h.register_device();
  h.device_addr = coap::PeerAddress::loopback_v4(40001);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  EXPECT_EQ(h.server.registration("dev1")->peer, h.device_addr);
  EXPECT_EQ(h.server.registrations().find_by_peer(h.device_addr)->endpoint, "dev1");
  EXPECT_EQ(h.server.registrations().find_by_peer(kDevice), nullptr);
}

TEST(ServerRegistration, BadUpdate) {
  Harness h;
  const std::string location = h.register_device();
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "lt=-1")).code,
            coap::codes::BadRequest);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, {}, "<3/0")).code,
            coap::codes::BadRequest);
  EXPECT_EQ(h.server.registration("dev1")->lifetime, 300u);
}

TEST(ServerRegistration, Deregister) {
  Harness h;
  const std::string location = h.register_device();
  h.events.clear();
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::Deleted);
  auto gone = h.take_events<Deregistered>();
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].registration.endpoint, "dev1");
  EXPECT_EQ(h.server.registration("dev1"), nullptr);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::NotFound);
  EXPECT_EQ(h.device_request(request(coap::codes::Delete, location)).code, coap::codes::NotFound);
  EXPECT_EQ(h.server.counts().timers, 0u);
}

TEST(ServerRegistration, SecondRegisterReplacesTheFirst) {
  Harness h;
  const std::string first = h.register_device();
  h.events.clear();
  const std::string second = h.register_device("ep=dev1&lt=120&lwm2m=1.2");
  EXPECT_NE(first, second);
  ASSERT_EQ(h.events.size(), 2u);
  const auto* replaced = as<Replaced>(h.events[0]);
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ("/rd/" + replaced->previous.location, first);
  const auto* registered = as<Registered>(h.events[1]);
  ASSERT_NE(registered, nullptr);
  EXPECT_EQ(registered->registration.version, lwm2m::Lwm2mVersion::V1_2);
  EXPECT_EQ(h.server.counts().registrations, 1u);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, first)).code, coap::codes::NotFound);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, second)).code, coap::codes::Changed);
  EXPECT_EQ(h.server.counts().timers, 1u) << "the old expiry timer is gone";
}

TEST(ServerRegistration, ExpiresAfterLifetimePlusGrace) {
  ServerConfig config = test_config();
  config.lifetime_grace = 10s;
  Harness h(config);
  const std::string location = h.register_device("ep=dev1&lt=60");
  h.events.clear();
  ASSERT_LE(h.server.next_expiry(), h.now + 70s);

  h.advance(50s);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::Changed);
  h.events.clear();
  h.advance(69s);  // 50 + 69 < 50 + 60 + 10
  EXPECT_TRUE(h.events.empty());
  EXPECT_NE(h.server.registration("dev1"), nullptr);
  h.advance(1s);
  auto expired = h.take_events<Expired>();
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].registration.endpoint, "dev1");
  EXPECT_EQ(h.server.registration("dev1"), nullptr);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::NotFound);
}

TEST(ServerRegistration, MinimumLifetime) {
  ServerConfig config = test_config();
  config.min_lifetime = 30;
  Harness h(config);
  h.register_device("ep=dev1&lt=1");
  EXPECT_EQ(h.server.registration("dev1")->lifetime, 30u);
}

TEST(ServerRegistration, MaxRegistrationsAnswers503) {
  ServerConfig config = test_config();
  config.max_registrations = 2;
  Harness h(config);
  h.register_device("ep=a");
  h.register_device("ep=b");
  auto response = h.device_request(request(coap::codes::Post, "/rd", "ep=c", "</3/0>"));
  EXPECT_EQ(response.code, coap::codes::ServiceUnavailable);
  EXPECT_NE(response.payload_string().find("server full"), std::string::npos);
  // Re-registering a known endpoint is still possible.
  h.register_device("ep=a");
  EXPECT_EQ(h.server.counts().registrations, 2u);
}

TEST(ServerRegistration, RemoveRegistrationFromTheServerSide) {
  Harness h;
  const std::string location = h.register_device();
  h.events.clear();
  EXPECT_TRUE(h.server.remove_registration("dev1"));
  EXPECT_FALSE(h.server.remove_registration("dev1"));
  EXPECT_EQ(h.take_events<Deregistered>().size(), 0u) << "events are only polled by pump";
  h.pump();
  EXPECT_EQ(h.take_events<Deregistered>().size(), 1u);
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location)).code, coap::codes::NotFound);
}

TEST(ServerRegistration, RegistrationSizeIsSmall) {
  // Per-registration memory, without the heap parts (object list) and the store's index nodes.
  // Recorded so that growth is a conscious decision.
  EXPECT_LE(sizeof(Registration), 256u) << sizeof(Registration);
}

TEST(ServerRegistration, ShorterLifetimeInAnUpdateExpiresSooner) {
  ServerConfig config = test_config();
  config.lifetime_grace = 10s;
  Harness h(config);
  const std::string location = h.register_device("ep=dev1&lt=600");
  EXPECT_EQ(h.device_request(request(coap::codes::Post, location, "lt=60")).code,
            coap::codes::Changed);
  h.events.clear();
  h.advance(69s);
  EXPECT_NE(h.server.registration("dev1"), nullptr);
  h.advance(1s);
  EXPECT_EQ(h.take_events<Expired>().size(), 1u);
  EXPECT_EQ(h.server.registration("dev1"), nullptr);
  h.advance(600s);  // the entry scheduled for the first lifetime finds nothing
  EXPECT_TRUE(h.events.empty());
}

TEST(ServerRegistration, ReRegistrationChurnKeepsExpiryEntriesBounded) {
  ServerConfig config = test_config();
  config.lifetime_grace = 10s;
  Harness h(config);
  for (int i = 0; i < 3000; ++i) h.register_device("ep=dev1&lt=60");
  EXPECT_EQ(h.server.counts().registrations, 1u);
  EXPECT_EQ(h.server.counts().timers, 1u);
  EXPECT_LE(h.server.counts().expiry_entries, 2u * 1u + 1024u + 1u);
  h.events.clear();
  h.advance(70s);
  ASSERT_EQ(h.take_events<Expired>().size(), 1u) << "exactly the live registration expires";
  EXPECT_EQ(h.server.counts().registrations, 0u);
  h.advance(1s);
  EXPECT_EQ(h.server.counts().expiry_entries, 0u) << "the stale entries were due as well";
}

TEST(ServerRegistration, ClientsWithTheSameObjectListShareIt) {
  Harness h;
  h.register_device("ep=dev1");
  h.device_addr = coap::PeerAddress::loopback_v4(40001);
  h.register_device("ep=dev2");
  h.device_addr = coap::PeerAddress::loopback_v4(40002);
  h.register_device("ep=dev3", "</1/0>,</3/0>");
  const auto* a = h.server.registration("dev1");
  const auto* b = h.server.registration("dev2");
  const auto* c = h.server.registration("dev3");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->objects.get(), b->objects.get());
  EXPECT_NE(a->objects.get(), c->objects.get());
  EXPECT_EQ(c->objects->objects.size(), 2u);
}

TEST(InMemoryRegistrationStore, IndexesFollowChanges) {
  auto store = make_in_memory_registration_store();
  Registration a;
  a.endpoint = "a";
  a.location = "la";
  a.peer = coap::PeerAddress::loopback_v4(1);
  EXPECT_FALSE(store->put(a).has_value());
  Registration b = a;
  b.endpoint = "b";
  b.location = "lb";
  b.peer = coap::PeerAddress::loopback_v4(2);
  store->put(b);
  EXPECT_EQ(store->size(), 2u);

  Registration a2 = a;
  a2.location = "la2";
  auto previous = store->put(a2);
  ASSERT_TRUE(previous.has_value());
  EXPECT_EQ(previous->location, "la");
  EXPECT_EQ(store->find_by_location("la"), nullptr);
  EXPECT_EQ(store->find_by_location("la2")->endpoint, "a");

  const Registration* changed =
      store->update("b", RegistrationUpdate{.peer = coap::PeerAddress::loopback_v4(3)});
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->peer, coap::PeerAddress::loopback_v4(3));
  EXPECT_EQ(store->find_by_peer(coap::PeerAddress::loopback_v4(2)), nullptr);
  EXPECT_EQ(store->find_by_peer(coap::PeerAddress::loopback_v4(3))->endpoint, "b");
  EXPECT_EQ(store->update("zz", RegistrationUpdate{}), nullptr);

  EXPECT_TRUE(store->remove("b").has_value());
  EXPECT_FALSE(store->remove("b").has_value());
  EXPECT_EQ(store->find_by_peer(coap::PeerAddress::loopback_v4(3)), nullptr);
  std::size_t visited = 0;
  store->for_each([&](const Registration&) { ++visited; });
  EXPECT_EQ(visited, 1u);
}

// Random puts, updates and removals over a few hundred endpoints sharing a few dozen addresses,
// checked against a plain model after every step.
TEST(InMemoryRegistrationStore, RandomOperationsMatchAModel) {
  auto store = make_in_memory_registration_store();
  struct Model {
    std::string location;
    std::uint16_t port;
  };
  std::map<std::string, Model> model;
  std::map<std::uint16_t, std::string> newest_at;  // address -> endpoint whose entry it is
  std::mt19937 rng(7);
  int next_location = 0;
  const auto check = [&] {
    ASSERT_EQ(store->size(), model.size());
    for (const auto& [endpoint, m] : model) {
      const auto* r = store->find_by_endpoint(endpoint);
      ASSERT_NE(r, nullptr) << endpoint;
      EXPECT_EQ(r->location, m.location);
      EXPECT_EQ(r->peer.port, m.port);
      ASSERT_NE(store->find_by_location(m.location), nullptr);
      EXPECT_EQ(store->find_by_location(m.location)->endpoint, endpoint);
    }
    for (std::uint16_t port = 1; port <= 40; ++port) {
      const auto* r = store->find_by_peer(coap::PeerAddress::loopback_v4(port));
      const auto it = newest_at.find(port);
      if (it == newest_at.end()) {
        EXPECT_EQ(r, nullptr) << port;
      } else {
        ASSERT_NE(r, nullptr) << port;
        EXPECT_EQ(r->endpoint, it->second);
      }
    }
  };
  const auto drop_peer_entry = [&](const std::string& endpoint, std::uint16_t port) {
    const auto it = newest_at.find(port);
    if (it != newest_at.end() && it->second == endpoint) newest_at.erase(it);
  };
  for (int step = 0; step < 20000; ++step) {
    const std::string endpoint = "ep" + std::to_string(rng() % 300);
    const auto port = static_cast<std::uint16_t>(1 + rng() % 40);
    const auto existing = model.find(endpoint);
    switch (rng() % 3) {
      case 0: {
        Registration r;
        r.endpoint = endpoint;
        r.location = "l" + std::to_string(next_location++);
        r.peer = coap::PeerAddress::loopback_v4(port);
        const auto previous = store->put(r);
        EXPECT_EQ(previous.has_value(), existing != model.end());
        if (existing != model.end()) drop_peer_entry(endpoint, existing->second.port);
        model[endpoint] = {r.location, port};
        newest_at[port] = endpoint;
        break;
      }
      case 1:
        EXPECT_EQ(store->update(endpoint, RegistrationUpdate{.peer = coap::PeerAddress::loopback_v4(
                                                                 port)}) != nullptr,
                  existing != model.end());
        if (existing != model.end() && existing->second.port != port) {
          drop_peer_entry(endpoint, existing->second.port);
          existing->second.port = port;
          newest_at[port] = endpoint;
        }
        break;
      default:
        EXPECT_EQ(store->remove(endpoint).has_value(), existing != model.end());
        if (existing != model.end()) {
          drop_peer_entry(endpoint, existing->second.port);
          model.erase(existing);
        }
        break;
    }
    if (step % 97 == 0) check();
  }
  check();
}

}  // namespace
}  // namespace drover::server::testing

namespace drover::server::testing {
namespace {

std::vector<std::uint8_t> register_datagram(std::string_view endpoint, std::uint16_t mid) {
  coap::Message m = request(coap::codes::Post, "/rd", "ep=" + std::string(endpoint), "</3/0>");
  m.type = coap::Type::Con;
  m.message_id = mid;
  const std::uint8_t token[] = {static_cast<std::uint8_t>(mid)};
  m.token = coap::Token(token);
  std::vector<std::uint8_t> out;
  coap::serialize(m, out);
  return out;
}

TEST(ServerBackpressure, InputWaitsWhileEventsAreNotDrained) {
  ServerConfig config = test_config();
  config.max_pending_events = 1;
  Server server(config);
  const TimePoint t0 = TimePoint{} + std::chrono::hours(1);
  server.receive(coap::PeerAddress::loopback_v4(1), register_datagram("a", 1), t0);
  server.receive(coap::PeerAddress::loopback_v4(2), register_datagram("b", 2), t0);
  EXPECT_EQ(server.counts().registrations, 1u) << "the second Register waits in the engine";
  EXPECT_EQ(server.counts().pending_events, 1u);
  EXPECT_EQ(server.next_expiry(), t0) << "the driver is asked to come back at once";

  ServerEvent e;
  ASSERT_TRUE(server.poll_event(e));
  EXPECT_EQ(as<Registered>(e)->registration.endpoint, "a");
  EXPECT_FALSE(server.poll_event(e));
  server.on_timer(t0);  // the driver calls it after draining: the waiting input is processed
  ASSERT_TRUE(server.poll_event(e));
  EXPECT_EQ(as<Registered>(e)->registration.endpoint, "b");
  EXPECT_EQ(server.counts().registrations, 2u);
}

}  // namespace
}  // namespace drover::server::testing

namespace drover::server::testing {
namespace {

// A datagram the transport cut short reaches the engine: a request is answered 4.13 with Size1.
TEST(ServerInput, TruncatedRequestIsAnsweredRequestEntityTooLarge) {
  Harness h;
  coap::Message m = request(coap::codes::Post, "/dp");
  m.type = coap::Type::Con;
  m.message_id = 0x4242;
  m.set_payload(std::string(3000, 'x'));
  std::vector<std::uint8_t> bytes;
  coap::serialize(m, bytes);
  h.server.receive_truncated(kDevice, std::span(bytes).first(300), h.now);
  coap::Transmit t;
  ASSERT_TRUE(h.server.poll_transmit(t));
  EXPECT_EQ(t.peer, kDevice);
  coap::Message reply;
  ASSERT_FALSE(coap::parse(t.bytes, reply).has_value());
  EXPECT_EQ(reply.type, coap::Type::Ack);
  EXPECT_EQ(reply.message_id, 0x4242);
  EXPECT_EQ(reply.code, coap::codes::RequestEntityTooLarge);
  EXPECT_TRUE(reply.uint_option(coap::options::Size1).has_value());
  EXPECT_EQ(h.server.engine_stats().truncated, 1u);
}

// The endpoint order through block splits and merges: random puts and removals of up to a few
// thousand endpoints (several blocks of 1024), ranks and in-order visits checked against a set.
TEST(InMemoryRegistrationStore, EndpointOrderMatchesASortedSet) {
  auto store = make_in_memory_registration_store();
  std::set<std::string> model;
  std::mt19937 rng(11);
  int next_location = 0;
  const auto check = [&] {
    std::vector<std::string> visited;
    store->visit_in_order(0, [&](const Registration& r) {
      visited.push_back(r.endpoint);
      return true;
    });
    ASSERT_EQ(visited, std::vector<std::string>(model.begin(), model.end()));
    for (int probe = 0; probe < 50; ++probe) {
      const std::string name = "e" + std::to_string(rng() % 6000);
      const auto expected =
          static_cast<std::size_t>(std::distance(model.begin(), model.lower_bound(name)));
      ASSERT_EQ(store->rank(name), expected) << name;
      std::string first;
      store->visit_in_order(expected, [&](const Registration& r) {
        first = r.endpoint;
        return false;
      });
      const auto it = model.lower_bound(name);
      EXPECT_EQ(first, it == model.end() ? "" : *it);
    }
  };
  // Grow to about 5,000, shrink to a few hundred (blocks merge), grow again.
  for (const auto& [steps, put_share] : {std::pair{12000, 85}, {12000, 15}, {6000, 70}}) {
    for (int step = 0; step < steps; ++step) {
      const std::string endpoint = "e" + std::to_string(rng() % 6000);
      if (static_cast<int>(rng() % 100) < put_share) {
        Registration r;
        r.endpoint = endpoint;
        r.location = "l" + std::to_string(next_location++);
        store->put(r);
        model.insert(endpoint);
      } else {
        EXPECT_EQ(store->remove(endpoint).has_value(), model.erase(endpoint) == 1);
      }
    }
    check();
    // Blocks at least a quarter full on average: at most 16 bytes a registration.
    EXPECT_LE(store->order_bytes(), 1024 + 16 * model.size()) << model.size();
  }
}

}  // namespace
}  // namespace drover::server::testing
