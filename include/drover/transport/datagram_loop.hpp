// Drives one sans-I/O coap::DatagramCore (the CoAP engine, the LwM2M server or client) with one
// UdpSocket on a Boost.Asio event loop. Every datagram transport in the project is this loop.
//
// All on the io_context's thread (one io_context per thread; shard with SO_REUSEPORT):
//   readable -> recvmmsg batches -> core.receive(peer, bytes, now) for each datagram
//               (core.receive_truncated for one longer than the socket's max_datagram_size)
//   timer    -> core.on_timer(now)              (one steady_timer, armed at core.next_expiry())
//   then     -> the after-input hook (the owner drains the core's events and makes new calls),
//               core.poll_transmit() -> sendmmsg, rearm the timer.
// Only this class touches the socket and reads the clock (coap::Clock, see now()).
//
// Calls the owner makes on the core from outside a handler are followed by flush_soon(): one drain
// on the loop's next turn, so many calls in a row leave in one sendmmsg. Calls made inside the
// after-input hook need nothing: the drain that follows the hook sends them (a response given in
// the hook is piggybacked on the ACK).
//
// When the socket buffer is full, sending waits until the socket is writable; meanwhile transmits
// stay in the core's bounded queue. Errors never leave the loop as exceptions: they are counted
// (stats()) and passed to the ErrorHandler. Hooks must not throw (Asio would propagate it out of
// run()) and must not destroy the loop or the core (close() is fine).
#pragma once

#include <cstdint>
#include <memory>
#include <system_error>

#include "drover/coap/datagram_core.hpp"
#include "drover/transport/loop_common.hpp"
#include "drover/transport/udp_socket.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::transport {

struct DatagramLoopConfig {
  UdpSocketOptions socket;
  // Batches read per readiness wake-up before yielding to other work on the loop (fairness); when
  // the socket still has data, reading continues on the loop's next turn.
  std::size_t max_batches_per_wakeup = 8;
};

// A device's own socket (see device_socket_options()).
DatagramLoopConfig device_loop_config();

using DatagramLoopStats = LoopStats;

class DatagramLoop {
 public:
  // Runs after every input batch, timer expiry and flush, before transmits are drained.
  using AfterInput = transport::AfterInput;
  using ErrorHandler = transport::ErrorHandler;
  using SourceSelector = transport::SourceSelector;

  // `core` is not owned and must outlive the loop.
  DatagramLoop(boost::asio::io_context& io, coap::DatagramCore& core,
               DatagramLoopConfig config = {});
  ~DatagramLoop();
  DatagramLoop(const DatagramLoop&) = delete;
  DatagramLoop& operator=(const DatagramLoop&) = delete;

  void set_after_input(AfterInput hook);
  void set_error_handler(ErrorHandler handler);
  void set_source_selector(SourceSelector selector);

  // Binds the socket (see UdpSocket::open) and starts reading. Port 0 lets the OS choose.
  std::error_code open(const coap::PeerAddress& local);
  // Stops reading and timers and closes the socket; pending handlers are abandoned. The core stays.
  void close();
  bool is_open() const;
  coap::PeerAddress local_address() const;

  // Schedules one drain (hook, transmits, timer) on the loop's next turn; a no-op inside a drain,
  // which sends everything anyway.
  void flush_soon();
  // The current time: the one place the clock is read, for calls the owner makes on the core.
  static coap::TimePoint now();

  const DatagramLoopStats& stats() const;
  const UdpSocketStats& socket_stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the pending Asio handlers, which outlive a close()
};

}  // namespace drover::transport
