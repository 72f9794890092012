// The log's counts in /metrics and /api/metrics: shown when the program gives them, summed once.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_harness.hpp"
#include "drover/http/metrics.hpp"

namespace drover::http::testing {
namespace {

TEST(LogMetrics, DroppedLinesShownWhenTheProgramGivesThem) {
  ApiHarness h;
  EXPECT_EQ(h.call("GET", "/metrics").body.find("drover_log_"), std::string::npos);
  EXPECT_TRUE(boost::json::parse(h.call("GET", "/api/metrics").body).at("log").is_null());

  std::uint64_t dropped = 7;
  h.api.set_log_stats([&] { return LogStats{.dropped_lines = dropped}; });
  auto text = h.call("GET", "/metrics").body;
  EXPECT_NE(text.find("# TYPE drover_log_dropped_lines_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("\ndrover_log_dropped_lines_total 7\n"), std::string::npos) << text;
  dropped = 9;  // read at every request
  const auto json = boost::json::parse(h.call("GET", "/api/metrics").body);
  EXPECT_EQ(json.at("log").at("dropped_lines").to_number<std::uint64_t>(), 9u);
}

// Shards sum their metrics; only one of them is given the process's log counts.
TEST(LogMetrics, SummedFromTheOneApiThatHasThem) {
  Metrics shard0, shard1, sum;
  shard0.log = LogStats{.dropped_lines = 4};
  sum += shard0;
  sum += shard1;
  ASSERT_TRUE(sum.log.has_value());
  EXPECT_EQ(sum.log->dropped_lines, 4u);
}

}  // namespace
}  // namespace drover::http::testing
