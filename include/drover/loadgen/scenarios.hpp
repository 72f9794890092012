// The benchmark scenarios of `drover bench`, over loopback, each a table row of throughput and
// latency:
//   ideal     the fleet's Updates answered by IdealResponder: the machine's ceiling, which every
//             other rate is compared with (as a ratio, since absolute rates drift on shared hosts)
//   register  a registration storm: every client registers with its object-link list
//   update    registration Updates as fast as the window allows, then at `load_factor` of that
//             rate (its latency is the one to read)
//   read      the server reads /3/0 of every client in turn through its C++ API, `window` at once
//   notify    the server observes /3303/i/5700 on every client; clients send CON notifications
//   send      clients Send a SenML CBOR value (POST /dp)
//   mixed     Updates, Sends and notifications (1:1:2) with server Reads alongside
//   persist   the registration storm and Updates again on a server writing to its SQLite store
//             (rows "+sqlite", and their ratios to the rows without), then the server's start
//             from that store (the "startup" row), and the bytes on disk per registration
// The server scenarios share one in-process server (multicore::ShardedServer, one event loop or
// several), registered once. Everything is
// bounded: every phase has a duration or a time limit, and the run stops by itself.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/loadgen/drivers.hpp"
#include "drover/loadgen/histogram.hpp"
#include "drover/multicore/sharded_server.hpp"

namespace drover::loadgen {

enum class Scenario : std::uint8_t { Ideal, Register, Update, Read, Notify, Send, Mixed, Persist };
std::string_view to_string(Scenario);
std::optional<Scenario> scenario_from_string(std::string_view);
inline constexpr Scenario all_scenarios[] = {Scenario::Ideal, Scenario::Register, Scenario::Update,
                                             Scenario::Read,  Scenario::Notify,   Scenario::Send,
                                             Scenario::Mixed, Scenario::Persist};

struct BenchConfig {
  std::uint32_t clients = 10000;
  std::size_t window = 256;  // requests in flight, fleet side and server side each
  double duration = 5;       // seconds per measured phase
  double rate = 0;           // cap on requests started per second in measured phases; 0: none
  double load_factor = 0.7;  // update: the second phase's rate, as a fraction of the first's
  unsigned shards = 1;       // server event loops (multicore::ShardedServer)
  std::vector<int> server_cpus{0};  // shard i on server_cpus[i % size]; -1: any CPU
  int load_cpu = 1;
  double registration_limit = 120;  // seconds a registration phase may take
  std::string store_dir;  // persist: where the store goes (kept); empty: a temporary folder
};

struct Row {
  std::string name;
  double seconds = 0;
  std::uint64_t succeeded = 0;  // within the measured interval
  std::uint64_t failed = 0;     // error codes and resets
  std::uint64_t timed_out = 0;
  Histogram latency;  // nanoseconds
  // CPU time of the server's threads (or the ideal responder's) per operation, over the whole
  // phase; for a mixed phase, per operation of any kind. 0 when not measured.
  double server_us_per_op = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(succeeded) / seconds : 0; }
};

struct BenchReport {
  std::vector<Row> rows;
  std::optional<double> ideal_rate;  // when Ideal ran
  std::vector<std::string> notes;    // what went wrong or what a row means
};

// Runs the scenarios (Ideal first if present, then the server ones in the order above).
BenchReport run_bench(const std::vector<Scenario>& scenarios, const BenchConfig& config);

// Server memory: a server in a child process (forked before any thread starts, so call this
// before anything else that starts threads) takes registrations in steps; its RSS is read after
// each step.
struct MemoryStep {
  std::uint32_t clients = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t registered = 0;  // successes reported by the fleet
};
struct MemoryReport {
  std::vector<MemoryStep> steps;  // steps[0] is the idle server
  std::vector<std::string> notes;
};
MemoryReport run_memory(const std::vector<std::uint32_t>& steps, const BenchConfig& config);

// The server configuration the benchmarks use: server::server_config_for(clients), the one
// `drover server --max-registrations` uses.
server::ServerConfig bench_server_config(std::uint32_t clients);

}  // namespace drover::loadgen
