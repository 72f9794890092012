// Record protection once the handshake is done, without a GnuTLS session: what a session keeps
// to read and write DTLS 1.2 records of an AEAD suite (AES-GCM, RFC 5288; AES-CCM and CCM-8,
// RFC 6655/7251; ChaCha20-Poly1305, RFC 7905). Per direction an AEAD context and the implicit IV
// of the key block; the epoch, the next sequence number out and the anti-replay window in (RFC
// 6347 §4.1.2.6). A whole GnuTLS session costs about 28 KB; this well under 1 KB (two cipher
// contexts), so 100,000 sessions fit.
//
// AES suites: the nonce is the 4-byte salt and the record's 8-byte explicit part (epoch and
// sequence number, as GnuTLS and the other implementations send it). ChaCha20-Poly1305: the
// 12-byte IV XOR epoch and sequence number, nothing explicit. The additional data is epoch,
// sequence number, type, version and the plaintext's length (RFC 5246 §6.2.3.3).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "drover/dtls/record.hpp"

struct api_aead_cipher_hd_st;  // gnutls_aead_cipher_hd_t

namespace drover::dtls {

class RecordState {
 public:
  struct Direction {
    std::span<const std::uint8_t> key;
    std::span<const std::uint8_t> iv;  // 4 bytes (AES), 12 (ChaCha20-Poly1305)
  };
  // `cipher`: a gnutls_cipher_algorithm_t that supported() accepts. `next_out`: the sequence
  // number of the next record written; `last_in`: the highest one read so far, the window below
  // it taken as seen. Throws std::invalid_argument for another cipher or bad key sizes.
  RecordState(int cipher, Direction write, Direction read, std::uint16_t epoch,
              std::uint64_t next_out, std::uint64_t last_in);
  ~RecordState();
  RecordState(const RecordState&) = delete;
  RecordState& operator=(const RecordState&) = delete;

  static bool supported(int cipher);

  // Appends a record of `type` carrying `plaintext` to `out`; false when the epoch's sequence
  // numbers are used up or the cipher fails (the session must end).
  bool protect(ContentType type, std::span<const std::uint8_t> plaintext,
               std::vector<std::uint8_t>& out);

  enum class Verdict : std::uint8_t {
    Opened,
    OtherEpoch,  // a record of the handshake (epoch 0) or of an epoch this state does not have
    Replayed,    // seen already, or older than the window
    Forged,      // too short, or it fails authentication
  };
  struct Opened {
    Verdict verdict = Verdict::Forged;
    ContentType type = ContentType::ApplicationData;
    std::span<const std::uint8_t> plaintext;  // in the buffer given
  };
  // Reads one record (`header`, read by peek_record, and its fragment `record`, the header
  // included) into `buffer`; the window moves only for a record that authenticates.
  Opened unprotect(const RecordHeader& header, std::span<const std::uint8_t> record,
                   std::vector<std::uint8_t>& buffer);

  std::uint16_t epoch() const { return epoch_; }

 private:
  api_aead_cipher_hd_st* write_ = nullptr;
  api_aead_cipher_hd_st* read_ = nullptr;
  std::array<std::uint8_t, 12> write_iv_{};
  std::array<std::uint8_t, 12> read_iv_{};
  std::uint8_t tag_size_ = 0;
  std::uint8_t explicit_size_ = 0;  // of the nonce's part in each record: 8 or 0
  std::uint16_t epoch_ = 0;
  std::uint64_t next_out_ = 0;
  std::uint64_t last_in_ = 0;
  std::uint64_t window_ = 0;  // bit i: last_in_ - i was read
};

}  // namespace drover::dtls
