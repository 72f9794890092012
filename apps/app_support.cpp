#include "app_support.hpp"

#include <random>

namespace drover::apps {

std::optional<coap::PeerAddress> bind_address(std::string text, std::uint16_t port) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  const bool v6 = text.find(':') != std::string::npos;
  return coap::PeerAddress::parse((v6 ? "[" + text + "]" : text) + ":" + std::to_string(port));
}

std::uint64_t os_random_seed() {
  std::random_device rd;
  return (std::uint64_t{rd()} << 32) ^ rd();
}

}  // namespace drover::apps
