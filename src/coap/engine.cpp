// Engine plumbing: the public API, input dispatch by message type, timers, the peer table, the
// MID and token indexes, and output helpers. Protocol behaviour lives in exchange_client.cpp,
// exchange_server.cpp, observe.cpp and blockwise.cpp.
#include "drover/coap/engine.hpp"

#include "engine_impl.hpp"

namespace drover::coap {

std::string_view to_string(Error e) {
  switch (e) {
    case Error::QueueFull:
      return "request queue full";
    case Error::TooManyPeers:
      return "too many peers";
    case Error::TooManyExchanges:
      return "too many exchanges";
    case Error::TooManyObservations:
      return "too many observations";
    case Error::TooManyBlockTransfers:
      return "too many block-wise transfers";
    case Error::BodyTooLarge:
      return "body too large";
    case Error::UnknownRequest:
      return "unknown request";
    case Error::UnknownExchange:
      return "unknown exchange";
    case Error::UnknownObserver:
      return "unknown observer";
    case Error::InvalidMessage:
      return "invalid message";
    case Error::NotAnObservation:
      return "not an established observation";
  }
  return "?";
}

std::string_view to_string(FailureReason r) {
  switch (r) {
    case FailureReason::Timeout:
      return "timeout";
    case FailureReason::Reset:
      return "reset by peer";
    case FailureReason::BodyTooLarge:
      return "response too large";
    case FailureReason::BlockTransfer:
      return "block-wise transfer broken by peer";
    case FailureReason::Resources:
      return "out of resources";
    case FailureReason::BadResponse:
      return "response with an unrecognized critical option";
    case FailureReason::RequestTooLarge:
      return "request body too large for the peer";
  }
  return "?";
}

std::string_view to_string(ObserverRemovalReason r) {
  switch (r) {
    case ObserverRemovalReason::Reset:
      return "reset by observer";
    case ObserverRemovalReason::Timeout:
      return "notification not acknowledged";
    case ObserverRemovalReason::Deregistered:
      return "deregistered";
    case ObserverRemovalReason::Replaced:
      return "replaced";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Public API: forwarding.

Engine::Engine(EngineConfig config, std::uint64_t random_seed)
    : impl_(std::make_unique<Impl>(std::move(config), random_seed)) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

void Engine::receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram,
                     TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  impl_->receive(peer, datagram, now);
}
void Engine::receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                               TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  impl_->receive_truncated(peer, prefix, now);
}
void Engine::on_timer(TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  impl_->on_timer(now);
}

bool Engine::poll_transmit(Transmit& out) {
  if (!impl_->tx.pop(out.peer, out.bytes)) return false;
  ++impl_->stats.datagrams_sent;
  return true;
}

bool Engine::poll_event(Event& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

Message Engine::take_message() {
  return impl_->take_message();
}
void Engine::recycle(Message&& message) {
  impl_->recycle(std::move(message));
}

std::optional<TimePoint> Engine::next_expiry() const {
  return impl_->next_expiry();
}

Result<RequestId> Engine::send_request(const PeerAddress& peer, Message request, TimePoint now,
                                       const RequestOptions& options) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  auto kind = Impl::is_observe_registration(request) ? ClientRequest::Kind::Observe
                                                     : ClientRequest::Kind::Normal;
  return impl_->start_request(peer, std::move(request), now, options, kind, std::nullopt);
}
std::optional<Engine::ObservationState> Engine::observation_request(RequestId observation) const {
  return impl_->observation_request(observation);
}
Result<RequestId> Engine::restore_observation(const PeerAddress& peer, Message request,
                                              TimePoint now, const RequestOptions& options) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->restore_observation(peer, std::move(request), now, options);
}
Status Engine::cancel(RequestId request) {
  const Impl::CollectIdlePeers collect{*impl_};
  return impl_->cancel(request, impl_->latest);
}
Result<RequestId> Engine::deregister(RequestId observation, TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->deregister(observation, now);
}
Status Engine::reregister(RequestId observation, TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->reregister(observation, now);
}
Result<RequestId> Engine::ping(const PeerAddress& peer, TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->start_request(peer, Message{}, now, {}, ClientRequest::Kind::Ping, std::nullopt);
}

void Engine::admit_notifications(
    std::function<bool(const PeerAddress& peer, RequestId observation)> predicate) {
  impl_->notification_admitted = std::move(predicate);
}

