// The engine's state and the functions of each concern (private; see engine.hpp for the layering).
//
// Engine::Impl is one struct so that the layers can share the peer table, the MID index, the token
// index and the output queues without callbacks; its member functions are defined by concern:
//   engine.cpp           public API, input dispatch, timers, peers, indexes, output helpers
//   exchange_client.cpp  client requests (NSTART, deadlines, response matching)
//   exchange_server.cpp  server exchanges (piggybacked/separate responses, expiry)
//   observe.cpp          observers and notifications; the client's notification ordering
//   blockwise.cpp        Block1/Block2 in both roles
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "block_transfers.hpp"
#include "dedup.hpp"
#include "drover/coap/block_option.hpp"
#include "drover/coap/engine.hpp"
#include "drover/coap/random.hpp"
#include "drover/util/node_pool.hpp"
#include "drover/util/ring_queue.hpp"
#include "observe_order.hpp"
#include "reliability.hpp"
#include "timer_queue.hpp"
#include "transmit_queue.hpp"

namespace drover::coap {

inline constexpr TimePoint kNever = TimePoint::max();

struct TokenKey {
  PeerAddress peer;
  std::uint64_t token = 0;
  std::uint8_t length = 0;
  TokenKey(const PeerAddress& p, const Token& t)
      : peer(p), token(t.as_u64()), length(static_cast<std::uint8_t>(t.size())) {}
  friend bool operator==(const TokenKey&, const TokenKey&) = default;
};
struct TokenKeyHash {
  std::size_t operator()(const TokenKey& k) const noexcept {
    return k.peer.hash() ^ (std::hash<std::uint64_t>{}(k.token) + k.length);
  }
};

// Who is waiting for the ACK or RST of a message we sent.
struct MidOwner {
  enum class Kind : std::uint8_t { Request, Exchange, Observer };
  Kind kind;
  std::uint64_t id;
  friend bool operator==(const MidOwner&, const MidOwner&) = default;
};

// A peer is kept while anything refers to it, and until EXCHANGE_LIFETIME after the last MID
// this engine chose towards it, so that no MID is reused within that time (RFC 7252 §4.4). A peer
// that only sends requests answered in its own MIDs (piggybacked) is gone with its last exchange:
// a server of a million clients keeps state only for those in the middle of something.
struct Peer {
  std::uint64_t serial = 0;  // names it in its expiry timer; 0 until one is armed
  std::uint16_t next_mid = 0;
  unsigned in_flight = 0;        // requests holding an NSTART slot
  std::vector<RequestId> queue;  // requests waiting for a slot, oldest first (bounded)
  std::size_t requests = 0;      // client requests (any state) to this peer
  std::size_t exchanges = 0;     // server exchanges from this peer
  std::size_t observers = 0;     // observers at this peer
  TimePoint mids_until{};        // MIDs chosen towards it are remembered until then ({}: none yet)
  TimePoint gc_at = kNever;      // the armed expiry timer
  bool busy() const { return requests != 0 || exchanges != 0 || observers != 0; }
};

// Client side of a Block1 upload: the block being sent.
struct Block1Upload {
  BlockOption block;  // num/szx of the block in flight (more = not the last one)
};

// Client side of a Block2 download.
struct Block2Download {
  Message head;  // the first block's response (code, options)
  std::vector<std::uint8_t> body;
  std::uint32_t next_num = 0;
  std::uint8_t szx = 6;
  bool notification = false;  // the first block was a notification (carried Observe)
};

struct ClientRequest {
  enum class Kind : std::uint8_t { Normal, Observe, Ping };
  enum class Out : std::uint8_t { None, Queued, AwaitingAck, AwaitingResponse };

  RequestId id;
  PeerAddress peer;
  Peer* peer_state = nullptr;  // held (Peer::requests) while the request lives
  Kind kind = Kind::Normal;
  Message request;  // the application's request: code, options, the whole body
  bool confirmable = true;
  std::uint8_t szx = 6;
  Duration timeout{};
  Token token;  // of the request and, for observations, of the notifications
  std::optional<Token> transfer_token;  // Block2 download of a notification (observations only)

