#include "drover/dtls/dtls_server.hpp"

#include <gnutls/dtls.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "drover/dtls/record.hpp"
#include "drover/dtls/record_state.hpp"
#include "gnutls_session.hpp"

namespace drover::dtls {

std::string default_priorities(bool certificates, bool raw_public_keys) {
  // NORMAL brings the ECDHE-ECDSA suites with AES-GCM and AES-CBC; added: PSK and ECDHE-PSK key
  // exchange, AES-CCM(-8) and the SHA-256 MAC (TLS_PSK_WITH_AES_128_CBC_SHA256).
  std::string p =
      "NORMAL:-VERS-ALL:+VERS-DTLS1.2:+ECDHE-PSK:+PSK:+AES-128-CCM-8:+AES-128-CCM:+SHA256";
  if (!certificates) p += ":-ECDHE-ECDSA:-ECDHE-RSA:-RSA:-DHE-RSA";
  // Raw public keys first (RFC 7250). GnuTLS's server takes the first type of the client's list
  // that it has a credential of; see raw_key_priority_text() for a server with both.
  if (raw_public_keys) p += ":+CTYPE-SRV-RAWPK:+CTYPE-SRV-X509:+CTYPE-CLI-RAWPK:+CTYPE-CLI-X509";
  return p;
}

class TicketKey {
 public:
  TicketKey() {
    if (gnutls_session_ticket_key_generate(&datum) < 0)
      throw std::runtime_error("DTLS: cannot make the session ticket key");
  }
  ~TicketKey() {
    gnutls_memset(datum.data, 0, datum.size);
    gnutls_free(datum.data);
  }
  TicketKey(const TicketKey&) = delete;
  TicketKey& operator=(const TicketKey&) = delete;

  gnutls_datum_t datum{};
};

std::shared_ptr<const TicketKey> make_ticket_key() {
  return std::make_shared<const TicketKey>();
}

namespace {

using detail::Session;

struct Outgoing {
  coap::PeerAddress peer;
  std::vector<std::uint8_t> bytes;
};

struct Peer {
  // The GnuTLS session until the peer's first application data proves it has the last flight;
  // then, for AEAD suites, only the compact record state (`records`).
  std::unique_ptr<Session> session;
  std::unique_ptr<RecordState> records;
  bool established = false;
  TimePoint handshake_deadline{};
  TimePoint retransmit_at{};
  TimePoint last_activity{};
  std::optional<TimePoint> armed;  // the timer entry taken as this peer's
  PeerIdentity identity;
};

struct TimerEntry {
  TimePoint at;
  coap::PeerAddress peer;
  bool closed = false;  // the expiry of a closed peer's memory, not a session's timer
  bool operator>(const TimerEntry& o) const { return at > o.at; }
};

// The part of an address that per-address bounds count: the IP, any port.
coap::PeerAddress ip_of(coap::PeerAddress peer) {
  peer.port = 0;
  return peer;
}

// The bytes the cookie is bound to: the peer's address and port.
std::array<std::uint8_t, 19> cookie_client_data(const coap::PeerAddress& peer) {
  std::array<std::uint8_t, 19> out{};
  std::memcpy(out.data(), peer.ip.data(), 16);
  out[16] = static_cast<std::uint8_t>(peer.port >> 8);
  out[17] = static_cast<std::uint8_t>(peer.port);
  out[18] = peer.v6 ? 1 : 0;
  return out;
}

// The priorities of a session with a client that authenticates with a raw public key, on a server
// with both an X.509 certificate and a raw public key: its own raw public key as the only server
// certificate type. Clients that offer both server types often list X.509 first (libcoap's offer
// "CTYPE-SRV-ALL" whatever their own credential) and GnuTLS follows the client's order, so such a
// client would get the certificate it has nothing to check against.
std::string raw_key_priority_text(const std::string& priorities) {
  return priorities + ":-CTYPE-SRV-ALL:+CTYPE-SRV-RAWPK";
}

// IANA's TLS extension and certificate type numbers (RFC 7250).
constexpr unsigned kClientCertificateTypeExtension = 19;
constexpr unsigned char kRawPublicKeyType = 2;

// Whether the client_certificate_type extension of a ClientHello offers a raw public key: a
// client offers only the types it has a credential of (GnuTLS does; RFC 7250 §4.1).
int find_raw_key_offer(void* found, unsigned extension, const unsigned char* data, unsigned size) {
  if (extension != kClientCertificateTypeExtension || size < 1) return 0;
  const unsigned count = std::min<unsigned>(data[0], size - 1);
  *static_cast<bool*>(found) =
      std::find(data + 1, data + 1 + count, kRawPublicKeyType) != data + 1 + count;
  return 0;
}

// Whether the handshake that proved `id` used the credential the store names `name` of `kind`
// (an X.509 certificate by its subject or by one of its subjectAltNames).
bool authenticated_by(const PeerIdentity& id, CredentialKind kind, std::string_view name) {
  if (id.kind != kind) return false;
  if (id.name == name) return true;
  return kind == CredentialKind::X509 && name.starts_with(kAltName) &&
         std::find(id.alt_names.begin(), id.alt_names.end(), name.substr(kAltName.size())) !=
             id.alt_names.end();
}

}  // namespace

struct DtlsServer::Impl {
  class PlainFace final : public coap::DatagramCore {
   public:
    explicit PlainFace(Impl& impl) : impl_(impl) {}
    void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                 TimePoint now) override {
      impl_.plain_receive(peer, datagram, now);
    }
    void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                           TimePoint now) override {
      if (!impl_.peers.contains(peer)) impl_.inner.receive_truncated(peer, prefix, now);
    }
    void on_timer(TimePoint now) override { impl_.on_timer(now); }
    bool poll_transmit(coap::Transmit& tx) override { return impl_.plain_poll(tx); }
    std::optional<TimePoint> next_expiry() const override { return impl_.next_expiry(); }

