// Test harness for the LwM2M client core: a Client and a bare coap::Engine playing the server,
// wired back to back in memory, driven by a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "drover/client/client.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client::testing {

using namespace std::chrono_literals;
using coap::Message;
using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

inline const coap::PeerAddress kClientAddr = coap::PeerAddress::loopback_v4(40000);
inline const coap::PeerAddress kServerAddr = coap::PeerAddress::loopback_v4(5683);
inline const coap::PeerAddress kServer2Addr = coap::PeerAddress::loopback_v4(5783);

inline ClientConfig test_config() {
  ClientConfig c;
  c.endpoint = "dev1";
  c.random_seed = 7;
  return c;
}

inline std::vector<std::string> queries_of(const Message& m) {
  std::vector<std::string> out;
  m.for_each(coap::options::UriQuery,
             [&](const coap::OptionView& o) { out.emplace_back(o.as_string()); });
  return out;
}

inline std::vector<std::string> location_of(const Message& m) {
  std::vector<std::string> out;
  m.for_each(coap::options::LocationPath,
             [&](const coap::OptionView& o) { out.emplace_back(o.as_string()); });
  return out;
}

inline Message request(coap::Code code, std::string_view path) {
  Message m;
  m.code = code;
  m.set_uri_path(path);
  return m;
}

// One fake server engine per address.
struct FakeServer {
  coap::PeerAddress address;
  coap::Engine engine;
  std::deque<coap::Event> events;
  bool connected = true;  // false: datagrams between it and the client are lost
};

class ClientHarness {
 public:
  explicit ClientHarness(ClientConfig config = test_config()) : client(std::move(config)) {
    servers.push_back(
        std::make_unique<FakeServer>(FakeServer{kServerAddr, coap::Engine({}, 99), {}, true}));
  }

  FakeServer& add_fake_server(const coap::PeerAddress& address) {
    servers.push_back(std::make_unique<FakeServer>(
        FakeServer{address, coap::Engine({}, 100 + servers.size()), {}, true}));
    return *servers.back();
  }
  FakeServer& server(std::size_t i = 0) { return *servers.at(i); }