void Engine::stream_block1(std::function<bool(const Message& request)> predicate) {
  impl_->block1_streamed = std::move(predicate);
}

Result<std::optional<ObserverId>> Engine::respond(ExchangeId exchange, Message response,
                                                  TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->respond(exchange, std::move(response), now);
}
Status Engine::accept(ExchangeId exchange, TimePoint now) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->accept(exchange);
}
Status Engine::drop(ExchangeId exchange) {
  const Impl::CollectIdlePeers collect{*impl_};
  return impl_->drop(exchange);
}
Status Engine::notify(ObserverId observer, Message notification, TimePoint now,
                      const NotifyOptions& options) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->see(now);
  return impl_->notify(observer, std::move(notification), now, options);
}
Status Engine::remove_observer(ObserverId observer) {
  const Impl::CollectIdlePeers collect{*impl_};
  if (!impl_->observers.contains(observer)) return Error::UnknownObserver;
  impl_->remove_observer(observer, std::nullopt);
  return Ok{};
}
void Engine::forget_peer(const PeerAddress& peer) {
  const Impl::CollectIdlePeers collect{*impl_};
  impl_->forget_peer(peer, impl_->latest);
}

EngineCounts Engine::counts() const {
  const Impl& m = *impl_;
  EngineCounts c;
  c.peers = m.peers.size();
  c.client_requests = m.requests.size();
  c.queued_requests = m.queued;
  c.server_exchanges = m.exchanges.size();
  c.observers = m.observers.size();
  c.dedup_entries = m.dedup.size();
  for (const auto& [id, r] : m.requests) c.retransmissions += r.rel.waiting() ? 1u : 0u;
  for (const auto& [id, e] : m.exchanges) c.retransmissions += e.rel.waiting() ? 1u : 0u;
  for (const auto& [id, o] : m.observers) c.retransmissions += o.rel.waiting() ? 1u : 0u;
  c.block_transfers = m.transfers.size() + m.client_downloads;
  c.pending_transmits = m.tx.size();
  c.pending_events = m.events.size();
  const auto live = [&m](const auto& e) { return m.timer_live(e); };
  c.timers =
      m.timers.count_live(live) + static_cast<std::size_t>(std::count_if(
                                      m.deferred_timers.begin(), m.deferred_timers.end(), live));
  return c;
}
const EngineStats& Engine::stats() const {
  return impl_->stats;
}
const EngineConfig& Engine::config() const {
  return impl_->config;
}

// ---------------------------------------------------------------------------------------------------------
// Input.

Engine::Impl::Impl(EngineConfig cfg, std::uint64_t seed)
    : config(std::move(cfg)),
      random(seed),
      tx(config.max_pending_transmits),
      dedup(config.max_dedup_entries, config.max_dedup_entries_per_peer, config.exchange_lifetime,
            config.non_lifetime),
      transfers(config.max_body_size, config.max_block_transfers_per_peer,
                config.block_transfer_lifetime) {
  config.block_szx = std::min(config.block_szx, BlockOption::max_szx);
}

void Engine::Impl::receive(const PeerAddress& peer, std::span<const std::uint8_t> datagram,
                           TimePoint now) {
  ++stats.datagrams_received;
  if (auto failure = parse(datagram, in)) {
    ++stats.malformed;
    // RFC 7252 §4.2: a CON that cannot be processed is rejected with RST; anything else is dropped.
    if (failure->type == Type::Con && failure->message_id)
      send_empty(peer, Type::Rst, *failure->message_id);
    return;
  }
  in_bad_option = screen_options(in);
  switch (in.type) {
    case Type::Con:
    case Type::Non:
      if (in.code.is_empty()) {
        if (in.type == Type::Con) send_empty(peer, Type::Rst, in.message_id);  // CoAP ping
      } else if (in.code.is_request()) {
        on_request(peer, now);
      } else if (in.code.is_response()) {
        on_separate_response(peer, now);
      }
      break;
    case Type::Ack:
      if (in.code.is_empty())
        on_ack(peer, in.message_id, now);
      else if (in.code.is_response())
        on_piggybacked_response(peer, now);
      else
        ++stats.malformed;  // a request in an ACK: silently ignored (§4.2)
      break;
    case Type::Rst:
      if (in.code.is_empty())
        on_rst(peer, in.message_id, now);
      else
        ++stats.malformed;
      break;
  }
  maybe_compact_timers();
}

