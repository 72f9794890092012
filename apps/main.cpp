#include "command.hpp"
#include "drover/log/log.hpp"

namespace drover::apps {
std::vector<CommandSetup>& command_registry() {
  static std::vector<CommandSetup> registry;
  return registry;
}
}  // namespace drover::apps

int main(int argc, char** argv) {
  CLI::App app{"Drover: an OMA LwM2M client, server and bootstrap server"};
  app.require_subcommand(1);
  int exit_code = 0;
  for (auto& setup : drover::apps::command_registry()) setup(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  drover::log::shutdown();  // writes what is queued
  return exit_code;
}
