// What the event stream shows of each server event (docs/http-api.md, Event stream).
#include <boost/json.hpp>

#include "api_impl.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;

namespace {

// Notification and Send data: the values in the API's JSON form, or why they could not be read.
void add_records(json::object& o, std::optional<lwm2m::ContentFormat> format,
                 const std::vector<lwm2m::Record>& records, const std::string& diagnostic,
                 const lwm2m::ObjectRegistry* names) {
  if (format) o["format"] = lwm2m::to_string(*format);
  o["values"] = records_json(records, names);
  if (!diagnostic.empty()) o["diagnostic"] = diagnostic;
}

}  // namespace

std::optional<StreamEvent> Api::stream_event(const server::ServerEvent& event,
                                             const std::optional<Completion>& completion,
                                             coap::TimePoint now, bool names) const {
  const auto& core = impl_->core;
  const lwm2m::ObjectRegistry* registry = names ? &core.objects() : nullptr;
  return std::visit(
      [&](const auto& e) -> std::optional<StreamEvent> {
        using T = std::decay_t<decltype(e)>;
        const auto make = [](std::string_view type, const std::string& endpoint,
                             const json::object& data) {
          return StreamEvent{type, endpoint, json::serialize(data)};
        };
        if constexpr (std::is_same_v<T, server::Registered>) {
          return make("registration", e.registration.endpoint,
                      client_json(e.registration, core, now));
        } else if constexpr (std::is_same_v<T, server::Updated>) {
          auto data = client_json(e.registration, core, now);
          data["objects_changed"] = e.objects_changed;
          return make("update", e.registration.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::Deregistered>) {
          return make("deregistration", e.registration.endpoint, endpoint_json(e.registration));
        } else if constexpr (std::is_same_v<T, server::Expired>) {
          return make("expiry", e.registration.endpoint, endpoint_json(e.registration));
        } else if constexpr (std::is_same_v<T, server::Sleeping>) {
          return make("sleeping", e.endpoint, json::object{{"endpoint", e.endpoint}});
        } else if constexpr (std::is_same_v<T, server::Awake>) {
          return make("awake", e.endpoint, json::object{{"endpoint", e.endpoint}});
        } else if constexpr (std::is_same_v<T, server::Notification>) {
          json::object data{{"endpoint", e.endpoint},
                            {"observation", e.observation.value},
                            {"code", e.code.to_string()}};
          add_records(data, e.format, e.records, e.diagnostic, registry);
          return make("notification", e.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::SendReceived>) {
          json::object data{{"endpoint", e.endpoint}};
          add_records(data, e.format, e.records, {}, registry);
          return make("send", e.endpoint, data);
        } else if constexpr (std::is_same_v<T, server::OperationCompleted>) {
          // Only results nobody waits for: those of operations answered 202.
          if (!completion || !completion->queued) return std::nullopt;
          json::object data{{"endpoint", e.endpoint},
                            {"id", e.id.value},
                            {"status", completion->response.status},
                            {"response", json::parse(completion->response.body)}};
          return make("result", e.endpoint, data);
        } else {
          // Replaced (a Registered follows) and ObservationEnded are not streamed.
          return std::nullopt;
        }
      },
      event);
}

}  // namespace drover::http
