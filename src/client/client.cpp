// The Client's public API: engine events in, the client's own timers, the merged next expiry.
#include <algorithm>
#include <limits>

#include "client_impl.hpp"
#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/protocol/security.hpp"

namespace drover::client {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

lwm2m::Version enabler_version(lwm2m::Lwm2mVersion v) {
  switch (v) {
    case lwm2m::Lwm2mVersion::V1_0:
      return {1, 0};
    case lwm2m::Lwm2mVersion::V1_1:
      return {1, 1};
    case lwm2m::Lwm2mVersion::V1_2:
      return {1, 2};
  }
  return {1, 1};
}

// MAX_TRANSMIT_WAIT (RFC 7252 §4.8.2) for the engine's parameters.
Duration max_transmit_wait(const coap::EngineConfig& c) {
  const double factor =
      static_cast<double>((1u << (std::min(c.max_retransmit, 20u) + 1)) - 1) * c.ack_random_factor;
  return std::chrono::duration_cast<Duration>(c.ack_timeout * factor);
}

void keep_earliest(std::optional<TimePoint>& best, std::optional<TimePoint> t) {
  if (t && (!best || *t < *best)) best = t;
}

}  // namespace

std::string_view to_string(Error e) {
  switch (e) {
    case Error::UnknownObject:
      return "unknown object";
    case Error::UnknownInstance:
      return "unknown instance";
    case Error::InstanceExists:
      return "instance exists";
    case Error::TooManyInstances:
      return "too many instances";
    case Error::InvalidArgument:
      return "invalid argument";
    case Error::DuplicateServer:
      return "duplicate short server ID";
    case Error::TooManyServers:
      return "too many servers";
    case Error::UnknownServer:
      return "unknown server";
    case Error::NotRegistered:
      return "not registered";
    case Error::Muted:
      return "Send is muted";
    case Error::NothingToSend:
      return "nothing to send";
    case Error::Busy:
      return "CoAP engine busy";
  }
  return "?";
}

std::string_view to_string(RegistrationState s) {
  switch (s) {
    case RegistrationState::Idle:
      return "idle";
    case RegistrationState::Waiting:
      return "waiting";
    case RegistrationState::Registering:
      return "registering";
    case RegistrationState::Registered:
      return "registered";
    case RegistrationState::Updating:
      return "updating";
    case RegistrationState::Deregistering:
      return "deregistering";
    case RegistrationState::Disabled:
      return "disabled";
    case RegistrationState::Failed:
      return "failed";
  }
  return "?";
}

coap::Message error_response(coap::Code code, std::string_view diagnostic) {
  coap::Message m;
  m.code = code;
  if (!diagnostic.empty()) m.set_payload(diagnostic);  // RFC 7252 §5.5.2 diagnostic payload
  return m;
}

bool is_numeric(const lwm2m::Value& v) {
  switch (v.type()) {
    case lwm2m::DataType::Integer:
    case lwm2m::DataType::UnsignedInteger:
    case lwm2m::DataType::Float:
    case lwm2m::DataType::Time:
      return true;
    default:
      return false;
  }
}

double numeric_value(const lwm2m::Value& v) {
  if (const auto* i = v.get_if<std::int64_t>()) return static_cast<double>(*i);
  if (const auto* u = v.get_if<std::uint64_t>()) return static_cast<double>(*u);
  if (const auto* t = v.get_if<lwm2m::Time>()) return static_cast<double>(t->seconds);
  return v.get<double>();
}

std::optional<lwm2m::Value> single_value(ObjectInstance* inst, std::uint16_t rid) {
  lwm2m::ResourceNode node;
  if (!inst || inst->read(rid, node) != Outcome::Ok || node.multiple || node.value.is_none())
    return std::nullopt;
  return std::move(node.value);
}

