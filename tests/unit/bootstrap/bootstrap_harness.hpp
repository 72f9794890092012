// Test harness for the bootstrap server core: a BootstrapServer and a bare coap::Engine playing
// the device, wired back to back in memory with a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::bootstrap::testing {

using namespace std::chrono_literals;

inline const coap::PeerAddress kDevice = coap::PeerAddress::loopback_v4(40000);
inline const coap::PeerAddress kBootstrapServer = coap::PeerAddress::loopback_v4(5683);

// One DM server account with NoSec, ssid 1.
inline ServerAccount nosec_account(std::uint16_t ssid = 1,
                                   std::string uri = "coap://127.0.0.1:5683") {
  ServerAccount a;
  a.security.uri = std::move(uri);
  a.security.ssid = ssid;
  ServerInstance s;
  s.ssid = ssid;
  s.lifetime = 300;
  a.server = s;
  return a;
}

inline BootstrapConfig one_server_config() {
  BootstrapConfig c;
  c.servers.push_back(nosec_account());
  return c;
}

template <typename T>
const T* as(const BootstrapEvent& e) {
  return std::get_if<T>(&e);
}

struct Harness {
  explicit Harness(BootstrapServerConfig config = test_config())
      : server(std::move(config), configs), device(device_config(), 7) {}

  static BootstrapServerConfig test_config() {
    BootstrapServerConfig c;
    c.random_seed = 42;
    return c;
  }
  static coap::EngineConfig device_config() {
    coap::EngineConfig c;
    c.piggyback_delay = 10s;  // the device answers within the same instant unless told not to
    return c;
  }

  TimePoint now = TimePoint{} + std::chrono::hours(1000);
  BootstrapConfigs configs;
  BootstrapServer server;
  coap::Engine device;
  // Each request the device received, and how it answered (null: it does not answer).
  std::vector<coap::Message> requests;
  // The code of the device's answer; nullopt: it does not answer this one.
  std::function<std::optional<coap::Code>(const coap::Message&)> answer =
      [](const coap::Message& m) -> std::optional<coap::Code> {
    if (m.code == coap::codes::Delete) return coap::codes::Deleted;
    if (m.code == coap::codes::Get) return coap::codes::Content;
    return coap::codes::Changed;
  };
  std::function<void(const coap::Message&, coap::Message&)> fill;  // payload of GET answers
  bool silent = false;  // the device never answers requests
  std::vector<BootstrapEvent> events;
  std::vector<coap::Event> device_events;

  void pump() {
    for (int round = 0; round < 200; ++round) {
      bool moved = false;
      coap::Transmit t;
      while (server.poll_transmit(t)) {
        moved = true;
        device.receive(kBootstrapServer, std::vector<std::uint8_t>(t.bytes.begin(), t.bytes.end()),
                       now);
      }
      while (device.poll_transmit(t)) {
        moved = true;
        server.receive(kDevice, std::vector<std::uint8_t>(t.bytes.begin(), t.bytes.end()), now);
      }
      coap::Event e;
      while (device.poll_event(e)) {
        if (auto* r = std::get_if<coap::RequestReceived>(&e)) {
          requests.push_back(r->request);
          const auto code = silent ? std::nullopt : answer(r->request);
          if (!code) continue;
          coap::Message response;
          response.code = *code;
          if (fill) fill(r->request, response);
          EXPECT_TRUE(device.respond(r->exchange, std::move(response), now).has_value());
          moved = true;
        } else {
          device_events.push_back(std::move(e));
        }
      }
      BootstrapEvent be;
      while (server.poll_event(be)) events.push_back(std::move(be));
      if (!moved) return;
    }
    ADD_FAILURE() << "traffic did not settle";
  }

  void advance(coap::Duration d) {
    const TimePoint end = now + d;
    // Step through every timer on the way, as a driver would.
    for (;;) {
      auto next = server.next_expiry();
      const auto dn = device.next_expiry();
      if (dn && (!next || *dn < *next)) next = dn;
      if (!next || *next > end) break;
      now = std::max(now, *next);
      server.on_timer(now);
      device.on_timer(now);
      pump();
    }
    now = end;
    server.on_timer(now);
    device.on_timer(now);
    pump();
  }

  // The device's Bootstrap-Request ("ep=dev1&pct=112") and the server's answer.
  coap::Message bootstrap_request(std::string_view query, std::string_view path = "/bs",
                                  coap::Code code = coap::codes::Post,
                                  std::optional<lwm2m::ContentFormat> accept = std::nullopt) {
    coap::Message m;
    m.code = code;
    m.set_uri_path(path);
    m.add_uri_queries(query);
    if (accept) lwm2m::set_accept(m, *accept);
    auto id = device.send_request(kBootstrapServer, std::move(m), now);
    EXPECT_TRUE(id.has_value());
    pump();
    for (auto it = device_events.begin(); it != device_events.end(); ++it) {
      if (auto* r = std::get_if<coap::ResponseReceived>(&*it); r && r->request == *id) {
        coap::Message response = r->response;
        device_events.erase(it);
        return response;
      }
    }
    ADD_FAILURE() << "no response from the bootstrap server";
    return {};
  }

  // "DELETE /", "PUT /0/0", "POST /bs": the requests the device got, in order.
  std::vector<std::string> request_lines() const {
    std::vector<std::string> out;
    for (const auto& m : requests) {
      const auto method = m.code == coap::codes::Get      ? "GET"
                          : m.code == coap::codes::Put    ? "PUT"
                          : m.code == coap::codes::Delete ? "DELETE"
                          : m.code == coap::codes::Post   ? "POST"
                                                          : "?";
      out.push_back(std::string(method) + " " + m.uri_path());
    }
    return out;
  }

  template <typename T>
  std::vector<const T*> events_of() const {
    std::vector<const T*> out;
    for (const auto& e : events)
      if (const auto* t = as<T>(e)) out.push_back(t);
    return out;
  }
};

}  // namespace drover::bootstrap::testing
