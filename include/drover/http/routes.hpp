// A family of routes of the HTTP API: the requests under one path prefix (/api/models,
// /api/clients, ...) and their OpenAPI description. The Api parses each request once (its path
// segments, the query options every operation shares) and hands it to the first family that takes
// its path. Adding a family of routes is one more module implementing RouteFamily, added to the
// Api with Api::add_routes.
#pragma once

#include <boost/url/url_view.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/http/reply.hpp"
#include "drover/server/server.hpp"

namespace drover::http {

// One request being routed.
struct RouteRequest {
  std::string_view method;
  std::string_view body;
  coap::TimePoint now;
  boost::urls::url_view url;
  std::vector<std::string> segments;  // of the path, percent-decoded
  // ?format= (Accept on GET, the payload's format otherwise) and ?timeout=.
  server::RequestParams params;
  bool names = false;        // ?names=1
  std::string_view range{};  // the Range header

  // The value of a query option, percent-decoded.
  std::optional<std::string> query(std::string_view key) const;
  // An on/off option: "1" or "true" is on.
  bool flag(std::string_view key) const;
  // Whether the path starts with these segments.
  bool under(std::initializer_list<std::string_view> prefix) const;
};

class RouteFamily {
 public:
  virtual ~RouteFamily() = default;
  // Whether this family answers requests to this path (the first family that does, answers).
  virtual bool takes(const RouteRequest& request) const = 0;
  virtual Reply handle(RouteRequest& request) = 0;
  // Its entries of the OpenAPI document's "paths": a JSON object ("{}" or empty for none).
  virtual std::string_view openapi_paths() const { return {}; }
  // Its lines of GET /metrics (Prometheus text, each metric with its HELP and TYPE), if any.
  virtual std::string prometheus_metrics() const { return {}; }
};

// The answer to a method the route does not take: 405 naming the ones it does ("GET, POST").
Response method_not_allowed(std::string_view allowed);

}  // namespace drover::http
