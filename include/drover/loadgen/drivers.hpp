// The I/O side of the load generator: the fleet's socket loop and the ideal UDP responder the
// figures are compared with (the server under test is a multicore::ShardedServer in process).
//
// Each runs on one thread, optionally pinned to one CPU, so that the server under test and the load
// need not share a core (`drover bench --server-cpus 0 --load-cpu 1`). The fleet's loop drives one
// wildcard-bound UDP socket with IP_PKTINFO: it sends as any of the fleet's 127.x.y.z addresses and
// learns from each datagram's destination which simulated client it is for, so a million clients
// need one file descriptor.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "drover/loadgen/fleet.hpp"
#include "drover/loadgen/secure_link.hpp"
#include "drover/loadgen/workload.hpp"
#include "drover/transport/threads.hpp"
#include "drover/transport/udp_socket.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::loadgen {

// Resident set size of a process (its /proc/<pid>/status VmRSS), in bytes; 0 if unreadable.
std::uint64_t resident_bytes(int pid);
// CPU time of a process, user and system (/proc/<pid>/stat), in seconds; 0 if unreadable.
double process_cpu_seconds(int pid);

// Socket buffers of the load generator and the servers it drives: at 200k datagrams/s a 200 KB
// default buffer overflows within a millisecond of scheduling delay.
inline constexpr int kBenchSocketBuffer = 4 * 1024 * 1024;
transport::UdpSocketOptions bench_socket_options(bool packet_info);

struct PhaseResult {
  std::string name;
  double seconds = 0;  // the measured interval: phase start to the end of issuing
  // Successes within the measured interval, per operation (later answers only feed latencies).
  std::array<std::uint64_t, op_count> succeeded{};
  FleetStats stats;    // at the end of the phase, drain included
  SecureStats secure;  // of a secure fleet, likewise
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
  // From now on the fleet speaks DTLS (before run()).
  void secure(SecureFleetConfig config);
  // Null without secure().
  SecureLink* secure_link() { return secure_.get(); }

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
  std::unique_ptr<SecureLink> secure_;
  Workload workload_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
};

// Answers every datagram at once, without parsing beyond the header: a CON request gets an ACK
// 2.04 with its token, a CON response an empty ACK; anything else is ignored. The rate an ideal
// server would reach on this machine, measured by the same load generator.
//
// With an image, a CON GET gets instead the Block2 block it asks for (block 0 of 1,024 bytes
// without Block2; 4.00 past the end), carrying Block2 and Size2, from the image's bytes: the
// option headers are walked to Block2 and nothing else is read (the path is not looked at).
//
// Started with start_bootstrap(), it plays a bootstrap server instead, as minimally: a CON request
// (a Bootstrap-Request) gets its ACK 2.04 and at once a CON Bootstrap-Delete of "/"; a device's
// 2.xx answer to one step gets the next: Bootstrap-Write of /0/0, then of /1/0 (TLV, the given
// payloads), then Bootstrap-Finish (POST /bs). The step rides in the requests' one-byte token, so
// nothing is kept per device; nothing is retransmitted.
class IdealResponder {
 public:
  IdealResponder();
  ~IdealResponder();
  // `image` (may be empty) must outlive the responder.
  std::error_code start(const coap::PeerAddress& address, int cpu,
                        std::span<const std::uint8_t> image = {});
  // `security` and `server` (at most 1,024 bytes together) must outlive the responder.
  std::error_code start_bootstrap(const coap::PeerAddress& address, int cpu,
                                  std::span<const std::uint8_t> security,
                                  std::span<const std::uint8_t> server);
  void stop();
  coap::PeerAddress address() const { return address_; }
  std::uint64_t answered() const { return answered_.load(); }
  double cpu_seconds() { return transport::cpu_seconds(thread_); }

 private:
  std::error_code launch(const coap::PeerAddress& address, int cpu);
  void run();
  transport::UdpSocket socket_;
  coap::PeerAddress address_;
  std::span<const std::uint8_t> image_;
  std::array<std::span<const std::uint8_t>, 2> writes_;  // the bootstrap's, when it plays one
  bool bootstrap_ = false;
  int cpu_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> answered_{0};
};

}  // namespace drover::loadgen
