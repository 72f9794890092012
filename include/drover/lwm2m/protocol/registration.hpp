// The Registration interface's query parameters (Register: POST /rd?ep=&lt=&lwm2m=&b=&Q&sms=,
// Update: POST /{location}?lt=&b=&Q&sms=). The object-link payload is in formats/link_format.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drover/coap/message.hpp"

namespace drover::lwm2m {

enum class Lwm2mVersion : std::uint8_t { V1_0, V1_1, V1_2 };
std::string_view to_string(Lwm2mVersion);  // "1.0", "1.1", "1.2"
// Accepts "1.0", "1.1", "1.2" and patch versions of them ("1.1.1" is 1.1); nullopt otherwise.
std::optional<Lwm2mVersion> lwm2m_version_from_string(std::string_view);

inline constexpr std::size_t max_endpoint_length = 256;
inline constexpr std::uint32_t default_lifetime = 86400;  // seconds, when Register omits lt

struct RegisterParams {
  std::string endpoint;                   // ep
  std::optional<std::uint32_t> lifetime;  // lt, seconds
  std::optional<Lwm2mVersion> version;    // lwm2m; absent: a 1.0 client
  std::optional<std::string> binding;     // b as sent ("U", "UQ", "T"); absent means "U"
  bool queue_mode = false;                // Q (1.1+), or a Q inside a 1.0 binding ("UQ")
  std::optional<std::string> sms;         // sms (MSISDN)
  friend bool operator==(const RegisterParams&, const RegisterParams&) = default;
};

struct UpdateParams {
  std::optional<std::uint32_t> lifetime;
  std::optional<std::string> binding;
  bool queue_mode = false;  // Q present
  std::optional<std::string> sms;
  friend bool operator==(const UpdateParams&, const UpdateParams&) = default;
};

// Read the Uri-Query options of a Register / Update request. Unknown parameters are ignored
// (later versions add some, e.g. pid). Fails, with what is wrong, on: no or empty ep, ep longer
// than max_endpoint_length, a malformed lt (not a decimal uint32, or 0), an unknown lwm2m version,
// a binding with letters other than U, T, S, N, Q, a repeated parameter. The caller answers 4.00
// (4.12 for an unsupported lwm2m version: see version_unsupported).
struct QueryError {
  std::string message;
  bool version_unsupported = false;
};
std::optional<QueryError> parse_register_query(const coap::Message& request, RegisterParams& out);
std::optional<QueryError> parse_update_query(const coap::Message& request, UpdateParams& out);

// Add the Uri-Query options of a Register / Update (only the parameters set; Q as a bare "Q" for
// 1.1 and later, folded into the binding for 1.0: the Register's version, and for an Update the
// version the client registered at).
void add_register_queries(const RegisterParams& params, coap::Message& request);
void add_update_queries(const UpdateParams& params, Lwm2mVersion version, coap::Message& request);

// The Bootstrap-Request's (POST /bs?ep=&pct=) and the Bootstrap-Pack-Request's (GET /bspack?ep=)
// query parameters.
struct BootstrapParams {
  std::string endpoint;              // ep
  std::optional<std::uint16_t> pct;  // pct (1.1+): the preferred Content-Format, as sent
  friend bool operator==(const BootstrapParams&, const BootstrapParams&) = default;
};
// Fails, with what is wrong, on: no or empty ep, ep longer than max_endpoint_length, a pct that is
// no decimal Content-Format number, a repeated parameter. Whether the pct is a format the server
// takes is the caller's question (4.15). Unknown parameters are ignored.
std::optional<QueryError> parse_bootstrap_query(const coap::Message& request, BootstrapParams& out);
void add_bootstrap_queries(const BootstrapParams& params, coap::Message& request);

}  // namespace drover::lwm2m
