#include "drover/dtls/client_handshake.hpp"

#include <stdexcept>

#include "drover/dtls/dtls_server.hpp"
#include "gnutls_session.hpp"

namespace drover::dtls {

struct ClientHandshake::Credentials {
  gnutls_psk_client_credentials_t psk = nullptr;
  ~Credentials() {
    if (psk) gnutls_psk_free_client_credentials(psk);
  }
};

ClientHandshake::ClientHandshake(const PskCredential& psk, coap::TimePoint now,
                                 const std::string& priorities, unsigned mtu)
    : session_(std::make_unique<detail::Session>(GNUTLS_CLIENT)),
      credentials_(std::make_unique<Credentials>()) {
  if (gnutls_psk_allocate_client_credentials(&credentials_->psk) < 0)
    throw std::runtime_error("DTLS: cannot allocate PSK credentials");
  const gnutls_datum_t key{const_cast<std::uint8_t*>(psk.key.data()),
                           static_cast<unsigned>(psk.key.size())};
  int code = gnutls_psk_set_client_credentials(credentials_->psk, psk.identity.c_str(), &key,
                                               GNUTLS_PSK_KEY_RAW);
  const std::string text = priorities.empty() ? default_priorities(false, false) : priorities;
  if (code >= 0) code = gnutls_priority_set_direct(session_->get(), text.c_str(), nullptr);
  if (code >= 0) code = gnutls_credentials_set(session_->get(), GNUTLS_CRD_PSK, credentials_->psk);
  if (code < 0) throw std::runtime_error(detail::error_text("PSK", code));
  session_->set_timing(mtu, std::chrono::seconds(1), std::chrono::seconds(60));
  step(now);
}

ClientHandshake::~ClientHandshake() = default;

void ClientHandshake::step(coap::TimePoint now) {
  const int code = detail::run_handshake(session_->get());
  for (auto& d : session_->output) output.push_back(std::move(d));
  session_->output.clear();
  if (code == GNUTLS_E_AGAIN) {
    retransmit_at_ = session_->retransmit_at(now);
    return;
  }
  // The server's Finished (sequence number 0 of the new epoch) is all that was read.
  if (code == 0) records_ = detail::compact_state(session_->get(), 0);
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

}  // namespace drover::dtls
