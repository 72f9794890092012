// The observations started through the API: one per client and path, or per client and set of
// paths for Observe-Composite, cancelled by the same path or set.
#include <algorithm>
#include <boost/json.hpp>

#include "api_impl.hpp"
#include "errors.hpp"

namespace drover::http {

namespace json = boost::json;
using lwm2m::Path;

std::string observation_key(std::string_view endpoint, const Path& path,
                            std::span<const Path> paths) {
  std::string key(endpoint);
  if (paths.empty()) return key + " " + path.to_string();
  std::vector<Path> sorted(paths.begin(), paths.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  key += " composite";
  for (const auto& p : sorted) key += " " + p.to_string();
  return key;
}

Reply Api::Impl::observe(RouteRequest& request, const std::string& endpoint, const Path& path,
                         std::span<const Path> paths) {
  const std::string key = observation_key(endpoint, path, paths);
  if (auto it = observations.find(key); it != observations.end())
    return error(409, "already_observed",
                 "observation " + std::to_string(it->second.value) + " already covers " +
                     (paths.empty() ? "this path" : "these paths"));
  const bool composite = !paths.empty();
  auto id = composite ? core.observe_composite(endpoint, paths, request.params, request.now)
                      : core.observe(endpoint, path, request.params, request.now);
  auto reply = started(request, id, composite ? Operation::ObserveComposite : Operation::Observe,
                       endpoint, path);
  if (id) {
    observations[key] = *id;
    observation_keys[*id] = key;
  }
  return reply;
}

Reply Api::Impl::cancel(RouteRequest& request, const std::string& endpoint,
                        const std::string& key) {
  auto mode = server::CancelMode::Passive;
  if (auto m = request.query("mode")) {
    if (*m == "active")
      mode = server::CancelMode::Active;
    else if (*m != "passive")
      return error(400, "bad_query", "mode must be passive or active");
  }
  if (!core.registration(endpoint))
    return error(404, "unknown_client", "no client registered as \"" + endpoint + "\"");
  auto it = observations.find(key);
  if (it == observations.end())
    return error(404, "unknown_observation", "no observation started through the API matches");
  const auto id = it->second;
  if (auto p = pending.find(id); p != pending.end()) {
    // Its HTTP request waits for the first answer, which a cancel would never give.
    if (!p->second.queued)
      return error(409, "observe_pending", "the observe is not answered yet: cancel it after");
    pending.erase(p);  // queued for a sleeping client: nobody waits for it
  }
  auto status = core.cancel_observation(id, mode, request.now);
  forget_observation(id);
  if (!status) return error_of(status.error());
  return ok(200, json::object{{"cancelled", id.value}});
}

void Api::adopt_observations() {
  Impl& i = *impl_;
  for (const auto& o : i.core.observations()) {
    const std::string key = observation_key(o.endpoint, o.path, o.paths);
    i.observations[key] = o.id;
    i.observation_keys[o.id] = key;
  }
}

void Api::Impl::forget_observation(server::OperationId id) {
  auto it = observation_keys.find(id);
  if (it == observation_keys.end()) return;
  observations.erase(it->second);
  observation_keys.erase(it);
}

}  // namespace drover::http
