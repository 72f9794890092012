// The SQLite store of the server's state: what is written comes back (times converted between
// runs), the data folder's lock, schema versions, damaged files, the number of shards, and a
// server restarted from the store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "drover/store/server_state_store.hpp"
#include "support/temp_dir.hpp"
#include "unit/server/server_harness.hpp"

namespace drover::store {
namespace {

using namespace std::chrono_literals;
using drover::testing::TempDir;
using server::Registration;

// The clocks of a process: steady times start anywhere, wall time is what both runs share.
struct Clocks {
  coap::TimePoint steady;
  double wall;
  std::pair<coap::TimePoint, double> operator()() const { return {steady, wall}; }
};

Registration registration(std::string endpoint, std::string location, coap::TimePoint at) {
  Registration r;
  r.endpoint = std::move(endpoint);
  r.location = std::move(location);
  r.peer = coap::PeerAddress::loopback_v4(40000);
  r.version = lwm2m::Lwm2mVersion::V1_1;
  r.lifetime = 300;
  r.binding = "U";
  auto objects = std::make_shared<lwm2m::RegistrationPayload>();
  objects->content_formats = {112};
  objects->objects = {{.object_id = 1, .version = {}, .instances = {0}},
                      {.object_id = 3, .version = {}, .instances = {0}}};
  r.objects = objects;
  r.registered_at = at;
  r.updated_at = at;
  r.expires_at = at + 300s;
  return r;
}

struct StoreTest : ::testing::Test {
  TempDir dir{"server_state_store"};
  Clocks first{coap::TimePoint{} + 1000h, 1.7e9};
  coap::Duration resolution = 0s;  // exact renewal times unless a test sets one

  std::unique_ptr<ServerStateStore> open(Clocks clocks, unsigned shard = 0, unsigned shards = 1) {
    auto data = DataDir::open(dir.path());
    EXPECT_TRUE(data.has_value()) << (data ? "" : data.error().message);
    if (!data) return nullptr;
    ServerStateStoreConfig config;
    config.clocks = clocks;
    config.renewal_resolution = resolution;
    auto store = ServerStateStore::open(data.value(), shard, shards, config);
    EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().message);
    return store ? std::move(store).value() : nullptr;
  }

