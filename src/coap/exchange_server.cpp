// Server exchanges: incoming requests (dedup, rejection of what cannot be processed), the choice
// between a piggybacked and a separate response, the empty ACK after piggyback_delay, and exchange
// expiry (RFC 7252 §4.2, §4.5, §5.2).
#include <algorithm>

#include "engine_impl.hpp"

namespace drover::coap {

Peer* Engine::Impl::admit_request(const PeerAddress& peer, TimePoint now) {
  // Inputs dropped for lack of room must not leave a dedup entry behind: the peer's retransmission
  // would then be taken for a duplicate and ignored.
  Peer* p = event_room() ? ensure_peer(peer, now) : nullptr;
  if (p == nullptr) {
    ++stats.dropped_overload;
    return nullptr;
  }
  return first_copy(peer, now) ? p : nullptr;
}

void Engine::Impl::on_request(const PeerAddress& peer, TimePoint now) {
  Peer* p = admit_request(peer, now);
  if (p == nullptr) return;
  if (in_bad_option) {
    reply_code(peer, in, codes::BadOption, now);  // §5.4.1, CON or NON
    return;
  }
  BlockOption block1, block2;
  BlockRead r1 = read_block(in, options::Block1, block1);
  BlockRead r2 = read_block(in, options::Block2, block2);
  if (r1 == BlockRead::Invalid || r2 == BlockRead::Invalid) {
    reply_code(peer, in, codes::BadOption, now);
    return;
  }
  on_observer_request(peer, in);
  if (r2 == BlockRead::Valid && block2.num > 0 && r1 == BlockRead::Absent &&
      serve_cached_block(peer, in, now))
    return;
  const bool streamed = r1 == BlockRead::Valid && block1_streamed && block1_streamed(in);
  // A request that would open an exchange (a whole one, the last block of one, or any streamed
  // block) needs room for it first, so that the last block of an upload is refused before its
  // body is taken.
  if (streamed || r1 != BlockRead::Valid || !block1.more) {
    if (exchanges_in_progress() >= config.max_exchanges ||
        p->exchanges >= config.max_exchanges_per_peer) {
      reply_overloaded(peer, in, now);
      return;
    }
  }
  std::optional<BlockOption> last_block1;
  if (streamed) {
    last_block1 = block1;
  } else if (r1 == BlockRead::Valid) {
    if (absorb_block1(peer, in, block1, now)) return;
    last_block1 = block1;
  } else if (in.payload().size() > config.max_body_size) {
    reply_code(peer, in, codes::RequestEntityTooLarge, now, body_limit());
    return;
  }

  ExchangeId id{new_id()};
  ServerExchange& ex = exchange_nodes.emplace(exchanges, id)->second;
  ex.id = id;
  ex.peer = peer;
  ex.token = in.token;
  ex.request_mid = in.message_id;
  ex.confirmable = in.type == Type::Con;
  ex.observe_register = is_observe_registration(in);
  ex.idempotent = in.code == codes::Get && !in.has_option(options::Observe);
  ex.size2_requested = in.has_option(options::Size2);
  ex.transfer_key = transfer_key(in, true);
  ex.block1 = last_block1;
  if (r2 == BlockRead::Valid) ex.block2 = block2;
  ex.expires = now + config.exchange_lifetime;
  schedule_deferred(ex.expires, TimerKind::ExchangeExpiry, id.value);
  if (ex.confirmable) {
    ex.piggyback_at = now + config.piggyback_delay;
    schedule_deferred(ex.piggyback_at, TimerKind::ExchangePiggyback, id.value);
  }
  ex.peer_state = p;
  ++p->exchanges;
  // Block-wise transfer is the engine's business: the application sees whole bodies.
  in.remove_option(options::Block2);
  push_event(RequestReceived{id, peer, std::move(in),
                             r2 == BlockRead::Valid ? std::optional(block2) : std::nullopt});
  refill_input();
}

void Engine::Impl::on_truncated_request(const PeerAddress& peer, std::size_t capacity,
                                        std::optional<std::size_t> payload_offset, TimePoint now) {
  if (admit_request(peer, now) == nullptr) return;
  scratch.clear();
  scratch.code = codes::RequestEntityTooLarge;
  scratch.set_uint_option(options::Size1, body_limit());
  // RFC 7959 §2.9.3: to a Block1 request, a smaller SZX in Block1 says which block size to try;
  // the largest that fits the buffer after this request's header and options.
  BlockOption block1;
  if (payload_offset && read_block(in, options::Block1, block1) == BlockRead::Valid &&
      block1.szx > 0) {
    const std::size_t room = capacity - *payload_offset;
    auto szx = std::min<std::uint8_t>(static_cast<std::uint8_t>(block1.szx - 1), config.block_szx);
    while (szx > 0 && BlockOption::size_of(szx) > room) --szx;
    if (BlockOption::size_of(szx) <= room)
      write_block(scratch, options::Block1, BlockOption{0, false, szx});
  }
  reply_to_request(peer, in, scratch, now);
}

void Engine::Impl::reply_to_request(const PeerAddress& peer, const Message& request, Message& reply,
                                    TimePoint now) {
  reply.token = request.token;
  if (request.type == Type::Con) {
    reply.type = Type::Ack;
    reply.message_id = request.message_id;
    send_cached_reply(peer, request.message_id, reply);
  } else {
    reply.type = Type::Non;
    reply.message_id = allocate_mid(peer, now);
    send(peer, reply);
  }
}

void Engine::Impl::reply_code(const PeerAddress& peer, const Message& request, Code code,
                              TimePoint now, std::optional<std::uint32_t> size1) {
  scratch.clear();
  scratch.code = code;
  if (size1) scratch.set_uint_option(options::Size1, *size1);
  reply_to_request(peer, request, scratch, now);
}

void Engine::Impl::reply_overloaded(const PeerAddress& peer, const Message& request,
                                    TimePoint now) {
  // RFC 7252 §5.9.3.4: 5.03 says the refusal is temporary and Max-Age when to try again. Better
  // than dropping: a CON would be retransmitted MAX_RETRANSMIT times into the same bound, while
  // the answer is cached and replayed to the retransmissions at no further cost.
  ++stats.dropped_overload;
  scratch.clear();
  scratch.code = codes::ServiceUnavailable;
  scratch.set_uint_option(
      options::MaxAge,
      static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::seconds>(config.overload_max_age).count()));
  reply_to_request(peer, request, scratch, now);
}

