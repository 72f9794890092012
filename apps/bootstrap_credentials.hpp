// The credentials a bootstrap configuration gives a device for this process's own LwM2M server:
// `drover server --bootstrap-port` binds them to the endpoint being bootstrapped in the server's
// security store, so that the device may register over DTLS as soon as it is bootstrapped.
#pragma once

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

// The credentials of `config`'s LwM2M server accounts whose URI names_listener(`local`): a PSK's
// identity (/0/x/3) and key (/0/x/5), a raw public key's name (of the device's public key,
// /0/x/3). X.509 accounts are left out: the API binds a certificate by subject, which the
// configuration does not hold.
std::vector<dtls::BoundCredential> server_credentials(const bootstrap::BootstrapConfig& config,
                                                      const coap::PeerAddress& local);

// Puts server_credentials() in `store` as `endpoint`'s, from bootstrap (in place of what it had),
// with a line in the log; nothing when there are none or they are there already. A credential
// bound to another endpoint is not taken from it (a warning says so).
void bind_server_credentials(const std::string& endpoint, const bootstrap::BootstrapConfig& config,
                             const coap::PeerAddress& local, dtls::MemorySecurityStore& store);

}  // namespace drover::apps
