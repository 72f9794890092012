#include "log_options.hpp"

#include <memory>

#include "drover/log/log.hpp"

namespace drover::apps {

void add_log_options(CLI::App& command, const std::string& default_levels) {
  struct Options {
    std::string levels;
    std::string format = "text";
    log::Config config;
  };
  auto o = std::make_shared<Options>();
  o->levels = default_levels;
  command
      .add_option("--log-level", o->levels,
                  "Log level, for all components or some: LEVEL or COMPONENT=LEVEL, comma "
                  "separated (levels: trace, debug, info, warn, error, off; components: server, "
                  "coap, http, client, bootstrap, store, dtls, bench). info: start, stop and the "
                  "registration lifecycle; debug: every Update, notification and Send; trace: "
                  "CoAP messages")
      ->capture_default_str();
  command
      .add_option("--log-format", o->format,
                  "text, or json: one object per line with timestamp, level, component, "
                  "endpoint, event and message")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  auto* file = command.add_option("--log-file", o->config.file,
                                  "Write the log to this file instead of stderr, rotated at "
                                  "--log-file-size (PATH.1 ... are the older ones)");
  command
      .add_option("--log-file-size", o->config.file_size,
                  "Bytes of a log file before it is rotated (suffixes k, M, G)")
      ->capture_default_str()
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 40));
  command.add_option("--log-file-count", o->config.file_count, "Rotated log files kept")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  command
      .add_flag("--log-syslog", o->config.syslog,
                "Write the log to syslog (and so to journald) instead of stderr")
      ->excludes(file);
  command.parse_complete_callback([o] {
    std::string error;
    auto levels = log::parse_levels(o->levels, error);
    if (!levels) throw CLI::ValidationError("--log-level", error);
    o->config.levels = *levels;
    o->config.format = o->format == "json" ? log::Format::Json : log::Format::Text;
    if (auto why = log::configure(o->config)) throw CLI::ValidationError("--log-file", *why);
  });
}

}  // namespace drover::apps
