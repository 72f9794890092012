// The DTLS record header (RFC 6347 §4.1), read before any session exists: the server decides from
// it whether a datagram can start a handshake. No cryptography; every length is checked.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace drover::dtls {

enum class ContentType : std::uint8_t {
  ChangeCipherSpec = 20,
  Alert = 21,
  Handshake = 22,
  ApplicationData = 23,
};

struct RecordHeader {
  ContentType type = ContentType::Handshake;
  std::uint16_t version = 0;  // 0xfeff DTLS 1.0, 0xfefd DTLS 1.2
  std::uint16_t epoch = 0;
  std::uint64_t sequence = 0;  // 48 bits
  std::uint16_t length = 0;    // of the fragment that follows the 13-byte header
};

inline constexpr std::size_t record_header_size = 13;

// The header of the first record of `datagram`; nullopt when the datagram does not start with a
// DTLS record (too short, an unknown content type or version, a length past its end).
std::optional<RecordHeader> peek_record(std::span<const std::uint8_t> datagram);

// Whether `datagram` starts with a ClientHello in epoch 0: the only record that may open a
// handshake, or replace a session (RFC 6347 §4.2.8).
bool starts_with_client_hello(std::span<const std::uint8_t> datagram);

// The records of a datagram, one at a time: the next one's header and bytes (its header
// included), taken off the front of `datagram`; nullopt at its end or at bytes that are not a
// whole record (the rest is dropped).
struct RecordSpan {
  RecordHeader header;
  std::span<const std::uint8_t> bytes;
};
std::optional<RecordSpan> next_record(std::span<const std::uint8_t>& datagram);

}  // namespace drover::dtls
