#include "gnutls_session.hpp"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace drover::dtls::detail {
namespace {

gnutls_datum_t datum(const std::string& text) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
          static_cast<unsigned>(text.size())};
}

void check(int code, const char* what) {
  if (code < 0) throw std::runtime_error(error_text(what, code));
}

using Crt = std::unique_ptr<gnutls_x509_crt_int, void (*)(gnutls_x509_crt_t)>;

// A certificate from `data`; null when it does not parse.
Crt import_crt(const gnutls_datum_t& data, gnutls_x509_crt_fmt_t format) {
  gnutls_x509_crt_t crt = nullptr;
  if (gnutls_x509_crt_init(&crt) < 0) return {nullptr, gnutls_x509_crt_deinit};
  Crt owner(crt, gnutls_x509_crt_deinit);
  if (gnutls_x509_crt_import(crt, &data, format) < 0) owner.reset();
  return owner;
}

}  // namespace

std::string error_text(const char* what, int code) {
  return std::string(what) + ": " + gnutls_strerror(code);
}

std::unique_ptr<RecordState> compact_state(gnutls_session_t session, std::uint64_t last_in) {
  const auto cipher = gnutls_cipher_get(session);
  if (!RecordState::supported(cipher)) return nullptr;
  gnutls_datum_t write_iv{}, write_key{}, read_iv{}, read_key{};
  std::array<std::uint8_t, 8> next_out{};
  if (gnutls_record_get_state(session, 0, nullptr, &write_iv, &write_key, next_out.data()) < 0 ||
      gnutls_record_get_state(session, 1, nullptr, &read_iv, &read_key, nullptr) < 0)
    return nullptr;
  std::uint64_t sequence = 0;
  for (const std::uint8_t b : next_out) sequence = sequence << 8 | b;
  // GnuTLS writes the epoch in the top 16 bits of a DTLS session's sequence number.
  const auto epoch = static_cast<std::uint16_t>(sequence >> 48);
  const auto bytes = [](const gnutls_datum_t& d) {
    return std::span<const std::uint8_t>(d.data, d.size);
  };
  // A key GnuTLS's own AEAD does not take: the session stays (no exception out of a datagram).
  try {
    return std::make_unique<RecordState>(cipher,
                                         RecordState::Direction{bytes(write_key), bytes(write_iv)},
                                         RecordState::Direction{bytes(read_key), bytes(read_iv)},
                                         epoch, sequence & ((std::uint64_t{1} << 48) - 1), last_in);
  } catch (const std::invalid_argument&) {
    return nullptr;
  }
}

Session::Session(unsigned flags) {
  check(gnutls_init(&session_, flags | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | GNUTLS_ENABLE_RAWPK),
        "gnutls_init");
  gnutls_transport_set_ptr(session_, this);
  gnutls_transport_set_push_function(session_, &Session::push);
  gnutls_transport_set_pull_function(session_, &Session::pull);
  gnutls_transport_set_pull_timeout_function(session_, &Session::pull_timeout);
}

Session::~Session() {
  gnutls_deinit(session_);
}

void Session::set_timing(unsigned mtu, coap::Duration retransmit, coap::Duration total) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  retransmit_ = retransmit;
  gnutls_dtls_set_mtu(session_, mtu);
  gnutls_dtls_set_timeouts(session_,
                           static_cast<unsigned>(duration_cast<milliseconds>(retransmit).count()),
                           static_cast<unsigned>(duration_cast<milliseconds>(total).count()));
}

coap::TimePoint Session::retransmit_at(coap::TimePoint now) const {
  // GnuTLS says 0 when it has nothing to send again before the peer's next flight (e.g. after
  // dropping a record that failed its MAC): check again after the first timeout, not at once.
  const unsigned ms = gnutls_dtls_get_timeout(session_);
  return ms == 0 ? now + retransmit_ : now + std::chrono::milliseconds(ms);
}

ssize_t Session::push(gnutls_transport_ptr_t self, const void* data, size_t size) {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  static_cast<Session*>(self)->output.emplace_back(bytes, bytes + size);
  return static_cast<ssize_t>(size);
}