void Engine::Impl::receive_truncated(const PeerAddress& peer, std::span<const std::uint8_t> prefix,
                                     TimePoint now) {
  ++stats.datagrams_received;
  ++stats.truncated;
  std::optional<std::size_t> payload_offset;
  if (auto failure = parse_prefix(prefix, in, payload_offset)) {
    // Not even the header and token: nothing to answer but the RST of a CON (§4.2).
    if (failure->type == Type::Con && failure->message_id)
      send_empty(peer, Type::Rst, *failure->message_id);
    return;
  }
  if (in.code.is_request() && (in.type == Type::Con || in.type == Type::Non)) {
    on_truncated_request(peer, prefix.size(), payload_offset, now);
  } else if (in.code.is_response()) {
    on_truncated_response(peer, now);
  }
  maybe_compact_timers();
}

void Engine::Impl::on_ack(const PeerAddress& peer, std::uint16_t mid, TimePoint now) {
  auto it = mids.find(MidKey{peer, mid});
  if (it == mids.end()) {
    ++stats.unmatched;
    return;
  }
  MidOwner owner = it->second;
  switch (owner.kind) {
    case MidOwner::Kind::Request:
      on_request_ack(requests.at(RequestId{owner.id}), now);
      break;
    case MidOwner::Kind::Exchange:
      on_exchange_ack(exchanges.at(ExchangeId{owner.id}));
      break;
    case MidOwner::Kind::Observer:
      on_observer_ack(observers.at(ObserverId{owner.id}));
      break;
  }
}

