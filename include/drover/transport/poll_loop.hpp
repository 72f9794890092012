// Drives one sans-I/O coap::DatagramCore with one UdpSocket on poll(2) and the steady clock: the
// event loop of a device's program, which then links no Boost.Asio. It feeds and drains the core
// exactly as DatagramLoop does (they share that code), and adds what such a program needs besides:
// timers of its own and SIGINT/SIGTERM. Use DatagramLoop where Asio runs anyway (servers, programs
// with HTTP or several sockets); PollLoop for a device with its one socket.
//
// run(), on the calling thread, until stop():
//   readable  -> recvmmsg batches -> core.receive(peer, bytes, now) for each datagram
//                (core.receive_truncated for one longer than the socket's max_datagram_size)
//   due       -> core.on_timer(now) at core.next_expiry(); the application's timers, in the order
//                they are due
//   signal    -> the signal handler (see on_signals)
//   after each of these -> the after-input hook (the owner drains the core's events and makes new
//                calls), then core.poll_transmit() -> sendmmsg.
// Calls made on the core before run() or inside the loop's callbacks need no flush: run() drains at
// its start and after every callback. When the socket buffer is full, sending waits until the
// socket is writable; meanwhile transmits stay in the core's bounded queue. Errors never leave the
// loop as exceptions: they are counted (stats()) and passed to the ErrorHandler. Callbacks must not
// throw and must not destroy the loop or the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <system_error>

#include "drover/coap/datagram_core.hpp"
#include "drover/transport/loop_common.hpp"
#include "drover/transport/udp_socket.hpp"
#include "drover/util/result.hpp"

namespace drover::transport {

struct PollLoopConfig {
  UdpSocketOptions socket = device_socket_options();
  // Batches read per wake-up before the loop looks at its timers again (fairness).
  std::size_t max_batches_per_wakeup = 8;
  // Application timers scheduled at once; their slots are allocated with the loop.
  std::size_t max_timers = 8;
};

class PollLoop {
 public:
  using TimerId = std::uint64_t;  // from 1: 0 is never a timer's
  using TimerCallback = std::function<void()>;
  using SignalHandler = std::function<void(int signal)>;

  // `core` is not owned and must outlive the loop.
  explicit PollLoop(coap::DatagramCore& core, PollLoopConfig config = {});
  // Restores the signal handlers on_signals() replaced.
  ~PollLoop();
  PollLoop(const PollLoop&) = delete;
  PollLoop& operator=(const PollLoop&) = delete;

  void set_after_input(AfterInput hook);
  void set_error_handler(ErrorHandler handler);

  // Binds the socket (see UdpSocket::open). Port 0 lets the OS choose.
  std::error_code open(const coap::PeerAddress& local);
  bool is_open() const;
  coap::PeerAddress local_address() const;

  // Runs `callback` on the loop at `at` (at once if that has passed), then every `period` after
  // when it is positive. Timers due at the same time run in the order they were scheduled.
  // Errors: no_buffer_space when max_timers are scheduled already, invalid_argument for an empty
  // callback or a negative period.
  Result<TimerId, std::error_code> schedule(coap::TimePoint at, TimerCallback callback,
                                            coap::Duration period = coap::Duration::zero());
  // False when `id` is not scheduled (a one-shot timer that ran, or one cancelled). A callback may
  // cancel its own timer.
  bool cancel(TimerId id);

  // Catches SIGINT and SIGTERM with handlers that only note the signal; run() then calls `handler`
  // with it on the loop. While run() runs, the two signals are blocked but in poll, so one that
  // comes during a callback interrupts the next wait: none is missed. One loop of the process at a
  // time (device_or_resource_busy otherwise).
  std::error_code on_signals(SignalHandler handler);
  // on_signals() with stop() as the handler.
  std::error_code stop_on_signals();

  // Waits and dispatches until stop(); returns at once if stop() came before it. A failure of
  // poll itself (not an interruption) is reported to the ErrorHandler and ends run().
  void run();
  // Ends run() after the current callback. For the loop's callbacks (and before run()).
  void stop();

  // The current time: the one place the clock is read, for calls the owner makes on the core.
  static coap::TimePoint now();

  const LoopStats& stats() const;
  const UdpSocketStats& socket_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::transport
