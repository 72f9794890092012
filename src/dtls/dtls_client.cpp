#include "drover/dtls/dtls_client.hpp"

#include <array>
#include <deque>
#include <stdexcept>

#include "drover/dtls/dtls_server.hpp"
#include "gnutls_session.hpp"

namespace drover::dtls {

std::string_view to_string(ClientState state) {
  switch (state) {
    case ClientState::Idle:
      return "idle";
    case ClientState::Handshaking:
      return "handshaking";
    case ClientState::Connected:
      return "connected";
    case ClientState::Failed:
      return "failed";
    case ClientState::Closed:
      return "closed";
  }
  return "?";
}

struct DtlsClient::Impl {
  Impl(coap::DatagramCore& inner_core, coap::PeerAddress server_address, ClientCredentials creds,
       DtlsClientConfig cfg)
      : inner(inner_core),
        server(server_address),
        credentials(std::move(creds)),
        config(std::move(cfg)),
        priorities(
            config.priorities.empty()
                ? default_priorities(!credentials.psk, credentials.raw_public_key.has_value())
                : config.priorities) {
    // A constructor that throws runs no destructor: what is made so far is released here.
    try {
      if (credentials.psk) {
        if (gnutls_psk_allocate_client_credentials(&psk) < 0)
          throw std::runtime_error("DTLS: cannot allocate PSK credentials");
        const gnutls_datum_t key{credentials.psk->key.data(),
                                 static_cast<unsigned>(credentials.psk->key.size())};
        const int code = gnutls_psk_set_client_credentials(psk, credentials.psk->identity.c_str(),
                                                           &key, GNUTLS_PSK_KEY_RAW);
        if (code < 0) throw std::runtime_error(detail::error_text("PSK", code));
      }
      if (credentials.certificate || credentials.raw_public_key) {
        certificates.emplace();
        if (credentials.certificate) certificates->add_x509(x509_with_anchors());
        if (credentials.raw_public_key) {
          certificates->add_raw_public_key(credentials.raw_public_key->private_key);
          expected_key = public_key_name(credentials.raw_public_key->peer_public_key);
          if (!expected_key)
            throw std::runtime_error("raw public key: the server's public key does not parse");
        }
      }
      if (!psk && !certificates) throw std::runtime_error("DTLS: no credentials");
    } catch (...) {
      release();
      throw;
    }
  }

  ~Impl() { release(); }

  // The client's X.509 credential with the trust anchors its server check uses: the given
  // certificate under TrustAnchor, none under DomainIssued (no chain is checked).
  CertificateCredential x509_with_anchors() {
    CertificateCredential c = *credentials.certificate;
    if (credentials.server_certificate.empty()) return c;
    const auto der = detail::certificate_der(credentials.server_certificate);
    if (!der) throw std::runtime_error("X.509: the server's certificate does not parse");
    server_certificate = *der;
    switch (credentials.certificate_usage) {
      case CertificateUsage::TrustAnchor:
        c.trust_anchors = credentials.server_certificate;
        break;
      case CertificateUsage::DomainIssued:
        c.trust_anchors.clear();
        break;
      case CertificateUsage::CaConstraint:
      case CertificateUsage::ServiceCertificate:
        if (c.trust_anchors.empty())
          throw std::runtime_error("X.509: certificate usage " +
                                   std::to_string(static_cast<int>(credentials.certificate_usage)) +
                                   " needs trust anchors");
        break;
    }
    return c;
  }

  void release() {
    session.reset();
    if (psk) gnutls_psk_free_client_credentials(psk);
    psk = nullptr;
  }

  static int verify_server(gnutls_session_t s) {
    const auto& self = *static_cast<const Impl*>(gnutls_session_get_ptr(s));
    const auto id = detail::presented_identity(s);
    if (!id) return GNUTLS_E_CERTIFICATE_ERROR;
    if (id->kind == CredentialKind::RawPublicKey)
      return self.expected_key && id->name == *self.expected_key ? 0 : GNUTLS_E_CERTIFICATE_ERROR;
    if (self.server_certificate.empty())
      return detail::verify_x509_chain(s, self.credentials.server_name);
    return detail::verify_x509_usage(s, self.credentials.server_name,
                                     self.credentials.certificate_usage, self.server_certificate);
  }

