// A core that passes everything to another one, chosen after the loop driving it was made.
#pragma once

#include "drover/coap/datagram_core.hpp"

namespace drover::apps {

// The server's message tap, or the plain face of the DTLS server in front of it once coaps is
// open; a device's client, or the DTLS client in front of it once a bootstrap server gave it a
// coaps account.
class CoreSwitch final : public coap::ForwardingCore {
 public:
  using ForwardingCore::ForwardingCore;
  void set(coap::DatagramCore& core) { set_inner(core); }
};

}  // namespace drover::apps
