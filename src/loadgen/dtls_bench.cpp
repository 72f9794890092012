#include "drover/loadgen/dtls_bench.hpp"

#include <unistd.h>

#include <ctime>
#include <memory>
#include <stdexcept>
#include <thread>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/pki.hpp"
#include "drover/dtls/security_store.hpp"
#include "drover/transport/threads.hpp"
#include "scenario_parts.hpp"

namespace drover::loadgen {

using namespace parts;

namespace {

// Only the two ends of the benchmark know it: nothing secret is protected by it.
const std::vector<std::uint8_t> kMaster(32, 0x5c);

time_t tomorrow() {
  return time(nullptr) + 86400;
}

// The X.509 side of the run: a CA, the server's certificate, and the one key every client's
// certificate carries (the server checks each chain and signature; a key per client would only
// cost the load generator a key generation per handshake).
struct BenchPki {
  dtls::CertificateAuthority ca = dtls::make_ca("drover bench CA");
  dtls::CertificateCredential server = dtls::make_certificate(ca, "drover-bench", tomorrow());
  std::string client_key = dtls::make_private_key();
};

// The DTLS servers in front of the shards' cores, and the store they ask, in the child process.
struct DtlsFronts {
  dtls::MemorySecurityStore store;
  std::vector<std::unique_ptr<dtls::DtlsServer>> servers;
};

multicore::ShardedServerConfig dtls_host_config(const BenchConfig& config,
                                                const dtls::CertificateCredential& certificate) {
  auto c = host_config(config, config.clients);
  auto fronts = std::make_shared<DtlsFronts>();
  fronts->store.derive_psks(kMaster, FleetConfig{}.endpoint_prefix);
  const std::size_t sessions = config.clients + 1024u;
  c.front = [fronts, sessions, certificate](unsigned, server::Server& core) -> coap::DatagramCore* {
    dtls::ServerCredentials credentials;
    credentials.store = &fronts->store;
    credentials.certificate = certificate;
    dtls::DtlsServerConfig dtls_config;
    dtls_config.max_sessions = sessions;
    fronts->servers.push_back(
        std::make_unique<dtls::DtlsServer>(core, std::move(credentials), dtls_config));
    return fronts->servers.back().get();
  };
  return c;
}

// A phase and the server process's CPU seconds over it; nullopt when it did not run.
std::optional<std::pair<PhaseResult, double>> measure(LoadDriver& driver, pid_t server,
                                                      const Phase& phase) {
  const double before = process_cpu_seconds(server);
  auto results = driver.run({phase});
  if (results.empty()) return std::nullopt;
  return std::pair{std::move(results[0]), process_cpu_seconds(server) - before};
}

// The row of a phase whose requests each follow a handshake: ops are the `handshakes` done
// within the measured interval (each one followed by its request), latency ClientHello to
// Finished, CPU the server's per handshake (the request behind it included).
void add_handshake_row(BenchReport& report, const std::string& name, const PhaseResult& r,
                       double cpu, Op op, std::uint64_t handshakes) {
  Row row = row_of(name, r, op);
  row.succeeded = std::min<std::uint64_t>(row.succeeded, handshakes);
  row.failed += r.secure.handshakes_failed;
  row.latency = r.secure.handshake_latency;
  row.server_us_per_op = per_op(cpu, handshakes);
  note_failures(report, row);
  report.rows.push_back(std::move(row));
  if (r.secure.dropped_busy > 0)
    report.notes.push_back(name + ": " + std::to_string(r.secure.dropped_busy) +
                           " datagrams waited for a handshake slot");
}

}  // namespace

DtlsBenchReport run_dtls_bench(const BenchConfig& config) {
  DtlsBenchReport out;
  BenchReport& report = out.bench;
  std::optional<BenchPki> pki;
  try {
    pki.emplace();
  } catch (const std::runtime_error& e) {
    report.notes.push_back(std::string("X.509: cannot make the certificates: ") + e.what());
    return out;
  }
  ServerProcess server([&] { return dtls_host_config(config, pki->server); });
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
  SecureLink& link = *driver.secure_link();
  link.keep_tickets(true);  // for psk-resumed
  transport::pin_this_thread(config.load_cpu);
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(500)); };
  settle();
  out.server_rss_idle = resident_bytes(server.pid());
  out.load_rss_idle = resident_bytes(::getpid());

  const auto full = measure(driver, server.pid(), register_all(config.registration_limit));
  if (!full) return out;
  add_handshake_row(report, "psk-handshake", full->first, full->second, Op::Register,
                    full->first.secure.handshakes_completed);

  settle();
  out.sessions = static_cast<std::uint32_t>(link.sessions());
  out.server_rss_sessions = resident_bytes(server.pid());
  out.load_rss_sessions = resident_bytes(::getpid());
  out.load_ticket_bytes = link.ticket_bytes();

  const auto updates = measure(driver, server.pid(),
                               timed("psk-update", config.duration, config.rate, only(Op::Update)));
  if (!updates) return out;
  Row update = row_of("psk-update", updates->first, Op::Update);
  update.server_us_per_op = per_op(updates->second, updates->first.stats.of(Op::Update).succeeded);
  note_failures(report, update);
  report.rows.push_back(std::move(update));

  // Devices that lost their session (a NAT binding, a reboot) come back with their tickets.
  link.drop_sessions();
  const auto resumed =
      measure(driver, server.pid(), every_client(Phase::Kind::UpdateAll, config.duration));
  if (!resumed) return out;
  const SecureStats& rs = resumed->first.secure;
  add_handshake_row(report, "psk-resumed", resumed->first, resumed->second, Op::Update,
                    rs.handshakes_resumed);
  if (rs.handshakes_completed > rs.handshakes_resumed)
    report.notes.push_back(
        "psk-resumed: " + std::to_string(rs.handshakes_completed - rs.handshakes_resumed) +
        " handshakes were full ones (the ticket was not taken)");

  // Every client de-registers over its session (resuming the ones psk-resumed did not reach),
  // then registers anew over X.509.
  driver.run({every_client(Phase::Kind::DeregisterAll, config.registration_limit)});
  link.keep_tickets(false);
  link.drop_sessions();
  link.use_certificates([&](std::uint32_t client) {
    return dtls::make_certificate(pki->ca, driver.fleet().endpoint_of(client), tomorrow(),
                                  pki->client_key);
  });
  const auto x509 = measure(driver, server.pid(), register_all(config.duration));
  if (!x509) return out;
  add_handshake_row(report, "x509-handshake", x509->first, x509->second, Op::Register,
                    x509->first.secure.handshakes_completed);

  report.notes.push_back(
      "handshake rows: CPU of the whole server process per handshake, the request behind it "
      "included; the suites are the ones GnuTLS 3.7 picks first from the default priorities: "
      "ECDHE-PSK with ChaCha20-Poly1305, ECDHE-ECDSA (P-256, both ways) with AES-256-GCM; "
      "x509-handshake clients sign their certificate as their handshake starts");
  return out;
}

}  // namespace drover::loadgen