Result<std::optional<ObserverId>> Engine::Impl::respond(ExchangeId id, Message response,
                                                        TimePoint now) {
  auto it = exchanges.find(id);
  if (it == exchanges.end() || it->second.responded) return Error::UnknownExchange;
  if (!response.code.is_response()) return Error::InvalidMessage;
  ServerExchange& ex = it->second;

  std::optional<ObserverId> observer;
  if (ex.observe_register && response.code.is_success() && response.has_option(options::Observe)) {
    observer = register_observer(ex, response, now);
  } else {
    response.remove_option(options::Observe);
    if (ex.observe_register) {  // declined: a re-registration with this token ends the old
                                // observation
      if (auto o = observer_by_token.find(TokenKey(ex.peer, ex.token));
          o != observer_by_token.end())
        remove_observer(o->second, ObserverRemovalReason::Replaced);
    }
  }
  if (ex.block1) {
    // 2.31 Continue (to a streamed block) asks for more, and may ask for smaller blocks (§2.3).
    const bool more = response.code == codes::Continue;
    write_block(response, options::Block1,
                BlockOption{ex.block1->num, more,
                            more ? std::min(ex.block1->szx, config.block_szx) : ex.block1->szx});
  }
  // RFC 7959 §4: Size2 in a request (value 0) asks for the size of the body; slicing adds it too.
  if (ex.size2_requested && !response.has_option(options::Size2))
    response.set_uint_option(options::Size2, static_cast<std::uint32_t>(std::min<std::size_t>(
                                                 response.payload().size(), UINT32_MAX)));
  if (!slice_response(ex.peer, ex.transfer_key, ex.block2, response, now)) {
    // The requested block lies past the end of the body.
    if (observer) remove_observer(*observer, std::nullopt);
    observer.reset();
    response.clear();
    response.code = codes::BadOption;
  }

  response.token = ex.token;
  if (ex.confirmable && !ex.ack_sent) {  // piggybacked (§5.2.1)
    response.type = Type::Ack;
    response.message_id = ex.request_mid;
    send_cached_reply(ex.peer, ex.request_mid, response, ex.idempotent);
    finish_exchange(id);
    recycle(std::move(response));
    return observer;
  }
  bool con = ex.confirmable && config.separate_response_confirmable;
  response.type = con ? Type::Con : Type::Non;
  response.message_id = allocate_mid(*ex.peer_state, ex.peer, now);
  if (!con) {
    send(ex.peer, response);
    if (observer) note_non_notification(observers.at(*observer), response.message_id);
    finish_exchange(id);
    recycle(std::move(response));
    return observer;
  }
  // Separate CON response (§5.2.2): the exchange lives on until it is acknowledged.
  ex.responded = true;
  ex.piggyback_at = kNever;
  ex.observer = observer;
  ex.mid = response.message_id;
  ex.rel.bytes.clear();
  serialize(response, ex.rel.bytes);
  send_bytes(ex.peer, ex.rel.bytes);
  ex.rel.start(config, random, now);
  timers.schedule(ex.rel.next_at, TimerKind::ExchangeRetransmit, id.value);
  index_mid(ex.peer, ex.mid, MidOwner{MidOwner::Kind::Exchange, id.value});
  recycle(std::move(response));
  return observer;
}