  // The message currently sent for this request (the request, a block of it, a Block2 follow-up).
  Out out = Out::None;
  bool holds_slot = false;
  bool current_on_transfer_token = false;
  std::uint16_t mid = 0;
  bool mid_indexed = false;
  Reliable rel;
  TimePoint deadline = kNever;

  std::optional<Block1Upload> upload;
  std::optional<Block2Download> download;
  bool block_by_block = false;  // RequestOptions::block_by_block

  bool observing = false;  // the observation is established
  ObserveOrder order;
};

struct ServerExchange {
  ExchangeId id;
  PeerAddress peer;
  Peer* peer_state = nullptr;  // held (Peer::exchanges) while the exchange lives
  Token token;
  std::uint16_t request_mid = 0;
  bool confirmable = true;
  bool ack_sent = false;          // the empty ACK went out: the response will be separate
  bool responded = false;         // a separate CON response is waiting for its ACK
  bool observe_register = false;  // GET/FETCH with Observe=0
  bool idempotent = false;        // a GET without Observe: a duplicate may be processed again
  bool size2_requested = false;   // the request carried Size2: the response tells the body size
  std::uint64_t transfer_key = 0;
  std::optional<BlockOption> block1;  // Block1 of the last block of a reassembled request
  std::optional<BlockOption> block2;  // Block2 asked for by the request
  TimePoint piggyback_at = kNever;
  TimePoint expires = kNever;
  std::uint16_t mid = 0;  // of the separate CON response
  Reliable rel;
  std::optional<ObserverId> observer;  // registered by this exchange's response
};

struct Observer {
  ObserverId id;
  PeerAddress peer;
  Peer* peer_state = nullptr;  // held (Peer::observers) while the observer lives
  Token token;
  std::uint64_t transfer_key =
      0;                   // of the registration request: Block2 follow-ups of notifications
  std::uint32_t seq = 0;   // last Observe value sent
  unsigned since_con = 0;  // notifications sent since the last CON one
  TimePoint last_con{};
  Reliable rel;  // the CON notification waiting for its ACK
  std::uint16_t con_mid = 0;
  std::optional<std::uint16_t> non_mid;  // the last NON notification, to match an RST
};

struct Engine::Impl {
  Impl(EngineConfig cfg, std::uint64_t seed);

  EngineConfig config;
  Random random;
  EngineStats stats;
  // Timers of new server exchanges wait here until someone asks for the next expiry (or runs
  // the timers): most exchanges are answered before that, and need none in the heap at all.
  mutable TimerQueue<TimePoint> timers;
  mutable std::vector<TimerQueue<TimePoint>::Entry> deferred_timers;
  TransmitQueue tx;
  RingQueue<Event> events;
  DedupCache dedup;
  ServerTransfers transfers;
  std::size_t client_downloads = 0;  // Block2Download in progress (share max_block_transfers)
  std::function<bool(const Message&)> block1_streamed;  // Engine::stream_block1
  std::function<bool(const PeerAddress&, RequestId)> notification_admitted;  // admit_notifications

  std::unordered_map<PeerAddress, Peer> peers;
  NodePool<std::unordered_map<PeerAddress, Peer>> peer_nodes;
  std::unordered_map<std::uint64_t, PeerAddress> peer_by_serial;  // peers with an expiry timer
  // Peers that may hold nothing any more, erased (if so) when the current public call ends.
  std::vector<PeerAddress> idle_candidates;
  std::unordered_map<MidKey, MidOwner, MidKeyHash> mids;
  std::unordered_map<TokenKey, RequestId, TokenKeyHash> tokens;
  std::unordered_map<RequestId, ClientRequest> requests;
  std::unordered_map<ExchangeId, ServerExchange> exchanges;
  // The tables whose entries come and go with each message reuse their nodes.
  NodePool<decltype(mids)> mid_nodes;
  NodePool<decltype(tokens)> token_nodes;
  NodePool<decltype(requests)> request_nodes;
  NodePool<decltype(exchanges)> exchange_nodes;
  std::unordered_map<ObserverId, Observer> observers;
  std::unordered_map<TokenKey, ObserverId, TokenKeyHash> observer_by_token;
  std::size_t queued = 0;
  std::size_t observations = 0;  // client requests of kind Observe
  std::uint64_t next_id = 1;
  TimePoint
      latest{};  // the latest `now` seen: the time of the calls that take none (cancel, drop...)
  void see(TimePoint now) {
    if (now > latest) latest = now;
  }

