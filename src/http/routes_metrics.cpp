// /metrics (Prometheus text) and /api/metrics (JSON): the server's counters and gauges.
#include "api_impl.hpp"
#include "errors.hpp"

namespace drover::http {

namespace {

class MetricRoutes final : public RouteFamily {
 public:
  explicit MetricRoutes(const Api::Impl& api) : api_(api) {}

  bool takes(const RouteRequest& r) const override {
    return (r.segments.size() == 1 && r.segments[0] == "metrics") ||
           (r.segments.size() == 2 && r.under({"api", "metrics"}));
  }

  Reply handle(RouteRequest& r) override {
    if (r.method != "GET") return method_not_allowed("GET");
    const auto m = api_.metrics();
    if (r.segments.size() == 1) {
      std::string text = prometheus_text(m);
      for (const auto* family : api_.added) text += family->prometheus_metrics();
      return Response{200, std::move(text), kPrometheusContentType};
    }
    return Response{200, metrics_json(m)};
  }

 private:
  const Api::Impl& api_;
};

}  // namespace

Metrics Api::Impl::metrics() const {
  const auto counts = core.counts();
  Metrics m = counted;
  m.registrations = counts.registrations;
  m.observations = counts.observations;
  m.queued_requests = counts.queued;
  m.operations_in_flight = counts.operations;
  m.api_pending = pending.size();
  m.store = core.persistence_stats();
  if (log_stats) m.log = log_stats();
  return m;
}

Metrics Api::metrics() const {
  return impl_->metrics();
}

void Api::set_log_stats(std::function<LogStats()> source) {
  impl_->log_stats = std::move(source);
}

std::unique_ptr<RouteFamily> metric_routes(Api::Impl& api) {
  return std::make_unique<MetricRoutes>(api);
}

}  // namespace drover::http