Status Engine::Impl::accept(ExchangeId id) {
  auto it = exchanges.find(id);
  if (it == exchanges.end() || it->second.responded) return Error::UnknownExchange;
  ServerExchange& ex = it->second;
  if (ex.confirmable && !ex.ack_sent) {
    send_cached_empty(ex.peer, Type::Ack,
                      ex.request_mid);  // also what a duplicate gets from now on
    ex.ack_sent = true;
  }
  ex.piggyback_at = kNever;
  return Ok{};
}

Status Engine::Impl::drop(ExchangeId id) {
  if (!exchanges.contains(id)) return Error::UnknownExchange;
  finish_exchange(id);
  return Ok{};
}

void Engine::Impl::finish_exchange(ExchangeId id) {
  auto it = exchanges.find(id);
  if (it == exchanges.end()) return;
  ServerExchange& ex = it->second;
  if (ex.responded) unindex_mid(ex.peer, ex.mid, MidOwner{MidOwner::Kind::Exchange, id.value});
  Peer& p = *ex.peer_state;
  PeerAddress peer = ex.peer;
  exchange_nodes.erase(exchanges, it);
  release_peer_ref(p, peer, &Peer::exchanges);
}

void Engine::Impl::on_exchange_timer(TimerKind kind, ExchangeId id) {
  ServerExchange& ex = exchanges.at(id);
  switch (kind) {
    case TimerKind::ExchangePiggyback:
      accept(id);
      return;
    case TimerKind::ExchangeExpiry:
      // Never answered: forget it. A separate response in flight ends with its own retransmissions.
      if (!ex.responded) finish_exchange(id);
      return;
    case TimerKind::ExchangeRetransmit:
      if (ex.rel.on_timeout(config) == Reliable::Step::Resend) {
        ++stats.retransmissions;
        send_bytes(ex.peer, ex.rel.bytes);
        timers.schedule(ex.rel.next_at, TimerKind::ExchangeRetransmit, id.value);
        return;
      }
      {
        std::optional<ObserverId> observer = ex.observer;
        finish_exchange(id);
        if (observer) remove_observer(*observer, ObserverRemovalReason::Timeout);
      }
      return;
    default:
      return;
  }
}

void Engine::Impl::on_exchange_ack(ServerExchange& ex) {
  finish_exchange(ex.id);
}

void Engine::Impl::on_exchange_rst(ServerExchange& ex) {
  std::optional<ObserverId> observer = ex.observer;
  finish_exchange(ex.id);
  if (observer) remove_observer(*observer, ObserverRemovalReason::Reset);
}

}  // namespace drover::coap