ssize_t Session::pull(gnutls_transport_ptr_t self, void* data, size_t size) {
  auto& s = *static_cast<Session*>(self);
  if (s.input_.empty()) {
    gnutls_transport_set_errno(s.session_, EAGAIN);
    return -1;
  }
  // A datagram longer than GnuTLS's buffer is cut, as a socket would.
  const std::size_t n = std::min(size, s.input_.size());
  std::memcpy(data, s.input_.data(), n);
  s.input_ = {};
  return static_cast<ssize_t>(n);
}

int Session::pull_timeout(gnutls_transport_ptr_t self, unsigned) {
  return static_cast<Session*>(self)->input_.empty() ? 0 : 1;
}

CertificateCredentials::CertificateCredentials() {
  check(gnutls_certificate_allocate_credentials(&credentials_), "certificate credentials");
}

CertificateCredentials::~CertificateCredentials() {
  gnutls_certificate_free_credentials(credentials_);
}

void CertificateCredentials::add_x509(const CertificateCredential& c) {
  const auto cert = datum(c.certificate);
  const auto key = datum(c.private_key);
  check(gnutls_certificate_set_x509_key_mem2(credentials_, &cert, &key, GNUTLS_X509_FMT_PEM,
                                             nullptr, 0),
        "X.509 certificate and key");
  if (!c.trust_anchors.empty()) {
    const auto anchors = datum(c.trust_anchors);
    const int n =
        gnutls_certificate_set_x509_trust_mem(credentials_, &anchors, GNUTLS_X509_FMT_PEM);
    check(n, "trust anchors");
    if (n == 0) throw std::runtime_error("trust anchors: no certificate in the PEM text");
  }
}

void CertificateCredentials::add_raw_public_key(const std::string& private_key_pem) {
  const auto public_pem = public_key_of(private_key_pem);
  if (!public_pem) throw std::runtime_error("raw public key: the private key does not parse");
  const auto spki = datum(*public_pem);
  const auto key = datum(private_key_pem);
  check(gnutls_certificate_set_rawpk_key_mem(credentials_, &spki, &key, GNUTLS_X509_FMT_PEM,
                                             nullptr, 0, nullptr, 0, 0),
        "raw public key");
}

Priorities::Priorities(const std::string& text) {
  const char* error_at = nullptr;
  const int code = gnutls_priority_init(&priorities_, text.c_str(), &error_at);
  if (code < 0)
    throw std::runtime_error(error_text("priorities", code) +
                             (error_at ? std::string(" at \"") + error_at + "\"" : ""));
}

Priorities::~Priorities() {
  gnutls_priority_deinit(priorities_);
}

int run_handshake(gnutls_session_t session) {
  int code = gnutls_handshake(session);
  // Warnings and interruptions: go on, a few times at most (each consumes input).
  for (int i = 0; i < 4 && code < 0 && code != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(code); ++i)
    code = gnutls_handshake(session);
  return code < 0 && !gnutls_error_is_fatal(code) ? GNUTLS_E_AGAIN : code;
}

std::optional<PeerIdentity> presented_identity(gnutls_session_t session) {
  unsigned count = 0;
  const gnutls_datum_t* list = gnutls_certificate_get_peers(session, &count);
  if (!list || count == 0) return std::nullopt;
  PeerIdentity id;
  switch (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS)) {
    case GNUTLS_CRT_RAWPK:
      id.kind = CredentialKind::RawPublicKey;
      id.name = key_name({list[0].data, list[0].size});
      return id;
    case GNUTLS_CRT_X509: {
      const Crt owner = import_crt(list[0], GNUTLS_X509_FMT_DER);
      if (!owner) return std::nullopt;
      gnutls_x509_crt_t crt = owner.get();
      gnutls_datum_t dn{};
      if (gnutls_x509_crt_get_dn3(crt, &dn, 0) < 0) return std::nullopt;
      id.kind = CredentialKind::X509;
      id.name.assign(reinterpret_cast<const char*>(dn.data), dn.size);
      gnutls_free(dn.data);
      char cn[256];
      size_t size = sizeof cn;
      if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size) == 0)
        id.common_name.assign(cn, size);
      for (unsigned seq = 0;; ++seq) {
        char alt[256];
        size_t alt_size = sizeof alt;
        const int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, alt, &alt_size, nullptr);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) break;
        if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_URI)
          id.alt_names.emplace_back(alt, alt_size);
      }
      return id;
    }
    default:
      return std::nullopt;
  }
}