   private:
    Impl& impl_;
  };

  Impl(coap::DatagramCore& inner_core, ServerCredentials creds, DtlsServerConfig cfg)
      : inner(inner_core),
        credentials(std::move(creds)),
        config(std::move(cfg)),
        priorities(config.priorities.empty()
                       ? default_priorities(credentials.certificate.has_value() ||
                                                credentials.raw_public_key.has_value(),
                                            credentials.raw_public_key.has_value())
                       : config.priorities),
        plain_face(*this) {
    if (credentials.certificate && credentials.raw_public_key)
      raw_key_priorities.emplace(raw_key_priority_text(
          config.priorities.empty() ? default_priorities(true, true) : config.priorities));
    // A constructor that throws runs no destructor: what is made so far is released here.
    try {
      if (gnutls_key_generate(&cookie_key, GNUTLS_COOKIE_KEY_SIZE) < 0)
        throw std::runtime_error("DTLS: cannot make the cookie key");
      if (config.ticket_key && config.ticket_lifetime > Duration::zero())
        ticket_key = config.ticket_key;
      else
        new_ticket_key();
      if (credentials.store) {
        if (gnutls_psk_allocate_server_credentials(&psk) < 0)
          throw std::runtime_error("DTLS: cannot allocate PSK credentials");
        gnutls_psk_set_server_credentials_function2(psk, &Impl::psk_key);
      }
      if (credentials.certificate || credentials.raw_public_key) {
        certificates.emplace();
        if (credentials.certificate) certificates->add_x509(*credentials.certificate);
        if (credentials.raw_public_key)
          certificates->add_raw_public_key(*credentials.raw_public_key);
      }
    } catch (...) {
      release();
      throw;
    }
  }

  ~Impl() { release(); }

  void release() {
    peers.clear();  // sessions before the credentials they refer to
    if (psk) gnutls_psk_free_server_credentials(psk);
    psk = nullptr;
    gnutls_free(cookie_key.data);
    cookie_key = {};
  }

  // ---- Session tickets: one master key; GnuTLS derives the key of each period from it.
  void new_ticket_key() {
    ticket_key = config.ticket_lifetime > Duration::zero() ? make_ticket_key() : nullptr;
  }

  // ---- PSK and certificate callbacks (the session's pointer is the Impl).
  static int psk_key(gnutls_session_t session, const gnutls_datum_t* username,
                     gnutls_datum_t* key) {
    auto& self = *static_cast<Impl*>(gnutls_session_get_ptr(session));
    const auto found = self.credentials.store->psk_key(
        std::string_view(reinterpret_cast<const char*>(username->data), username->size));
    if (!found || found->empty()) {
      self.alert = GNUTLS_A_UNKNOWN_PSK_IDENTITY;  // RFC 4279 §2, not GnuTLS's internal_error
      return -1;
    }
    key->data = static_cast<unsigned char*>(gnutls_malloc(found->size()));
    if (!key->data) return -1;
    std::memcpy(key->data, found->data(), found->size());
    key->size = static_cast<unsigned>(found->size());
    return 0;
  }

  // Before GnuTLS reads the ClientHello (a hook on it, with both server credentials): a client
  // that authenticates with a raw public key gets the server's raw public key.
  static int choose_server_type(gnutls_session_t session, unsigned, unsigned, unsigned,
                                const gnutls_datum_t* client_hello) {
    auto& self = *static_cast<Impl*>(gnutls_session_get_ptr(session));
    bool raw_key = false;
    if (gnutls_ext_raw_parse(&raw_key, &find_raw_key_offer, client_hello,
                             GNUTLS_EXT_RAW_FLAG_DTLS_CLIENT_HELLO) >= 0 &&
        raw_key)
      return gnutls_priority_set(session, self.raw_key_priorities->get());
    return 0;
  }

  static int verify_peer(gnutls_session_t session) {
    auto& self = *static_cast<Impl*>(gnutls_session_get_ptr(session));
    const auto id = detail::presented_identity(session);
    const bool trusted =
        id && (id->kind == CredentialKind::RawPublicKey  // trusted when the store knows the key
                   ? self.credentials.store &&
                         self.credentials.store->endpoint_of(id->kind, id->name).has_value()
                   : detail::verify_x509_chain(session, "") == 0);
    if (trusted) return 0;
    self.alert = GNUTLS_A_BAD_CERTIFICATE;
    return GNUTLS_E_CERTIFICATE_ERROR;
  }

  // ---- Transmits.
  void enqueue(const coap::PeerAddress& peer, std::vector<std::uint8_t> bytes) {
    if (out.size() >= config.max_pending_transmits) {
      ++stats.dropped_transmits;
      return;
    }
    out.push_back({peer, std::move(bytes)});
  }

  void flush(const coap::PeerAddress& peer, Session& session) {
    for (auto& datagram : session.output) enqueue(peer, std::move(datagram));
    session.output.clear();
  }

  static ssize_t cookie_push(gnutls_transport_ptr_t ptr, const void* data, size_t size) {
    auto& self = *static_cast<Impl*>(ptr);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    self.enqueue(self.cookie_peer, {bytes, bytes + size});
    return static_cast<ssize_t>(size);
  }

  // ---- Timers: one live entry per peer (Peer::armed); others are skipped when they come due.
  TimePoint deadline(const Peer& p) const {
    return p.established ? p.last_activity + config.idle_timeout
                         : std::min(p.retransmit_at, p.handshake_deadline);
  }

  void arm(const coap::PeerAddress& peer, Peer& p) {
    const TimePoint at = deadline(p);
    if (p.armed && *p.armed <= at) return;  // an earlier entry comes first and re-arms
    p.armed = at;
    timers.push({at, peer, false});
  }

  // ---- Input.
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) {
    if (!peek_record(datagram)) {
      ++stats.dropped_not_dtls;
      return;
    }
    const auto it = peers.find(peer);
    if (it == peers.end() || (it->second.established && starts_with_client_hello(datagram))) {
      if (!starts_with_client_hello(datagram)) {
        ++stats.dropped_no_session;
        return;
      }
      return client_hello(peer, datagram, now);
    }
    if (it->second.records) return read_compact(it, datagram, now);
    it->second.session->set_input(datagram);
    if (it->second.established)
      read_records(it, datagram, now);
    else
      handshake(it, datagram, now);
  }

  void client_hello(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                    TimePoint now) {
    auto client_data = cookie_client_data(peer);
    gnutls_dtls_prestate_st prestate{};
    if (gnutls_dtls_cookie_verify(&cookie_key, client_data.data(), client_data.size(),
                                  const_cast<std::uint8_t*>(datagram.data()), datagram.size(),
                                  &prestate) < 0) {
      cookie_peer = peer;
      if (gnutls_dtls_cookie_send(&cookie_key, client_data.data(), client_data.size(), &prestate,
                                  this, &Impl::cookie_push) >= 0)
        ++stats.cookies_sent;
      return;
    }
    if (!take_handshake_token(peer, now)) {
      ++stats.dropped_address_rate;
      return;
    }
    // The address proved it receives what is sent to it: a session there may now be replaced.
    if (const auto it = peers.find(peer); it != peers.end()) {
      ++stats.sessions_replaced;
      remove(it, now, false);
    }
    if (handshaking >= config.max_handshakes) {
      ++stats.dropped_handshake_limit;
      return;
    }
    if (const auto from_ip = handshakes_by_ip.find(ip_of(peer));
        from_ip != handshakes_by_ip.end() && from_ip->second >= config.max_handshakes_per_ip) {
      ++stats.dropped_address_limit;
      return;
    }
    if (peers.size() >= config.max_sessions) {
      ++stats.dropped_session_limit;
      return;
    }
    Peer p;
    p.session = std::make_unique<Session>(GNUTLS_SERVER);
    const gnutls_session_t s = p.session->get();
    gnutls_session_set_ptr(s, this);
    if (gnutls_priority_set(s, priorities.get()) < 0 ||
        (psk && gnutls_credentials_set(s, GNUTLS_CRD_PSK, psk) < 0) ||
        (certificates &&
         gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, certificates->get()) < 0)) {
      ++stats.handshakes_failed;
      ++stats.failed_other;
      return;
    }
    if (certificates) {
      gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
      gnutls_session_set_verify_function(s, &Impl::verify_peer);
    }
    if (raw_key_priorities)
      gnutls_handshake_set_hook_function(s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE,
                                         &Impl::choose_server_type);
    if (ticket_key) {
      gnutls_session_ticket_enable_server(s, &ticket_key->datum);
      gnutls_db_set_cache_expiration(
          s, static_cast<int>(
                 std::chrono::duration_cast<std::chrono::seconds>(config.ticket_lifetime).count()));
    }
    p.session->set_timing(config.mtu, config.retransmit_timeout, config.handshake_timeout);
    gnutls_dtls_prestate_set(s, &prestate);
    p.handshake_deadline = now + config.handshake_timeout;
    p.retransmit_at = p.handshake_deadline;
    p.last_activity = now;
    closed.erase(peer);
    const auto it = peers.emplace(peer, std::move(p)).first;
    ++handshaking;
    ++handshakes_by_ip[ip_of(peer)];
    ++stats.handshakes_started;
    it->second.session->set_input(datagram);
    handshake(it, datagram, now);
  }

  using PeerIt = std::unordered_map<coap::PeerAddress, Peer>::iterator;

  // `datagram`: the one just given to the session (empty on a retransmission timer).
  void handshake(PeerIt it, std::span<const std::uint8_t> datagram, TimePoint now) {
    Peer& p = it->second;
    const gnutls_session_t s = p.session->get();
    alert.reset();
    const int code = detail::run_handshake(s);
    flush(it->first, *p.session);
    if (code == GNUTLS_E_AGAIN) {
      p.retransmit_at = p.session->retransmit_at(now);
      return arm(it->first, p);
    }
    if (code < 0) return fail(it, code, now);
    auto identity = detail::peer_identity(s);
    if (!identity) return fail(it, GNUTLS_E_CERTIFICATE_ERROR, now);
    if (credentials.store) {
      identity->endpoint = credentials.store->endpoint_of(identity->kind, identity->name);
      // X.509: else a binding of one of its subjectAltNames.
      for (const auto& alt : identity->alt_names) {
        if (identity->endpoint) break;
        identity->endpoint =
            credentials.store->endpoint_of(CredentialKind::X509, std::string(kAltName) + alt);
      }
    }
    if (!identity->endpoint && identity->kind == CredentialKind::X509 &&
        !identity->common_name.empty())
      identity->endpoint = identity->common_name;
    p.identity = std::move(*identity);
    p.established = true;
    p.last_activity = now;
    handshake_ended(it->first);
    ++stats.handshakes_completed;
    if (gnutls_session_is_resumed(s)) ++stats.handshakes_resumed;
    arm(it->first, p);
    read_records(it, datagram, now);  // application data sent right behind the Finished
  }

  void fail(PeerIt it, int code, TimePoint now) {
    // RFC 5246 §7.4.6: a client that sends no certificate gets handshake_failure.
    if (!alert && code == GNUTLS_E_NO_CERTIFICATE_FOUND) alert = GNUTLS_A_HANDSHAKE_FAILURE;
    if (alert) {
      gnutls_alert_send(it->second.session->get(), GNUTLS_AL_FATAL, *alert);
      flush(it->first, *it->second.session);
      ++stats.alerts_sent;
    } else if (code != GNUTLS_E_FATAL_ALERT_RECEIVED) {
      if (gnutls_alert_send_appropriate(it->second.session->get(), code) == 0) ++stats.alerts_sent;
      flush(it->first, *it->second.session);
    }
    if (it->second.established) {
      ++stats.sessions_closed;
    } else {
      ++stats.handshakes_failed;
      ++failure_reason(code);
    }
    remove(it, now, it->second.established);
  }

  // The counter of why a handshake failed with `code` (and the alert the callbacks chose).
  std::uint64_t& failure_reason(int code) {
    if (alert == GNUTLS_A_UNKNOWN_PSK_IDENTITY) return stats.failed_unknown_identity;
    if (alert == GNUTLS_A_BAD_CERTIFICATE || alert == GNUTLS_A_HANDSHAKE_FAILURE ||
        code == GNUTLS_E_CERTIFICATE_ERROR || code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
      return stats.failed_bad_certificate;
    if (code == GNUTLS_E_FATAL_ALERT_RECEIVED) return stats.failed_peer_alert;
    return stats.failed_other;
  }

  void read_records(PeerIt it, std::span<const std::uint8_t> datagram, TimePoint now) {
    Peer& p = it->second;
    const coap::PeerAddress peer = it->first;
    bool application_data = false;
    for (;;) {
      const ssize_t n = gnutls_record_recv(p.session->get(), plaintext.data(), plaintext.size());
      if (n > 0) {
        application_data = true;
        p.last_activity = now;
        ++stats.records_in;
        inner.receive(peer, {plaintext.data(), static_cast<std::size_t>(n)}, now);
        continue;
      }
      if (n == 0) {  // close_notify
        ++stats.sessions_closed;
        return remove(it, now, true);
      }
      if (n == GNUTLS_E_AGAIN) break;
      if (gnutls_error_is_fatal(static_cast<int>(n))) return fail(it, static_cast<int>(n), now);
      // Non-fatal (a warning alert, a renegotiation request): the record is consumed.
    }
    flush(peer, *p.session);
    if (application_data) go_compact(p, datagram);
  }

  // The peer sent application data, so it has our Finished and will not ask for the last flight
  // again: the session's keys go on in a RecordState and the session goes (CBC suites keep it).
  void go_compact(Peer& p, std::span<const std::uint8_t> datagram) {
    // Every record up to the newest of this datagram counts as read (a record delayed behind it
    // is dropped, never read twice).
    std::uint64_t last_in = 0;
    while (const auto r = next_record(datagram))
      if (r->header.epoch > 0) last_in = std::max(last_in, r->header.sequence);
    p.records = detail::compact_state(p.session->get(), last_in);
    if (!p.records) return;
    p.session.reset();
    ++compact;
  }

  void read_compact(PeerIt it, std::span<const std::uint8_t> datagram, TimePoint now) {
    Peer& p = it->second;
    const coap::PeerAddress peer = it->first;
    while (const auto r = next_record(datagram)) {
      // Records that do not authenticate, replays and other epochs' are dropped silently (RFC
      // 6347 §4.1.2.7); so are handshake messages (no renegotiation).
      const auto opened = p.records->unprotect(r->header, r->bytes, opened_buffer);
      if (opened.verdict != RecordState::Verdict::Opened) continue;
      p.last_activity = now;
      if (opened.type == ContentType::ApplicationData) {
        ++stats.records_in;
        inner.receive(peer, opened.plaintext, now);
      } else if (opened.type == ContentType::Alert && opened.plaintext.size() == 2 &&
                 (opened.plaintext[0] == GNUTLS_AL_FATAL ||
                  opened.plaintext[1] == GNUTLS_A_CLOSE_NOTIFY)) {
        ++stats.sessions_closed;
        return remove(it, now, true);
      }
    }
  }

  // Ends an established session's records with close_notify.
  void send_close_notify(PeerIt it) {
    Peer& p = it->second;
    if (p.records) {
      const std::array<std::uint8_t, 2> close_notify{GNUTLS_AL_WARNING, GNUTLS_A_CLOSE_NOTIFY};
      std::vector<std::uint8_t> record;
      if (p.records->protect(ContentType::Alert, close_notify, record))
        enqueue(it->first, std::move(record));
      return;
    }
    gnutls_alert_send(p.session->get(), GNUTLS_AL_WARNING, GNUTLS_A_CLOSE_NOTIFY);
    flush(it->first, *p.session);
  }

  void handshake_ended(const coap::PeerAddress& peer) {
    --handshaking;
    const auto it = handshakes_by_ip.find(ip_of(peer));
    if (--it->second == 0) handshakes_by_ip.erase(it);
  }

  // A new handshake from `peer`'s address, if its bucket has a token.
  bool take_handshake_token(const coap::PeerAddress& peer, TimePoint now) {
    if (config.handshake_rate_per_ip <= 0) return true;
    RateBucket& b = rate_buckets[std::hash<coap::PeerAddress>{}(ip_of(peer)) % rate_buckets.size()];
    const double burst = std::max(1.0, config.handshake_burst_per_ip);
    if (!b.used) {
      b = {burst, now, true};
    } else {
      const double elapsed = std::chrono::duration<double>(now - b.at).count();
      b.tokens = std::min(burst, b.tokens + elapsed * config.handshake_rate_per_ip);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  void remove(PeerIt it, TimePoint now, bool remember) {
    if (!it->second.established) handshake_ended(it->first);
    if (it->second.records) --compact;
    if (remember && closed.size() < config.max_sessions) {
      closed[it->first] = now + config.closed_memory;
      timers.push({now + config.closed_memory, it->first, true});
    }
    peers.erase(it);
  }

  void on_timer(TimePoint now) {
    while (!timers.empty() && timers.top().at <= now) {
      const TimerEntry e = timers.top();
      timers.pop();
      if (e.closed) {
        const auto c = closed.find(e.peer);
        if (c != closed.end() && c->second <= now) closed.erase(c);
        continue;
      }
      const auto it = peers.find(e.peer);
      if (it == peers.end() || it->second.armed != e.at) continue;
      Peer& p = it->second;
      p.armed.reset();
      if (p.established) {
        if (p.last_activity + config.idle_timeout <= now) {
          ++stats.sessions_expired;
          send_close_notify(it);
          remove(it, now, true);
          continue;
        }
      } else if (p.handshake_deadline <= now) {
        ++stats.handshakes_timed_out;
        remove(it, now, false);
        continue;
      } else if (p.retransmit_at <= now) {
        p.session->set_input({});
        handshake(it, {}, now);  // GnuTLS sends the last flight again
        continue;
      }
      arm(it->first, p);
    }
    inner.on_timer(now);
  }

  // Sends close_notify to the established sessions among the peers `which` picks and ends them
  // all; how many it ended.
  template <typename Which>
  std::size_t close_where(const Which& which, TimePoint now) {
    std::size_t ended = 0;
    for (auto it = peers.begin(); it != peers.end();) {
      const auto next = std::next(it);
      if (which(it->second)) {
        if (it->second.established) {
          send_close_notify(it);
          ++ended;
        }
        remove(it, now, true);
      }
      it = next;
    }
    return ended;
  }

  std::optional<TimePoint> next_expiry() const {
    auto next = inner.next_expiry();
    if (!timers.empty() && (!next || timers.top().at < *next)) next = timers.top().at;
    return next;
  }

  // ---- Output: each face sends its own queue first, then takes from the inner core.
  bool pop(std::deque<Outgoing>& queue, coap::Transmit& tx, std::vector<std::uint8_t>& holder) {
    if (queue.empty()) return false;
    holder = std::move(queue.front().bytes);
    tx.peer = queue.front().peer;
    tx.bytes = holder;
    queue.pop_front();
    return true;
  }

  // Encrypts an inner datagram for a peer with a session.
  void encrypt(PeerIt it, std::span<const std::uint8_t> bytes) {
    if (auto& records = it->second.records) {
      std::vector<std::uint8_t> record;
      if (!records->protect(ContentType::ApplicationData, bytes, record)) {
        ++stats.dropped_transmits;
        return;
      }
      ++stats.records_out;
      return enqueue(it->first, std::move(record));
    }
    const ssize_t n = gnutls_record_send(it->second.session->get(), bytes.data(), bytes.size());
    if (n < 0) {
      ++stats.dropped_transmits;
      return;
    }
    ++stats.records_out;
    flush(it->first, *it->second.session);
  }

  bool secure_poll(coap::Transmit& tx) {
    if (pop(out, tx, sent)) return true;
    coap::Transmit inner_tx;
    while (inner.poll_transmit(inner_tx)) {
      const auto it = peers.find(inner_tx.peer);
      if (it != peers.end() && it->second.established) {
        encrypt(it, inner_tx.bytes);
        if (pop(out, tx, sent)) return true;
      } else if (plain_enabled && !closed.contains(inner_tx.peer)) {
        const bool wake = plain_out.empty();
        plain_out.push_back({inner_tx.peer, {inner_tx.bytes.begin(), inner_tx.bytes.end()}});
        if (wake && plain_wakeup) plain_wakeup();
      } else {
        ++stats.dropped_transmits;
      }
    }
    return false;
  }

  bool plain_poll(coap::Transmit& tx) {
    plain_enabled = true;
    if (pop(plain_out, tx, plain_sent)) return true;
    const bool was_empty = out.empty();
    while (inner.poll_transmit(tx)) {
      const auto it = peers.find(tx.peer);
      if (it == peers.end() && !closed.contains(tx.peer)) return true;
      if (it != peers.end() && it->second.established)
        encrypt(it, tx.bytes);
      else
        ++stats.dropped_transmits;
    }
    if (was_empty && !out.empty() && secure_wakeup) secure_wakeup();
    return false;
  }

  void plain_receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                     TimePoint now) {
    plain_enabled = true;
    if (peers.contains(peer)) {
      ++stats.dropped_plain;
      return;
    }
    closed.erase(peer);  // it speaks NoSec now
    inner.receive(peer, datagram, now);
  }

  coap::DatagramCore& inner;
  ServerCredentials credentials;
  DtlsServerConfig config;
  detail::Priorities priorities;
  // With both an X.509 certificate and a raw public key: for clients that authenticate with a
  // raw public key (choose_server_type).
  std::optional<detail::Priorities> raw_key_priorities;
  gnutls_psk_server_credentials_t psk = nullptr;
  std::optional<detail::CertificateCredentials> certificates;
  gnutls_datum_t cookie_key{};
  std::shared_ptr<const TicketKey> ticket_key;  // null: no tickets
  coap::PeerAddress cookie_peer;
  // The alert a callback chose during the current gnutls_handshake call.
  std::optional<gnutls_alert_description_t> alert;

  std::unordered_map<coap::PeerAddress, Peer> peers;
  std::size_t handshaking = 0;
  std::size_t compact = 0;  // peers with a RecordState
  // Half-open handshakes by IP address (port 0): at most max_handshakes entries.
  std::unordered_map<coap::PeerAddress, std::size_t> handshakes_by_ip;
  struct RateBucket {
    double tokens = 0;
    TimePoint at{};
    bool used = false;
  };
  std::array<RateBucket, 4096> rate_buckets{};
  std::unordered_map<coap::PeerAddress, TimePoint> closed;
  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> timers;
  std::array<std::uint8_t, 16384> plaintext{};
  std::vector<std::uint8_t> opened_buffer;  // a compact session's plaintext

  std::deque<Outgoing> out, plain_out;
  std::vector<std::uint8_t> sent, plain_sent;  // the bytes of the transmit last given
  bool plain_enabled = false;
  std::function<void()> secure_wakeup, plain_wakeup;
  PlainFace plain_face;
  DtlsServerStats stats;
};

DtlsServer::DtlsServer(coap::DatagramCore& inner, ServerCredentials credentials,
                       DtlsServerConfig config)
    : impl_(std::make_unique<Impl>(inner, std::move(credentials), std::move(config))) {}

DtlsServer::~DtlsServer() = default;

void DtlsServer::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                         TimePoint now) {
  impl_->receive(peer, datagram, now);
}

