#include "drover/lwm2m/formats/base64.hpp"

#include <array>

namespace drover::lwm2m {
namespace {

constexpr std::string_view standard_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t invalid = 0xFF;

constexpr std::array<std::uint8_t, 256> make_reverse(std::string_view alphabet) {
  std::array<std::uint8_t, 256> table{};
  table.fill(invalid);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr auto standard_reverse = make_reverse(standard_alphabet);
constexpr auto url_reverse = make_reverse(url_alphabet_chars);

std::string encode(std::span<const std::uint8_t> data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) |
                            std::uint32_t{data[i + 2]};
    out += alphabet[(n >> 18) & 0x3F];
    out += alphabet[(n >> 12) & 0x3F];
    out += alphabet[(n >> 6) & 0x3F];
    out += alphabet[n & 0x3F];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 0) return out;
  std::uint32_t n = std::uint32_t{data[i]} << 16;
  if (rest == 2) n |= std::uint32_t{data[i + 1]} << 8;
  out += alphabet[(n >> 18) & 0x3F];
  out += alphabet[(n >> 12) & 0x3F];
  if (rest == 2) out += alphabet[(n >> 6) & 0x3F];
  if (pad) out.append(rest == 1 ? 2 : 1, '=');
  return out;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> data) {
  return encode(data, standard_alphabet, true);
}

std::string base64url_encode(std::span<const std::uint8_t> data) {
  return encode(data, url_alphabet_chars, false);
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, bool url_alphabet) {
  // Padding is all-or-nothing: a padded text is a whole number of quads ending in at most "==".
  if (text.size() % 4 == 0 && !text.empty() && text.back() == '=') {
    text.remove_suffix(text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  const auto& reverse = url_alphabet ? url_reverse : standard_reverse;

  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : text) {
    const std::uint8_t v = reverse[static_cast<unsigned char>(c)];
    if (v == invalid) return std::nullopt;  // also rejects a '=' anywhere else
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
      acc &= (1u << bits) - 1;
    }
  }
  if (acc != 0) return std::nullopt;  // the unused low bits of the last character must be zero
  return out;
}

}  // namespace drover::lwm2m
