#include "reliability.hpp"

namespace drover::coap {

Duration initial_ack_timeout(const EngineConfig& config, Random& random) {
  double factor = 1.0 + random.unit() * (config.ack_random_factor - 1.0);
  auto ticks = static_cast<double>(config.ack_timeout.count()) * factor;
  return Duration(static_cast<Duration::rep>(ticks));
}

void Reliable::start(const EngineConfig& config, Random& random, TimePoint now) {
  retransmits = 0;
  timeout = initial_ack_timeout(config, random);
  next_at = now + timeout;
}

void Reliable::restart_keeping_backoff(TimePoint now) {
  next_at = now + timeout;
}

Reliable::Step Reliable::on_timeout(const EngineConfig& config) {
  if (retransmits >= config.max_retransmit) {
    stop();
    return Step::GiveUp;
  }
  ++retransmits;
  timeout *= 2;
  next_at += timeout;
  return Step::Resend;
}

}  // namespace drover::coap
