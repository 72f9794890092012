// The DTLS record header the server reads before any session or cookie check: never crashes,
// never reads past the datagram, and what it accepts is self-consistent.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drover/dtls/record.hpp"

using namespace drover::dtls;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> datagram(data, size);
  const auto header = peek_record(datagram);
  const bool hello = starts_with_client_hello(datagram);
  if (!header) {
    if (hello) std::abort();
    return 0;
  }
  if (size < record_header_size || header->length > size - record_header_size) std::abort();
  if (header->sequence >> 48) std::abort();
  if (hello && (header->type != ContentType::Handshake || header->epoch != 0 ||
                header->length == 0 || data[record_header_size] != 1))
    std::abort();
  return 0;
}
