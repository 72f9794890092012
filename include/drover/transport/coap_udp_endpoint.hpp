// CoAP over UDP on a Boost.Asio event loop: one sans-I/O coap::Engine driven by a DatagramLoop
// (see datagram_loop.hpp for the loop: batched reads, the timer, batched sends). This class adds
// the engine's calls and hands its events to the EventHandler in the loop's after-input hook.
//
// Calls made on the endpoint (send_request, respond, notify ...) pass the current time to the
// engine and schedule one flush for the loop's next turn, so many calls in a row leave in one
// sendmmsg. Calls made from inside the EventHandler are flushed when the handler returns: a
// response given synchronously in the handler is piggybacked on the ACK.
//
// Seam for other transports: the engine only ever sees PeerAddresses and datagrams. DTLS is a
// core in front of the engine (CoapUdpEndpointConfig::front, e.g. dtls::DtlsClient): records in,
// plaintext to the engine, its transmits encrypted, handshakes on the same socket and timer.
// CoAP over TCP (RFC 8323) is a stream transport: it would get its own endpoint with one
// connection per peer, framing messages in and out of a reliable-transport engine mode (no MIDs,
// no retransmission), keeping the same EventHandler and calls.
//
// Errors never leave the loop as exceptions: socket errors and dropped datagrams are counted
// (stats()) and passed to the ErrorHandler. The EventHandler must not throw (Asio would propagate
// it out of run()) and must not destroy the endpoint (close() is fine).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>

#include "drover/coap/engine.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "drover/transport/udp_socket.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::transport {

struct CoapUdpEndpointConfig {
  coap::EngineConfig engine;
  // A datagram longer than socket.max_datagram_size reaches the engine cut short, through
  // Engine::receive_truncated (a request gets 4.13 Request Entity Too Large).
  UdpSocketOptions socket;
  // Batches read per readiness wake-up before yielding to other work on the loop (fairness); when
  // the socket still has data, reading continues on the loop's next turn.
  std::size_t max_batches_per_wakeup = 8;
  // Seed of the engine's token generator; nullopt draws one from std::random_device (production).
  std::optional<std::uint64_t> random_seed;
  // Makes a core in front of the engine's (DTLS: records on the socket, plaintext to the engine);
  // the loop then drives that core, which drives the engine. Null: the engine is on the socket.
  std::function<std::unique_ptr<coap::DatagramCore>(coap::DatagramCore& engine)> front;
};

using CoapUdpEndpointStats = DatagramLoopStats;

class CoapUdpEndpoint {
 public:
  // Called for every engine event. `event` may be moved from.
  using EventHandler = std::function<void(CoapUdpEndpoint& endpoint, coap::Event& event)>;
  using ErrorHandler = DatagramLoop::ErrorHandler;
  using SourceSelector = DatagramLoop::SourceSelector;

  explicit CoapUdpEndpoint(boost::asio::io_context& io, CoapUdpEndpointConfig config = {});
  ~CoapUdpEndpoint();
  CoapUdpEndpoint(const CoapUdpEndpoint&) = delete;
  CoapUdpEndpoint& operator=(const CoapUdpEndpoint&) = delete;

  void set_event_handler(EventHandler handler);
  void set_error_handler(ErrorHandler handler);
  void set_source_selector(SourceSelector selector);

  // Binds the socket (see UdpSocket::open) and starts reading. Port 0 lets the OS choose.
  std::error_code open(const coap::PeerAddress& local);
  // Stops reading and timers and closes the socket; pending handlers are abandoned. The engine
  // stays.
  void close();
  bool is_open() const;
  coap::PeerAddress local_address() const;

  // The engine calls, stamped with the current time and flushed on the loop's next turn.
  coap::Result<coap::RequestId> send_request(const coap::PeerAddress& peer, coap::Message request,
                                             const coap::RequestOptions& options = {});
  coap::Result<std::optional<coap::ObserverId>> respond(coap::ExchangeId exchange,
                                                        coap::Message response);
  coap::Status accept(coap::ExchangeId exchange);
  coap::Status drop(coap::ExchangeId exchange);
  coap::Status notify(coap::ObserverId observer, coap::Message notification,
                      const coap::NotifyOptions& options = {});
  coap::Status remove_observer(coap::ObserverId observer);
  coap::Status cancel(coap::RequestId request);
  coap::Result<coap::RequestId> deregister(coap::RequestId observation);
  coap::Status reregister(coap::RequestId observation);
  coap::Result<coap::RequestId> ping(const coap::PeerAddress& peer);

  // Direct access for anything else; call flush_soon() after calls that may produce output.
  coap::Engine& engine();
  const coap::Engine& engine() const;
  void flush_soon();

  const CoapUdpEndpointStats& stats() const;
  const UdpSocketStats& socket_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::transport
