// The command-line flags of a server's DTLS credentials, which `drover server` and `drover
// bootstrap-server` share: the clients' (--psk-file, --psk-master, --rpk-client) and its own
// (--cert/--key/--ca, --rpk-key). Each command adds its own --coaps-port and --coaps.
#pragma once

#include <CLI/CLI.hpp>

#include "security_options.hpp"

namespace drover::apps {

void add_server_security_flags(CLI::App& command, ServerSecurityOptions& options);

}  // namespace drover::apps
