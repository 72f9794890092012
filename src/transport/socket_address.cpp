#include "socket_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace drover::transport {

namespace {
bool is_v4_mapped(const std::uint8_t* b) {
  static constexpr std::uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, prefix, sizeof prefix) == 0;
}
}  // namespace

in6_addr to_in6(const coap::PeerAddress& addr) {
  in6_addr out{};
  if (addr.v6) {
    std::memcpy(out.s6_addr, addr.ip.data(), 16);
  } else {
    out.s6_addr[10] = 0xff;
    out.s6_addr[11] = 0xff;
    std::memcpy(out.s6_addr + 12, addr.ip.data(), 4);
  }
  return out;
}

coap::PeerAddress from_in6(const in6_addr& ip, std::uint32_t scope_id) {
  coap::PeerAddress a;
  if (is_v4_mapped(ip.s6_addr)) {
    std::memcpy(a.ip.data(), ip.s6_addr + 12, 4);
  } else {
    std::memcpy(a.ip.data(), ip.s6_addr, 16);
    a.v6 = true;
    a.scope_id = scope_id;
  }
  return a;
}

coap::PeerAddress from_in4(const in_addr& ip) {
  coap::PeerAddress a;
  std::memcpy(a.ip.data(), &ip.s_addr, 4);
  return a;
}

socklen_t to_sockaddr(const coap::PeerAddress& addr, bool as_v6, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (addr.v6 || as_v6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(addr.port);
    sa.sin6_addr = to_in6(addr);
    sa.sin6_scope_id = addr.v6 ? addr.scope_id : 0;
    std::memcpy(&out, &sa, sizeof sa);
    return sizeof sa;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(addr.port);
  std::memcpy(&sa.sin_addr.s_addr, addr.ip.data(), 4);
  std::memcpy(&out, &sa, sizeof sa);
  return sizeof sa;
}

std::optional<coap::PeerAddress> from_sockaddr(const sockaddr_storage& in, socklen_t len) {
  if (in.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in sa;
    std::memcpy(&sa, &in, sizeof sa);
    auto a = from_in4(sa.sin_addr);
    a.port = ntohs(sa.sin_port);
    return a;
  }
  if (in.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 sa;
    std::memcpy(&sa, &in, sizeof sa);
    auto a = from_in6(sa.sin6_addr, sa.sin6_scope_id);
    a.port = ntohs(sa.sin6_port);
    return a;
  }
  return std::nullopt;
}

}  // namespace drover::transport
