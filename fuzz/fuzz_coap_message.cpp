// CoAP message codec: parse never crashes on any input, and whatever it accepts serializes back to
// exactly the same bytes (the option encoding is canonical and values are kept verbatim), which
// re-parse to an equal Message.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "drover/coap/message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace drover::coap;
  static Message msg;  // reused, as the engine does
  static Message again;
  static std::vector<std::uint8_t> wire;

  const std::span<const std::uint8_t> input(data, size);
  if (parse(input, msg)) return 0;

  wire.clear();
  serialize(msg, wire);
  if (wire.size() != msg.wire_size()) std::abort();
  if (!std::equal(wire.begin(), wire.end(), input.begin(), input.end())) std::abort();
  if (parse(wire, again) || !(again == msg)) std::abort();

  // The span overload writes the same bytes and refuses a buffer one byte short.
  std::vector<std::uint8_t> buf(wire.size());
  if (serialize(msg, std::span<std::uint8_t>(buf)) != wire.size() || buf != wire) std::abort();
  if (serialize(msg, std::span<std::uint8_t>(buf).first(buf.size() - 1)) != 0) std::abort();
  (void)first_unknown_critical_option(msg);
  (void)msg.uri_path();
  return 0;
}
