#include "drover/loadgen/bootstrap_storm.hpp"

#include <boost/asio/io_context.hpp>
#include <thread>

#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "drover/transport/threads.hpp"
#include "scenario_parts.hpp"

namespace drover::loadgen {

using namespace parts;

namespace {

// The bootstrap server under test on its own thread, serving "*" only.
class BootstrapHost {
 public:
  explicit BootstrapHost(const BenchConfig& config)
      : core_(core_config(config), configs_), loop_(io_, core_, loop_config()) {
    (void)configs_.put(bootstrap::default_config_name, bench_bootstrap_config());
    // The events are the core's to give; the benchmark only counts (stats()).
    loop_.set_after_input([this] {
      bootstrap::BootstrapEvent event;
      while (core_.poll_event(event)) {
      }
    });
  }
  ~BootstrapHost() { stop(); }

  std::error_code start(int cpu) {
    if (auto ec = loop_.open(coap::PeerAddress::loopback_v4(0))) return ec;
    thread_ = std::thread([this, cpu] {
      transport::name_this_thread("bench-bs");
      transport::pin_this_thread(cpu);
      io_.run();
    });
    return {};
  }
  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
    loop_.close();
  }
  coap::PeerAddress address() const { return loop_.local_address(); }
  double cpu_seconds() { return transport::cpu_seconds(thread_); }
  // Read once stopped.
  const bootstrap::BootstrapStats& stats() const { return core_.stats(); }

 private:
  static bootstrap::BootstrapServerConfig core_config(const BenchConfig& config) {
    bootstrap::BootstrapServerConfig c;
    c.random_seed = 0xb0075;
    // Sized as the LwM2M server for as many devices: every device is a peer with recent
    // exchanges, and duplicate detection must not run dry at the storm's rate.
    c.engine = server::server_config_for(config.clients).engine;
    c.max_sessions = std::max(c.max_sessions, 2 * config.window);
    c.max_pending_events = std::max<std::size_t>(c.max_pending_events, 65536);
    return c;
  }
  static transport::DatagramLoopConfig loop_config() {
    transport::DatagramLoopConfig c;
    c.socket = bench_socket_options(false);
    return c;
  }

  boost::asio::io_context io_;
  bootstrap::BootstrapConfigs configs_;
  bootstrap::BootstrapServer core_;
  transport::DatagramLoop loop_;
  std::thread thread_;
};

// The row of a storm phase.
Row bootstrap_row(const std::string& name, const PhaseResult& r, double cpu_seconds,
                  BenchReport& report) {
  Row row = row_of(name, r, Op::Bootstrap);
  row.server_us_per_op = per_op(cpu_seconds, r.stats.of(Op::Bootstrap).succeeded);
  note_failures(report, row);
  return row;
}

// The TLV payloads of the config's two writes, for the ideal responder.
std::vector<std::vector<std::uint8_t>> write_payloads() {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& w : bootstrap::instance_writes(bench_bootstrap_config())) {
    std::vector<std::uint8_t> bytes;
    if (lwm2m::encode(lwm2m::ContentFormat::Tlv, w.records, w.path, bytes)) bytes.clear();
    out.push_back(std::move(bytes));
  }
  return out;
}

}  // namespace

bootstrap::BootstrapConfig bench_bootstrap_config() {
  bootstrap::BootstrapConfig c;
  bootstrap::ServerAccount account;
  account.security.uri = "coap://127.0.0.1:5683";
  account.security.mode = lwm2m::SecurityMode::NoSec;
  account.security.ssid = 1;
  bootstrap::ServerInstance server;
  server.ssid = 1;
  account.server = server;
  c.servers.push_back(std::move(account));
  return c;
}

BenchReport run_bootstrap_storm(const BenchConfig& config) {
  BenchReport report;
  transport::pin_this_thread(config.load_cpu);
  const Phase storm = timed("bootstrap", config.duration, config.rate, only(Op::Bootstrap));

  {
    const auto writes = write_payloads();
    if (writes.size() != 2) {
      report.notes.push_back("ideal: the configuration does not make two writes");
      return report;
    }
    IdealResponder responder;
    if (auto ec = responder.start_bootstrap(coap::PeerAddress::loopback_v4(0),
                                            config.server_cpus.at(0), writes[0], writes[1])) {
      report.notes.push_back("ideal: cannot start: " + ec.message());
      return report;
    }
    LoadDriver driver(fleet_config(config, responder.address()), config.window);
    if (auto ec = driver.open()) {
      report.notes.push_back("ideal: cannot bind the fleet's socket: " + ec.message());
      return report;
    }
    const double cpu_before = responder.cpu_seconds();
    const auto results = driver.run({storm});
    const double cpu = responder.cpu_seconds() - cpu_before;
    responder.stop();
    if (!results.empty()) {
      Row row = bootstrap_row("ideal/bs", results[0], cpu, report);
      report.ideal_rate = row.rate();
      report.rows.push_back(std::move(row));
    }
  }

  BootstrapHost host(config);
  if (auto ec = host.start(config.server_cpus.at(0))) {
    report.notes.push_back("bootstrap server: cannot bind: " + ec.message());
    return report;
  }
  LoadDriver driver(fleet_config(config, host.address()), config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("fleet: cannot bind: " + ec.message());
    return report;
  }
  const double cpu_before = host.cpu_seconds();
  const auto results = driver.run({storm});
  const double cpu = host.cpu_seconds() - cpu_before;
  host.stop();
  if (!results.empty()) {
    report.rows.push_back(bootstrap_row("bootstrap", results[0], cpu, report));
    report.notes.push_back("bootstrap: devices answered " +
                           std::to_string(results[0].stats.bootstrap_served) +
                           " Delete, Write and Finish requests");
  }
  const auto& s = host.stats();
  report.notes.push_back(
      "bootstrap server: " + std::to_string(s.requests) + " Bootstrap-Requests accepted, " +
      std::to_string(s.finished) + " finished, " + std::to_string(s.failed) + " failed, " +
      std::to_string(s.refused_busy + s.refused_unknown + s.refused_format) + " refused");
  return report;
}

}  // namespace drover::loadgen
