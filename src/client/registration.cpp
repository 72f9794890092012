// The Registration interface: Register, Update and De-register per server account, the LwM2M 1.1
// retry procedure, Disable, and queue-mode sleep.
#include <algorithm>
#include <limits>

#include "client_impl.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client {

namespace {

// Server object durations in seconds, bounded so that time arithmetic cannot overflow (30 years).
Duration seconds(std::int64_t s) {
  return std::chrono::seconds(std::clamp<std::int64_t>(s, 0, std::int64_t{1} << 30));
}

// When the next Update is due after a successful Register/Update: lifetime minus
// min(MAX_TRANSMIT_WAIT, lifetime / 2), so that the Update and its retransmissions arrive in time.
Duration update_delay(std::uint32_t lifetime, Duration max_transmit_wait) {
  const Duration lt = seconds(lifetime);
  return lt - std::min(max_transmit_wait, lt / 2);
}

// Each delay of the retry procedure is lengthened by a random share of it up to this, so that
// clients restarted together spread their retries.
constexpr double retry_jitter = 0.1;

}  // namespace

Announced Client::Impl::desired(const Account& a) {
  Announced d;
  const auto lifetime = server_integer(a, 1).value_or(lwm2m::default_lifetime);
  d.lifetime = static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(lifetime, 1, std::numeric_limits<std::uint32_t>::max()));
  d.binding = server_string(a, 7).value_or("U");
  d.queue_mode = a.queue_mode;
  d.links = registration_links(a.form);
  return d;
}

void Client::Impl::begin_registration(Account& a, TimePoint t, Duration delay) {
  a.attempt = 1;
  a.sequence = 1;
  a.state = RegistrationState::Waiting;
  a.next_attempt = t + delay;
  a.stop_after_deregister = false;
}

void Client::Impl::attempt_register(Account& a, TimePoint t) {
  const Announced d = desired(a);
  coap::Message m;
  m.code = coap::codes::Post;
  m.set_uri_path("/rd");
  lwm2m::RegisterParams params;
  params.endpoint = config.endpoint;
  params.lifetime = d.lifetime;
  params.version = a.form.version;
  params.binding = d.binding;
  params.queue_mode = d.queue_mode;
  lwm2m::add_register_queries(params, m);
  lwm2m::set_content_format(m, lwm2m::ContentFormat::LinkFormat);
  m.set_payload(d.links);
  wake(a);
  const auto id = engine.send_request(*a.peer, std::move(m), t);
  if (!id) {
    registration_attempt_failed(
        a, coap::codes::Empty, "Register not sent: " + std::string(coap::to_string(id.error())), t);
    return;
  }
  a.request = *id;
  a.telling = d;
  a.update_wanted = false;
  a.state = RegistrationState::Registering;
  pending[*id] = PendingRequest{PendingRequest::Kind::Register, a.ssid};
}

bool Client::Impl::fall_back(Account& a, coap::Code code, TimePoint t) {
  RegistrationFallback event{a.ssid, code, a.form.version, {}};
  if (code == coap::codes::BadRequest) {
    RegisterForm minimal = a.form;
    minimal.minimal_root_link = true;
    if (registration_links(minimal) == registration_links(a.form)) return false;  // nothing to drop
    a.form = minimal;
    event.change = "no ct in the root link";
  } else if (code == coap::codes::PreconditionFailed &&
             a.form.version != lwm2m::Lwm2mVersion::V1_0) {
    // The lower version's own form, root link included: the 4.00 may have been about the other.
    a.form = RegisterForm{a.form.version == lwm2m::Lwm2mVersion::V1_2 ? lwm2m::Lwm2mVersion::V1_1
                                                                      : lwm2m::Lwm2mVersion::V1_0};
    event.version = a.form.version;
    event.change = "LwM2M " + std::string(lwm2m::to_string(a.form.version));
  } else {
    return false;
  }
  push_event(std::move(event));
  attempt_register(a, t);
  return true;
}

void Client::Impl::registration_attempt_failed(Account& a, coap::Code code, std::string reason,
                                               TimePoint t) {
  a.request.reset();
  a.location.clear();
  clear_observations(a);
  const auto retry_count = std::max<std::int64_t>(server_integer(a, 17).value_or(5), 1);
  const auto retry_timer = server_integer(a, 18).value_or(60);
  const auto sequence_delay = server_integer(a, 19).value_or(86400);
  const auto sequence_count = std::max<std::int64_t>(server_integer(a, 20).value_or(1), 1);
  RegistrationFailed event{a.ssid, code, std::move(reason), false, {}};
  Duration delay{};
  if (a.attempt < retry_count) {
    // RetryTimer * 2^(attempt - 1): 60, 120, 240, 480 s with the defaults.
    const unsigned shift = std::min<std::uint32_t>(a.attempt - 1, 30);
    delay = seconds(std::clamp<std::int64_t>(retry_timer, 0, std::int64_t{1} << 30) << shift);
    ++a.attempt;
  } else if (a.sequence < sequence_count) {
    delay = seconds(sequence_delay);
    ++a.sequence;
    a.attempt = 1;
  } else {
    a.state = RegistrationState::Failed;
    event.final = true;
    push_event(std::move(event));
    // Bootstrap on Registration Failure (/1/x/16, true when absent), once no server is left.
    if (bootstrap && server_bool(a, 16).value_or(true) && needs_bootstrap()) schedule_bootstrap(t);
    return;
  }
  event.retry_in =
      delay + std::chrono::duration_cast<Duration>(delay * (retry_jitter * random.unit()));
  a.state = RegistrationState::Waiting;
  a.next_attempt = t + event.retry_in;
  push_event(std::move(event));
}

