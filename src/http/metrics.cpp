#include "drover/http/metrics.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <initializer_list>

#include "drover/server/server.hpp"

namespace drover::http {

namespace json = boost::json;
using server::OperationStatus;

namespace {

constexpr std::array<std::string_view, kOperations> kOperationNames{
    "read",   "discover",       "write",           "write_attributes", "execute",          "create",
    "delete", "read_composite", "write_composite", "observe",          "observe_composite"};

// Metrics of one value each, without labels.
struct Single {
  std::string_view name, type, help;
  std::uint64_t value;
};
void metrics(std::string& out, std::initializer_list<Single> list) {
  for (const Single& m : list) prometheus_metric(out, m.name, m.type, m.help, m.value);
}

// Shortest text that reads back as `v` (Prometheus takes Go float syntax: "0.25", "1e-05").
std::string number(double v) {
  std::array<char, 32> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), v);
  return ec == std::errc{} ? std::string(buffer.data(), end) : std::string("NaN");
}

}  // namespace

void prometheus_header(std::string& out, std::string_view name, std::string_view type,
                       std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void prometheus_metric(std::string& out, std::string_view name, std::string_view type,
                       std::string_view help, std::uint64_t value) {
  prometheus_header(out, name, type, help);
  out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

std::string_view operation_name(Operation op) {
  return kOperationNames[static_cast<std::size_t>(op)];
}

std::string result_name(std::size_t result) {
  static_assert(static_cast<std::size_t>(OperationStatus::ClientGone) + 2 == kOperationResults);
  std::string name(result == kRefused ? "refused"
                                      : server::to_string(static_cast<OperationStatus>(result)));
  std::replace(name.begin(), name.end(), ' ', '_');  // "not found" -> not_found
  return name;
}

void LatencyHistogram::add(double seconds) {
  const auto bucket = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
  ++buckets[static_cast<std::size_t>(bucket - kLatencyBounds.begin())];
  sum += seconds;
  ++count;
}

Metrics& Metrics::operator+=(const Metrics& o) {
  registrations += o.registrations;
  observations += o.observations;
  queued_requests += o.queued_requests;
  operations_in_flight += o.operations_in_flight;
  api_pending += o.api_pending;
  registered += o.registered;
  updated += o.updated;
  deregistered += o.deregistered;
  expired += o.expired;
  notifications += o.notifications;
  sends += o.sends;
  if (o.store) {
    if (!store) store.emplace();
    *store += *o.store;
  }
  if (o.log) {
    if (!log) log.emplace();
    log->dropped_lines += o.log->dropped_lines;
  }
  for (std::size_t k = 0; k < kOperations; ++k) {
    for (std::size_t r = 0; r < kOperationResults; ++r) operations[k][r] += o.operations[k][r];
    auto& h = latency[k];
    for (std::size_t b = 0; b < h.buckets.size(); ++b) h.buckets[b] += o.latency[k].buckets[b];
    h.sum += o.latency[k].sum;
    h.count += o.latency[k].count;
  }
  return *this;
}

std::string prometheus_text(const Metrics& m) {
  std::string out;
  prometheus_metric(out, "drover_registrations", "gauge", "Clients registered now.",
                    m.registrations);
  prometheus_header(out, "drover_registration_events_total", "counter",
                    "Registration interface events: register, update, deregister, expire.");
  for (const auto& [name, n] :
       {std::pair<std::string_view, std::uint64_t>{"register", m.registered},
        {"update", m.updated},
        {"deregister", m.deregistered},
        {"expire", m.expired}})
    out.append("drover_registration_events_total{event=\"")
        .append(name)
        .append("\"} ")
        .append(std::to_string(n))
        .append("\n");
  metrics(out,
          {{"drover_observations", "gauge", "Observations established or pending.", m.observations},
           {"drover_queued_requests", "gauge",
            "Requests and observations waiting for a sleeping client.", m.queued_requests},
           {"drover_operations_in_flight", "gauge",
            "Operations in flight or queued in the server core.", m.operations_in_flight},
           {"drover_api_pending_operations", "gauge",
            "Operations started through the API and not completed yet.", m.api_pending}});
  prometheus_header(
      out, "drover_api_operations_total", "counter",
      "Operations started through the HTTP API, by operation and result (refused: the "
      "server did not send it).");
  for (std::size_t k = 0; k < kOperations; ++k) {
    for (std::size_t r = 0; r < kOperationResults; ++r) {
      if (m.operations[k][r] == 0) continue;
      out.append("drover_api_operations_total{operation=\"")
          .append(kOperationNames[k])
          .append("\",result=\"")
          .append(result_name(r))
          .append("\"} ")
          .append(std::to_string(m.operations[k][r]))
          .append("\n");
    }
  }
  prometheus_header(out, "drover_api_operation_duration_seconds", "histogram",
                    "Time from the API call to the operation's completion (the device's answer, a "
                    "timeout, or the end of the registration), queue included, by operation.");
  for (std::size_t k = 0; k < kOperations; ++k) {
    const auto& h = m.latency[k];
    const std::string label = "operation=\"" + std::string(kOperationNames[k]) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < h.buckets.size(); ++b) {
      cumulative += h.buckets[b];
      const std::string le = b < kLatencyBounds.size() ? number(kLatencyBounds[b]) : "+Inf";
      out.append("drover_api_operation_duration_seconds_bucket{")
          .append(label)
          .append(",le=\"")
          .append(le)
          .append("\"} ")
          .append(std::to_string(cumulative))
          .append("\n");
    }
    out.append("drover_api_operation_duration_seconds_sum{")
        .append(label)
        .append("} ")
        .append(number(h.sum))
        .append("\n");
    out.append("drover_api_operation_duration_seconds_count{")
        .append(label)
        .append("} ")
        .append(std::to_string(h.count))
        .append("\n");
  }
  prometheus_metric(out, "drover_notifications_total", "counter", "Notifications received.",
                    m.notifications);
  prometheus_metric(out, "drover_sends_total", "counter", "Send requests (POST /dp) received.",
                    m.sends);
  if (m.store) {
    const StoreStats& s = *m.store;
    metrics(
        out,
        {{"drover_store_committed_changes_total", "counter",
          "Changes of the server's state written to its store.", s.committed},
         {"drover_store_batches_total", "counter", "Transactions the store committed.", s.batches},
         {"drover_store_failed_batches_total", "counter",
          "Transactions that failed (each is tried again).", s.failed_batches},
         {"drover_store_dropped_changes_total", "counter",
          "Changes dropped because too many waited to be written.", s.dropped},
         {"drover_store_pending_changes", "gauge", "Changes waiting to be written.", s.pending}});
  }
  if (m.log)
    prometheus_metric(out, "drover_log_dropped_lines_total", "counter",
                      "Log lines dropped because the log's queue was full.", m.log->dropped_lines);
  return out;
}

std::string metrics_json(const Metrics& m) {
  json::array bounds;
  for (double b : kLatencyBounds) bounds.push_back(b);
  json::object operations;
  for (std::size_t k = 0; k < kOperations; ++k) {
    json::object results;
    for (std::size_t r = 0; r < kOperationResults; ++r)
      if (m.operations[k][r] != 0) results[result_name(r)] = m.operations[k][r];
    const auto& h = m.latency[k];
    json::array buckets;
    for (auto n : h.buckets) buckets.push_back(n);
    operations[kOperationNames[k]] = json::object{
        {"results", std::move(results)},
        {"latency", json::object{{"count", h.count}, {"sum", h.sum}, {"buckets", buckets}}}};
  }
  json::value store = nullptr;
  if (m.store)
    store = json::object{{"committed", m.store->committed},
                         {"batches", m.store->batches},
                         {"failed_batches", m.store->failed_batches},
                         {"dropped", m.store->dropped},
                         {"pending", m.store->pending}};
  return json::serialize(json::object{
      {"registrations", m.registrations},
      {"observations", m.observations},
      {"queued_requests", m.queued_requests},
      {"operations_in_flight", m.operations_in_flight},
      {"api_pending_operations", m.api_pending},
      {"registration_events", json::object{{"register", m.registered},
                                           {"update", m.updated},
                                           {"deregister", m.deregistered},
                                           {"expire", m.expired}}},
      {"notifications", m.notifications},
      {"sends", m.sends},
      {"store", std::move(store)},
      {"log", m.log ? json::value(json::object{{"dropped_lines", m.log->dropped_lines}})
                    : json::value(nullptr)},
      {"latency_bounds", std::move(bounds)},
      {"operations", std::move(operations)},
  });
}

}  // namespace drover::http
