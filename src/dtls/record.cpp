#include "drover/dtls/record.hpp"

namespace drover::dtls {

std::optional<RecordHeader> peek_record(std::span<const std::uint8_t> d) {
  if (d.size() < record_header_size) return std::nullopt;
  const std::uint8_t type = d[0];
  if (type < 20 || type > 23) return std::nullopt;
  // DTLS versions are the one's complement of (major, minor): 1.0 is fe ff, 1.2 fe fd.
  if (d[1] != 0xfe) return std::nullopt;
  RecordHeader h;
  h.type = static_cast<ContentType>(type);
  h.version = static_cast<std::uint16_t>(d[1] << 8 | d[2]);
  h.epoch = static_cast<std::uint16_t>(d[3] << 8 | d[4]);
  for (std::size_t i = 5; i < 11; ++i) h.sequence = h.sequence << 8 | d[i];
  h.length = static_cast<std::uint16_t>(d[11] << 8 | d[12]);
  if (h.length > d.size() - record_header_size) return std::nullopt;
  return h;
}

bool starts_with_client_hello(std::span<const std::uint8_t> d) {
  const auto h = peek_record(d);
  // The handshake message's type (1: ClientHello) is the fragment's first byte.
  return h && h->type == ContentType::Handshake && h->epoch == 0 && h->length >= 1 &&
         d[record_header_size] == 1;
}

std::optional<RecordSpan> next_record(std::span<const std::uint8_t>& datagram) {
  const auto h = peek_record(datagram);
  if (!h) {
    datagram = {};
    return std::nullopt;
  }
  const std::size_t size = record_header_size + h->length;
  RecordSpan r{*h, datagram.first(size)};
  datagram = datagram.subspan(size);
  return r;
}

}  // namespace drover::dtls
