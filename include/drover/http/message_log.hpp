// The CoAP message log of the event stream (GET /api/events?endpoint=EP&coap=1): every datagram
// between the server and one client, both directions, with its header and options decoded.
//
// MessageTap is a coap::DatagramCore placed between the transport and the Server core: it passes
// everything through and, only while someone watches an endpoint, decodes the datagrams to or from
// that client's address. With no watcher a datagram costs one emptiness check: no lookup, no
// decoding, no allocation. A watched client is found by the address of its registration, kept
// after it ends so that the answer to a De-register is logged too; a client that registers while
// watched is logged from its Register on.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/datagram_core.hpp"
#include "drover/http/event_stream.hpp"
#include "drover/server/server.hpp"

namespace drover::http {

enum class Direction : std::uint8_t { In, Out };

// The "coap" stream event of one datagram (docs/http-api.md): endpoint, direction, peer, size,
// type, code, message ID, token, options, payload size; "malformed" with the reason instead of
// the header fields when it does not parse.
StreamEvent message_event(std::string_view endpoint, Direction direction,
                          const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram);

// What the event streams (HttpServer) ask of a message log: watch endpoints, and where their
// message events go. Called on the HTTP side's thread; the sink is called there too.
class MessageLog {
 public:
  using Sink = std::function<void(const StreamEvent&)>;
  virtual ~MessageLog() = default;
  virtual void set_sink(Sink sink) = 0;
  // Counted: each watch is ended by one unwatch.
  virtual void watch(std::string_view endpoint) = 0;
  virtual void unwatch(std::string_view endpoint) = 0;
};

// The message log of a server core on the HTTP side's own thread.
class MessageTap final : public coap::ForwardingCore, public MessageLog {
 public:
  // `core` must outlive the tap.
  explicit MessageTap(server::Server& core) : ForwardingCore(core), core_(core) {}

  // Where the message events go (called from receive and poll_transmit).
  void set_sink(Sink sink) override { sink_ = std::move(sink); }
  void watch(std::string_view endpoint) override;
  void unwatch(std::string_view endpoint) override;
  std::size_t watched() const { return watches_.size(); }

  // ---- coap::DatagramCore: the Server core's, logged for watched clients.
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               coap::TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;

 private:
  struct Watch {
    std::string endpoint;
    std::size_t listeners = 0;
    std::optional<coap::PeerAddress> peer;  // of its registration, last seen
  };
  // The watched endpoint at `peer`, after taking the current registrations' addresses.
  std::optional<std::string> watcher_of(const coap::PeerAddress& peer);
  void log(const coap::PeerAddress& peer, Direction direction,
           std::span<const std::uint8_t> datagram);

  server::Server& core_;
  Sink sink_;
  std::vector<Watch> watches_;  // few: one per distinct endpoint of the open coap streams
};

}  // namespace drover::http
