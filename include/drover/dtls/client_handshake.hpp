// A client's DTLS 1.2 PSK handshake on its own, ending in a RecordState: for a load generator that
// holds many sessions. The GnuTLS session lives only while the handshake runs (about 28 KB);
// what a connected client keeps is the RecordState (under 1 KB). Sans-I/O: datagrams in through
// receive(), out through `output`, the retransmission timer at next_expiry().
//
// In a full handshake the server's Finished is the last flight, so a client whose handshake is
// done will never be asked to send its own again and can drop the session at once.
#pragma once

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

class ClientHandshake {
 public:
  enum class State : std::uint8_t { Running, Done, Failed };

  // Starts at once: the ClientHello is in `output`. `priorities` empty: the PSK suites of
  // default_priorities(). Throws std::runtime_error when the credential does not load.
  ClientHandshake(const PskCredential& psk, coap::TimePoint now, const std::string& priorities = {},
                  unsigned mtu = 1280);
  ~ClientHandshake();
  ClientHandshake(const ClientHandshake&) = delete;
  ClientHandshake& operator=(const ClientHandshake&) = delete;

  void receive(std::span<const std::uint8_t> datagram, coap::TimePoint now);
  // Sends the last flight again when its time has come.
  void on_timer(coap::TimePoint now);
  coap::TimePoint next_expiry() const { return retransmit_at_; }

  State state() const { return state_; }
  // Done: the session's record state (once).
  std::unique_ptr<RecordState> take_records();

  std::vector<std::vector<std::uint8_t>> output;  // datagrams to send to the server

 private:
  void step(coap::TimePoint now);

  std::unique_ptr<detail::Session> session_;
  struct Credentials;
  std::unique_ptr<Credentials> credentials_;
  std::unique_ptr<RecordState> records_;
  coap::TimePoint retransmit_at_{};
  State state_ = State::Running;
};

}  // namespace drover::dtls
