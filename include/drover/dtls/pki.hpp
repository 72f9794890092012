// Keys and certificates made with GnuTLS (ECDSA P-256, signed with SHA-256): for tests and for the
// load generator's X.509 clients, which need a CA, a server and a certificate per device at run
// time. Not a CA for deployments: no revocation, no policy, serial numbers from a counter.
#pragma once

#include <ctime>
#include <string>

#include "drover/dtls/credentials.hpp"

namespace drover::dtls {

// PEM texts.
struct CertificateAuthority {
  std::string certificate, private_key;
};

// A new private key, PEM. Each throws std::runtime_error with GnuTLS's message on failure.
std::string make_private_key();
// A self-signed CA named `name` (its common name).
CertificateAuthority make_ca(const std::string& name);
// A certificate for `common_name` (also its subjectAltName DNS name) signed by `ca`, valid from
// an hour ago until `not_after` (in the past: an expired certificate), for `private_key` (PEM;
// empty: a new key). The credential's trust anchors are the CA's certificate.
CertificateCredential make_certificate(const CertificateAuthority& ca,
                                       const std::string& common_name, time_t not_after,
                                       const std::string& private_key = {});

}  // namespace drover::dtls
