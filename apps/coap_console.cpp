#include "coap_console.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace drover::apps {

std::string clock_stamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm local{};
  localtime_r(&secs, &local);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                local.tm_sec, static_cast<int>(millis));
  return stamp;
}

void log_line(std::string_view who, std::string_view text) {
  std::cerr << '[' << clock_stamp() << "] " << who << ": " << text << '\n' << std::flush;
}

std::string code_name(coap::Code code) {
  std::string_view name;
  switch (code.value) {
    case coap::codes::Get.value:
      name = "GET";
      break;
    case coap::codes::Post.value:
      name = "POST";
      break;
    case coap::codes::Put.value:
      name = "PUT";
      break;
    case coap::codes::Delete.value:
      name = "DELETE";
      break;
    case coap::codes::Fetch.value:
      name = "FETCH";
      break;
    case coap::codes::Created.value:
      name = "Created";
      break;
    case coap::codes::Deleted.value:
      name = "Deleted";
      break;
    case coap::codes::Valid.value:
      name = "Valid";
      break;
    case coap::codes::Changed.value:
      name = "Changed";
      break;
    case coap::codes::Content.value:
      name = "Content";
      break;
    case coap::codes::Continue.value:
      name = "Continue";
      break;
    case coap::codes::BadRequest.value:
      name = "Bad Request";
      break;
    case coap::codes::Unauthorized.value:
      name = "Unauthorized";
      break;
    case coap::codes::BadOption.value:
      name = "Bad Option";
      break;
    case coap::codes::Forbidden.value:
      name = "Forbidden";
      break;
    case coap::codes::NotFound.value:
      name = "Not Found";
      break;
    case coap::codes::MethodNotAllowed.value:
      name = "Method Not Allowed";
      break;
    case coap::codes::NotAcceptable.value:
      name = "Not Acceptable";
      break;
    case coap::codes::RequestEntityIncomplete.value:
      name = "Request Entity Incomplete";
      break;
    case coap::codes::RequestEntityTooLarge.value:
      name = "Request Entity Too Large";
      break;
    case coap::codes::UnsupportedContentFormat.value:
      name = "Unsupported Content-Format";
      break;
    case coap::codes::InternalServerError.value:
      name = "Internal Server Error";
      break;
    case coap::codes::NotImplemented.value:
      name = "Not Implemented";
      break;
    case coap::codes::ServiceUnavailable.value:
      name = "Service Unavailable";
      break;
    default:
      break;
  }
  if (code.is_request()) return std::string(name.empty() ? code.to_string() : name);
  return name.empty() ? code.to_string() : code.to_string() + " " + std::string(name);
}

std::string request_line(const coap::Message& request) {
  std::string line = code_name(request.code) + " " + request.uri_path();
  char sep = '?';
  request.for_each(coap::options::UriQuery, [&](coap::OptionView o) {
    line += sep;
    line += o.as_string();
    sep = '&';
  });
  return line;
}

namespace {
std::string block_text(std::uint32_t v) {
  // RFC 7959 §2.2: NUM / M / SZX.
  return std::to_string(v >> 4) + ((v & 8) != 0 ? "+" : "") + "/" +
         std::to_string(1u << ((v & 7) + 4));
}

std::string preview(std::span<const std::uint8_t> payload) {
  constexpr std::size_t limit = 48;
  std::string out;
  for (std::size_t i = 0; i < payload.size() && i < limit; ++i) {
    const auto c = static_cast<char>(payload[i]);
    out += (c >= 0x20 && c < 0x7f) ? c : (c == '\n' ? ' ' : '.');
  }
  if (payload.size() > limit) out += "...";
  return out;
}
}  // namespace

std::string describe(const coap::Message& msg) {
  std::string out = msg.code.is_request() ? request_line(msg) : code_name(msg.code);
  if (auto v = msg.uint_option(coap::options::Observe)) out += ", Observe " + std::to_string(*v);
  if (auto v = msg.uint_option(coap::options::Block1)) out += ", Block1 " + block_text(*v);
  if (auto v = msg.uint_option(coap::options::Block2)) out += ", Block2 " + block_text(*v);
  if (auto v = msg.uint_option(coap::options::ContentFormat))
    out += ", Content-Format " + std::to_string(*v);
  msg.for_each(coap::options::LocationPath, [&](coap::OptionView o) {
    out += ", Location-Path ";
    out += o.as_string();
  });
  if (!msg.payload().empty()) {
    out +=
        ", " + std::to_string(msg.payload().size()) + " bytes \"" + preview(msg.payload()) + "\"";
  }
  return out;
}

}  // namespace drover::apps
