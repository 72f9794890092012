// A client's DTLS 1.2 handshake on its own, ending in a RecordState: for a load generator that
// holds many sessions. The GnuTLS session lives only while the handshake runs (about 28 KB);
// what a connected client keeps is the RecordState (under 1 KB), and, when asked, what resuming
// the session needs (the server's session ticket and the session's parameters, resumption()).
// Sans-I/O: datagrams in through receive(), out through `output`, the retransmission timer at
// next_expiry().
//
// In a full handshake the server's Finished is the last flight, so a client whose handshake is
// done will never be asked to send its own again and can drop the session at once. An
// abbreviated one ends with the client's Finished instead: were it lost, the server would send
// its flight again to a client that no longer has the session, and that client's next records
// would wait for a session the server never completes (the server's handshake times out).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/dtls/credentials.hpp"
#include "drover/dtls/record_state.hpp"

namespace drover::dtls {

namespace detail {
class Session;
}

struct ClientHandshakeOptions {
  std::string priorities;  // empty: default_priorities() for the credential
  unsigned mtu = 1280;
  // resumption() of an earlier session with the same server: the handshake is an abbreviated
  // one when the server still takes its ticket, a full one otherwise.
  std::span<const std::uint8_t> resume;
  bool keep_resumption = false;  // keep resumption() of the new session
};

class ClientHandshake {
 public:
  enum class State : std::uint8_t { Running, Done, Failed };

  // Start at once: the ClientHello is in `output`. Throw std::runtime_error when the credential
  // does not load. X.509: the server's chain must lead to `certificate.trust_anchors` (no name
  // is checked).
  ClientHandshake(const PskCredential& psk, coap::TimePoint now,
                  const ClientHandshakeOptions& options = {});
  ClientHandshake(const CertificateCredential& certificate, coap::TimePoint now,
                  const ClientHandshakeOptions& options = {});
  ~ClientHandshake();
  ClientHandshake(const ClientHandshake&) = delete;
  ClientHandshake& operator=(const ClientHandshake&) = delete;

  void receive(std::span<const std::uint8_t> datagram, coap::TimePoint now);
  // Sends the last flight again when its time has come.
  void on_timer(coap::TimePoint now);
  coap::TimePoint next_expiry() const { return retransmit_at_; }

  State state() const { return state_; }
  // Done: whether the handshake was an abbreviated one.
  bool resumed() const { return resumed_; }
  // Done: the session's record state (once).
  std::unique_ptr<RecordState> take_records();
  // Done, with keep_resumption: what resumes the session (once); empty when the server gave no
  // ticket.
  std::vector<std::uint8_t> take_resumption();

  std::vector<std::vector<std::uint8_t>> output;  // datagrams to send to the server

 private:
  struct Credentials;
  // What both constructors do once the credential is set: the priorities (`defaults` unless the
  // options give some), the session to resume, the first flight.
  void start(coap::TimePoint now, const ClientHandshakeOptions& options,
             const std::string& defaults);
  void step(coap::TimePoint now);

  std::unique_ptr<detail::Session> session_;
  std::unique_ptr<Credentials> credentials_;
  std::unique_ptr<RecordState> records_;
  std::vector<std::uint8_t> resumption_;
  coap::TimePoint retransmit_at_{};
  State state_ = State::Running;
  bool keep_resumption_ = false;
  bool resumed_ = false;
};

}  // namespace drover::dtls
