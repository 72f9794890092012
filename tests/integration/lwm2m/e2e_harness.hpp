// End-to-end harness: a server::Server and client::Client cores in one process, wired back to
// back in memory, driven by a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "drover/client/client.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/server/server.hpp"

// Readable gtest messages for the model's values.
namespace drover::lwm2m {
inline void PrintTo(const Value& v, std::ostream* os) {
  *os << v.debug_string();
}
inline void PrintTo(const Record& r, std::ostream* os) {
  *os << r.path.to_string() << "=" << r.value.debug_string();
}
inline void PrintTo(ContentFormat f, std::ostream* os) {
  *os << to_string(f);
}
}  // namespace drover::lwm2m

namespace drover::e2e {

using namespace std::chrono_literals;
using coap::TimePoint;
using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

using server::Error;
using server::OperationStatus;
using server::RequestParams;
using server::WriteMode;

inline constexpr std::string_view ep = "dev1";  // the client's endpoint name
inline const coap::PeerAddress kClientAddr = coap::PeerAddress::loopback_v4(40000);
inline const coap::PeerAddress kServerAddr = coap::PeerAddress::loopback_v4(5683);

struct E2eOptions {
  std::uint32_t lifetime = 600;
  bool queue_mode = false;
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1;
  std::optional<ContentFormat> send_format =
      std::nullopt;  // else the client's default (SenML CBOR)
  std::optional<client::RootLinkFormats> root_link_formats = std::nullopt;  // else the default
};

class E2e : public ::testing::Test {
 protected:
  explicit E2e(E2eOptions options = {}) : options_(options) {
    server::ServerConfig sc;
    sc.random_seed = 42;
    server_ = std::make_unique<server::Server>(std::move(sc));
    client::ClientConfig cc;
    cc.endpoint = std::string(ep);
    cc.random_seed = 7;
    cc.version = options.version;
    if (options.send_format) cc.send_format = *options.send_format;
    cc.root_link_formats = options.root_link_formats;
    client_ = std::make_unique<client::Client>(std::move(cc));
  }

  void SetUp() override {
    auto& c = *client_;
    client::DeviceHooks hooks;
    hooks.wall_clock = [] { return std::int64_t{1700000000}; };
    ASSERT_TRUE(c.add_object(3).has_value());
    ASSERT_TRUE(
        c.add_instance(3, 0, std::make_unique<client::Device>(client::DeviceInfo{}, hooks), now)
            .has_value());
    ASSERT_TRUE(c.add_object(3303).has_value());
    ASSERT_TRUE(c.add_instance(3303, 0, std::make_unique<client::TemperatureSensor>(20.0), now)
                    .has_value());
    ASSERT_TRUE(c.add_object(3311, [](std::uint16_t) {
                   return std::make_unique<client::ValueInstance>();
                 }).has_value());
    ASSERT_TRUE(c.add_instance(3311, 0, client::make_light_control(), now).has_value());
    // Access Control (2): ACL (/2/0/2) is a writable multiple resource.
    auto acl = std::make_unique<client::ValueInstance>();
    acl->set(0, Value(std::int64_t{3311}));
    acl->set(1, Value(std::int64_t{0}));
    acl->set(2, 1, Value(std::int64_t{15}));
    acl->set(3, Value(std::int64_t{1}));
    ASSERT_TRUE(c.add_object(2).has_value());
    ASSERT_TRUE(c.add_instance(2, 0, std::move(acl), now).has_value());
    // Firmware Update (5): Package (/5/0/0) is an Opaque write-only resource, Update (/5/0/2) an
    // executable whose arguments are kept in `executed`.
    auto firmware = std::make_unique<client::ValueInstance>();
    firmware->set(1, Value(""));
    firmware->set(3, Value(std::int64_t{0}));
    firmware->set(5, Value(std::int64_t{0}));
    firmware->set(9, Value(std::int64_t{2}));
    firmware->set_executable(2, [this](std::string_view arguments) {
      executed.emplace_back(arguments);
      return client::Outcome::Ok;
    });
    ASSERT_TRUE(c.add_object(5).has_value());
    ASSERT_TRUE(c.add_instance(5, 0, std::move(firmware), now).has_value());
    client::ServerAccount account;
    account.uri = "coap://127.0.0.1:5683";
    account.lifetime = options_.lifetime;
    account.queue_mode = options_.queue_mode;
    ASSERT_TRUE(c.add_server(account, now).has_value());
    c.start(now);
    pump();
    ASSERT_EQ(c.state(1), client::RegistrationState::Registered);
    registered = take<server::Registered>();
    client_events.clear();
  }

