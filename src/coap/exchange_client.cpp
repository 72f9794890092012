// Client exchanges: request ids and tokens, NSTART slots and the per-peer queue, deadlines, and the
// matching of ACK/RST/responses to requests (RFC 7252 §4, §5.2, §5.3).
//
// A request has at most one message in flight at a time: the request itself, the current block of a
// Block1 upload, or the next Block2 request of a download. It holds an NSTART slot while that
// message is outstanding (a CON not yet acknowledged, a NON not yet answered); a block-wise
// follow-up inherits the slot of the message it follows.
#include <algorithm>

#include "engine_impl.hpp"

namespace drover::coap {

Result<RequestId> Engine::Impl::start_request(const PeerAddress& peer, Message request,
                                              TimePoint now, const RequestOptions& options,
                                              ClientRequest::Kind kind,
                                              std::optional<Token> token) {
  using Kind = ClientRequest::Kind;
  if (kind != Kind::Ping && !request.code.is_request()) return Error::InvalidMessage;
  if (kind != Kind::Observe && exchanges_in_progress() >= config.max_exchanges)
    return Error::TooManyExchanges;
  if (kind == Kind::Observe && observations >= config.max_observations)
    return Error::TooManyObservations;
  if (request.payload().size() > config.max_body_size) return Error::BodyTooLarge;
  Peer* p = ensure_peer(peer, now);
  if (p == nullptr) return Error::TooManyPeers;
  if (kind != Kind::Ping && p->in_flight >= config.nstart &&
      p->queue.size() >= config.max_queued_requests_per_peer)
    return Error::QueueFull;

  ClientRequest& req = new_request(peer, *p, kind, std::move(request), options,
                                   kind == Kind::Ping ? std::optional<Token>{}
                                   : token            ? *token
                                                      : new_token(peer));
  const RequestId id = req.id;
  if (req.request.payload().size() > BlockOption::size_of(req.szx))
    req.upload = Block1Upload{BlockOption{0, true, req.szx}};
  bool reads = req.request.code == codes::Get || req.request.code == codes::Fetch;
  if (options.block_szx && reads &&
      !req.request.has_option(options::Block2))  // early negotiation (§4)
    write_block(req.request, options::Block2, BlockOption{0, false, req.szx});
  req.deadline = now + req.timeout;
  timers.schedule(req.deadline, TimerKind::RequestDeadline, id.value);
  submit(req, now, false);
  return id;
}

ClientRequest& Engine::Impl::new_request(const PeerAddress& peer, Peer& p, ClientRequest::Kind kind,
                                         Message request, const RequestOptions& options,
                                         std::optional<Token> token) {
  RequestId id{new_id()};
  ClientRequest& req = request_nodes
                           .emplace(requests, id,
                                    [](ClientRequest& r) {
                                      std::vector<std::uint8_t> bytes = std::move(r.rel.bytes);
                                      bytes.clear();  // the CON's wire form: keep the buffer
                                      r = ClientRequest{};
                                      r.rel.bytes = std::move(bytes);
                                    })
                           ->second;
  req.id = id;
  req.peer = peer;
  req.peer_state = &p;
  req.kind = kind;
  req.request = std::move(request);
  req.confirmable = kind == ClientRequest::Kind::Ping || options.confirmable;
  req.szx = std::min(options.block_szx.value_or(config.block_szx), BlockOption::max_szx);
  req.timeout = options.timeout.value_or(config.request_timeout);
  req.block_by_block = options.block_by_block;
  if (token) {
    req.token = *token;
    token_nodes.emplace(tokens, TokenKey(peer, req.token))->second = id;
  }
  ++p.requests;
  if (kind == ClientRequest::Kind::Observe) ++observations;
  return req;
}

Result<RequestId> Engine::Impl::restore_observation(const PeerAddress& peer, Message request,
                                                    TimePoint now, const RequestOptions& options) {
  if (!is_observe_registration(request) || request.token.empty()) return Error::InvalidMessage;
  if (observations >= config.max_observations) return Error::TooManyObservations;
  const Token token = request.token;
  if (tokens.contains(TokenKey(peer, token))) return Error::InvalidMessage;
  Peer* p = ensure_peer(peer, now);
  if (p == nullptr) return Error::TooManyPeers;
  ClientRequest& req =
      new_request(peer, *p, ClientRequest::Kind::Observe, std::move(request), options, token);
  // Established, with nothing in flight: it only waits for notifications (no deadline).
  req.observing = true;
  return req.id;
}

std::optional<Engine::ObservationState> Engine::Impl::observation_request(RequestId id) const {
  const auto it = requests.find(id);
  if (it == requests.end() || !it->second.observing) return std::nullopt;
  ObservationState out{it->second.peer, it->second.request};
  out.request.token = it->second.token;
  return out;
}

void Engine::Impl::submit(ClientRequest& req, TimePoint now, bool front) {
  Peer& p = *req.peer_state;
  if (req.kind == ClientRequest::Kind::Ping) {  // pings probe liveness; they do not wait in line
    send_current(req, now);
    return;
  }
  if (p.in_flight < config.nstart) {
    req.holds_slot = true;
    ++p.in_flight;
    send_current(req, now);
    return;
  }
  req.out = ClientRequest::Out::Queued;
  ++queued;
  if (front)
    p.queue.insert(p.queue.begin(), req.id);
  else
    p.queue.push_back(req.id);
}

void Engine::Impl::follow_up(ClientRequest& req, TimePoint now) {
  if (req.holds_slot)
    send_current(req, now);
  else if (req.out != ClientRequest::Out::Queued)  // already waiting (e.g. a re-registration):
    submit(req, now, true);  // its turn sends what is current then, composed at that time
}

void Engine::Impl::compose(const ClientRequest& req, Message& out) const {
  if (req.kind == ClientRequest::Kind::Ping) {
    out.clear();
    out.code = codes::Empty;
  } else if (req.upload) {
    compose_upload_block(req, out);
  } else if (req.download) {
    compose_download_request(req, out);
  } else {
    out = req.request;
  }
}

void Engine::Impl::send_current(ClientRequest& req, TimePoint now) {
  compose(req, scratch);
  scratch.type = req.confirmable ? Type::Con : Type::Non;
  scratch.message_id = allocate_mid(*req.peer_state, req.peer, now);
  if (req.kind == ClientRequest::Kind::Ping)
    scratch.token = Token{};
  else
    scratch.token = req.current_on_transfer_token ? *req.transfer_token : req.token;
  req.mid = scratch.message_id;
  index_mid(req.peer, req.mid, MidOwner{MidOwner::Kind::Request, req.id.value});
  req.mid_indexed = true;
  if (req.confirmable) {
    req.rel.bytes.clear();
    serialize(scratch, req.rel.bytes);
    send_bytes(req.peer, req.rel.bytes);
    req.rel.start(config, random, now);
    timers.schedule(req.rel.next_at, TimerKind::RequestRetransmit, req.id.value);
    req.out = ClientRequest::Out::AwaitingAck;
  } else {
    send(req.peer, scratch);
    req.out = ClientRequest::Out::AwaitingResponse;
  }
  if (req.observing) {  // a follow-up of an established observation gets its own deadline
    req.deadline = now + req.timeout;
    timers.schedule(req.deadline, TimerKind::RequestDeadline, req.id.value);
  }
}

void Engine::Impl::settle_current(ClientRequest& req) {
  req.rel.stop();
  if (req.mid_indexed)
    unindex_mid(req.peer, req.mid, MidOwner{MidOwner::Kind::Request, req.id.value});
  req.mid_indexed = false;
  if (req.out != ClientRequest::Out::Queued) req.out = ClientRequest::Out::None;
}

void Engine::Impl::release_slot(ClientRequest& req, TimePoint now) {
  if (!req.holds_slot) return;
  req.holds_slot = false;
  --req.peer_state->in_flight;
  pump(*req.peer_state, now);
}

void Engine::Impl::pump(Peer& p, TimePoint now) {
  while (p.in_flight < config.nstart && !p.queue.empty()) {
    RequestId id = p.queue.front();
    p.queue.erase(p.queue.begin());
    --queued;
    ClientRequest& req = requests.at(id);
    req.out = ClientRequest::Out::None;
    req.holds_slot = true;
    ++p.in_flight;
    send_current(req, now);
  }
}

void Engine::Impl::finish_request(RequestId id, TimePoint now) {
  auto it = requests.find(id);
  if (it == requests.end()) return;
  ClientRequest& req = it->second;
  Peer& p = *req.peer_state;
  if (req.out == ClientRequest::Out::Queued) {
    std::erase(p.queue, id);
    --queued;
  }
  settle_current(req);
  end_download(req);
  bool had_slot = req.holds_slot;
  if (had_slot) --p.in_flight;
  if (req.kind != ClientRequest::Kind::Ping)
    token_nodes.erase(tokens, TokenKey(req.peer, req.token));
  if (req.kind == ClientRequest::Kind::Observe) --observations;
  PeerAddress peer = req.peer;
  recycle(std::move(req.request));
  request_nodes.erase(requests, it);
  release_peer_ref(p, peer, &Peer::requests);
  if (had_slot) pump(p, now);  // the peer stays until this call ends
}

void Engine::Impl::fail_request(RequestId id, FailureReason reason, TimePoint now) {
  push_event(RequestFailed{id, reason});
  finish_request(id, now);
}

void Engine::Impl::abandon_current(ClientRequest& req, TimePoint now) {
  settle_current(req);
  end_download(req);
  req.deadline = kNever;
  release_slot(req, now);
}

void Engine::Impl::transfer_failed(ClientRequest& req, FailureReason reason, TimePoint now) {
  if (req.observing)
    abandon_current(req, now);  // the notification is lost, the observation goes on
  else
    fail_request(req.id, reason, now);
}

// ---------------------------------------------------------------------------------------------------------
// ACK, RST, timers.

void Engine::Impl::on_request_ack(ClientRequest& req, TimePoint now) {
  if (req.kind == ClientRequest::Kind::Ping) {  // an ACK instead of the RST still proves liveness
    push_event(PongReceived{req.id});
    finish_request(req.id, now);
    return;
  }
  settle_current(req);
  req.out = ClientRequest::Out::AwaitingResponse;  // a separate response follows (§5.2.2)
  release_slot(req, now);
}

void Engine::Impl::on_request_rst(ClientRequest& req, TimePoint now) {
  if (req.kind == ClientRequest::Kind::Ping) {
    push_event(PongReceived{req.id});
    finish_request(req.id, now);
    return;
  }
  fail_request(req.id, FailureReason::Reset, now);
}

void Engine::Impl::on_request_retransmit(RequestId id, TimePoint now) {
  ClientRequest& req = requests.at(id);
  if (req.rel.on_timeout(config) == Reliable::Step::Resend) {
    ++stats.retransmissions;
    send_bytes(req.peer, req.rel.bytes);
    timers.schedule(req.rel.next_at, TimerKind::RequestRetransmit, id.value);
    return;
  }
  transfer_failed(req, FailureReason::Timeout, now);
}

void Engine::Impl::on_request_deadline(RequestId id, TimePoint now) {
  transfer_failed(requests.at(id), FailureReason::Timeout, now);
}

// ---------------------------------------------------------------------------------------------------------
// Responses.

ClientRequest* Engine::Impl::acked_request(const PeerAddress& peer) {
  auto it = mids.find(MidKey{peer, in.message_id});
  if (it == mids.end() || it->second.kind != MidOwner::Kind::Request) return nullptr;
  ClientRequest& req = requests.at(RequestId{it->second.id});
  if (req.kind == ClientRequest::Kind::Ping) return &req;
  // §5.3.2: a piggybacked response must match MID and token.
  const Token& expected = req.current_on_transfer_token ? *req.transfer_token : req.token;
  return in.token == expected ? &req : nullptr;
}

void Engine::Impl::on_piggybacked_response(const PeerAddress& peer, TimePoint now) {
  if (!event_room()) {  // our retransmission will fetch it again
    ++stats.dropped_overload;
    return;
  }
  ClientRequest* acked = acked_request(peer);
  if (acked == nullptr) {
    ++stats.unmatched;
    return;
  }
  ClientRequest& req = *acked;
  if (req.kind == ClientRequest::Kind::Ping) {
    on_request_ack(req, now);
    return;
  }
  if (in_bad_option) {  // §5.4.1: rejected; an ACK is rejected by ignoring it (§4.2)
    fail_request(req.id, FailureReason::BadResponse, now);
    return;
  }
  on_response(req, req.current_on_transfer_token, now);
}

void Engine::Impl::on_separate_response(const PeerAddress& peer, TimePoint now) {
  if (!event_room()) {  // unacknowledged, so a CON comes again; a NON notification is lost
    ++stats.dropped_overload;
    return;
  }
  if (!first_copy(peer, now)) return;
  auto t = tokens.find(TokenKey(peer, in.token));
  if (in_bad_option) {
    // §5.4.1: a CON response is rejected with RST (§4.2); so is a NON one (§4.3 allows it), which
    // also ends an observation at the server (RFC 7641 §3.6) as this one ends here.
    send_cached_empty(peer, Type::Rst, in.message_id);
    if (t == tokens.end())
      ++stats.unmatched;
    else
      fail_request(t->second, FailureReason::BadResponse, now);
    return;
  }
  if (t == tokens.end()) {
    ++stats.unmatched;
    if (in.has_option(options::Observe))
      send_cached_empty(peer, Type::Rst, in.message_id);  // RFC 7641 §3.6: stop the notifications
    else if (in.type == Type::Con)
      send_cached_empty(peer, Type::Ack,
                        in.message_id);  // a late answer: just stop its retransmission
    return;
  }
  ClientRequest& req = requests.at(t->second);
  if (req.kind == ClientRequest::Kind::Observe && notification_admitted &&
      !notification_admitted(peer, req.id)) {
    ++stats.refused_notifications;
    send_cached_empty(peer, Type::Rst, in.message_id);
    return;
  }
  bool on_transfer = req.transfer_token && in.token == *req.transfer_token;
  if (in.type == Type::Con) send_cached_empty(peer, Type::Ack, in.message_id);
  on_response(req, on_transfer, now);
}

void Engine::Impl::on_truncated_response(const PeerAddress& peer, TimePoint now) {
  if (in.type == Type::Rst) return;
  if (!event_room()) {  // unacknowledged: it comes again
    ++stats.dropped_overload;
    return;
  }
  // The peer would only send the same datagram again: the request it answers fails now rather than
  // at its deadline. A NON notification of an established observation may be lost like any NON.
  std::optional<RequestId> id;
  if (in.type == Type::Ack) {
    if (ClientRequest* req = acked_request(peer); req && req->kind != ClientRequest::Kind::Ping)
      id = req->id;
  } else {
    if (in.type == Type::Con) send_empty(peer, Type::Rst, in.message_id);
    if (auto t = tokens.find(TokenKey(peer, in.token)); t != tokens.end()) {
      if (in.type == Type::Non && requests.at(t->second).observing) return;
      id = t->second;
    }
  }
  if (id)
    fail_request(*id, FailureReason::BodyTooLarge, now);
  else
    ++stats.unmatched;
}

bool Engine::Impl::request_too_large(ClientRequest& req, TimePoint now) {
  const std::size_t body = req.request.payload().size();
  if (body == 0) return false;
  if (auto size1 = in.uint_option(options::Size1); size1 && *size1 < body) {
    fail_request(req.id, FailureReason::RequestTooLarge, now);
    return true;
  }
  // A smaller SZX in Block1 asks for smaller blocks: the upload starts again with them, and a
  // request sent whole goes again in blocks of that size when it is larger than one (§2.9.3).
  // Each restart lowers the block size, so this ends. Without Block1 the server did not say it
  // takes blocks: the 4.13 is the answer.
  BlockOption hint;
  if (read_block(in, options::Block1, hint) != BlockRead::Valid) return false;
  if (req.upload ? hint.szx >= req.upload->block.szx : body <= BlockOption::size_of(hint.szx))
    return false;
  req.upload = Block1Upload{BlockOption{0, true, hint.szx}};
  follow_up(req, now);
  return true;
}

void Engine::Impl::on_response(ClientRequest& req, bool on_transfer_token, TimePoint now) {
  RequestId id = req.id;
  bool answers_current = (req.out == ClientRequest::Out::AwaitingAck ||
                          req.out == ClientRequest::Out::AwaitingResponse) &&
                         on_transfer_token == req.current_on_transfer_token;
  // A response also acknowledges the request whose ACK may have been lost (§5.2.2).
  if (answers_current) settle_current(req);

  bool consumed = false;
  if (answers_current && !on_transfer_token && in.code == codes::RequestEntityTooLarge)
    consumed = request_too_large(req, now);
  if (!consumed && req.upload && answers_current && !on_transfer_token)
    consumed = continue_upload(req, now);
  if (!consumed && !on_transfer_token && req.kind == ClientRequest::Kind::Observe &&
      in.has_option(options::Observe) && !fresh_notification(req, in, now))
    consumed = true;  // stale: dropped
  if (!consumed && !req.block_by_block)
    consumed = continue_download(req, on_transfer_token, answers_current, now);
  if (!consumed) {
    deliver(req, std::move(in), now);
    refill_input();
  }

  auto it = requests.find(id);
  if (it != requests.end() && it->second.out == ClientRequest::Out::None)
    release_slot(it->second, now);
}

void Engine::Impl::deliver(ClientRequest& req, Message&& msg, TimePoint now) {
  RequestId id = req.id;
  if (req.kind == ClientRequest::Kind::Observe) {
    bool observe = msg.has_option(options::Observe);
    if (req.observing) {
      if (req.out == ClientRequest::Out::None) req.deadline = kNever;
      push_event(NotificationReceived{id, std::move(msg), !observe});
      if (!observe) finish_request(id, now);
      return;
    }
    if (observe && msg.code.is_success()) {  // the server accepted the observation
      req.observing = true;
      req.deadline = kNever;
      push_event(ResponseReceived{id, std::move(msg)});
      return;
    }
  }
  push_event(ResponseReceived{id, std::move(msg)});
  finish_request(id, now);
}

// ---------------------------------------------------------------------------------------------------------
// Application calls.

Status Engine::Impl::cancel(RequestId id, TimePoint now) {
  if (!requests.contains(id)) return Error::UnknownRequest;
  finish_request(id, now);
  return Ok{};
}

Result<RequestId> Engine::Impl::deregister(RequestId id, TimePoint now) {
  auto it = requests.find(id);
  if (it == requests.end()) return Error::UnknownRequest;
  ClientRequest& req = it->second;
  if (!req.observing) return Error::NotAnObservation;
  // RFC 7641 §3.6: the same request and token, with Observe=1.
  Message request = std::move(req.request);
  request.set_uint_option(options::Observe, 1);
  RequestOptions options{req.confirmable, req.szx, req.timeout, req.block_by_block};
  Token token = req.token;
  PeerAddress peer = req.peer;
  finish_request(id, now);
  return start_request(peer, std::move(request), now, options, ClientRequest::Kind::Normal, token);
}

Status Engine::Impl::reregister(RequestId id, TimePoint now) {
  auto it = requests.find(id);
  if (it == requests.end()) return Error::UnknownRequest;
  ClientRequest& req = it->second;
  if (!req.observing) return Error::NotAnObservation;
  if (req.out == ClientRequest::Out::Queued) return Ok{};  // already on its way
  abandon_current(req, now);
  submit(req, now, false);
  return Ok{};
}

}  // namespace drover::coap
