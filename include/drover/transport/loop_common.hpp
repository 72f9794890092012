// What the two drivers of a coap::DatagramCore share in their interface: the owner's hooks and the
// loop's counters. DatagramLoop runs on Boost.Asio (servers, programs with other I/O); PollLoop
// runs on poll(2) alone (a device's program, without Asio).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include "drover/coap/peer.hpp"

namespace drover::transport {

// Runs after every input batch and timer expiry, before transmits are drained: the owner drains
// the core's events and makes new calls, whose datagrams the drain that follows sends.
using AfterInput = std::function<void()>;
// Called for socket errors: `what` names the operation ("receive", "send", ...).
using ErrorHandler = std::function<void(std::string_view what, std::error_code error)>;
// Chooses the local source address of datagrams to `peer` (needs a wildcard-bound socket);
// nullopt leaves the choice to the kernel.
using SourceSelector =
    std::function<std::optional<coap::PeerAddress>(const coap::PeerAddress& peer)>;

struct LoopStats {
  std::uint64_t wakeups = 0;       // readiness notifications handled
  std::uint64_t timer_fires = 0;   // core.on_timer calls
  std::uint64_t send_blocked = 0;  // times the socket buffer was full (resumed when writable)
  std::uint64_t send_refused = 0;  // transmits the socket could not queue (e.g. family mismatch)
};

}  // namespace drover::transport
