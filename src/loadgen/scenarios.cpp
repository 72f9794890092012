#include "drover/loadgen/scenarios.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "drover/store/server_state_store.hpp"
#include "drover/transport/threads.hpp"
#include "scenario_parts.hpp"

namespace drover::loadgen {

using namespace parts;

namespace {

using lwm2m::Path;

std::uint64_t nanoseconds(Duration d) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

Path observed_path(std::uint32_t client) {
  return Path(3303, static_cast<std::uint16_t>(client % 4), 5700);
}

// Server-initiated Reads of /3/0, `window` in flight, the shard's clients in turn.
struct ReadDriver {
  bool active = false;
  std::size_t window = 0;
  const std::vector<std::uint32_t>* clients = nullptr;
  std::size_t cursor = 0;
  std::string prefix;
  std::unordered_map<std::uint64_t, TimePoint> pending;
  std::uint64_t succeeded = 0, failed = 0, timed_out = 0, refused = 0;
  Histogram latency;

  void start(std::size_t w, const std::vector<std::uint32_t>& of, std::string endpoint_prefix) {
    active = true;
    window = w;
    clients = &of;
    prefix = std::move(endpoint_prefix);
    succeeded = failed = timed_out = refused = 0;
    latency.clear();
  }

  void fill(server::Server& s, TimePoint now) {
    while (active && clients && !clients->empty() && pending.size() < window) {
      if (cursor >= clients->size()) cursor = 0;
      const auto id = s.read(endpoint_name(prefix, (*clients)[cursor++]), Path(3, 0), {}, now);
      if (!id) {  // a bound of the server: try again on the next completion
        ++refused;
        return;
      }
      pending.emplace(id.value().value, now);
    }
  }

  // True when `done` was one of these reads.
  bool complete(server::Server& s, const server::OperationCompleted& done, TimePoint now) {
    const auto it = pending.find(done.id.value);
    if (it == pending.end()) return false;
    if (active) {
      if (done.result.status == server::OperationStatus::Success && !done.result.records.empty()) {
        ++succeeded;
        latency.record(nanoseconds(now - it->second));
      } else if (done.result.status == server::OperationStatus::Timeout) {
        ++timed_out;
      } else {
        ++failed;
      }
    }
    pending.erase(it);
    fill(s, now);
    return true;
  }
};

// What the benchmark does on a server shard's thread.
struct ServerSide {
  std::string prefix;
  bool observe_on_register = false;
  std::vector<std::uint32_t> clients;  // registered on this shard
  std::unordered_set<std::uint64_t> observations;
  std::uint64_t observe_failures = 0;
  std::uint64_t notifications_decoded = 0;
  std::uint64_t notifications_undecoded = 0;
  ReadDriver reads;

