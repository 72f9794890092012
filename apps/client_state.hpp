// The accounts a `drover client` device may start with besides --server and --bootstrap: a
// factory file, and the state file it writes after each Bootstrap-Finish and reads back when it
// starts again. Both are Security (0), Server (1) and Access Control (2) instances as records,
// for client::Client::provision.
//
// A factory file is written by people: one bootstrap configuration in the bootstrap server's JSON
// (bootstrap/config.hpp: "servers" with their "security" and "server", "acls"), validated as the
// bootstrap server validates it. The state file is written by the device: the instances as they
// are, SenML JSON (every resource the bootstrap server wrote, unknown ones too), replaced whole
// (a temporary file renamed over it) and readable by the owner alone, as it holds secret keys.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::apps {

// The instances of a factory file; nullopt with the reason in `error`.
std::optional<std::vector<lwm2m::Record>> load_factory_file(const std::filesystem::path& file,
                                                            std::string& error);

// The instances of a state file; nullopt with the reason in `error`, or with `error` empty when
// there is no such file (a device that never bootstrapped).
std::optional<std::vector<lwm2m::Record>> load_state_file(const std::filesystem::path& file,
                                                          const lwm2m::ObjectRegistry& types,
                                                          std::string& error);
// Replaces the state file; false with the reason in `error`.
bool save_state_file(const std::filesystem::path& file, std::span<const lwm2m::Record> records,
                     std::string& error);

// The URI of the first LwM2M server the instances name, else the bootstrap server's (for the
// device's socket and its log); nullopt when there is none.
std::optional<std::string> first_server_uri(std::span<const lwm2m::Record> records,
                                            bool& is_bootstrap);

}  // namespace drover::apps
