// What both drivers of a coap::DatagramCore do between waits, so that DatagramLoop (Asio) and
// PollLoop (poll(2)) do it alike: feed received batches to the core, run the owner's after-input
// hook, drain the core's transmits into the socket. Waiting (for readable, writable, the timer)
// is the driver's. No Asio here: PollLoop's programs link this and not Asio.
#pragma once

#include <functional>
#include <string_view>
#include <system_error>

#include "drover/coap/datagram_core.hpp"
#include "drover/transport/loop_common.hpp"
#include "drover/transport/udp_socket.hpp"

namespace drover::transport {

struct DatagramPump {
  explicit DatagramPump(coap::DatagramCore& datagram_core) : core(datagram_core) {}

  coap::DatagramCore& core;
  UdpSocket socket;
  LoopStats stats;
  AfterInput after_input;
  ErrorHandler on_error;
  SourceSelector source_for;
  // The driver's: called when the socket buffer became full. The driver waits until the socket is
  // writable, clears waiting_writable and calls send_transmits() again.
  std::function<void()> wait_writable;
  bool waiting_writable = false;

  void report(std::string_view what, std::error_code ec) const {
    if (on_error) on_error(what, ec);
  }

  // Reads one batch (without blocking) into the core, then pumps. True when the batch was full, so
  // the socket may hold more, and the socket is still open (the hook may close it).
  bool receive_batch();
  // Lets the owner handle what the input produced, then sends what the core queued. False, doing
  // nothing, when called from inside the hook: the running pump sends everything anyway.
  bool pump();
  // Sends the core's transmits until it has none or the socket buffer is full; meanwhile they
  // wait in the core's bounded queue.
  void send_transmits();
  bool in_hook() const { return pumping; }

 private:
  bool flush_socket();
  bool pumping = false;
};

}  // namespace drover::transport
