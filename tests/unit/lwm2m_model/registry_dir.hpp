// Where the OMA registry's DDF files live for tests: ../shared/lwm2m-registry beside the checkout.
#pragma once

#include <cstdlib>
#include <filesystem>

namespace drover::lwm2m::testing {

inline std::filesystem::path registry_dir() {
  if (const char* source = std::getenv("DROVER_SOURCE_DIR"); source != nullptr && *source != '\0') {
    return std::filesystem::path(source) / ".." / "shared" / "lwm2m-registry";
  }
  // This file is tests/unit/lwm2m_model/registry_dir.hpp in the checkout.
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / ".." / "shared" /
         "lwm2m-registry";
}

}  // namespace drover::lwm2m::testing