  void connect(TimePoint now) {
    if (state == ClientState::Handshaking || state == ClientState::Connected) return;
    session = std::make_unique<detail::Session>(GNUTLS_CLIENT);
    const gnutls_session_t s = session->get();
    gnutls_session_set_ptr(s, this);
    int code = gnutls_priority_set(s, priorities.get());
    if (code >= 0 && psk) code = gnutls_credentials_set(s, GNUTLS_CRD_PSK, psk);
    if (code >= 0 && certificates) {
      code = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, certificates->get());
      gnutls_session_set_verify_function(s, &Impl::verify_server);
      if (code >= 0 && !credentials.server_name.empty())
        code = gnutls_server_name_set(s, GNUTLS_NAME_DNS, credentials.server_name.data(),
                                      credentials.server_name.size());
    }
    if (code < 0) {
      session.reset();
      state = ClientState::Failed;
      error = detail::error_text("session", code);
      return;
    }
    if (!resume_data.empty()) {
      code = gnutls_session_set_data(s, resume_data.data(), resume_data.size());
      if (code < 0) resume_data.clear();  // a full handshake then
    }
    session->set_timing(config.mtu, config.retransmit_timeout, config.handshake_timeout);
    state = ClientState::Handshaking;
    deadline = now + config.handshake_timeout;
    ++stats.handshakes_started;
    handshake(now);
  }

  void handshake(TimePoint now) {
    const gnutls_session_t s = session->get();
    const int code = detail::run_handshake(s);
    take_output();
    if (code == GNUTLS_E_AGAIN) {
      retransmit_at = session->retransmit_at(now);
      return;
    }
    if (code < 0) return fail(code);
    identity = detail::peer_identity(s);
    if (!identity) {  // PSK: the server proved it knows the key of our identity
      identity.emplace();
      identity->name = credentials.psk ? credentials.psk->identity : std::string();
    }
    state = ClientState::Connected;
    ++stats.handshakes_completed;
    if (gnutls_session_is_resumed(s)) ++stats.handshakes_resumed;
    keep_resume_data();
    while (!waiting.empty()) {
      encrypt(waiting.front());
      waiting.pop_front();
    }
    read_records(now);
  }

  // What the next handshake resumes: the session with the server's last ticket.
  void keep_resume_data() {
    resume_data.clear();
    gnutls_datum_t data{};
    if (!config.resume || gnutls_session_get_data2(session->get(), &data) < 0) return;
    resume_data.assign(data.data, data.data + data.size);
    gnutls_free(data.data);
  }

  void fail(int code) {
    if (code == GNUTLS_E_FATAL_ALERT_RECEIVED) {
      alert = static_cast<std::uint8_t>(gnutls_alert_get(session->get()));
      error = std::string("alert received: ") +
              gnutls_alert_get_name(static_cast<gnutls_alert_description_t>(*alert));
    } else {
      int level = 0;
      const int to_send = gnutls_error_to_alert(code, &level);
      if (to_send >= 0) {
        alert = static_cast<std::uint8_t>(to_send);
        gnutls_alert_send_appropriate(session->get(), code);
        take_output();
      }
      error = detail::error_text("DTLS", code);
    }
    if (state == ClientState::Handshaking) {
      ++stats.handshakes_failed;
      resume_data.clear();
    }
    state = ClientState::Failed;
    end_session();
  }

  void reconnect(TimePoint now) {
    // What waits for the session still goes once the new one is up.
    session.reset();
    identity.reset();
    state = ClientState::Idle;
    connect(now);
  }

  void end_session() {
    session.reset();
    identity.reset();
    stats.dropped_transmits += waiting.size();
    waiting.clear();
  }

  void take_output() {
    for (auto& d : session->output) out.push_back(std::move(d));
    session->output.clear();
  }

  void encrypt(std::span<const std::uint8_t> bytes) {
    if (gnutls_record_send(session->get(), bytes.data(), bytes.size()) < 0) {
      ++stats.dropped_transmits;
      return;
    }
    ++stats.records_out;
    take_output();
  }

