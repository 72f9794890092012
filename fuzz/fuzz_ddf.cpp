// DDF loader: never crashes, hangs or over-allocates on any bytes; whatever it accepts is a
// well-formed definition (IDs in range, resources sorted and unique) that a registry takes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drover/lwm2m/model/ddf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace drover::lwm2m;
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  const DdfResult result = parse_ddf(xml, "fuzz");
  if (result.ok() == result.objects.empty()) std::abort();  // either objects or an error
  ObjectRegistry registry;
  for (const ObjectDef& def : result.objects) {
    if (def.id > max_id) std::abort();
    for (std::size_t i = 0; i < def.resources.size(); ++i) {
      if (def.resources[i].id > max_id) std::abort();
      if (i > 0 && def.resources[i - 1].id >= def.resources[i].id) std::abort();
      if (def.resource(def.resources[i].id) != &def.resources[i]) std::abort();
    }
    const auto added = registry.add(def);
    if (added == ObjectRegistry::AddResult::Invalid) std::abort();
    const ObjectDef* stored = registry.find(def.id, def.version);
    if (stored == nullptr) std::abort();
    if (added != ObjectRegistry::AddResult::Conflict && !same_model(*stored, def)) std::abort();
  }
  return 0;
}
