#include "bootstrap_credentials.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "drover/coap/uri.hpp"
#include "drover/log/log.hpp"

namespace drover::apps {

namespace {

bool is_loopback(const coap::PeerAddress& a) {
  if (!a.v6) return a.ip[0] == 127;
  return std::all_of(a.ip.begin(), a.ip.end() - 1, [](std::uint8_t b) { return b == 0; }) &&
         a.ip[15] == 1;
}

bool is_unspecified(const coap::PeerAddress& a) {
  return std::all_of(a.ip.begin(), a.ip.end(), [](std::uint8_t b) { return b == 0; });
}

std::optional<coap::PeerAddress> ip_of(const std::string& host) {
  return coap::PeerAddress::parse((host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                                  ":0");
}

}  // namespace

bool names_listener(std::string_view uri, const coap::PeerAddress& local) {
  std::string error;
  const auto parsed = coap::parse_coap_uri(uri, error);
  if (!parsed || parsed->scheme != "coaps" || parsed->port != local.port) return false;
  const bool loopback_listens = is_loopback(local) || is_unspecified(local);
  if (parsed->host == "localhost") return loopback_listens;
  const auto host = ip_of(parsed->host);
  if (!host) return false;
  if (is_loopback(*host)) return loopback_listens;
  return !is_unspecified(local) && host->v6 == local.v6 && host->ip == local.ip;
}

bool same_server(std::string_view uri, std::string_view other) {
  std::string error;
  const auto a = coap::parse_coap_uri(uri, error);
  const auto b = coap::parse_coap_uri(other, error);
  const auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  return a && b && a->scheme == b->scheme && a->port == b->port && lower(a->host) == lower(b->host);
}

std::optional<dtls::BoundCredential> credential_of(const bootstrap::SecurityInstance& s) {
  using lwm2m::SecurityMode;
  if (s.identity.empty()) return std::nullopt;
  if (s.mode == SecurityMode::Psk && !s.secret_key.empty())
    return dtls::BoundCredential{dtls::CredentialKind::Psk,
                                 std::string(s.identity.begin(), s.identity.end()), s.secret_key};
  if (s.mode == SecurityMode::Rpk)
    return dtls::BoundCredential{
        dtls::CredentialKind::RawPublicKey, dtls::key_name(s.identity), {}};
  return std::nullopt;
}

std::vector<dtls::BoundCredential> server_credentials(
    const bootstrap::BootstrapConfig& config,
    const std::function<bool(std::string_view uri)>& of_server) {
  std::vector<dtls::BoundCredential> out;
  for (const auto& account : config.servers) {
    const auto& s = account.security;
    if (s.bootstrap || !of_server(s.uri)) continue;
    auto c = credential_of(s);
    // Two accounts of this server with one credential would be refused as given twice.
    if (c && std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(std::move(*c));
  }
  return out;
}

std::vector<dtls::BoundCredential> server_credentials(const bootstrap::BootstrapConfig& config,
                                                      const coap::PeerAddress& local) {
  return server_credentials(config,
                            [&](std::string_view uri) { return names_listener(uri, local); });
}

std::string credential_names(const std::vector<dtls::BoundCredential>& credentials) {
  std::string names;
  for (const auto& c : credentials)
    names.append(names.empty() ? "" : ", ")
        .append(dtls::to_string(c.kind))
        .append(":")
        .append(c.name);
  return names;
}

void bind_server_credentials(const std::string& endpoint, const bootstrap::BootstrapConfig& config,
                             const coap::PeerAddress& local, dtls::MemorySecurityStore& store) {
  auto credentials = server_credentials(config, local);
  if (credentials.empty()) return;
  if (const auto* entry = store.find(endpoint);
      entry && entry->origin == dtls::EntryOrigin::Bootstrap && entry->credentials == credentials)
    return;
  const std::string names = credential_names(credentials);
  if (const auto refused =
          store.put(endpoint, std::move(credentials), dtls::EntryOrigin::Bootstrap)) {
    log::warn(log::Component::Dtls, {"credentials_refused", endpoint},
              "bootstrap " + endpoint + ": its credentials for this server are not bound (" +
                  refused->reason + ")");
    return;
  }
  log::info(log::Component::Dtls, {"credentials_bound", endpoint},
            "bootstrap " + endpoint + ": " + names + " bound for coaps");
}

const std::pair<std::string, dtls::BoundCredential>* BootstrapSecurityStore::lookup(
    dtls::CredentialKind kind, std::string_view name) const {
  if (indexed_ != configs_.revision()) {
    index_.clear();
    for (const auto& [config_name, config] : configs_.all())
      for (const auto& account : config.servers)
        if (account.security.bootstrap)
          if (auto c = credential_of(account.security))
            index_.try_emplace({c->kind, c->name}, config_name, std::move(*c));
    indexed_ = configs_.revision();
  }
  const auto it = index_.find(std::pair(kind, std::string(name)));
  return it == index_.end() ? nullptr : &it->second;
}

std::optional<std::vector<std::uint8_t>> BootstrapSecurityStore::psk_key(
    std::string_view identity) const {
  if (const auto* found = lookup(dtls::CredentialKind::Psk, identity)) return found->second.key;
  return fallback_ ? fallback_->psk_key(identity) : std::nullopt;
}

std::optional<std::string> BootstrapSecurityStore::endpoint_of(dtls::CredentialKind kind,
                                                               std::string_view name) const {
  if (const auto* found = lookup(kind, name)) return found->first;
  if (kind == dtls::CredentialKind::X509 && name.starts_with(dtls::kAltName)) {
    const auto alt = name.substr(dtls::kAltName.size());
    const auto* config = configs_.get(alt);
    if (config && std::any_of(config->servers.begin(), config->servers.end(), [](const auto& a) {
          return a.security.bootstrap && a.security.mode == lwm2m::SecurityMode::Certificate;
        }))
      return std::string(alt);
  }
  return fallback_ ? fallback_->endpoint_of(kind, name) : std::nullopt;
}

bool BootstrapSecurityStore::secures(std::string_view endpoint) const {
  if (const auto* config = configs_.get(endpoint))
    for (const auto& account : config->servers)
      if (account.security.bootstrap && credential_of(account.security)) return true;
  return fallback_ && fallback_->secures(endpoint);
}

}  // namespace drover::apps
