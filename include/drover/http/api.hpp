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
// counters (metrics.hpp) in the Prometheus text format, GET /api/metrics as JSON.
//
// The routes come in families (routes.hpp), one module each: clients and their operations,
// models, events, metrics and the OpenAPI document; add_routes adds another.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/http/event_stream.hpp"
#include "drover/http/metrics.hpp"
#include "drover/http/reply.hpp"
#include "drover/http/routes.hpp"
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
  // Registrations a filtered listing looks at per call (per shard), past the page's start.
  std::size_t max_scan = 10000;
  // Endpoints one event stream may name (?endpoint= repeated).
  std::size_t max_stream_endpoints = 1000;
};

// The OpenAPI 3 description of the built-in routes (GET /api/openapi.json gives it with the paths
// of added route families).
std::string_view openapi_document();

// What the session layer (HttpServer) asks of the API: an Api over one server core, or a router
// in front of the Apis of several (ShardRouter).
class ApiHandler {
 public:
  virtual ~ApiHandler() = default;
  virtual Reply handle(const Request& request, coap::TimePoint now) = 0;
  virtual std::size_t max_body_bytes() const = 0;
};

// GET /api/clients, in two steps so that a router can list the clients of several servers: each
// Api gives the endpoints of its page (client_page), the router merges them (merge_client_pages),
// and then each gives the JSON of those on the merged page. A page costs its own size: the
// server keeps its registrations in endpoint order (RegistrationStore::rank), so a cursor
// (`after`), a prefix and an offset are each found in O(log n + blocks). The other filters are
// checked on each registration in order, at most max_scan of them per call: such a page may be
// short, even empty, with a `next` to continue from.
struct ClientQuery {
  std::string after;   // only endpoints after this one (empty: from the first)
  std::string prefix;  // only endpoints that start with it
  std::size_t offset = 0;
  std::size_t limit = 0;
  // Filters checked on each registration (a bounded scan).
  std::string contains;                        // a substring of the endpoint
  std::optional<std::uint16_t> object;         // announced this object
  std::optional<lwm2m::Lwm2mVersion> version;  // of this LwM2M version
  std::string binding;                         // has all these binding letters
  std::optional<bool> queue_mode;
  std::optional<coap::Duration> seen_within;   // Register or Update at most this long ago
  std::optional<coap::Duration> not_seen_for;  // none for at least this long

  bool scans() const;  // whether a filter is checked registration by registration
};
struct ClientPage {
  // Registrations in the range (all, or those with the prefix); nullopt when a filter scans.
  std::optional<std::size_t> total;
  std::vector<std::string> endpoints;  // sorted, at most limit of them
  // Set when registrations after the last one looked at remain: where the next page starts.
  std::optional<std::string> next;
};
// The query of a GET /api/clients target, or the 400 it gets.
std::variant<ClientQuery, Response> client_query(std::string_view target, const ApiConfig& config);
// The endpoints of several pages (one per server, after the same cursor) merged: the first
// `limit` of those every server has looked as far as, each with the index of its page.
struct MergedPage {
  std::vector<std::pair<std::size_t, std::string>> endpoints;
  std::optional<std::size_t> total;
  std::optional<std::string> next;
};
MergedPage merge_client_pages(std::size_t limit, std::span<const ClientPage> parts);
// The listing: `clients` are the page's client objects, as JSON text (empty: left out).
Response client_listing(const ClientQuery& query, const MergedPage& page,
                        std::span<const std::string> clients);

class Api final : public ApiHandler {
 public:
  explicit Api(server::Server& core, ApiConfig config = {});
  ~Api() override;
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Reply handle(const Request& request, coap::TimePoint now) override;
  std::size_t max_body_bytes() const override;

  // Another family of routes, asked after the built-in ones; it must outlive the Api.
  void add_routes(RouteFamily& family);

  // This server's page of GET /api/clients (see ClientQuery).
  ClientPage client_page(const ClientQuery& query, coap::TimePoint now) const;
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
  // What GET /metrics and /api/metrics show of this server.
  Metrics metrics() const;
  // Where metrics() reads the process's log counts (none: no log metrics). With several Apis
  // in front of one process, one of them only, so that the sum counts each line once.
  void set_log_stats(std::function<LogStats()> source);
  // After Server::restore: the core's observations are taken as started through this API, so
  // that they can be cancelled by their path and are not observed twice.
  void adopt_observations();

  const ApiConfig& config() const;
  std::size_t pending() const;
  std::size_t observations() const;

  struct Impl;  // shared by the modules of the route families

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::http
