// The sans-I/O CoAP engine (RFC 7252 message layer, RFC 7641 Observe, RFC 7959 Block-wise).
//
// The engine owns no socket and no clock. A driver feeds it datagrams and the current time and
// drains what comes out:
//
//   engine.receive(peer, datagram, now);  // or engine.on_timer(now) once next_expiry() is reached
//   while (engine.poll_transmit(tx)) socket.send_to(tx.peer, tx.bytes);
//   while (engine.poll_event(ev)) handle(ev);  // may call send_request, respond, notify...
//   // drain transmits again after such calls, then arm a timer for engine.next_expiry()
//
// Inside, one concern per module (src/coap/):
//   engine.cpp           public API, input dispatch, timers, peers and MIDs, MID/token indexes,
//                        ACK/RST routing, dedup admission
//   exchange_client.cpp  client requests: tokens, NSTART queueing, deadlines, response matching
//   exchange_server.cpp  server exchanges: admission (4.02/4.13/5.03), piggybacked or separate
//                        responses, expiry
//   observe.cpp          the server's observer registry; the client's RFC 7641 3.4 ordering
//   blockwise.cpp        Block1/Block2 in both roles; block_transfers.cpp: the server's store
//   reliability.cpp      CON retransmission with randomised exponential back-off
//   dedup.cpp            duplicate detection by (peer, MID), replaying the cached reply
//   random.cpp           tokens and jitter (ChaCha20)
//   timer_queue.hpp      the timer heap; transmit_queue.cpp: the ring of outgoing datagrams
//   message.cpp          the codec and the option table (screen_options: RFC 7252 §5.4)
// A datagram goes up through them: option screening -> dedup -> ACK/RST matching -> block-wise
// reassembly -> observe bookkeeping -> an event. A call like respond() goes down: observe ->
// block-wise slicing -> piggybacked or separate -> retransmission state -> the output ring.
//
// Every table is bounded by EngineConfig, in total and per peer; when a bound is reached the call
// fails with an Error (or the input is dropped and counted in EngineStats, or a request gets 5.03),
// never by growing. All state expires: after the last exchange is done and EXCHANGE_LIFETIME has
// passed, counts() is back to zero.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "drover/coap/block_option.hpp"
#include "drover/coap/message.hpp"
#include "drover/coap/peer.hpp"
#include "drover/util/result.hpp"

namespace drover::coap {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// ---------------------------------------------------------------------------------------------------------
// Configuration. Defaults are the RFC 7252 §4.8 transmission parameters and RFC 7641/7959
// recommendations.
struct EngineConfig {
  // Reliability (RFC 7252 §4.8). The first retransmission timeout is drawn uniformly from
  // [ack_timeout, ack_timeout * ack_random_factor] and doubles after each retransmission.
  Duration ack_timeout = std::chrono::seconds(2);
  double ack_random_factor = 1.5;
  unsigned max_retransmit = 4;
  unsigned nstart = 1;  // outstanding requests per peer; more wait in the per-peer queue
  Duration exchange_lifetime = std::chrono::seconds(247);  // dedup lifetime of CON messages
  Duration non_lifetime = std::chrono::seconds(145);       // dedup lifetime of NON messages

  // Client: how long a request waits for its final response (also after an empty ACK), unless
  // RequestOptions::timeout says otherwise.
  Duration request_timeout = std::chrono::seconds(247);

  // Server: a CON request not answered by respond() within this delay gets an empty ACK, and the
  // response goes out later as a separate response (RFC 7252 §5.2.2).
  Duration piggyback_delay = std::chrono::seconds(1);
  // Server: separate responses to CON requests are sent as CON (true) or NON.
  bool separate_response_confirmable = true;

  // Block-wise (RFC 7959). Block size = 2^(szx + 4): 0 -> 16 bytes ... 6 -> 1024 bytes.
  // Bodies larger than one block are split; the peer may ask for smaller blocks.
  std::uint8_t block_szx = 6;
  std::size_t max_body_size =
      1024 * 1024;  // reassembled request/response bodies (4.13 / failure past it)
  std::size_t max_block_transfers = 32;  // concurrent reassemblies + server Block2 slice caches
  Duration block_transfer_lifetime =
      std::chrono::seconds(247);  // a transfer idle this long expires

