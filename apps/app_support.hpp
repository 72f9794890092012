// Small helpers shared by the drover subcommands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "drover/coap/peer.hpp"

namespace drover::apps {

// A local address to bind: "0.0.0.0", "127.0.0.1", "::", "::1" or "[::1]", plus a port.
std::optional<coap::PeerAddress> bind_address(std::string text, std::uint16_t port);

// 64 bits from the OS for the protocol cores' generators (tokens, locations must be unguessable).
std::uint64_t os_random_seed();

// The process's open-file limit (RLIMIT_NOFILE) after raising the soft limit to the hard one.
struct OpenFileLimit {
  std::uint64_t soft = 0;  // what the process may open now
  std::uint64_t hard = 0;
};
OpenFileLimit raise_open_file_limit();

}  // namespace drover::apps
