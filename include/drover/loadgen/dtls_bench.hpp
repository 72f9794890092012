// `drover bench dtls`: DTLS 1.2 against the server in a child process (the DTLS server in front of
// each shard's server core, with PSKs derived from a master as `--psk-master` does, and an X.509
// certificate of a CA made at start-up), beside the ideal responder's NoSec Updates in the same
// run:
//   ideal           NoSec Updates answered by IdealResponder (the ratios' base)
//   psk-handshake   every client's full PSK handshake (with the cookie exchange) and its Register
//                   behind it; ops are handshakes, latency ClientHello to Finished
//   psk-update      registration Updates over the sessions
//   psk-resumed     every client drops its session and resumes it with the server's ticket (an
//                   abbreviated handshake, with the cookie exchange), an Update behind it; ops are
//                   resumed handshakes; at most --duration
//   x509-handshake  after every client de-registered: full ECDHE-ECDSA handshakes with a
//                   certificate per client (its endpoint as common name, made when its handshake
//                   starts), each followed by its Register; at most --duration
// and the server's RSS before and with every session established (and registered), per session.
#pragma once

#include <cstdint>

#include "drover/loadgen/scenarios.hpp"

namespace drover::loadgen {

struct DtlsBenchReport {
  BenchReport bench;
  std::uint32_t sessions = 0;  // established at the RSS reading, server side
  std::uint64_t server_rss_idle = 0, server_rss_sessions = 0;
  std::uint64_t load_rss_idle = 0, load_rss_sessions = 0;  // the load generator's own
  std::uint64_t load_ticket_bytes = 0;  // of the load generator's growth: the tickets kept
};

// Forks the server first: call it before anything starts threads.
DtlsBenchReport run_dtls_bench(const BenchConfig& config);

}  // namespace drover::loadgen
