#include <gtest/gtest.h>

#include <string>

#include "drover/lwm2m/formats/base64.hpp"

namespace drover::lwm2m::detail {
namespace {

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(bytes("")), "");
  EXPECT_EQ(base64_encode(bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(bytes("foo")), "Zm9v");
  EXPECT_EQ(base64_encode(bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64_encode(bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64_encode(bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode(bytes("f")), "Zg");
  EXPECT_EQ(base64url_encode(bytes("fooba")), "Zm9vYmE");
  const std::vector<std::uint8_t> high{0xFB, 0xFF, 0xBF};
  EXPECT_EQ(base64_encode(high), "+/+/");
  EXPECT_EQ(base64url_encode(high), "-_-_");
}

TEST(Base64, DecodesPaddedAndUnpadded) {
  for (const bool url : {false, true}) {
    EXPECT_EQ(base64_decode("", url), bytes(""));
    EXPECT_EQ(base64_decode("Zg==", url), bytes("f"));
    EXPECT_EQ(base64_decode("Zg", url), bytes("f"));
    EXPECT_EQ(base64_decode("Zm8=", url), bytes("fo"));
    EXPECT_EQ(base64_decode("Zm8", url), bytes("fo"));
    EXPECT_EQ(base64_decode("Zm9vYmFy", url), bytes("foobar"));
  }
  EXPECT_EQ(base64_decode("+/+/", false), (std::vector<std::uint8_t>{0xFB, 0xFF, 0xBF}));
  EXPECT_EQ(base64_decode("-_-_", true), (std::vector<std::uint8_t>{0xFB, 0xFF, 0xBF}));
}

TEST(Base64, RoundTripsAllByteValues) {
  std::vector<std::uint8_t> data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<std::uint8_t>(i));
  for (std::size_t n = 0; n <= 5; ++n) {
    const std::span<const std::uint8_t> part(data.data() + n, data.size() - n);
    EXPECT_EQ(base64_decode(base64_encode(part), false),
              std::vector<std::uint8_t>(part.begin(), part.end()));
    EXPECT_EQ(base64_decode(base64url_encode(part), true),
              std::vector<std::uint8_t>(part.begin(), part.end()));
  }
}

TEST(Base64, RejectsMalformedInput) {
  for (const char* bad : {"Z", "Zg=", "Zg===", "=", "==", "Zg==Zg==", "Z===", "Zh==", "Zm9=",
                          "Zm9v YmFy", "Zm9v\n", "Zm 8", "Zm8*"}) {
    EXPECT_FALSE(base64_decode(bad, false)) << bad;
    EXPECT_FALSE(base64_decode(bad, true)) << bad;
  }
  EXPECT_FALSE(base64_decode("+/8=", true));
  EXPECT_FALSE(base64_decode("-_8=", false));
}

}  // namespace
}  // namespace drover::lwm2m::detail
