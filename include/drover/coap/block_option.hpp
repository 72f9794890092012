// The Block1/Block2 option value (RFC 7959 §2.2): NUM, M and SZX packed in 0-3 bytes. Public for
// applications that handle blocks themselves: a client's firmware package, a server's resource
// served block by block (Server::add_resource).
#pragma once

#include <cstddef>
#include <cstdint>

#include "drover/coap/message.hpp"

namespace drover::coap {

struct BlockOption {
  static constexpr std::uint32_t max_num = (1u << 20) - 1;
  static constexpr std::uint8_t max_szx = 6;  // 7 is BERT, reserved for CoAP over TCP

  std::uint32_t num = 0;
  bool more = false;
  std::uint8_t szx = 6;

  static constexpr std::size_t size_of(std::uint8_t szx) { return std::size_t{1} << (szx + 4u); }
  std::size_t size() const { return size_of(szx); }
  std::size_t offset() const { return static_cast<std::size_t>(num) * size(); }
  std::uint32_t encode() const { return (num << 4) | (more ? 0x8u : 0u) | szx; }
};

enum class BlockRead : std::uint8_t { Absent, Valid, Invalid };

// Reads option `number` (Block1 or Block2) of `msg` into `out`.
BlockRead read_block(const Message& msg, std::uint16_t number, BlockOption& out);
void write_block(Message& msg, std::uint16_t number, const BlockOption& block);

}  // namespace drover::coap
