// Credentials of DTLS as the LwM2M Security object (0) defines them: a pre-shared key (identity
// and key), a raw public key (RFC 7250: own key pair, the peer's public key) and X.509 (own
// certificate chain and key, trust anchors); what a handshake proved about a peer; and the
// server's security store, which maps each credential to the endpoint name it may register as.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drover/util/hex.hpp"

namespace drover::dtls {

enum class CredentialKind : std::uint8_t { Psk, RawPublicKey, X509 };
std::string_view to_string(CredentialKind);

// What a completed handshake proved about the peer.
struct PeerIdentity {
  CredentialKind kind = CredentialKind::Psk;
  // PSK: the identity; raw public key: its key_name(); X.509: the certificate's subject DN.
  std::string name;
  // X.509: the subject's common name (devices commonly carry their endpoint name there).
  std::string common_name;
  // The endpoint name the credential is bound to; nullopt when it is bound to none.
  std::optional<std::string> endpoint;
  // "psk:<identity>", "rpk:<key name>" or "x509:<subject>": how a registration shows it.
  std::string text() const;
};

struct PskCredential {
  std::string identity;
  std::vector<std::uint8_t> key;
};

// PEM texts.
struct CertificateCredential {
  std::string certificate;    // own chain, own certificate first
  std::string private_key;    // of the first certificate
  std::string trust_anchors;  // the CA certificates a peer's chain must lead to
};

struct RawPublicKeyCredential {
  std::string private_key;  // PEM; the public key sent is derived from it
  // Client: the server's public key (SubjectPublicKeyInfo, PEM) it must present.
  std::string peer_public_key;
};

// The server's view of credentials: what a PSK identity's key is, and which endpoint name a
// proven identity may register as. The coming persistent store implements the same interface.
class SecurityStore {
 public:
  virtual ~SecurityStore() = default;
  // The key of a PSK identity; nullopt when the identity is unknown (the handshake then fails).
  virtual std::optional<std::vector<std::uint8_t>> psk_key(std::string_view identity) const = 0;
  // The endpoint `name` (as in PeerIdentity) is bound to; nullopt when unknown. A raw public key
  // the store does not know fails the handshake.
  virtual std::optional<std::string> endpoint_of(CredentialKind kind,
                                                 std::string_view name) const = 0;
  // Whether a credential of the store is bound to `endpoint` (which then may not use NoSec).
  virtual bool secures(std::string_view endpoint) const = 0;
};

// A fleet's PSKs from one master key: the key of the device whose endpoint name (and PSK
// identity) is `endpoint` is the first 16 bytes of HMAC-SHA256(master, endpoint), so that a
// factory, a simulator and the server compute it alike (with openssl: `printf %s ENDPOINT |
// openssl dgst -sha256 -mac HMAC -macopt hexkey:MASTER`, the first 32 hex digits).
std::vector<std::uint8_t> derive_psk(std::span<const std::uint8_t> master,
                                     std::string_view endpoint);

class MemorySecurityStore final : public SecurityStore {
 public:
  void add_psk(std::string endpoint, std::string identity, std::vector<std::uint8_t> key);
  // Endpoints named `prefix`... that the store has no PSK for use derive_psk(master, endpoint)
  // with their endpoint name as identity; they may not use NoSec either.
  void derive_psks(std::vector<std::uint8_t> master, std::string prefix);
  // `name` as PeerIdentity::name (for a raw public key, key_name() of it).
  void bind(CredentialKind kind, std::string name, std::string endpoint);
  std::size_t size() const { return endpoints_.size(); }

  std::optional<std::vector<std::uint8_t>> psk_key(std::string_view identity) const override;
  std::optional<std::string> endpoint_of(CredentialKind kind, std::string_view name) const override;
  bool secures(std::string_view endpoint) const override;

 private:
  std::map<std::string, std::vector<std::uint8_t>, std::less<>> psk_keys_;
  std::map<std::pair<CredentialKind, std::string>, std::string, std::less<>> endpoints_;
  std::map<std::string, std::size_t, std::less<>> bound_;  // credentials per endpoint
  std::vector<std::uint8_t> master_;                       // empty: no derived PSKs
  std::string derived_prefix_;
  bool derives(std::string_view endpoint) const {
    return !master_.empty() && endpoint.starts_with(derived_prefix_);
  }
};

// Keys in hexadecimal (util/hex.hpp).
using drover::parse_hex;
using drover::to_hex;

// The name of a raw public key: "sha256:" and the hex SHA-256 of its SubjectPublicKeyInfo (DER).
std::string key_name(std::span<const std::uint8_t> subject_public_key_info);
// key_name() of a public key given as PEM (SubjectPublicKeyInfo) or of the public half of a
// private key (PEM); nullopt when it does not parse.
std::optional<std::string> public_key_name(std::string_view pem);
// The public half of a PEM private key, as PEM SubjectPublicKeyInfo; nullopt when it does not
// parse.
std::optional<std::string> public_key_of(std::string_view private_key_pem);

}  // namespace drover::dtls
