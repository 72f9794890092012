// Where formatted lines go, besides spdlog's own sinks (a rotating file, syslog). The writer
// thread flushes a sink after each batch of lines, so that a burst costs a system call per
// buffer, not per line.
#pragma once

#include <spdlog/sinks/base_sink.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

namespace drover::log {

// A file descriptor (stderr), buffered up to 64 KiB between flushes.
class FdSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  ~FdSink() override { flush_(); }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

 private:
  int fd_;
  spdlog::memory_buf_t buffer_;
};

// Each line to a function (Config::output).
class FunctionSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit FunctionSink(std::function<void(std::string_view)> output)
      : output_(std::move(output)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::function<void(std::string_view)> output_;
};

}  // namespace drover::log
