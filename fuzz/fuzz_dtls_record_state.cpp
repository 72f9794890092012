// The compact record state's read path, which every datagram of an established session reaches
// before anything authenticates it: never crashes or reads past the record, never opens a record
// it did not seal, and the window never lets one sequence number through twice.
#include <gnutls/gnutls.h>

#include <cstdint>
#include <cstdlib>
#include <set>
#include <span>
#include <vector>

#include "drover/dtls/record_state.hpp"

using namespace drover::dtls;

namespace {

constexpr gnutls_cipher_algorithm_t ciphers[] = {
    GNUTLS_CIPHER_AES_128_CCM_8, GNUTLS_CIPHER_AES_256_GCM, GNUTLS_CIPHER_CHACHA20_POLY1305};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto cipher = ciphers[data[0] % std::size(ciphers)];
  const std::vector<std::uint8_t> key_a(32, 0xa1), key_b(32, 0xb2), iv_a(12, 0x0a), iv_b(12, 0x0b);
  const std::size_t key_size = gnutls_cipher_get_key_size(cipher);
  const std::size_t iv_size = cipher == GNUTLS_CIPHER_CHACHA20_POLY1305 ? 12 : 4;
  const RecordState::Direction a{std::span(key_a).first(key_size), std::span(iv_a).first(iv_size)};
  const RecordState::Direction b{std::span(key_b).first(key_size), std::span(iv_b).first(iv_size)};
  // Two ends of one session: what `ours` writes, `peer` reads and the other way round. Both have
  // sent their Finished (sequence number 0 of epoch 1).
  RecordState ours(cipher, a, b, 1, 1, 0);
  RecordState peer(cipher, b, a, 1, 1, 0);

  std::span<const std::uint8_t> datagram(data + 1, size - 1);
  std::vector<std::uint8_t> buffer;
  while (const auto record = next_record(datagram)) {
    const auto opened = ours.unprotect(record->header, record->bytes, buffer);
    // Nobody but `peer` holds the keys, and it has sealed nothing yet.
    if (opened.verdict == RecordState::Verdict::Opened) std::abort();
    if (record->bytes.size() != record_header_size + record->header.length) std::abort();
  }

  // What the peer seals from the input opens once, intact, and never again.
  std::vector<std::uint8_t> sealed;
  const auto plaintext = std::span(data + 1, size - 1).first(std::min<std::size_t>(size - 1, 2048));
  if (!peer.protect(ContentType::ApplicationData, plaintext, sealed)) std::abort();
  std::span<const std::uint8_t> rest(sealed);
  const auto record = next_record(rest);
  if (!record || !rest.empty()) std::abort();
  const auto opened = ours.unprotect(record->header, record->bytes, buffer);
  if (opened.verdict != RecordState::Verdict::Opened ||
      !std::equal(opened.plaintext.begin(), opened.plaintext.end(), plaintext.begin(),
                  plaintext.end()))
    std::abort();
  if (ours.unprotect(record->header, record->bytes, buffer).verdict !=
      RecordState::Verdict::Replayed)
    std::abort();
  return 0;
}
