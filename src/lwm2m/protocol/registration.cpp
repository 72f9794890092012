#include "drover/lwm2m/protocol/registration.hpp"

#include "drover/lwm2m/model/number_text.hpp"

namespace drover::lwm2m {
namespace {

// Calls f(name, value) for each Uri-Query "name=value" (value nullopt for a bare "name"); stops at
// the first error f returns.
template <typename F>  // std::optional<QueryError>(std::string_view,
                       // std::optional<std::string_view>)
std::optional<QueryError> for_each_query(const coap::Message& request, F&& f) {
  std::optional<QueryError> error;
  request.for_each(coap::options::UriQuery, [&](const coap::OptionView& option) {
    if (error) return;
    const std::string_view query = option.as_string();
    const auto eq = query.find('=');
    if (eq == std::string_view::npos)
      error = f(query, std::nullopt);
    else
      error = f(query.substr(0, eq), query.substr(eq + 1));
  });
  return error;
}

QueryError bad(std::string message) {
  return QueryError{std::move(message), false};
}

// The ep parameter of a Register or Bootstrap-Request, once and not empty.
std::optional<QueryError> read_endpoint(std::optional<std::string_view> value, bool& seen,
                                        std::string& endpoint) {
  if (seen) return bad("parameter ep given twice");
  seen = true;
  if (!value || value->empty()) return bad("ep must name the endpoint");
  if (value->size() > max_endpoint_length)
    return bad("ep longer than " + std::to_string(max_endpoint_length) + " bytes");
  endpoint = std::string(*value);
  return std::nullopt;
}

// Parameters shared by Register and Update.
struct Common {
  std::optional<std::uint32_t>& lifetime;
  std::optional<std::string>& binding;
  bool& queue_mode;
  std::optional<std::string>& sms;
  unsigned seen = 0;

