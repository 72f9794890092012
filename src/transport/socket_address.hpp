// Conversions between coap::PeerAddress and the BSD socket address structures.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>

#include "drover/coap/peer.hpp"

namespace drover::transport {

// Fills `out` for sending to `addr`. With `as_v6`, an IPv4 address becomes IPv4-mapped
// (::ffff:a.b.c.d), as a dual-stack IPv6 socket needs. Returns the length to pass to the kernel.
socklen_t to_sockaddr(const coap::PeerAddress& addr, bool as_v6, sockaddr_storage& out);

// The PeerAddress of a kernel-filled address; IPv4-mapped IPv6 addresses come back as plain IPv4 so
// that a peer has one identity whichever socket family reached it. nullopt for other families.
std::optional<coap::PeerAddress> from_sockaddr(const sockaddr_storage& in, socklen_t len);

// The 16 bytes of an IPv6 address (IPv4-mapped when `addr` is IPv4).
in6_addr to_in6(const coap::PeerAddress& addr);
// `ip` in network order as a PeerAddress (port 0), unmapping IPv4-mapped IPv6 addresses.
coap::PeerAddress from_in6(const in6_addr& ip, std::uint32_t scope_id);
coap::PeerAddress from_in4(const in_addr& ip);

}  // namespace drover::transport
