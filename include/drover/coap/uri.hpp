// coap:// URIs (RFC 7252 §6): parsing into host, port, Uri-Path and Uri-Query. Resolving the host
// is the transport's (transport/coap_uri.hpp); the client parses firmware Package URIs here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/message.hpp"

namespace drover::coap {

struct CoapUri {
  std::string scheme;              // "coap", "coaps", "coap+tcp" or "coaps+tcp"
  std::string host;                // without the brackets of an IPv6 literal
  std::uint16_t port = 0;          // the scheme's default when the URI has none
  std::vector<std::string> path;   // percent-decoded segments ("/a/b" -> {"a", "b"})
  std::vector<std::string> query;  // percent-decoded '&'-separated items

  // Adds the Uri-Path and Uri-Query options (RFC 7252 §6.4).
  void apply_to(Message& request) const;
};

// Parses `text`; on failure returns nullopt and says why in `error`.
std::optional<CoapUri> parse_coap_uri(std::string_view text, std::string& error);

}  // namespace drover::coap
