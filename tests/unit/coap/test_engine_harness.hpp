// Test helpers for the CoAP engine: a fake clock, hand-built messages, and two engines wired back
// to back in memory (with an optional filter that loses datagrams).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "drover/coap/engine.hpp"

namespace drover::coap::testing {

using namespace std::chrono_literals;

inline TimePoint start_time() {
  return TimePoint{} + std::chrono::hours(1000);
}

inline const PeerAddress kClientAddr = PeerAddress::loopback_v4(40000);
inline const PeerAddress kServerAddr = PeerAddress::loopback_v4(5683);

inline std::vector<std::uint8_t> to_bytes(const Message& m) {
  std::vector<std::uint8_t> out;
  serialize(m, out);
  return out;
}

inline Message parse_ok(std::span<const std::uint8_t> bytes) {
  Message m;
  auto failure = parse(bytes, m);
  EXPECT_FALSE(failure.has_value()) << "engine sent an unparsable datagram";
  return m;
}

inline Message make_message(Type type, Code code, std::uint16_t mid,
                            std::vector<std::uint8_t> token = {}) {
  Message m;
  m.type = type;
  m.code = code;
  m.message_id = mid;
  m.token = Token(token);
  return m;
}

inline std::vector<std::uint8_t> body_of(std::size_t size) {
  std::vector<std::uint8_t> body(size);
  for (std::size_t i = 0; i < size; ++i)
    body[i] = static_cast<std::uint8_t>((i * 7 + i / 251) & 0xff);
  return body;
}

inline std::vector<std::uint8_t> payload_of(const Message& m) {
  return {m.payload().begin(), m.payload().end()};
}

struct Sent {
  PeerAddress peer;
  Message msg;
  TimePoint at;
};

// Takes everything `engine` wants to send.
inline std::vector<Sent> drain(Engine& engine, TimePoint at = {}) {
  std::vector<Sent> out;
  Transmit t;
  while (engine.poll_transmit(t)) out.push_back({t.peer, parse_ok(t.bytes), at});
  return out;
}

inline std::vector<Event> events_of(Engine& engine) {
  std::vector<Event> out;
  Event e;
  while (engine.poll_event(e)) out.push_back(std::move(e));
  return out;
}

template <typename T>
std::vector<T> only(const std::vector<Event>& events) {
  std::vector<T> out;
  for (const auto& e : events)
    if (const T* p = std::get_if<T>(&e)) out.push_back(*p);
  return out;
}

inline bool all_zero(const EngineCounts& c) {
  return c == EngineCounts{};
}

// A client engine and a server engine exchanging datagrams through a loss filter.
class Link {
 public:
  explicit Link(EngineConfig client_config = {}, EngineConfig server_config = {})
      : client(client_config, 1), server(server_config, 2) {}

  Engine client;
  Engine server;
  TimePoint now = start_time();
  std::vector<Sent> wire;  // every datagram sent, in order (client -> server and back)
  // Return false to lose a datagram. Arguments: from_client, the message.
  std::function<bool(bool, const Message&)> deliver = [](bool, const Message&) { return true; };
  // Called for each server event; by default requests are collected for the test to answer.
  std::function<void(Event&)> on_server_event;
  std::vector<Event> client_events;
  std::vector<Event> server_events;

  // Moves datagrams and events until nothing moves.
  void run() {
    for (bool moved = true; moved;) {
      moved = false;
      Transmit t;
      while (client.poll_transmit(t)) {
        moved = true;
        Message m = parse_ok(t.bytes);
        wire.push_back({t.peer, m, now});
        if (deliver(true, m)) server.receive(kClientAddr, t.bytes, now);
      }
      while (server.poll_transmit(t)) {
        moved = true;
        Message m = parse_ok(t.bytes);
        wire.push_back({t.peer, m, now});
        if (deliver(false, m)) client.receive(kServerAddr, t.bytes, now);
      }
      Event e;
      while (server.poll_event(e)) {
        moved = true;
        if (on_server_event) on_server_event(e);
        server_events.push_back(std::move(e));
      }
      while (client.poll_event(e)) {
        moved = true;
        client_events.push_back(std::move(e));
      }
    }
  }

  // Advances the clock to now + d, firing every timer on the way.
  void advance(Duration d) {
    TimePoint target = now + d;
    for (;;) {
      run();
      std::optional<TimePoint> next;
      for (Engine* e : {&client, &server}) {
        auto n = e->next_expiry();
        if (n && (!next || *n < *next)) next = n;
      }
      if (!next || *next > target) break;
      now = std::max(now, *next);
      client.on_timer(now);
      server.on_timer(now);
    }
    now = target;
    client.on_timer(now);
    server.on_timer(now);
    run();
  }

  // The most recent request the server application received.
  RequestReceived last_request() const {
    auto requests = only<RequestReceived>(server_events);
    EXPECT_FALSE(requests.empty());
    return requests.empty() ? RequestReceived{} : requests.back();
  }

  // Every datagram of the wire log sent by one side.
  std::vector<Message> sent_by(bool from_client) const {
    std::vector<Message> out;
    for (const auto& s : wire)
      if ((s.peer == kServerAddr) == from_client) out.push_back(s.msg);
    return out;
  }
};

// A server that answers every request with 2.05 and `body` (and Observe when asked to observe).
inline std::function<void(Event&)> content_server(Link& link, std::vector<std::uint8_t> body,
                                                  std::vector<ObserverId>* observers = nullptr) {
  return [&link, body = std::move(body), observers](Event& e) {
    if (auto* r = std::get_if<RequestReceived>(&e)) {
      Message resp;
      resp.code = codes::Content;
      resp.set_payload(body);
      auto obs = r->request.uint_option(options::Observe);
      if (obs && *obs == 0) resp.add_uint_option(options::Observe, 0);
      auto result = link.server.respond(r->exchange, std::move(resp), link.now);
      ASSERT_TRUE(result.has_value());
      if (observers && result.value()) observers->push_back(*result.value());
    }
  };
}

inline Message get_request(std::string_view path) {
  Message m;
  m.code = codes::Get;
  m.set_uri_path(path);
  return m;
}

}  // namespace drover::coap::testing
