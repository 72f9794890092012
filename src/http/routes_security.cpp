// /api/security (security_routes.hpp): the DTLS credentials by endpoint, and the DTLS server's
// counters in /metrics.
#include <algorithm>
#include <boost/json.hpp>

#include "drover/http/metrics.hpp"
#include "drover/http/security_routes.hpp"
#include "errors.hpp"
#include "name_pages.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;
using dtls::BoundCredential;
using dtls::CredentialKind;

namespace {

constexpr std::string_view kPaths = R"json({
  "/api/security": {"get": {"summary": "The DTLS credentials by endpoint name, a page at a time; PSK keys are never answered",
    "operationId": "listSecurity",
    "parameters": [
      {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "only endpoints after this one: the next of the previous page"},
      {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
    "responses": {"200": {"description": "the entries", "content": {"application/json": {"schema": {"type": "object",
      "properties": {"entries": {"type": "array", "items": {"$ref": "#/components/schemas/SecurityEntry"}},
        "next": {"type": "string", "nullable": true}}}}}},
      "400": {"$ref": "#/components/responses/Error"}}}},
  "/api/security/{endpoint}": {
    "parameters": [{"name": "endpoint", "in": "path", "required": true, "schema": {"type": "string"}}],
    "get": {"summary": "The DTLS credentials of one endpoint", "operationId": "getSecurity",
      "responses": {"200": {"description": "the entry", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SecurityEntry"}}}},
        "404": {"$ref": "#/components/responses/Error"}}},
    "put": {"summary": "Create or replace the endpoint's credentials; in force from the next handshake, and the live sessions of a credential replaced end",
      "operationId": "putSecurity",
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["credentials"],
        "properties": {"source": {"type": "string", "enum": ["api", "bootstrap"], "default": "api",
            "description": "what the entry is marked as from: bootstrap when a bootstrap server provisioned it"},
          "credentials": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["type"],
          "properties": {"type": {"type": "string", "enum": ["psk", "rpk", "x509"]},
            "identity": {"type": "string", "description": "psk: the PSK identity"},
            "key": {"type": "string", "description": "psk: the key, hexadecimal"},
            "public_key": {"type": "string", "description": "rpk: the client's public key, PEM"},
            "key_name": {"type": "string", "description": "rpk instead of public_key: sha256: and the hex SHA-256 of its SubjectPublicKeyInfo"},
            "subject": {"type": "string", "description": "x509: the subject DN of the client's certificate"},
            "san": {"type": "string", "description": "x509 instead of subject: a DNS name or URI of the certificate's subjectAltName"}}}}}}}}},
      "responses": {"200": {"description": "replaced; the entry", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SecurityEntry"}}}},
        "201": {"description": "created; the entry", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SecurityEntry"}}}},
        "400": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "Remove the endpoint's credentials and end the live sessions they authenticated", "operationId": "deleteSecurity",
      "responses": {"200": {"description": "removed"}, "404": {"$ref": "#/components/responses/Error"}}}}
})json";

json::object entry_json(std::string_view endpoint, const dtls::SecurityEntry& entry) {
  json::array list;
  for (const auto& c : entry.credentials) {
    json::object o;
    o["type"] = dtls::to_string(c.kind);
    switch (c.kind) {
      case CredentialKind::Psk:
        o["identity"] = c.name;
        o["key_set"] = !c.key.empty();  // the key itself never leaves the server
        break;
      case CredentialKind::RawPublicKey:
        o["key_name"] = c.name;
        break;
      case CredentialKind::X509:
        if (c.name.starts_with(dtls::kAltName))
          o["san"] = c.name.substr(dtls::kAltName.size());
        else
          o["subject"] = c.name;
        break;
    }
    list.push_back(std::move(o));
  }
  json::object o;
  o["endpoint"] = endpoint;
  o["credentials"] = std::move(list);
  o["source"] = dtls::to_string(entry.origin);
  return o;
}

// The origin a PUT body names ("source": "api", the default, or "bootstrap"), or nullopt.
std::optional<dtls::EntryOrigin> body_origin(const json::value& body) {
  const auto* source = body.is_object() ? body.get_object().if_contains("source") : nullptr;
  if (!source) return dtls::EntryOrigin::Api;
  if (!source->is_string()) return std::nullopt;
  for (const auto origin : {dtls::EntryOrigin::Api, dtls::EntryOrigin::Bootstrap})
    if (source->get_string() == dtls::to_string(origin)) return origin;
  return std::nullopt;
}

