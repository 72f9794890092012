#include "drover/coap/block_option.hpp"

namespace drover::coap {

BlockRead read_block(const Message& msg, std::uint16_t number, BlockOption& out) {
  auto opt = msg.find(number);
  if (!opt) return BlockRead::Absent;
  auto value = opt->as_uint();
  if (!value || opt->value.size() > 3) return BlockRead::Invalid;
  out.num = *value >> 4;
  out.more = (*value & 0x8u) != 0;
  out.szx = static_cast<std::uint8_t>(*value & 0x7u);
  return out.szx > BlockOption::max_szx ? BlockRead::Invalid : BlockRead::Valid;
}

void write_block(Message& msg, std::uint16_t number, const BlockOption& block) {
  msg.set_uint_option(number, block.encode());
}

}  // namespace drover::coap
