// SHA-256 against the FIPS 180-4 examples, whole and fed in pieces of every alignment.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "drover/client/sha256.hpp"
#include "drover/util/hex.hpp"

namespace drover::client {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string hex_digest(std::string_view text) {
  return to_hex(Sha256::of(bytes_of(text)));
}

TEST(Sha256, Fips180Examples) {
  EXPECT_EQ(hex_digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_digest(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesGiveTheSameDigest) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + i % 26);
  const auto whole = Sha256::of(bytes_of(text));
  for (std::size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u}) {
    Sha256 h;
    for (std::size_t at = 0; at < text.size(); at += piece)
      h.update(bytes_of(std::string_view(text).substr(at, piece)));
    EXPECT_EQ(h.finish(), whole) << piece;
  }
  Sha256 h;  // finish() resets
  h.update(bytes_of("x"));
  (void)h.finish();
  EXPECT_EQ(h.finish(), Sha256::of({}));
}

}  // namespace
}  // namespace drover::client