// The credentials of a PUT body, or why not.
std::variant<std::vector<BoundCredential>, std::string> body_credentials(const json::value& body) {
  const auto* object = body.if_object();
  const auto* list = object ? object->if_contains("credentials") : nullptr;
  if (!list || !list->is_array() || list->get_array().empty())
    return "the body needs a non-empty \"credentials\" array";
  std::vector<BoundCredential> out;
  for (const auto& item : list->get_array()) {
    const auto* c = item.if_object();
    if (!c) return "each credential is an object";
    const auto text = [&](std::string_view name) -> std::optional<std::string> {
      const auto* v = c->if_contains(name);
      if (!v || !v->is_string()) return std::nullopt;
      return std::string(v->get_string());
    };
    const auto type = text("type").value_or("");
    if (type == "psk") {
      const auto identity = text("identity");
      auto key = dtls::parse_hex(text("key").value_or(""));
      if (!identity || identity->empty()) return "a psk credential needs an \"identity\"";
      if (!key || key->empty()) return "a psk credential needs a \"key\" in hexadecimal";
      out.push_back({CredentialKind::Psk, *identity, std::move(*key)});
    } else if (type == "rpk") {
      std::optional<std::string> name;
      if (const auto pem = text("public_key")) {
        name = dtls::public_key_name(*pem);
        if (!name) return "the rpk \"public_key\" is no PEM public key";
      } else {
        name = text("key_name");
        if (!name || !name->starts_with("sha256:") || name->size() != 7 + 64 ||
            !dtls::parse_hex(name->substr(7)))
          return "an rpk credential needs a \"public_key\" (PEM) or a \"key_name\" (sha256:HEX)";
      }
      out.push_back({CredentialKind::RawPublicKey, *name, {}});
    } else if (type == "x509") {
      const auto subject = text("subject");
      const auto san = text("san");
      if (subject.has_value() == san.has_value() || (subject ? *subject : *san).empty())
        return "an x509 credential needs a \"subject\" or a \"san\"";
      out.push_back(
          {CredentialKind::X509, subject ? *subject : std::string(dtls::kAltName) + *san, {}});
    } else {
      return "a credential's \"type\" is psk, rpk or x509";
    }
  }
  return out;
}

// A counter with one label: its HELP and TYPE, then a line per label value.
void labelled(std::string& out, std::string_view name, std::string_view label,
              std::string_view help,
              std::initializer_list<std::pair<std::string_view, std::uint64_t>> values) {
  prometheus_header(out, name, "counter", help);
  for (const auto& [value_of_label, value] : values)
    out.append(name)
        .append("{")
        .append(label)
        .append("=\"")
        .append(value_of_label)
        .append("\"} ")
        .append(std::to_string(value))
        .append("\n");
}

}  // namespace

bool SecurityRoutes::takes(const RouteRequest& r) const {
  return r.under({"api", "security"}) && r.segments.size() <= 3;
}

Reply SecurityRoutes::handle(RouteRequest& r) {
  if (r.segments.size() == 2) {
    if (r.method != "GET") return method_not_allowed("GET");
    return name_page(r, store_.entries(), "entries", entry_json);
  }
  const std::string& endpoint = r.segments[2];
  if (r.method == "GET") {
    const auto* entry = store_.find(endpoint);
    if (!entry) return error(404, "unknown_security", "no credentials for " + endpoint);
    return ok(200, entry_json(endpoint, *entry));
  }
  if (r.method == "PUT") {
    auto body = parse_body(r.body);
    if (auto* refused = std::get_if<Response>(&body)) return std::move(*refused);
    auto credentials = body_credentials(std::get<json::value>(body));
    if (auto* why = std::get_if<std::string>(&credentials)) return error(400, "bad_security", *why);
    const auto origin = body_origin(std::get<json::value>(body));
    if (!origin) return error(400, "bad_security", "a \"source\" is \"api\" or \"bootstrap\"");
    const auto* old = store_.find(endpoint);
    const bool existed = old != nullptr;
    auto before = existed ? old->credentials : std::vector<BoundCredential>{};
    if (auto refused =
            store_.put(endpoint, std::get<std::vector<BoundCredential>>(credentials), *origin))
      return refused->taken ? error(409, "credential_in_use", refused->reason)
                            : error(400, "bad_security", refused->reason);
    revoke_removed(before, endpoint, r.now);
    return ok(existed ? 200 : 201, entry_json(endpoint, *store_.find(endpoint)));
  }
  if (r.method == "DELETE") {
    const auto* old = store_.find(endpoint);
    auto before = old ? old->credentials : std::vector<BoundCredential>{};
    if (!store_.erase(endpoint))
      return error(404, "unknown_security", "no credentials for " + endpoint);
    revoke_removed(before, endpoint, r.now);
    json::object o;
    o["deleted"] = endpoint;
    return ok(200, o);
  }
  return method_not_allowed("GET, PUT, DELETE");
}