  void read_records(TimePoint now) {
    for (;;) {
      const ssize_t n = gnutls_record_recv(session->get(), plaintext.data(), plaintext.size());
      if (n > 0) {
        ++stats.records_in;
        inner.receive(server, {plaintext.data(), static_cast<std::size_t>(n)}, now);
        continue;
      }
      if (n == 0) {
        state = ClientState::Closed;
        error = "the server closed the session";
        return end_session();
      }
      if (n == GNUTLS_E_AGAIN) break;
      if (gnutls_error_is_fatal(static_cast<int>(n))) return fail(static_cast<int>(n));
    }
    take_output();
  }

  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) {
    now_ = now;
    if (!(peer == server) && config.plain_to_others) {
      inner.receive(peer, datagram, now);
      return;
    }
    if (!(peer == server) || !session) {
      ++stats.dropped_records;
      return;
    }
    session->set_input(datagram);
    if (state == ClientState::Handshaking)
      handshake(now);
    else
      read_records(now);
  }

  void on_timer(TimePoint now) {
    now_ = now;
    if (state == ClientState::Handshaking) {
      if (deadline <= now) {
        error = "handshake timed out";
        ++stats.handshakes_failed;
        resume_data.clear();
        state = ClientState::Failed;
        end_session();
      } else if (retransmit_at <= now) {
        session->set_input({});
        handshake(now);
      }
    }
    inner.on_timer(now);
  }

  bool poll_transmit(coap::Transmit& tx) {
    coap::Transmit inner_tx;
    while (out.empty() && inner.poll_transmit(inner_tx)) {
      if (!(inner_tx.peer == server)) {
        if (config.plain_to_others) {
          tx = inner_tx;
          return true;
        }
        ++stats.dropped_transmits;
        continue;
      }
      if (state == ClientState::Connected) {
        encrypt(inner_tx.bytes);
        continue;
      }
      if (waiting.size() >= config.max_waiting) {
        ++stats.dropped_transmits;
        continue;
      }
      waiting.emplace_back(inner_tx.bytes.begin(), inner_tx.bytes.end());
      if (state != ClientState::Handshaking) connect(now_);
    }
    if (out.empty()) return false;
    sent = std::move(out.front());
    out.pop_front();
    tx.peer = server;
    tx.bytes = sent;
    return true;
  }

  std::optional<TimePoint> next_expiry() const {
    auto next = inner.next_expiry();
    if (state == ClientState::Handshaking) {
      const TimePoint own = std::min(retransmit_at, deadline);
      if (!next || own < *next) next = own;
    }
    return next;
  }

  void close(TimePoint now) {
    now_ = now;
    if (state == ClientState::Connected) {
      gnutls_alert_send(session->get(), GNUTLS_AL_WARNING, GNUTLS_A_CLOSE_NOTIFY);
      take_output();
    }
    if (session) {
      state = ClientState::Closed;
      end_session();
    }
  }

  coap::DatagramCore& inner;
  coap::PeerAddress server;
  ClientCredentials credentials;
  DtlsClientConfig config;
  detail::Priorities priorities;
  gnutls_psk_client_credentials_t psk = nullptr;
  std::optional<detail::CertificateCredentials> certificates;
  std::optional<std::string> expected_key;
  std::vector<std::uint8_t> server_certificate;  // DER of credentials.server_certificate

  std::unique_ptr<detail::Session> session;
  std::vector<std::uint8_t> resume_data;  // gnutls_session_get_data2; empty: a full handshake
  ClientState state = ClientState::Idle;
  TimePoint now_{};
  TimePoint deadline{}, retransmit_at{};
  std::optional<PeerIdentity> identity;
  std::optional<std::uint8_t> alert;
  std::string error;
  std::deque<std::vector<std::uint8_t>> waiting, out;
  std::vector<std::uint8_t> sent;
  std::array<std::uint8_t, 16384> plaintext{};
  DtlsClientStats stats;
};

DtlsClient::DtlsClient(coap::DatagramCore& inner, coap::PeerAddress server,
                       ClientCredentials credentials, DtlsClientConfig config)
    : impl_(std::make_unique<Impl>(inner, server, std::move(credentials), std::move(config))) {}

DtlsClient::~DtlsClient() = default;

void DtlsClient::connect(TimePoint now) {
  impl_->now_ = now;
  impl_->connect(now);
}
void DtlsClient::close(TimePoint now) {
  impl_->close(now);
}
void DtlsClient::reconnect(TimePoint now) {
  impl_->now_ = now;
  impl_->reconnect(now);
}
void DtlsClient::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                         TimePoint now) {
  impl_->receive(peer, datagram, now);
}
void DtlsClient::on_timer(TimePoint now) {
  impl_->on_timer(now);
}
bool DtlsClient::poll_transmit(coap::Transmit& out) {
  return impl_->poll_transmit(out);
}
std::optional<TimePoint> DtlsClient::next_expiry() const {
  return impl_->next_expiry();
}
ClientState DtlsClient::state() const {
  return impl_->state;
}
std::optional<std::uint8_t> DtlsClient::last_alert() const {
  return impl_->alert;
}
const std::string& DtlsClient::last_error() const {
  return impl_->error;
}
const PeerIdentity* DtlsClient::server_identity() const {
  return impl_->identity ? &*impl_->identity : nullptr;
}
bool DtlsClient::resumed() const {
  return impl_->session && impl_->state == ClientState::Connected &&
         gnutls_session_is_resumed(impl_->session->get());
}
std::string DtlsClient::cipher_suite() const {
  if (!impl_->session || impl_->state != ClientState::Connected) return {};
  const gnutls_session_t s = impl_->session->get();
  const char* name =
      gnutls_cipher_suite_get_name(gnutls_kx_get(s), gnutls_cipher_get(s), gnutls_mac_get(s));
  return name ? name : "";
}
const DtlsClientStats& DtlsClient::stats() const {
  return impl_->stats;
}

}  // namespace drover::dtls
