// The LwM2M server core without sockets: what one message costs it in user space, and how many
// heap allocations, for the messages of `drover bench`. Datagrams come from a loadgen::Fleet wired
// to the Server in memory (as in the loadgen unit tests); where the fleet's own work would be in
// the loop (Update, Send, notifications), the datagrams are built once and replayed with fresh
// message IDs, so only the server is measured. Reads go through the fleet (it must answer each
// request's token), so their figure includes the in-memory client's answer.
//
//   ServerCore/Update      an Update from one of 10,000 registered clients, answered 2.04
//   ServerCore/Register    a Register with a seven-instance object list (replacing the previous)
//   ServerCore/Send        a SenML CBOR Send, decoded
//   ServerCore/Notify      a NON notification of an observation, decoded
//   ServerCore/ReadDevice  a Read of /3/0 and its TLV answer, decoded into 8 records
#include <benchmark/benchmark.h>

#include <vector>

#include "drover/loadgen/fleet.hpp"
#include "drover/loadgen/workload.hpp"
#include "drover/server/server.hpp"
#include "support/allocation_counter.hpp"

namespace {

using namespace drover;
using loadgen::Fleet;
using loadgen::Op;

constexpr std::uint32_t kClients = 10000;
const coap::PeerAddress kServer = coap::PeerAddress::loopback_v4(5683);
constexpr std::uint16_t kFleetPort = 40000;

struct Captured {
  std::uint32_t client;
  std::vector<std::uint8_t> bytes;
};

struct Capture : Fleet::Sink {
  std::vector<Captured> out;
  void send(std::uint32_t client, const coap::PeerAddress&, std::span<const std::uint8_t> bytes) override {
    out.push_back({client, {bytes.begin(), bytes.end()}});
  }
};

server::ServerConfig config() {
  server::ServerConfig c;
  c.random_seed = 3;
  c.max_registrations = kClients + 16;
  c.max_observations = kClients + 16;
  c.engine.max_peers = kClients + 16;
  c.engine.max_observations = kClients + 16;
  c.engine.max_dedup_entries = 65536;
  return c;
}

// A server with kClients registered (and, with `observed`, observing /3303/i/5700 on each), the
// fleet that registered them, and a clock.
struct Setup {
  explicit Setup(bool observed = false, bool confirmable_notifications = false)
      : fleet(fleet_config(confirmable_notifications), sink), server(config()) {
    loadgen::Workload w(256);
    loadgen::Phase p;
    p.kind = loadgen::Phase::Kind::RegisterAll;
    run(w, p);
    if (!observed) return;
    for (std::uint32_t i = 0; i < kClients; ++i)
      (void)server.observe(fleet.endpoint_of(i), lwm2m::Path(3303, static_cast<std::uint16_t>(i % 4), 5700), {}, now);
    pump();
  }

  static loadgen::FleetConfig fleet_config(bool confirmable_notifications) {
    loadgen::FleetConfig f;
    f.clients = kClients;
    f.server = kServer;
    f.confirmable_notifications = confirmable_notifications;
    return f;
  }

  void run(loadgen::Workload& w, const loadgen::Phase& p) {
    w.begin(p, now);
    while (w.pump(fleet, now) != loadgen::Workload::State::Done) pump();
    pump();
  }

  // Moves datagrams both ways until nothing moves; drops the server's events.
  void pump() {
    for (;;) {
      bool moved = false;
      std::vector<Captured> batch;
      batch.swap(sink.out);
      for (const auto& d : batch) {
        moved = true;
        server.receive(fleet.address_of(d.client, kFleetPort), d.bytes, now);
      }
      drain(true);
      if (!moved && sink.out.empty()) return;
    }
  }

  // Takes the server's transmits (to the fleet when `deliver`) and events.
  void drain(bool deliver) {
    coap::Transmit t;
    while (server.poll_transmit(t))
      if (deliver)
        if (const auto c = fleet.client_at(t.peer)) fleet.receive(*c, kServer, t.bytes, now);
    while (server.poll_event(event)) {
    }
  }

  // One datagram of `op` per client, captured from the fleet (not sent to the server).
  std::vector<Captured> capture(Op op) {
    sink.out.clear();
    for (std::uint32_t i = 0; i < kClients; ++i) (void)fleet.start(op, i, now);
    std::vector<Captured> out;
    out.swap(sink.out);
    return out;
  }

  coap::TimePoint now = coap::TimePoint{} + std::chrono::hours(1);
  Capture sink;
  Fleet fleet;
  server::Server server;
  server::ServerEvent event;
};

// Replays `datagrams` round after round, each time with a new message ID (and, every round, a
// clock 129 s later, so that notifications are never taken for stale ones: RFC 7641 §3.4).
void replay(benchmark::State& state, Setup& s, std::vector<Captured>& datagrams) {
  std::size_t i = 0;
  std::uint16_t mid = 1;
  const std::size_t before = testing_support::allocations();
  for (auto _ : state) {
    Captured& d = datagrams[i];
    d.bytes[2] = static_cast<std::uint8_t>(mid >> 8);
    d.bytes[3] = static_cast<std::uint8_t>(mid);
    s.server.receive(s.fleet.address_of(d.client, kFleetPort), d.bytes, s.now);
    s.drain(false);
    if (++i == datagrams.size()) {
      i = 0;
      ++mid;
      s.now += std::chrono::seconds(129);
      s.server.on_timer(s.now);
      s.drain(false);
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(testing_support::allocations() - before),
                                                benchmark::Counter::kAvgIterations);
}

void Update(benchmark::State& state) {
  Setup s;
  auto datagrams = s.capture(Op::Update);
  replay(state, s, datagrams);
}

void Register(benchmark::State& state) {
  Setup s;
  auto datagrams = s.capture(Op::Register);
  replay(state, s, datagrams);
}

void Send(benchmark::State& state) {
  Setup s;
  auto datagrams = s.capture(Op::Send);
  replay(state, s, datagrams);
}

void Notify(benchmark::State& state) {
  Setup s(/*observed=*/true);
  auto datagrams = s.capture(Op::Notify);
  replay(state, s, datagrams);
}

void ReadDevice(benchmark::State& state) {
  Setup s;
  std::uint32_t client = 0;
  const std::size_t before = testing_support::allocations();
  for (auto _ : state) {
    (void)s.server.read(s.fleet.endpoint_of(client), lwm2m::Path(3, 0), {}, s.now);
    s.pump();
    client = client + 1 == kClients ? 0 : client + 1;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs"] = benchmark::Counter(static_cast<double>(testing_support::allocations() - before),
                                                benchmark::Counter::kAvgIterations);
}

BENCHMARK(Update)->Name("ServerCore/Update");
BENCHMARK(Register)->Name("ServerCore/Register");
BENCHMARK(Send)->Name("ServerCore/Send");
BENCHMARK(Notify)->Name("ServerCore/Notify");
BENCHMARK(ReadDevice)->Name("ServerCore/ReadDevice");

}  // namespace

BENCHMARK_MAIN();
