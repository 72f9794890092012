// LwM2M records as JSON, the representation of values in the HTTP API (docs/http-api.md):
//   {"path":"/3/0/0","type":"string","value":"Drover"}
// Opaque values are base64 text, objlnk "o:i", time integer seconds since the epoch, corelnk
// link-format text. With an object registry the record also gets "name" and "units" from the
// resource definition.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::http {

// "string", "integer", "unsigned", "float", "boolean", "opaque", "time", "objlnk", "corelnk",
// "none".
std::string_view type_name(lwm2m::DataType type);
std::optional<lwm2m::DataType> type_from_name(std::string_view name);

// `names` non-null: adds "name" and "units" of known resources (the registry's active version).
boost::json::object record_to_json(const lwm2m::Record& record,
                                   const lwm2m::ObjectRegistry* names = nullptr);

// Reads one record object. "type" may be left out for a resource whose type `types` knows. On
// failure returns nullopt and says why in `error` (a 400 for the caller).
std::optional<lwm2m::Record> record_from_json(const boost::json::value& json,
                                              const lwm2m::TypeResolver& types,
                                              std::string& error);

}  // namespace drover::http