  // Moves datagrams both ways until quiet, then drains the server's events.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      coap::Transmit tx;
      while (client_->poll_transmit(tx)) {
        moved = true;
        std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
        if (connected && tx.peer == kServerAddr && !lost(false, bytes))
          server_->receive(kClientAddr, bytes, now);
        if (side && tx.peer == side->address) {
          coap::Message m;
          const bool parsed = !coap::parse(bytes, m);
          const bool lost = !side->connected || (parsed && side->lose && side->lose(m));
          if (parsed) side->from_client.push_back(std::move(m));
          if (!lost) side->engine.receive(kClientAddr, bytes, now);
        }
      }
      if (side) {
        while (side->engine.poll_transmit(tx)) {
          moved = true;
          std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
          if (side->connected) client_->receive(side->address, bytes, now);
        }
        coap::Event ev;
        while (side->engine.poll_event(ev)) {
          moved = true;
          if (auto* r = std::get_if<coap::RequestReceived>(&ev)) side->serve(*r);
        }
      }
      while (server_->poll_transmit(tx)) {
        moved = true;
        std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
        coap::Message m;
        if (!coap::parse(bytes, m)) to_client.push_back(std::move(m));
        if (connected && tx.peer == kClientAddr && !lost(true, bytes))
          client_->receive(kServerAddr, bytes, now);
      }
      server::ServerEvent ev;
      while (server_->poll_event(ev)) {
        moved = true;
        if (beside) beside->on_event(ev, now);
        events.push_back(std::move(ev));
      }
      client::ClientEvent cev;
      while (client_->poll_event(cev)) client_events.push_back(std::move(cev));
      if (!moved) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  void advance(coap::Duration d) {
    const TimePoint target = now + d;
    for (int i = 0; i < 100000; ++i) {
      auto next = client_->next_expiry();
      const auto s = server_->next_expiry();
      if (s && (!next || *s < *next)) next = s;
      const auto p = side ? side->engine.next_expiry() : std::nullopt;
      if (p && (!next || *p < *next)) next = p;
      const auto b = beside ? beside->next_expiry() : std::nullopt;
      if (b && (!next || *b < *next)) next = b;
      if (!next || *next > target) break;
      now = std::max(now, *next);
      tick();
    }
    now = target;
    tick();
  }
  void tick() {
    client_->on_timer(now);
    server_->on_timer(now);
    if (side) side->engine.on_timer(now);
    if (beside) beside->on_timer(now);
    pump();
  }

  // Events of one type taken from the server's queue.
  template <typename T>
  std::vector<T> take() {
    std::vector<T> out;
    for (auto it = events.begin(); it != events.end();) {
      if (auto* e = std::get_if<T>(&*it)) {
        out.push_back(std::move(*e));
        it = events.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }
  template <typename T>
  std::vector<T> take_client() {
    std::vector<T> out;
    for (auto it = client_events.begin(); it != client_events.end();) {
      if (auto* e = std::get_if<T>(&*it)) {
        out.push_back(std::move(*e));
        it = client_events.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  // The result of operation `id` (after pumping).
  server::OperationResult result(const server::Result<server::OperationId>& id) {
    EXPECT_TRUE(id.has_value()) << (id ? "" : std::string(server::to_string(id.error())));
    if (!id) return {};
    pump();
    for (auto it = events.begin(); it != events.end(); ++it) {
      if (auto* done = std::get_if<server::OperationCompleted>(&*it); done && done->id == *id) {
        server::OperationResult r = std::move(done->result);
        events.erase(it);
        return r;
      }
    }
    ADD_FAILURE() << "operation not completed";
    return {};
  }
  std::vector<server::Notification> notifications(server::OperationId id) {
    std::vector<server::Notification> out;
    for (auto& n : take<server::Notification>())
      if (n.observation == id) out.push_back(std::move(n));
    return out;
  }

  // The Content-Format of the latest request the server sent (nullopt: none, or no option).
  std::optional<ContentFormat> last_request_format() const {
    for (auto it = to_client.rbegin(); it != to_client.rend(); ++it)
      if (it->code.is_request()) return lwm2m::content_format_of(*it).format;
    return std::nullopt;
  }
  // The client's own view of `path` (records as a server Read would get them).
  std::vector<Record> client_read(const Path& path) {
    const auto records = client_->read(path);
    EXPECT_TRUE(records.has_value()) << path.to_string();
    return records ? *records : std::vector<Record>{};
  }

  void set_temperature(double v) {
    client_->instance_as<client::TemperatureSensor>(3303, 0)->record(v);
    client_->value_changed(Path(3303, 0, 5700), now);
    pump();
  }

  server::Server& server() { return *server_; }
  client::Client& client() { return *client_; }

  E2eOptions options_;
  TimePoint now = TimePoint{} + std::chrono::hours(1000);
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<client::Client> client_;
  std::vector<server::ServerEvent> events;
  std::vector<client::ClientEvent> client_events;
  std::vector<server::Registered> registered;  // the Registered event of SetUp's Register
  bool connected = true;                       // false: every datagram is lost
  std::vector<coap::Message> to_client;        // every message the server sent
  std::vector<std::string> executed;           // arguments of each Execute of /5/0/2

  // Another CoAP peer of the client (a file server for firmware pulls), when set: `serve` answers
  // its requests through `engine`.
  struct SidePeer {
    coap::PeerAddress address;
    coap::Engine engine;
    std::function<void(coap::RequestReceived&)> serve;
    bool connected = true;  // false: every datagram between it and the client is lost
    // Datagrams from the client as sent, lost or not; `lose` picks more to lose on the way.
    std::vector<coap::Message> from_client;
    std::function<bool(const coap::Message&)> lose;
  };
  std::unique_ptr<SidePeer> side;

  // Datagrams between the client and the server that `lose` picks are lost on the way (both
  // directions; `towards_client` says which).
  std::function<bool(bool towards_client, const coap::Message&)> lose;
  bool lost(bool towards_client, const std::vector<std::uint8_t>& bytes) const {
    coap::Message m;
    return lose && !coap::parse(bytes, m) && lose(towards_client, m);
  }

  // A sans-I/O module beside the server core (the firmware service), when set: it takes every
  // server event, and its timers are run with the others'.
  struct Beside {
    virtual ~Beside() = default;
    virtual void on_event(const server::ServerEvent& event, TimePoint now) = 0;
    virtual void on_timer(TimePoint now) = 0;
    virtual std::optional<TimePoint> next_expiry() const = 0;
  };
  Beside* beside = nullptr;
};

}  // namespace drover::e2e
