// The server's metrics as values: what one Api counts, summed across the Apis of several shards
// with +=, and shown as Prometheus text (GET /metrics) or JSON (GET /api/metrics). The names and
// meanings are documented in docs/http-api.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drover/util/log_stats.hpp"
#include "drover/util/store_stats.hpp"

namespace drover::http {

// The operations the API starts, as counted and timed.
enum class Operation : std::uint8_t {
  Read,
  Discover,
  Write,
  WriteAttributes,
  Execute,
  Create,
  Delete,
  ReadComposite,
  WriteComposite,
  Observe,
  ObserveComposite
};
inline constexpr std::size_t kOperations = 11;
// "read", "write_attributes", ... as in the metrics' operation label.
std::string_view operation_name(Operation op);

// server::OperationStatus values, then one for refusals by the core (nothing was sent).
inline constexpr std::size_t kOperationResults = 28;
inline constexpr std::size_t kRefused = kOperationResults - 1;
// "success", "not_found", ..., "refused".
std::string result_name(std::size_t result);

// Upper bounds (seconds) of the latency histograms' buckets, +Inf left out.
inline constexpr std::array<double, 14> kLatencyBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                       1,     2.5,  5,     10,   30,  60,   120};

struct LatencyHistogram {
  std::array<std::uint64_t, kLatencyBounds.size() + 1> buckets{};  // not cumulative; last: +Inf
  double sum = 0;                                                  // seconds
  std::uint64_t count = 0;

  void add(double seconds);
};

struct Metrics {
  // Gauges: the server core's counts and the API's pending operations.
  std::uint64_t registrations = 0;
  std::uint64_t observations = 0;
  std::uint64_t queued_requests = 0;
  std::uint64_t operations_in_flight = 0;
  std::uint64_t api_pending = 0;
  // Counters.
  std::uint64_t registered = 0;
  std::uint64_t updated = 0;
  std::uint64_t deregistered = 0;
  std::uint64_t expired = 0;
  std::uint64_t notifications = 0;
  std::uint64_t sends = 0;
  // The writing of the server's store; nullopt without one (--store memory).
  std::optional<StoreStats> store;
  // The process's log; nullopt when not given (Api::set_log_stats).
  std::optional<LogStats> log;
  // Operations started through the API by operation and result (kRefused: not sent).
  std::array<std::array<std::uint64_t, kOperationResults>, kOperations> operations{};
  // From the API call to the completion, of every operation the server sent or queued.
  std::array<LatencyHistogram, kOperations> latency{};

  Metrics& operator+=(const Metrics& other);
};

// The Prometheus text format 0.0.4.
std::string prometheus_text(const Metrics& m);
// A family's HELP and TYPE lines; with prometheus_metric, its one value without labels too.
void prometheus_header(std::string& out, std::string_view name, std::string_view type,
                       std::string_view help);
void prometheus_metric(std::string& out, std::string_view name, std::string_view type,
                       std::string_view help, std::uint64_t value);
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";
// The JSON of GET /api/metrics.
std::string metrics_json(const Metrics& m);

}  // namespace drover::http
