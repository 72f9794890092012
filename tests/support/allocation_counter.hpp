// Heap allocations counted in the test or benchmark binary that links drover_allocation_counter:
// it replaces the binary's global operator new with one that counts, so that a hot path can be
// shown to allocate nothing (read the count before and after it).
#pragma once

#include <cstddef>

namespace drover::testing_support {

// Calls of the global operator new so far, from every thread.
std::size_t allocations();

}  // namespace drover::testing_support
