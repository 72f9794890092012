// A Fleet of simulated clients and a protocol core wired back to back in memory, on a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <utility>
#include <variant>
#include <vector>

#include "drover/loadgen/fleet.hpp"
#include "drover/loadgen/workload.hpp"
#include "drover/server/server.hpp"

namespace drover::loadgen::testing {

using namespace std::chrono_literals;

inline const coap::PeerAddress kServer = coap::PeerAddress::loopback_v4(5683);
inline constexpr std::uint16_t kFleetPort = 40000;

struct Datagram {
  std::uint32_t client;
  coap::PeerAddress to;
  std::vector<std::uint8_t> bytes;
};

struct Collector : Fleet::Sink {
  std::vector<Datagram> out;
  void send(std::uint32_t client, const coap::PeerAddress& to,
            std::span<const std::uint8_t> bytes) override {
    out.push_back({client, to, {bytes.begin(), bytes.end()}});
  }
};

inline FleetConfig fleet_config(std::uint32_t clients, bool confirmable_notifications = false) {
  FleetConfig c;
  c.clients = clients;
  c.server = kServer;
  c.confirmable_notifications = confirmable_notifications;
  return c;
}

inline server::ServerConfig server_config() {
  server::ServerConfig c;
  c.random_seed = 11;
  return c;
}

// A Fleet and a protocol core (`Core`, whose poll_event gives `Event`s: the LwM2M server, the
// bootstrap server) wired back to back.
template <typename Core, typename Event>
struct CoreHarness {
  template <typename... CoreArgs>
  explicit CoreHarness(FleetConfig fleet_config, CoreArgs&&... core_args)
      : fleet(std::move(fleet_config), sink), server(std::forward<CoreArgs>(core_args)...) {}

  TimePoint now = TimePoint{} + std::chrono::hours(10);
  Collector sink;
  Fleet fleet;
  Core server;
  std::vector<Event> events;
  // Drops a datagram from the fleet when it returns true.
  std::function<bool(const Datagram&)> drop_from_fleet;
  // Called before every round of pump_rounds (what a test samples as traffic moves).
  std::function<void()> on_round;
  std::size_t max_in_flight_seen = 0;

  // Moves datagrams both ways until nothing moves.
  void pump() {
    if (!pump_rounds(1000)) ADD_FAILURE() << "traffic did not settle";
  }
  // Moves datagrams both ways, `rounds` times at most; whether nothing moved in the last.
  bool pump_rounds(int rounds) {
    for (int round = 0; round < rounds; ++round) {
      max_in_flight_seen = std::max(max_in_flight_seen, fleet.in_flight());
      if (on_round) on_round();
      bool moved = false;
      std::vector<Datagram> batch;
      batch.swap(sink.out);
      for (const auto& d : batch) {
        moved = true;
        EXPECT_EQ(d.to, kServer);
        if (drop_from_fleet && drop_from_fleet(d)) continue;
        server.receive(fleet.address_of(d.client, kFleetPort), d.bytes, now);
      }
      coap::Transmit t;
      while (server.poll_transmit(t)) {
        moved = true;
        const auto client = fleet.client_at(t.peer);
        EXPECT_TRUE(client.has_value()) << t.peer.to_string();
        EXPECT_EQ(t.peer.port, kFleetPort);
        if (client) fleet.receive(*client, kServer, t.bytes, now);
      }
      Event e;
      while (server.poll_event(e)) events.push_back(std::move(e));
      if (!moved) return true;
    }
    return false;
  }

  void advance(Duration d) {
    now += d;
    fleet.on_timer(now);
    server.on_timer(now);
    pump();
  }

  // Runs a phase to its end, stepping the clock by `step` whenever the phase waits.
  void run(Workload& workload, const Phase& phase, Duration step = 1ms) {
    workload.begin(phase, now);
    for (int i = 0; i < 1000000; ++i) {
      const auto state = workload.pump(fleet, now);
      pump();
      if (state == Workload::State::Done) return;
      if (sink.out.empty()) advance(step);
    }
    ADD_FAILURE() << "phase " << phase.name << " did not end";
  }

  template <typename T>
  std::vector<T> take() const {
    std::vector<T> found;
    for (const auto& e : events)
      if (const auto* p = std::get_if<T>(&e)) found.push_back(*p);
    return found;
  }
};

// The fleet against the LwM2M server core.
struct FleetHarness : CoreHarness<server::Server, server::ServerEvent> {
  explicit FleetHarness(std::uint32_t clients, bool confirmable_notifications = false)
      : FleetHarness(fleet_config(clients, confirmable_notifications), server_config()) {}
  FleetHarness(FleetConfig fleet_config, server::ServerConfig server_config)
      : CoreHarness(std::move(fleet_config), std::move(server_config)) {}
};

}  // namespace drover::loadgen::testing
