// The multi-core server over loopback: which shard a location names, registrations spread over
// the shards, a client whose address changes (its datagrams handed on to its registration's
// shard, both ways), and a re-Register that replaces the registration another shard held.
#include "drover/multicore/sharded_server.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/transport/udp_socket.hpp"

namespace drover::multicore {
namespace {

using namespace std::chrono_literals;
namespace codes = coap::codes;

std::vector<std::uint8_t> datagram(coap::Type type, coap::Code code, std::uint16_t mid,
                                   std::string_view path, std::string_view query = {},
                                   std::string_view payload = {}) {
  coap::Message m;
  m.type = type;
  m.code = code;
  m.message_id = mid;
  const std::uint8_t token[] = {static_cast<std::uint8_t>(mid >> 8), static_cast<std::uint8_t>(mid)};
  m.token = coap::Token(token);
  m.set_uri_path(path);
  if (!query.empty()) m.add_uri_queries(query);
  if (!payload.empty()) {
    m.add_uint_option(coap::options::ContentFormat, 40);
    m.set_payload(payload);
  }
  std::vector<std::uint8_t> out;
  coap::serialize(m, out);
  return out;
}

TEST(ShardNamedBy, ReadsTheShardLetterOfRegistrationRequests) {
  using coap::Type;
  EXPECT_EQ(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd/Babcdef"), 3), 1u);
  EXPECT_EQ(shard_named_by(datagram(Type::Non, codes::Delete, 1, "/rd/Cxyz"), 3), 2u);
  EXPECT_EQ(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd/Axyz", "lt=60"), 2), 0u);
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd/Dxyz"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd/abcdef"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Get, 1, "/rd/Babc"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd", "ep=x"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Post, 1, "/dp"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Con, codes::Post, 1, "/rd/Babc/x"), 3).has_value());
  EXPECT_FALSE(shard_named_by(datagram(Type::Ack, codes::Post, 1, "/rd/Babc"), 3).has_value());
  const std::uint8_t junk[] = {0x40, 0x02, 0x00};
  EXPECT_FALSE(shard_named_by(junk, 3).has_value());
}

// A client socket on loopback, with a bounded wait for the next datagram.
struct Device {
  Device() { EXPECT_FALSE(socket.open(coap::PeerAddress::loopback_v4(0))); }
  void send(const coap::PeerAddress& to, std::span<const std::uint8_t> bytes) {
    ASSERT_FALSE(socket.queue_send(to, bytes));
    socket.flush();
  }
  std::optional<coap::Message> next(std::chrono::milliseconds wait = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{socket.native_handle(), POLLIN, 0};
      ::poll(&p, 1, 50);
      std::span<const transport::ReceivedDatagram> batch;
      if (socket.receive(batch) || batch.empty()) continue;
      coap::Message m;
      if (!coap::parse(batch[0].bytes, m)) return m;
    }
    return std::nullopt;
  }
  transport::UdpSocket socket;
};

// Registers `endpoint` from `d` and returns the location ("rd/<location>" segment).
std::string register_from(Device& d, const coap::PeerAddress& server, std::string_view endpoint,
                          std::uint16_t mid) {
  d.send(server, datagram(coap::Type::Con, codes::Post, mid, "/rd",
                          "ep=" + std::string(endpoint) + "&lt=300&lwm2m=1.1", "</3/0>"));
  const auto reply = d.next();
  EXPECT_TRUE(reply.has_value());
  if (!reply) return {};
  EXPECT_EQ(reply->code, codes::Created);
  std::string location;
  std::size_t i = 0;
  reply->for_each(coap::options::LocationPath, [&](const coap::OptionView& v) {
    if (i++ == 1) location = std::string(v.as_string());
  });
  return location;
}

struct ShardedServerTest : ::testing::Test {
  void SetUp() override {
    ShardedServerConfig c;
    c.shards = 2;
    c.server.random_seed = 9;
    server = std::make_unique<ShardedServer>(c);
    server->set_event_handler(
        [this](unsigned shard, server::Server&, server::ServerEvent& e, TimePoint) {
          std::lock_guard lock(mutex);
          if (auto* r = std::get_if<server::Registered>(&e)) registered[r->registration.endpoint] = shard;
          if (auto* p = std::get_if<server::Replaced>(&e)) replaced.insert(p->previous.endpoint);
          if (auto* done = std::get_if<server::OperationCompleted>(&e))
            completed[done->id.value] = done->result.status;
        });
    ASSERT_FALSE(server->start());
  }
  void TearDown() override { server->stop(); }

  // The shards holding a registration of `endpoint`.
  std::vector<unsigned> shards_with(const std::string& endpoint) {
    std::vector<unsigned> found;
    for (unsigned s = 0; s < server->shards(); ++s)
      server->call(s, [&](server::Server& core, TimePoint) {
        if (core.registration(endpoint)) found.push_back(s);
      });
    return found;
  }
  std::optional<unsigned> shard_of(const std::string& endpoint) {
    const auto found = shards_with(endpoint);
    EXPECT_LE(found.size(), 1u) << endpoint << " is registered on several shards";
    return found.empty() ? std::nullopt : std::optional<unsigned>(found[0]);
  }

  std::unique_ptr<ShardedServer> server;
  std::mutex mutex;
  std::map<std::string, unsigned> registered;
  std::set<std::string> replaced;
  std::map<std::uint64_t, server::OperationStatus> completed;
};

TEST_F(ShardedServerTest, ClientsSpreadOverShardsAndKeepTheirRegistrationWhenTheirAddressChanges) {
  constexpr int kDevices = 40;
  std::vector<std::unique_ptr<Device>> first, second;
  std::vector<std::string> locations;
  std::set<char> prefixes;
  for (int i = 0; i < kDevices; ++i) {
    first.push_back(std::make_unique<Device>());
    locations.push_back(register_from(*first.back(), server->address(), "dev" + std::to_string(i),
                                      static_cast<std::uint16_t>(100 + i)));
    // The shard letter, then 14 characters (Server::Impl::new_location).
    ASSERT_EQ(locations.back().size(), 15u);
    prefixes.insert(locations.back()[0]);
    EXPECT_EQ(shard_of("dev" + std::to_string(i)), static_cast<unsigned>(locations.back()[0] - 'A'));
  }
  EXPECT_EQ(prefixes, (std::set<char>{'A', 'B'})) << "the kernel spread the clients over both shards";

  // Each device moves to a new address (a new socket) and sends an Update from there.
  for (int i = 0; i < kDevices; ++i) {
    second.push_back(std::make_unique<Device>());
    second.back()->send(server->address(), datagram(coap::Type::Con, codes::Post,
                                                    static_cast<std::uint16_t>(500 + i),
                                                    "/rd/" + locations[static_cast<std::size_t>(i)]));
    const auto reply = second.back()->next();
    ASSERT_TRUE(reply.has_value()) << i;
    EXPECT_EQ(reply->code, codes::Changed) << i;
  }
  std::uint64_t handed_on = 0;
  for (unsigned s = 0; s < server->shards(); ++s) handed_on += server->stats(s).handed_on;
  EXPECT_GT(handed_on, 0u) << "some new addresses reached the other shard";

  // The server reads each device at its new address; answers that reach the other shard are
  // handed on to the one that asked.
  std::vector<std::uint64_t> reads;
  for (int i = 0; i < kDevices; ++i) {
    const std::string ep = "dev" + std::to_string(i);
    const auto shard = shard_of(ep);
    ASSERT_TRUE(shard.has_value());
    server->call(*shard, [&](server::Server& core, TimePoint now) {
      EXPECT_EQ(core.registration(ep)->peer, second[static_cast<std::size_t>(i)]->socket.local_address());
      auto id = core.read(ep, lwm2m::Path(3, 0, 1), {}, now);
      ASSERT_TRUE(id.has_value());
      reads.push_back(id.value().value);
    });
    const auto request = second[static_cast<std::size_t>(i)]->next();
    ASSERT_TRUE(request.has_value());
    coap::Message answer;
    answer.type = coap::Type::Ack;
    answer.code = codes::Content;
    answer.message_id = request->message_id;
    answer.token = request->token;
    answer.add_uint_option(coap::options::ContentFormat, 0);
    answer.set_payload(std::string_view("model-x"));
    std::vector<std::uint8_t> bytes;
    coap::serialize(answer, bytes);
    second[static_cast<std::size_t>(i)]->send(server->address(), bytes);
  }
  // Each shard takes its own operation ids, so an id names one operation across the shards.
  EXPECT_EQ(std::set<std::uint64_t>(reads.begin(), reads.end()).size(), reads.size());
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  for (;;) {
    {
      std::lock_guard lock(mutex);
      std::size_t ok = 0;
      for (auto id : reads) ok += completed.count(id) && completed[id] == server::OperationStatus::Success;
      if (ok == reads.size()) break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "not every Read completed";
    std::this_thread::sleep_for(10ms);
  }
}

TEST_F(ShardedServerTest, ARegisterElsewhereReplacesTheOlderRegistration) {
  // Re-register one endpoint from new addresses until a Register lands on the other shard.
  Device original;
  const std::string location = register_from(original, server->address(), "roamer", 1);
  ASSERT_FALSE(location.empty());
  const unsigned home = static_cast<unsigned>(location[0] - 'A');
  std::vector<std::unique_ptr<Device>> tries;
  for (std::uint16_t attempt = 0; attempt < 60; ++attempt) {
    tries.push_back(std::make_unique<Device>());
    const std::string l = register_from(*tries.back(), server->address(), "roamer",
                                        static_cast<std::uint16_t>(10 + attempt));
    if (!l.empty() && static_cast<unsigned>(l[0] - 'A') != home) {
      const auto deadline = std::chrono::steady_clock::now() + 3s;
      while (shards_with("roamer") != std::vector<unsigned>{static_cast<unsigned>(l[0] - 'A')}) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline);
        std::this_thread::sleep_for(5ms);
      }
      EXPECT_GE(server->stats(home).replaced, 1u);
      std::lock_guard lock(mutex);
      EXPECT_TRUE(replaced.count("roamer"));
      return;
    }
  }
  FAIL() << "60 new addresses all reached the same shard";
}

// What a config's `front` may put before a shard's server: it counts the datagrams in and out.
struct CountingFront final : coap::DatagramCore {
  explicit CountingFront(server::Server& s) : core(s) {}
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override {
    ++in;
    core.receive(peer, datagram, now);
  }
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now) override {
    core.receive_truncated(peer, prefix, now);
  }
  void on_timer(TimePoint now) override { core.on_timer(now); }
  bool poll_transmit(coap::Transmit& t) override {
    const bool any = core.poll_transmit(t);
    out += any ? 1 : 0;
    return any;
  }
  std::optional<TimePoint> next_expiry() const override { return core.next_expiry(); }
  server::Server& core;
  int in = 0;
  int out = 0;
};

TEST(ShardedServerSetup, AFrontStandsBeforeEachShardsServer) {
  ShardedServerConfig c;
  c.shards = 2;
  std::vector<std::unique_ptr<CountingFront>> fronts(2);
  c.front = [&](unsigned shard, server::Server& core) -> coap::DatagramCore* {
    fronts[shard] = std::make_unique<CountingFront>(core);
    return fronts[shard].get();
  };
  ShardedServer sharded(c);
  ASSERT_FALSE(sharded.start());
  Device device;
  // A CoAP ping (empty CON): the server's engine answers RST, through the front both ways.
  const std::vector<std::uint8_t> ping{0x40, 0x00, 0x12, 0x34};
  device.send(sharded.address(), ping);
  const auto answer = device.next();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->type, coap::Type::Rst);
  EXPECT_EQ(answer->message_id, 0x1234);
  int in = 0;
  int out = 0;
  for (unsigned s = 0; s < 2; ++s) {
    sharded.call(s, [&](server::Server&, TimePoint) {
      in += fronts[s]->in;
      out += fronts[s]->out;
    });
  }
  EXPECT_EQ(in, 1);
  EXPECT_EQ(out, 1);
  sharded.stop();
}