void Engine::Impl::on_rst(const PeerAddress& peer, std::uint16_t mid, TimePoint now) {
  auto it = mids.find(MidKey{peer, mid});
  if (it == mids.end()) {
    ++stats.unmatched;
    return;
  }
  MidOwner owner = it->second;
  switch (owner.kind) {
    case MidOwner::Kind::Request:
      on_request_rst(requests.at(RequestId{owner.id}), now);
      break;
    case MidOwner::Kind::Exchange:
      on_exchange_rst(exchanges.at(ExchangeId{owner.id}));
      break;
    case MidOwner::Kind::Observer:
      remove_observer(ObserverId{owner.id}, ObserverRemovalReason::Reset);
      break;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Timers.

void Engine::Impl::on_timer(TimePoint now) {
  dedup.expire(now);
  transfers.expire(now);
  arm_deferred_timers();
  while (auto e = timers.pop_due(now)) {
    if (!timer_live(*e)) continue;
    switch (e->kind) {
      case TimerKind::RequestRetransmit:
        on_request_retransmit(RequestId{e->id}, now);
        break;
      case TimerKind::RequestDeadline:
        on_request_deadline(RequestId{e->id}, now);
        break;
      case TimerKind::ExchangeRetransmit:
      case TimerKind::ExchangePiggyback:
      case TimerKind::ExchangeExpiry:
        on_exchange_timer(e->kind, ExchangeId{e->id});
        break;
      case TimerKind::ObserverRetransmit:
        on_observer_retransmit(ObserverId{e->id});
        break;
      case TimerKind::PeerExpiry:
        on_peer_timer(e->id, now);
        break;
    }
  }
  maybe_compact_timers();
}

bool Engine::Impl::timer_live(const TimerQueue<TimePoint>::Entry& e) const {
  switch (e.kind) {
    case TimerKind::RequestRetransmit: {
      auto it = requests.find(RequestId{e.id});
      return it != requests.end() && it->second.rel.next_at == e.at;
    }
    case TimerKind::RequestDeadline: {
      auto it = requests.find(RequestId{e.id});
      return it != requests.end() && it->second.deadline == e.at;
    }
    case TimerKind::ExchangeRetransmit:
    case TimerKind::ExchangePiggyback:
    case TimerKind::ExchangeExpiry: {
      auto it = exchanges.find(ExchangeId{e.id});
      if (it == exchanges.end()) return false;
      const ServerExchange& ex = it->second;
      return e.at == (e.kind == TimerKind::ExchangeRetransmit  ? ex.rel.next_at
                      : e.kind == TimerKind::ExchangePiggyback ? ex.piggyback_at
                                                               : ex.expires);
    }
    case TimerKind::ObserverRetransmit: {
      auto it = observers.find(ObserverId{e.id});
      return it != observers.end() && it->second.rel.next_at == e.at;
    }
    case TimerKind::PeerExpiry: {
      auto it = peer_by_serial.find(e.id);
      if (it == peer_by_serial.end()) return false;
      const auto p = peers.find(it->second);
      return p != peers.end() && p->second.gc_at == e.at;
    }
  }
  return false;
}

void Engine::Impl::maybe_compact_timers() {
  // Each live owner has at most three armed timers; stale entries beyond that are garbage.
  std::size_t live_bound =
      3 * (requests.size() + exchanges.size()) + observers.size() + peers.size();
  if (timers.size() > 64 + 2 * live_bound)
    timers.compact([this](const auto& e) { return timer_live(e); });
}

void Engine::Impl::arm_deferred_timers() const {
  for (const auto& e : deferred_timers)
    if (timer_live(e)) timers.schedule(e.at, e.kind, e.id);
  deferred_timers.clear();
}

std::optional<TimePoint> Engine::Impl::next_expiry() const {
  arm_deferred_timers();
  std::optional<TimePoint> t = timers.earliest();
  for (auto other : {dedup.next_expiry(), transfers.next_expiry()})
    if (other && (!t || *other < *t)) t = other;
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// Peers (see Peer for what keeps one).

Peer* Engine::Impl::find_peer(const PeerAddress& peer) {
  auto it = peers.find(peer);
  return it == peers.end() ? nullptr : &it->second;
}

Peer* Engine::Impl::ensure_peer(const PeerAddress& peer, TimePoint) {
  if (Peer* p = find_peer(peer)) return p;
  if (peers.size() >= config.max_peers) return nullptr;
  Peer& p = peer_nodes.emplace(peers, peer)->second;
  idle_candidates.push_back(peer);  // in case nothing comes to hold it
  return &p;
}

std::uint16_t Engine::Impl::allocate_mid(const PeerAddress& peer, TimePoint now) {
  return allocate_mid(peers.at(peer), peer, now);
}

std::uint16_t Engine::Impl::allocate_mid(Peer& p, const PeerAddress& peer, TimePoint now) {
  // The first MID towards a peer is random (RFC 7252 §4.4); peers that only get piggybacked
  // answers never need one.
  if (p.mids_until == TimePoint{}) p.next_mid = static_cast<std::uint16_t>(random.next_u32());
  p.mids_until = now + config.exchange_lifetime;
  if (p.gc_at == kNever) arm_peer_timer(peer, p, p.mids_until);
  return p.next_mid++;
}

void Engine::Impl::arm_peer_timer(const PeerAddress& address, Peer& p, TimePoint at) {
  if (p.serial == 0) {
    p.serial = new_id();
    peer_by_serial.emplace(p.serial, address);
  }
  p.gc_at = at;
  timers.schedule(at, TimerKind::PeerExpiry, p.serial);
}

void Engine::Impl::on_peer_timer(std::uint64_t serial, TimePoint now) {
  const PeerAddress addr = peer_by_serial.at(serial);
  Peer& p = peers.at(addr);
  p.gc_at = kNever;
  if (!p.busy() && p.mids_until <= now) {
    idle_candidates.push_back(addr);
    return;
  }
  // Still in use, or its MIDs are still remembered: look again when they need not be.
  arm_peer_timer(addr, p, p.busy() ? now + config.exchange_lifetime : p.mids_until);
}

void Engine::Impl::release_peer_ref(Peer& p, const PeerAddress& address,
                                    std::size_t Peer::*counter) {
  if (--(p.*counter) == 0 && !p.busy()) idle_candidates.push_back(address);
}

void Engine::Impl::collect_idle_peers() {
  for (const PeerAddress& peer : idle_candidates) {
    const auto it = peers.find(peer);
    if (it == peers.end()) continue;
    const Peer& p = it->second;
    if (p.busy() || p.in_flight != 0 || !p.queue.empty() || p.mids_until > latest) continue;
    erase_peer(it);
  }
  idle_candidates.clear();
}

void Engine::Impl::erase_peer(std::unordered_map<PeerAddress, Peer>::iterator it) {
  if (it->second.serial != 0) peer_by_serial.erase(it->second.serial);
  peer_nodes.erase(peers, it);
}

void Engine::Impl::forget_peer(const PeerAddress& peer, TimePoint now) {
  if (Peer* p =
          find_peer(peer)) {  // empty the queue first: failing a request must not send the next
    for (RequestId id : p->queue) requests.at(id).out = ClientRequest::Out::None;
    queued -= p->queue.size();
    p->queue.clear();
  }
  std::vector<RequestId> reqs;
  for (const auto& [id, r] : requests)
    if (r.peer == peer) reqs.push_back(id);
  for (RequestId id : reqs) fail_request(id, FailureReason::Reset, now);
  std::vector<ExchangeId> exs;
  for (const auto& [id, e] : exchanges)
    if (e.peer == peer) exs.push_back(id);
  for (ExchangeId id : exs) finish_exchange(id);
  std::vector<ObserverId> obs;
  for (const auto& [id, o] : observers)
    if (o.peer == peer) obs.push_back(id);
  for (ObserverId id : obs) remove_observer(id, ObserverRemovalReason::Reset);
  dedup.forget_peer(peer);
  transfers.forget_peer(peer);
  if (auto it = peers.find(peer); it != peers.end()) erase_peer(it);
}

// ---------------------------------------------------------------------------------------------------------
// Indexes.

void Engine::Impl::index_mid(const PeerAddress& peer, std::uint16_t mid, MidOwner owner) {
  mid_nodes.emplace(mids, MidKey{peer, mid})->second = owner;
}

void Engine::Impl::unindex_mid(const PeerAddress& peer, std::uint16_t mid, MidOwner owner) {
  auto it = mids.find(MidKey{peer, mid});
  if (it != mids.end() && it->second == owner) mid_nodes.erase(mids, it);
}

namespace {
constexpr std::size_t kSpareMessages = 16;
}

Message Engine::Impl::take_message() {
  if (spare_messages.empty()) return Message{};
  Message m = std::move(spare_messages.back());
  spare_messages.pop_back();
  return m;
}

void Engine::Impl::recycle(Message&& message) {
  if (spare_messages.size() >= kSpareMessages) return;
  message.clear();
  spare_messages.push_back(std::move(message));
}

Token Engine::Impl::new_token(const PeerAddress& peer) {
  std::array<std::uint8_t, 8> bytes{};
  for (;;) {
    random.fill(bytes);
    Token t(bytes);
    if (!tokens.contains(TokenKey(peer, t))) return t;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output.

void Engine::Impl::send(const PeerAddress& peer, const Message& msg) {
  if (!tx.push(peer, msg)) ++stats.dropped_overload;
}

void Engine::Impl::send_bytes(const PeerAddress& peer, std::span<const std::uint8_t> bytes) {
  if (!tx.push(peer, bytes)) ++stats.dropped_overload;
}

namespace {
void make_empty(Message& msg, Type type, std::uint16_t mid) {
  msg.clear();
  msg.type = type;
  msg.code = codes::Empty;
  msg.message_id = mid;
  msg.token = Token{};
}
}  // namespace

void Engine::Impl::send_empty(const PeerAddress& peer, Type type, std::uint16_t mid) {
  make_empty(scratch, type, mid);
  send(peer, scratch);
}

void Engine::Impl::send_cached_reply(const PeerAddress& peer, std::uint16_t reply_to_mid,
                                     const Message& msg, bool idempotent) {
  wire.clear();
  serialize(msg, wire);
  dedup.set_reply(MidKey{peer, reply_to_mid}, wire, idempotent);
  send_bytes(peer, wire);
}

void Engine::Impl::send_cached_empty(const PeerAddress& peer, Type type, std::uint16_t mid) {
  make_empty(scratch, type, mid);
  send_cached_reply(peer, mid, scratch);
}

bool Engine::Impl::first_copy(const PeerAddress& peer, TimePoint now) {
  std::span<const std::uint8_t> cached;
  const auto outcome = dedup.check(MidKey{peer, in.message_id}, in.type == Type::Con, now, cached);
  stats.dedup_evicted = dedup.evicted();
  switch (outcome) {
    case DedupCache::Outcome::Duplicate:
      ++stats.duplicates;
      if (in.type == Type::Con && !cached.empty()) send_bytes(peer, cached);  // replay the reply
      return false;
    case DedupCache::Outcome::Reprocess:
      ++stats.duplicates;
      return true;
    case DedupCache::Outcome::Full:
      ++stats.dropped_overload;
      return false;
    case DedupCache::Outcome::New:
      break;
  }
  return true;
}

}  // namespace drover::coap
