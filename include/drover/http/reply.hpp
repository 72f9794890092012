// What the HTTP API is asked and what it answers, without sockets: a request (method, target,
// body) in; a response, a Pending operation whose response comes later, or a Subscribe that turns
// the connection into an event stream, out.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "drover/server/server.hpp"

namespace drover::http {

struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin form: "/api/clients?limit=10"
  std::string_view body;
  std::string_view range{};  // the Range header, empty when absent
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";  // a static string
  // Content-Range of a 206 or 416 (RFC 9110 §14.4); empty: none.
  std::string content_range{};
  bool accept_ranges = false;  // Accept-Ranges: bytes
};

// {"error":{"code":code,"message":message}}: every error answer of the API.
Response error_response(unsigned status, std::string_view code, std::string_view message);

// The response comes later from on_event, tagged with this operation.
struct Pending {
  server::OperationId id;
};

// GET /api/events: the connection becomes an event stream.
struct Subscribe {
  std::string endpoint;  // the one endpoint asked (?endpoint=), else empty
  // Every endpoint asked (?endpoint= repeated); empty: all.
  std::vector<std::string> endpoints;
  // The event types asked (?types=registration,update,...); empty: all.
  std::vector<std::string> types;
  bool names = false;  // notification and send values carry name and units (?names=1)
  bool coap = false;   // also the CoAP messages of `endpoint` (?coap=1; needs one endpoint)
};

using Reply = std::variant<Response, Pending, Subscribe>;

struct Completion {
  server::OperationId id;
  Response response;
  bool queued = false;  // answered 202 earlier: no HTTP request waits for this one
};

}  // namespace drover::http
