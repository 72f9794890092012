#include "drover/dtls/client_handshake.hpp"

#include <optional>
#include <stdexcept>

#include "drover/dtls/dtls_server.hpp"
#include "gnutls_session.hpp"

namespace drover::dtls {

struct ClientHandshake::Credentials {
  gnutls_psk_client_credentials_t psk = nullptr;
  std::optional<detail::CertificateCredentials> certificates;
  ~Credentials() {
    if (psk) gnutls_psk_free_client_credentials(psk);
  }
};

ClientHandshake::ClientHandshake(const PskCredential& psk, coap::TimePoint now,
                                 const ClientHandshakeOptions& options)
    : session_(std::make_unique<detail::Session>(GNUTLS_CLIENT)),
      credentials_(std::make_unique<Credentials>()) {
  if (gnutls_psk_allocate_client_credentials(&credentials_->psk) < 0)
    throw std::runtime_error("DTLS: cannot allocate PSK credentials");
  const gnutls_datum_t key{const_cast<std::uint8_t*>(psk.key.data()),
                           static_cast<unsigned>(psk.key.size())};
  int code = gnutls_psk_set_client_credentials(credentials_->psk, psk.identity.c_str(), &key,
                                               GNUTLS_PSK_KEY_RAW);
  if (code >= 0) code = gnutls_credentials_set(session_->get(), GNUTLS_CRD_PSK, credentials_->psk);
  if (code < 0) throw std::runtime_error(detail::error_text("PSK", code));
  start(now, options, default_priorities(false, false));
}

ClientHandshake::ClientHandshake(const CertificateCredential& certificate, coap::TimePoint now,
                                 const ClientHandshakeOptions& options)
    : session_(std::make_unique<detail::Session>(GNUTLS_CLIENT)),
      credentials_(std::make_unique<Credentials>()) {
  credentials_->certificates.emplace().add_x509(certificate);
  const int code = gnutls_credentials_set(session_->get(), GNUTLS_CRD_CERTIFICATE,
                                          credentials_->certificates->get());
  if (code < 0) throw std::runtime_error(detail::error_text("X.509", code));
  gnutls_session_set_verify_cert(session_->get(), nullptr, 0);
  // Only the suites of a certificate: the server takes the client's order.
  start(now, options, default_priorities(true, false) + ":-ECDHE-PSK:-PSK");
}

ClientHandshake::~ClientHandshake() = default;

void ClientHandshake::start(coap::TimePoint now, const ClientHandshakeOptions& options,
                            const std::string& defaults) {
  keep_resumption_ = options.keep_resumption;
  const std::string& text = options.priorities.empty() ? defaults : options.priorities;
  const int code = gnutls_priority_set_direct(session_->get(), text.c_str(), nullptr);
  if (code < 0) throw std::runtime_error(detail::error_text("priorities", code));
  // Data that does not load (another GnuTLS, a session too old) leaves a full handshake.
  if (!options.resume.empty())
    gnutls_session_set_data(session_->get(), options.resume.data(), options.resume.size());
  session_->set_timing(options.mtu, std::chrono::seconds(1), std::chrono::seconds(60));
  step(now);
}

void ClientHandshake::step(coap::TimePoint now) {
  const gnutls_session_t s = session_->get();
  const int code = detail::run_handshake(s);
  for (auto& d : session_->output) output.push_back(std::move(d));
  session_->output.clear();
  if (code == GNUTLS_E_AGAIN) {
    retransmit_at_ = session_->retransmit_at(now);
    return;
  }
  if (code == 0) {
    // The server's Finished (sequence number 0 of the new epoch) is all that was read.
    records_ = detail::compact_state(s, 0);
    resumed_ = gnutls_session_is_resumed(s) != 0;
    gnutls_datum_t data{};
    if (records_ && keep_resumption_ && gnutls_session_get_data2(s, &data) == 0) {
      resumption_.assign(data.data, data.data + data.size);
      gnutls_free(data.data);
    }
  }
  state_ = records_ ? State::Done : State::Failed;
  session_.reset();
  credentials_.reset();
}

void ClientHandshake::receive(std::span<const std::uint8_t> datagram, coap::TimePoint now) {
  if (state_ != State::Running) return;
  session_->set_input(datagram);
  step(now);
}

void ClientHandshake::on_timer(coap::TimePoint now) {
  if (state_ != State::Running || retransmit_at_ > now) return;
  session_->set_input({});
  step(now);
}

std::unique_ptr<RecordState> ClientHandshake::take_records() {
  return std::move(records_);
}

std::vector<std::uint8_t> ClientHandshake::take_resumption() {
  return std::move(resumption_);
}

}  // namespace drover::dtls
