// What a fleet does, phase by phase: the load generator's plan, sans-I/O.
//
// A phase issues requests through the Fleet, never more than `window` in flight and, when a rate
// is set, no faster than that rate (requests started per second since the phase began):
//   RegisterAll    every client that is not registered registers once (or the first `clients`)
//   DeregisterAll  every registered client de-registers once (or among the first `clients`)
//   UpdateAll      every registered client sends one Update (or among the first `clients`)
//   AwaitObserved  nothing is issued; ends when every registered client is observed (the server
//                  observes them), or at `limit`
//   Timed          for `duration`, clients in turn issue the phase's mix of Update, Send, Notify,
//                  Block and Bootstrap; then the requests in flight drain (at most `drain`)
//   Idle           nothing is issued for `duration` (the fleet only answers the server)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drover/loadgen/fleet.hpp"

namespace drover::loadgen {

struct Phase {
  enum class Kind : std::uint8_t {
    RegisterAll,
    DeregisterAll,
    UpdateAll,
    AwaitObserved,
    Timed,
    Idle
  };
  Kind kind = Kind::Timed;
  std::string name;
  Duration duration{};                        // Timed, Idle
  Duration limit = std::chrono::seconds(60);  // the *All phases and AwaitObserved
  Duration drain = std::chrono::seconds(3);   // Timed: waiting for the last answers
  double rate = 0;            // requests started per second; 0: as fast as the window allows
  std::uint32_t clients = 0;  // the *All phases: the first `clients` only (0: all)
  // Timed: relative weights of the operations (only Update, Send, Notify, Block and
  // Bootstrap are issued).
  std::array<unsigned, op_count> weights{};
};

class Workload {
 public:
  enum class State : std::uint8_t { Running, Draining, Done };

  explicit Workload(std::size_t window) : window_(window) {}

  void begin(const Phase& phase, TimePoint now);
  // Issues what the phase wants at `now` and says where the phase stands. The step from Running
  // to Draining is the end of the measured interval (see measured_end()).
  State pump(Fleet& fleet, TimePoint now);
  // When pump() next has something to do on its own (a rate step, the end of the phase); the
  // driver also pumps after every input.
  std::optional<TimePoint> next_due(const Fleet& fleet) const;

  TimePoint started() const { return start_; }
  TimePoint measured_end() const { return measured_end_; }
  std::uint64_t issued() const { return issued_; }

 private:
  bool room(const Fleet& fleet, TimePoint now) const;
  std::uint32_t each_end(const Fleet& fleet) const;
  void issue_each(Fleet& fleet, Op op, bool (*eligible)(const Fleet&, std::uint32_t),
                  TimePoint now);
  void issue_mix(Fleet& fleet, TimePoint now);

  std::size_t window_;
  Phase phase_;
  TimePoint start_{};
  TimePoint measured_end_{};
  State state_ = State::Done;
  std::uint64_t issued_ = 0;
  std::uint32_t cursor_ = 0;  // the next client to consider
  std::uint64_t turn_ = 0;    // position in the weighted operation cycle
  std::vector<Op> cycle_;     // Timed: the operations in weight order, one slot per unit
};

}  // namespace drover::loadgen
