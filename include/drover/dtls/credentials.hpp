// Credentials of DTLS as the LwM2M Security object (0) defines them: a pre-shared key (identity
// and key), a raw public key (RFC 7250: own key pair, the peer's public key) and X.509 (own
// certificate chain and key, trust anchors) and what a handshake proved about a peer. The
// server's security store (security_store.hpp) maps each credential to an endpoint name.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
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
  // X.509: the certificate's subjectAltName DNS names and URIs.
  std::vector<std::string> alt_names;
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

// How a client checks the server's X.509 certificate against the one it was given (the Security
// object's Server Public Key, /0/x/4): its Certificate Usage (/0/x/15), as RFC 6698 §2.1.1 defines
// the values.
enum class CertificateUsage : std::uint8_t {
  CaConstraint = 0,        // the chain leads to the trust anchors and through the given CA
  ServiceCertificate = 1,  // the chain leads to the trust anchors and ends in the given one
  TrustAnchor = 2,         // the chain leads to the given certificate as its only trust anchor
  DomainIssued = 3,        // the server's certificate is the given one; no chain, no name
};

struct RawPublicKeyCredential {
  std::string private_key;  // PEM; the public key sent is derived from it
  // Client: the server's public key (SubjectPublicKeyInfo, PEM) it must present.
  std::string peer_public_key;
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

// Keys and certificates in DER, as the Security object holds them, in the PEM the credentials
// take; nullopt when the bytes are no such thing.
std::optional<std::string> certificate_pem(std::span<const std::uint8_t> der);
std::optional<std::string> public_key_pem(std::span<const std::uint8_t> subject_public_key_info);
// PKCS#8, or a bare EC (SEC1) or RSA (PKCS#1) key; the PEM is PKCS#8.
std::optional<std::string> private_key_pem(std::span<const std::uint8_t> der);

}  // namespace drover::dtls
