// /api/events: the event stream (Server-Sent Events), filtered by endpoints and event types.
#include <algorithm>
#include <array>

#include "api_impl.hpp"
#include "errors.hpp"

namespace drover::http {

namespace {

constexpr std::array<std::string_view, 11> kTypes{
    "registration", "update", "deregistration", "expiry", "sleeping", "awake",
    "notification", "send",   "result",         "coap",   "bootstrap"};

class EventRoutes final : public RouteFamily {
 public:
  explicit EventRoutes(Api::Impl& api) : api_(api) {}

  bool takes(const RouteRequest& r) const override {
    return r.segments.size() == 2 && r.under({"api", "events"});
  }

  Reply handle(RouteRequest& r) override {
    if (r.method != "GET") return method_not_allowed("GET");
    Subscribe subscribe;
    for (const auto& p : r.url.params()) {
      if (p.key == "endpoint") subscribe.endpoints.push_back(p.value);
      if (p.key != "types") continue;
      for (std::size_t at = 0; at <= p.value.size();) {
        const auto comma = std::min(p.value.find(',', at), p.value.size());
        const std::string type = p.value.substr(at, comma - at);
        at = comma + 1;
        if (type.empty()) continue;
        if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
          return error(400, "bad_query", "unknown event type \"" + type + "\"");
        subscribe.types.push_back(type);
      }
    }
    if (subscribe.endpoints.size() > api_.config.max_stream_endpoints)
      return error(400, "bad_query",
                   "at most " + std::to_string(api_.config.max_stream_endpoints) + " endpoints");
    if (subscribe.endpoints.size() == 1) subscribe.endpoint = subscribe.endpoints.front();
    subscribe.names = r.names;
    subscribe.coap = r.flag("coap");
    if (subscribe.coap && subscribe.endpoint.empty())
      return error(400, "bad_query", "coap=1 logs the messages of one client: add endpoint=");
    return subscribe;
  }

 private:
  Api::Impl& api_;
};

}  // namespace

std::unique_ptr<RouteFamily> event_routes(Api::Impl& api) {
  return std::make_unique<EventRoutes>(api);
}

}  // namespace drover::http
