// Client-side freshness of notifications (RFC 7641 §3.4).
#pragma once

#include <cstdint>
#include <optional>

#include "drover/coap/engine.hpp"

namespace drover::coap {

// The sequence number and arrival time of the newest notification delivered so far.
class ObserveOrder {
 public:
  // True when a notification with Observe value `v2` arriving at `t2` is newer than the last
  // accepted one; it then becomes the newest. Values are 24-bit and wrap; after 128 s, any is.
  bool accept(std::uint32_t v2, TimePoint t2);
  void reset() { last_.reset(); }

 private:
  struct Last {
    std::uint32_t v;
    TimePoint t;
  };
  std::optional<Last> last_;
};

}  // namespace drover::coap
