#include "drover/transport/coap_uri.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>

#include "socket_address.hpp"

namespace drover::transport {

std::optional<coap::PeerAddress> resolve(const CoapUri& uri, std::string& error, bool prefer_v6) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(uri.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    error = "cannot resolve '" + uri.host + "': " + ::gai_strerror(rc);
    return std::nullopt;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, &::freeaddrinfo);
  std::optional<coap::PeerAddress> first, preferred;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    sockaddr_storage sa{};
    if (ai->ai_addrlen > sizeof sa) continue;
    std::memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    auto a = from_sockaddr(sa, ai->ai_addrlen);
    if (!a) continue;
    a->port = uri.port;
    if (!first) first = a;
    if (!preferred && a->v6 == prefer_v6) preferred = a;
  }
  if (!first) error = "no IP address for '" + uri.host + "'";
  return preferred ? preferred : first;
}

}  // namespace drover::transport
