// What the DTLS server and client share on top of GnuTLS: a session over in-memory datagrams,
// certificate credentials, the peer's identity and certificate checks.
#pragma once

#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/dtls/credentials.hpp"
#include "drover/dtls/record_state.hpp"

namespace drover::dtls::detail {

// A GnuTLS DTLS session whose transport is memory: receive() hands it one datagram for the next
// pull, and every datagram it pushes is appended to `output` for the core to send.
class Session {
 public:
  // `flags`: GNUTLS_SERVER or GNUTLS_CLIENT (DATAGRAM, NONBLOCK and ENABLE_RAWPK are added; raw
  // public keys are offered only when the priorities name them).
  explicit Session(unsigned flags);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  gnutls_session_t get() const { return session_; }
  // The next datagram GnuTLS reads (one pull); replaces one it did not read.
  void set_input(std::span<const std::uint8_t> datagram) { input_ = datagram; }
  std::vector<std::vector<std::uint8_t>> output;

  // MTU and the retransmission timeouts (first, and the whole handshake).
  void set_timing(unsigned mtu, coap::Duration retransmit, coap::Duration total);
  // When GnuTLS wants the handshake driven again (a flight to send once more), from `now`.
  coap::TimePoint retransmit_at(coap::TimePoint now) const;

 private:
  static ssize_t push(gnutls_transport_ptr_t self, const void* data, size_t size);
  static ssize_t pull(gnutls_transport_ptr_t self, void* data, size_t size);
  static int pull_timeout(gnutls_transport_ptr_t self, unsigned ms);

  gnutls_session_t session_ = nullptr;
  std::span<const std::uint8_t> input_;
  coap::Duration retransmit_ = std::chrono::seconds(1);
};

// gnutls_certificate_credentials_t with own keys (X.509 and/or raw public key) and trust anchors.
class CertificateCredentials {
 public:
  CertificateCredentials();
  ~CertificateCredentials();
  CertificateCredentials(const CertificateCredentials&) = delete;
  CertificateCredentials& operator=(const CertificateCredentials&) = delete;
  gnutls_certificate_credentials_t get() const { return credentials_; }

  // Each throws std::runtime_error naming what did not load.
  void add_x509(const CertificateCredential& credential);
  void add_raw_public_key(const std::string& private_key_pem);

 private:
  gnutls_certificate_credentials_t credentials_ = nullptr;
};

// A priority cache; throws std::runtime_error naming the bad part.
class Priorities {
 public:
  explicit Priorities(const std::string& text);
  ~Priorities();
  Priorities(const Priorities&) = delete;
  Priorities& operator=(const Priorities&) = delete;
  gnutls_priority_t get() const { return priorities_; }

 private:
  gnutls_priority_t priorities_ = nullptr;
};

// gnutls_handshake until it needs input, completes or fails: a fatal error, 0, or GNUTLS_E_AGAIN
// (also for records it dropped, such as one that fails its MAC).
int run_handshake(gnutls_session_t session);

// The peer's identity after a completed handshake (endpoint not set); nullopt when the peer did
// not authenticate.
std::optional<PeerIdentity> peer_identity(gnutls_session_t session);
// The PeerIdentity::name of the peer's raw public key or certificate (during the handshake, for
// the verify callbacks); nullopt when it has none.
std::optional<PeerIdentity> presented_identity(gnutls_session_t session);
// Checks the peer's X.509 chain against the trust anchors (and `hostname` when not empty);
// 0 when trusted, else GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR.
int verify_x509_chain(gnutls_session_t session, const std::string& hostname);

// The DER form of the first certificate of a PEM text; nullopt when there is none.
std::optional<std::vector<std::uint8_t>> certificate_der(const std::string& pem);
// Checks the peer's X.509 chain as `usage` says against `given` (DER, certificate_der): the
// chain against the trust anchors and `hostname` first, except under DomainIssued; 0 when
// accepted, else GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR.
int verify_x509_usage(gnutls_session_t session, const std::string& hostname, CertificateUsage usage,
                      std::span<const std::uint8_t> given);
// The record state of an established session, to go on without it: null when its suite is not
// one RecordState protects. `last_in`: the highest sequence number read in the session's epoch.
std::unique_ptr<RecordState> compact_state(gnutls_session_t session, std::uint64_t last_in);

// "what: GnuTLS's message"
std::string error_text(const char* what, int code);

}  // namespace drover::dtls::detail