  // Observe, server side (RFC 7641 §4.5): notifications are NON unless the notify call asks for
  // CON, except that at least every `notification_con_every` notifications (0 = never by count) and
  // at least once per `notification_con_interval` one is sent as CON to check the observer is still
  // there.
  unsigned notification_con_every = 100;
  Duration notification_con_interval = std::chrono::hours(24);

  // Bounds on state. Inputs past them are dropped (counted in EngineStats); calls fail with an
  // Error.
  std::size_t max_peers = 4096;
  // Client requests and server exchanges under way, total (observations count against
  // max_observations instead).
  std::size_t max_exchanges = 16384;
  std::size_t max_queued_requests_per_peer = 16;  // waiting behind NSTART
  std::size_t max_dedup_entries = 65536;
  std::size_t max_observations = 4096;       // client role
  std::size_t max_observers = 16384;         // server role
  std::size_t max_pending_transmits = 4096;  // datagrams not yet taken by poll_transmit
  // Events not yet taken by poll_event. When reached, incoming requests and responses are dropped
  // (unacknowledged, so the peer retransmits); events of the engine's own timers still queue.
  std::size_t max_pending_events = 4096;

  // Each peer's share of the tables its input fills, so that one peer cannot take them all from
  // the others. Past a share: a dedup entry is not made (the datagram is dropped and counted, as at
  // the total bound); a request that would open an exchange or a block-wise transfer gets 5.03
  // Service Unavailable with Max-Age = overload_max_age; an observation is answered but not
  // registered (RFC 7641 §4.1); a Block2 body to cache replaces the peer's oldest one.
  std::size_t max_exchanges_per_peer = 256;       // server exchanges
  std::size_t max_dedup_entries_per_peer = 4096;  // about 16 CON/s sustained over EXCHANGE_LIFETIME
  std::size_t max_observers_per_peer = 1024;
  std::size_t max_block_transfers_per_peer = 4;  // Block1 reassemblies + Block2 body caches
  Duration overload_max_age = std::chrono::seconds(10);
};

// ---------------------------------------------------------------------------------------------------------
// Identifiers handed to the application. Values are never reused within one Engine.
struct RequestId {
  std::uint64_t value = 0;
  friend auto operator<=>(const RequestId&, const RequestId&) = default;
};
struct ExchangeId {
  std::uint64_t value = 0;
  friend auto operator<=>(const ExchangeId&, const ExchangeId&) = default;
};
struct ObserverId {
  std::uint64_t value = 0;
  friend auto operator<=>(const ObserverId&, const ObserverId&) = default;
};

// Why a call was refused.
enum class Error : std::uint8_t {
  QueueFull,         // the peer's request queue (behind NSTART) is full
  TooManyPeers,      // max_peers reached
  TooManyExchanges,  // max_exchanges reached
  TooManyObservations,
  TooManyBlockTransfers,
  BodyTooLarge,      // body larger than max_body_size
  UnknownRequest,    // no such RequestId (finished, failed or cancelled)
  UnknownExchange,   // no such ExchangeId (already answered or expired)
  UnknownObserver,   // no such ObserverId (removed)
  InvalidMessage,    // e.g. a request without a request code, a response without a response code
  NotAnObservation,  // deregister/reregister on a request that is not an established observation
};
std::string_view to_string(Error);

// A value or an Error (std::expected is C++23).
template <typename T>
using Result = drover::Result<T, Error>;
struct Ok {};
using Status = Result<Ok>;

// ---------------------------------------------------------------------------------------------------------
// Events (drained with poll_event).

// A complete request (Block1 already reassembled). Answer it with respond(exchange, ...) — or
// drop(). A GET/FETCH with Observe=0 asks to observe: respond with a 2.xx carrying an Observe
// option to accept (respond() then returns the ObserverId), without it to decline.
struct RequestReceived {
  ExchangeId exchange;
  PeerAddress peer;
  Message request;
  // The Block2 option of the request, which the engine takes out of `request`: for an
  // application that cuts the blocks of a body it keeps itself (see respond).
  std::optional<BlockOption> block2 = std::nullopt;
};

// The final response to send_request (Block2 already reassembled). For an observation request that
// the server accepted (the response carries Observe), notifications follow as NotificationReceived.
struct ResponseReceived {
  RequestId request;
  Message response;
};

// A notification of an established observation, newer than every one delivered before (RFC 7641
// §3.4; reordered ones are dropped). `last` is set when it ends the observation (no Observe option,
// e.g. 4.04).
struct NotificationReceived {
  RequestId request;
  Message notification;
  bool last = false;
};

enum class FailureReason : std::uint8_t {
  Timeout,        // no ACK after MAX_RETRANSMIT retransmissions, or no response before the deadline
  Reset,          // the peer answered with RST
  BodyTooLarge,   // the response did not fit: its (Block2) body exceeded max_body_size, or one of
                  // its datagrams was larger than the transport's receive buffer
  BlockTransfer,  // the peer broke a block-wise transfer (wrong block, changed ETag, missing Block1
                  // echo)
  Resources,      // a bound was reached while continuing the request (max_block_transfers; a
                  // FETCH body larger than a block cannot be repeated in Block2 requests)
  BadResponse,    // the response carried an unrecognized critical option (RFC 7252 §5.4.1); a CON
                  // or NON one was answered with RST
  RequestTooLarge,  // 4.13 with a Size1 below the request body: the peer takes no body this large
                    // (RFC 7959 §2.9.3)
};
std::string_view to_string(FailureReason);

// A request (or an established observation, or a ping) ended without a (further) response.
struct RequestFailed {
  RequestId request;
  FailureReason reason;
};

// The RST answering ping().
struct PongReceived {
  RequestId ping;
};

enum class ObserverRemovalReason : std::uint8_t {
  Reset,         // the observer answered a notification with RST
  Timeout,       // a CON notification was never acknowledged
  Deregistered,  // GET with Observe=1 (RFC 7641 §3.6)
  Replaced,      // a new registration with the same token replaced it
};
std::string_view to_string(ObserverRemovalReason);

// Server role: an observer is gone (not sent for removals the application asked for).
struct ObserverRemoved {
  ObserverId observer;
  PeerAddress peer;
  ObserverRemovalReason reason;
};

using Event = std::variant<RequestReceived, ResponseReceived, NotificationReceived, RequestFailed,
                           PongReceived, ObserverRemoved>;

// ---------------------------------------------------------------------------------------------------------
// Options of the calls.

struct RequestOptions {
  bool confirmable = true;
  std::optional<std::uint8_t>
      block_szx;                    // block size for this request's Block1/Block2 (else config)
  std::optional<Duration> timeout;  // deadline of the final response (else config.request_timeout)
  // A response with Block2 is delivered as it is, one block, instead of being reassembled: the
  // caller asks for each next block itself (a download written out as it arrives, resumable at
  // any block, never held whole in the engine).
  bool block_by_block = false;
};

struct NotifyOptions {
  bool confirmable =
      false;  // send this one as CON (the engine also makes some CON on its own, see config)
};

// One datagram to send. `bytes` stays valid until the next call of any non-const Engine method.
struct Transmit {
  PeerAddress peer;
  std::span<const std::uint8_t> bytes;
};

// State held right now; all zero when the engine is idle and everything has expired.
struct EngineCounts {
  std::size_t peers = 0;
  std::size_t client_requests = 0;  // in flight, queued, or established observations
  std::size_t queued_requests = 0;  // waiting behind NSTART (included in client_requests)
  std::size_t server_exchanges =
      0;                      // received requests not yet answered, or their replies in flight
  std::size_t observers = 0;  // server role
  std::size_t dedup_entries = 0;
  std::size_t retransmissions = 0;  // CON messages waiting for an ACK
  std::size_t block_transfers = 0;
  std::size_t pending_transmits = 0;
  std::size_t pending_events = 0;
  std::size_t timers = 0;  // armed and still wanted (superseded heap entries not counted)
  friend bool operator==(const EngineCounts&, const EngineCounts&) = default;
};

// Monotonic counters, for logs and metrics.
struct EngineStats {
  std::uint64_t datagrams_received = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t malformed = 0;              // undecodable datagrams (a CON among them got RST)
  std::uint64_t truncated = 0;              // datagrams the transport cut short (receive_truncated)
  std::uint64_t duplicates = 0;             // by (peer, MID), answered from the cache or ignored
  std::uint64_t retransmissions = 0;        // CON messages sent again
  std::uint64_t unmatched = 0;              // ACK/RST/responses matching nothing
  std::uint64_t stale_notifications = 0;    // dropped by the RFC 7641 §3.4 ordering rule
  std::uint64_t refused_notifications = 0;  // not admitted (admit_notifications), got RST
  std::uint64_t dropped_overload = 0;       // inputs dropped (or refused with 5.03) at a bound
  std::uint64_t dedup_evicted = 0;  // dedup entries dropped before their lifetime (table full)
};

// ---------------------------------------------------------------------------------------------------------
class Engine {
 public:
  // `random_seed` feeds the ChaCha20-based generator behind tokens, initial MIDs and retransmission
  // jitter. Production code must seed it from the OS (std::random_device / getrandom): predictable
  // tokens let off-path attackers spoof responses (RFC 7252 §5.3.1, §11.4). Tests pass fixed seeds.
  Engine(EngineConfig config, std::uint64_t random_seed);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;

