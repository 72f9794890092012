// /api/models: the object definitions the server knows.
#include <boost/json.hpp>

#include "api_impl.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;

namespace {

class ModelRoutes final : public RouteFamily {
 public:
  explicit ModelRoutes(Api::Impl& api) : api_(api) {}

  bool takes(const RouteRequest& r) const override {
    return r.under({"api", "models"}) && r.segments.size() <= 3;
  }

  // GET /api/models and GET /api/models/{id}[?version=].
  Reply handle(RouteRequest& r) override {
    if (r.method != "GET") return method_not_allowed("GET");
    const auto& registry = api_.core.objects();
    if (r.segments.size() == 2) {
      json::array list;
      for (const auto* d : registry.all()) list.push_back(model_summary(*d));  // by ID, version
      return ok(200, list);
    }
    const auto object_id = parse_size(r.segments[2]);
    if (!object_id || *object_id > lwm2m::max_id)
      return error(400, "bad_object_id", "the object ID must be an integer 0..65534");
    const auto oid = static_cast<std::uint16_t>(*object_id);
    const lwm2m::ObjectDef* def = nullptr;
    if (auto v = r.query("version")) {
      const auto version = lwm2m::Version::parse(*v);
      if (!version) return error(400, "bad_version", "version must be \"major.minor\"");
      def = registry.find(oid, *version);
      if (!def && registry.active(oid))
        return error(404, "unknown_version",
                     "object " + std::to_string(oid) + " has no version " + version->to_string());
    } else {
      def = registry.active(oid);
    }
    if (!def) return error(404, "unknown_object", "no model of object " + std::to_string(oid));
    return ok(200, model_json(*def));
  }

 private:
  Api::Impl& api_;
};

}  // namespace

std::unique_ptr<RouteFamily> model_routes(Api::Impl& api) {
  return std::make_unique<ModelRoutes>(api);
}

}  // namespace drover::http
