#include "observe_order.hpp"

namespace drover::coap {

bool ObserveOrder::accept(std::uint32_t v2, TimePoint t2) {
  constexpr std::uint32_t half = 1u << 23;
  v2 &= 0xffffffu;
  bool newer = true;
  if (last_) {
    std::uint32_t v1 = last_->v;
    newer = (v1 < v2 && v2 - v1 < half) || (v1 > v2 && v1 - v2 > half) ||
            t2 > last_->t + std::chrono::seconds(128);
  }
  if (newer) last_ = Last{v2, t2};
  return newer;
}

}  // namespace drover::coap
