#include "drover/lwm2m/protocol/operation.hpp"

namespace drover::lwm2m {

std::string_view to_string(Operation op) {
  switch (op) {
    case Operation::Read:
      return "Read";
    case Operation::Discover:
      return "Discover";
    case Operation::Write:
      return "Write";
    case Operation::WriteAttributes:
      return "Write-Attributes";
    case Operation::Execute:
      return "Execute";
    case Operation::Create:
      return "Create";
    case Operation::Delete:
      return "Delete";
    case Operation::ReadComposite:
      return "Read-Composite";
    case Operation::WriteComposite:
      return "Write-Composite";
    case Operation::Observe:
      return "Observe";
    case Operation::ObserveComposite:
      return "Observe-Composite";
    case Operation::CancelObservation:
      return "Cancel Observation";
  }
  return "?";
}

}  // namespace drover::lwm2m
