#include "drover/server/server.hpp"

#include <algorithm>

#include "drover/lwm2m/model/builtin_objects.hpp"
#include "server_impl.hpp"

namespace drover::server {

std::string_view to_string(Error e) {
  switch (e) {
    case Error::UnknownEndpoint:
      return "unknown endpoint";
    case Error::UnknownObservation:
      return "unknown observation";
    case Error::InvalidPath:
      return "path not valid for this operation";
    case Error::InvalidArgument:
      return "invalid argument";
    case Error::UnsupportedFormat:
      return "format cannot carry this operation";
    case Error::EncodeFailed:
      return "records could not be encoded";
    case Error::QueueFull:
      return "the client's request queue is full";
    case Error::TooManyOperations:
      return "too many operations";
    case Error::TooManyObservations:
      return "too many observations";
    case Error::Busy:
      return "CoAP engine busy towards this client";
    case Error::UnsupportedByVersion:
      return "the client's LwM2M version lacks this operation";
  }
  return "?";
}

std::string_view to_string(ObservationEndReason r) {
  switch (r) {
    case ObservationEndReason::ClientEnded:
      return "ended by the client";
    case ObservationEndReason::Failed:
      return "notification failed";
    case ObservationEndReason::Replaced:
      return "client registered again";
    case ObservationEndReason::Deregistered:
      return "client de-registered";
    case ObservationEndReason::Expired:
      return "registration expired";
  }
  return "?";
}

ServerConfig server_config_for(std::size_t max_registrations) {
  ServerConfig c;
  c.max_registrations = max_registrations;
  c.max_observations = std::max<std::size_t>(c.max_observations, max_registrations);
  c.max_operations = std::max<std::size_t>(c.max_operations, 65536);
  c.max_pending_events = std::max<std::size_t>(c.max_pending_events, 65536);
  // A peer has engine state only while it is in the middle of an exchange, or for
  // EXCHANGE_LIFETIME after the server chose a MID for it (a request, a separate response).
  c.engine.max_peers = max_registrations + 65536;
  c.engine.max_observations = c.max_observations;
  c.engine.max_exchanges = std::max<std::size_t>(c.engine.max_exchanges, 65536);
  c.engine.max_pending_transmits = std::max<std::size_t>(c.engine.max_pending_transmits, 65536);
  c.engine.max_pending_events = std::max<std::size_t>(c.engine.max_pending_events, 65536);
  // About 110 bytes each; past it the oldest is evicted, so this is the depth of duplicate
  // detection at high rates, not a limit on them.
  c.engine.max_dedup_entries = std::max<std::size_t>(c.engine.max_dedup_entries, 262144);
  return c;
}

// ---------------------------------------------------------------------------------------------

Server::Impl::Impl(Server& server, ServerConfig cfg)
    : self(server),
      config(std::move(cfg)),
      engine(config.engine, config.random_seed),
      // A stream independent of the engine's, so locations reveal nothing about tokens.
      random(config.random_seed ^ 0x6c6f636174696f6eull),
      next_operation(config.first_operation_id) {
  if (config.operation_id_step == 0) config.operation_id_step = 1;
}

Server::Server(ServerConfig config, std::unique_ptr<RegistrationStore> store)
    : store_(store ? std::move(store) : make_in_memory_registration_store()),
      impl_(std::make_unique<Impl>(*this, std::move(config))) {
  lwm2m::add_builtin_objects(objects_);
}

Server::~Server() = default;

void Server::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                     TimePoint now) {
  impl_->last_now = now;
  impl_->engine.receive(peer, datagram, now);
  impl_->process_engine_events(now);
}

void Server::receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                               TimePoint now) {
  impl_->last_now = now;
  impl_->engine.receive_truncated(peer, prefix, now);
  impl_->process_engine_events(now);
}

void Server::on_timer(TimePoint now) {
  impl_->last_now = now;
  impl_->engine.on_timer(now);
  impl_->process_engine_events(now);
  impl_->run_timers(now);
}

bool Server::poll_transmit(coap::Transmit& out) {
  return impl_->engine.poll_transmit(out);
}