  Error open_error(unsigned shard = 0, unsigned shards = 1) {
    auto data = DataDir::open(dir.path());
    if (!data) return data.error();
    auto store = ServerStateStore::open(data.value(), shard, shards);
    EXPECT_FALSE(store.has_value());
    return store ? Error{} : store.error();
  }
};

TEST_F(StoreTest, WhatIsWrittenComesBack) {
  const auto t0 = first.steady;
  {
    auto store = open(first);
    store->start();
    store->registration_added(registration("a", "la", t0));
    Registration b = registration("b", "lb", t0);
    b.queue_mode = true;
    b.sms = "12345";
    b.identity = "psk-b";
    store->registration_added(b);
    store->registration_added(registration("c", "lc", t0));
    store->registration_removed(registration("c", "lc", t0));
    Registration a = registration("a", "la", t0);
    a.updated_at = t0 + 10s;
    a.peer = coap::PeerAddress::loopback_v4(41000);
    store->registration_updated(a, server::UpdateChange::Peer, t0);

    server::PersistedObservation o;
    o.operation = {server::OperationId{7},
                   "a",
                   "la",
                   lwm2m::Operation::Observe,
                   lwm2m::Path(3303, 0, 5700),
                   lwm2m::ContentFormat::SenmlCbor,
                   {}};
    o.operation.request.code = coap::codes::Get;
    o.operation.request.set_uri_path("/3303/0/5700");
    o.operation.request.add_uint_option(coap::options::Observe, 0);
    o.operation.request.token = coap::Token(std::array<std::uint8_t, 4>{1, 2, 3, 4});
    o.peer = coap::PeerAddress::loopback_v4(40000);
    store->observation_added(o);
    server::PersistedRequest q;
    q.operation = {server::OperationId{9}, "b",          "lb", lwm2m::Operation::Read,
                   lwm2m::Path(3, 0),      std::nullopt, {}};
    q.operation.request.code = coap::codes::Get;
    q.operation.request.set_uri_path("/3/0");
    q.timeout = 60s;
    q.deadline = t0 + 60s;
    store->request_queued(q);
    store->request_queued(q);  // the same twice is one
    store->operation_ids_reserved(4107);
    EXPECT_FALSE(store->flush().has_value());
    EXPECT_EQ(store->stats().pending, 0u);
    EXPECT_EQ(store->stats().committed, 9u);
  }

  // The next run's steady clock starts elsewhere; 100 s of wall time have passed.
  const Clocks second{coap::TimePoint{} + 5h, first.wall + 100};
  auto store = open(second);
  auto loaded = store->load(second.steady, second.wall);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  const server::ServerState& state = loaded.value();
  ASSERT_EQ(state.registrations.size(), 2u);
  std::map<std::string, Registration> by_endpoint;
  for (const auto& r : state.registrations) by_endpoint[r.endpoint] = r;
  const Registration& a = by_endpoint.at("a");
  EXPECT_EQ(a.location, "la");
  EXPECT_EQ(a.peer, coap::PeerAddress::loopback_v4(41000)) << "the renewal moved it";
  // Updated 10 s after t0, 100 s of wall time ago less those 10 s: 90 s before now.
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(second.steady - a.updated_at), 90s);
  EXPECT_EQ(a.expires_at, a.updated_at + 300s);
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(second.steady - a.registered_at), 100s);
  const Registration& b = by_endpoint.at("b");
  EXPECT_TRUE(b.queue_mode);
  EXPECT_EQ(b.sms, "12345");
  EXPECT_EQ(b.identity, "psk-b");
  EXPECT_EQ(b.version, lwm2m::Lwm2mVersion::V1_1);
  EXPECT_EQ(*b.objects, *registration("x", "x", t0).objects);
  EXPECT_EQ(a.objects, b.objects) << "one object list shared";

  ASSERT_EQ(state.observations.size(), 1u);
  const auto& o = state.observations[0];
  EXPECT_EQ(o.operation.id.value, 7u);
  EXPECT_EQ(o.operation.kind, lwm2m::Operation::Observe);
  EXPECT_EQ(o.operation.path, lwm2m::Path(3303, 0, 5700));
  EXPECT_EQ(o.operation.accept, lwm2m::ContentFormat::SenmlCbor);
  EXPECT_EQ(o.operation.request.uri_path(), "/3303/0/5700");
  EXPECT_EQ(o.operation.request.token.to_hex(), "01020304");
  EXPECT_EQ(o.peer, coap::PeerAddress::loopback_v4(40000));
  ASSERT_EQ(state.queued.size(), 1u);
  EXPECT_EQ(state.queued[0].timeout, 60s);
  EXPECT_EQ(std::chrono::round<std::chrono::milliseconds>(state.queued[0].deadline - second.steady),
            -40s);
  EXPECT_EQ(state.queued[0].operation.accept, std::nullopt);
  EXPECT_EQ(state.next_operation_id, 4107u);
}

TEST_F(StoreTest, RenewalsAreKeptToWithinTheResolution) {
  resolution = 10s;
  const auto t0 = first.steady;  // the start of an interval
  {
    auto store = open(first);
    store->start();
    Registration a = registration("a", "la", t0);
    store->registration_added(a);
    const auto renew = [&](Registration& r, coap::Duration at, server::UpdateChange change) {
      const auto previous = r.updated_at;
      r.updated_at = t0 + at;
      r.expires_at = r.updated_at + 300s;
      store->registration_updated(r, change, previous);
    };
    renew(a, 3s, server::UpdateChange::None);   // the interval of the Register: not written
    renew(a, 12s, server::UpdateChange::None);  // the next one: written
    renew(a, 17s, server::UpdateChange::None);  // not written
    Registration b = registration("b", "lb", t0 + 95s);
    store->registration_added(b);
    Registration c = registration("c", "lc", t0);
    store->registration_added(c);
    c.peer = coap::PeerAddress::loopback_v4(41000);
    renew(c, 1s, server::UpdateChange::Peer);  // a new address is always written
    EXPECT_FALSE(store->flush().has_value());
    EXPECT_EQ(store->stats().committed, 5u);
  }
  const Clocks second{coap::TimePoint{} + 5h, first.wall + 100};
  auto loaded = open(second)->load(second.steady, second.wall);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  std::map<std::string, Registration> by_endpoint;
  for (const auto& r : loaded.value().registrations) by_endpoint[r.endpoint] = r;
  const auto ago = [&](const std::string& ep) {
    return std::chrono::round<std::chrono::milliseconds>(second.steady -
                                                         by_endpoint.at(ep).updated_at);
  };
  // Last written at t0 + 12 s, last updated at t0 + 17 s: counted from t0 + 22 s, never earlier.
  EXPECT_EQ(ago("a"), 78s);
  EXPECT_EQ(by_endpoint.at("a").expires_at, by_endpoint.at("a").updated_at + 300s);
  EXPECT_EQ(ago("b"), 0s) << "never later than the load";
  EXPECT_EQ(ago("c"), 89s);
  EXPECT_EQ(by_endpoint.at("c").peer, coap::PeerAddress::loopback_v4(41000));
}

