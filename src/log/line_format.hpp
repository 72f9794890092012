// How a line looks: text for people, or a JSON object per line for log shippers, formatted on
// the writer thread. spdlog 1.10 has no structured fields, so write() carries them in the line's
// source location (see encode()): the event as its function name, the endpoint's length as its
// line number, the endpoint at the front of the payload.
#pragma once

#include <spdlog/formatter.h>

#include <cstdint>
#include <string_view>

#include "drover/log/log.hpp"

namespace drover::log {

struct LineParts {
  std::string_view event;
  std::string_view endpoint;
  std::string_view message;
};
LineParts decode(const spdlog::details::log_msg& msg);
// The line the sinks take: `payload` is the endpoint (its first `endpoint_size` bytes) followed
// by the message; `event` a string literal.
spdlog::details::log_msg encode(spdlog::log_clock::time_point time, std::string_view logger,
                                spdlog::level::level_enum level, const char* event,
                                std::size_t endpoint_size, std::string_view payload);

class LineFormatter final : public spdlog::formatter {
 public:
  // `stamped`: whether the line starts with its time (syslog adds its own).
  LineFormatter(Format format, bool stamped) : format_(format), stamped_(stamped) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_, stamped_);
  }

 private:
  void stamp(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest);

  Format format_;
  bool stamped_;
  // The stamp up to the seconds, "2026-01-31T12:00:00", made once a second.
  std::int64_t cached_second_ = -1;
  char cached_[24] = {};
};

}  // namespace drover::log
