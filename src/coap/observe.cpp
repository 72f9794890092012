// Observe (RFC 7641). Server role: the observer registry keyed by (peer, token), sequence numbers,
// NON/CON notifications and the removal of observers (RST, unacknowledged CON, Observe=1).
// Client role: the freshness rule applied to incoming notifications (the rest of the client side is
// an ordinary request that stays alive, in exchange_client.cpp).
#include "engine_impl.hpp"

namespace drover::coap {

bool Engine::Impl::is_observe_registration(const Message& request) {
  if (request.code != codes::Get && request.code != codes::Fetch) return false;
  auto value = request.uint_option(options::Observe);
  return value && *value == 0;
}

// ---------------------------------------------------------------------------------------------------------
// Server role.

void Engine::Impl::on_observer_request(const PeerAddress& peer, const Message& request) {
  auto value = request.uint_option(options::Observe);
  if (!value || *value != 1) return;
  auto it = observer_by_token.find(TokenKey(peer, request.token));
  if (it != observer_by_token.end())
    remove_observer(it->second, ObserverRemovalReason::Deregistered);  // §3.6
}

std::optional<ObserverId> Engine::Impl::register_observer(ServerExchange& ex, Message& response,
                                                          TimePoint now) {
  TokenKey key(ex.peer, ex.token);
  Observer* obs = nullptr;
  if (auto it = observer_by_token.find(key); it != observer_by_token.end()) {
    obs = &observers.at(it->second);  // re-registration (§4.1): the same observer, numbers go on
  } else {
    if (observers.size() >= config.max_observers ||
        ex.peer_state->observers >= config.max_observers_per_peer) {
      ++stats.dropped_overload;
      response.remove_option(options::Observe);  // §4.1: answered, but not added to the list
      return std::nullopt;
    }
    ObserverId id{new_id()};
    obs = &observers[id];
    obs->id = id;
    obs->peer = ex.peer;
    obs->peer_state = ex.peer_state;
    obs->token = ex.token;
    obs->last_con = now;
    observer_by_token.emplace(key, id);
    ++ex.peer_state->observers;
  }
  obs->transfer_key = ex.transfer_key;
  obs->seq = (obs->seq + 1) & 0xffffffu;
  response.set_uint_option(options::Observe, obs->seq);
  return obs->id;
}

void Engine::Impl::note_non_notification(Observer& obs, std::uint16_t mid) {
  MidOwner owner{MidOwner::Kind::Observer, obs.id.value};
  if (obs.non_mid) unindex_mid(obs.peer, *obs.non_mid, owner);
  obs.non_mid = mid;
  index_mid(obs.peer, mid, owner);
}

Status Engine::Impl::notify(ObserverId id, Message msg, TimePoint now,
                            const NotifyOptions& options) {
  auto it = observers.find(id);
  if (it == observers.end()) return Error::UnknownObserver;
  if (!msg.code.is_response()) return Error::InvalidMessage;
  Observer& obs = it->second;
  bool ending = !msg.code.is_success();  // §4.2: an error ends the observation, without Observe
  if (ending) {
    msg.remove_option(options::Observe);
  } else {
    obs.seq = (obs.seq + 1) & 0xffffffu;
    msg.set_uint_option(options::Observe, obs.seq);
  }
  slice_response(obs.peer, obs.transfer_key, std::nullopt, msg, now);
  msg.token = obs.token;
  msg.message_id = allocate_mid(*obs.peer_state, obs.peer, now);

  // §4.5: at least one CON now and then tells whether the observer is still there; a CON still
  // waiting for its ACK is replaced by this newer one, keeping its back-off (§4.5.2).
  bool replacing = obs.rel.waiting();
  bool con =
      options.confirmable || replacing ||
      (config.notification_con_every != 0 && obs.since_con + 1 >= config.notification_con_every) ||
      now - obs.last_con >= config.notification_con_interval;
  MidOwner owner{MidOwner::Kind::Observer, id.value};
  if (con) {
    msg.type = Type::Con;
    if (replacing) unindex_mid(obs.peer, obs.con_mid, owner);
    obs.con_mid = msg.message_id;
    index_mid(obs.peer, obs.con_mid, owner);
    obs.rel.bytes.clear();
    serialize(msg, obs.rel.bytes);
    send_bytes(obs.peer, obs.rel.bytes);
    if (replacing)
      obs.rel.restart_keeping_backoff(now);
    else
      obs.rel.start(config, random, now);
    timers.schedule(obs.rel.next_at, TimerKind::ObserverRetransmit, id.value);
    obs.since_con = 0;
    obs.last_con = now;
  } else {
    msg.type = Type::Non;
    send(obs.peer, msg);
    note_non_notification(obs, msg.message_id);
    ++obs.since_con;
  }
  // The final notification is sent once; the observer is gone with it.
  if (ending) remove_observer(id, std::nullopt);
  return Ok{};
}

void Engine::Impl::remove_observer(ObserverId id, std::optional<ObserverRemovalReason> report) {
  auto it = observers.find(id);
  if (it == observers.end()) return;
  Observer& obs = it->second;
  MidOwner owner{MidOwner::Kind::Observer, id.value};
  // Also after the retransmissions gave up (no longer waiting): a late ACK must match nothing.
  unindex_mid(obs.peer, obs.con_mid, owner);
  if (obs.non_mid) unindex_mid(obs.peer, *obs.non_mid, owner);
  observer_by_token.erase(TokenKey(obs.peer, obs.token));
  if (report) push_event(ObserverRemoved{id, obs.peer, *report});
  Peer& p = *obs.peer_state;
  PeerAddress peer = obs.peer;
  observers.erase(it);
  release_peer_ref(p, peer, &Peer::observers);
}

void Engine::Impl::on_observer_ack(Observer& obs) {
  obs.rel.stop();
  unindex_mid(obs.peer, obs.con_mid, MidOwner{MidOwner::Kind::Observer, obs.id.value});
}

void Engine::Impl::on_observer_retransmit(ObserverId id) {
  Observer& obs = observers.at(id);
  if (obs.rel.on_timeout(config) == Reliable::Step::Resend) {
    ++stats.retransmissions;
    send_bytes(obs.peer, obs.rel.bytes);
    timers.schedule(obs.rel.next_at, TimerKind::ObserverRetransmit, id.value);
    return;
  }
  remove_observer(id, ObserverRemovalReason::Timeout);  // §4.5
}

// ---------------------------------------------------------------------------------------------------------
// Client role.

bool Engine::Impl::fresh_notification(ClientRequest& req, const Message& msg, TimePoint now) {
  auto value = msg.uint_option(options::Observe);
  if (!value) return true;
  if (req.order.accept(*value, now)) return true;
  ++stats.stale_notifications;
  return false;
}

}  // namespace drover::coap
