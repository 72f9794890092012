// The DTLS 1.2 server (RFC 6347) as a sans-I/O coap::DatagramCore in front of another one (the
// LwM2M server core): records in, plaintext datagrams to the inner core; the inner core's
// datagrams out, as records of the peer's session. GnuTLS does the handshakes and record
// protection over in-memory buffers; the same transport::DatagramLoop drives it.
//
// Before any per-peer state: a ClientHello without a valid cookie is answered with a
// HelloVerifyRequest from a key of the core (stateless, RFC 6347 §4.2.1); anything else from an
// address without a session is dropped. Bounds: sessions and half-open handshakes (a ClientHello
// past either is dropped and counted); a handshake not done within handshake_timeout is dropped;
// a session with no record for idle_timeout ends. A ClientHello with a valid cookie from an
// address that has a session replaces that session (a rebooted device, RFC 6347 §4.2.8).
//
// Resumption: the server issues session tickets (RFC 5077), so a client that moved to another
// address or reconnected resumes with an abbreviated handshake and the server keeps nothing per
// session for it; the tickets' keys come from a master key that GnuTLS rotates every
// ticket_lifetime: the core's own, or one several cores share (TicketKey), and that revoke()
// replaces with one of the core's own.
//
// The plain face: a NoSec socket's loop may drive plain() to reach the same inner core. Each
// datagram of the inner core leaves by the face of its peer: encrypted when the peer has a
// session, else in clear through plain(); a peer whose session ended gets nothing in clear for
// closed_memory (what the inner core still had for it is dropped), and a NoSec datagram from an
// address with a session is dropped. When a face has datagrams the other face's loop should
// send, it calls the wake-up the owner set (set_wakeups).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "drover/coap/datagram_core.hpp"
#include "drover/dtls/security_store.hpp"

