#include "sinks.hpp"

#include <unistd.h>

#include <cerrno>

namespace drover::log {

namespace {
constexpr std::size_t flush_at = 64 * 1024;
}

void FdSink::sink_it_(const spdlog::details::log_msg& msg) {
  formatter_->format(msg, buffer_);
  if (buffer_.size() >= flush_at) flush_();
}

void FdSink::flush_() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to write (a closed stderr): the lines are lost, not retried
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void FunctionSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  output_(std::string_view(line.data(), line.size()));
}

}  // namespace drover::log
