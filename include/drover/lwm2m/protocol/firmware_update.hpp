// The Firmware Update object's (5) values that a device reports and a server reads: its State
// (/5/0/3), its Update Result codes (/5/0/5), the protocols of Protocol Support (/5/0/8) and its
// Delivery Method (/5/0/9). One table for both sides.
#pragma once

#include <cstdint>
#include <string_view>

namespace drover::lwm2m {

// State (/5/0/3).
enum class FirmwareState : std::uint8_t { Idle = 0, Downloading = 1, Downloaded = 2, Updating = 3 };
std::string_view to_string(FirmwareState);  // "idle", "downloading", ...

// Firmware Update Protocol Support (/5/0/8).
enum class FirmwareProtocol : std::uint8_t {
  Coap = 0,
  Coaps = 1,
  Http = 2,
  Https = 3,
  CoapTcp = 4,
  CoapTls = 5,
};

// Firmware Update Delivery Method (/5/0/9).
enum class FirmwareDelivery : std::uint8_t { Pull = 0, Push = 1, Both = 2 };

// Update Result (/5/0/5).
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
