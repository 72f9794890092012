// The JSON views of the API (docs/http-api.md): clients, values, object models and Discover
// links out; request bodies (values, paths) and query values in.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "drover/http/reply.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/model/registry.hpp"
#include "drover/server/server.hpp"

namespace drover::http {

boost::json::object client_json(const server::Registration& r, const server::Server& core,
                                coap::TimePoint now);
// The two parts of client_json: the registration's own fields, and the content formats and
// objects of its object list, which clients of one product share (a listing writes them once).
boost::json::object client_fields_json(const server::Registration& r, const server::Server& core,
                                       coap::TimePoint now, boost::json::storage_ptr storage = {});
void add_objects_json(boost::json::object& o, const lwm2m::RegistrationPayload& payload);
// {"endpoint","location"} of a registration that ended.
boost::json::object endpoint_json(const server::Registration& r);
// `names` non-null: with name and units.
boost::json::array records_json(const std::vector<lwm2m::Record>& records,
                                const lwm2m::ObjectRegistry* names);
boost::json::array links_json(const std::vector<lwm2m::Link>& links);
boost::json::object model_summary(const lwm2m::ObjectDef& d);
boost::json::object model_json(const lwm2m::ObjectDef& d);

// A JSON request body, or the 400 it gets.
std::variant<boost::json::value, Response> parse_body(std::string_view body);
// The "values" array of a body, as records.
std::variant<std::vector<lwm2m::Record>, Response> body_records(const boost::json::value& body,
                                                                const lwm2m::TypeResolver& types);
// The "paths" array of a composite body, as LwM2M paths.
std::variant<std::vector<lwm2m::Path>, Response> body_paths(const boost::json::value& body);

// ?format= names: "text", "tlv", "senml-json", ...
std::optional<lwm2m::ContentFormat> format_from_name(std::string_view name);
// A non-negative decimal integer, whole.
std::optional<std::size_t> parse_size(std::string_view text);

}  // namespace drover::http
