// Bootstrap configurations: validation, the instances they write, JSON (config.hpp).
#include "drover/bootstrap/config.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <limits>
#include <set>

#include "drover/lwm2m/model/number_text.hpp"
#include "drover/util/hex.hpp"

namespace drover::bootstrap {

namespace json = boost::json;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::SecurityMode;

namespace {

// ---- Validation

std::optional<std::string> check_uri(const SecurityInstance& s) {
  const auto uri = boost::urls::parse_uri(s.uri);
  if (!uri || uri->host().empty())
    return "server URI \"" + s.uri + "\" is not an absolute URI with a host";
  const auto scheme = uri->scheme();
  const bool secure = scheme == "coaps" || scheme == "coaps+tcp";
  if (!secure && scheme != "coap" && scheme != "coap+tcp")
    return "server URI \"" + s.uri + "\": the scheme must be coap, coaps, coap+tcp or coaps+tcp";
  if (secure != (s.mode != SecurityMode::NoSec))
    return "server URI \"" + s.uri + "\": security mode " + std::string(to_string(s.mode)) +
           (secure ? " needs a coap:// URI" : " needs a coaps:// URI");
  return std::nullopt;
}

std::optional<std::string> check_security(const SecurityInstance& s) {
  if (auto error = check_uri(s)) return error;
  switch (s.mode) {
    case SecurityMode::Psk:
      if (s.identity.empty() || s.secret_key.empty())
        return "server " + s.uri + ": PSK mode needs an identity and a key";
      break;
    case SecurityMode::Rpk:
    case SecurityMode::Certificate:
      if (s.identity.empty() || s.secret_key.empty())
        return "server " + s.uri + ": " + std::string(to_string(s.mode)) +
               " mode needs the device's public key or certificate and its private key";
      break;
    case SecurityMode::NoSec:
    case SecurityMode::Est:
      break;
  }
  if (s.certificate_usage && (s.mode != SecurityMode::Certificate || *s.certificate_usage > 3))
    return "server " + s.uri + ": certificate_usage is 0 to 3, for x509 mode";
  if (s.bootstrap && s.ssid) return "bootstrap server " + s.uri + " takes no short server ID";
  if (!s.bootstrap && !s.ssid) return "server " + s.uri + " needs a short server ID (ssid)";
  if (s.ssid && (*s.ssid == 0 || *s.ssid == 65535))
    return "server " + s.uri + ": ssid must be 1 to 65534";
  return std::nullopt;
}

std::optional<std::string> check_server(const ServerInstance& s) {
  if (s.ssid == 0 || s.ssid == 65535)
    return std::string("a Server instance's ssid must be 1 to 65534");
  if (s.lifetime == 0) return "server " + std::to_string(s.ssid) + ": lifetime must be positive";
  if (s.pmin && s.pmax && *s.pmin > *s.pmax)
    return "server " + std::to_string(s.ssid) + ": pmin above pmax";
  const auto& b = s.binding;
  if (b.empty() || b.find_first_not_of("UTSNQ") != std::string::npos)
    return "server " + std::to_string(s.ssid) + ": binding \"" + b +
           "\" must be letters among U, T, S, N, Q";
  return std::nullopt;
}

// Instance IDs of one object: explicit ones kept, the others the lowest free ones not `reserved`,
// in order. False when an explicit ID is given twice or is 65535.
bool assign_ids(std::vector<std::optional<std::uint16_t>> ids, std::vector<std::uint16_t>& out,
                std::optional<std::uint16_t> reserved = std::nullopt) {
  std::set<std::uint16_t> used;
  for (const auto& id : ids)
    if (id && (*id == 65535 || !used.insert(*id).second)) return false;
  if (reserved) used.insert(*reserved);
  std::uint16_t next = 0;
  out.clear();
  for (const auto& id : ids) {
    if (id) {
      out.push_back(*id);
      continue;
    }
    while (used.count(next)) ++next;
    used.insert(next);
    out.push_back(next);
  }
  return true;
}

struct Ids {
  std::vector<std::uint16_t> security, server, acl;
};

std::optional<std::string> ids_of(const BootstrapConfig& config, Ids& ids,
                                  std::optional<std::uint16_t> device_bootstrap_account = {}) {
  std::vector<std::optional<std::uint16_t>> security, server, acl;
  bool replaced = false;  // the device's bootstrap account by the config's
  for (const auto& account : config.servers) {
    auto id = account.security.instance;
    if (!id && account.security.bootstrap && device_bootstrap_account) {
      id = device_bootstrap_account;
      replaced = true;
    }
    security.push_back(id);
    if (account.server) server.push_back(account.server->instance);
  }
  for (const auto& a : config.acls) acl.push_back(a.instance);
  if (!assign_ids(security, ids.security, replaced ? std::nullopt : device_bootstrap_account))
    return "a Security instance ID is given twice";
  if (!assign_ids(server, ids.server)) return "a Server instance ID is given twice";
  if (!assign_ids(acl, ids.acl)) return "an Access Control instance ID is given twice";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate(const BootstrapConfig& config) {
  if (config.format) {
    using F = lwm2m::ContentFormat;
    const auto f = *config.format;
    if (f != F::Tlv && f != F::SenmlJson && f != F::SenmlCbor && f != F::Lwm2mCbor)
      return "format must be TLV, SenML JSON, SenML CBOR or LwM2M CBOR";
  }
  for (const auto& path : config.deletes)
    if (path.has_resource()) return "Bootstrap-Delete " + path.to_string() + ": / , /o or /o/i";
  for (const auto& path : config.reads) {
    if (path.is_root() || (path.object_id() != 1 && path.object_id() != 2) || path.has_resource())
      return "Bootstrap-Read " + path.to_string() + ": only /1, /2 and their instances";
  }
  if (!config.reads.empty() && config.version == lwm2m::Lwm2mVersion::V1_0)
    return std::string("Bootstrap-Read needs LwM2M 1.1 or later");
  {
    auto order = config.order;
    std::sort(order.begin(), order.end());
    if (order != std::vector<std::uint16_t>{0, 1, 2})
      return std::string("order must name the objects 0, 1 and 2 once each");
  }
  std::set<std::uint16_t> security_ssids, server_ssids;
  bool bootstrap_account = false;
  for (const auto& account : config.servers) {
    if (auto error = check_security(account.security)) return error;
    if (account.security.bootstrap) {
      if (bootstrap_account) return std::string("more than one bootstrap server account");
      bootstrap_account = true;
      if (account.server)
        return "bootstrap server " + account.security.uri + " takes no Server instance";
      continue;
    }
    if (!security_ssids.insert(*account.security.ssid).second)
      return "ssid " + std::to_string(*account.security.ssid) + " given to two servers";
    if (!account.server)
      return "server " + account.security.uri + " has no Server instance (lifetime, binding)";
    if (auto error = check_server(*account.server)) return error;
    if (account.server->ssid != *account.security.ssid)
      return "server " + account.security.uri + ": the Server instance's ssid " +
             std::to_string(account.server->ssid) + " differs from the Security instance's " +
             std::to_string(*account.security.ssid);
    server_ssids.insert(account.server->ssid);
  }
  if (server_ssids.empty())
    return std::string(
        "no LwM2M server: the device would have no non-bootstrap Security and Server instances to "
        "register with");
  for (const auto& acl : config.acls) {
    if (acl.object_id == 0 || acl.object_id == 65535)
      return "Access Control of object " + std::to_string(acl.object_id) + ": not allowed";
    if (!server_ssids.count(acl.owner))
      return "Access Control of /" + std::to_string(acl.object_id) + "/" +
             std::to_string(acl.object_instance) + ": owner " + std::to_string(acl.owner) +
             " is no server of this config";
    for (const auto& [ssid, bits] : acl.rights) {
      if (ssid != 0 && !server_ssids.count(ssid))
        return "Access Control of /" + std::to_string(acl.object_id) + "/" +
               std::to_string(acl.object_instance) + ": ssid " + std::to_string(ssid) +
               " is no server of this config";
      if (bits > 31) return std::string("Access Control rights are bits 0 to 4 (0 to 31)");
    }
  }
  Ids ids;
  return ids_of(config, ids);
}

std::vector<InstanceWrite> instance_writes(const BootstrapConfig& config,
                                           std::optional<std::uint16_t> device_bootstrap_account) {
  Ids ids;
  // An explicit ID of the config may take the device's: then the config's IDs as they are.
  if (ids_of(config, ids, device_bootstrap_account)) (void)ids_of(config, ids);
  std::vector<InstanceWrite> security, server, acl;
  std::size_t server_index = 0;
  for (std::size_t i = 0; i < config.servers.size(); ++i) {
    const auto& s = config.servers[i].security;
    const Path base(0, ids.security[i]);
    auto& w = security.emplace_back(InstanceWrite{base, {}});
    auto add = [&](std::uint16_t r, lwm2m::Value v) {
      w.records.push_back(Record{base.child(r), std::move(v), std::nullopt});
    };
    add(0, s.uri);
    add(1, s.bootstrap);
    add(2, std::int64_t{static_cast<std::int64_t>(s.mode)});
    add(3, s.identity);
    add(4, s.server_public_key);
    add(5, s.secret_key);
    if (s.ssid) add(10, std::int64_t{*s.ssid});
    if (s.hold_off) add(11, std::int64_t{*s.hold_off});
    if (s.certificate_usage) add(15, std::uint64_t{*s.certificate_usage});
    if (const auto& srv = config.servers[i].server) {
      const Path sbase(1, ids.server[server_index++]);
      auto& sw = server.emplace_back(InstanceWrite{sbase, {}});
      auto sadd = [&](std::uint16_t r, lwm2m::Value v) {
        sw.records.push_back(Record{sbase.child(r), std::move(v), std::nullopt});
      };
      sadd(0, std::int64_t{srv->ssid});
      sadd(1, std::int64_t{srv->lifetime});
      if (srv->pmin) sadd(2, std::int64_t{*srv->pmin});
      if (srv->pmax) sadd(3, std::int64_t{*srv->pmax});
      sadd(6, srv->notification_storing);
      sadd(7, srv->binding);
    }
  }
  for (std::size_t i = 0; i < config.acls.size(); ++i) {
    const auto& a = config.acls[i];
    const Path base(2, ids.acl[i]);
    auto& w = acl.emplace_back(InstanceWrite{base, {}});
    w.records.push_back(Record{base.child(0), std::int64_t{a.object_id}, std::nullopt});
    w.records.push_back(Record{base.child(1), std::int64_t{a.object_instance}, std::nullopt});
    for (const auto& [ssid, bits] : a.rights)
      w.records.push_back(Record{Path(2, ids.acl[i], 2, ssid), std::int64_t{bits}, std::nullopt});
    w.records.push_back(Record{base.child(3), std::int64_t{a.owner}, std::nullopt});
  }
  std::vector<InstanceWrite> out;
  for (const auto object : config.order) {
    auto& part = object == 0 ? security : object == 1 ? server : acl;
    std::move(part.begin(), part.end(), std::back_inserter(out));
  }
  return out;
}

// ---- JSON

namespace {

std::string_view format_name(lwm2m::ContentFormat f) {
  switch (f) {
    case lwm2m::ContentFormat::Tlv:
      return "tlv";
    case lwm2m::ContentFormat::SenmlJson:
      return "senml-json";
    case lwm2m::ContentFormat::SenmlCbor:
      return "senml-cbor";
    case lwm2m::ContentFormat::Lwm2mCbor:
      return "lwm2m-cbor";
    default:
      return "?";
  }
}

// Reads the fields of one JSON object, each once, refusing unknown ones with their name.
class Fields {
 public:
  Fields(const json::value& v, std::string what) : what_(std::move(what)) {
    if (!v.is_object()) throw std::invalid_argument(what_ + " must be a JSON object");
    object_ = &v.as_object();
    for (const auto& kv : *object_) names_.insert(std::string(kv.key()));
  }
  const json::value* get(std::string_view key) {
    names_.erase(std::string(key));
    return object_->if_contains(key);
  }
  std::string string(std::string_view key, std::optional<std::string> fallback = {}) {
    const auto* v = get(key);
    if (!v) {
      if (fallback) return *fallback;
      fail(std::string(key) + " is missing");
    }
    if (!v->is_string()) fail(std::string(key) + " must be a string");
    return std::string(v->as_string());
  }
  template <typename T>
  std::optional<T> number(std::string_view key) {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    std::error_code ec;
    const auto n = v->to_number<std::int64_t>(ec);
    if (ec || n < 0 || static_cast<std::uint64_t>(n) > std::numeric_limits<T>::max())
      fail(std::string(key) + " must be an integer from 0 to " +
           std::to_string(std::numeric_limits<T>::max()));
    return static_cast<T>(n);
  }
  std::optional<bool> boolean(std::string_view key) {
    const auto* v = get(key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) fail(std::string(key) + " must be true or false");
    return v->as_bool();
  }
  lwm2m::Opaque bytes(std::string_view key) {
    const auto* v = get(key);
    if (!v) return {};
    const auto decoded = v->is_string() ? parse_hex(v->as_string()) : std::nullopt;
    if (!decoded) fail(std::string(key) + " must be hex digits");
    return *decoded;
  }
  const json::array* array(std::string_view key) {
    const auto* v = get(key);
    if (!v) return nullptr;
    if (!v->is_array()) fail(std::string(key) + " must be an array");
    return &v->as_array();
  }
  void done() {
    if (!names_.empty()) fail("unknown field " + *names_.begin());
  }
  [[noreturn]] void fail(const std::string& message) const {
    throw std::invalid_argument(what_ + ": " + message);
  }

 private:
  std::string what_;
  const json::object* object_ = nullptr;
  std::set<std::string> names_;
};

Path path_from(const json::value& v, const std::string& what) {
  const auto path = v.is_string() ? Path::parse(v.as_string()) : std::nullopt;
  if (!path)
    throw std::invalid_argument(what + ": \"" + json::serialize(v) + "\" is no LwM2M path");
  return *path;
}

ServerAccount account_from(const json::value& v, std::size_t index) {
  const std::string what = "servers[" + std::to_string(index) + "]";
  Fields f(v, what);
  ServerAccount account;
  {
    const auto* sv = f.get("security");
    if (!sv) f.fail("security is missing");
    Fields s(*sv, what + ".security");
    auto& sec = account.security;
    sec.instance = s.number<std::uint16_t>("instance");
    sec.uri = s.string("uri");
    sec.bootstrap = s.boolean("bootstrap").value_or(false);
    const auto mode = s.string("mode", "nosec");
    const auto parsed = lwm2m::security_mode_from_string(mode);
    if (!parsed) s.fail("mode must be psk, rpk, x509, nosec or est, got \"" + mode + "\"");
    sec.mode = *parsed;
    sec.identity = s.bytes("identity");
    if (const auto* text = s.get("identity_text")) {
      if (!text->is_string()) s.fail("identity_text must be a string");
      const auto t = text->as_string();
      sec.identity.assign(t.begin(), t.end());
    }
    sec.server_public_key = s.bytes("server_public_key");
    sec.secret_key = s.bytes("secret_key");
    sec.ssid = s.number<std::uint16_t>("ssid");
    sec.hold_off = s.number<std::uint32_t>("hold_off");
    sec.certificate_usage = s.number<std::uint8_t>("certificate_usage");
    s.done();
  }
  if (const auto* sv = f.get("server")) {
    Fields s(*sv, what + ".server");
    ServerInstance srv;
    srv.instance = s.number<std::uint16_t>("instance");
    srv.ssid = s.number<std::uint16_t>("ssid").value_or(account.security.ssid.value_or(0));
    srv.lifetime = s.number<std::uint32_t>("lifetime").value_or(srv.lifetime);
    srv.pmin = s.number<std::uint32_t>("pmin");
    srv.pmax = s.number<std::uint32_t>("pmax");
    srv.notification_storing = s.boolean("notification_storing").value_or(true);
    srv.binding = s.string("binding", "U");
    s.done();
    account.server = srv;
  }
  f.done();
  return account;
}

AclInstance acl_from(const json::value& v, std::size_t index) {
  Fields f(v, "acls[" + std::to_string(index) + "]");
  AclInstance acl;
  acl.instance = f.number<std::uint16_t>("instance");
  const auto object = f.number<std::uint16_t>("object");
  if (!object) f.fail("object is missing");
  acl.object_id = *object;
  acl.object_instance = f.number<std::uint16_t>("object_instance").value_or(0);
  acl.owner = f.number<std::uint16_t>("owner").value_or(0);
  if (const auto* rights = f.get("rights")) {
    if (!rights->is_object()) f.fail("rights must be an object of ssid: bits");
    for (const auto& kv : rights->as_object()) {
      const auto ssid = lwm2m::parse_uint64(kv.key());
      std::error_code e;
      const auto bits = kv.value().to_number<std::int64_t>(e);
      if (!ssid || *ssid > 65534 || e || bits < 0 || bits > 31)
        f.fail("rights must map ssids (0 to 65534) to access bits (0 to 31)");
      acl.rights[static_cast<std::uint16_t>(*ssid)] = static_cast<std::uint16_t>(bits);
    }
  }
  f.done();
  return acl;
}

BootstrapConfig config_from(const json::value& v) {
  Fields f(v, "config");
  BootstrapConfig config;
  if (const auto* version = f.get("version")) {
    const auto parsed = version->is_string()
                            ? lwm2m::lwm2m_version_from_string(version->as_string())
                            : std::nullopt;
    if (!parsed) f.fail("version must be \"1.0\", \"1.1\" or \"1.2\"");
    config.version = parsed;
  }
  if (const auto* format = f.get("format")) {
    for (const auto cf : {lwm2m::ContentFormat::Tlv, lwm2m::ContentFormat::SenmlJson,
                          lwm2m::ContentFormat::SenmlCbor, lwm2m::ContentFormat::Lwm2mCbor})
      if (format->is_string() && format->as_string() == format_name(cf)) config.format = cf;
    if (!config.format) f.fail("format must be tlv, senml-json, senml-cbor or lwm2m-cbor");
  }
  config.discover = f.boolean("discover").value_or(false);
  if (const auto* reads = f.array("read")) {
    for (const auto& p : *reads) config.reads.push_back(path_from(p, "read"));
  }
  if (const auto* deletes = f.array("delete")) {
    config.deletes.clear();
    for (const auto& p : *deletes) config.deletes.push_back(path_from(p, "delete"));
  }
  if (const auto* servers = f.array("servers"))
    for (std::size_t i = 0; i < servers->size(); ++i)
      config.servers.push_back(account_from((*servers)[i], i));
  if (const auto* acls = f.array("acls"))
    for (std::size_t i = 0; i < acls->size(); ++i) config.acls.push_back(acl_from((*acls)[i], i));
  if (const auto* order = f.array("order")) {
    config.order.clear();
    for (const auto& o : *order) {
      std::error_code ec;
      const auto n = o.to_number<std::uint16_t>(ec);
      if (ec) f.fail("order must list object IDs");
      config.order.push_back(n);
    }
  }
  f.done();
  return config;
}

}  // namespace

std::string to_json(const BootstrapConfig& config, bool mask_secrets) {
  json::object o;
  if (config.version) o["version"] = lwm2m::to_string(*config.version);
  if (config.format) o["format"] = format_name(*config.format);
  o["discover"] = config.discover;
  json::array reads, deletes, servers, acls, order;
  for (const auto& p : config.reads) reads.emplace_back(p.to_string());
  for (const auto& p : config.deletes) deletes.emplace_back(p.to_string());
  for (const auto& account : config.servers) {
    const auto& s = account.security;
    json::object sec;
    if (s.instance) sec["instance"] = *s.instance;
    sec["uri"] = s.uri;
    sec["bootstrap"] = s.bootstrap;
    sec["mode"] = to_string(s.mode);
    if (!s.identity.empty()) sec["identity"] = to_hex(s.identity);
    if (!s.server_public_key.empty()) sec["server_public_key"] = to_hex(s.server_public_key);
    if (!s.secret_key.empty())
      sec["secret_key"] = mask_secrets ? std::string(masked_secret) : to_hex(s.secret_key);
    if (s.ssid) sec["ssid"] = *s.ssid;
    if (s.hold_off) sec["hold_off"] = *s.hold_off;
    if (s.certificate_usage) sec["certificate_usage"] = std::uint64_t{*s.certificate_usage};
    json::object entry;
    entry["security"] = std::move(sec);
    if (const auto& srv = account.server) {
      json::object so;
      if (srv->instance) so["instance"] = *srv->instance;
      so["ssid"] = srv->ssid;
      so["lifetime"] = srv->lifetime;
      if (srv->pmin) so["pmin"] = *srv->pmin;
      if (srv->pmax) so["pmax"] = *srv->pmax;
      so["notification_storing"] = srv->notification_storing;
      so["binding"] = srv->binding;
      entry["server"] = std::move(so);
    }
    servers.emplace_back(std::move(entry));
  }
  for (const auto& a : config.acls) {
    json::object ao;
    if (a.instance) ao["instance"] = *a.instance;
    ao["object"] = a.object_id;
    ao["object_instance"] = a.object_instance;
    json::object rights;
    for (const auto& [ssid, bits] : a.rights) rights[std::to_string(ssid)] = bits;
    ao["rights"] = std::move(rights);
    ao["owner"] = a.owner;
    acls.emplace_back(std::move(ao));
  }
  for (const auto id : config.order) order.emplace_back(id);
  o["read"] = std::move(reads);
  o["delete"] = std::move(deletes);
  o["servers"] = std::move(servers);
  o["acls"] = std::move(acls);
  o["order"] = std::move(order);
  return json::serialize(o);
}

drover::Result<BootstrapConfig, std::string> config_from_json(std::string_view text) {
  std::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec) return "invalid JSON: " + ec.message();
  try {
    auto config = config_from(v);
    if (auto error = validate(config)) return std::move(*error);
    return config;
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
}

// ---- The store

BootstrapConfigs::BootstrapConfigs(DocumentTable* table) : table_(table) {}

std::vector<std::string> BootstrapConfigs::load() {
  std::vector<std::string> errors;
  if (!table_) return errors;
  for (auto& [name, document] : table_->load()) {
    auto config = config_from_json(document);
    if (!config) {
      errors.push_back("bootstrap config " + name + ": " + config.error());
      continue;
    }
    configs_.insert_or_assign(name, std::move(config).value());
    ++revision_;
  }
  return errors;
}

std::optional<std::string> BootstrapConfigs::put_all_json(std::string_view text) {
  std::error_code ec;
  const auto v = json::parse(text, ec);
  if (ec) return "invalid JSON: " + ec.message();
  if (!v.is_object()) return std::string("expected an object of configurations by endpoint name");
  for (const auto& kv : v.as_object()) {
    auto config = config_from_json(json::serialize(kv.value()));
    if (!config) return std::string(kv.key()) + ": " + config.error();
    if (auto error = put(kv.key(), std::move(config).value())) return error;
  }
  return std::nullopt;
}

std::optional<std::string> BootstrapConfigs::put(std::string_view name, BootstrapConfig config) {
  if (name.empty() || name.size() > lwm2m::max_endpoint_length)
    return "a config is named by an endpoint name (1 to " +
           std::to_string(lwm2m::max_endpoint_length) + " bytes) or \"*\"";
  if (auto error = validate(config)) return error;
  if (table_) table_->put(name, to_json(config, false));
  configs_.insert_or_assign(std::string(name), std::move(config));
  ++revision_;
  return std::nullopt;
}

bool BootstrapConfigs::erase(std::string_view name) {
  const auto it = configs_.find(name);
  if (it == configs_.end()) return false;
  configs_.erase(it);
  ++revision_;
  if (table_) table_->erase(name);
  return true;
}

const BootstrapConfig* BootstrapConfigs::get(std::string_view name) const {
  const auto it = configs_.find(name);
  return it == configs_.end() ? nullptr : &it->second;
}

const BootstrapConfig* BootstrapConfigs::find(std::string_view endpoint) const {
  if (const auto* config = get(endpoint)) return config;
  return get(default_config_name);
}

}  // namespace drover::bootstrap
