// The credentials a bootstrap configuration gives a device for an LwM2M server: `drover server
// --bootstrap-port` binds those for its own coaps listener to the endpoint being bootstrapped in
// its security store, and `drover bootstrap-server --dm-api` pushes those for a separate server
// to that server's API (dm_api_push), so that the device may register over DTLS as soon as it is
// bootstrapped. And those the bootstrap server itself accepts over coaps: each configuration's
// bootstrap account.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/bootstrap/config.hpp"
#include "drover/coap/peer.hpp"
#include "drover/dtls/security_store.hpp"

namespace drover::apps {

// Whether `uri` is a coaps:// URI of the listener bound to `local`: its port, and as host that
// address, or a loopback one (or "localhost") when `local` is loopback or every address. A host
// name or another address of the machine is not recognised (it may be another server's).
bool names_listener(std::string_view uri, const coap::PeerAddress& local);

// Whether two URIs name one server as written: both CoAP URIs of the same scheme, host (letter
// case aside) and port (the scheme's default when absent). No name is resolved.
bool same_server(std::string_view uri, std::string_view other);

// The credential a Security instance names for the server it is an account of: a PSK's identity
// (/0/x/3) and key (/0/x/5), a raw public key's name (of the device's public key, /0/x/3);
// nullopt for NoSec, X.509 (the certificate's CN or subjectAltName is the endpoint) and an
// instance without an identity.
std::optional<dtls::BoundCredential> credential_of(const bootstrap::SecurityInstance& security);

// The credentials of `config`'s LwM2M server accounts whose URI `of_server` takes, each once: a
// PSK's identity (/0/x/3) and key (/0/x/5), a raw public key's name (of the device's public key,
// /0/x/3). X.509 accounts are left out: the API binds a certificate by subject, which the
// configuration does not hold.
std::vector<dtls::BoundCredential> server_credentials(
    const bootstrap::BootstrapConfig& config,
    const std::function<bool(std::string_view uri)>& of_server);
// Those of the accounts whose URI names_listener(`local`).
std::vector<dtls::BoundCredential> server_credentials(const bootstrap::BootstrapConfig& config,
                                                      const coap::PeerAddress& local);

// "psk:ID, rpk:sha256:..." for the log.
std::string credential_names(const std::vector<dtls::BoundCredential>& credentials);

// Puts server_credentials() in `store` as `endpoint`'s, from bootstrap (in place of what it had),
// with a line in the log; nothing when there are none or they are there already. A credential
// bound to another endpoint is not taken from it (a warning says so).
void bind_server_credentials(const std::string& endpoint, const bootstrap::BootstrapConfig& config,
                             const coap::PeerAddress& local, dtls::MemorySecurityStore& store);

// What the bootstrap server's DTLS layer accepts: the credential of each configuration's
// bootstrap account (credential_of), bound to the configuration's name ("*" for the default
// one, see BootstrapServer::set_security_lookup), an X.509 subjectAltName that names a
// configuration with an X.509 bootstrap account, then what `fallback` (the command line's)
// knows. Asked at each handshake; the index by credential is made again after the
// configurations changed (an identity two configurations give is the first one's by name).
class BootstrapSecurityStore final : public dtls::SecurityStore {
 public:
  // Both must outlive the store; `fallback` may be null.
  BootstrapSecurityStore(const bootstrap::BootstrapConfigs& configs,
                         const dtls::SecurityStore* fallback)
      : configs_(configs), fallback_(fallback) {}

  std::optional<std::vector<std::uint8_t>> psk_key(std::string_view identity) const override;
  std::optional<std::string> endpoint_of(dtls::CredentialKind kind,
                                         std::string_view name) const override;
  // A configuration's bootstrap credential, or the fallback's.
  bool secures(std::string_view endpoint) const override;

 private:
  const bootstrap::BootstrapConfigs& configs_;
  const dtls::SecurityStore* fallback_;
  // By (kind, name): the configuration's name and the credential.
  mutable std::map<std::pair<dtls::CredentialKind, std::string>,
                   std::pair<std::string, dtls::BoundCredential>>
      index_;
  mutable std::optional<std::uint64_t> indexed_;  // the configurations' revision index_ is of

  const std::pair<std::string, dtls::BoundCredential>* lookup(dtls::CredentialKind kind,
                                                              std::string_view name) const;
};

}  // namespace drover::apps