void Client::Impl::request_update(Account& a, TimePoint t) {
  switch (a.state) {
    case RegistrationState::Registered:
      if (desired(a) != a.told) send_update(a, t);
      break;
    case RegistrationState::Registering:
    case RegistrationState::Updating:
      a.update_wanted = true;
      break;
    default:
      break;
  }
}

void Client::Impl::send_update(Account& a, TimePoint t) {
  const Announced d = desired(a);
  coap::Message m;
  m.code = coap::codes::Post;
  for (const auto& segment : a.location) m.add_option(coap::options::UriPath, segment);
  lwm2m::UpdateParams params;
  if (d.lifetime != a.told.lifetime) params.lifetime = d.lifetime;
  // The server keeps queue mode unless the binding is restated, so a change of Q restates it.
  if (d.binding != a.told.binding || d.queue_mode != a.told.queue_mode) {
    params.binding = d.binding;
    params.queue_mode = d.queue_mode;
  }
  lwm2m::add_update_queries(params, a.form.version, m);
  if (d.links != a.told.links) {
    lwm2m::set_content_format(m, lwm2m::ContentFormat::LinkFormat);
    m.set_payload(d.links);
  }
  wake(a);
  const auto id = engine.send_request(*a.peer, std::move(m), t);
  a.update_wanted = false;
  if (!id) {  // the engine's bounds: try again after the retry timer
    a.update_at = t + seconds(server_integer(a, 18).value_or(60));
    return;
  }
  a.request = *id;
  a.telling = d;
  a.state = RegistrationState::Updating;
  pending[*id] = PendingRequest{PendingRequest::Kind::Update, a.ssid};
}

void Client::Impl::send_deregister(Account& a, TimePoint t) {
  coap::Message m;
  m.code = coap::codes::Delete;
  for (const auto& segment : a.location) m.add_option(coap::options::UriPath, segment);
  wake(a);
  const auto id = engine.send_request(*a.peer, std::move(m), t);
  clear_observations(a);
  a.attributes.clear();
  a.state = RegistrationState::Deregistering;
  if (!id) return finish_deregister(a);  // nothing can be sent: done without an answer
  a.request = *id;
  pending[*id] = PendingRequest{PendingRequest::Kind::Deregister, a.ssid};
}

void Client::Impl::disable(Account& a, TimePoint t) {
  const Duration timeout = seconds(server_integer(a, 5).value_or(86400));
  a.disabled_until = t + timeout;
  push_event(Disabled{a.ssid, timeout});
  const bool registered = a.registered();
  if (a.request) {
    (void)engine.cancel(*a.request);
    pending.erase(*a.request);
    a.request.reset();
  }
  a.stop_after_deregister = false;
  if (registered) {
    send_deregister(a, t);
  } else {  // not registered (yet): just wait out the timeout
    clear_observations(a);
    a.state = RegistrationState::Disabled;
  }
}

void Client::Impl::objects_changed(TimePoint t) {
  for (auto& [ssid, a] : accounts) request_update(a, t);
}

void Client::Impl::server_object_written(std::uint16_t server_iid, TimePoint t) {
  for (auto& [ssid, a] : accounts)
    if (a.server_iid == server_iid) request_update(a, t);
}

