// The HTTP API of the LwM2M server, sans-I/O: a request (method, target, body) in, a response
// (status, JSON body) out, or Pending when the answer waits for an LwM2M operation. Routes and
// the JSON shapes are documented in docs/http-api.md.
//
// The Api calls the Server core directly, so it runs on the core's thread. The session layer
// (HttpServer) hands every ServerEvent to on_event, which gives the response of a Pending request
// when its OperationCompleted arrives. Requests to a sleeping queue-mode client are answered 202
// with the operation id at once; their completion also comes out of on_event (no HTTP request
// waits for it) and goes to the event stream.
//
// GET /api/events answers Subscribe: the session layer keeps the connection as a Server-Sent
// Events stream and writes to it what stream_event makes of every server event (and, with
// coap=1, the CoAP message log of one client: see message_log.hpp). GET /metrics gives the
// counters below in the Prometheus text format, with latency histograms of the operations.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/http/event_stream.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/server/server.hpp"

namespace drover::http {

struct ApiConfig {
  std::size_t max_body_bytes = 1024 * 1024;
  // Operations started through the API and not completed yet (waiting or 202); past it, 503.
  std::size_t max_pending = 4096;
  std::size_t default_page = 100;
  std::size_t max_page = 1000;
  // Bound on ?timeout= (seconds).
  std::chrono::seconds max_timeout{600};
};

struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // origin form: "/api/clients?limit=10"
  std::string_view body;
};

struct Response {
  unsigned status = 200;
  std::string body;
  std::string_view content_type = "application/json";  // a static string
};

// The OpenAPI 3 description of every route (GET /api/openapi.json).
std::string_view openapi_document();

// {"error":{"code":code,"message":message}}: every error answer of the API.
Response error_response(unsigned status, std::string_view code, std::string_view message);

// The response comes later from on_event, tagged with this operation.
struct Pending {
  server::OperationId id;
};

// GET /api/events: the connection becomes an event stream of `endpoint`'s events (all when empty).
struct Subscribe {
  std::string endpoint;
  bool names = false;  // notification and send values carry name and units (?names=1)
  bool coap = false;   // also the CoAP messages of `endpoint` (?coap=1; needs an endpoint)
};

using Reply = std::variant<Response, Pending, Subscribe>;

struct Completion {
  server::OperationId id;
  Response response;
  bool queued = false;  // answered 202 earlier: no HTTP request waits for this one
};

// What the session layer (HttpServer) asks of the API: an Api over one server core, or a router
// in front of the Apis of several (ShardRouter).
class ApiHandler {
 public:
  virtual ~ApiHandler() = default;
  virtual Reply handle(const Request& request, coap::TimePoint now) = 0;
  virtual std::size_t max_body_bytes() const = 0;
};

// GET /api/clients, in two steps so that a router can list the clients of several servers: each
// Api gives its first offset + limit matching endpoints, and then the JSON of those on the page.
struct ClientQuery {
  std::string filter;  // a substring of the endpoint
  std::size_t offset = 0;
  std::size_t limit = 0;
};
struct ClientMatches {
  std::size_t total = 0;
  std::vector<std::string> first;  // sorted, at most offset + limit of them
};
// The query of a GET /api/clients target, or the 400 it gets.
std::variant<ClientQuery, Response> client_query(std::string_view target, const ApiConfig& config);
// The endpoints on the page, in order, each with the index of the ClientMatches it came from.
std::vector<std::pair<std::size_t, std::string>> client_page(const ClientQuery& query,
                                                             std::span<const ClientMatches> parts);
// The listing: `clients` are the page's client objects, as JSON text (empty: left out).
Response client_listing(const ClientQuery& query, std::size_t total,
                        std::span<const std::string> clients);

// The /metrics texts of several servers as one: every sample summed across them, each metric's
// samples together under its HELP and TYPE lines (in the order they first appear).
std::string merge_metrics(std::span<const std::string> texts);

class Api final : public ApiHandler {
 public:
  explicit Api(server::Server& core, ApiConfig config = {});

  Reply handle(const Request& request, coap::TimePoint now) override;
  std::size_t max_body_bytes() const override { return config_.max_body_bytes; }