TEST_F(StoreTest, ChangesToldBeforeTheWriterStartsAreWrittenAtClose) {
  open(first)->registration_added(registration("a", "la", first.steady));
  auto loaded = open(first)->load(first.steady, first.wall);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded.value().registrations.size(), 1u);
}

TEST_F(StoreTest, OneProcessAtATime) {
  auto held = DataDir::open(dir.path());
  ASSERT_TRUE(held.has_value());
  auto second = DataDir::open(dir.path());
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("in use by another process"), std::string::npos)
      << second.error().message;
  EXPECT_NE(second.error().message.find(dir.path().string()), std::string::npos);
}

TEST_F(StoreTest, ADatabaseOfANewerVersionIsRefused) {
  open(first).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "server-0.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const Error e = open_error();
  EXPECT_NE(e.message.find("newer"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("server-0.db"), std::string::npos) << e.message;
}

TEST_F(StoreTest, ADamagedFileIsRefusedNotWiped) {
  const std::string garbage(8192, 'x');
  dir.write("server-0.db", garbage);
  const Error e = open_error();
  EXPECT_NE(e.message.find("server-0.db"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("damaged"), std::string::npos) << e.message;
  std::ifstream in(dir.path() / "server-0.db", std::ios::binary);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, garbage);
}

TEST_F(StoreTest, TheNumberOfShardsMustStayTheSame) {
  open(first, 0, 2).reset();
  open(first, 1, 2).reset();
  EXPECT_NE(open_error(0, 1).message.find("more than 1 shards"), std::string::npos);
  std::filesystem::remove(dir.path() / "server-1.db");
  EXPECT_NE(open_error(0, 1).message.find("--shards 2"), std::string::npos);
}

// A server and its store, as drover server runs them, across a restart.
TEST_F(StoreTest, ARestartedServerHasWhatItHad) {
  using server::testing::Harness;
  Harness h;
  std::string location;
  coap::ObserverId observer;
  server::OperationId observation;
  {
    Clocks clocks{h.now, first.wall};
    auto store = open(clocks);
    store->start();
    h.server.set_persistence(store.get());
    location = h.register_device();
    auto id = h.server.observe("dev1", lwm2m::Path(3303, 0, 5700), {}, h.now);
    ASSERT_TRUE(id.has_value());
    observation = id.value();
    h.pump();
    auto req = h.take_request();
    coap::Message m;
    m.code = coap::codes::Content;
    m.add_uint_option(coap::options::Observe, 1);
    m.set_payload("21");
    auto accepted = h.device.respond(req.exchange, std::move(m), h.now);
    ASSERT_TRUE(accepted.has_value() && accepted.value().has_value());
    observer = *accepted.value();
    h.pump();
    h.server.set_persistence(nullptr);
  }  // the store closes: everything is written

  h.now += 30s;
  Clocks clocks{h.now, first.wall + 30};
  auto store = open(clocks);
  auto state = store->load(h.now, clocks.wall);
  ASSERT_TRUE(state.has_value()) << state.error().message;
  const auto counts = h.restart(std::move(state).value(), store.get());
  EXPECT_EQ(counts.registrations, 1u);
  EXPECT_EQ(counts.observations, 1u);
  h.events.clear();
  EXPECT_EQ(h.device_request(server::testing::request(coap::codes::Post, location)).code,
            coap::codes::Changed);
  coap::Message m;
  m.code = coap::codes::Content;
  m.add_uint_option(coap::options::ContentFormat, 0);
  m.set_payload("22.5");
  ASSERT_TRUE(h.device.notify(observer, std::move(m), h.now).has_value());
  h.pump();
  const auto notes = h.take_events<server::Notification>();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].observation, observation);
}

}  // namespace
}  // namespace drover::store
