#include "line_format.hpp"

#include <chrono>
#include <ctime>

namespace drover::log {

namespace {

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

// Text from clients (endpoints, diagnostics) must not drive the terminal.
void append_printable(spdlog::memory_buf_t& dest, std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    dest.push_back(u < 0x20 || u == 0x7f ? '?' : c);
  }
}

// Length of the UTF-8 sequence at text[i], or 0 when it is not a valid one.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char b = byte(0);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    cp = b & 0x1Fu;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    cp = b & 0x0Fu;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    cp = b & 0x07u;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(k) & 0x3Fu);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// A JSON string: quotes, backslashes and control characters escaped, bytes that are not UTF-8
// written as U+FFFD, so that every line parses whatever a client sent.
void append_json_string(spdlog::memory_buf_t& dest, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  dest.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u == '"' || u == '\\') {
      dest.push_back('\\');
      dest.push_back(text[i++]);
    } else if (u < 0x20 || u == 0x7f) {
      const char escape[] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 0xF]};
      dest.append(std::begin(escape), std::end(escape));
      ++i;
    } else if (u < 0x80) {
      dest.push_back(text[i++]);
    } else if (const std::size_t n = utf8_length(text, i)) {
      append(dest, text.substr(i, n));
      i += n;
    } else {
      append(dest, "\\ufffd");
      ++i;
    }
  }
  dest.push_back('"');
}

}  // namespace

LineParts decode(const spdlog::details::log_msg& msg) {
  const std::string_view payload(msg.payload.data(), msg.payload.size());
  const auto endpoint_size =
      std::min(payload.size(), static_cast<std::size_t>(std::max(msg.source.line, 0)));
  return {msg.source.funcname ? std::string_view(msg.source.funcname) : std::string_view(),
          payload.substr(0, endpoint_size), payload.substr(endpoint_size)};
}

spdlog::details::log_msg encode(spdlog::log_clock::time_point time, std::string_view logger,
                                spdlog::level::level_enum level, const char* event,
                                std::size_t endpoint_size, std::string_view payload) {
  return spdlog::details::log_msg(time,
                                  spdlog::source_loc{"", static_cast<int>(endpoint_size), event},
                                  spdlog::string_view_t(logger.data(), logger.size()), level,
                                  spdlog::string_view_t(payload.data(), payload.size()));
}

void LineFormatter::stamp(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  using namespace std::chrono;
  const auto since_epoch = msg.time.time_since_epoch();
  const auto second = duration_cast<seconds>(since_epoch).count();
  if (second != cached_second_) {
    const std::time_t t = second;
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::strftime(cached_, sizeof cached_, "%Y-%m-%dT%H:%M:%S", &utc);
    cached_second_ = second;
  }
  const auto millis = duration_cast<milliseconds>(since_epoch).count() % 1000;
  const char fraction[] = {'.', static_cast<char>('0' + millis / 100),
                           static_cast<char>('0' + millis / 10 % 10),
                           static_cast<char>('0' + millis % 10), 'Z'};
  append(dest, cached_);
  dest.append(std::begin(fraction), std::end(fraction));
}

void LineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const LineParts parts = decode(msg);
  const std::string_view component(msg.logger_name.data(), msg.logger_name.size());
  const std::string_view level = level_name(msg.level);
  if (format_ == Format::Json) {
    append(dest, "{\"timestamp\":\"");
    stamp(msg, dest);
    append(dest, "\",\"level\":\"");
    append(dest, level);
    append(dest, "\",\"component\":\"");
    append(dest, component);
    append(dest, "\",\"endpoint\":");
    append_json_string(dest, parts.endpoint);
    append(dest, ",\"event\":");
    append_json_string(dest, parts.event);
    append(dest, ",\"message\":");
    append_json_string(dest, parts.message);
    append(dest, "}\n");
    return;
  }
  // "2026-01-31T12:00:00.123Z info  server    registered dev-1 at /rd/a0 ..."
  if (stamped_) {
    stamp(msg, dest);
    dest.push_back(' ');
  }
  append(dest, level);
  for (std::size_t pad = level.size(); pad < 6; ++pad) dest.push_back(' ');
  append(dest, component);
  for (std::size_t pad = component.size(); pad < 10; ++pad) dest.push_back(' ');
  append_printable(dest, parts.message);
  dest.push_back('\n');
}

}  // namespace drover::log
