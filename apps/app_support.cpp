#include "app_support.hpp"

#include <sys/resource.h>

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

OpenFileLimit raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  // RLIM_INFINITY is the largest value: no practical bound.
  return {static_cast<std::uint64_t>(limit.rlim_cur), static_cast<std::uint64_t>(limit.rlim_max)};
}

}  // namespace drover::apps
