// The process's log: a level per component, and lines handed to one sink, through a LineQueue
// and its writer thread once configured.
#include "drover/log/log.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/syslog_sink.h>
#include <syslog.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "line_format.hpp"
#include "line_queue.hpp"
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
  spdlog::sink_ptr sink;
  // Null: lines are written by the thread that logs them (the log before configure()).
  std::unique_ptr<LineQueue> queue;
};

// Text on stderr at Info, written at once.
std::unique_ptr<State> initial_state() {
  auto s = std::make_unique<State>();
  s->sink = std::make_shared<FdSink>(STDERR_FILENO);
  s->sink->set_formatter(std::make_unique<LineFormatter>(Format::Text, true));
  return s;
}

std::unique_ptr<State>& state() {
  static std::unique_ptr<State> s = initial_state();
  return s;
}

// What enabled() reads: the state's levels, atomically so that configure() may race a check.
std::array<std::atomic<Level>, component_count>& levels() {
  static_assert(component_count == 8);
  static std::array<std::atomic<Level>, component_count> l{Level::Info, Level::Info, Level::Info,
                                                           Level::Info, Level::Info, Level::Info,
                                                           Level::Info, Level::Info};
  return l;
}

std::mutex& synchronous_mutex() {
  static std::mutex m;
  return m;
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

void install(std::unique_ptr<State> next, const Levels& with) {
  for (std::size_t i = 0; i < component_count; ++i)
    levels()[i].store(with.of(static_cast<Component>(i)), std::memory_order_relaxed);
  // The previous log drains as it goes out of scope.
  std::swap(state(), next);
}

}  // namespace

std::optional<std::string> configure(const Config& config) {
  auto next = std::make_unique<State>();
  try {
    next->sink = make_sink(config);
  } catch (const spdlog::spdlog_ex& e) {
    return std::string(e.what());
  }
  // syslog stamps lines itself.
  next->sink->set_formatter(
      std::make_unique<LineFormatter>(config.format, config.output || !config.syslog));
  const std::size_t lines = std::max<std::size_t>(config.queue, 1);
  spdlog::sinks::sink& sink = *next->sink;
  next->queue = std::make_unique<LineQueue>(
      LineQueueLimits{.lines = lines, .bytes = lines * 256},
      [&sink](const spdlog::details::log_msg& msg) { sink.log(msg); }, [&sink] { sink.flush(); },
      [] {
        pthread_setname_np(pthread_self(), "drover-log");
        // A line wakes the writer; SCHED_BATCH keeps that wake-up from preempting the thread
        // that logged on a shared CPU: the writer runs when that thread waits, a batch at a time.
        const sched_param none{};
        pthread_setschedparam(pthread_self(), SCHED_BATCH, &none);
      });
  install(std::move(next), config.levels);
  return std::nullopt;
}

void shutdown() {
  install(initial_state(), Levels{});
}

bool enabled(Component component, Level level) {
  return level >= levels()[static_cast<std::size_t>(component)].load(std::memory_order_relaxed) &&
         level != Level::Off;
}

void write(Level level, Component component, Fields fields, std::string_view message) {
  if (!enabled(component, level)) return;
  State& s = *state();
  const std::string_view name = to_string(component);
  if (s.queue) {
    s.queue->push(spdlog_level(level), name, fields.event, fields.endpoint, message);
    return;
  }
  fmt::basic_memory_buffer<char, 512> payload;
  payload.append(fields.endpoint.data(), fields.endpoint.data() + fields.endpoint.size());
  payload.append(message.data(), message.data() + message.size());
  std::lock_guard lock(synchronous_mutex());
  s.sink->log(encode(spdlog::log_clock::now(), name, spdlog_level(level), fields.event,
                     fields.endpoint.size(), std::string_view(payload.data(), payload.size())));
  s.sink->flush();
}

LogStats stats() {
  const auto& queue = state()->queue;
  return {queue ? queue->dropped() : 0};
}

}  // namespace drover::log