std::optional<TimePoint> Server::next_expiry() const {
  const Impl& d = *impl_;
  std::optional<TimePoint> next = d.engine.next_expiry();
  auto earliest = [&next](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (!d.expiries.empty()) earliest(d.expiries.front().due);
  if (!d.awake_ends.empty()) earliest(d.awake_ends.begin()->first);
  if (!d.queue_deadlines.empty()) earliest(d.queue_deadlines.begin()->first);
  // Input held back while the event queue was full: process it as soon as there is room.
  if (d.held_back) earliest(d.last_now);
  return next;
}

bool Server::poll_event(ServerEvent& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

const Registration* Server::registration(std::string_view endpoint) const {
  return store_->find_by_endpoint(endpoint);
}

bool Server::remove_registration(std::string_view endpoint) {
  auto removed = store_->remove(endpoint);
  if (!removed) return false;
  if (impl_->persistence) impl_->persistence->registration_removed(*removed);
  const std::string location = removed->location;
  const std::string name = removed->endpoint;
  impl_->events.emplace_back(Deregistered{std::move(*removed)});
  impl_->end_session(location, name, ObservationEndReason::Deregistered);
  return true;
}

bool Server::replace_registration(std::string_view endpoint, TimePoint registered_before) {
  const Registration* current = store_->find_by_endpoint(endpoint);
  if (!current || current->registered_at >= registered_before) return false;
  Registration previous = *store_->remove(endpoint);
  if (impl_->persistence) impl_->persistence->registration_removed(previous);
  const std::string location = previous.location;
  const std::string name = previous.endpoint;
  impl_->events.emplace_back(Replaced{std::move(previous)});
  impl_->end_session(location, name, ObservationEndReason::Replaced);
  return true;
}

void Server::set_security_lookup(SecurityLookup lookup, SecuredEndpoint secured) {
  impl_->security_lookup = std::move(lookup);
  impl_->secured_endpoint = std::move(secured);
  // A notification counts only from a peer that may speak for the registration it reports on.
  impl_->engine.admit_notifications(
      [d = impl_.get()](const coap::PeerAddress& peer, coap::RequestId observation) {
        const auto it = d->by_request.find(observation);
        if (it == d->by_request.end()) return true;  // not the server's: the engine decides
        const Registration* registration =
            d->store().find_by_location(d->operations.at(it->second).location);
        return !registration || d->acts_for(peer, *registration);
      });
}

void Server::add_resource(std::string segment, ResourceHandler handler) {
  for (auto& [name, h] : impl_->resources)
    if (name == segment) {
      h = std::move(handler);
      return;
    }
  impl_->resources.emplace_back(std::move(segment), std::move(handler));
}

void Server::set_persistence(Persistence* persistence) {
  impl_->persistence = persistence;
}

std::optional<StoreStats> Server::persistence_stats() const {
  if (!impl_->persistence) return std::nullopt;
  return impl_->persistence->stats();
}

RestoreCounts Server::restore(ServerState state, TimePoint now) {
  Impl& d = *impl_;
  d.last_now = now;
  RestoreCounts counts;
  for (Registration& r : state.registrations) {
    if (r.expires_at + d.config.lifetime_grace <= now) {
      ++counts.expired;
      if (d.persistence) d.persistence->registration_removed(r);
      continue;
    }
    const std::string location = r.location;
    const bool queue_mode = r.queue_mode;
    d.continue_locations_after(location);
    store_->put(std::move(r));
    // Asleep until it talks: requests for it wait in its queue.
    if (queue_mode) d.session_of(location)->second.queue_mode = true;
    ++counts.registrations;
  }
  d.rebuild_expiries();

  // An observation or queued request belongs to a registration that was kept; else it is gone.
  const auto owner = [&](const PersistedOperation& op) -> const Registration* {
    const Registration* r = store_->find_by_location(op.location);
    return r && r->endpoint == op.endpoint ? r : nullptr;
  };
  const auto adopt = [&](const PersistedOperation& p, Operation op) {
    op.kind = p.kind;
    op.endpoint = p.endpoint;
    op.location = p.location;
    op.path = p.path;
    op.accept = p.accept;
    if (op.is_observation()) ++d.observation_count;
    d.session_of(p.location)->second.operations.push_back(p.id);
    d.operation_nodes.emplace(d.operations, p.id)->second = std::move(op);
  };
  for (PersistedObservation& o : state.observations) {
    const OperationId id = o.operation.id;
    if (!owner(o.operation)) {
      ++counts.orphans;
      if (d.persistence) d.persistence->observation_removed(id);
      continue;
    }
    coap::RequestOptions options;
    options.timeout = d.config.request_timeout;
    const auto request = d.engine.restore_observation(o.peer, o.operation.request, now, options);
    if (!request) {  // at the engine's bound on observations, or a token in use twice
      ++counts.orphans;
      if (d.persistence) d.persistence->observation_removed(id);
      continue;
    }
    Operation op;
    op.request = *request;
    op.established = true;
    op.timeout = d.config.request_timeout;
    d.request_index_nodes.emplace(d.by_request, *request)->second = id;
    adopt(o.operation, std::move(op));
    ++counts.observations;
  }
  for (PersistedRequest& q : state.queued) {
    const OperationId id = q.operation.id;
    if (!owner(q.operation)) {
      ++counts.orphans;
      if (d.persistence) d.persistence->request_dequeued(id);
      continue;
    }
    Operation op;
    op.timeout = q.timeout;
    op.deadline = q.deadline;
    op.message = std::move(q.operation.request);
    d.queue_deadlines.emplace(op.deadline, id);
    ++d.queued_count;
    adopt(q.operation, std::move(op));
    ++counts.queued;
  }
  // A client that left queue mode before the restart takes its requests now.
  for (auto& [location, session] : d.sessions)
    if (!session.queue_mode) d.flush_queue(location, now);

  // Ids continue after every one that may have been handed out, in this shard's sequence.
  const std::uint64_t step = d.config.operation_id_step;
  if (state.next_operation_id > d.next_operation) {
    const std::uint64_t behind = state.next_operation_id - d.next_operation;
    d.next_operation += (behind + step - 1) / step * step;
  }
  d.reserved_operations = d.next_operation;
  return counts;
}

bool Server::is_awake(std::string_view endpoint) const {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r || !r->queue_mode) return r != nullptr;
  const auto it = impl_->sessions.find(r->location);
  return it != impl_->sessions.end() && it->second.awake_until.has_value();
}

ServerCounts Server::counts() const {
  const Impl& d = *impl_;
  return ServerCounts{
      .registrations = store_->size(),
      .operations = d.operations.size() - d.observation_count,
      .queued = d.queued_count,
      .observations = d.observation_count,
      .pending_events = d.events.size(),
      .timers = store_->size() + d.awake_ends.size() + d.queue_deadlines.size(),
      .expiry_entries = d.expiries.size(),
  };
}

const coap::EngineStats& Server::engine_stats() const {
  return impl_->engine.stats();
}
const ServerConfig& Server::config() const {
  return impl_->config;
}

// ---------------------------------------------------------------------------------------------

void Server::Impl::process_engine_events(TimePoint now) {
  coap::Event event;
  held_back = !room();
  while (!held_back && engine.poll_event(event)) {
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, coap::RequestReceived>) {
            on_request(e, now);
            engine.recycle(std::move(e.request));
          } else if constexpr (std::is_same_v<T, coap::ResponseReceived>) {
            // Unknown ids are answers to active observation cancels: not reported.
            if (const auto it = by_request.find(e.request); it != by_request.end())
              on_response(it->second, e.response, now);
            engine.recycle(std::move(e.response));
          } else if constexpr (std::is_same_v<T, coap::NotificationReceived>) {
            if (const auto it = by_request.find(e.request); it != by_request.end()) {
              touch(operations.at(it->second).location, now);
              on_notification(it->second, e.notification, e.last);
            }
            engine.recycle(std::move(e.notification));
          } else if constexpr (std::is_same_v<T, coap::RequestFailed>) {
            if (const auto it = by_request.find(e.request); it != by_request.end())
              on_failure(it->second, e.reason);
          }
          // PongReceived (no pings sent) and ObserverRemoved (the server observes nothing of
          // the clients' own) do not concern the LwM2M server.
        },
        event);
    held_back = !room();
  }
}

