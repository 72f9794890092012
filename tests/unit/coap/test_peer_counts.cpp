#include <gtest/gtest.h>

#include <map>
#include <random>

#include "peer_counts.hpp"

namespace drover::coap {
namespace {

// Random increments, decrements and erasures over a few hundred peers, against a plain map.
TEST(PeerCounts, MatchesAMapUnderChurn) {
  PeerCounts counts;
  std::map<std::uint16_t, std::uint32_t> model;
  std::mt19937 rng(3);
  const auto peer = [](std::uint16_t port) { return PeerAddress::loopback_v4(port); };
  for (int step = 0; step < 50000; ++step) {
    const auto port = static_cast<std::uint16_t>(1 + rng() % 300);
    switch (rng() % 5) {
      case 0:
      case 1:
        counts.increment(peer(port));
        ++model[port];
        break;
      case 2:
      case 3:
        counts.decrement(peer(port));
        if (auto it = model.find(port); it != model.end() && --it->second == 0) model.erase(it);
        break;
      default:
        counts.erase(peer(port));
        model.erase(port);
        break;
    }
    if (step % 251 == 0) {
      ASSERT_EQ(counts.size(), model.size());
      for (std::uint16_t p = 1; p <= 300; ++p) {
        const auto it = model.find(p);
        ASSERT_EQ(counts.get(peer(p)), it == model.end() ? 0u : it->second) << p;
      }
    }
  }
}

}  // namespace
}  // namespace drover::coap
