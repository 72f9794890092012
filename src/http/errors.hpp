// The API's answers: JSON bodies, and the mapping of the server core's refusals and of the
// devices' answers to HTTP statuses and stable error codes (docs/http-api.md, Errors).
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "drover/http/reply.hpp"
#include "drover/server/server.hpp"

namespace drover::http {

Response error(unsigned status, std::string_view code, std::string_view message);
Response ok(unsigned status, const boost::json::value& body);
// A refusal of the core: nothing was sent.
Response error_of(server::Error e);
// What the device (or its silence) answered, when not a success.
Response error_of(const server::OperationResult& r);

}  // namespace drover::http