void SecurityRoutes::revoke_removed(const std::vector<BoundCredential>& before,
                                    std::string_view endpoint, coap::TimePoint now) {
  if (!dtls_) return;
  const auto* entry = store_.find(endpoint);
  for (const auto& credential : before) {
    // Kept as it was (a PSK with the same key too): its sessions still prove what they proved.
    if (entry && std::find(entry->credentials.begin(), entry->credentials.end(), credential) !=
                     entry->credentials.end())
      continue;
    dtls_->revoke(credential.kind, credential.name, now);
  }
}

std::string_view SecurityRoutes::openapi_paths() const {
  return kPaths;
}

std::string SecurityRoutes::prometheus_metrics() const {
  std::string out;
  prometheus_metric(out, "drover_dtls_credentials", "gauge",
                    "DTLS credentials bound to endpoints (derived PSKs apart).", store_.size());
  if (!dtls_) return out;
  const auto& s = dtls_->stats();
  const auto c = dtls_->counts();
  prometheus_metric(out, "drover_dtls_sessions", "gauge", "DTLS sessions established now.",
                    c.sessions);
  prometheus_metric(out, "drover_dtls_handshakes_in_progress", "gauge",
                    "DTLS handshakes past the cookie exchange and not done.", c.handshakes);
  prometheus_metric(out, "drover_dtls_cookies_sent_total", "counter",
                    "HelloVerifyRequests sent (ClientHellos without a valid cookie).",
                    s.cookies_sent);
  labelled(out, "drover_dtls_handshakes_total", "outcome",
           "DTLS handshakes by outcome: started (past the cookie exchange), completed, resumed "
           "(of those completed: abbreviated, from a session ticket), failed, timed_out.",
           {{"started", s.handshakes_started},
            {"completed", s.handshakes_completed},
            {"resumed", s.handshakes_resumed},
            {"failed", s.handshakes_failed},
            {"timed_out", s.handshakes_timed_out}});
  labelled(out, "drover_dtls_handshake_failures_total", "reason",
           "DTLS handshakes that failed, by reason.",
           {{"unknown_identity", s.failed_unknown_identity},
            {"bad_certificate", s.failed_bad_certificate},
            {"peer_alert", s.failed_peer_alert},
            {"other", s.failed_other}});
  labelled(out, "drover_dtls_sessions_ended_total", "why",
           "DTLS sessions ended: closed (close_notify or a fatal alert), expired (idle), replaced "
           "(a new handshake from the address), revoked (their credential deleted or replaced).",
           {{"closed", s.sessions_closed},
            {"expired", s.sessions_expired},
            {"replaced", s.sessions_replaced},
            {"revoked", s.sessions_revoked}});
  prometheus_metric(out, "drover_dtls_alerts_sent_total", "counter",
                    "Fatal alerts sent that ended a handshake or session.", s.alerts_sent);
  labelled(out, "drover_dtls_dropped_total", "reason",
           "Datagrams the DTLS server dropped, by reason.",
           {{"not_dtls", s.dropped_not_dtls},
            {"no_session", s.dropped_no_session},
            {"session_limit", s.dropped_session_limit},
            {"handshake_limit", s.dropped_handshake_limit},
            {"address_limit", s.dropped_address_limit},
            {"address_rate", s.dropped_address_rate},
            {"transmit", s.dropped_transmits},
            {"plain", s.dropped_plain}});
  prometheus_metric(out, "drover_dtls_records_in_total", "counter",
                    "Application data records given to the server core.", s.records_in);
  prometheus_metric(out, "drover_dtls_records_out_total", "counter",
                    "Application data records sent.", s.records_out);
  return out;
}

}  // namespace drover::http
