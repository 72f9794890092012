// `drover bench`: the load generator. Simulated LwM2M clients (one socket for all of them, each
// with its own 127.x.y.z address) load an in-process server on loopback; every scenario prints its
// throughput, latency percentiles, failures and timeouts, and its ratio to the ideal responder
// measured in the same run. `drover bench memory` reports the server's RSS per registered client,
// `drover bench firmware` the blocks per second of devices pulling an image over CoAP Block2,
// `drover bench bootstrap` the complete bootstraps per second of a bootstrap storm, `drover bench
// dtls` full PSK, resumed and X.509 handshakes, Updates over DTLS and the server's bytes per
// session.
#include <bit>
#include <cstdio>
#include <string>
#include <vector>

#include "command.hpp"
#include "drover/loadgen/bootstrap_storm.hpp"
#include "drover/loadgen/dtls_bench.hpp"
#include "drover/loadgen/image_pull.hpp"
#include "drover/loadgen/scenarios.hpp"
#include "drover/log/log.hpp"
#include "log_options.hpp"

namespace drover::apps {
namespace {

using loadgen::BenchConfig;
using loadgen::Scenario;

std::string micros(std::uint64_t ns) {
  char text[32];
  if (ns >= 10000000)
    std::snprintf(text, sizeof text, "%.0f ms", static_cast<double>(ns) / 1e6);
  else if (ns >= 1000000)
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(text, sizeof text, "%.0f us", static_cast<double>(ns) / 1e3);
  return text;
}

void print_report(const loadgen::BenchReport& report, const BenchConfig& c) {
  std::string cpus;
  for (int cpu : c.server_cpus) cpus += (cpus.empty() ? "" : ",") + std::to_string(cpu);
  std::printf(
      "drover bench: %u clients, window %zu, %.1f s per phase, %u server shard(s) on CPU %s, load "
      "on CPU %d\n",
      c.clients, c.window, c.duration, c.shards, cpus.c_str(), c.load_cpu);
  std::printf("%-14s %10s %8s %10s %7s %9s %9s %9s %8s %8s %10s\n", "scenario", "ops", "seconds",
              "ops/s", "ratio", "p50", "p99", "p99.9", "failed", "timeouts", "cpu us/op");
  for (const auto& r : report.rows) {
    char ratio[16] = "-";
    if (report.ideal_rate && *report.ideal_rate > 0)
      std::snprintf(ratio, sizeof ratio, "%.2f", r.rate() / *report.ideal_rate);
    // NON notifications get no answer: no latency.
    const auto latency = [&](double q) {
      return r.latency.count() == 0 ? std::string("-") : micros(r.latency.quantile(q));
    };
    std::printf("%-14s %10llu %8.2f %10.0f %7s %9s %9s %9s %8llu %8llu %10.2f\n", r.name.c_str(),
                static_cast<unsigned long long>(r.succeeded), r.seconds, r.rate(), ratio,
                latency(0.5).c_str(), latency(0.99).c_str(), latency(0.999).c_str(),
                static_cast<unsigned long long>(r.failed),
                static_cast<unsigned long long>(r.timed_out), r.server_us_per_op);
  }
  std::printf(
      "cpu us/op: CPU time of the server's threads (of the ideal responder's for ideal) per "
      "operation\n");
  for (const auto& n : report.notes) std::printf("note: %s\n", n.c_str());
  std::fflush(stdout);
}

void print_memory(const loadgen::MemoryReport& report) {
  std::printf("%12s %12s %14s %16s\n", "clients", "registered", "server RSS", "bytes/client");
  const std::uint64_t base = report.steps.empty() ? 0 : report.steps[0].rss_bytes;
  for (const auto& s : report.steps) {
    char per[32] = "-";
    if (s.clients > 0 && s.rss_bytes >= base)
      std::snprintf(per, sizeof per, "%.0f", static_cast<double>(s.rss_bytes - base) / s.clients);
    std::printf("%12u %12llu %11.1f MiB %16s\n", s.clients,
                static_cast<unsigned long long>(s.registered),
                static_cast<double>(s.rss_bytes) / (1024.0 * 1024.0), per);
  }
  for (const auto& n : report.notes) std::printf("note: %s\n", n.c_str());
  std::fflush(stdout);
}

const RegisterCommand registered([](CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Load generator: simulated clients against an in-process server on loopback. Scenarios: "
      "ideal register update read notify send mixed (several, or 'all'), or 'memory', "
      "'firmware', 'bootstrap' or 'dtls'");
  struct Options {
    std::vector<std::string> scenarios{"all"};
    BenchConfig config;
    std::vector<std::uint32_t> memory_steps{100000, 1000000};
    loadgen::ImagePullConfig pull;
    unsigned block_size = 1024;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("scenario", o->scenarios,
                  "ideal, register, update, read, notify, send, mixed, all, memory, firmware, "
                  "bootstrap, or dtls")
      ->capture_default_str();
  cmd->add_option("--clients", o->config.clients, "simulated clients (each its own address)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4000000u));
  cmd->add_option("--window", o->config.window, "requests in flight at most")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{65536}));
  cmd->add_option("--duration", o->config.duration, "seconds per measured phase")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--rate", o->config.rate, "cap on requests per second (0: none)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--load-factor", o->config.load_factor,
                  "update: the second phase's rate as a fraction of the first's")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_option("--shards", o->config.shards, "server event loops, one thread each")
      ->capture_default_str()
      ->check(CLI::Range(1u, 26u));
  cmd->add_option("--server-cpus", o->config.server_cpus,
                  "CPUs of the server shards, in turn (-1: any)")
      ->capture_default_str();
  cmd->add_option("--load-cpu", o->config.load_cpu, "CPU for the load generator (-1: any)")
      ->capture_default_str();
  cmd->add_option("--memory-steps", o->memory_steps, "memory: registered clients at each reading")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4000000u));
  cmd->add_option("--image-size", o->pull.image_size, "firmware: bytes of the image pulled")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{64} * 1024 * 1024));
  cmd->add_option("--block-size", o->block_size, "firmware: Block2 block size asked (16 .. 1024)")
      ->capture_default_str()
      ->check(CLI::IsMember({16u, 32u, 64u, 128u, 256u, 512u, 1024u}));
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] {
    const bool forks =
        o->scenarios.size() == 1 &&
        (o->scenarios[0] == "memory" || o->scenarios[0] == "firmware" || o->scenarios[0] == "dtls");
    // These fork the server before any thread starts: the log's writer thread is stopped first
    // (a lock it held at the fork would stay held in the child); lines are written at once.
    if (forks) log::shutdown();
    if (o->scenarios.size() == 1 && o->scenarios[0] == "memory") {
      print_memory(loadgen::run_memory(o->memory_steps, o->config));
      return;
    }
    if (o->scenarios.size() == 1 && o->scenarios[0] == "firmware") {
      o->pull.block_szx = static_cast<std::uint8_t>(std::countr_zero(o->block_size) - 4);
      const auto report = loadgen::run_image_pull(o->config, o->pull);
      std::printf("firmware: a %zu-byte image in %u-byte blocks; ops are blocks\n",
                  o->pull.image_size, o->block_size);
      print_report(report.bench, o->config);
      if (report.bench.rows.size() < 2) exit_code = 1;
      return;
    }
    if (o->scenarios.size() == 1 && o->scenarios[0] == "dtls") {
      const auto report = loadgen::run_dtls_bench(o->config);
      std::printf(
          "dtls: DTLS 1.2; psk-handshake and x509-handshake ops are full handshakes, psk-resumed "
          "ops abbreviated ones (session tickets), all with the cookie exchange\n");
      print_report(report.bench, o->config);
      const auto per = [&](std::uint64_t idle, std::uint64_t with) {
        return report.sessions == 0 || with < idle
                   ? 0.0
                   : static_cast<double>(with - idle) / report.sessions;
      };
      std::printf(
          "dtls memory: %u sessions; server RSS %.1f MiB idle, %.1f MiB with them: %.0f bytes per "
          "session (its registration included); load generator %.0f bytes per client (%.0f of "
          "them the session ticket kept for psk-resumed)\n",
          report.sessions, static_cast<double>(report.server_rss_idle) / (1024.0 * 1024.0),
          static_cast<double>(report.server_rss_sessions) / (1024.0 * 1024.0),
          per(report.server_rss_idle, report.server_rss_sessions),
          per(report.load_rss_idle, report.load_rss_sessions), per(0, report.load_ticket_bytes));
      if (report.bench.rows.size() < 5) exit_code = 1;
      return;
    }
    if (o->scenarios.size() == 1 && o->scenarios[0] == "bootstrap") {
      const auto report = loadgen::run_bootstrap_storm(o->config);
      std::printf("bootstrap: ops are complete bootstraps (Request, Delete, 2 Writes, Finish)\n");
      print_report(report, o->config);
      if (report.rows.size() < 2) exit_code = 1;
      return;
    }
    std::vector<Scenario> list;
    for (const auto& name : o->scenarios) {
      if (name == "all") {
        list.assign(std::begin(loadgen::all_scenarios), std::end(loadgen::all_scenarios));
      } else if (auto s = loadgen::scenario_from_string(name)) {
        list.push_back(*s);
      } else {
        log::error(log::Component::Bench, {"config_error"}, "unknown scenario '" + name + "'");
        exit_code = 2;
        return;
      }
    }
    const auto report = loadgen::run_bench(list, o->config);
    print_report(report, o->config);
    if (report.rows.empty()) exit_code = 1;
  });
});

}  // namespace
}  // namespace drover::apps
