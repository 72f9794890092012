// The log of every drover program: levels per component, lines written by a thread of their own
// from a bounded queue, as text or JSON lines, to stderr, a rotating file, syslog or a function.
//
// A line is a component (who logs), a level, an event name and an endpoint (fields for machines:
// JSON keys, empty when the line has none) and a message that reads on its own. Writing a line
// costs the caller a level check and a copy into the queue; formatting and output happen on the
// writer thread, a batch at a time. When the queue is full a new line is dropped and counted
// (stats()): the protocol path never waits for the log. The sans-I/O cores do not log;
// their events are logged by the programs that drive them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "drover/util/log_stats.hpp"

namespace drover::log {

enum class Level : std::uint8_t { Trace, Debug, Info, Warn, Error, Off };

enum class Component : std::uint8_t { Server, Coap, Http, Client, Bootstrap, Store, Dtls, Bench };
inline constexpr std::size_t component_count = 8;
std::string_view to_string(Component);

// A level for every component: a default, and some components set apart.
struct Levels {
  Level all = Level::Info;
  std::array<std::optional<Level>, component_count> components{};

  Level of(Component c) const {
    const auto& own = components[static_cast<std::size_t>(c)];
    return own ? *own : all;
  }
};
// "debug", "coap=debug,http=info", "warn,server=debug" (a bare level is the default; later
// entries win). nullopt with `error` saying what is wrong.
std::optional<Levels> parse_levels(std::string_view text, std::string& error);

enum class Format : std::uint8_t { Text, Json };

struct Config {
  Levels levels;
  Format format = Format::Text;
  // Where lines go: `output` when set (each line with its newline), else syslog when `syslog`,
  // else `file` when not empty (rotated at `file_size` bytes, `file_count` older files kept as
  // PATH.1 ... beside it: name.1.log for name.log), else stderr.
  std::function<void(std::string_view line)> output;
  bool syslog = false;
  std::string file;
  std::size_t file_size = 10 * 1024 * 1024;
  std::size_t file_count = 5;
  // Lines waiting for the writer at most (and 256 bytes a line on average); past it new lines
  // are dropped and counted.
  std::size_t queue = 8192;
};

// Replaces the process's log (what was queued is written first); nullopt on success, else why
// not (a file that cannot be opened), the earlier log staying. Until the first call, lines go
// to stderr as text at Info, written at once. Call it before starting threads that log.
std::optional<std::string> configure(const Config& config);
// Writes what is queued and returns to the initial log (before exit, after the threads that log
// have stopped).
void shutdown();

// Whether a line of `level` from `component` would be written: check it before building a
// costly message.
bool enabled(Component component, Level level);

// The machine-readable fields of a line. `event` must be a string literal (it is kept as a
// pointer until the line is written).
struct Fields {
  const char* event = "";
  std::string_view endpoint = {};
};

void write(Level level, Component component, Fields fields, std::string_view message);

inline void trace(Component c, Fields f, std::string_view message) {
  write(Level::Trace, c, f, message);
}
inline void debug(Component c, Fields f, std::string_view message) {
  write(Level::Debug, c, f, message);
}
inline void info(Component c, Fields f, std::string_view message) {
  write(Level::Info, c, f, message);
}
inline void warn(Component c, Fields f, std::string_view message) {
  write(Level::Warn, c, f, message);
}
inline void error(Component c, Fields f, std::string_view message) {
  write(Level::Error, c, f, message);
}

// Lines dropped because the queue was full, since the last configure().
LogStats stats();

}  // namespace drover::log
