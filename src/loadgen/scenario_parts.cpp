#include "scenario_parts.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "drover/transport/threads.hpp"

namespace drover::loadgen::parts {

Duration seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

double per_op(double cpu_seconds, std::uint64_t ops) {
  return ops == 0 ? 0 : cpu_seconds * 1e6 / static_cast<double>(ops);
}

Row row_of(const std::string& name, const PhaseResult& r, Op op) {
  const OpStats& s = r.stats.of(op);
  Row row;
  row.name = name;
  row.seconds = r.seconds;
  row.succeeded = r.succeeded[static_cast<std::size_t>(op)];
  row.failed = s.error_code + s.reset;
  row.timed_out = s.timed_out;
  row.latency = s.latency;
  return row;
}

Phase timed(std::string name, double duration, double rate,
            std::array<unsigned, op_count> weights) {
  Phase p;
  p.kind = Phase::Kind::Timed;
  p.name = std::move(name);
  p.duration = seconds(duration);
  p.rate = rate;
  p.weights = weights;
  return p;
}

std::array<unsigned, op_count> only(Op op) {
  std::array<unsigned, op_count> w{};
  w[static_cast<std::size_t>(op)] = 1;
  return w;
}

Phase every_client(Phase::Kind kind, double limit, std::uint32_t clients, double rate) {
  Phase p;
  p.kind = kind;
  p.name = kind == Phase::Kind::RegisterAll ? "register"
           : kind == Phase::Kind::UpdateAll ? "update"
                                            : "deregister";
  p.limit = seconds(limit);
  p.clients = clients;
  p.rate = rate;
  return p;
}

Phase register_all(double limit, std::uint32_t clients, double rate) {
  return every_client(Phase::Kind::RegisterAll, limit, clients, rate);
}

FleetConfig fleet_config(const BenchConfig& config, const coap::PeerAddress& server) {
  FleetConfig f;
  f.clients = config.clients;
  f.server = server;
  return f;
}

multicore::ShardedServerConfig host_config(const BenchConfig& config, std::uint32_t clients) {
  multicore::ShardedServerConfig c;
  c.shards = config.shards;
  c.server = bench_server_config(clients);
  c.cpus = config.server_cpus;
  c.loop.socket = bench_socket_options(false);
  return c;
}

void run_ideal(const BenchConfig& config, BenchReport& report) {
  IdealResponder responder;
  if (auto ec = responder.start(coap::PeerAddress::loopback_v4(0), config.server_cpus.at(0))) {
    report.notes.push_back("ideal: cannot bind: " + ec.message());
    return;
  }
  LoadDriver driver(fleet_config(config, responder.address()), config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("ideal: cannot bind the fleet's socket: " + ec.message());
    return;
  }
  driver.fleet().assume_registered("ideal");
  transport::pin_this_thread(config.load_cpu);
  const double cpu_before = responder.cpu_seconds();
  const auto results = driver.run({timed("ideal", config.duration, config.rate, only(Op::Update))});
  const double cpu = responder.cpu_seconds() - cpu_before;
  responder.stop();
  if (results.empty()) return;
  Row row = row_of("ideal", results[0], Op::Update);
  row.server_us_per_op = per_op(cpu, results[0].stats.of(Op::Update).succeeded);
  report.ideal_rate = row.rate();
  note_failures(report, row);
  report.rows.push_back(std::move(row));
}

void note_failures(BenchReport& report, const Row& row) {
  if (row.failed + row.timed_out > 0)
    report.notes.push_back(row.name + ": " + std::to_string(row.failed) + " failed, " +
                           std::to_string(row.timed_out) + " timed out");
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

ServerProcess::ServerProcess(const std::function<multicore::ShardedServerConfig()>& make) {
  int to_parent[2], to_child[2];
  if (::pipe(to_parent) != 0) {
    error_ = "pipe failed";
    return;
  }
  if (::pipe(to_child) != 0) {
    ::close(to_parent[0]);
    ::close(to_parent[1]);
    error_ = "pipe failed";
    return;
  }
  child_ = ::fork();
  if (child_ < 0) {
    for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]}) ::close(fd);
    error_ = "fork failed";
    return;
  }
  if (child_ == 0) {
    ::close(to_parent[0]);
    ::close(to_child[1]);
    multicore::ShardedServer host(make());
    std::uint16_t port = 0;
    if (!host.start()) port = host.address().port;
    (void)!::write(to_parent[1], &port, sizeof port);
    char byte;
    while (::read(to_child[0], &byte, 1) > 0) {
    }  // until the parent closes its end (or dies)
    host.stop();
    ::_exit(0);
  }
  ::close(to_parent[1]);
  ::close(to_child[0]);
  to_child_ = to_child[1];
  // Bounded: a child stuck before it answers (a lock some other thread held at the fork) must
  // not hold the benchmark forever.
  pollfd ready{to_parent[0], POLLIN, 0};
  if (::poll(&ready, 1, 30000) != 1 || ::read(to_parent[0], &port_, sizeof port_) != sizeof port_ ||
      port_ == 0) {
    port_ = 0;
    error_ = "the server process did not start";
  }
  ::close(to_parent[0]);
}

ServerProcess::~ServerProcess() {
  if (child_ <= 0) return;
  ::close(to_child_);
  int status = 0;
  for (int waited = 0; waited < 100; ++waited) {  // 10 s for the server to stop
    if (::waitpid(child_, &status, WNOHANG) == child_) return;
    ::usleep(100000);
  }
  ::kill(child_, SIGKILL);
  ::waitpid(child_, &status, 0);
}

}  // namespace drover::loadgen::parts