  Message in;                           // the datagram being handled
  std::vector<Message> spare_messages;  // recycled buffers (see Engine::recycle)
  // The first unrecognized critical option of `in` (screen_options), if any.
  std::optional<std::uint16_t> in_bad_option;
  Message scratch;                  // messages being built
  std::vector<std::uint8_t> wire;   // serialized replies that also go into the dedup cache
  std::vector<std::uint8_t> slice;  // the block cut out of a response body

  // ---- engine.cpp: plumbing
  void receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram, TimePoint now);
  void receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  bool timer_live(const TimerQueue<TimePoint>::Entry& e) const;
  void schedule_deferred(TimePoint at, TimerKind kind, std::uint64_t id) {
    // Bounded even for a driver that never asks: past twice the live exchanges, arm them now.
    if (deferred_timers.size() > 64 + 2 * exchanges.size()) arm_deferred_timers();
    deferred_timers.push_back({at, kind, id});
  }
  // Moves the deferred timers still wanted into the heap.
  void arm_deferred_timers() const;
  void maybe_compact_timers();
  Peer* find_peer(const PeerAddress& peer);
  Peer* ensure_peer(const PeerAddress& peer, TimePoint now);
  std::uint16_t allocate_mid(const PeerAddress& peer, TimePoint now);
  // The same for a peer already at hand (the state its requests, exchanges and observers keep a
  // pointer to: a peer's node stays put while anything refers to it).
  std::uint16_t allocate_mid(Peer& p, const PeerAddress& address, TimePoint now);
  void on_peer_timer(std::uint64_t serial, TimePoint now);
  void release_peer_ref(Peer& p, const PeerAddress& address, std::size_t Peer::*counter);
  // Erases the idle_candidates that nothing refers to and whose MIDs need no remembering.
  void collect_idle_peers();
  // Ends every public call that may release state: peers left idle by it go then, never in the
  // middle of an operation that still refers to them.
  struct CollectIdlePeers {
    Impl& impl;
    ~CollectIdlePeers() { impl.collect_idle_peers(); }
  };
  void erase_peer(std::unordered_map<PeerAddress, Peer>::iterator it);
  void arm_peer_timer(const PeerAddress& address, Peer& p, TimePoint at);
  void index_mid(const PeerAddress& peer, std::uint16_t mid, MidOwner owner);
  void unindex_mid(const PeerAddress& peer, std::uint16_t mid, MidOwner owner);
  void send(const PeerAddress& peer, const Message& msg);
  void send_bytes(const PeerAddress& peer, std::span<const std::uint8_t> bytes);
  void send_empty(const PeerAddress& peer, Type type, std::uint16_t mid);
  // Sends `msg` and stores it as the dedup reply of the incoming (peer, reply_to_mid) (see
  // DedupCache::set_reply for an `idempotent` request's).
  void send_cached_reply(const PeerAddress& peer, std::uint16_t reply_to_mid, const Message& msg,
                         bool idempotent = false);
  void send_cached_empty(const PeerAddress& peer, Type type, std::uint16_t mid);
  // Records the CON/NON `in` in the dedup cache. False when it is a duplicate (its cached reply is
  // replayed) or there is no room for it (dropped and counted).
  bool first_copy(const PeerAddress& peer, TimePoint now);
  std::uint32_t body_limit() const {  // Size1 of a 4.13: the largest body we take
    return static_cast<std::uint32_t>(std::min<std::size_t>(config.max_body_size, UINT32_MAX));
  }
  void push_event(Event ev) { events.push_back(std::move(ev)); }
  // A cleared message, with the buffers of a recycled one when there is one.
  Message take_message();
  void recycle(Message&& message);
  // `in` was moved into an event: parse the next datagram into recycled buffers.
  void refill_input() { in = take_message(); }
  bool event_room() const { return events.size() < config.max_pending_events; }
  // Requests and server exchanges under way, bounded by max_exchanges. Observations (bounded by
  // max_observations) are not counted: a server observing a million clients still takes requests.
  std::size_t exchanges_in_progress() const {
    return requests.size() - observations + exchanges.size();
  }
  std::uint64_t new_id() { return next_id++; }
  Token new_token(const PeerAddress& peer);
  void on_ack(const PeerAddress& peer, std::uint16_t mid, TimePoint now);
  void on_rst(const PeerAddress& peer, std::uint16_t mid, TimePoint now);
  void forget_peer(const PeerAddress& peer, TimePoint now);

