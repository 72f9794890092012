// A non-blocking UDP socket with batched I/O (recvmmsg/sendmmsg) over preallocated buffers.
//
// No Asio and no event loop here: the socket never blocks, and the caller decides when to read (see
// DatagramLoop for the Asio driver, PollLoop for the one on poll(2)). After open(), receiving and
// sending allocate nothing.
//
// Datagram size: buffers hold `max_datagram_size` bytes per datagram, 2048 by default. That covers
// the largest CoAP message this project sends (a 1024-byte block plus header, token and options;
// RFC 7252 §4.6 asks for messages of at most 1152 bytes when the path MTU is unknown) and any
// datagram that fits an Ethernet MTU (1472 bytes of UDP payload), with room for large option sets.
// A longer datagram is truncated by the kernel; the socket detects that (MSG_TRUNC), counts it in
// UdpSocketStats::truncated and hands its first max_datagram_size bytes on marked `truncated`:
// such a prefix must not be parsed as a whole message, but its header still lets the receiver
// answer (CoAP: 4.13 Request Entity Too Large, see coap::Engine::receive_truncated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <system_error>

#include "drover/coap/peer.hpp"

namespace drover::transport {

struct UdpSocketOptions {
  // For a socket bound to an IPv6 address: also carry IPv4 (IPV6_V6ONLY off). IPv4 peers then
  // appear as plain IPv4 PeerAddresses. Off: the socket is IPv6-only.
  bool dual_stack = false;
  // SO_REUSEPORT: several sockets (one per event-loop thread) share a port; the kernel spreads
  // peers across them by address hash, so each peer stays on one shard.
  bool reuse_port = false;
  // IP_PKTINFO / IPV6_RECVPKTINFO: report each datagram's destination address, which a socket bound
  // to a wildcard address otherwise does not know.
  bool packet_info = false;
  std::size_t max_datagram_size = 2048;
  std::size_t batch_size = 32;   // datagrams per recvmmsg, and send-queue slots (one sendmmsg)
  int receive_buffer_bytes = 0;  // SO_RCVBUF; 0 keeps the system default
  int send_buffer_bytes = 0;     // SO_SNDBUF; 0 keeps the system default
};

// A device's own socket: batches of 4 datagrams instead of a server's 32, so 16 KiB of buffers
// (zeroed, so resident) instead of 128 KiB.
UdpSocketOptions device_socket_options();

struct ReceivedDatagram {
  coap::PeerAddress peer;                  // the source
  std::optional<coap::PeerAddress> local;  // the destination (port 0), when packet_info is on
  std::span<const std::uint8_t> bytes;
  bool truncated = false;  // the datagram was longer: `bytes` is its first max_datagram_size bytes
};

struct UdpSocketStats {
  std::uint64_t received = 0;  // including the truncated ones
  std::uint64_t sent = 0;
  std::uint64_t truncated = 0;     // received datagrams longer than max_datagram_size (cut)
  std::uint64_t send_dropped = 0;  // datagrams the kernel refused (see FlushResult::error)
  std::uint64_t receive_errors = 0;
};

struct FlushResult {
  std::size_t sent = 0;
  std::size_t dropped = 0;  // refused by the kernel (unreachable, bad address ...); not retried
  std::error_code error;    // why the last dropped datagram was refused
  // The socket buffer is full: the rest stays queued; flush again when the socket is writable.
  bool would_block = false;
};

class UdpSocket {
 public:
  UdpSocket();
  ~UdpSocket();
  UdpSocket(UdpSocket&&) noexcept;
  UdpSocket& operator=(UdpSocket&&) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // Creates, configures and binds the socket. An all-zero address binds the wildcard of its family;
  // port 0 lets the OS choose (see local_address()).
  std::error_code open(const coap::PeerAddress& local, const UdpSocketOptions& options = {});
  void close();
  bool is_open() const { return fd_ >= 0; }
  int native_handle() const { return fd_; }
  bool is_v6() const { return v6_; }
  const UdpSocketOptions& options() const { return options_; }
  coap::PeerAddress local_address() const;  // the bound address and actual port

  // Reads the datagrams already queued, at most batch_size, without blocking. `batch` is empty when
  // none was queued. Its views point into the socket's buffers and are valid until the next
  // receive().
  std::error_code receive(std::span<const ReceivedDatagram>& batch);

  // Copies one datagram into a free send slot. With `source`, it leaves from that local address
  // (with IP_PKTINFO / IPV6_PKTINFO; the address must be local, e.g. any 127.x.y.z on loopback).
  // Errors: message_size (longer than max_datagram_size), no_buffer_space (all slots queued:
  // flush()), address_family_not_supported (IPv6 peer on an IPv4 socket).
  std::error_code queue_send(const coap::PeerAddress& peer, std::span<const std::uint8_t> bytes,
                             const coap::PeerAddress* source = nullptr);
  // Hands the queued datagrams to the kernel with sendmmsg, in order.
  FlushResult flush();
  std::size_t queued() const { return send_count_; }
  bool send_queue_full() const { return send_count_ == options_.batch_size; }

  const UdpSocketStats& stats() const { return stats_; }

 private:
  struct Buffers;  // preallocated headers, addresses, control and data buffers of both directions
  std::size_t send_slot(std::size_t position) const;

  int fd_ = -1;
  bool v6_ = false;
  UdpSocketOptions options_;
  std::unique_ptr<Buffers> buf_;
  std::size_t send_head_ = 0;  // ring of send slots: [head, head + count)
  std::size_t send_count_ = 0;
  UdpSocketStats stats_;
};

}  // namespace drover::transport
