// Test harness for the LwM2M server core: a Server and a bare coap::Engine playing the device,
// wired back to back in memory with a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/server/server.hpp"

namespace drover::server::testing {

using namespace std::chrono_literals;

inline const coap::PeerAddress kDevice = coap::PeerAddress::loopback_v4(40000);
inline const coap::PeerAddress kServer = coap::PeerAddress::loopback_v4(5683);

inline ServerConfig test_config() {
  ServerConfig config;
  config.random_seed = 42;
  return config;
}

inline coap::Message request(coap::Code code, std::string_view path, std::string_view query = {},
                             std::string_view payload = {}) {
  coap::Message m;
  m.code = code;
  m.set_uri_path(path);
  if (!query.empty()) m.add_uri_queries(query);
  if (!payload.empty()) {
    m.set_payload(payload);
    m.add_uint_option(coap::options::ContentFormat, 40);
  }
  return m;
}

template <typename T>
const T* as(const ServerEvent& e) {
  return std::get_if<T>(&e);
}

struct Harness {
  explicit Harness(ServerConfig config = test_config())
      : server(std::move(config)), device(device_config(), 7) {}

  static coap::EngineConfig device_config() {
    coap::EngineConfig c;
    c.piggyback_delay = 10s;  // the tests answer by hand, within the same instant
    return c;
  }

  TimePoint now = TimePoint{} + std::chrono::hours(1000);
  Server server;
  coap::Engine device;
  coap::PeerAddress device_addr = kDevice;
  std::vector<ServerEvent> events;              // drained from the server
  std::vector<coap::RequestReceived> requests;  // DM/IR requests the device received
  std::vector<coap::Event> device_events;       // everything else the device got
  std::vector<coap::Message> to_device;         // every datagram the server sent
  bool drop_to_device = false;                  // simulate a sleeping device
  // What the datagrams go through on the server side (a core wrapping `server`); null: `server`.
  coap::DatagramCore* front = nullptr;

  // Exchanges datagrams until both sides are quiet, then drains events.
  void pump() {
    for (int round = 0; round < 100; ++round) {
      bool moved = false;
      coap::DatagramCore& wire = front ? *front : server;
      coap::Transmit t;
      while (wire.poll_transmit(t)) {
        moved = true;
        std::vector<std::uint8_t> bytes(t.bytes.begin(), t.bytes.end());
        coap::Message m;
        EXPECT_FALSE(coap::parse(bytes, m).has_value());
        to_device.push_back(m);
        if (!drop_to_device) device.receive(kServer, bytes, now);
      }
      while (device.poll_transmit(t)) {
        moved = true;
        std::vector<std::uint8_t> bytes(t.bytes.begin(), t.bytes.end());
        wire.receive(device_addr, bytes, now);
      }
      coap::Event e;
      while (device.poll_event(e)) {
        if (auto* r = std::get_if<coap::RequestReceived>(&e))
          requests.push_back(std::move(*r));
        else
          device_events.push_back(std::move(e));
      }
      ServerEvent se;
      while (server.poll_event(se)) events.push_back(std::move(se));
      if (!moved) return;
    }
    ADD_FAILURE() << "traffic did not settle";
  }

  // Stops the server and starts a new one in its place from `state` (what a persistence kept),
  // as a restarted process would: the device and its engine stay as they are.
  RestoreCounts restart(ServerState state, Persistence* persistence = nullptr,
                        ServerConfig config = test_config()) {
    std::destroy_at(&server);
    std::construct_at(&server, std::move(config));
    server.set_persistence(persistence);
    return server.restore(std::move(state), now);
  }

  void advance(coap::Duration d) {
    now += d;
    server.on_timer(now);
    device.on_timer(now);
    pump();
  }

  // Sends a request from the device and returns the server's answer.
  coap::Message device_request(coap::Message m) {
    auto id = device.send_request(kServer, std::move(m), now);
    EXPECT_TRUE(id.has_value());
    pump();
    for (auto it = device_events.begin(); it != device_events.end(); ++it) {
      if (auto* r = std::get_if<coap::ResponseReceived>(&*it); r && r->request == *id) {
        coap::Message response = r->response;
        device_events.erase(it);
        return response;
      }
    }
    ADD_FAILURE() << "no response from the server";
    return {};
  }

  // Registers and returns the location ("rd/xxxx" as path).
  std::string register_device(
      std::string_view query = "ep=dev1&lt=300&lwm2m=1.1",
      std::string_view payload = "</>;rt=\"oma.lwm2m\";ct=110,</1/0>,</3/0>,</3303/0>,</3303/1>") {
    auto response = device_request(request(coap::codes::Post, "/rd", query, payload));
    EXPECT_EQ(response.code, coap::codes::Created) << response.payload_string();
    std::string location;
    response.for_each(coap::options::LocationPath, [&](const coap::OptionView& o) {
      location += '/';
      location += o.as_string();
    });
    return location;
  }

  // The device answers the oldest unanswered request.
  coap::RequestReceived take_request() {
    EXPECT_FALSE(requests.empty()) << "the device received no request";
    if (requests.empty()) return {};
    auto r = std::move(requests.front());
    requests.erase(requests.begin());
    return r;
  }

  void answer(const coap::RequestReceived& r, coap::Code code,
              std::optional<std::uint16_t> format = {}, std::string_view payload = {},
              std::optional<std::uint32_t> observe = {}) {
    coap::Message m;
    m.code = code;
    if (format) m.add_uint_option(coap::options::ContentFormat, *format);
    if (observe) m.add_uint_option(coap::options::Observe, *observe);
    if (!payload.empty()) m.set_payload(payload);
    auto result = device.respond(r.exchange, std::move(m), now);
    EXPECT_TRUE(result.has_value());
    pump();
  }

  void answer_bytes(const coap::RequestReceived& r, coap::Code code, std::uint16_t format,
                    std::span<const std::uint8_t> payload) {
    coap::Message m;
    m.code = code;
    m.add_uint_option(coap::options::ContentFormat, format);
    m.set_payload(payload);
    EXPECT_TRUE(device.respond(r.exchange, std::move(m), now).has_value());
    pump();
  }

  template <typename T>
  std::vector<T> take_events() {
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

  // The single OperationCompleted event of `id`.
  OperationResult result_of(OperationId id) {
    for (auto it = events.begin(); it != events.end(); ++it) {
      if (auto* e = std::get_if<OperationCompleted>(&*it); e && e->id == id) {
        OperationResult r = std::move(e->result);
        events.erase(it);
        return r;
      }
    }
    ADD_FAILURE() << "operation " << id.value << " did not complete";
    return {};
  }

  bool completed(OperationId id) const {
    for (const auto& e : events)
      if (auto* c = std::get_if<OperationCompleted>(&e); c && c->id == id) return true;
    return false;
  }
};

inline std::vector<std::string> queries_of(const coap::Message& m) {
  std::vector<std::string> out;
  m.for_each(coap::options::UriQuery,
             [&](const coap::OptionView& o) { out.emplace_back(o.as_string()); });
  return out;
}

inline std::optional<std::uint32_t> option_uint(const coap::Message& m, std::uint16_t number) {
  return m.uint_option(number);
}

}  // namespace drover::server::testing
