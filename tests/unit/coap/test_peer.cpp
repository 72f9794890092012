#include "drover/coap/peer.hpp"

#include <gtest/gtest.h>

#include <unordered_set>

namespace drover::coap {
namespace {

TEST(PeerAddress, ParsesAndPrintsBothFamilies) {
  const auto a = PeerAddress::parse("127.1.2.3:5683");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(*a, PeerAddress::v4({127, 1, 2, 3}, 5683));
  EXPECT_EQ(a->to_string(), "127.1.2.3:5683");
  const auto b = PeerAddress::parse("[::1]:61616");
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->v6);
  EXPECT_EQ(b->to_string(), "[::1]:61616");
  EXPECT_FALSE(PeerAddress::parse("127.0.0.1").has_value());
  EXPECT_FALSE(PeerAddress::parse("127.0.0.1:65536").has_value());
  EXPECT_FALSE(PeerAddress::parse("[::1:5683").has_value());
}

TEST(PeerAddress, EqualAddressesHashAlikeAndFieldsMatter) {
  const auto a = PeerAddress::v4({10, 0, 0, 1}, 5683);
  EXPECT_EQ(a.hash(), PeerAddress::v4({10, 0, 0, 1}, 5683).hash());
  EXPECT_NE(a.hash(), PeerAddress::v4({10, 0, 0, 1}, 5684).hash());
  EXPECT_NE(a.hash(), PeerAddress::v4({10, 0, 0, 2}, 5683).hash());
  PeerAddress v6 = a;
  v6.v6 = true;
  EXPECT_NE(a.hash(), v6.hash());
}

// Open-addressing tables index by the low bits: a fleet of consecutive addresses at one port, and
// one address at consecutive ports, must spread over them.
TEST(PeerAddress, HashSpreadsConsecutiveAddressesOverTheLowBits) {
  constexpr std::uint32_t n = 1u << 16;
  std::unordered_set<std::size_t> by_address, by_port;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t ip = 0x7f010000u + i;
    const auto a = PeerAddress::v4({127, static_cast<std::uint8_t>(ip >> 16),
                                    static_cast<std::uint8_t>(ip >> 8), static_cast<std::uint8_t>(ip)},
                                   40000);
    by_address.insert(a.hash() & (n - 1));
    by_port.insert(PeerAddress::loopback_v4(static_cast<std::uint16_t>(i)).hash() & (n - 1));
  }
  // A random function fills 1 - 1/e (63 %) of the buckets; a hash that loses the address or port
  // bits in its low bits fills a small fraction.
  EXPECT_GT(by_address.size(), n * 6 / 10);
  EXPECT_GT(by_port.size(), n * 6 / 10);
}

}  // namespace
}  // namespace drover::coap
