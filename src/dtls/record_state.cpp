#include "drover/dtls/record_state.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <algorithm>
#include <stdexcept>

namespace drover::dtls {
namespace {

constexpr std::uint16_t dtls12 = 0xfefd;
constexpr std::uint64_t max_sequence = (std::uint64_t{1} << 48) - 1;
constexpr unsigned window_bits = 64;

api_aead_cipher_hd_st* make_context(int cipher, std::span<const std::uint8_t> key) {
  gnutls_datum_t datum{const_cast<std::uint8_t*>(key.data()), static_cast<unsigned>(key.size())};
  gnutls_aead_cipher_hd_t handle = nullptr;
  if (gnutls_aead_cipher_init(&handle, static_cast<gnutls_cipher_algorithm_t>(cipher), &datum) < 0)
    throw std::invalid_argument("DTLS record state: the AEAD key does not load");
  return handle;
}

// The 8 bytes of epoch and sequence number: the explicit nonce and the start of the additional
// data.
std::array<std::uint8_t, 8> sequence_bytes(std::uint16_t epoch, std::uint64_t sequence) {
  const std::uint64_t v = std::uint64_t{epoch} << 48 | sequence;
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
  return out;
}

// `sequence`: the record's explicit nonce (AES: after the salt) or, without one, its epoch and
// sequence number (ChaCha20-Poly1305: XORed into the IV's last 8 bytes).
std::array<std::uint8_t, 12> nonce(const std::array<std::uint8_t, 12>& iv, bool explicit_part,
                                   std::span<const std::uint8_t, 8> sequence) {
  std::array<std::uint8_t, 12> out = iv;
  for (std::size_t i = 0; i < 8; ++i)
    out[4 + i] = explicit_part ? sequence[i] : static_cast<std::uint8_t>(out[4 + i] ^ sequence[i]);
  return out;
}

std::array<std::uint8_t, 13> additional_data(std::span<const std::uint8_t> sequence,
                                             ContentType type, std::uint16_t version,
                                             std::size_t length) {
  std::array<std::uint8_t, 13> out{};
  std::copy(sequence.begin(), sequence.end(), out.begin());
  out[8] = static_cast<std::uint8_t>(type);
  out[9] = static_cast<std::uint8_t>(version >> 8);
  out[10] = static_cast<std::uint8_t>(version);
  out[11] = static_cast<std::uint8_t>(length >> 8);
  out[12] = static_cast<std::uint8_t>(length);
  return out;
}

}  // namespace

bool RecordState::supported(int cipher) {
  switch (static_cast<gnutls_cipher_algorithm_t>(cipher)) {
    case GNUTLS_CIPHER_AES_128_GCM:
    case GNUTLS_CIPHER_AES_256_GCM:
    case GNUTLS_CIPHER_AES_128_CCM:
    case GNUTLS_CIPHER_AES_256_CCM:
    case GNUTLS_CIPHER_AES_128_CCM_8:
    case GNUTLS_CIPHER_AES_256_CCM_8:
    case GNUTLS_CIPHER_CHACHA20_POLY1305:
      return true;
    default:  // CBC suites carry a MAC and padding
      return false;
  }
}

RecordState::RecordState(int cipher, Direction write, Direction read, std::uint16_t epoch,
                         std::uint64_t next_out, std::uint64_t last_in)
    : epoch_(epoch), next_out_(next_out), last_in_(last_in), window_(~std::uint64_t{0}) {
  const auto algorithm = static_cast<gnutls_cipher_algorithm_t>(cipher);
  const auto key_size = gnutls_cipher_get_key_size(algorithm);
  const bool chacha = algorithm == GNUTLS_CIPHER_CHACHA20_POLY1305;
  const std::size_t iv_size = chacha ? 12 : 4;
  if (!supported(cipher) || write.key.size() != key_size || read.key.size() != key_size ||
      write.iv.size() != iv_size || read.iv.size() != iv_size)
    throw std::invalid_argument("DTLS record state: not an AEAD suite's keys");
  tag_size_ = static_cast<std::uint8_t>(gnutls_cipher_get_tag_size(algorithm));
  explicit_size_ = chacha ? 0 : 8;
  std::copy(write.iv.begin(), write.iv.end(), write_iv_.begin());
  std::copy(read.iv.begin(), read.iv.end(), read_iv_.begin());
  write_ = make_context(cipher, write.key);
  try {
    read_ = make_context(cipher, read.key);
  } catch (...) {
    gnutls_aead_cipher_deinit(write_);
    throw;
  }
}

RecordState::~RecordState() {
  gnutls_aead_cipher_deinit(write_);
  gnutls_aead_cipher_deinit(read_);
}

bool RecordState::protect(ContentType type, std::span<const std::uint8_t> plaintext,
                          std::vector<std::uint8_t>& out) {
  const std::size_t fragment = explicit_size_ + plaintext.size() + tag_size_;
  if (next_out_ > max_sequence || fragment > 0xffff) return false;
  const auto sequence = sequence_bytes(epoch_, next_out_);
  const auto iv = nonce(write_iv_, explicit_size_ > 0, sequence);
  const auto aad = additional_data(sequence, type, dtls12, plaintext.size());
  const std::size_t start = out.size();
  out.resize(start + record_header_size + fragment);
  std::uint8_t* p = out.data() + start;
  p[0] = static_cast<std::uint8_t>(type);
  p[1] = dtls12 >> 8;
  p[2] = dtls12 & 0xff;
  std::copy(sequence.begin(), sequence.end(), p + 3);  // epoch and sequence number
  p[11] = static_cast<std::uint8_t>(fragment >> 8);
  p[12] = static_cast<std::uint8_t>(fragment);
  std::copy_n(sequence.begin(), explicit_size_, p + record_header_size);  // the explicit nonce
  std::size_t sealed = plaintext.size() + tag_size_;
  if (gnutls_aead_cipher_encrypt(write_, iv.data(), iv.size(), aad.data(), aad.size(), tag_size_,
                                 plaintext.data(), plaintext.size(),
                                 p + record_header_size + explicit_size_, &sealed) < 0 ||
      sealed != plaintext.size() + tag_size_) {
    out.resize(start);
    return false;
  }
  ++next_out_;
  return true;
}

RecordState::Opened RecordState::unprotect(const RecordHeader& header,
                                           std::span<const std::uint8_t> record,
                                           std::vector<std::uint8_t>& buffer) {
  Opened result;
  if (header.epoch != epoch_) {
    result.verdict = Verdict::OtherEpoch;
    return result;
  }
  if (header.length < explicit_size_ + tag_size_ ||
      record.size() != record_header_size + header.length)
    return result;  // Forged
  // Before any cryptography: a record the window has seen, or older than it.
  const std::uint64_t seq = header.sequence;
  if (seq <= last_in_) {
    const std::uint64_t age = last_in_ - seq;
    if (age >= window_bits || (window_ >> age & 1)) {
      result.verdict = Verdict::Replayed;
      return result;
    }
  }
  const auto fragment = record.subspan(record_header_size);
  const auto sealed = fragment.subspan(explicit_size_);
  const std::size_t length = sealed.size() - tag_size_;
  const auto sequence = sequence_bytes(header.epoch, seq);
  const auto iv = explicit_size_ > 0 ? nonce(read_iv_, true, fragment.first<8>())
                                     : nonce(read_iv_, false, sequence);
  const auto aad = additional_data(sequence, header.type, header.version, length);
  buffer.resize(std::max<std::size_t>(length, 1));
  std::size_t opened = buffer.size();
  if (gnutls_aead_cipher_decrypt(read_, iv.data(), iv.size(), aad.data(), aad.size(), tag_size_,
                                 sealed.data(), sealed.size(), buffer.data(), &opened) < 0 ||
      opened != length)
    return result;  // Forged
  if (seq > last_in_) {
    const std::uint64_t shift = seq - last_in_;
    window_ = shift >= window_bits ? 1 : (window_ << shift | 1);
    last_in_ = seq;
  } else {
    window_ |= std::uint64_t{1} << (last_in_ - seq);
  }
  result.verdict = Verdict::Opened;
  result.type = header.type;
  result.plaintext = {buffer.data(), length};
  return result;
}

}  // namespace drover::dtls
