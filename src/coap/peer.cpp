#include "drover/coap/peer.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace drover::coap {

PeerAddress PeerAddress::v4(std::array<std::uint8_t, 4> addr, std::uint16_t port) {
  PeerAddress a;
  std::memcpy(a.ip.data(), addr.data(), 4);
  a.port = port;
  return a;
}

std::optional<PeerAddress> PeerAddress::parse(std::string_view text) {
  PeerAddress a;
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    a.v6 = true;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  a.port = static_cast<std::uint16_t>(port);
  if (inet_pton(a.v6 ? AF_INET6 : AF_INET, host.c_str(), a.ip.data()) != 1) return std::nullopt;
  return a;
}

std::string PeerAddress::to_string() const {
  std::array<char, max_text> text;
  return std::string(to_chars(text));
}

std::string_view PeerAddress::to_chars(std::array<char, max_text>& out) const {
  static_assert(max_text >= INET6_ADDRSTRLEN + 8);
  char* p = out.data();
  if (v6) *p++ = '[';
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, ip.data(), p, INET6_ADDRSTRLEN)) *p = '\0';
  p += std::strlen(p);
  if (v6) *p++ = ']';
  *p++ = ':';
  p = std::to_chars(p, out.data() + out.size(), port).ptr;
  return {out.data(), static_cast<std::size_t>(p - out.data())};
}

std::size_t PeerAddress::hash() const {
  // Two words of address, one of port and scope, mixed with the 64-bit finaliser of MurmurHash3:
  // a handful of instructions, and every input bit reaches the low bits open addressing uses.
  std::uint64_t a, b;
  std::memcpy(&a, ip.data(), 8);
  std::memcpy(&b, ip.data() + 8, 8);
  std::uint64_t h = a ^ (b * 0x9e3779b97f4a7c15ull) ^
                    ((std::uint64_t{port} << 32) | (std::uint64_t{v6} << 48) | scope_id);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return static_cast<std::size_t>(h);
}

}  // namespace drover::coap