void Client::Impl::on_registration_response(const PendingRequest& p, const coap::Message& response,
                                            TimePoint t) {
  Account* a = account(p.ssid);
  if (!a) return;
  a->request.reset();
  const coap::Code code = response.code;
  switch (p.kind) {
    case PendingRequest::Kind::Register: {
      std::vector<std::string> location;
      response.for_each(coap::options::LocationPath, [&](const coap::OptionView& segment) {
        location.emplace_back(segment.as_string());
      });
      if (code != coap::codes::Created || location.empty()) {
        if (fall_back(*a, code, t)) return;
        registration_attempt_failed(*a, code,
                                    code == coap::codes::Created
                                        ? "Register answered without Location-Path"
                                        : "Register answered " + code.to_string(),
                                    t);
        return;
      }
      a->location = std::move(location);
      a->told = a->telling;
      a->state = RegistrationState::Registered;
      a->attempt = 1;
      a->sequence = 1;
      a->update_at = t + update_delay(a->told.lifetime, max_transmit_wait);
      push_event(Registered{a->ssid, join_segments(a->location)});
      if (a->update_wanted) {
        a->update_wanted = false;
        request_update(*a, t);
      }
      return;
    }
    case PendingRequest::Kind::Update:
      if (code.is_success()) {
        a->told = a->telling;
        a->state = RegistrationState::Registered;
        a->update_at = t + update_delay(a->told.lifetime, max_transmit_wait);
        push_event(Updated{a->ssid});
        if (a->update_wanted) {
          a->update_wanted = false;
          request_update(*a, t);
        }
        return;
      }
      // 4.04: the server lost the registration; any other error: it will not take this Update.
      // Either way a fresh Register follows at once.
      push_event(
          RegistrationFailed{a->ssid, code, "Update answered " + code.to_string(), false, {}});
      a->location.clear();
      clear_observations(*a);
      begin_registration(*a, t, Duration::zero());
      return;
    case PendingRequest::Kind::Deregister:
      finish_deregister(*a);
      return;                              // whatever the answer
    case PendingRequest::Kind::Send:       // send.cpp
    case PendingRequest::Kind::Bootstrap:  // bootstrap.cpp
    case PendingRequest::Kind::Firmware:   // firmware.cpp
      return;
  }
}

void Client::Impl::finish_deregister(Account& a) {
  a.request.reset();
  a.location.clear();
  a.state = a.stop_after_deregister ? RegistrationState::Idle : RegistrationState::Disabled;
  push_event(Deregistered{a.ssid});
}

void Client::Impl::on_registration_failure(const PendingRequest& p, coap::FailureReason reason,
                                           TimePoint t) {
  Account* a = account(p.ssid);
  if (!a) return;
  a->request.reset();
  switch (p.kind) {
    case PendingRequest::Kind::Register:
      registration_attempt_failed(*a, coap::codes::Empty,
                                  "Register failed: " + std::string(coap::to_string(reason)), t);
      return;
    case PendingRequest::Kind::Update:
      push_event(RegistrationFailed{a->ssid,
                                    coap::codes::Empty,
                                    "Update failed: " + std::string(coap::to_string(reason)),
                                    false,
                                    {}});
      a->location.clear();
      clear_observations(*a);
      begin_registration(*a, t, Duration::zero());
      return;
    case PendingRequest::Kind::Deregister:
      finish_deregister(*a);
      return;
    case PendingRequest::Kind::Send:       // send.cpp
    case PendingRequest::Kind::Bootstrap:  // bootstrap.cpp
    case PendingRequest::Kind::Firmware:   // firmware.cpp
      return;
  }
}

void Client::Impl::registration_timers(Account& a, TimePoint t) {
  switch (a.state) {
    case RegistrationState::Waiting:
      if (t >= a.next_attempt) attempt_register(a, t);
      break;
    case RegistrationState::Registered:
      if (t >= a.update_at) send_update(a, t);
      break;
    case RegistrationState::Disabled:
      if (t >= a.disabled_until) {
        begin_registration(a, t, Duration::zero());
        attempt_register(a, t);
      }
      break;
    default:
      break;
  }
  // Queue mode: sleep once the awake time has passed with nothing in flight towards the server.
  if (may_sleep(a) && t >= a.last_traffic + config.awake_time) {
    a.asleep = true;
    push_event(Sleeping{a.ssid});
  }
}

bool Client::Impl::may_sleep(const Account& a) const {
  if (!a.queue_mode || !a.registered() || a.asleep || a.request) return false;
  return std::none_of(pending.begin(), pending.end(),
                      [&](const auto& p) { return p.second.ssid == a.ssid; });
}

std::optional<TimePoint> Client::Impl::registration_due(const Account& a) const {
  std::optional<TimePoint> due;
  switch (a.state) {
    case RegistrationState::Waiting:
      due = a.next_attempt;
      break;
    case RegistrationState::Registered:
      due = a.update_at;
      break;
    case RegistrationState::Disabled:
      due = a.disabled_until;
      break;
    default:
      break;
  }
  if (may_sleep(a)) {
    const TimePoint sleep_at = a.last_traffic + config.awake_time;
    if (!due || sleep_at < *due) due = sleep_at;
  }
  return due;
}

void Client::Impl::wake(Account& a) {
  a.last_traffic = std::max(a.last_traffic, now);
  if (!a.asleep) return;
  a.asleep = false;
  push_event(Awake{a.ssid});
}

void Client::Impl::note_traffic(const coap::PeerAddress& peer, TimePoint t) {
  if (Account* a = account_by_peer(peer)) a->last_traffic = std::max(a->last_traffic, t);
}

}  // namespace drover::client
