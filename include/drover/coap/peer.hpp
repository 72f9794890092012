// The address of a CoAP peer, independent of sockets: what the layers above the transport key on.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace drover::coap {

struct PeerAddress {
  std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes
  std::uint16_t port = 0;
  bool v6 = false;
  std::uint32_t scope_id = 0;  // IPv6 link-local scope, else 0

  static PeerAddress v4(std::array<std::uint8_t, 4> addr, std::uint16_t port);
  static PeerAddress loopback_v4(std::uint16_t port) { return v4({127, 0, 0, 1}, port); }
  // Parses "1.2.3.4:5683", "[::1]:5683" (the port is required).
  static std::optional<PeerAddress> parse(std::string_view text);
  std::string to_string() const;  // "1.2.3.4:5683" or "[::1]:5683"
  // The same text in `out`, nothing allocated (a line of the log per message).
  static constexpr std::size_t max_text = 54;  // "[" 45 characters of IPv6 "]:65535"
  std::string_view to_chars(std::array<char, max_text>& out) const;

  // Word-wise: peers are compared on every table lookup of every message.
  friend bool operator==(const PeerAddress& a, const PeerAddress& b) {
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.ip.data(), 8);
    std::memcpy(&a1, a.ip.data() + 8, 8);
    std::memcpy(&b0, b.ip.data(), 8);
    std::memcpy(&b1, b.ip.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0 && a.port == b.port && a.v6 == b.v6 &&
           a.scope_id == b.scope_id;
  }
  std::size_t hash() const;
};

}  // namespace drover::coap

template <>
struct std::hash<drover::coap::PeerAddress> {
  std::size_t operator()(const drover::coap::PeerAddress& a) const noexcept { return a.hash(); }
};