void Server::Impl::run_timers(TimePoint now) {
  while (room() && !queue_deadlines.empty() && queue_deadlines.begin()->first <= now) {
    const OperationId id = queue_deadlines.begin()->second;
    Operation op = take(id);
    OperationResult result;
    result.status = OperationStatus::QueueTimeout;
    complete(id, std::move(op), std::move(result));
  }
  while (room() && !awake_ends.empty() && awake_ends.begin()->first <= now) {
    const std::string location = awake_ends.begin()->second;
    awake_ends.erase(awake_ends.begin());
    const auto it = sessions.find(location);
    const Registration* registration = store().find_by_location(location);
    if (it == sessions.end() || !registration) continue;
    it->second.awake_until.reset();
    events.emplace_back(Sleeping{registration->endpoint});
  }
  while (room() && !expiries.empty() && expiries.front().due <= now) {
    std::pop_heap(expiries.begin(), expiries.end(), std::greater<>{});
    const std::string location = std::move(expiries.back().location);
    expiries.pop_back();
    const Registration* registration = store().find_by_location(location);
    if (!registration) continue;                                   // ended meanwhile
    if (registration->expires_at + config.lifetime_grace > now) {  // updated meanwhile
      schedule_expiry(*registration);
      continue;
    }
    Registration removed = *store().remove(registration->endpoint);
    if (persistence) persistence->registration_removed(removed);
    const std::string endpoint = removed.endpoint;
    events.emplace_back(Expired{std::move(removed)});
    end_session(location, endpoint, ObservationEndReason::Expired);
  }
}