namespace drover::dtls {

using coap::Duration;
using coap::TimePoint;

// A master key of session tickets, from which GnuTLS derives the key of each period: servers given
// the same one (the shards of one process) resume each other's tickets.
class TicketKey;
// Throws std::runtime_error when no key can be made.
std::shared_ptr<const TicketKey> make_ticket_key();

struct DtlsServerConfig {
  std::size_t max_sessions = 100000;  // established and half-open together
  std::size_t max_handshakes = 1024;  // half-open (past the cookie exchange) at once
  // From one IP address (any port), so that one host cannot take the room of all: half-open
  // handshakes at once, and new handshakes a second (a token bucket of handshake_burst_per_ip).
  // The rates are kept in a fixed table of 4,096 buckets by address hash: addresses that share
  // a bucket share its rate (stricter, never looser). 0: no rate bound.
  std::size_t max_handshakes_per_ip = 64;
  double handshake_rate_per_ip = 100;
  double handshake_burst_per_ip = 200;
  Duration handshake_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::hours(1);
  Duration closed_memory = std::chrono::seconds(247);  // EXCHANGE_LIFETIME
  // Of the records' datagrams (handshake flights are fragmented to it).
  unsigned mtu = 1280;
  // The first retransmission of a flight; doubles up to 60 s (RFC 6347 §4.2.4.1).
  Duration retransmit_timeout = std::chrono::seconds(1);
  std::size_t max_pending_transmits = 65536;
  // What a session ticket may be resumed within, and the period of its encryption key. Zero: no
  // tickets, every handshake is a full one.
  Duration ticket_lifetime = std::chrono::hours(6);
  std::shared_ptr<const TicketKey> ticket_key;  // null: a key of the server's own
  // GnuTLS priorities; empty: the LwM2M suites and the AEAD ones current peers offer
  // (default_priorities()).
  std::string priorities;
};

struct ServerCredentials {
  // PSK identities and keys, raw public keys and X.509 bindings; not owned. Null: no PSK, no
  // raw public key clients.
  const SecurityStore* store = nullptr;
  std::optional<CertificateCredential> certificate;  // X.509: own chain, key, trust anchors
  std::optional<std::string> raw_public_key;         // RPK: own private key (PEM)
};

struct DtlsServerStats {
  std::uint64_t cookies_sent = 0;        // HelloVerifyRequests
  std::uint64_t handshakes_started = 0;  // past the cookie exchange
  std::uint64_t handshakes_completed = 0;
  std::uint64_t handshakes_resumed = 0;  // of those completed: abbreviated, from a session ticket
  std::uint64_t handshakes_failed = 0;   // the sum of the reasons below
  std::uint64_t failed_unknown_identity = 0;  // a PSK identity the store does not know
  std::uint64_t failed_bad_certificate = 0;   // none, or a chain or raw key not trusted
  std::uint64_t failed_peer_alert = 0;        // the client gave up with a fatal alert
  std::uint64_t failed_other = 0;             // no common suite, a malformed message ...
  std::uint64_t handshakes_timed_out = 0;
  std::uint64_t alerts_sent = 0;              // fatal alerts that ended a handshake or session
  std::uint64_t sessions_replaced = 0;        // by a new handshake from the same address
  std::uint64_t sessions_expired = 0;         // idle
  std::uint64_t sessions_closed = 0;          // close_notify or a fatal alert from the peer
  std::uint64_t sessions_revoked = 0;         // their credential deleted or replaced (revoke())
  std::uint64_t dropped_not_dtls = 0;         // datagrams that do not start with a DTLS record
  std::uint64_t dropped_no_session = 0;       // records other than a ClientHello, no session
  std::uint64_t dropped_session_limit = 0;    // ClientHellos past max_sessions
  std::uint64_t dropped_handshake_limit = 0;  // ClientHellos past max_handshakes
  std::uint64_t dropped_address_limit = 0;    // past max_handshakes_per_ip
  std::uint64_t dropped_address_rate = 0;     // past handshake_rate_per_ip
  std::uint64_t dropped_transmits = 0;        // inner datagrams with no way out, or past the bound
  std::uint64_t dropped_plain = 0;            // NoSec datagrams from an address with a session
  std::uint64_t records_in = 0;               // application data records given to the inner core
  std::uint64_t records_out = 0;
};

struct DtlsServerCounts {
  std::size_t sessions = 0;          // established
  std::size_t compact_sessions = 0;  // of which kept as a RecordState, without GnuTLS's session
  std::size_t handshakes = 0;
  std::size_t closed_peers = 0;  // remembered so as not to send them anything in clear
  std::size_t pending_transmits = 0;
};

// The priorities used when the configuration names none.
std::string default_priorities(bool certificates, bool raw_public_keys);

class DtlsServer final : public coap::DatagramCore {
 public:
  // `inner` must outlive the server. Throws std::runtime_error when the credentials do not load.
  DtlsServer(coap::DatagramCore& inner, ServerCredentials credentials,
             DtlsServerConfig config = {});
  ~DtlsServer() override;
  DtlsServer(const DtlsServer&) = delete;
  DtlsServer& operator=(const DtlsServer&) = delete;

  // ---- coap::DatagramCore: the secure face (records).
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override;
  void on_timer(TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<TimePoint> next_expiry() const override;

  // The plain face (NoSec) to the same inner core; valid as long as the server.
  coap::DatagramCore& plain();
  // Called when the secure face / the plain face has new datagrams to send that its loop did
  // not ask for (they came out of the inner core through the other face).
  void set_wakeups(std::function<void()> secure, std::function<void()> plain);

  // What the handshake of the session with `peer` proved; null without an established session.
  // The pointer stays valid until the next non-const call.
  const PeerIdentity* identity_of(const coap::PeerAddress& peer) const;
  // Sends close_notify to every session and ends them.
  void close_all(TimePoint now);
  // The credential `name` of `kind` (as the store names it: a PSK identity, a key name, a subject
  // DN, or kAltName and a subjectAltName) no longer holds: ends the sessions it authenticated
  // with close_notify, and replaces the tickets' master key, since a ticket does not tell which
  // credential it came from (their holders' next handshakes are full ones). The sessions ended.
  std::size_t revoke(CredentialKind kind, std::string_view name, TimePoint now);

  DtlsServerCounts counts() const;
  const DtlsServerStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::dtls
