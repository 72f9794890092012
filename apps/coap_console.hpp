// Readable console output for the CoAP commands: timestamped log lines and one-line message
// summaries.
#pragma once

#include <string>
#include <string_view>

#include "drover/coap/engine.hpp"

namespace drover::apps {

// The local time as "HH:MM:SS.mmm", the stamp of every log line.
std::string clock_stamp();

// Writes "[HH:MM:SS.mmm] <who>: <text>" to stderr (local time), so that stdout carries only
// payloads.
void log_line(std::string_view who, std::string_view text);

// A one-line summary: code, notable options (Observe, Block1/2, Content-Format, ETag,
// Location-Path) and the payload size with a printable preview.
std::string describe(const coap::Message& msg);

// "GET /a/b?x=1".
std::string request_line(const coap::Message& request);

}  // namespace drover::apps