  // The parts of GET /api/clients (see ClientQuery).
  ClientMatches client_matches(const ClientQuery& query) const;
  // The JSON text of each of these clients; empty for one no longer registered.
  std::vector<std::string> clients_json(std::span<const std::string> endpoints,
                                        coap::TimePoint now) const;
  bool has_client(const std::string& endpoint) const;
  // Feed every event drained from the core (after handling it elsewhere as needed), with the
  // time it was drained (an operation's latency ends there).
  std::optional<Completion> on_event(const server::ServerEvent& event, coap::TimePoint now);
  // What the event stream shows of `event`; `completion` is what on_event returned for it (a
  // queued operation's result is streamed). `names`: values with name and units. Nullopt:
  // nothing to stream.
  std::optional<StreamEvent> stream_event(const server::ServerEvent& event,
                                          const std::optional<Completion>& completion,
                                          coap::TimePoint now, bool names = false) const;

  const ApiConfig& config() const { return config_; }
  std::size_t pending() const { return pending_.size(); }
  std::size_t observations() const { return observation_keys_.size(); }

 private:
  enum class Kind : std::uint8_t {
    Read, Discover, Write, WriteAttributes, Execute, Create, Delete, ReadComposite,
    WriteComposite, Observe, ObserveComposite
  };
  static constexpr std::size_t kKinds = 11;
  // Upper bounds (seconds) of the latency histograms' buckets, +Inf left out.
  static constexpr std::array<double, 14> kLatencyBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                         1,     2.5,  5,     10,   30,  60,   120};
  struct Latency {
    std::array<std::uint64_t, kLatencyBounds.size() + 1> buckets{};  // not cumulative; last: +Inf
    double sum = 0;                                                  // seconds
    std::uint64_t count = 0;
  };
  // OperationStatus values, then one for refusals by the core (nothing sent).
  static constexpr std::size_t kResults = 28;
  struct PendingOp {
    Kind kind;
    std::string endpoint;
    lwm2m::Path path;
    coap::TimePoint started;
    bool names = false;
    bool queued = false;
  };
  struct Context;

  Reply route(Context& c);
  Response metrics() const;
  Reply clients(Context& c);
  Reply client(Context& c, const std::string& endpoint);
  // GET /api/models (id empty) and GET /api/models/{id}[?version=]: the server's object models.
  Response models(const Context& c, std::string_view id) const;
  Reply resource(Context& c, const std::string& endpoint, const lwm2m::Path& path,
                 std::string_view action);
  Reply composite(Context& c, const std::string& endpoint, std::string_view action);
  // Observe and its cancel, of one path or (`paths`) composite: the API keeps one observation per
  // client and path, or set of paths.
  Reply observe(Context& c, const std::string& endpoint, const lwm2m::Path& path,
                std::span<const lwm2m::Path> paths = {});
  Reply cancel(Context& c, const std::string& endpoint, const std::string& key);
  // Registers a started operation: Pending, or 202 for a sleeping client.
  Reply started(Context& c, const server::Result<server::OperationId>& id, Kind kind,
                const std::string& endpoint, const lwm2m::Path& path);
  Response completed(const PendingOp& op, server::OperationId id,
                     const server::OperationResult& result);
  void forget_observation(server::OperationId id);

  server::Server& core_;
  ApiConfig config_;
  std::unordered_map<server::OperationId, PendingOp> pending_;
  // Observations started through the API, by "endpoint path", and back.
  std::unordered_map<std::string, server::OperationId> observations_;
  std::unordered_map<server::OperationId, std::string> observation_keys_;
  // For /metrics: operations started through the API by kind and result, and reports received.
  std::array<std::array<std::uint64_t, kResults>, kKinds> operations_{};
  // From the call to the completion, of every operation the server sent or queued, by kind.
  std::array<Latency, kKinds> latency_{};
  std::uint64_t registered_ = 0;
  std::uint64_t updated_ = 0;
  std::uint64_t deregistered_ = 0;
  std::uint64_t expired_ = 0;
  std::uint64_t notifications_ = 0;
  std::uint64_t sends_ = 0;
};

}  // namespace drover::http
