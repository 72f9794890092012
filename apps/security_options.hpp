// DTLS credentials from the command line: the server's (a PSK file, X.509 files, a raw public
// key and the clients' public keys) and a client's (one credential type).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drover/dtls/credentials.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/dtls/dtls_server.hpp"

namespace drover::apps {

struct ServerSecurityOptions {
  std::uint16_t coaps_port = 5684;
  std::string psk_file;  // lines "endpoint identity hexkey"; # starts a comment
  std::string certificate_file, key_file, ca_file;  // X.509, PEM
  std::string rpk_key_file;                         // own raw public key: a PEM private key
  std::vector<std::string> rpk_clients;             // "endpoint=public-key.pem"
  bool any() const {
    return !psk_file.empty() || !certificate_file.empty() || !rpk_key_file.empty();
  }
};

// Fills `store` and `credentials` (whose store is set to `store`); nullopt when done, else why not.
std::optional<std::string> load_server_security(const ServerSecurityOptions& options,
                                                dtls::MemorySecurityStore& store,
                                                dtls::ServerCredentials& credentials);

struct ClientSecurityOptions {
  std::string psk_identity;
  std::string psk_key;  // hex
  std::string certificate_file, key_file, ca_file;
  std::string server_name;  // X.509: the name the server's certificate must carry
  std::string rpk_key_file, server_public_key_file;
  bool any() const {
    return !psk_identity.empty() || !psk_key.empty() || !certificate_file.empty() ||
           !rpk_key_file.empty();
  }
};

// One credential type from `options`, or why not (in `error`).
std::optional<dtls::ClientCredentials> client_credentials(const ClientSecurityOptions& options,
                                                          std::string& error);

// The whole file, or nullopt.
std::optional<std::string> read_text_file(const std::string& path);

}  // namespace drover::apps
