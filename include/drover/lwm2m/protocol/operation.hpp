// The Device Management and Information Reporting operations a server asks of a client.
#pragma once

#include <cstdint>
#include <string_view>

namespace drover::lwm2m {

enum class Operation : std::uint8_t {
  Read,
  Discover,
  Write,
  WriteAttributes,
  Execute,
  Create,
  Delete,
  ReadComposite,
  WriteComposite,
  Observe,
  ObserveComposite,
  CancelObservation,
};
std::string_view to_string(Operation);  // the spec's names: "Write-Attributes", "Read-Composite"

}  // namespace drover::lwm2m
