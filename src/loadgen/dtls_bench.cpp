#include "drover/loadgen/dtls_bench.hpp"

#include <unistd.h>

#include <memory>
#include <thread>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/security_store.hpp"
#include "drover/transport/threads.hpp"
#include "scenario_parts.hpp"

namespace drover::loadgen {

using namespace parts;

namespace {

// Only the two ends of the benchmark know it: nothing secret is protected by it.
const std::vector<std::uint8_t> kMaster(32, 0x5c);

// The DTLS servers in front of the shards' cores, and the store they ask, in the child process.
struct DtlsFronts {
  dtls::MemorySecurityStore store;
  std::vector<std::unique_ptr<dtls::DtlsServer>> servers;
};

multicore::ShardedServerConfig dtls_host_config(const BenchConfig& config) {
  auto c = host_config(config, config.clients);
  auto fronts = std::make_shared<DtlsFronts>();
  fronts->store.derive_psks(kMaster, FleetConfig{}.endpoint_prefix);
  const std::size_t sessions = config.clients + 1024u;
  c.front = [fronts, sessions](unsigned, server::Server& core) -> coap::DatagramCore* {
    dtls::ServerCredentials credentials;
    credentials.store = &fronts->store;
    dtls::DtlsServerConfig dtls_config;
    dtls_config.max_sessions = sessions;
    fronts->servers.push_back(
        std::make_unique<dtls::DtlsServer>(core, std::move(credentials), dtls_config));
    return fronts->servers.back().get();
  };
  return c;
}

}  // namespace

DtlsBenchReport run_dtls_bench(const BenchConfig& config) {
  DtlsBenchReport out;
  BenchReport& report = out.bench;
  ServerProcess server([&] { return dtls_host_config(config); });
  if (server.port() == 0) {
    report.notes.push_back(server.error());
    return out;
  }
  run_ideal(config, report);

  LoadDriver driver(fleet_config(config, coap::PeerAddress::loopback_v4(server.port())),
                    config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("fleet: cannot bind: " + ec.message());
    return out;
  }
  driver.secure({kMaster, std::max<std::size_t>(config.window, 1), {}});
  transport::pin_this_thread(config.load_cpu);
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(500)); };
  settle();
  out.server_rss_idle = resident_bytes(server.pid());
  out.load_rss_idle = resident_bytes(::getpid());

  const double cpu_before = process_cpu_seconds(server.pid());
  const auto handshakes = driver.run({register_all(config.registration_limit, config.clients)});
  const double cpu_handshakes = process_cpu_seconds(server.pid()) - cpu_before;
  if (handshakes.empty()) return out;
  const auto& h = handshakes[0];
  Row row = row_of("psk-handshake", h, Op::Register);
  // Handshakes done within the measured interval: every one is followed by its Register.
  row.succeeded = std::min<std::uint64_t>(row.succeeded, h.secure.handshakes_completed);
  row.failed += h.secure.handshakes_failed;
  row.latency = h.secure.handshake_latency;
  row.server_us_per_op = per_op(cpu_handshakes, h.secure.handshakes_completed);
  note_failures(report, row);
  report.rows.push_back(std::move(row));
  if (h.secure.dropped_busy > 0)
    report.notes.push_back("psk-handshake: " + std::to_string(h.secure.dropped_busy) +
                           " datagrams waited for a handshake slot");

  settle();
  out.sessions = static_cast<std::uint32_t>(driver.secure_link()->sessions());
  out.server_rss_sessions = resident_bytes(server.pid());
  out.load_rss_sessions = resident_bytes(::getpid());

  const double cpu_update_before = process_cpu_seconds(server.pid());
  const auto updates =
      driver.run({timed("psk-update", config.duration, config.rate, only(Op::Update))});
  const double cpu_updates = process_cpu_seconds(server.pid()) - cpu_update_before;
  if (!updates.empty()) {
    Row update = row_of("psk-update", updates[0], Op::Update);
    update.server_us_per_op = per_op(cpu_updates, updates[0].stats.of(Op::Update).succeeded);
    note_failures(report, update);
    report.rows.push_back(std::move(update));
  }
  report.notes.push_back(
      "psk-handshake and psk-update: CPU of the whole server process; the suite is the one "
      "GnuTLS picks first for PSK from the default priorities (ChaCha20-Poly1305 with GnuTLS "
      "3.7)");
  return out;
}

}  // namespace drover::loadgen