  // ---- exchange_client.cpp
  // A client request of `kind` to `peer` (its Peer state `p`), counted against the peer and the
  // observations, with `token` in the token index (none for pings). Nothing is sent.
  ClientRequest& new_request(const PeerAddress& peer, Peer& p, ClientRequest::Kind kind,
                             Message request, const RequestOptions& options,
                             std::optional<Token> token);
  Result<RequestId> restore_observation(const PeerAddress& peer, Message request, TimePoint now,
                                        const RequestOptions& options);
  std::optional<ObservationState> observation_request(RequestId id) const;
  Result<RequestId> start_request(const PeerAddress& peer, Message request, TimePoint now,
                                  const RequestOptions& options, ClientRequest::Kind kind,
                                  std::optional<Token> token);
  void submit(ClientRequest& req, TimePoint now, bool front);
  // Sends the request's next message, in the slot it holds or else first in the queue.
  void follow_up(ClientRequest& req, TimePoint now);
  void send_current(ClientRequest& req, TimePoint now);
  void compose(const ClientRequest& req, Message& out) const;
  void settle_current(ClientRequest& req);
  void release_slot(ClientRequest& req, TimePoint now);
  void pump(Peer& p, TimePoint now);
  void finish_request(RequestId id, TimePoint now);
  void fail_request(RequestId id, FailureReason reason, TimePoint now);
  // An established observation's follow-up message failed: the observation itself goes on.
  void abandon_current(ClientRequest& req, TimePoint now);
  // A transfer step failed: an established observation abandons it, any other request fails.
  void transfer_failed(ClientRequest& req, FailureReason reason, TimePoint now);
  void on_request_ack(ClientRequest& req, TimePoint now);
  void on_request_rst(ClientRequest& req, TimePoint now);
  void on_request_retransmit(RequestId id, TimePoint now);
  void on_request_deadline(RequestId id, TimePoint now);
  // `in` is a response to `req` (matched by token, or by MID for a piggybacked one).
  void on_response(ClientRequest& req, bool on_transfer_token, TimePoint now);
  // A complete (reassembled) response or notification.
  void deliver(ClientRequest& req, Message&& msg, TimePoint now);
  // The request whose current message the ACK `in` answers (by MID, and token but for a ping).
  ClientRequest* acked_request(const PeerAddress& peer);
  void on_piggybacked_response(const PeerAddress& peer, TimePoint now);
  void on_separate_response(const PeerAddress& peer, TimePoint now);
  // `in` is a response whose datagram was cut short by the transport.
  void on_truncated_response(const PeerAddress& peer, TimePoint now);
  // Client: handles a 4.13 answering the current message (RFC 7959 §2.9.3); true when consumed
  // (the upload restarts with smaller blocks, or the request failed).
  bool request_too_large(ClientRequest& req, TimePoint now);
  Status cancel(RequestId id, TimePoint now);
  Result<RequestId> deregister(RequestId id, TimePoint now);
  Status reregister(RequestId id, TimePoint now);

