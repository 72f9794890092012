// The log options every drover command takes: --log-level, --log-format, --log-file (with
// --log-file-size and --log-file-count) and --log-syslog. They configure the process's log
// (drover/log/log.hpp) once the command line is parsed, before the command runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace drover::apps {

// `default_levels`: what --log-level is when not given ("info", or "info,server=debug" for the
// demo, which shows everything its few devices do).
void add_log_options(CLI::App& command, const std::string& default_levels = "info");

}  // namespace drover::apps
