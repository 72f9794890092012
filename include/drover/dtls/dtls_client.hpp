// The DTLS 1.2 client as a sans-I/O coap::DatagramCore in front of another one (the LwM2M client
// core) that talks to one server: the inner core's datagrams to the server leave as records of
// the session, and records from the server reach it as plaintext. A handshake starts at
// connect(), and again whenever the inner core sends with no session (after a failure or a
// close); what it sends meanwhile waits, bounded. GnuTLS runs over in-memory buffers. The client
// keeps what the server's last session ticket (RFC 5077) needs, so that the next handshake is an
// abbreviated one while the server still takes the ticket; a full one otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "drover/coap/datagram_core.hpp"
#include "drover/dtls/credentials.hpp"

namespace drover::dtls {

using coap::Duration;
using coap::TimePoint;

struct DtlsClientConfig {
  unsigned mtu = 1280;
  Duration retransmit_timeout = std::chrono::seconds(1);
  Duration handshake_timeout = std::chrono::seconds(60);
  std::size_t max_waiting = 64;  // inner datagrams held while the handshake runs
  std::string priorities;        // empty: default_priorities() for the credentials given
  // Datagrams to and from other peers than the server pass in plain instead of being dropped: a
  // device's NoSec bootstrap server beside the coaps server it was given.
  bool plain_to_others = false;
  // Resumes the last session (its ticket) in the next handshake; a handshake that fails forgets
  // it.
  bool resume = true;
};

// One of the three credential types.
struct ClientCredentials {
  std::optional<PskCredential> psk;
  std::optional<CertificateCredential> certificate;
  std::optional<RawPublicKeyCredential> raw_public_key;
  // X.509: the name the server's certificate must carry (a DNS name or IP address of its
  // subjectAltName); empty: no name is checked. Not checked under DomainIssued (RFC 7671 §5.1).
  std::string server_name;
  // X.509: the server's certificate the Security object gives (PEM), checked as
  // certificate_usage says; CaConstraint and ServiceCertificate need certificate->trust_anchors.
  // Empty: the server's chain must lead to certificate->trust_anchors.
  std::string server_certificate;
  CertificateUsage certificate_usage = CertificateUsage::DomainIssued;
};

enum class ClientState : std::uint8_t { Idle, Handshaking, Connected, Failed, Closed };
std::string_view to_string(ClientState);

struct DtlsClientStats {
  std::uint64_t handshakes_started = 0;
  std::uint64_t handshakes_completed = 0;
  std::uint64_t handshakes_failed = 0;
  std::uint64_t handshakes_resumed = 0;  // of those completed: abbreviated, from a ticket
  std::uint64_t dropped_transmits = 0;   // inner datagrams to other peers, or past max_waiting
  std::uint64_t dropped_records = 0;     // datagrams not from the server, or with no session
  std::uint64_t records_in = 0;
  std::uint64_t records_out = 0;
};

class DtlsClient final : public coap::DatagramCore {
 public:
  // `inner` must outlive the client. Throws std::runtime_error when the credentials do not load.
  DtlsClient(coap::DatagramCore& inner, coap::PeerAddress server, ClientCredentials credentials,
             DtlsClientConfig config = {});
  ~DtlsClient() override;
  DtlsClient(const DtlsClient&) = delete;
  DtlsClient& operator=(const DtlsClient&) = delete;

  // Starts a handshake (a no-op while one runs or a session is up).
  void connect(TimePoint now);
  // Sends close_notify and ends the session.
  void close(TimePoint now);
  // The path to the server changed (another local address, a NAT binding lost): ends the
  // session without a word (the server would not take it from the new address) and starts a new
  // handshake, resuming the session when it can.
  void reconnect(TimePoint now);

  // ---- coap::DatagramCore
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override;
  void on_timer(TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<TimePoint> next_expiry() const override;

  ClientState state() const;
  // The alert that ended the last handshake or session (received or sent), if one did.
  std::optional<std::uint8_t> last_alert() const;
  // Why the last handshake or session failed; empty if none did.
  const std::string& last_error() const;
  // What the handshake proved about the server; null without a session.
  const PeerIdentity* server_identity() const;
  // Whether the session up now came from an abbreviated handshake.
  bool resumed() const;
  // The cipher suite of the session up now, as GnuTLS names it ("PSK_AES_128_CCM_8",
  // "ECDHE_ECDSA_AES_128_GCM_SHA256"); empty without a session.
  std::string cipher_suite() const;
  const DtlsClientStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::dtls
