// What a server-side LwM2M core asks of a client and what the answers mean: the CoAP form of the
// requests and each answer as an OperationResult. The LwM2M server (server.hpp) and the bootstrap
// server (bootstrap/) build their requests and read their answers with these.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/tree.hpp"
#include "drover/lwm2m/protocol/operation.hpp"
#include "drover/util/result.hpp"

namespace drover::server {

enum class OperationStatus : std::uint8_t {
  Success,                  // 2.xx
  BadRequest,               // 4.00
  Unauthorized,             // 4.01
  BadOption,                // 4.02
  Forbidden,                // 4.03
  NotFound,                 // 4.04
  MethodNotAllowed,         // 4.05
  NotAcceptable,            // 4.06
  RequestEntityIncomplete,  // 4.08
  Conflict,                 // 4.09
  PreconditionFailed,       // 4.12
  RequestEntityTooLarge,    // 4.13
  UnsupportedFormat,        // 4.15
  InternalServerError,      // 5.00
  NotImplemented,           // 5.01
  BadGateway,               // 5.02
  ServiceUnavailable,       // 5.03
  GatewayTimeout,           // 5.04
  ProxyingNotSupported,     // 5.05
  ServerError,              // any other 5.xx
  OtherError,               // any other non-2.xx code
  DecodeFailed,             // 2.xx, but the payload could not be decoded (`diagnostic` says why)
  Timeout,                  // no response before the deadline, or no ACK after the retransmissions
  Reset,                    // the client answered with RST
  TransferFailed,           // block-wise transfer broken or too large
  QueueTimeout,             // the client slept through the deadline: the request was never sent
  ClientGone,  // the registration ended (de-register, expiry, new Register) before an answer
};
std::string_view to_string(OperationStatus);
OperationStatus status_of(coap::Code code);

struct OperationResult {
  OperationStatus status = OperationStatus::Success;
  coap::Code code;  // the response code; Empty when there was no response
  std::optional<lwm2m::ContentFormat> format;  // of the response payload
  std::vector<lwm2m::Record> records;          // Read, Observe, Read-Composite
  std::vector<lwm2m::Link> links;              // Discover
  std::optional<lwm2m::Path> created;          // Create: the new instance (Location-Path)
  bool observing = false;  // Observe: the client accepted; Notification events follow
  std::string diagnostic;  // error payload text, or why decoding failed

  // `records` as a value tree (objects -> instances -> resources). `types` (e.g.
  // Server::objects()) tells an empty multiple resource from a single one without value.
  drover::Result<lwm2m::ValueTree, lwm2m::TreeError> value_tree(
      const lwm2m::TypeResolver* types = nullptr) const;
};

// `m` (cleared: e.g. a recycled message of the engine) as a request with `code` to `path`, below
// the client's `root` ("/lwm2m" for an alternate root; the bootstrap interface always uses "/").
coap::Message make_request(coap::Message m, coap::Code code, const lwm2m::Path& path,
                           std::string_view root = "/");
// Encodes `records` (at or below `base`) as the payload of `m`, with its Content-Format; false
// when the format cannot carry them.
bool set_records(coap::Message& m, lwm2m::ContentFormat format,
                 std::span<const lwm2m::Record> records, const lwm2m::Path& base);

// The answer to a request of `kind` on `path` (asked in `accept`, nullopt for the client's
// choice) as a result: the status of its code; for a success the records decoded against `path`
// (Read, Observe and the composite ones, typed by `types`, relative SenML times from
// `wall_time`), the links (Discover), or the instance created (Create, from the Location-Path
// below `root`); `observing` when an Observe was accepted; the diagnostic payload of an error.
OperationResult result_of(lwm2m::Operation kind, const lwm2m::Path& path,
                          std::optional<lwm2m::ContentFormat> accept, const coap::Message& response,
                          const lwm2m::TypeResolver& types, double wall_time,
                          std::string_view root = "/");
// The status of a request that got no (further) answer.
OperationStatus status_of(coap::FailureReason reason);

// Decodes a payload of values (a Read answer, a notification) against `base` into `records`, its
// format into `format`; the reason when it cannot be decoded.
std::optional<std::string> decode_records(const coap::Message& message, const lwm2m::Path& base,
                                          std::optional<lwm2m::ContentFormat> accept,
                                          const lwm2m::TypeResolver& types, double wall_time,
                                          std::optional<lwm2m::ContentFormat>& format,
                                          std::vector<lwm2m::Record>& records);
// The printable text of an error payload, cut to a reasonable length.
std::string diagnostic_of(const coap::Message& message);

}  // namespace drover::server
