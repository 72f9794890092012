// DTLS for a fleet: each simulated client's datagrams travel as records of a session of its own.
// A client's first datagram starts its handshake (through the server's cookie exchange): with the
// PSK the server's `--psk-master` derives (identity: the endpoint name; key:
// dtls::derive_psk(master, endpoint)), or with the X.509 certificate use_certificates() gives it.
// Once the handshake is done the client keeps only a dtls::RecordState (under 1 KB; the GnuTLS
// session, about 28 KB, lives only while it runs), and, while keep_tickets() asks for it, what
// resumes the session (the server's ticket, a few hundred bytes), so a fleet of 100,000
// sessions fits. drop_sessions() makes every client start over, as devices whose NAT binding
// changed: an abbreviated handshake for those that kept a ticket. Handshakes at once are
// bounded: a datagram of a client past the bound is dropped (counted) and the fleet's
// retransmission asks again later. Sans-I/O like the fleet: raw datagrams leave through the
// Send given.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "drover/dtls/client_handshake.hpp"
#include "drover/dtls/record_state.hpp"
#include "drover/loadgen/fleet.hpp"
#include "drover/loadgen/histogram.hpp"

namespace drover::loadgen {

struct SecureFleetConfig {
  std::vector<std::uint8_t> psk_master;
  std::size_t max_handshakes = 512;  // running at once
  std::string priorities;            // empty: dtls::ClientHandshake's for the credential
};

struct SecureStats {
  std::uint64_t handshakes_started = 0;
  std::uint64_t handshakes_completed = 0;
  std::uint64_t handshakes_resumed = 0;  // of those completed: abbreviated, from a ticket
  std::uint64_t handshakes_failed = 0;
  std::uint64_t dropped_busy = 0;     // datagrams of clients past max_handshakes
  std::uint64_t dropped_records = 0;  // records that did not open, or before any session
  std::uint64_t sessions_closed = 0;  // by the server's close_notify or fatal alert
  Histogram handshake_latency;        // ClientHello to Finished, nanoseconds
};

class SecureLink {
 public:
  using Send = std::function<void(std::uint32_t client, const coap::PeerAddress& to,
                                  std::span<const std::uint8_t> bytes)>;
  // A client's X.509 credential: its certificate (the endpoint name as its common name), key,
  // and the CA the server's chain must lead to.
  using Certificates = std::function<dtls::CertificateCredential(std::uint32_t client)>;
  SecureLink(SecureFleetConfig config, const Fleet& fleet, Send send);
  ~SecureLink();

  // A datagram of client `client` for `to`, from the fleet's sink.
  void send(std::uint32_t client, const coap::PeerAddress& to, std::span<const std::uint8_t> bytes,
            TimePoint now);
  // A datagram from the network for `client`; what it carries goes to the fleet.
  void receive(std::uint32_t client, const coap::PeerAddress& from,
               std::span<const std::uint8_t> datagram, Fleet& fleet, TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;

  // Every client forgets its session without a word (the server replaces it when the client's
  // next handshake comes from the same address).
  void drop_sessions();
  // Whether clients keep what resumes their session after their next handshakes; false forgets
  // what they kept.
  void keep_tickets(bool keep);
  // From now on clients handshake with the certificate `certificates` gives each (null: with
  // their derived PSKs).
  void use_certificates(Certificates certificates);

  std::size_t sessions() const { return sessions_; }
  std::size_t tickets() const { return tickets_.size(); }
  std::size_t ticket_bytes() const { return ticket_bytes_; }
  std::size_t handshakes() const { return handshakes_.size(); }
  const SecureStats& stats() const { return stats_; }
  void reset_stats() { stats_ = SecureStats{}; }

 private:
  struct Handshake {
    std::unique_ptr<dtls::ClientHandshake> handshake;
    coap::PeerAddress to;
    std::vector<std::uint8_t> held;  // the fleet's latest datagram, sent once it is done
    TimePoint started{};
  };
  void flush(std::uint32_t client, Handshake& h);
  void finish(std::uint32_t client, Handshake& h, TimePoint now);

  SecureFleetConfig config_;
  const Fleet& fleet_;
  Send send_;
  std::vector<std::unique_ptr<dtls::RecordState>> records_;  // by client; null without a session
  std::size_t sessions_ = 0;
  std::unordered_map<std::uint32_t, Handshake> handshakes_;
  // By client, while keep_tickets(true): what resumes its last session; given up when its next
  // handshake starts.
  std::unordered_map<std::uint32_t, std::vector<std::uint8_t>> tickets_;
  std::size_t ticket_bytes_ = 0;
  bool keep_tickets_ = false;
  Certificates certificates_;
  TimePoint next_scan_{};
  std::vector<std::uint8_t> record_, plaintext_;
  SecureStats stats_;
};

}  // namespace drover::loadgen
