// The OpenAPI 3 document of the HTTP API, served at GET /api/openapi.json. It mirrors
// docs/http-api.md; a test checks that its routes and the router's are the same.
#include "api_impl.hpp"
#include "errors.hpp"

namespace drover::http {

namespace {

constexpr std::string_view kDocument = R"json({
"openapi": "3.0.3",
"info": {"title": "Drover LwM2M server HTTP API", "version": "1",
  "description": "The JSON API of `drover server` (docs/http-api.md). Device operations wait for the device's answer; a sleeping queue-mode client's request is answered 202 and its result comes on the event stream."},
"paths": {
  "/api/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
    "responses": {"200": {"description": "OpenAPI 3 document"}}}},
  "/metrics": {"get": {"summary": "Counters and gauges in the Prometheus text format", "operationId": "metrics",
    "responses": {"200": {"description": "Prometheus text", "content": {"text/plain": {}}}}}},
  "/api/metrics": {"get": {"summary": "The metrics of /metrics as JSON", "operationId": "metricsJson",
    "responses": {"200": {"description": "the metrics", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Metrics"}}}}}}},
  "/api/events": {"get": {"summary": "Server-Sent Events: registration, update, deregistration, expiry, sleeping, awake, notification, send, result; coap with coap=1",
    "operationId": "events",
    "parameters": [{"name": "endpoint", "in": "query", "required": false, "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true,
        "description": "only the events of these clients (repeated: endpoint=a&endpoint=b)"},
      {"name": "types", "in": "query", "required": false, "schema": {"type": "array", "items": {"type": "string",
        "enum": ["registration", "update", "deregistration", "expiry", "sleeping", "awake", "notification", "send", "result", "coap", "bootstrap"]}}, "style": "form", "explode": false,
        "description": "only events of these types (comma-separated)"},
      {"$ref": "#/components/parameters/names"},
      {"name": "coap", "in": "query", "required": false, "schema": {"type": "string", "enum": ["1", "true"]},
        "description": "also a coap event for every CoAP message to or from the client named by endpoint (required with it)"}],
    "responses": {"200": {"description": "an endless text/event-stream", "content": {"text/event-stream": {}}},
      "400": {"$ref": "#/components/responses/Error"}}}},
  "/api/models": {"get": {"summary": "Every object definition the server knows, sorted by ID then version", "operationId": "listModels",
    "responses": {"200": {"description": "the definitions", "content": {"application/json": {"schema": {"type": "array",
      "items": {"$ref": "#/components/schemas/ModelSummary"}}}}}}}},
  "/api/models/{id}": {
    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": 65534}, "description": "the object ID"}],
    "get": {"summary": "One object definition with its resources: the active version, or the one asked", "operationId": "getModel",
      "parameters": [{"name": "version", "in": "query", "required": false, "schema": {"type": "string", "example": "1.0"}, "description": "the object version"}],
      "responses": {"200": {"description": "the definition", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Model"}}}},
        "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients": {"get": {"summary": "List registrations in endpoint order: by cursor (after, next), prefix or offset, optionally filtered", "operationId": "listClients",
    "parameters": [
      {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "only endpoints after this one: the next of the previous page"},
      {"name": "prefix", "in": "query", "schema": {"type": "string"}, "description": "only endpoints that start with it"},
      {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}, "description": "skip this many, from after; not with the filters below"},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
      {"name": "endpoint", "in": "query", "schema": {"type": "string"}, "description": "substring filter (scans)"},
      {"name": "object", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 65534}, "description": "announced this object (scans)"},
      {"name": "version", "in": "query", "schema": {"type": "string", "enum": ["1.0", "1.1", "1.2"]}, "description": "LwM2M version (scans)"},
      {"name": "binding", "in": "query", "schema": {"type": "string"}, "description": "has all these binding letters (scans)"},
      {"name": "queue_mode", "in": "query", "schema": {"type": "boolean"}, "description": "(scans)"},
      {"name": "seen_within", "in": "query", "schema": {"type": "integer", "minimum": 0}, "description": "seconds since the last Register or Update, at most (scans)"},
      {"name": "not_seen_for", "in": "query", "schema": {"type": "integer", "minimum": 0}, "description": "seconds since the last Register or Update, at least (scans)"}],
    "responses": {"200": {"description": "a page of clients", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"total": {"type": "integer", "nullable": true}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
        "next": {"type": "string", "nullable": true},
        "clients": {"type": "array", "items": {"$ref": "#/components/schemas/Client"}}}}}}},
      "400": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}],
    "get": {"summary": "One registration", "operationId": "getClient",
      "responses": {"200": {"description": "the client", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Client"}}}},
        "404": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/{path}": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/path"},
      {"$ref": "#/components/parameters/format"}, {"$ref": "#/components/parameters/timeout"}],
    "get": {"summary": "Read", "operationId": "read", "parameters": [{"$ref": "#/components/parameters/names"}],
      "responses": {"200": {"$ref": "#/components/responses/Values"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}},
    "put": {"summary": "Write (replace)", "operationId": "writeReplace",
      "requestBody": {"$ref": "#/components/requestBodies/Values"},
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}},
    "post": {"summary": "Write (partial update) on an instance or resource; Create on an object (optional \"instance\" in the body)",
      "operationId": "writeUpdateOrCreate",
      "requestBody": {"$ref": "#/components/requestBodies/Values"},
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "201": {"description": "created", "content": {"application/json": {"schema": {"type": "object",
          "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "created": {"type": "string"}}}}}},
        "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Delete an instance or resource instance", "operationId": "delete",
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/{path}/discover": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/path"}, {"$ref": "#/components/parameters/timeout"}],
    "get": {"summary": "Discover", "operationId": "discover",
      "parameters": [{"name": "depth", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 3}}],
      "responses": {"200": {"description": "links", "content": {"application/json": {"schema": {"type": "object",
          "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "links": {"type": "array", "items": {"type": "object",
            "properties": {"target": {"type": "string"}, "attributes": {"type": "object", "additionalProperties": {"type": "string", "nullable": true}}}}}}}}}},
        "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/{path}/execute": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/path"}, {"$ref": "#/components/parameters/timeout"}],
    "post": {"summary": "Execute", "operationId": "execute",
      "requestBody": {"required": false, "content": {"text/plain": {"schema": {"type": "string", "example": "0='x',1"}}}},
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/{path}/attributes": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/path"}, {"$ref": "#/components/parameters/timeout"}],
    "put": {"summary": "Write-Attributes: the query holds the attributes (pmin=10&pmax=60&gt=25; a bare name clears it)", "operationId": "writeAttributes",
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/{path}/observe": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/path"}],
    "post": {"summary": "Observe; notifications come on /api/events", "operationId": "observe",
      "parameters": [{"$ref": "#/components/parameters/format"}, {"$ref": "#/components/parameters/timeout"}, {"$ref": "#/components/parameters/names"}],
      "responses": {"200": {"$ref": "#/components/responses/Values"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Cancel the observation started through the API on this path", "operationId": "cancelObservation",
      "parameters": [{"$ref": "#/components/parameters/mode"}],
      "responses": {"200": {"$ref": "#/components/responses/Cancelled"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/composite/read": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/format"}, {"$ref": "#/components/parameters/timeout"}],
    "post": {"summary": "Read-Composite", "operationId": "readComposite", "parameters": [{"$ref": "#/components/parameters/names"}],
      "requestBody": {"$ref": "#/components/requestBodies/Paths"},
      "responses": {"200": {"$ref": "#/components/responses/Values"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/composite/observe": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}],
    "post": {"summary": "Observe-Composite; notifications come on /api/events", "operationId": "observeComposite",
      "parameters": [{"$ref": "#/components/parameters/format"}, {"$ref": "#/components/parameters/timeout"}, {"$ref": "#/components/parameters/names"}],
      "requestBody": {"$ref": "#/components/requestBodies/Paths"},
      "responses": {"200": {"$ref": "#/components/responses/Values"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Cancel the Observe-Composite started through the API on these paths (in any order)", "operationId": "cancelObservationComposite",
      "parameters": [{"$ref": "#/components/parameters/mode"}],
      "requestBody": {"$ref": "#/components/requestBodies/Paths"},
      "responses": {"200": {"$ref": "#/components/responses/Cancelled"}, "default": {"$ref": "#/components/responses/Error"}}}},
  "/api/clients/{endpoint}/composite/write": {
    "parameters": [{"$ref": "#/components/parameters/endpoint"}, {"$ref": "#/components/parameters/format"}, {"$ref": "#/components/parameters/timeout"}],
    "post": {"summary": "Write-Composite", "operationId": "writeComposite",
      "requestBody": {"$ref": "#/components/requestBodies/Values"},
      "responses": {"200": {"$ref": "#/components/responses/Done"}, "202": {"$ref": "#/components/responses/Queued"}, "default": {"$ref": "#/components/responses/Error"}}}}
},
"components": {
  "parameters": {
    "endpoint": {"name": "endpoint", "in": "path", "required": true, "schema": {"type": "string"}, "description": "the endpoint client name, percent-encoded"},
    "path": {"name": "path", "in": "path", "required": true, "schema": {"type": "string", "example": "3/0/1"},
      "description": "an LwM2M path of 1 to 4 numeric segments separated by slashes"},
    "format": {"name": "format", "in": "query", "schema": {"type": "string",
      "enum": ["text", "opaque", "cbor", "tlv", "senml-json", "senml-cbor", "lwm2m-cbor", "oma-json", "link"]},
      "description": "on GET the format asked of the device, else the format of the payload sent"},
    "timeout": {"name": "timeout", "in": "query", "schema": {"type": "number", "exclusiveMinimum": true, "minimum": 0, "maximum": 600, "default": 93},
      "description": "deadline of the operation in seconds, queue included"},
    "names": {"name": "names", "in": "query", "schema": {"type": "string", "enum": ["1", "true"]}, "description": "add name and units of each resource"},
    "mode": {"name": "mode", "in": "query", "schema": {"type": "string", "enum": ["passive", "active"], "default": "passive"},
      "description": "passive: forget it (the next notification gets RST); active: tell the client (GET/FETCH with Observe 1)"}},
  "requestBodies": {
    "Paths": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["paths"],
      "properties": {"paths": {"type": "array", "items": {"type": "string", "example": "/3/0/0"}}}}}}},
    "Values": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["values"],
      "properties": {"instance": {"type": "integer", "minimum": 0, "maximum": 65534},
        "values": {"type": "array", "items": {"$ref": "#/components/schemas/Value"}}}}}}}},
  "responses": {
    "Values": {"description": "the values read", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "format": {"type": "string"}, "observing": {"type": "boolean"},
        "values": {"type": "array", "items": {"$ref": "#/components/schemas/Value"}}}}}}},
    "Done": {"description": "the device's success code", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"id": {"type": "integer"}, "code": {"type": "string"}}}}}},
    "Cancelled": {"description": "cancelled", "content": {"application/json": {"schema": {"type": "object", "properties": {"cancelled": {"type": "integer"}}}}}},
    "Queued": {"description": "the client is asleep: queued, the result comes on /api/events as a result event", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"id": {"type": "integer"}, "queued": {"type": "boolean"}}}}}},
    "Error": {"description": "an error (docs/http-api.md lists the codes)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
  "schemas": {
    "Value": {"type": "object", "required": ["path", "value"], "properties": {
      "path": {"type": "string", "example": "/3/0/0"},
      "type": {"type": "string", "enum": ["string", "integer", "unsigned", "float", "boolean", "opaque", "time", "objlnk", "corelnk", "none"]},
      "value": {"description": "string, number, boolean, base64 (opaque), \"o:i\" (objlnk) or null"},
      "time": {"type": "number"}, "name": {"type": "string"}, "units": {"type": "string"}}},
    "Client": {"type": "object", "properties": {
      "endpoint": {"type": "string"}, "location": {"type": "string"}, "address": {"type": "string"},
      "lifetime": {"type": "integer"}, "binding": {"type": "string"}, "lwm2m_version": {"type": "string"},
      "queue_mode": {"type": "boolean"}, "awake": {"type": "boolean"}, "root": {"type": "string"}, "sms": {"type": "string"},
      "registered_at": {"type": "integer"}, "updated_at": {"type": "integer"}, "expires_at": {"type": "integer"},
      "content_formats": {"type": "array", "items": {"type": "integer"}},
      "objects": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "version": {"type": "string"},
        "instances": {"type": "array", "items": {"type": "integer"}}}}}}},
    "ModelSummary": {"type": "object", "properties": {
      "id": {"type": "integer"}, "version": {"type": "string"}, "name": {"type": "string"}, "lwm2m": {"type": "string"},
      "multiple": {"type": "boolean"}, "mandatory": {"type": "boolean"}}},
    "Model": {"allOf": [{"$ref": "#/components/schemas/ModelSummary"}, {"type": "object", "properties": {
      "urn": {"type": "string"}, "description": {"type": "string"},
      "resources": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "operations": {"type": "string", "enum": ["R", "W", "RW", "E", ""]},
        "multiple": {"type": "boolean"}, "mandatory": {"type": "boolean"},
        "type": {"type": "string", "description": "as in a DDF: String, Integer, Unsigned Integer, Float, Boolean, Opaque, Time, Objlnk, Corelnk; empty for Execute"},
        "range": {"type": "string"}, "units": {"type": "string"}, "description": {"type": "string"}}}}}}]},
    "Metrics": {"type": "object", "properties": {
      "registrations": {"type": "integer"}, "observations": {"type": "integer"}, "queued_requests": {"type": "integer"},
      "operations_in_flight": {"type": "integer"}, "api_pending_operations": {"type": "integer"},
      "registration_events": {"type": "object", "properties": {"register": {"type": "integer"}, "update": {"type": "integer"},
        "deregister": {"type": "integer"}, "expire": {"type": "integer"}}},
      "notifications": {"type": "integer"}, "sends": {"type": "integer"},
      "log": {"type": "object", "nullable": true, "description": "the program's log; null when not given",
        "properties": {"dropped_lines": {"type": "integer", "description": "lines dropped because the log's queue was full"}}},
      "latency_bounds": {"type": "array", "items": {"type": "number"}, "description": "upper bounds (seconds) of the latency buckets; a last bucket is unbounded"},
      "operations": {"type": "object", "additionalProperties": {"type": "object", "properties": {
        "results": {"type": "object", "additionalProperties": {"type": "integer"}},
        "latency": {"type": "object", "properties": {"count": {"type": "integer"}, "sum": {"type": "number"},
          "buckets": {"type": "array", "items": {"type": "integer"}, "description": "counts per bucket, not cumulative"}}}}}}}},
    "SecurityEntry": {"type": "object", "description": "The DTLS credentials an endpoint may register with (docs/http-api.md, Security); PSK keys are never answered",
      "properties": {"endpoint": {"type": "string"},
        "credentials": {"type": "array", "items": {"type": "object", "properties": {
          "type": {"type": "string", "enum": ["psk", "rpk", "x509"]},
          "identity": {"type": "string"}, "key_set": {"type": "boolean"},
          "key_name": {"type": "string"}, "subject": {"type": "string"}, "san": {"type": "string"}}}},
        "source": {"type": "string", "enum": ["api", "command line", "bootstrap"]}}},
    "BootstrapConfig": {"type": "object", "description": "What the bootstrap server provisions (docs/http-api.md, Bootstrap configurations)",
      "properties": {"version": {"type": "string", "enum": ["1.0", "1.1", "1.2"]},
        "format": {"type": "string", "enum": ["tlv", "senml-json", "senml-cbor", "lwm2m-cbor"]},
        "discover": {"type": "boolean"}, "read": {"type": "array", "items": {"type": "string"}},
        "delete": {"type": "array", "items": {"type": "string"}, "default": ["/"]},
        "servers": {"type": "array", "items": {"type": "object", "properties": {
          "security": {"type": "object", "required": ["uri"], "properties": {"instance": {"type": "integer"}, "uri": {"type": "string"},
            "bootstrap": {"type": "boolean"}, "mode": {"type": "string", "enum": ["psk", "rpk", "x509", "nosec", "est"]},
            "identity": {"type": "string", "description": "hex"}, "identity_text": {"type": "string"},
            "server_public_key": {"type": "string", "description": "hex"},
            "secret_key": {"type": "string", "description": "hex; answered as ********"},
            "ssid": {"type": "integer"}, "hold_off": {"type": "integer"},
            "certificate_usage": {"type": "integer", "minimum": 0, "maximum": 3, "description": "x509: RFC 6698 usage of server_public_key; absent: 3"}}},
          "server": {"type": "object", "properties": {"instance": {"type": "integer"}, "ssid": {"type": "integer"},
            "lifetime": {"type": "integer"}, "pmin": {"type": "integer"}, "pmax": {"type": "integer"},
            "notification_storing": {"type": "boolean"}, "binding": {"type": "string"}}}}}},
        "acls": {"type": "array", "items": {"type": "object", "properties": {"instance": {"type": "integer"},
          "object": {"type": "integer"}, "object_instance": {"type": "integer"},
          "rights": {"type": "object", "additionalProperties": {"type": "integer"}}, "owner": {"type": "integer"}}}},
        "order": {"type": "array", "items": {"type": "integer"}}}},
    "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
      "code": {"type": "string"}, "message": {"type": "string"}}}}}}
}
})json";

class OpenApiRoutes final : public RouteFamily {
 public:
  explicit OpenApiRoutes(const Api::Impl& api) : api_(api) {}

  bool takes(const RouteRequest& r) const override {
    return r.segments.size() == 2 && r.under({"api", "openapi.json"});
  }

  Reply handle(RouteRequest& r) override {
    if (r.method != "GET") return method_not_allowed("GET");
    return Response{200, api_.openapi()};
  }

 private:
  const Api::Impl& api_;
};

}  // namespace

std::string_view openapi_document() {
  return kDocument;
}

std::unique_ptr<RouteFamily> openapi_routes(Api::Impl& api) {
  return std::make_unique<OpenApiRoutes>(api);
}

}  // namespace drover::http
