// CoAP message codec: parse never crashes on any input, and whatever it accepts serializes back to
// exactly the same bytes (the option encoding is canonical and values are kept verbatim), which
// re-parse to an equal Message. Screening the options (RFC 7252 §5.4) leaves only known options
// that keep their spec, unless it reports a critical one; the prefix decoder accepts every cut of
// an accepted message.
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
  (void)msg.uri_path();

  again = msg;
  if (!screen_options(again)) {
    for (std::size_t i = 0; i < again.option_count(); ++i) {
      const OptionView o = again.option(i);
      const options::Spec* spec = options::spec(o.number);
      if (spec == nullptr) {
        if (options::is_critical(o.number)) std::abort();
        continue;
      }
      if (o.value.size() < spec->min_length || o.value.size() > spec->max_length) std::abort();
      const bool repeatable =
          again.code.is_request() ? spec->repeatable : spec->repeatable_in_response;
      if (!repeatable && i > 0 && again.option(i - 1).number == o.number) std::abort();
    }
  }

  // Any cut of an accepted non-empty message decodes as a prefix once the token is whole.
  if (!msg.code.is_empty()) {
    std::optional<std::size_t> payload_offset;
    const std::size_t cut = 4 + msg.token.size() + (size > 4 ? data[4] % (size - 4) : 0);
    if (cut <= size && parse_prefix(input.first(cut), again, payload_offset)) std::abort();
    if (cut <= size && again.option_count() > msg.option_count()) std::abort();
  }
  return 0;
}