  // ---- Input
  // One UDP datagram from `peer`.
  void receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram, TimePoint now);
  // The start of a datagram from `peer` that was longer than the transport's receive buffer (the
  // rest is lost). A request whose header and token are there gets 4.13 Request Entity Too Large
  // with Size1 = max_body_size (and, for a Block1 request, Block1 with a block size that fits the
  // buffer: RFC 7959 §2.9.3); another CON gets RST (and fails the request it answers, with
  // BodyTooLarge); anything else is dropped. All are counted in EngineStats::truncated.
  void receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now);
  // Runs every timer due at `now`. Calling it early or more often is harmless.
  void on_timer(TimePoint now);

  // ---- Message buffers. take_message() gives a cleared message that reuses the buffers of one
  // given back with recycle(): the messages of handled events and of finished requests (the
  // engine recycles those itself). A driver that builds its messages with take_message() and
  // recycles what its events carry allocates nothing per message once warm.
  Message take_message();
  void recycle(Message&& message);

  // ---- Output
  bool poll_transmit(Transmit& out);
  bool poll_event(Event& out);
  // When on_timer should be called next; nullopt when no timer is armed. Never later than needed
  // (it may be earlier, e.g. for a timer whose owner is already gone).
  std::optional<TimePoint> next_expiry() const;

  // ---- Client role
  // Sends `request` (its code, options and payload; type, MID and token are set by the engine).
  // A GET/FETCH with Observe=0 registers an observation. Bodies larger than one block go out as
  // Block1.
  Result<RequestId> send_request(const PeerAddress& peer, Message request, TimePoint now,
                                 const RequestOptions& options = {});
  // Calls without a `now` parameter (cancel, drop, remove_observer, forget_peer) act at the latest
  // time the engine was given.

  // Forgets a request or observation without telling the peer (a later notification gets RST).
  // No event follows.
  Status cancel(RequestId request);
  // Ends an established observation actively: sends GET/FETCH with Observe=1 and the same token.
  // The observation ends now; the response to the deregistration comes as ResponseReceived of the
  // returned id.
  Result<RequestId> deregister(RequestId observation, TimePoint now);
  // Re-sends the registration of an established observation (RFC 7641 §3.3.1, e.g. after Max-Age);
  // the answer arrives as a NotificationReceived of the same observation.
  Status reregister(RequestId observation, TimePoint now);
  // The request of an established observation as it was sent, with its token: what a client
  // keeps to restore the observation after a restart. Nullopt for an unknown request, or one
  // that is no established observation.
  struct ObservationState {
    PeerAddress peer;
    Message request;
  };
  std::optional<ObservationState> observation_request(RequestId observation) const;
  // Re-creates an observation established before (observation_request): nothing is sent, and
  // notifications from `peer` with the request's token arrive as NotificationReceived of the
  // returned id (the first one is taken as fresh, RFC 7641 §3.4). InvalidMessage when `request`
  // is no observation request with a token, or that token is in use towards `peer`.
  Result<RequestId> restore_observation(const PeerAddress& peer, Message request, TimePoint now,
                                        const RequestOptions& options = {});
  // CoAP ping (RFC 7252 §4.3): an empty CON; PongReceived or RequestFailed(Timeout) follows.
  Result<RequestId> ping(const PeerAddress& peer, TimePoint now);
  // Notifications (separate responses to an Observe request) for which `predicate` is false are
  // rejected as if they matched no observation: RST (RFC 7641 §3.6), nothing delivered, the
  // observation kept. For a transport whose sessions the address alone does not tell apart (a
  // DTLS session replaced by another credential at the same address, RFC 7252 §9.1.1). Null
  // (the default): every matching notification is taken.
  void admit_notifications(
      std::function<bool(const PeerAddress& peer, RequestId observation)> predicate);

  // ---- Server role
  // Requests with Block1 for which `predicate` is true (say, a firmware package written to its
  // storage as it comes) reach the application block by block instead of reassembled: each block
  // is a RequestReceived that keeps its Block1 (and Size1) option, and its answer, 2.31 Continue
  // or the final response, gets the Block1 echo from the engine. The application keeps the order
  // and bounds the body; max_body_size does not apply to them. Null (the default): every body
  // is reassembled.
  void stream_block1(std::function<bool(const Message& request)> predicate);

  // Answers a RequestReceived (code, options, payload of `response`; the engine sets the rest and
  // adds Block1/Block2/Size2 as needed: Size2 whenever the body is sliced, or the request asked
  // with Size2, RFC 7959 §4). A response that carries Block2 is one block the application cut from
  // a body it keeps itself (nothing is cached for the follow-ups, which reach it as new requests).
  // Piggybacked in the ACK when the ACK has not gone out yet, else a separate response. Returns the
  // new ObserverId when this response accepted an observation.
  Result<std::optional<ObserverId>> respond(ExchangeId exchange, Message response, TimePoint now);
  // Sends the empty ACK now (the response will be separate), instead of after piggyback_delay.
  Status accept(ExchangeId exchange, TimePoint now);
  // Abandons a request without answering (a CON gets its empty ACK only if it was already sent).
  Status drop(ExchangeId exchange);
  // Sends a notification (code, options, payload of `notification`; the engine adds the Observe
  // sequence number and the token). A non-2.xx notification ends the observation (RFC 7641 §4.2).
  Status notify(ObserverId observer, Message notification, TimePoint now,
                const NotifyOptions& options = {});
  // Forgets an observer without telling it (its next message about the token gets no
  // notifications).
  Status remove_observer(ObserverId observer);

  // ---- Both
  // Drops all state about `peer` (e.g. its DTLS session ended): its requests fail (Reset), its
  // observers are removed (ObserverRemoved, Reset), and nothing more is sent to it.
  void forget_peer(const PeerAddress& peer);

  EngineCounts counts() const;
  const EngineStats& stats() const;
  const EngineConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::coap

template <>
struct std::hash<drover::coap::RequestId> {
  std::size_t operator()(drover::coap::RequestId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
template <>
struct std::hash<drover::coap::ExchangeId> {
  std::size_t operator()(drover::coap::ExchangeId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
template <>
struct std::hash<drover::coap::ObserverId> {
  std::size_t operator()(drover::coap::ObserverId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