  // ---- exchange_server.cpp
  // The checks every incoming request passes first (event room, a peer entry, dedup); false when
  // it was dealt with here.
  // The peer of an incoming request that may be processed (not dropped, not a duplicate).
  Peer* admit_request(const PeerAddress& peer, TimePoint now);
  void on_request(const PeerAddress& peer, TimePoint now);
  // `in` is a request whose datagram was cut short: 4.13 (`capacity` is the datagram size the
  // transport takes; `payload_offset` where the payload would start, if the options were whole).
  void on_truncated_request(const PeerAddress& peer, std::size_t capacity,
                            std::optional<std::size_t> payload_offset, TimePoint now);
  // Sends `reply` (code/options/payload set) as the answer to the request `in` carried, now.
  void reply_to_request(const PeerAddress& peer, const Message& request, Message& reply,
                        TimePoint now);
  void reply_code(const PeerAddress& peer, const Message& request, Code code, TimePoint now,
                  std::optional<std::uint32_t> size1 = std::nullopt);
  // 5.03 Service Unavailable with Max-Age: a request refused because a bound was reached.
  void reply_overloaded(const PeerAddress& peer, const Message& request, TimePoint now);
  Result<std::optional<ObserverId>> respond(ExchangeId id, Message response, TimePoint now);
  Status accept(ExchangeId id);
  Status drop(ExchangeId id);
  void finish_exchange(ExchangeId id);
  void on_exchange_timer(TimerKind kind, ExchangeId id);
  void on_exchange_ack(ServerExchange& ex);
  void on_exchange_rst(ServerExchange& ex);

  // ---- observe.cpp
  static bool is_observe_registration(const Message& request);
  // Server: a request from (peer, token) of an observer (deregistration with Observe=1).
  void on_observer_request(const PeerAddress& peer, const Message& request);
  // Server: `response` accepts the observation asked for by `ex`; returns the observer (nullopt
  // when the table is full and the Observe option was taken out).
  std::optional<ObserverId> register_observer(ServerExchange& ex, Message& response, TimePoint now);
  Status notify(ObserverId id, Message notification, TimePoint now, const NotifyOptions& options);
  void note_non_notification(Observer& obs, std::uint16_t mid);
  void remove_observer(ObserverId id, std::optional<ObserverRemovalReason> report);
  void on_observer_ack(Observer& obs);
  void on_observer_retransmit(ObserverId id);
  // Client: applies the RFC 7641 §3.4 ordering to a notification; false for a stale one.
  bool fresh_notification(ClientRequest& req, const Message& msg, TimePoint now);

  // ---- blockwise.cpp
  bool transfer_room() const {
    return transfers.size() + client_downloads < config.max_block_transfers;
  }
  // Client: the message for the current block of an upload / the next block of a download.
  void compose_upload_block(const ClientRequest& req, Message& out) const;
  void compose_download_request(const ClientRequest& req, Message& out) const;
  // Client: handles a 2.31 Continue (or any answer) during an upload; true when it was consumed.
  bool continue_upload(ClientRequest& req, TimePoint now);
  // Client: handles Block2 in a response; true when consumed (more blocks follow, or it failed).
  bool continue_download(ClientRequest& req, bool on_transfer_token, bool answers_current,
                         TimePoint now);
  void end_download(ClientRequest& req);
  // Server: answers a Block2 follow-up from the cache; true when answered.
  bool serve_cached_block(const PeerAddress& peer, const Message& request, TimePoint now);
  // Server: handles a Block1 request; true when answered here (2.31 or an error), false when `in`
  // now holds the complete request (its block option returned in `last_block`).
  bool absorb_block1(const PeerAddress& peer, Message& request, BlockOption& last_block,
                     TimePoint now);
  // Server: cuts `response` down to the requested block (Block2, Size2, ETag) and caches the body
  // for follow-ups. False when the requested block lies past the end. A response that carries
  // Block2 already is a block the application cut itself: it goes out as it is.
  bool slice_response(const PeerAddress& peer, std::uint64_t key,
                      std::optional<BlockOption> requested, Message& response, TimePoint now);
};

}  // namespace drover::coap