  // Moves every datagram between the client and the fake servers until all are quiet.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      coap::Transmit tx;
      while (client.poll_transmit(tx)) {
        moved = true;
        ++client_datagrams;
        std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
        for (auto& s : servers)
          if (s->address == tx.peer && s->connected) s->engine.receive(kClientAddr, bytes, now);
      }
      for (auto& s : servers) {
        while (s->engine.poll_transmit(tx)) {
          moved = true;
          std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
          if (s->connected) client.receive(s->address, bytes, now);
        }
        coap::Event ev;
        while (s->engine.poll_event(ev)) s->events.push_back(std::move(ev));
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  // Advances the fake clock by `d`, running every timer on the way.
  void advance(coap::Duration d) {
    const coap::TimePoint target = now + d;
    for (int i = 0; i < 100000; ++i) {
      std::optional<coap::TimePoint> next = client.next_expiry();
      for (auto& s : servers) {
        const auto t = s->engine.next_expiry();
        if (t && (!next || *t < *next)) next = t;
      }
      if (!next || *next > target) break;
      now = std::max(now, *next);
      client.on_timer(now);
      for (auto& s : servers) s->engine.on_timer(now);
      pump();
    }
    now = target;
    client.on_timer(now);
    for (auto& s : servers) s->engine.on_timer(now);
    pump();
  }

  // The next request the fake server received (fails the test when there is none).
  coap::RequestReceived next_request(std::size_t server_index = 0) {
    auto& events = server(server_index).events;
    for (auto it = events.begin(); it != events.end(); ++it) {
      if (auto* r = std::get_if<coap::RequestReceived>(&*it)) {
        coap::RequestReceived out = std::move(*r);
        events.erase(it);
        return out;
      }
    }
    ADD_FAILURE() << "no request reached the server";
    return {};
  }
  bool has_request(std::size_t server_index = 0) const {
    for (const auto& e : servers.at(server_index)->events)
      if (std::holds_alternative<coap::RequestReceived>(e)) return true;
    return false;
  }

  void respond(const coap::RequestReceived& r, Message response, std::size_t server_index = 0) {
    (void)server(server_index).engine.respond(r.exchange, std::move(response), now);
    pump();
  }
  void respond(const coap::RequestReceived& r, coap::Code code, std::size_t server_index = 0) {
    Message m;
    m.code = code;
    respond(r, std::move(m), server_index);
  }

  // Sends a request from the fake server and returns the client's response.
  Message call(Message req, std::size_t server_index = 0) {
    auto& s = server(server_index);
    const auto id = s.engine.send_request(kClientAddr, std::move(req), now);
    EXPECT_TRUE(id.has_value());
    pump();
    if (auto m = take_response(*id, server_index)) return *m;
    ADD_FAILURE() << "no response";
    return {};
  }
  coap::RequestId send(Message req, std::size_t server_index = 0) {
    const auto id = server(server_index).engine.send_request(kClientAddr, std::move(req), now);
    EXPECT_TRUE(id.has_value());
    pump();
    return *id;
  }
  std::optional<Message> take_response(coap::RequestId id, std::size_t server_index = 0) {
    auto& events = server(server_index).events;
    for (auto it = events.begin(); it != events.end(); ++it) {
      if (auto* r = std::get_if<coap::ResponseReceived>(&*it); r && r->request == id) {
        Message m = std::move(r->response);
        events.erase(it);
        return m;
      }
    }
    return std::nullopt;
  }
  // Notifications of an observation, in order (taken from the queue).
  std::vector<Message> notifications(coap::RequestId id, std::size_t server_index = 0) {
    std::vector<Message> out;
    auto& events = server(server_index).events;
    for (auto it = events.begin(); it != events.end();) {
      if (auto* n = std::get_if<coap::NotificationReceived>(&*it); n && n->request == id) {
        out.push_back(std::move(n->notification));
        it = events.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  std::vector<ClientEvent> client_events() {
    std::vector<ClientEvent> out;
    ClientEvent e;
    while (client.poll_event(e)) out.push_back(std::move(e));
    return out;
  }
  template <typename T>
  std::vector<T> events_of() {
    std::vector<T> out;
    for (auto& e : client_events())
      if (auto* t = std::get_if<T>(&e)) out.push_back(std::move(*t));
    return out;
  }

  // Adds a server account at the fake server `index` (port of its address).
  void add_account(ServerAccount account = {}, std::size_t server_index = 0) {
    const auto& addr = server(server_index).address;
    if (account.uri.empty()) account.uri = "coap://127.0.0.1:" + std::to_string(addr.port);
    ASSERT_TRUE(client.add_server(account, now).has_value());
  }

  // Starts the client and completes its Register with location rd/<name>.
  coap::RequestReceived register_client(std::string name = "abc", std::size_t server_index = 0) {
    client.start(now);
    pump();
    return accept_register(name, server_index);
  }
  coap::RequestReceived accept_register(std::string name = "abc", std::size_t server_index = 0) {
    auto reg = next_request(server_index);
    EXPECT_EQ(reg.request.code, coap::codes::Post);
    EXPECT_EQ(reg.request.uri_path(), "/rd");
    Message created;
    created.code = coap::codes::Created;
    created.add_option(coap::options::LocationPath, "rd");
    created.add_option(coap::options::LocationPath, name);
    respond(reg, std::move(created), server_index);
    return reg;
  }

  Client client;
  coap::TimePoint now = coap::TimePoint{} + std::chrono::hours(1000);
  std::vector<std::unique_ptr<FakeServer>> servers;
  std::size_t client_datagrams = 0;
};

// A client with Device (3/0), Temperature (3303/0) and Light Control (3311, creatable),
// registered with one server (ssid 1).
class RegisteredClient : public ::testing::Test {
 protected:
  explicit RegisteredClient(ClientConfig config = test_config()) : h(std::move(config)) {}

  void SetUp() override {
    DeviceHooks hooks;
    hooks.wall_clock = [] { return std::int64_t{1700000000}; };
    ASSERT_TRUE(h.client.add_object(3).has_value());
    ASSERT_TRUE(h.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}, hooks), h.now)
                    .has_value());
    ASSERT_TRUE(h.client.add_object(3303).has_value());
    ASSERT_TRUE(h.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(20.0), h.now)
                    .has_value());
    ASSERT_TRUE(
        h.client.add_object(3311, [](std::uint16_t) { return std::make_unique<ValueInstance>(); })
            .has_value());
    ASSERT_TRUE(h.client.add_instance(3311, 0, make_light_control(), h.now).has_value());
    account.lifetime = 3600;
    h.add_account(account);
    h.register_client();
    ASSERT_EQ(h.client.state(1), RegistrationState::Registered);
    h.client_events();
  }

  // A fake-server request with Accept / Content-Format set.
  static Message get(std::string_view path, std::optional<ContentFormat> accept = std::nullopt) {
    Message m = request(coap::codes::Get, path);
    if (accept) lwm2m::set_accept(m, *accept);
    return m;
  }
  static Message with_payload(coap::Code code, std::string_view path, ContentFormat format,
                              std::span<const std::uint8_t> payload) {
    Message m = request(code, path);
    lwm2m::set_content_format(m, format);
    m.set_payload(payload);
    return m;
  }
  static std::vector<std::uint8_t> encode(ContentFormat format, const std::vector<Record>& records,
                                          const Path& base) {
    std::vector<std::uint8_t> out;
    const auto error = lwm2m::encode(format, records, base, out);
    EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
    return out;
  }
  std::vector<Record> decode(const Message& response, const Path& base) {
    std::vector<Record> out;
    const auto cf = lwm2m::content_format_of(response);
    EXPECT_TRUE(cf.format.has_value());
    if (!cf.format) return out;
    lwm2m::DecodeOptions options;
    options.types = &h.client.objects();
    const auto error = lwm2m::decode(*cf.format, response.payload(), base, options, out);
    EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
    return out;
  }
  Value value_at(const Path& path) {
    auto records = h.client.read(path);
    EXPECT_TRUE(records.has_value());
    if (!records || (*records).size() != 1) return {};
    return (*records)[0].value;
  }
  void set_temperature(double v) {
    h.client.instance_as<TemperatureSensor>(3303, 0)->record(v);
    h.client.value_changed(Path(3303, 0, 5700), h.now);
    h.pump();
  }

  ClientHarness h;
  ServerAccount account;
};

}  // namespace drover::client::testing
