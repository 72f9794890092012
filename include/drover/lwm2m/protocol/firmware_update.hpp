// The Firmware Update object's (5) Update Result codes (/5/0/5), which a device reports and a
// server explains: one table for both sides.
#pragma once

#include <cstdint>
#include <string_view>

namespace drover::lwm2m {

enum class UpdateResult : std::uint8_t {
  Initial = 0,
  Success = 1,
  NotEnoughStorage = 2,  // "not enough flash memory for the new firmware package"
  OutOfMemory = 3,       // out of RAM during the download
  ConnectionLost = 4,
  IntegrityFailure = 5,
  UnsupportedPackage = 6,
  InvalidUri = 7,
  UpdateFailed = 8,
  UnsupportedProtocol = 9,
  Cancelled = 10,  // LwM2M 1.1
  Deferred = 11,   // LwM2M 1.1
};
inline constexpr std::int64_t max_update_result = 11;

// What the code means, as the spec words it.
std::string_view to_string(UpdateResult);

}  // namespace drover::lwm2m
