// The process's log: a logger per component (its level), all writing through one queue and
// writer thread to the same sink.
#include "drover/log/log.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include "line_format.hpp"
#include "sinks.hpp"

namespace drover::log {

namespace {

spdlog::level::level_enum spdlog_level(Level level) {
  switch (level) {
    case Level::Trace:
      return spdlog::level::trace;
    case Level::Debug:
      return spdlog::level::debug;
    case Level::Info:
      return spdlog::level::info;
    case Level::Warn:
      return spdlog::level::warn;
    case Level::Error:
      return spdlog::level::err;
    case Level::Off:
      break;
  }
  return spdlog::level::off;
}

struct State {
  // Null: lines are written by the thread that logs them (the log before configure()).
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::array<std::shared_ptr<spdlog::logger>, component_count> loggers;
};

// Text on stderr at Info, written at once.
State initial_state() {
  auto sink = std::make_shared<IdleFlush>(std::make_shared<FdSink>(STDERR_FILENO), nullptr);
  sink->set_formatter(std::make_unique<LineFormatter>(Format::Text, true));
  State s;
  for (std::size_t i = 0; i < component_count; ++i) {
    s.loggers[i] =
        std::make_shared<spdlog::logger>(std::string(to_string(static_cast<Component>(i))), sink);
    s.loggers[i]->set_level(spdlog::level::info);
  }
  return s;
}

State& state() {
  static State s = initial_state();
  return s;
}

spdlog::sink_ptr make_sink(const Config& c) {
  if (c.output) return std::make_shared<FunctionSink>(c.output);
  if (c.syslog)
    return std::make_shared<spdlog::sinks::syslog_sink_mt>("drover", LOG_PID, LOG_USER, true);
  if (!c.file.empty())
    return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(c.file, c.file_size,
                                                                  c.file_count);
  return std::make_shared<FdSink>(STDERR_FILENO);
}

}  // namespace

std::optional<std::string> configure(const Config& config) {
  State next;
  spdlog::sink_ptr sink;
  try {
    sink = make_sink(config);
  } catch (const spdlog::spdlog_ex& e) {
    return std::string(e.what());
  }
  next.pool =
      std::make_shared<spdlog::details::thread_pool>(std::max<std::size_t>(config.queue, 1), 1, [] {
        pthread_setname_np(pthread_self(), "drover-log");
        // A line wakes the writer; SCHED_BATCH keeps that wake-up from preempting the thread
        // that logged on a shared CPU: the writer runs when that thread waits, a batch at a time.
        const sched_param none{};
        pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
      });
  auto flushing = std::make_shared<IdleFlush>(std::move(sink), next.pool.get());
  // syslog stamps lines itself.
  flushing->set_formatter(
      std::make_unique<LineFormatter>(config.format, config.output || !config.syslog));
  for (std::size_t i = 0; i < component_count; ++i) {
    const auto component = static_cast<Component>(i);
    next.loggers[i] = std::make_shared<spdlog::async_logger>(
        std::string(to_string(component)), flushing, next.pool,
        spdlog::async_overflow_policy::overrun_oldest);
    next.loggers[i]->set_level(spdlog_level(config.levels.of(component)));
  }
  // The previous log drains as `next` (now holding it) goes out of scope.
  std::swap(state(), next);
  return std::nullopt;
}

void shutdown() {
  State next = initial_state();
  std::swap(state(), next);
}

bool enabled(Component component, Level level) {
  return state().loggers[static_cast<std::size_t>(component)]->should_log(spdlog_level(level));
}

void write(Level level, Component component, Fields fields, std::string_view message) {
  spdlog::logger& logger = *state().loggers[static_cast<std::size_t>(component)];
  const auto l = spdlog_level(level);
  if (!logger.should_log(l)) return;
  // The endpoint rides in front of the message, its length as the line number (line_format.hpp).
  fmt::basic_memory_buffer<char, 512> payload;
  payload.append(fields.endpoint.data(), fields.endpoint.data() + fields.endpoint.size());
  payload.append(message.data(), message.data() + message.size());
  logger.log(spdlog::source_loc{"", static_cast<int>(fields.endpoint.size()), fields.event}, l,
             spdlog::string_view_t(payload.data(), payload.size()));
}

LogStats stats() {
  const auto& pool = state().pool;
  return {pool ? static_cast<std::uint64_t>(pool->overrun_counter()) : 0};
}

}  // namespace drover::log