std::optional<PeerIdentity> peer_identity(gnutls_session_t session) {
  switch (gnutls_kx_get(session)) {
    case GNUTLS_KX_PSK:
    case GNUTLS_KX_ECDHE_PSK:
    case GNUTLS_KX_DHE_PSK:
    case GNUTLS_KX_RSA_PSK: {
      PeerIdentity id;
      id.kind = CredentialKind::Psk;
      gnutls_datum_t name{};
      if (gnutls_psk_server_get_username2(session, &name) == 0 && name.data)
        id.name.assign(reinterpret_cast<const char*>(name.data), name.size);
      return id;
    }
    default:
      return presented_identity(session);
  }
}

int verify_x509_chain(gnutls_session_t session, const std::string& hostname) {
  unsigned status = 0;
  const int code = gnutls_certificate_verify_peers3(
      session, hostname.empty() ? nullptr : hostname.c_str(), &status);
  return code < 0 || status != 0 ? GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR : 0;
}

std::optional<std::vector<std::uint8_t>> certificate_der(const std::string& pem) {
  const Crt crt = import_crt(datum(pem), GNUTLS_X509_FMT_PEM);
  gnutls_datum_t der{};
  if (!crt || gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_DER, &der) < 0)
    return std::nullopt;
  std::vector<std::uint8_t> out(der.data, der.data + der.size);
  gnutls_free(der.data);
  return out;
}

namespace {

bool same(const gnutls_datum_t& a, std::span<const std::uint8_t> b) {
  return a.size == b.size() && std::memcmp(a.data, b.data(), b.size()) == 0;
}

// Whether `given` (DER) is a CA certificate that issued `child` (DER): its signature checks out.
bool issued_by(const gnutls_datum_t& child, std::span<const std::uint8_t> given) {
  const Crt c = import_crt(child, GNUTLS_X509_FMT_DER);
  const Crt ca =
      import_crt({const_cast<unsigned char*>(given.data()), static_cast<unsigned>(given.size())},
                 GNUTLS_X509_FMT_DER);
  gnutls_x509_crt_t issuer = ca.get();
  unsigned status = 0;
  return c && ca && gnutls_x509_crt_get_ca_status(issuer, nullptr) > 0 &&
         gnutls_x509_crt_verify(c.get(), &issuer, 1, 0, &status) >= 0 && status == 0;
}

}  // namespace

int verify_x509_usage(gnutls_session_t session, const std::string& hostname, CertificateUsage usage,
                      std::span<const std::uint8_t> given) {
  constexpr int refused = GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
  unsigned count = 0;
  const gnutls_datum_t* chain = gnutls_certificate_get_peers(session, &count);
  if (!chain || count == 0) return refused;
  switch (usage) {
    case CertificateUsage::DomainIssued:
      return same(chain[0], given) ? 0 : refused;
    case CertificateUsage::ServiceCertificate:
      if (!same(chain[0], given)) return refused;
      break;
    case CertificateUsage::CaConstraint: {
      // In the chain the server sent, or the CA that issued its last certificate (an anchor the
      // server left out).
      bool found = issued_by(chain[count - 1], given);
      for (unsigned i = 1; i < count && !found; ++i) found = same(chain[i], given);
      if (!found) return refused;
      break;
    }
    case CertificateUsage::TrustAnchor:  // the credentials hold it as their only anchor
      break;
  }
  return verify_x509_chain(session, hostname);
}

}  // namespace drover::dtls::detail
