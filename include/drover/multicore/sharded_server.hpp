// The LwM2M server on several cores: one server::Server core, DatagramLoop and thread per shard,
// all on one UDP port (SO_REUSEPORT), sharded by peer. The kernel hands each client's datagrams to
// one shard by its address, so the request path of a client (Register, Update, Send,
// notifications, answers to reads) stays on one thread and takes no lock shared with the others.
//
// What crosses shards, by message passing (asio::post to the other shard's io_context):
//  * A client whose address changed (a NAT rebinding) may reach another shard. Locations name
//    their shard (ServerConfig::location_prefix, one letter per shard), so an Update or
//    De-register for a location of another shard is handed to that shard, which answers from the
//    same port; later datagrams from that address are handed on as well, until the owner says
//    the registration ended or moved.
//  * A Register of an endpoint registered on another shard (it re-registered from a new address)
//    replaces the older registration there (Replaced on that shard), so that an endpoint is
//    registered once.
// Calls on a shard's Server (reads, observes ...) go to its thread with call() or after().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "drover/server/server.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace drover::multicore {

using coap::Duration;
using coap::TimePoint;

struct ShardedServerConfig {
  unsigned shards = 1;
  // Every shard's server (its location_prefix is set per shard when there are several).
  server::ServerConfig server;
  // Port 0: the first shard's socket picks one, and the others bind the same.
  coap::PeerAddress address = coap::PeerAddress::loopback_v4(0);
  transport::DatagramLoopConfig loop;  // reuse_port is set when there are several shards
  std::vector<int> cpus;               // shard i runs on cpus[i % size]; empty: any CPU
  // Runs for every shard's server in start(), before the threads (e.g. to load object models).
  std::function<void(unsigned shard, server::Server&)> setup;
  // Also in start(), after setup: what stands between the shard's socket and its server (e.g. a
  // message log passing everything on to the server); it must outlive the ShardedServer. Null, or
  // a null result: the server itself.
  std::function<coap::DatagramCore*(unsigned shard, server::Server&)> front;
  // Optional, after front: a second socket per shard (coaps) on `secure_port` of the address (0:
  // the first shard's socket picks one), whose datagrams go to the core this returns, e.g. a DTLS
  // server whose plain face `front` returned. A DTLS session then lives on the shard the kernel
  // gives its address to; unlike NoSec datagrams, none is handed on to another shard.
  std::uint16_t secure_port = 0;
  std::function<coap::DatagramCore*(unsigned shard, server::Server&)> secure;
};

struct ShardStats {
  std::uint64_t handed_on = 0;   // datagrams passed to the shard of their registration
  std::uint64_t taken_over = 0;  // datagrams received from other shards
  std::uint64_t replaced = 0;    // registrations ended by a newer Register on another shard
};

// "A" for shard 0, "B" for 1 ...: the location prefix of a shard (at most 26 shards).
std::string location_prefix_of(unsigned shard);
// The shard that a Registration-interface request (POST or DELETE on /rd/{location}) names by its
// location's prefix; nullopt for any other datagram, or a prefix of no shard below `shards`.
std::optional<unsigned> shard_named_by(std::span<const std::uint8_t> datagram, unsigned shards);

class ShardedServer {
 public:
  using EventHandler =
      std::function<void(unsigned shard, server::Server&, server::ServerEvent&, TimePoint now)>;
  using Call = std::function<void(server::Server&, TimePoint now)>;
  static constexpr unsigned max_shards = 26;

  explicit ShardedServer(ShardedServerConfig config);
  ~ShardedServer();
  ShardedServer(const ShardedServer&) = delete;
  ShardedServer& operator=(const ShardedServer&) = delete;

  // Before start(): runs on the shard's thread for every event of its server.
  void set_event_handler(EventHandler handler);
  // Binds every shard's socket (to `address` when given, else the configured one) and starts the
  // threads. After a failure it may be called again.
  std::error_code start(std::optional<coap::PeerAddress> address = std::nullopt);
  void stop();
  coap::PeerAddress address() const { return address_; }
  // The coaps socket's address, when `secure` gave a core.
  std::optional<coap::PeerAddress> secure_address() const { return secure_address_; }
  unsigned shards() const { return static_cast<unsigned>(shards_.size()); }

  // Runs `fn` on the shard's thread and waits for it; what it sends goes out after. Before start()
  // or after stop(), on the caller's thread (and nothing it sends goes out).
  void call(unsigned shard, const Call& fn);
  // Runs `fn` on the shard's thread after `delay`.
  void after(unsigned shard, Duration delay, Call fn);
  // On the shard's own thread: what its cores have to send goes out soon, on both sockets (for a
  // core in front of the server whose output waits, e.g. DtlsServer::set_wakeups).
  void flush_soon(unsigned shard);
  ShardStats stats(unsigned shard);
  // CPU time the shard's thread has used so far, in seconds.
  double cpu_seconds(unsigned shard);

 private:
  struct Shard;
  std::vector<std::unique_ptr<Shard>> shards_;
  EventHandler handler_;
  coap::PeerAddress address_;
  std::optional<coap::PeerAddress> secure_address_;
  std::function<void(unsigned shard, server::Server&)> setup_;
  std::function<coap::DatagramCore*(unsigned shard, server::Server&)> front_;
  std::uint16_t secure_port_ = 0;
  std::function<coap::DatagramCore*(unsigned shard, server::Server&)> secure_;
  transport::DatagramLoopConfig loop_config_;
};

}  // namespace drover::multicore
