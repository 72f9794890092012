#include "drover/http/api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cmath>

#include "api_impl.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;

std::optional<std::string> RouteRequest::query(std::string_view key) const {
  auto it = url.params().find(key);
  if (it == url.params().end()) return std::nullopt;
  return std::string((*it).value);
}

bool RouteRequest::flag(std::string_view key) const {
  const auto v = query(key);
  return v && (*v == "1" || *v == "true");
}

bool RouteRequest::under(std::initializer_list<std::string_view> prefix) const {
  if (segments.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), segments.begin());
}

Response method_not_allowed(std::string_view allowed) {
  std::string message = "use ";
  for (std::size_t at = 0; at < allowed.size();) {
    const auto comma = std::min(allowed.find(", ", at), allowed.size());
    if (at > 0) message += comma == allowed.size() ? " or " : ", ";
    message.append(allowed.substr(at, comma - at));
    at = comma + 2;
  }
  return error(405, "method_not_allowed", message);
}

Api::Api(server::Server& core, ApiConfig config) : impl_(std::make_unique<Impl>(core, config)) {
  auto& i = *impl_;
  i.builtin.push_back(metric_routes(i));
  i.builtin.push_back(event_routes(i));
  i.builtin.push_back(openapi_routes(i));
  i.builtin.push_back(model_routes(i));
  i.builtin.push_back(client_routes(i));
}

Api::~Api() = default;

std::size_t Api::max_body_bytes() const {
  return impl_->config.max_body_bytes;
}
const ApiConfig& Api::config() const {
  return impl_->config;
}
std::size_t Api::pending() const {
  return impl_->pending.size();
}
std::size_t Api::observations() const {
  return impl_->observation_keys.size();
}

void Api::add_routes(RouteFamily& family) {
  impl_->added.push_back(&family);
}

Reply Api::handle(const Request& request, coap::TimePoint now) {
  const auto& config = impl_->config;
  if (request.body.size() > config.max_body_bytes)
    return error(413, "body_too_large",
                 "the body is larger than " + std::to_string(config.max_body_bytes) + " bytes");
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) return error(400, "bad_target", "the request target is not a valid URL path");
  RouteRequest r{request.method, request.body, now, *url, {}, {}, false, request.range};
  const auto segments = url->segments();
  r.segments.assign(segments.begin(), segments.end());

  // Query options shared by the operations.
  if (auto f = r.query("format")) {
    const auto format = format_from_name(*f);
    if (!format) return error(400, "bad_format", "unknown format \"" + *f + "\"");
    // Read-like operations take it as Accept, writes as the payload's Content-Format.
    if (r.method == "GET")
      r.params.accept = format;
    else
      r.params.format = format;
  }
  if (auto t = r.query("timeout")) {
    double seconds = 0;
    const auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), seconds);
    if (ec != std::errc{} || end != t->data() + t->size() || !std::isfinite(seconds) ||
        seconds <= 0 || seconds > static_cast<double>(config.max_timeout.count()))
      return error(
          400, "bad_timeout",
          "timeout must be seconds in (0, " + std::to_string(config.max_timeout.count()) + "]");
    r.params.timeout =
        std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(seconds));
  }
  r.names = r.flag("names");

  for (auto& family : impl_->builtin)
    if (family->takes(r)) return family->handle(r);
  for (auto* family : impl_->added)
    if (family->takes(r)) return family->handle(r);
  return error(404, "not_found", "no such route");
}

std::string Api::Impl::openapi() const {
  if (added.empty()) return std::string(openapi_document());
  auto doc = json::parse(openapi_document());
  auto& paths = doc.at("paths").as_object();
  for (const auto* family : added) {
    const auto more = family->openapi_paths();
    if (more.empty()) continue;
    const auto fragment = json::parse(more);
    for (const auto& [path, item] : fragment.as_object()) paths[path] = item;
  }
  return json::serialize(doc);
}

}  // namespace drover::http
