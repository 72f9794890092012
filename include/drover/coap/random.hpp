// The engine's random source: ChaCha20 (RFC 8439 §2.3) run as a keystream generator.
//
// Tokens must be unguessable by off-path attackers (RFC 7252 §5.3.1), so a statistical PRNG is not
// enough; ChaCha20 keyed from the seed gives a cryptographic-quality stream. The 64-bit seed is
// expanded to the 256-bit key; production code seeds it from the OS (see Engine).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace drover::coap {

// The ChaCha20 block function over a full 16-word input state (constants, key, counter, nonce).
void chacha20_block(const std::array<std::uint32_t, 16>& input, std::array<std::uint8_t, 64>& out);

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t next_u64();
  std::uint32_t next_u32() { return static_cast<std::uint32_t>(next_u64() >> 32); }
  // Uniform in [0, 1).
  double unit();
  void fill(std::span<std::uint8_t> out);

 private:
  void refill();

  std::array<std::uint32_t, 16> state_{};
  std::array<std::uint8_t, 64> block_{};
  std::size_t used_ = 64;
};

}  // namespace drover::coap
