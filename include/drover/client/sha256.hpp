// SHA-256 (FIPS 180-4), incremental: the firmware package's digest is computed as its blocks
// arrive, so that checking it never reads the stored package again. In the client layer, on the
// standard library alone, so that a device build without DTLS (and so without GnuTLS) checks
// packages too (docs/decisions.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace drover::client {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(std::span<const std::uint8_t> bytes);
  // The digest of everything given since the last reset; the hash is reset afterwards.
  Sha256Digest finish();

  static Sha256Digest of(std::span<const std::uint8_t> bytes);

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes
};

}  // namespace drover::client
