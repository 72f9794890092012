// Thread placement for the event-loop threads (server shards, the load generator).
#pragma once

#include <string>
#include <thread>

namespace drover::transport {

// Pins the calling thread to `cpu` (no-op for a negative value); false if the OS refused.
bool pin_this_thread(int cpu);
// Names the calling thread (shown by top -H and in profiles; at most 15 characters kept).
void name_this_thread(const std::string& name);
// CPU time `thread` has used so far, in seconds (0 if it is not running or the OS cannot tell).
double cpu_seconds(std::thread& thread);

}  // namespace drover::transport