void Server::Impl::schedule_expiry(const Registration& registration) {
  // Entries of ended registrations may pile up under churn (Register after Register): past
  // twice the live ones, start again from the store.
  if (expiries.size() >= 2 * store().size() + 1024) rebuild_expiries();
  expiries.push_back({registration.expires_at + config.lifetime_grace, registration.location});
  std::push_heap(expiries.begin(), expiries.end(), std::greater<>{});
}

void Server::Impl::rebuild_expiries() {
  expiries.clear();
  store().for_each([&](const Registration& r) {
    expiries.push_back({r.expires_at + config.lifetime_grace, r.location});
  });
  std::make_heap(expiries.begin(), expiries.end(), std::greater<>{});
}

void Server::Impl::set_queue_mode(const std::string& location, bool queue_mode, TimePoint now) {
  auto it = sessions.find(location);
  if (!queue_mode) {
    if (it == sessions.end()) return;
    if (it->second.awake_until) awake_ends.erase({*it->second.awake_until, location});
    it->second.awake_until.reset();
    it->second.queue_mode = false;
    // Queued requests can go now: the client listens all the time.
    flush_queue(location, now);
    if (it->second.empty()) session_nodes.erase(sessions, it);
    return;
  }
  if (it == sessions.end()) it = session_of(location);
  it->second.queue_mode = true;
  // The client just talked (Register or Update): its first awake window starts now.
  if (!it->second.awake_until) {
    it->second.awake_until = now + config.awake_time;
    awake_ends.emplace(*it->second.awake_until, location);
  }
}

std::unordered_map<std::string, Session>::iterator Server::Impl::session_of(
    const std::string& location) {
  return session_nodes.emplace(sessions, location, [](Session& s) {
    s.operations.clear();  // keeps its capacity for the next operations
    s.awake_until.reset();
    s.queue_mode = false;
  });
}

void Server::Impl::touch(const std::string& location, TimePoint now) {
  const auto it = sessions.find(location);
  if (it == sessions.end() || !it->second.queue_mode) return;
  Session& session = it->second;
  if (session.awake_until) {
    awake_ends.erase({*session.awake_until, location});
  } else if (const Registration* r = store().find_by_location(location)) {
    events.emplace_back(Awake{r->endpoint});
  }
  session.awake_until = now + config.awake_time;
  awake_ends.emplace(*session.awake_until, location);
  flush_queue(location, now);
}

void Server::Impl::end_session(const std::string& location, const std::string& endpoint,
                               ObservationEndReason reason) {
  const auto it = sessions.find(location);
  if (it == sessions.end()) return;
  if (it->second.awake_until) awake_ends.erase({*it->second.awake_until, location});
  const std::vector<OperationId> ids = std::move(it->second.operations);
  session_nodes.erase(sessions, it);
  for (const OperationId id : ids) {
    Operation op = take(id);
    // The client is gone: nothing more is sent to it about these, later messages get RST.
    if (op.request) (void)engine.cancel(*op.request);
    if (op.established) {
      events.emplace_back(ObservationEnded{id, endpoint, reason});
    } else {
      OperationResult result;
      result.status = OperationStatus::ClientGone;
      events.emplace_back(OperationCompleted{id, endpoint, std::move(result)});
    }
  }
}

}  // namespace drover::server
