// Subcommand registry of the drover program: each cmd_<name>.cpp registers itself at start-up.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace drover::apps {

// Adds a subcommand to `app`; the callback set on the subcommand runs it and returns its exit code
// through `exit_code`.
using CommandSetup = std::function<void(CLI::App& app, int& exit_code)>;

std::vector<CommandSetup>& command_registry();

struct RegisterCommand {
  explicit RegisterCommand(CommandSetup setup) { command_registry().push_back(std::move(setup)); }
};

}  // namespace drover::apps
