// coap:// URIs: parsed by the CoAP layer (coap/uri.hpp), resolved here.
#pragma once

#include <optional>
#include <string>

#include "drover/coap/peer.hpp"
#include "drover/coap/uri.hpp"

namespace drover::transport {

using coap::CoapUri;
using coap::parse_coap_uri;

// Resolves the host (an IP literal or a name, through getaddrinfo: this blocks, so it is meant for
// command lines and configuration, not for the event loop). IPv4 results are preferred unless
// `prefer_v6`. On failure returns nullopt and says why in `error`.
std::optional<coap::PeerAddress> resolve(const CoapUri& uri, std::string& error,
                                         bool prefer_v6 = false);

}  // namespace drover::transport
