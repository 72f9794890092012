#include "drover/lwm2m/protocol/firmware_update.hpp"

namespace drover::lwm2m {

std::string_view to_string(FirmwareState s) {
  switch (s) {
    case FirmwareState::Idle:
      return "idle";
    case FirmwareState::Downloading:
      return "downloading";
    case FirmwareState::Downloaded:
      return "downloaded";
    case FirmwareState::Updating:
      return "updating";
  }
  return "?";
}

std::string_view to_string(UpdateResult r) {
  switch (r) {
    case UpdateResult::Initial:
      return "initial value";
    case UpdateResult::Success:
      return "firmware updated successfully";
    case UpdateResult::NotEnoughStorage:
      return "not enough flash memory for the new package";
    case UpdateResult::OutOfMemory:
      return "out of RAM during the download";
    case UpdateResult::ConnectionLost:
      return "connection lost during the download";
    case UpdateResult::IntegrityFailure:
      return "integrity check failure for the new package";
    case UpdateResult::UnsupportedPackage:
      return "unsupported package type";
    case UpdateResult::InvalidUri:
      return "invalid URI";
    case UpdateResult::UpdateFailed:
      return "firmware update failed";
    case UpdateResult::UnsupportedProtocol:
      return "unsupported protocol";
    case UpdateResult::Cancelled:
      return "firmware update cancelled";
    case UpdateResult::Deferred:
      return "firmware update deferred";
  }
  return "?";
}

}  // namespace drover::lwm2m
