#include "bootstrap_credentials.hpp"

#include <algorithm>
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

std::vector<dtls::BoundCredential> server_credentials(const bootstrap::BootstrapConfig& config,
                                                      const coap::PeerAddress& local) {
  using bootstrap::SecurityMode;
  std::vector<dtls::BoundCredential> out;
  for (const auto& account : config.servers) {
    const auto& s = account.security;
    if (s.bootstrap || !names_listener(s.uri, local) || s.identity.empty()) continue;
    dtls::BoundCredential c;
    if (s.mode == SecurityMode::Psk && !s.secret_key.empty())
      c = {dtls::CredentialKind::Psk, std::string(s.identity.begin(), s.identity.end()),
           s.secret_key};
    else if (s.mode == SecurityMode::Rpk)
      c = {dtls::CredentialKind::RawPublicKey, dtls::key_name(s.identity), {}};
    else
      continue;
    // Two accounts of this server with one credential would be refused as given twice.
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

void bind_server_credentials(const std::string& endpoint, const bootstrap::BootstrapConfig& config,
                             const coap::PeerAddress& local, dtls::MemorySecurityStore& store) {
  auto credentials = server_credentials(config, local);
  if (credentials.empty()) return;
  if (const auto* entry = store.find(endpoint);
      entry && entry->origin == dtls::EntryOrigin::Bootstrap && entry->credentials == credentials)
    return;
  std::string names;
  for (const auto& c : credentials)
    names.append(names.empty() ? "" : ", ")
        .append(dtls::to_string(c.kind))
        .append(":")
        .append(c.name);
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

}  // namespace drover::apps