std::optional<std::int64_t> integer_value(ObjectInstance* inst, std::uint16_t rid) {
  const auto v = single_value(inst, rid);
  if (!v) return std::nullopt;
  if (const auto* i = v->get_if<std::int64_t>()) return *i;
  if (const auto* u = v->get_if<std::uint64_t>())
    return static_cast<std::int64_t>(std::min<std::uint64_t>(
        *u, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
  return std::nullopt;
}

std::string join_segments(const std::vector<std::string>& segments) {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) out += '/';
    out += s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
coap::EngineConfig device_engine_config() {
  coap::EngineConfig e;
  e.max_peers = 2 * default_max_servers;  // the servers, and room for one coming and one going
  e.max_exchanges = 64;
  e.max_exchanges_per_peer = 16;
  e.max_queued_requests_per_peer = 8;
  e.max_dedup_entries = 256;
  e.max_dedup_entries_per_peer = 64;
  e.max_observations = 8;  // the client role of CoAP: an LwM2M client observes nothing
  e.max_observers = default_max_servers * default_max_observations_per_server;
  e.max_observers_per_peer = default_max_observations_per_server;
  e.max_pending_transmits = 256;
  e.max_pending_events = 256;
  e.max_block_transfers = 4;
  e.max_block_transfers_per_peer = 2;
  e.max_body_size = 64 * 1024;
  return e;
}

namespace {

// Each object of `registry` made active at the newest version for this enabler version.
std::shared_ptr<lwm2m::ObjectRegistry> choose_versions(
    std::shared_ptr<lwm2m::ObjectRegistry> registry, lwm2m::Lwm2mVersion version) {
  // Each object at the newest version made for this enabler version or an older one; when every
  // version is newer (1.0 clients: no 1.0 definitions are built in), the oldest.
  const lwm2m::Version enabler = enabler_version(version);
  for (const auto* def : registry->all()) {
    const auto versions = registry->versions(def->id);
    if (def != versions.front()) continue;  // once per object
    const lwm2m::ObjectDef* chosen = versions.front();
    for (const auto* v : versions)
      if (v->lwm2m_version <= enabler) chosen = v;
    registry->choose(chosen->id, chosen->version);
  }
  return registry;
}

}  // namespace

std::shared_ptr<lwm2m::ObjectRegistry> make_object_registry(lwm2m::Lwm2mVersion version) {
  auto registry = std::make_shared<lwm2m::ObjectRegistry>();
  lwm2m::add_builtin_objects(*registry);
  return choose_versions(std::move(registry), version);
}

std::shared_ptr<lwm2m::ObjectRegistry> make_object_registry(
    lwm2m::Lwm2mVersion version, std::span<const std::uint16_t> object_ids) {
  auto registry = std::make_shared<lwm2m::ObjectRegistry>();
  constexpr std::uint16_t security_and_server[] = {0, 1};
  lwm2m::add_builtin_objects(*registry, security_and_server);
  lwm2m::add_builtin_objects(*registry, object_ids);
  return choose_versions(std::move(registry), version);
}

Client::Impl::Impl(ClientConfig c)
    : config(std::move(c)),
      engine(config.engine, config.random_seed),
      random(config.random_seed ^ 0x7265747279ull),  // apart from the engine's stream
      registry_owner(config.objects ? config.objects : make_object_registry(config.version)),
      registry(*registry_owner) {
  objects[0] = ObjectEntry{};
  objects[1] = ObjectEntry{};
  max_transmit_wait = client::max_transmit_wait(config.engine);
}

void Client::Impl::push_event(ClientEvent event) {
  if (events.size() >= config.max_pending_events) {
    events.pop_front();
    ++stats.events_dropped;
  }
  events.push_back(std::move(event));
}

Account* Client::Impl::account(std::uint16_t ssid) {
  const auto it = accounts.find(ssid);
  return it == accounts.end() ? nullptr : &it->second;
}

Account* Client::Impl::account_by_peer(const coap::PeerAddress& peer) {
  for (auto& [ssid, a] : accounts)
    if (a.peer && *a.peer == peer) return &a;
  return nullptr;
}

void Client::Impl::settle(TimePoint t) {
  now = std::max(now, t);
  process_engine_events();
  for (auto& [ssid, a] : accounts) observation_timers(a, t);
  send_timer(t);
  for (auto& [ssid, a] : accounts) registration_timers(a, t);
  bootstrap_timers(t);
  recompute_due();
}

void Client::Impl::process_engine_events() {
  coap::Event ev;
  while (engine.poll_event(ev)) {
    std::visit(Overloaded{
                   [&](coap::RequestReceived& r) { handle_request(r, now); },
                   [&](coap::ResponseReceived& r) {
                     const auto it = pending.find(r.request);
                     if (it == pending.end()) return;
                     const PendingRequest p = it->second;
                     pending.erase(it);
                     if (p.kind == PendingRequest::Kind::Firmware)
                       firmware->on_response(r.response, now);
                     else if (p.kind == PendingRequest::Kind::Send)
                       on_send_result(p, r.response.code);
                     else if (p.kind == PendingRequest::Kind::Bootstrap)
                       on_bootstrap_response(r.response, now);
                     else
                       on_registration_response(p, r.response, now);
                   },
                   [&](coap::RequestFailed& f) {
                     const auto it = pending.find(f.request);
                     if (it == pending.end()) return;
                     const PendingRequest p = it->second;
                     pending.erase(it);
                     if (p.kind == PendingRequest::Kind::Firmware)
                       firmware->on_failure(f.reason, now);
                     else if (p.kind == PendingRequest::Kind::Send)
                       on_send_result(p, coap::codes::Empty);
                     else if (p.kind == PendingRequest::Kind::Bootstrap)
                       on_bootstrap_failure(f.reason);
                     else
                       on_registration_failure(p, f.reason, now);
                   },
                   [&](coap::ObserverRemoved& r) { remove_observer(r.observer); },
                   [&](coap::NotificationReceived&) {},
                   [&](coap::PongReceived&) {},
               },
               ev);
  }
}

void Client::Impl::recompute_due() {
  std::optional<TimePoint> due;
  for (auto& [ssid, a] : accounts) {
    keep_earliest(due, registration_due(a));
    keep_earliest(due, observation_due(a));
  }
  if (send_period > Duration::zero()) keep_earliest(due, next_send);
  keep_earliest(due, bootstrap_due());
  client_due = due;
}

// ---------------------------------------------------------------------------------------------
Client::Client(ClientConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Client::~Client() = default;

bool Client::Impl::hears(const coap::PeerAddress& peer, std::size_t size, TimePoint t) {
  now = std::max(now, t);
  if (Account* a = account_by_peer(peer)) {
    if (a->asleep) {  // a sleeping radio hears nothing
      ++stats.datagrams_dropped_asleep;
      settle(t);
      return false;
    }
    a->last_traffic = t;
  }
  traffic.rx_bytes += size;
  ++traffic.rx_messages;
  traffic.max_message_size = std::max<std::uint64_t>(traffic.max_message_size, size);
  return true;
}

void Client::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                     TimePoint now) {
  Impl& c = *impl_;
  if (!c.hears(peer, datagram.size(), now)) return;
  c.engine.receive(peer, datagram, now);
  c.settle(now);
}

void Client::receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                               TimePoint now) {
  Impl& c = *impl_;
  if (!c.hears(peer, prefix.size(), now)) return;
  c.engine.receive_truncated(peer, prefix, now);
  c.settle(now);
}

void Client::on_timer(TimePoint now) {
  impl_->now = std::max(impl_->now, now);
  impl_->engine.on_timer(now);
  impl_->settle(now);
}

bool Client::poll_transmit(coap::Transmit& out) {
  Impl& c = *impl_;
  if (!c.engine.poll_transmit(out)) return false;
  c.traffic.tx_bytes += out.bytes.size();
  ++c.traffic.tx_messages;
  c.traffic.max_message_size =
      std::max<std::uint64_t>(c.traffic.max_message_size, out.bytes.size());
  c.note_traffic(out.peer, c.now);
  return true;
}

std::optional<TimePoint> Client::next_expiry() const {
  std::optional<TimePoint> due = impl_->engine.next_expiry();
  keep_earliest(due, impl_->client_due);
  return due;
}

bool Client::poll_event(ClientEvent& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

// ---- Objects

Status Client::add_object(std::uint16_t object_id, InstanceFactory factory) {
  Impl& c = *impl_;
  if (object_id <= 1) return Error::InvalidArgument;  // Security and Server: add_server
  if (object_id == lwm2m::reserved_id || !c.registry.active(object_id)) return Error::UnknownObject;
  auto& entry = c.objects[object_id];
  entry.factory = std::move(factory);
  return std::monostate{};
}

Status Client::add_instance(std::uint16_t object_id, std::uint16_t instance_id,
                            std::unique_ptr<ObjectInstance> instance, TimePoint now) {
  Impl& c = *impl_;
  ObjectEntry* entry = c.object(object_id);
  if (!entry || object_id <= 1) return Error::UnknownObject;  // accounts: add_server
  if (!instance || instance_id == lwm2m::reserved_id) return Error::InvalidArgument;
  if (entry->instances.contains(instance_id)) return Error::InstanceExists;
  const auto* def = c.definition(object_id);
  if (c.instance_count >= c.config.max_instances || (!def->multiple && !entry->instances.empty()))
    return Error::TooManyInstances;
  entry->instances.emplace(instance_id, std::move(instance));
  ++c.instance_count;
  c.now = std::max(c.now, now);
  c.objects_changed(now);
  c.observations_changed(lwm2m::Path(object_id), now);
  c.settle(now);
  return std::monostate{};
}

Status Client::remove_instance(std::uint16_t object_id, std::uint16_t instance_id, TimePoint now) {
  Impl& c = *impl_;
  ObjectEntry* entry = c.object(object_id);
  if (!entry || object_id <= 1) return Error::UnknownObject;
  if (!entry->instances.contains(instance_id)) return Error::UnknownInstance;
  if (c.keeps_instance(object_id)) return Error::InvalidArgument;
  c.now = std::max(c.now, now);
  const lwm2m::Path path(object_id, instance_id);
  c.observations_deleted(path, now);
  entry->instances.erase(instance_id);
  --c.instance_count;
  c.objects_changed(now);
  c.observations_changed(lwm2m::Path(object_id), now);
  c.settle(now);
  return std::monostate{};
}

ObjectInstance* Client::instance(std::uint16_t object_id, std::uint16_t instance_id) {
  return impl_->find_instance(object_id, instance_id);
}

lwm2m::ObjectRegistry& Client::objects() {
  return impl_->registry;
}

void Client::value_changed(const lwm2m::Path& path, TimePoint now) {
  impl_->now = std::max(impl_->now, now);
  impl_->observations_changed(path, now);
  impl_->settle(now);
}

Status Client::set_value(const lwm2m::Path& path, lwm2m::Value value, TimePoint now) {
  Impl& c = *impl_;
  if (!path.has_resource()) return Error::InvalidArgument;
  ObjectInstance* inst = c.find_instance(path.object_id(), path.instance_id());
  if (!inst) return Error::UnknownInstance;
  lwm2m::ResourceNode node;
  if (path.has_resource_instance()) {
    node.multiple = true;
    node.instances[path.resource_instance_id()] = std::move(value);
  } else {
    node.value = std::move(value);
  }
  if (inst->write(path.resource_id(), node, !path.has_resource_instance()) != Outcome::Ok)
    return Error::InvalidArgument;
  value_changed(path, now);
  return std::monostate{};
}

Result<std::vector<lwm2m::Record>> Client::read(const lwm2m::Path& path) {
  std::vector<lwm2m::Record> out;
  if (impl_->read_path(path, out) != Outcome::Ok) return Error::InvalidArgument;
  return out;
}

// ---- Accounts and registration

namespace {

// coap://<IP literal>[:port] (the default when ClientConfig::resolve is null).
std::optional<coap::PeerAddress> resolve_ip_literal(std::string_view uri) {
  constexpr std::string_view scheme = "coap://";
  if (uri.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view authority = uri.substr(scheme.size());
  authority = authority.substr(0, authority.find('/'));
  std::string text(authority);
  const bool v6 = !text.empty() && text.front() == '[';
  const auto close = text.find(']');
  const bool has_port = v6 ? (close != std::string::npos && close + 1 < text.size())
                           : text.find(':') != std::string::npos;
  if (!has_port) text += ":5683";
  return coap::PeerAddress::parse(text);
}

}  // namespace

std::optional<coap::PeerAddress> Client::Impl::resolve(std::string_view uri) const {
  return config.resolve ? config.resolve(uri) : resolve_ip_literal(uri);
}

Status Client::add_server(const ServerAccount& account, TimePoint now) {
  Impl& c = *impl_;
  if (account.uri.empty() || account.short_server_id == 0 ||
      account.short_server_id == lwm2m::reserved_id || account.lifetime == 0)
    return Error::InvalidArgument;
  if (c.accounts.contains(account.short_server_id)) return Error::DuplicateServer;
  if (c.accounts.size() >= c.config.max_servers) return Error::TooManyServers;
  const auto peer = c.resolve(account.uri);
  if (!peer) return Error::InvalidArgument;
  const auto security_iid = c.free_instance_id(0);
  const auto server_iid = c.free_instance_id(1);
  if (!security_iid || !server_iid) return Error::TooManyInstances;

  using lwm2m::Value;
  const auto integer = [](std::int64_t v) { return Value(v); };
  const auto unsigned_integer = [](std::uint64_t v) { return Value(v); };
  auto security = std::make_unique<ValueInstance>();
  security->set(0, Value(account.uri));
  security->set(1, Value(false));
  security->set(2, integer(static_cast<std::int64_t>(lwm2m::SecurityMode::NoSec)));
  security->set(3, Value(lwm2m::Opaque{}));
  security->set(4, Value(lwm2m::Opaque{}));
  security->set(5, Value(lwm2m::Opaque{}));
  security->set(10, integer(account.short_server_id));

  auto server = std::make_unique<ValueInstance>();
  server->set(0, integer(account.short_server_id));
  server->set(1, integer(account.lifetime));
  if (account.default_pmin) server->set(2, integer(*account.default_pmin));
  if (account.default_pmax) server->set(3, integer(*account.default_pmax));
  c.add_server_executables(*server);
  server->set(5, integer(account.disable_timeout));
  server->set(6, Value(true));
  server->set(7, Value(account.binding));
  server->set(14, unsigned_integer(account.initial_delay));
  server->set(17, unsigned_integer(account.retry_count));
  server->set(18, unsigned_integer(account.retry_timer));
  server->set(19, unsigned_integer(account.sequence_delay));
  server->set(20, unsigned_integer(account.sequence_retry_count));
  server->set(23, Value(account.mute_send));

  c.objects[0].instances.emplace(*security_iid, std::move(security));
  c.objects[1].instances.emplace(*server_iid, std::move(server));
  c.instance_count += 2;

  c.now = std::max(c.now, now);
  c.add_account(account.short_server_id, *security_iid, *server_iid, *peer, account.queue_mode,
                now);
  c.settle(now);
  return std::monostate{};
}

void Client::Impl::add_server_executables(ValueInstance& server) {
  // Disable, Registration Update Trigger and Bootstrap-Request Trigger: dm.cpp runs them.
  for (const std::uint16_t rid : {std::uint16_t{4}, std::uint16_t{8}, std::uint16_t{9}})
    server.set_executable(rid, nullptr);
}

Account& Client::Impl::add_account(std::uint16_t ssid, std::uint16_t security_iid,
                                   std::uint16_t server_iid, const coap::PeerAddress& peer,
                                   bool queue_mode, TimePoint t) {
  Account a;
  a.ssid = ssid;
  a.security_iid = security_iid;
  a.server_iid = server_iid;
  a.peer = peer;
  a.queue_mode = queue_mode;
  a.form.version = config.version;
  Account& added = accounts.emplace(a.ssid, std::move(a)).first->second;
  if (started)
    begin_registration(
        added, t,
        std::chrono::seconds(std::max<std::int64_t>(server_integer(added, 14).value_or(0), 0)));
  return added;
}

void Client::start(TimePoint now) {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.started = true;
  for (auto& [ssid, a] : c.accounts) {
    if (a.state != RegistrationState::Idle) continue;
    a.form = RegisterForm{c.config.version};  // starting over: the client's own form again
    const auto delay = c.server_integer(a, 14).value_or(0);
    c.begin_registration(a, now, std::chrono::seconds(std::max<std::int64_t>(delay, 0)));
  }
  if (c.bootstrap) c.bootstrap->pack_refused = false;  // starting over: the pack is tried again
  if (c.bootstrap && c.accounts.empty()) c.schedule_bootstrap(now);
  c.settle(now);
}

void Client::deregister(TimePoint now) {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.started = false;
  for (auto& [ssid, a] : c.accounts) {
    a.stop_after_deregister = true;
    if (a.request && a.state != RegistrationState::Deregistering) {
      (void)c.engine.cancel(*a.request);
      c.pending.erase(*a.request);
      a.request.reset();
    }
    if (a.state == RegistrationState::Registered || a.state == RegistrationState::Updating) {
      c.send_deregister(a, now);
    } else if (a.state != RegistrationState::Deregistering) {
      a.state = RegistrationState::Idle;
    }
  }
  c.send_period = Duration::zero();
  c.settle(now);
}

bool Client::idle() const {
  for (const auto& [ssid, a] : impl_->accounts)
    if (a.state == RegistrationState::Deregistering) return false;
  return !impl_->started && impl_->pending.empty();
}

Status Client::trigger_update(std::optional<std::uint16_t> ssid, TimePoint now) {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  bool any = false;
  for (auto& [id, a] : c.accounts) {
    if ((ssid && id != *ssid) || !a.registered()) continue;
    any = true;
    a.update_at = now;  // due now: registration_timers sends it (or after the one in flight)
    if (a.state == RegistrationState::Updating) a.update_wanted = true;
  }
  if (ssid && !c.accounts.contains(*ssid)) return Error::UnknownServer;
  c.settle(now);
  if (!any) return Error::NotRegistered;
  return std::monostate{};
}

RegistrationState Client::state(std::uint16_t ssid) const {
  const auto it = impl_->accounts.find(ssid);
  return it == impl_->accounts.end() ? RegistrationState::Idle : it->second.state;
}

std::string Client::location(std::uint16_t ssid) const {
  const auto it = impl_->accounts.find(ssid);
  return it == impl_->accounts.end() ? std::string() : join_segments(it->second.location);
}

std::vector<std::uint16_t> Client::servers() const {
  std::vector<std::uint16_t> out;
  for (const auto& [ssid, a] : impl_->accounts) out.push_back(ssid);
  return out;
}

// ---- Send

Status Client::send(std::span<const lwm2m::Path> paths, TimePoint now,
                    std::optional<std::uint16_t> ssid) {
  impl_->now = std::max(impl_->now, now);
  auto status = impl_->send(paths, now, ssid);
  impl_->settle(now);
  return status;
}

void Client::set_send_schedule(std::vector<lwm2m::Path> paths, Duration period, TimePoint now) {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.send_paths = std::move(paths);
  c.send_period = c.send_paths.empty() ? Duration::zero() : std::max(period, Duration::zero());
  c.next_send = now + c.send_period;
  c.settle(now);
}

bool Client::asleep(std::uint16_t ssid) const {
  const auto it = impl_->accounts.find(ssid);
  return it != impl_->accounts.end() && it->second.asleep;
}

Traffic Client::traffic() const {
  return impl_->traffic;
}

std::size_t Client::observation_count() const {
  std::size_t n = 0;
  for (const auto& [ssid, a] : impl_->accounts) n += a.observations.size();
  return n;
}

const ClientStats& Client::stats() const {
  return impl_->stats;
}
const coap::Engine& Client::engine() const {
  return impl_->engine;
}
const ClientConfig& Client::config() const {
  return impl_->config;
}

}  // namespace drover::client
