// One-line summaries of CoAP messages, for the CoAP commands' log lines.
#pragma once

#include <string>
#include <string_view>

#include "drover/coap/engine.hpp"

namespace drover::apps {

// A one-line summary: code, notable options (Observe, Block1/2, Content-Format, ETag,
// Location-Path) and the payload size with a printable preview.
std::string describe(const coap::Message& msg);

// "GET /a/b?x=1".
std::string request_line(const coap::Message& request);

}  // namespace drover::apps
