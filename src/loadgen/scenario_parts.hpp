// What the scenarios of `drover bench` share: their phases, their rows, the server under test's
// configuration, and a server in a child process (for its own RSS and CPU time).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "drover/loadgen/drivers.hpp"
#include "drover/loadgen/scenarios.hpp"
#include "drover/multicore/sharded_server.hpp"

namespace drover::loadgen::parts {

Duration seconds(double s);
// Microseconds of CPU per operation; 0 without operations.
double per_op(double cpu_seconds, std::uint64_t ops);
std::string fixed(double v, int decimals);

// The row of `op` in a phase's result.
Row row_of(const std::string& name, const PhaseResult& r, Op op);
void note_failures(BenchReport& report, const Row& row);
// The fleet's Updates answered by IdealResponder: the "ideal" row and report.ideal_rate.
void run_ideal(const BenchConfig& config, BenchReport& report);

Phase timed(std::string name, double duration, double rate, std::array<unsigned, op_count> weights);
std::array<unsigned, op_count> only(Op op);
// A RegisterAll, UpdateAll or DeregisterAll phase of at most `limit` seconds.
Phase every_client(Phase::Kind kind, double limit, std::uint32_t clients = 0, double rate = 0);
Phase register_all(double limit, std::uint32_t clients = 0, double rate = 0);

FleetConfig fleet_config(const BenchConfig& config, const coap::PeerAddress& server);
multicore::ShardedServerConfig host_config(const BenchConfig& config, std::uint32_t clients);

// A ShardedServer in a child process, forked at construction: fork copies only the calling
// thread, and a lock another thread held stays held in the child, so construct it before
// anything starts threads (the log's writer included). `make` runs in the child and gives the
// server's configuration (whose setup may hold what the server serves). The child ends when this
// object is destroyed (or this process dies); one that does not is killed after 10 s.
class ServerProcess {
 public:
  explicit ServerProcess(const std::function<multicore::ShardedServerConfig()>& make);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The server's port on 127.0.0.1; 0 when it did not start (see error()).
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_; }
  const std::string& error() const { return error_; }

 private:
  pid_t child_ = -1;
  int to_child_ = -1;  // closed to end the child
  std::uint16_t port_ = 0;
  std::string error_;
};

}  // namespace drover::loadgen::parts
