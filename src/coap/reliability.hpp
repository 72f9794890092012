// CON retransmission (RFC 7252 §4.2): the state of one Confirmable message waiting for its ACK.
//
// The owner of the message (a client request, a separate response, a notification) holds a Reliable
// and arms a timer at next_at; the engine's MID index routes the ACK or RST back to that owner.
#pragma once

#include <cstdint>
#include <vector>

#include "drover/coap/random.hpp"
#include "drover/coap/engine.hpp"

namespace drover::coap {

struct Reliable {
  std::vector<std::uint8_t> bytes;  // the wire form, resent as is
  unsigned retransmits = 0;
  Duration timeout{};
  TimePoint next_at = TimePoint::max();

  bool waiting() const { return next_at != TimePoint::max(); }
  // Starts waiting for the ACK of a message just sent: a fresh random initial timeout.
  void start(const EngineConfig& config, Random& random, TimePoint now);
  // Keeps the retransmission counter and timeout (RFC 7641 §4.5.2: a newer notification replaces an
  // unacknowledged one), restarting the current timeout from now.
  void restart_keeping_backoff(TimePoint now);
  void stop() { next_at = TimePoint::max(); }

  enum class Step : std::uint8_t { Resend, GiveUp };
  // At next_at: either resend `bytes` (the timeout doubled, next_at moved) or give up.
  Step on_timeout(const EngineConfig& config);
};

// The initial timeout, uniform in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR].
Duration initial_ack_timeout(const EngineConfig& config, Random& random);

}  // namespace drover::coap
