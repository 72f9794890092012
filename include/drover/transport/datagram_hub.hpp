// Drives many sans-I/O coap::DatagramCores on one UdpSocket, each core at a local address of its
// own: a process of many devices (`drover client --count N`) holds one file descriptor, not one per
// device, and the socket's batch buffers once. The socket is bound to a wildcard address with
// packet info: a datagram goes to the core at its destination address (others are dropped and
// counted), and a core's datagrams leave from its address (IP_PKTINFO; on loopback every
// 127.x.y.z is local, so 127.1.0.0 + i gives device i an address of its own at the hub's port).
//
// Per core it behaves as a DatagramLoop (see datagram_loop.hpp): after its input, timer expiry or
// flush_soon, its after-input hook runs, then its transmits go out and its timer is rearmed. One
// steady_timer serves every core, over a heap of the cores' next expiries (an entry superseded by
// an earlier expiry stays in the heap and is skipped when it comes due).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>

#include "drover/coap/datagram_core.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "drover/transport/udp_socket.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::transport {

struct DatagramHubStats {
  std::uint64_t wakeups = 0;              // readiness notifications handled
  std::uint64_t timer_fires = 0;          // core.on_timer calls
  std::uint64_t send_blocked = 0;         // times the socket buffer was full
  std::uint64_t send_refused = 0;         // transmits the socket could not queue
  std::uint64_t unknown_destination = 0;  // datagrams to an address no core has
};

class DatagramHub {
 public:
  using MemberId = std::uint32_t;
  using AfterInput = DatagramLoop::AfterInput;
  using ErrorHandler = DatagramLoop::ErrorHandler;

  // `config.socket.packet_info` is turned on: routing needs each datagram's destination.
  explicit DatagramHub(boost::asio::io_context& io, DatagramLoopConfig config = {});
  ~DatagramHub();
  DatagramHub(const DatagramHub&) = delete;
  DatagramHub& operator=(const DatagramHub&) = delete;

  // Binds the wildcard address of `local`'s family at `local.port` (0: the OS chooses).
  std::error_code open(const coap::PeerAddress& local);
  // Stops reading and timers and closes the socket; the cores stay.
  void close();
  bool is_open() const;
  coap::PeerAddress local_address() const;

  // Adds `core` (not owned; it must outlive the hub) at the address `address.ip` and the hub's
  // port. nullopt when another core has that address.
  std::optional<MemberId> add(coap::DatagramCore& core, const coap::PeerAddress& address,
                              AfterInput after_input = nullptr);
  // The address a member sends from and is reached at (with the hub's port).
  coap::PeerAddress address_of(MemberId member) const;
  // One pump of the member (hook, transmits, timer) on the loop's next turn; a no-op while that
  // member's pump runs, which sends everything anyway.
  void flush_soon(MemberId member);
  void set_error_handler(ErrorHandler handler);

  const DatagramHubStats& stats() const;
  const UdpSocketStats& socket_stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with the pending Asio handlers, which outlive a close()
};

}  // namespace drover::transport
