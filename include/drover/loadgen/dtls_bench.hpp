// `drover bench dtls`: DTLS 1.2 PSK against the server in a child process (the DTLS server in
// front of each shard's server core, keys derived from a master as `--psk-master` does), beside
// the ideal responder's NoSec Updates in the same run:
//   ideal          NoSec Updates answered by IdealResponder (the ratios' base)
//   psk-handshake  every client's full PSK handshake (with the cookie exchange) and its Register
//                  behind it; ops are handshakes, latency ClientHello to Finished
//   psk-update     registration Updates over the sessions
// and the server's RSS before and with every session established (and registered), per session.
// X.509 and resumed handshakes are not measured yet.
#pragma once

#include <cstdint>

#include "drover/loadgen/scenarios.hpp"

namespace drover::loadgen {

struct DtlsBenchReport {
  BenchReport bench;
  std::uint32_t sessions = 0;  // established at the RSS reading, server side
  std::uint64_t server_rss_idle = 0, server_rss_sessions = 0;
  std::uint64_t load_rss_idle = 0, load_rss_sessions = 0;  // the load generator's own
};

// Forks the server first: call it before anything starts threads.
DtlsBenchReport run_dtls_bench(const BenchConfig& config);

}  // namespace drover::loadgen