void DtlsServer::on_timer(TimePoint now) {
  impl_->on_timer(now);
}
bool DtlsServer::poll_transmit(coap::Transmit& out) {
  return impl_->secure_poll(out);
}
std::optional<TimePoint> DtlsServer::next_expiry() const {
  return impl_->next_expiry();
}
coap::DatagramCore& DtlsServer::plain() {
  return impl_->plain_face;
}

void DtlsServer::set_wakeups(std::function<void()> secure, std::function<void()> plain) {
  impl_->secure_wakeup = std::move(secure);
  impl_->plain_wakeup = std::move(plain);
}

const PeerIdentity* DtlsServer::identity_of(const coap::PeerAddress& peer) const {
  const auto it = impl_->peers.find(peer);
  return it != impl_->peers.end() && it->second.established ? &it->second.identity : nullptr;
}

void DtlsServer::close_all(TimePoint now) {
  impl_->close_where([](const Peer&) { return true; }, now);
}

std::size_t DtlsServer::revoke(CredentialKind kind, std::string_view name, TimePoint now) {
  impl_->new_ticket_key();
  const std::size_t ended = impl_->close_where(
      [&](const Peer& p) { return p.established && authenticated_by(p.identity, kind, name); },
      now);
  impl_->stats.sessions_revoked += ended;
  // The close_notify alerts wait in the secure face's queue, which its loop did not ask for.
  if (ended && impl_->secure_wakeup) impl_->secure_wakeup();
  return ended;
}

DtlsServerCounts DtlsServer::counts() const {
  return {.sessions = impl_->peers.size() - impl_->handshaking,
          .compact_sessions = impl_->compact,
          .handshakes = impl_->handshaking,
          .closed_peers = impl_->closed.size(),
          .pending_transmits = impl_->out.size() + impl_->plain_out.size()};
}

const DtlsServerStats& DtlsServer::stats() const {
  return impl_->stats;
}

}  // namespace drover::dtls