  void on_event(server::Server& s, server::ServerEvent& event, TimePoint now) {
    if (auto* r = std::get_if<server::Registered>(&event)) {
      const auto client = client_of_endpoint(prefix, r->registration.endpoint);
      if (!client) return;
      clients.push_back(*client);
      if (!observe_on_register) return;
      if (auto id = s.observe(r->registration.endpoint, observed_path(*client), {}, now))
        observations.insert(id.value().value);
      else
        ++observe_failures;
    } else if (auto* n = std::get_if<server::Notification>(&event)) {
      if (n->records.empty())
        ++notifications_undecoded;
      else
        ++notifications_decoded;
    } else if (auto* done = std::get_if<server::OperationCompleted>(&event)) {
      if (reads.complete(s, *done, now)) return;
      if (observations.count(done->id.value) && !done->result.observing) {
        observations.erase(done->id.value);
        ++observe_failures;
      }
    }
  }
};

bool wants(const std::vector<Scenario>& list, Scenario s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

std::string_view to_string(Scenario s) {
  switch (s) {
    case Scenario::Ideal:
      return "ideal";
    case Scenario::Register:
      return "register";
    case Scenario::Update:
      return "update";
    case Scenario::Read:
      return "read";
    case Scenario::Notify:
      return "notify";
    case Scenario::Send:
      return "send";
    case Scenario::Mixed:
      return "mixed";
    case Scenario::Persist:
      return "persist";
  }
  return "?";
}

std::optional<Scenario> scenario_from_string(std::string_view text) {
  for (Scenario s : all_scenarios)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

server::ServerConfig bench_server_config(std::uint32_t clients) {
  server::ServerConfig c = server::server_config_for(std::size_t{clients} + 1024);
  c.random_seed = 0x5eed;
  c.max_observations_per_client = 4;
  return c;
}

namespace {

// The server scenarios on one in-process server (with a store in `stores` when there are some,
// one per shard); every row's name ends with `suffix`.
void run_server(const std::vector<Scenario>& scenarios, const BenchConfig& config,
                std::vector<std::unique_ptr<store::ServerStateStore>>& stores,
                const std::string& suffix, BenchReport& report) {
  multicore::ShardedServerConfig server_config = host_config(config, config.clients);
  if (!stores.empty()) {
    server_config.setup = [&stores](unsigned shard, server::Server& s) {
      s.set_persistence(stores.at(shard).get());
      stores.at(shard)->start();
    };
  }
  multicore::ShardedServer host(std::move(server_config));
  // Each shard's state is touched only on its thread, or while that thread waits in call().
  std::vector<ServerSide> sides(host.shards());
  for (auto& side : sides) {
    side.prefix = FleetConfig{}.endpoint_prefix;
    side.observe_on_register =
        wants(scenarios, Scenario::Notify) || wants(scenarios, Scenario::Mixed);
  }
  host.set_event_handler([&sides](unsigned shard, server::Server& s, server::ServerEvent& e,
                                  TimePoint now) { sides[shard].on_event(s, e, now); });
  if (auto ec = host.start()) {
    report.notes.push_back("server: cannot bind: " + ec.message());
    return;
  }
  // Runs fn(side, server, now) on every shard in turn.
  auto each = [&](const std::function<void(ServerSide&, server::Server&, TimePoint)>& fn) {
    for (unsigned i = 0; i < host.shards(); ++i)
      host.call(i, [&](server::Server& s, TimePoint now) { fn(sides[i], s, now); });
  };
  LoadDriver driver(fleet_config(config, host.address()), config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("fleet: cannot bind: " + ec.message());
    return;
  }
  transport::pin_this_thread(config.load_cpu);
  auto server_cpu = [&] {
    double total = 0;
    for (unsigned i = 0; i < host.shards(); ++i) total += host.cpu_seconds(i);
    return total;
  };
  double phase_cpu = 0;  // the server's CPU seconds in the last phase run
  auto run_one = [&](const Phase& phase, const LoadDriver::PhaseHook& on_start = {},
                     const LoadDriver::PhaseHook& on_end = {}) {
    const double before = server_cpu();
    auto results = driver.run({phase}, on_start, on_end);
    phase_cpu = server_cpu() - before;
    return results.empty() ? PhaseResult{} : std::move(results[0]);
  };
  // A row of a one-operation phase, with the server's CPU per operation of the phase.
  auto fleet_row = [&](const std::string& name, const PhaseResult& r, Op op) {
    Row row = row_of(name + suffix, r, op);
    row.server_us_per_op = per_op(phase_cpu, r.stats.of(op).succeeded);
    return row;
  };

  {
    Row row = fleet_row(
        "register", run_one(register_all(config.registration_limit, 0, config.rate)), Op::Register);
    note_failures(report, row);
    if (wants(scenarios, Scenario::Register) || wants(scenarios, Scenario::Persist))
      report.rows.push_back(row);
    if (driver.fleet().registered_count() < config.clients)
      report.notes.push_back("only " + std::to_string(driver.fleet().registered_count()) + " of " +
                             std::to_string(config.clients) + " clients registered");
  }

  if (wants(scenarios, Scenario::Update) || wants(scenarios, Scenario::Persist)) {
    Row full = fleet_row("update",
                         run_one(timed("update", config.duration, config.rate, only(Op::Update))),
                         Op::Update);
    note_failures(report, full);
    const double partial_rate = full.rate() * config.load_factor;
    report.rows.push_back(full);
    if (partial_rate > 0) {
      const std::string name =
          "update@" + std::to_string(static_cast<int>(config.load_factor * 100 + 0.5)) + "%";
      Row partial = fleet_row(
          name, run_one(timed(name, config.duration, partial_rate, only(Op::Update))), Op::Update);
      note_failures(report, partial);
      report.rows.push_back(std::move(partial));
    }
  }

  const std::uint32_t registered = driver.fleet().registered_count();
  auto start_reads = [&](std::size_t, const Phase&) {
    const std::size_t window = std::max<std::size_t>(1, config.window / host.shards());
    each([&](ServerSide& side, server::Server& s, TimePoint now) {
      if (registered < config.clients) return;
      side.reads.start(window, side.clients, side.prefix);
      side.reads.fill(s, now);
    });
  };
  auto stop_reads = [&](std::size_t, const Phase&) {
    each([](ServerSide& side, server::Server&, TimePoint) { side.reads.active = false; });
  };
  auto read_row = [&](const std::string& name, const PhaseResult& r) {
    Row row;
    row.name = name;
    row.seconds = r.seconds;
    each([&](ServerSide& side, server::Server&, TimePoint) {
      row.succeeded += side.reads.succeeded;
      row.failed += side.reads.failed;
      row.timed_out += side.reads.timed_out;
      row.latency.merge(side.reads.latency);
    });
    return row;
  };

  if (wants(scenarios, Scenario::Read)) {
    Phase idle;
    idle.kind = Phase::Kind::Idle;
    idle.name = "read";
    idle.duration = seconds(config.duration);
    Row row = read_row("read", run_one(idle, start_reads, stop_reads));
    row.server_us_per_op = per_op(phase_cpu, row.succeeded);
    if (registered < config.clients)
      report.notes.push_back("read: skipped, not every client registered");
    note_failures(report, row);
    report.rows.push_back(std::move(row));
  }

  if (sides[0].observe_on_register) {
    Phase observed;
    observed.kind = Phase::Kind::AwaitObserved;
    observed.name = "observe";
    observed.limit = seconds(config.registration_limit);
    run_one(observed);
    if (driver.fleet().observed_count() < registered)
      report.notes.push_back("only " + std::to_string(driver.fleet().observed_count()) +
                             " clients observed");
  }

  // NON notifications get no answer: the server's count of those it decoded into records is the
  // measure, and what was sent but not decoded (dropped by a full socket buffer) counts as failed.
  auto decoded = [&] {
    std::uint64_t n = 0;
    each([&](ServerSide& side, server::Server&, TimePoint) { n += side.notifications_decoded; });
    return n;
  };
  auto settled_decoded = [&] {  // once the server has taken what its socket still holds
    std::uint64_t n = decoded();
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::uint64_t m = decoded();
      if (m == n) break;
      n = m;
    }
    return n;
  };
  auto notify_row = [&](const std::string& name, const PhaseResult& r, std::uint64_t before,
                        std::uint64_t at_end, std::uint64_t after) {
    Row row = row_of(name, r, Op::Notify);
    const OpStats& s = r.stats.of(Op::Notify);
    if (s.unconfirmed > 0) {
      row.succeeded = at_end - before;
      row.failed = s.unconfirmed > after - before ? s.unconfirmed - (after - before) : 0;
    }
    return row;
  };
  // The server's decoded count at the end of the phase's measured interval.
  std::uint64_t decoded_at_end = 0;
  auto note_decoded_at_end = [&](std::size_t, const Phase&) { decoded_at_end = decoded(); };

  if (wants(scenarios, Scenario::Notify)) {
    const std::uint64_t before = decoded();
    const PhaseResult r = run_one(timed("notify", config.duration, config.rate, only(Op::Notify)),
                                  {}, note_decoded_at_end);
    const std::uint64_t after = settled_decoded();
    Row row = notify_row("notify", r, before, decoded_at_end, after);
    row.server_us_per_op = per_op(phase_cpu, after - before);
    note_failures(report, row);
    report.rows.push_back(std::move(row));
  }

  if (wants(scenarios, Scenario::Send)) {
    Row row = fleet_row(
        "send", run_one(timed("send", config.duration, config.rate, only(Op::Send))), Op::Send);
    note_failures(report, row);
    report.rows.push_back(std::move(row));
  }

  if (wants(scenarios, Scenario::Mixed)) {
    std::array<unsigned, op_count> mix{};
    mix[static_cast<std::size_t>(Op::Update)] = 1;
    mix[static_cast<std::size_t>(Op::Send)] = 1;
    mix[static_cast<std::size_t>(Op::Notify)] = 2;
    const std::uint64_t before = decoded();
    const PhaseResult r = run_one(timed("mixed", config.duration, config.rate, mix), start_reads,
                                  [&](std::size_t i, const Phase& p) {
                                    stop_reads(i, p);
                                    note_decoded_at_end(i, p);
                                  });
    const double cpu = phase_cpu;
    std::vector<Row> rows;
    for (Op op : {Op::Update, Op::Send})
      rows.push_back(row_of("mixed/" + std::string(to_string(op)), r, op));
    const std::uint64_t after = settled_decoded();
    rows.push_back(notify_row("mixed/notify", r, before, decoded_at_end, after));
    rows.push_back(read_row("mixed/read", r));
    const std::uint64_t ops = r.stats.of(Op::Update).succeeded + r.stats.of(Op::Send).succeeded +
                              (after - before) + rows.back().succeeded;
    for (Row& row : rows) {
      row.server_us_per_op = per_op(cpu, ops);
      note_failures(report, row);
      report.rows.push_back(std::move(row));
    }
  }

  std::uint64_t dropped = 0;
  each([&](ServerSide&, server::Server& s, TimePoint) {
    dropped += s.engine_stats().dropped_overload;
  });
  if (dropped > 0)
    report.notes.push_back("server" + suffix + ": " + std::to_string(dropped) +
                           " datagrams dropped at a bound");
  host.stop();
}

// The SQLite store of every shard in `dir`, empty.
std::optional<std::string> open_stores(const std::filesystem::path& dir, unsigned shards,
                                       std::shared_ptr<store::DataDir>& data,
                                       std::vector<std::unique_ptr<store::ServerStateStore>>& out) {
  std::filesystem::remove_all(dir);
  auto opened = store::DataDir::open(dir);
  if (!opened) return opened.error().message;
  data = opened.value();
  for (unsigned shard = 0; shard < shards; ++shard) {
    auto s = store::ServerStateStore::open(data, shard, shards);
    if (!s) return s.error().message;
    out.push_back(std::move(s).value());
  }
  return std::nullopt;
}

// A server's start from the stores in `dir`: reading every shard's database and restoring a
// server core from it, as drover server does. The row's `succeeded` is the registrations restored.
Row measure_startup(const std::filesystem::path& dir, const BenchConfig& config,
                    BenchReport& report) {
  Row row;
  row.name = "startup";
  const auto started = std::chrono::steady_clock::now();
  auto data = store::DataDir::open(dir);
  if (!data) {
    report.notes.push_back("startup: " + data.error().message);
    return row;
  }
  for (unsigned shard = 0; shard < config.shards; ++shard) {
    auto s = store::ServerStateStore::open(data.value(), shard, config.shards);
    if (!s) {
      report.notes.push_back("startup: " + s.error().message);
      return row;
    }
    const auto now = coap::Clock::now();
    auto state = s.value()->load(
        now,
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (!state) {
      report.notes.push_back("startup: " + state.error().message);
      return row;
    }
    server::Server core(bench_server_config(config.clients));
    row.succeeded += core.restore(std::move(state).value(), now).registrations;
  }
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return row;
}

std::uint64_t folder_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.is_regular_file()) total += f.file_size();
  return total;
}

}  // namespace

BenchReport run_bench(const std::vector<Scenario>& scenarios, const BenchConfig& config) {
  BenchReport report;
  if (wants(scenarios, Scenario::Ideal)) run_ideal(config, report);
  std::vector<Scenario> server_scenarios;
  std::copy_if(scenarios.begin(), scenarios.end(), std::back_inserter(server_scenarios),
               [](Scenario s) { return s != Scenario::Ideal; });
  if (server_scenarios.empty()) return report;
  std::vector<std::unique_ptr<store::ServerStateStore>> none;
  run_server(server_scenarios, config, none, "", report);
  if (!wants(scenarios, Scenario::Persist)) return report;

  // The registration storm and Updates again, on a server writing to SQLite, then its start.
  const std::filesystem::path dir = config.store_dir.empty()
                                        ? std::filesystem::temp_directory_path() /
                                              ("drover-bench-store-" + std::to_string(::getpid()))
                                        : std::filesystem::path(config.store_dir);
  {
    std::shared_ptr<store::DataDir> data;
    std::vector<std::unique_ptr<store::ServerStateStore>> stores;
    if (auto error = open_stores(dir, config.shards, data, stores)) {
      report.notes.push_back("persist: " + *error);
      return report;
    }
    run_server({Scenario::Persist}, config, stores, "+sqlite", report);
    std::uint64_t dropped = 0;
    for (auto& s : stores) {
      (void)s->flush();
      dropped += s->stats().dropped;
    }
    if (dropped) report.notes.push_back("persist: " + std::to_string(dropped) + " changes dropped");
  }
  for (const std::string name : {"register", "update"}) {
    const auto row = [&](const std::string& n) -> const Row* {
      for (const Row& r : report.rows)
        if (r.name == n) return &r;
      return nullptr;
    };
    const Row* plain = row(name);
    const Row* stored = row(name + "+sqlite");
    if (plain && stored && plain->rate() > 0)
      report.notes.push_back(name + " with the SQLite store: " +
                             fixed(stored->rate() / plain->rate(), 2) + " x without");
  }
  Row startup = measure_startup(dir, config, report);
  if (startup.succeeded > 0) {
    report.notes.push_back(
        "store: " +
        fixed(static_cast<double>(folder_bytes(dir)) / static_cast<double>(startup.succeeded), 0) +
        " bytes on disk per registration; startup read and restored " +
        std::to_string(startup.succeeded) + " registrations in " + fixed(startup.seconds, 2) +
        " s");
  }
  report.rows.push_back(std::move(startup));
  if (config.store_dir.empty()) std::filesystem::remove_all(dir);
  return report;
}

MemoryReport run_memory(const std::vector<std::uint32_t>& steps, const BenchConfig& config) {
  MemoryReport report;
  const std::uint32_t largest = steps.empty() ? 0 : *std::max_element(steps.begin(), steps.end());
  ServerProcess server([&] { return host_config(config, largest); });
  if (server.port() == 0) {
    report.notes.push_back(server.error());
    return report;
  }
  BenchConfig c = config;
  c.clients = largest;
  LoadDriver driver(fleet_config(c, coap::PeerAddress::loopback_v4(server.port())), config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("fleet: cannot bind: " + ec.message());
    return report;
  }
  transport::pin_this_thread(config.load_cpu);
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(500)); };
  settle();
  report.steps.push_back({0, resident_bytes(server.pid()), 0});
  std::uint64_t registered = 0;
  for (const std::uint32_t n : steps) {
    if (n == 0) continue;
    const auto r = driver.run({register_all(config.registration_limit, n)});
    if (!r.empty()) registered += r[0].stats.of(Op::Register).succeeded;
    settle();
    report.steps.push_back({n, resident_bytes(server.pid()), registered});
  }
  return report;
}

}  // namespace drover::loadgen
