// Link-format parser: never crashes on any input; whatever it accepts serialises to text that
// parses to the same links; and the Register payload read from it survives a rebuild.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "drover/lwm2m/formats/link_format.hpp"

using namespace drover::lwm2m;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  LinkFormatLimits limits;
  limits.max_links = 1024;
  std::vector<Link> links;
  if (parse_link_format(text, links, limits)) return 0;

  std::string serialized;
  if (serialize_link_format(links, serialized)) std::abort();
  std::vector<Link> again;
  if (parse_link_format(serialized, again, limits) || again != links) std::abort();

  for (const Link& link : links) {  // the typed views must cope with any value
    (void)link.content_formats();
    (void)link.pmin();
    (void)link.gt();
    (void)link.dim();
    (void)link.con();
    (void)link.path();
  }

  RegistrationPayload payload;
  if (parse_registration_links(links, payload)) return 0;
  std::string rebuilt;
  if (serialize_link_format(registration_links(payload), rebuilt)) std::abort();
  std::vector<Link> rebuilt_links;
  RegistrationPayload payload_again;
  if (parse_link_format(rebuilt, rebuilt_links, limits)) std::abort();
  if (parse_registration_links(rebuilt_links, payload_again) || payload_again != payload)
    std::abort();
  return 0;
}
