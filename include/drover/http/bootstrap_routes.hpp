// /api/bootstrap: the bootstrap server's configurations (list, get, put, delete; secrets masked
// in every answer), server-initiated bootstrap of a device (POST /api/bootstrap/sessions) and its
// counters. Added to an Api (`drover server --bootstrap-port`) or served
// alone by a RouteFamilies handler (`drover bootstrap-server`). docs/http-api.md describes it.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "drover/bootstrap/bootstrap_server.hpp"
#include "drover/bootstrap/config.hpp"
#include "drover/http/api.hpp"
#include "drover/http/event_stream.hpp"
#include "drover/http/routes.hpp"

namespace drover::http {

class BootstrapRoutes final : public RouteFamily {
 public:
  // `server` (may be null: no counters, no sessions) and `configs` must outlive the routes.
  BootstrapRoutes(bootstrap::BootstrapConfigs& configs, bootstrap::BootstrapServer* server);
  // Called after a session is started here, for its first request to be sent (the server's loop
  // is not the HTTP server's).
  void set_wake(std::function<void()> wake) { wake_ = std::move(wake); }

  bool takes(const RouteRequest& request) const override;
  Reply handle(RouteRequest& request) override;
  std::string_view openapi_paths() const override;
  // drover_bootstrap_*: the server's counters (none without a server).
  std::string prometheus_metrics() const override;

 private:
  Reply start_session(RouteRequest& request);

  bootstrap::BootstrapConfigs& configs_;
  bootstrap::BootstrapServer* server_;
  std::function<void()> wake_;
};

// What the event stream shows of a bootstrap event: type "bootstrap", the endpoint, and
// {"endpoint","session","event":"started|step|finished|failed|pack", ...} (docs/http-api.md).
StreamEvent stream_event(const bootstrap::BootstrapEvent& event);

// An API of route families only, for a program without an LwM2M server core: the families
// added, GET /api/openapi.json listing their paths and GET /metrics their Prometheus text.
class RouteFamilies final : public ApiHandler {
 public:
  explicit RouteFamilies(std::size_t max_body_bytes = 1024 * 1024);
  // It must outlive this handler.
  void add_routes(RouteFamily& family);
  Reply handle(const Request& request, coap::TimePoint now) override;
  std::size_t max_body_bytes() const override { return max_body_bytes_; }

 private:
  std::size_t max_body_bytes_;
  std::vector<RouteFamily*> families_;
};

}  // namespace drover::http
