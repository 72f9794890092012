#include "errors.hpp"

#include <array>
#include <boost/json.hpp>
#include <string>

namespace drover::http {

namespace json = boost::json;
using server::OperationStatus;

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  json::object inner{{"code", code}, {"message", message}};
  return {status, json::serialize(json::object{{"error", std::move(inner)}})};
}

Response error(unsigned status, std::string_view code, std::string_view message) {
  return error_response(status, code, message);
}

Response ok(unsigned status, const json::value& body) {
  return {status, json::serialize(body)};
}

Response error_of(server::Error e) {
  const std::string message(server::to_string(e));
  switch (e) {
    case server::Error::UnknownEndpoint:
      return error(404, "unknown_client", message);
    case server::Error::UnknownObservation:
      return error(404, "unknown_observation", message);
    case server::Error::InvalidPath:
      return error(400, "invalid_path", message);
    case server::Error::InvalidArgument:
      return error(400, "invalid_argument", message);
    case server::Error::UnsupportedFormat:
      return error(400, "unsupported_format", message);
    case server::Error::EncodeFailed:
      return error(400, "encode_failed", message);
    case server::Error::QueueFull:
      return error(429, "queue_full", message);
    case server::Error::TooManyOperations:
      return error(503, "too_many_operations", message);
    case server::Error::TooManyObservations:
      return error(503, "too_many_observations", message);
    case server::Error::Busy:
      return error(503, "busy", message);
    case server::Error::UnsupportedByVersion:
      return error(400, "unsupported_by_version", message);
  }
  return error(503, "busy", message);
}

namespace {

struct StatusMapping {
  OperationStatus status;
  unsigned http;
  std::string_view code;
};
// Its 4.xx mirrored, the rest a gateway error.
constexpr std::array<StatusMapping, 26> kStatusMap{{
    {OperationStatus::BadRequest, 400, "device_bad_request"},
    {OperationStatus::Unauthorized, 403, "device_unauthorized"},
    {OperationStatus::BadOption, 400, "device_bad_option"},
    {OperationStatus::Forbidden, 403, "device_forbidden"},
    {OperationStatus::NotFound, 404, "device_not_found"},
    {OperationStatus::MethodNotAllowed, 405, "device_method_not_allowed"},
    {OperationStatus::NotAcceptable, 406, "device_not_acceptable"},
    {OperationStatus::RequestEntityIncomplete, 400, "device_request_entity_incomplete"},
    {OperationStatus::Conflict, 409, "device_conflict"},
    {OperationStatus::PreconditionFailed, 412, "device_precondition_failed"},
    {OperationStatus::RequestEntityTooLarge, 413, "device_request_entity_too_large"},
    {OperationStatus::UnsupportedFormat, 415, "device_unsupported_format"},
    {OperationStatus::InternalServerError, 502, "device_internal_error"},
    {OperationStatus::NotImplemented, 502, "device_not_implemented"},
    {OperationStatus::BadGateway, 502, "device_bad_gateway"},
    {OperationStatus::ServiceUnavailable, 502, "device_service_unavailable"},
    {OperationStatus::GatewayTimeout, 502, "device_gateway_timeout"},
    {OperationStatus::ProxyingNotSupported, 502, "device_proxying_not_supported"},
    {OperationStatus::ServerError, 502, "device_server_error"},
    {OperationStatus::OtherError, 502, "device_error"},
    {OperationStatus::DecodeFailed, 502, "device_payload_invalid"},
    {OperationStatus::Timeout, 504, "device_timeout"},
    {OperationStatus::Reset, 502, "device_reset"},
    {OperationStatus::TransferFailed, 502, "device_transfer_failed"},
    {OperationStatus::QueueTimeout, 504, "device_asleep"},
    {OperationStatus::ClientGone, 410, "client_gone"},
}};

}  // namespace

Response error_of(const server::OperationResult& r) {
  std::string message(server::to_string(r.status));
  if (r.code != coap::Code{}) message += " (" + r.code.to_string() + ")";
  if (!r.diagnostic.empty()) message += ": " + r.diagnostic;
  for (const auto& m : kStatusMap)
    if (m.status == r.status) return error(m.http, m.code, message);
  return error(502, "device_error", message);
}

}  // namespace drover::http
