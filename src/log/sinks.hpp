// Where formatted lines go. The writer thread writes lines as they come off the queue; the sinks
// gather them and write when the queue runs dry (IdleFlush), so that a burst costs a system call
// per buffer, not per line, and a quiet log is still written at once.
#pragma once

#include <spdlog/async_logger.h>  // before thread_pool.h, which needs its overflow policy
#include <spdlog/details/thread_pool.h>
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

// Flushes `inner` after a line when nothing more is queued for the writer (`pool` null: after
// every line, the synchronous log). The pool outlives the sink's use: it drains before it goes.
class IdleFlush final : public spdlog::sinks::sink {
 public:
  IdleFlush(spdlog::sink_ptr inner, spdlog::details::thread_pool* pool)
      : inner_(std::move(inner)), pool_(pool) {}
  void log(const spdlog::details::log_msg& msg) override {
    inner_->log(msg);
    if (!pool_ || pool_->queue_size() == 0) inner_->flush();
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string&) override {}  // lines are ours (LineFormatter)
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  spdlog::sink_ptr inner_;
  spdlog::details::thread_pool* pool_;
};

}  // namespace drover::log
