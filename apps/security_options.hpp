// DTLS credentials from the command line: the server's (a PSK file, X.509 files, a raw public
// key and the clients' public keys) and a client's (one credential type); and a client's from an
// account of its Security object, as a bootstrap server or a file gave it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drover/dtls/credentials.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/dtls/dtls_server.hpp"
#include "drover/lwm2m/protocol/security.hpp"

namespace CLI {
class App;
}

namespace drover::apps {

struct ServerSecurityOptions {
  std::uint16_t coaps_port = 5684;
  std::string psk_file;           // lines "endpoint identity hexkey"; # starts a comment
  std::string psk_master;         // hex: derived PSKs (dtls::derive_psk) for the endpoints
  std::string psk_master_prefix;  // ... whose names start with this
  std::string certificate_file, key_file, ca_file;  // X.509, PEM
  std::string rpk_key_file;                         // own raw public key: a PEM private key
  std::vector<std::string> rpk_clients;             // "endpoint=public-key.pem"
  // Listen for coaps with no credentials given here (the clients' come through /api/security).
  bool listen = false;
  bool any() const {
    return listen || !psk_file.empty() || !psk_master.empty() || !certificate_file.empty() ||
           !rpk_key_file.empty();
  }
};

// Fills `store` and `credentials` (whose store is set to `store`); nullopt when done, else why not.
std::optional<std::string> load_server_security(const ServerSecurityOptions& options,
                                                dtls::MemorySecurityStore& store,
                                                dtls::ServerCredentials& credentials);

struct ClientSecurityOptions {
  std::string psk_identity;
  std::string psk_key;     // hex
  std::string psk_master;  // hex: the PSK is derived from it and the endpoint name (identity)
  std::string certificate_file, key_file, ca_file;
  std::string server_name;  // X.509: the name the server's certificate must carry
  // X.509: the server's certificate as the Security object gives it (PEM), and its Certificate
  // Usage (0-3; -1: not given, 3 with a certificate).
  std::string server_certificate_file;
  int certificate_usage = -1;
  std::string rpk_key_file, server_public_key_file;
  bool any() const {
    return !psk_identity.empty() || !psk_key.empty() || !psk_master.empty() ||
           !certificate_file.empty() || !rpk_key_file.empty();
  }
};

// One credential type from `options`, or why not (in `error`). With a PSK master, the credential
// is for one endpoint: see for_endpoint.
std::optional<dtls::ClientCredentials> client_credentials(const ClientSecurityOptions& options,
                                                          std::string& error);

// The credentials of the device `endpoint`: its derived PSK when there is a master key.
dtls::ClientCredentials for_endpoint(dtls::ClientCredentials credentials,
                                     const ClientSecurityOptions& options,
                                     const std::string& endpoint);

// The credential options `drover client` and `drover coap` share (--psk-identity, --psk-key,
// --cert, --key, --ca, --server-name, --rpk-key, --server-public-key).
void add_client_security_options(CLI::App& command, ClientSecurityOptions& options);

// X.509: without --server-name, the server's certificate must carry the URI's host when that is
// a name (an IP literal is checked by no name).
void name_the_server(dtls::ClientCredentials& credentials, const std::string& host);

// The credentials of a server at a URI of `scheme` and `host`: none for coap:// (and credentials
// given are an error), one type for coaps:// with name_the_server(host). False, with `error`,
// when they do not fit.
bool credentials_for_uri(const std::string& scheme, const std::string& host,
                         const ClientSecurityOptions& options,
                         std::optional<dtls::ClientCredentials>& credentials, std::string& error);

// The credentials of a coaps account of the Security object, its keys in DER: PSK (identity
// /0/x/3, key /0/x/5), raw public key (own private key /0/x/5, the server's public key /0/x/4)
// or X.509 (own certificate /0/x/3 and private key /0/x/5, the server's certificate /0/x/4 as
// its Certificate Usage /0/x/15 says, 3 when absent), named as name_the_server(host) says.
// Nullopt, with `error`, for another mode or keys that do not parse.
std::optional<dtls::ClientCredentials> account_credentials(const lwm2m::SecurityAccount& account,
                                                           const std::string& host,
                                                           std::string& error);
// What identifies the device in `credentials`, for the log: "PSK identity <id>", "raw public key
// <key name>" or "X.509 certificate (the server's checked with Certificate Usage <n>)".
std::string describe_credentials(const dtls::ClientCredentials& credentials);

// The whole file, or nullopt.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace drover::apps
