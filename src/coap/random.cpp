#include "drover/coap/random.hpp"

#include <bit>

namespace drover::coap {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void quarter_round(std::array<std::uint32_t, 16>& s, int a, int b, int c, int d) {
  auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
  auto uc = static_cast<std::size_t>(c), ud = static_cast<std::size_t>(d);
  s[ua] += s[ub];
  s[ud] = std::rotl(s[ud] ^ s[ua], 16);
  s[uc] += s[ud];
  s[ub] = std::rotl(s[ub] ^ s[uc], 12);
  s[ua] += s[ub];
  s[ud] = std::rotl(s[ud] ^ s[ua], 8);
  s[uc] += s[ud];
  s[ub] = std::rotl(s[ub] ^ s[uc], 7);
}

}  // namespace

Random::Random(std::uint64_t seed) {
  // "expand 32-byte k", then the key, block counter 0 and a zero nonce.
  state_[0] = 0x61707865;
  state_[1] = 0x3320646e;
  state_[2] = 0x79622d32;
  state_[3] = 0x6b206574;
  for (std::size_t i = 0; i < 4; ++i) {
    std::uint64_t k = splitmix64(seed);
    state_[4 + 2 * i] = static_cast<std::uint32_t>(k);
    state_[5 + 2 * i] = static_cast<std::uint32_t>(k >> 32);
  }
}

void chacha20_block(const std::array<std::uint32_t, 16>& input, std::array<std::uint8_t, 64>& out) {
  std::array<std::uint32_t, 16> x = input;
  for (int round = 0; round < 10; ++round) {
    quarter_round(x, 0, 4, 8, 12);
    quarter_round(x, 1, 5, 9, 13);
    quarter_round(x, 2, 6, 10, 14);
    quarter_round(x, 3, 7, 11, 15);
    quarter_round(x, 0, 5, 10, 15);
    quarter_round(x, 1, 6, 11, 12);
    quarter_round(x, 2, 7, 8, 13);
    quarter_round(x, 3, 4, 9, 14);
  }
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint32_t w = x[i] + input[i];
    for (std::size_t b = 0; b < 4; ++b) out[4 * i + b] = static_cast<std::uint8_t>(w >> (8 * b));
  }
}

void Random::refill() {
  chacha20_block(state_, block_);
  // 64-bit block counter over words 12 and 13: the stream never repeats in practice.
  if (++state_[12] == 0) ++state_[13];
  used_ = 0;
}

void Random::fill(std::span<std::uint8_t> out) {
  for (auto& byte : out) {
    if (used_ == block_.size()) refill();
    byte = block_[used_++];
  }
}

std::uint64_t Random::next_u64() {
  std::array<std::uint8_t, 8> b{};
  fill(b);
  std::uint64_t v = 0;
  for (auto byte : b) v = (v << 8) | byte;
  return v;
}

double Random::unit() {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

}  // namespace drover::coap
