#include "drover/loadgen/workload.hpp"

#include <algorithm>

namespace drover::loadgen {
namespace {

// Clients looked at per pump when few can take a request (all busy, or not yet observed): keeps one
// pump short however large the fleet.
constexpr std::uint32_t kMaxScan = 4096;

Duration seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

bool unregistered(const Fleet& fleet, std::uint32_t client) {
  return !fleet.registered(client);
}
bool registered(const Fleet& fleet, std::uint32_t client) {
  return fleet.registered(client);
}

}  // namespace

void Workload::begin(const Phase& phase, TimePoint now) {
  phase_ = phase;
  start_ = now;
  measured_end_ = now;
  state_ = State::Running;
  issued_ = 0;
  cursor_ = 0;
  turn_ = 0;
  cycle_.clear();
  // Interleaved by rounds, so that weights {2, 1} give U S U rather than U U S.
  const unsigned rounds = *std::max_element(phase.weights.begin(), phase.weights.end());
  for (unsigned r = 0; r < rounds; ++r)
    for (Op op : {Op::Update, Op::Send, Op::Notify, Op::Block, Op::Bootstrap})
      if (phase.weights[static_cast<std::size_t>(op)] > r) cycle_.push_back(op);
}

bool Workload::room(const Fleet& fleet, TimePoint now) const {
  if (fleet.in_flight() >= window_) return false;
  if (phase_.rate <= 0) return true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  return static_cast<double>(issued_) < phase_.rate * elapsed + 1.0;
}

std::uint32_t Workload::each_end(const Fleet& fleet) const {
  return phase_.clients == 0 ? fleet.size() : std::min(phase_.clients, fleet.size());
}

void Workload::issue_each(Fleet& fleet, Op op, bool (*eligible)(const Fleet&, std::uint32_t),
                          TimePoint now) {
  while (cursor_ < each_end(fleet) && room(fleet, now)) {
    const std::uint32_t client = cursor_++;
    if (eligible(fleet, client) && fleet.start(op, client, now)) ++issued_;
  }
}

void Workload::issue_mix(Fleet& fleet, TimePoint now) {
  if (cycle_.empty() || fleet.size() == 0) return;
  const std::uint32_t scan = std::min(fleet.size(), kMaxScan);
  for (std::uint32_t looked = 0; looked < scan && room(fleet, now); ++looked) {
    const std::uint32_t client = cursor_;
    cursor_ = cursor_ + 1 == fleet.size() ? 0 : cursor_ + 1;
    if (fleet.start(cycle_[turn_ % cycle_.size()], client, now)) {
      ++issued_;
      ++turn_;
    }
  }
}

Workload::State Workload::pump(Fleet& fleet, TimePoint now) {
  if (state_ == State::Draining) {
    if (fleet.in_flight() == 0 || now >= measured_end_ + phase_.drain) state_ = State::Done;
    return state_;
  }
  if (state_ == State::Done) return state_;
  const auto finish = [&](State next) {
    measured_end_ = now;
    state_ = next;
  };
  switch (phase_.kind) {
    case Phase::Kind::RegisterAll:
    case Phase::Kind::DeregisterAll:
    case Phase::Kind::UpdateAll:
      if (phase_.kind == Phase::Kind::RegisterAll)
        issue_each(fleet, Op::Register, unregistered, now);
      else if (phase_.kind == Phase::Kind::DeregisterAll)
        issue_each(fleet, Op::Deregister, registered, now);
      else
        issue_each(fleet, Op::Update, registered, now);
      if (cursor_ >= each_end(fleet) && fleet.in_flight() == 0)
        finish(State::Done);
      else if (now >= start_ + phase_.limit)
        finish(State::Draining);
      break;
    case Phase::Kind::AwaitObserved:
      if (fleet.observed_count() >= fleet.registered_count() || now >= start_ + phase_.limit)
        finish(State::Done);
      break;
    case Phase::Kind::Timed:
      if (now >= start_ + phase_.duration)
        finish(State::Draining);
      else
        issue_mix(fleet, now);
      break;
    case Phase::Kind::Idle:
      if (now >= start_ + phase_.duration) finish(State::Done);
      break;
  }
  return state_;
}

std::optional<TimePoint> Workload::next_due(const Fleet& fleet) const {
  switch (state_) {
    case State::Done:
      return std::nullopt;
    case State::Draining:
      return measured_end_ + phase_.drain;
    case State::Running:
      break;
  }
  TimePoint end = start_ + phase_.limit;
  bool issues = false;
  switch (phase_.kind) {
    case Phase::Kind::RegisterAll:
    case Phase::Kind::DeregisterAll:
    case Phase::Kind::UpdateAll:
      issues = cursor_ < each_end(fleet);
      break;
    case Phase::Kind::AwaitObserved:
      break;
    case Phase::Kind::Timed:
      end = start_ + phase_.duration;
      issues = true;
      break;
    case Phase::Kind::Idle:
      end = start_ + phase_.duration;
      break;
  }
  if (issues && fleet.in_flight() < window_) {
    // Room in the window: the next rate step, or at once (NON messages never fill the window).
    if (phase_.rate <= 0) return TimePoint{};  // due at once
    return std::min(end, start_ + seconds(static_cast<double>(issued_) / phase_.rate));
  }
  return end;
}

}  // namespace drover::loadgen
