// What the process's log (log/) reports of itself, so that the HTTP metrics can show it without
// knowing the log.
#pragma once

#include <cstdint>

namespace drover {

struct LogStats {
  std::uint64_t dropped_lines = 0;  // lines dropped because the writer's queue was full
};

}  // namespace drover
