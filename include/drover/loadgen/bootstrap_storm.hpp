// The bootstrap scenario of `drover bench`: a bootstrap storm. Every simulated device bootstraps
// (Op::Bootstrap: its Bootstrap-Request, then its answers to the bootstrap server's Delete of "/",
// Writes of /0/0 and /1/0 and Finish) and, once its Finish is answered, starts over, for the
// phase's duration, with at most `window` bootstraps under way. A bootstrap counts when its
// Finish is answered.
//
// The server under test is the bootstrap::BootstrapServer core on a transport::DatagramLoop, on a
// thread of its own (pinned to the first server CPU), serving the default "*" configuration of
// bench_bootstrap_config(). The same fleet first bootstraps against an IdealResponder playing the
// same four requests (start_bootstrap, with the same payloads), and the server's bootstraps per
// second are given as a ratio to it.
#pragma once

#include "drover/bootstrap/config.hpp"
#include "drover/loadgen/scenarios.hpp"

namespace drover::loadgen {

// One NoSec account: Security /0/0 and Server /1/0 (short server ID 1), the LwM2M server at
// coap://127.0.0.1:5683.
bootstrap::BootstrapConfig bench_bootstrap_config();

// Rows "ideal/bs" and "bootstrap": complete bootstraps; notes: failures, the server's counters.
BenchReport run_bootstrap_storm(const BenchConfig& config);

}  // namespace drover::loadgen