TEST(ShardedServerSetup, RunsForEveryShardBeforeItsThreadAndStartBindsTheGivenAddress) {
  ShardedServerConfig c;
  c.shards = 3;
  c.address = coap::PeerAddress::v4({0, 0, 0, 0}, 0);  // replaced by start's address
  std::vector<unsigned> set_up;
  const auto caller = std::this_thread::get_id();
  c.setup = [&](unsigned shard, server::Server& core) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    set_up.push_back(shard);
    core.objects() = lwm2m::ObjectRegistry{};  // seen later on the shard's thread
  };
  ShardedServer sharded(c);
  ASSERT_FALSE(sharded.start(coap::PeerAddress::loopback_v4(0)));
  EXPECT_EQ(set_up, (std::vector<unsigned>{0, 1, 2}));
  EXPECT_EQ(sharded.address().to_string().rfind("127.0.0.1:", 0), 0u);
  for (unsigned s = 0; s < 3; ++s)
    sharded.call(s, [](server::Server& core, TimePoint) { EXPECT_EQ(core.objects().size(), 0u); });
  sharded.stop();
  // Stopped: a call runs on this thread rather than waiting for a thread that is gone.
  bool ran = false;
  sharded.call(1, [&](server::Server&, TimePoint) {
    ran = std::this_thread::get_id() == caller;
  });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace drover::multicore
