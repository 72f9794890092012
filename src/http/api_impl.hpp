// What the modules of the Api share: the server core, the operations started through the API
// and not completed yet, the observations it started, and its counters. Each concern defines its
// part in its own file: api.cpp (parsing and dispatch), operations.cpp (started and completed
// operations), observations.cpp, metrics.cpp, stream_events.cpp, and a file per route family.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "drover/http/api.hpp"
#include "drover/lwm2m/model/path.hpp"

namespace drover::http {

struct PendingOp {
  Operation kind;
  std::string endpoint;
  lwm2m::Path path;
  coap::TimePoint started;
  bool names = false;
  bool queued = false;
};

struct Api::Impl {
  Impl(server::Server& c, ApiConfig cfg) : core(c), config(cfg) {}

  // ---- operations.cpp
  // Registers a started operation: Pending, or 202 for a sleeping client; the refusal's error.
  Reply started(const RouteRequest& request, const server::Result<server::OperationId>& id,
                Operation kind, const std::string& endpoint, const lwm2m::Path& path);
  // The answer to the request waiting for an operation, counted and timed.
  std::optional<Completion> completed(const server::OperationCompleted& done, coap::TimePoint now);
  Response result_response(const PendingOp& op, server::OperationId id,
                           const server::OperationResult& result) const;

  // ---- observations.cpp: one observation per client and path, or set of paths.
  Reply observe(RouteRequest& request, const std::string& endpoint, const lwm2m::Path& path,
                std::span<const lwm2m::Path> paths = {});
  Reply cancel(RouteRequest& request, const std::string& endpoint, const std::string& key);
  void forget_observation(server::OperationId id);

  // ---- routes_metrics.cpp: the counters with the gauges of the core.
  Metrics metrics() const;

  // ---- api.cpp
  // The OpenAPI document with the paths of the added families.
  std::string openapi() const;

  server::Server& core;
  ApiConfig config;
  std::unordered_map<server::OperationId, PendingOp> pending;
  // Observations started through the API, by key (observation_key), and back.
  std::unordered_map<std::string, server::OperationId> observations;
  std::unordered_map<server::OperationId, std::string> observation_keys;
  Metrics counted;  // the counters; metrics() adds the gauges
  std::function<LogStats()> log_stats;
  std::vector<std::unique_ptr<RouteFamily>> builtin;
  std::vector<RouteFamily*> added;
};

// What identifies an observation started through the API: the client and its path, or its set
// of paths (in any order) for a composite one.
std::string observation_key(std::string_view endpoint, const lwm2m::Path& path,
                            std::span<const lwm2m::Path> paths);

// The built-in route families, one module each.
std::unique_ptr<RouteFamily> client_routes(Api::Impl& api);   // routes_clients.cpp
std::unique_ptr<RouteFamily> model_routes(Api::Impl& api);    // routes_models.cpp
std::unique_ptr<RouteFamily> event_routes(Api::Impl& api);    // routes_events.cpp
std::unique_ptr<RouteFamily> metric_routes(Api::Impl& api);   // routes_metrics.cpp
std::unique_ptr<RouteFamily> openapi_routes(Api::Impl& api);  // openapi.cpp

// Below /api/clients/{endpoint}/: the device operations (routes_device.cpp).
Reply device_operation(Api::Impl& api, RouteRequest& request, const std::string& endpoint);

}  // namespace drover::http
