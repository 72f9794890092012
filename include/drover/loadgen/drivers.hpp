// The I/O side of the load generator: the fleet's socket loop, an in-process LwM2M server on a
// thread of its own, and the ideal UDP responder the figures are compared with.
//
// Each runs on one thread, optionally pinned to one CPU, so that the server under test and the load
// never share a core (`drover bench --server-cpu 0 --load-cpu 1`). The fleet's loop drives one
// wildcard-bound UDP socket with IP_PKTINFO: it sends as any of the fleet's 127.x.y.z addresses and
// learns from each datagram's destination which simulated client it is for, so a million clients
// need one file descriptor.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "drover/loadgen/fleet.hpp"
#include "drover/loadgen/workload.hpp"
#include "drover/server/server.hpp"
#include "drover/transport/udp_socket.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::loadgen {

// Pins the calling thread to `cpu` (no-op for a negative value); false if the OS refused.
bool pin_to_cpu(int cpu);
// Resident set size of a process (its /proc/<pid>/status VmRSS), in bytes; 0 if unreadable.
std::uint64_t resident_bytes(int pid);

// Socket buffers of the load generator and the servers it drives: at 200k datagrams/s a 200 KB
// default buffer overflows within a millisecond of scheduling delay.
inline constexpr int kBenchSocketBuffer = 4 * 1024 * 1024;

struct PhaseResult {
  std::string name;
  double seconds = 0;  // the measured interval: phase start to the end of issuing
  // Successes within the measured interval, per operation (later answers only feed latencies).
  std::array<std::uint64_t, op_count> succeeded{};
  FleetStats stats;  // at the end of the phase, drain included
};

// The fleet on one socket, run phase after phase on the calling thread.
class LoadDriver {
 public:
  using PhaseHook = std::function<void(std::size_t index, const Phase& phase)>;

  LoadDriver(FleetConfig fleet, std::size_t window);
  ~LoadDriver();
  // Binds 0.0.0.0:0 with IP_PKTINFO.
  std::error_code open();
  Fleet& fleet() { return fleet_; }

  // Runs every phase in order; `on_start`/`on_end` run on this thread at the edges of each
  // phase (after the end hook the phase's result is final). Returns early when stop() is called.
  std::vector<PhaseResult> run(const std::vector<Phase>& phases, const PhaseHook& on_start = {},
                               const PhaseHook& on_end = {});
  // Ends run() at the next wake-up; callable from any thread.
  void stop() { stop_.store(true); }

  const transport::UdpSocketStats& socket_stats() const { return socket_.stats(); }

 private:
  class SocketSink;
  void receive_all(TimePoint now);
  void flush();
  void wait_until(std::optional<TimePoint> deadline);

  transport::UdpSocket socket_;
  std::unique_ptr<SocketSink> sink_;
  Fleet fleet_;
  Workload workload_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
};

struct ServerHostConfig {
  server::ServerConfig server;
  coap::PeerAddress address = coap::PeerAddress::loopback_v4(0);
  int cpu = -1;
};

// A server::Server on a DatagramLoop on a thread of its own. The event handler runs on that
// thread for every server event; call() runs code there and waits for it.
class ServerHost {
 public:
  using EventHandler =
      std::function<void(server::Server&, server::ServerEvent&, TimePoint now)>;

  explicit ServerHost(ServerHostConfig config);
  ~ServerHost();
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  // Before start().
  void set_event_handler(EventHandler handler);
  // Binds and starts the thread.
  std::error_code start();
  void stop();
  coap::PeerAddress address() const { return address_; }

  // Runs `fn` on the server thread and returns when it has run; the transmits it causes go out.
  void call(const std::function<void(server::Server&, TimePoint now)>& fn);
  // Schedules `fn` on the server thread after `delay` (for rate-driven work); it may reschedule.
  void after(Duration delay, std::function<void(server::Server&, TimePoint now)> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  coap::PeerAddress address_;
};

// Answers every datagram at once, without parsing beyond the header: a CON request gets an ACK
// 2.04 with its token, a CON response an empty ACK; anything else is ignored. The rate an ideal
// server would reach on this machine, measured by the same load generator.
class IdealResponder {
 public:
  IdealResponder();
  ~IdealResponder();
  std::error_code start(const coap::PeerAddress& address, int cpu);
  void stop();
  coap::PeerAddress address() const { return address_; }
  std::uint64_t answered() const { return answered_.load(); }

 private:
  void run();
  transport::UdpSocket socket_;
  coap::PeerAddress address_;
  int cpu_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> answered_{0};
};

}  // namespace drover::loadgen