  // nullopt: `name` is not one of them; else the error (or none) of reading it.
  std::optional<std::optional<QueryError>> read(std::string_view name,
                                                std::optional<std::string_view> value) {
    const unsigned bit = name == "lt"    ? 1u
                         : name == "b"   ? 2u
                         : name == "Q"   ? 4u
                         : name == "sms" ? 8u
                                         : 0u;
    if (bit == 0) return std::nullopt;
    if (seen & bit)
      return std::optional<QueryError>(bad("parameter " + std::string(name) + " given twice"));
    seen |= bit;
    if (bit == 4) {
      if (value) return std::optional<QueryError>(bad("Q takes no value"));
      queue_mode = true;
      return std::optional<QueryError>();
    }
    if (!value)
      return std::optional<QueryError>(bad("parameter " + std::string(name) + " needs a value"));
    if (bit == 1) {
      const auto n = parse_uint64(*value);
      if (!n || *n == 0 || *n > 0xFFFFFFFFu)
        return std::optional<QueryError>(
            bad("lt must be a lifetime in seconds (1 to 4294967295), got \"" + std::string(*value) +
                "\""));
      lifetime = static_cast<std::uint32_t>(*n);
    } else if (bit == 2) {
      // A set of letters: each at most once (so a 1.0 writer folding Q in stays within five).
      const auto repeated = [&] {
        for (std::size_t i = 0; i < value->size(); ++i)
          if (value->find((*value)[i], i + 1) != std::string_view::npos) return true;
        return false;
      };
      if (value->empty() || value->find_first_not_of("UTSNQ") != std::string_view::npos ||
          repeated())
        return std::optional<QueryError>(
            bad("b must be binding letters among U, T, S, N, Q, each at most once, got \"" +
                std::string(*value) + "\""));
      binding = std::string(*value);
      if (value->find('Q') != std::string_view::npos) queue_mode = true;  // LwM2M 1.0: "UQ"
    } else {
      if (value->empty() || value->size() > 32)
        return std::optional<QueryError>(bad("sms must be an MSISDN"));
      sms = std::string(*value);
    }
    return std::optional<QueryError>();
  }
};

}  // namespace

std::string_view to_string(Lwm2mVersion v) {
  switch (v) {
    case Lwm2mVersion::V1_0:
      return "1.0";
    case Lwm2mVersion::V1_1:
      return "1.1";
    case Lwm2mVersion::V1_2:
      return "1.2";
  }
  return "?";
}

std::optional<Lwm2mVersion> lwm2m_version_from_string(std::string_view text) {
  // "1.1" or "1.1.<patch>" with a decimal patch number.
  if (text.size() > 3) {
    if (text[3] != '.' || text.size() == 4 || !parse_uint64(text.substr(4))) return std::nullopt;
    text = text.substr(0, 3);
  }
  if (text == "1.0") return Lwm2mVersion::V1_0;
  if (text == "1.1") return Lwm2mVersion::V1_1;
  if (text == "1.2") return Lwm2mVersion::V1_2;
  return std::nullopt;
}

std::optional<QueryError> parse_register_query(const coap::Message& request, RegisterParams& out) {
  out = {};
  Common common{out.lifetime, out.binding, out.queue_mode, out.sms};
  bool seen_ep = false;
  bool seen_version = false;
  auto error = for_each_query(
      request,
      [&](std::string_view name,
          std::optional<std::string_view> value) -> std::optional<QueryError> {
        if (auto handled = common.read(name, value)) return *handled;
        if (name == "ep") {
          if (auto ep_error = read_endpoint(value, seen_ep, out.endpoint)) return ep_error;
        } else if (name == "lwm2m") {
          if (seen_version) return bad("parameter lwm2m given twice");
          seen_version = true;
          const auto version = value ? lwm2m_version_from_string(*value) : std::nullopt;
          if (!version)
            return QueryError{
                "unsupported LwM2M version \"" + std::string(value.value_or("")) + "\"", true};
          out.version = version;
        }
        return std::nullopt;  // other parameters (pid, ...) are not used here
      });
  if (!error && !seen_ep) error = bad("ep (endpoint client name) is missing");
  if (error) out = {};
  return error;
}

std::optional<QueryError> parse_update_query(const coap::Message& request, UpdateParams& out) {
  out = {};
  Common common{out.lifetime, out.binding, out.queue_mode, out.sms};
  auto error =
      for_each_query(request,
                     [&](std::string_view name,
                         std::optional<std::string_view> value) -> std::optional<QueryError> {
                       if (auto handled = common.read(name, value)) return *handled;
                       return std::nullopt;
                     });
  if (error) out = {};
  return error;
}

namespace {

void add_common(const std::optional<std::uint32_t>& lifetime,
                const std::optional<std::string>& binding, bool queue_mode, bool queue_in_binding,
                const std::optional<std::string>& sms, coap::Message& request) {
  std::string q;
  if (lifetime) {
    q = "lt=";
    append_uint64(q, *lifetime);
    request.add_option(coap::options::UriQuery, q);
  }
  if (sms) request.add_option(coap::options::UriQuery, "sms=" + *sms);
  std::string b = binding.value_or("");
  if (queue_in_binding) {
    if (queue_mode && b.find('Q') == std::string::npos)
      b.insert(b.empty() ? 0 : 1, b.empty() ? "UQ" : "Q");
  } else {
    std::erase(b, 'Q');  // 1.1 moved Q out of the binding
  }
  if (!b.empty()) request.add_option(coap::options::UriQuery, "b=" + b);
  if (queue_mode && !queue_in_binding) request.add_option(coap::options::UriQuery, "Q");
}

}  // namespace

void add_register_queries(const RegisterParams& params, coap::Message& request) {
  request.add_option(coap::options::UriQuery, "ep=" + params.endpoint);
  const bool v1_0 = params.version.value_or(Lwm2mVersion::V1_0) == Lwm2mVersion::V1_0;
  if (params.version)
    request.add_option(coap::options::UriQuery, "lwm2m=" + std::string(to_string(*params.version)));
  add_common(params.lifetime, params.binding, params.queue_mode, v1_0, params.sms, request);
}

void add_update_queries(const UpdateParams& params, Lwm2mVersion version, coap::Message& request) {
  add_common(params.lifetime, params.binding, params.queue_mode, version == Lwm2mVersion::V1_0,
             params.sms, request);
}

}  // namespace drover::lwm2m

namespace drover::lwm2m {

std::optional<QueryError> parse_bootstrap_query(const coap::Message& request,
                                                BootstrapParams& out) {
  out = {};
  bool seen_ep = false;
  auto error =
      for_each_query(request,
                     [&](std::string_view name,
                         std::optional<std::string_view> value) -> std::optional<QueryError> {
                       if (name == "ep") {
                         if (auto ep_error = read_endpoint(value, seen_ep, out.endpoint))
                           return ep_error;
                       } else if (name == "pct") {
                         if (out.pct) return bad("parameter pct given twice");
                         const auto n = value ? parse_uint64(*value) : std::nullopt;
                         if (!n || *n > 0xFFFF)
                           return bad("pct must be a Content-Format number, got \"" +
                                      std::string(value.value_or("")) + "\"");
                         out.pct = static_cast<std::uint16_t>(*n);
                       }
                       return std::nullopt;
                     });
  if (!error && !seen_ep) error = bad("ep (endpoint client name) is missing");
  if (error) out = {};
  return error;
}

void add_bootstrap_queries(const BootstrapParams& params, coap::Message& request) {
  request.add_option(coap::options::UriQuery, "ep=" + params.endpoint);
  if (params.pct) request.add_option(coap::options::UriQuery, "pct=" + std::to_string(*params.pct));
}

}  // namespace drover::lwm2m
