// The bootstrap server core (bootstrap_server.hpp): sessions, their steps, the two requests a
// device sends (Bootstrap-Request and Bootstrap-Pack-Request).
#include "drover/bootstrap/bootstrap_server.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/util/ring_queue.hpp"

namespace drover::bootstrap {

using lwm2m::ContentFormat;
using lwm2m::Path;
namespace codes = coap::codes;

std::string_view to_string(Step step) {
  switch (step) {
    case Step::Request:
      return "request";
    case Step::Discover:
      return "discover";
    case Step::Read:
      return "read";
    case Step::Delete:
      return "delete";
    case Step::Write:
      return "write";
    case Step::Finish:
      return "finish";
  }
  return "?";
}

std::string_view to_string(Error error) {
  switch (error) {
    case Error::UnknownEndpoint:
      return "no bootstrap configuration for this endpoint, and no default";
    case Error::TooManySessions:
      return "too many bootstrap sessions";
    case Error::SessionExists:
      return "this endpoint is being bootstrapped";
    case Error::Busy:
      return "the CoAP engine refused the request";
  }
  return "?";
}

namespace {

struct PlannedStep {
  Step step;
  Path path;
  std::vector<lwm2m::Record> records;  // Write
};

struct Session {
  std::string endpoint;
  coap::PeerAddress peer;
  ContentFormat format;
  BootstrapConfig config;  // as it was when the session started
  std::vector<PlannedStep> plan;
  std::size_t next = 0;  // the step under way is plan[next]
  std::optional<coap::RequestId> request;
  std::multimap<TimePoint, SessionId>::iterator deadline;
};

// Whether the configuration's own bootstrap account asks for a secure transport.
bool secured_bootstrap_account(const BootstrapConfig& config) {
  return std::any_of(config.servers.begin(), config.servers.end(), [](const ServerAccount& a) {
    return a.security.bootstrap && a.security.mode != lwm2m::SecurityMode::NoSec;
  });
}

bool is_bootstrap_format(ContentFormat f) {
  return f == ContentFormat::Tlv || f == ContentFormat::SenmlJson ||
         f == ContentFormat::SenmlCbor || f == ContentFormat::Lwm2mCbor;
}

ContentFormat format_of(const BootstrapConfig& config, std::optional<ContentFormat> pct) {
  if (config.format) return *config.format;
  if (pct) return *pct;
  if (config.version == lwm2m::Lwm2mVersion::V1_1) return ContentFormat::SenmlCbor;
  if (config.version == lwm2m::Lwm2mVersion::V1_2) return ContentFormat::Lwm2mCbor;
  return ContentFormat::Tlv;
}

void add_writes(std::vector<PlannedStep>& plan, const BootstrapConfig& config,
                std::optional<std::uint16_t> device_bootstrap_account) {
  for (auto& w : instance_writes(config, device_bootstrap_account))
    plan.push_back({Step::Write, w.path, std::move(w.records)});
  plan.push_back({Step::Finish, Path(), {}});
}

std::vector<PlannedStep> plan_of(const BootstrapConfig& config) {
  std::vector<PlannedStep> plan;
  if (config.discover) plan.push_back({Step::Discover, Path(), {}});
  for (const auto& p : config.reads) plan.push_back({Step::Read, p, {}});
  for (const auto& p : config.deletes) plan.push_back({Step::Delete, p, {}});
  add_writes(plan, config, std::nullopt);
  return plan;
}

// The Security instance of the device's bootstrap account in a Bootstrap-Discover answer: the
// one /0/x without ssid (Core TS, Bootstrap-Discover).
std::optional<std::uint16_t> bootstrap_account_of(const std::vector<lwm2m::Link>& links) {
  for (const auto& link : links) {
    const auto path = link.path();
    if (!path || path->level() != Path::Level::Instance || path->object_id() != 0) continue;
    const bool has_ssid =
        std::any_of(link.attributes.begin(), link.attributes.end(),
                    [](const lwm2m::LinkAttribute& a) { return a.name == "ssid"; });
    if (!has_ssid) return path->instance_id();
  }
  return std::nullopt;
}

lwm2m::Operation operation_of(Step step) {
  switch (step) {
    case Step::Discover:
      return lwm2m::Operation::Discover;
    case Step::Read:
      return lwm2m::Operation::Read;
    case Step::Delete:
      return lwm2m::Operation::Delete;
    case Step::Write:
      return lwm2m::Operation::Write;
    case Step::Request:
    case Step::Finish:
      break;
  }
  return lwm2m::Operation::Execute;  // a POST whose answer carries nothing to decode
}

}  // namespace

struct BootstrapServer::Impl {
  Impl(BootstrapServerConfig c, const BootstrapConfigs& cs)
      : config(std::move(c)), configs(cs), engine(config.engine, config.random_seed) {
    lwm2m::add_builtin_objects(objects);
  }

  BootstrapServerConfig config;
  const BootstrapConfigs& configs;
  server::SecurityLookup security_lookup;
  server::SecuredEndpoint secured_endpoint;
  coap::Engine engine;
  lwm2m::ObjectRegistry objects;  // types of the Read answers
  std::unordered_map<SessionId, Session> sessions;
  std::map<std::string, SessionId, std::less<>> by_endpoint;
  std::unordered_map<coap::RequestId, SessionId> by_request;
  std::multimap<TimePoint, SessionId> deadlines;
  RingQueue<BootstrapEvent> events;
  BootstrapStats stats;
  SessionId next_session = 1;

  void emit(BootstrapEvent event) {
    if (events.size() >= config.max_pending_events) {
      ++stats.events_dropped;
      return;
    }
    events.push_back(std::move(event));
  }

  void process_engine_events(TimePoint now);
  void on_request(coap::RequestReceived& r, TimePoint now);
  void on_bootstrap_request(coap::RequestReceived& r, TimePoint now);
  void on_pack_request(coap::RequestReceived& r, TimePoint now);
  // The query of a Bootstrap-Request or Bootstrap-Pack-Request and the configuration of its
  // endpoint; null, the request answered 4.00, when either is missing, or 4.03 when the peer's
  // security does not allow it (refusal()).
  const BootstrapConfig* requested_config(coap::RequestReceived& r, lwm2m::BootstrapParams& params,
                                          TimePoint now);
  // Why `peer` may not be bootstrapped as `endpoint` with `bc`; nullopt when it may.
  std::optional<std::string> refusal(const coap::PeerAddress& peer, const std::string& endpoint,
                                     const BootstrapConfig& bc) const;
  void answer(coap::ExchangeId exchange, coap::Code code, std::string_view diagnostic,
              TimePoint now) {
    auto m = engine.take_message();
    m.code = code;
    if (!diagnostic.empty()) m.set_payload(diagnostic);
    (void)engine.respond(exchange, std::move(m), now);
  }

  SessionId open(const std::string& endpoint, const coap::PeerAddress& peer,
                 const BootstrapConfig& bc, ContentFormat format, TimePoint now) {
    const SessionId id = next_session++;
    Session s{endpoint, peer, format, bc, plan_of(bc), 0, std::nullopt, {}};
    s.deadline = deadlines.emplace(now + config.session_timeout, id);
    sessions.emplace(id, std::move(s));
    by_endpoint.emplace(endpoint, id);
    ++stats.started;
    return id;
  }
  void close(SessionId id) {
    const auto it = sessions.find(id);
    if (it->second.request) {
      by_request.erase(*it->second.request);
      (void)engine.cancel(*it->second.request);
    }
    deadlines.erase(it->second.deadline);
    by_endpoint.erase(it->second.endpoint);
    sessions.erase(it);
  }
  void fail(SessionId id, coap::Code code, std::string reason) {
    const auto& s = sessions.at(id);
    Failed f{id, s.endpoint, s.plan[s.next].step, s.plan[s.next].path, code, std::move(reason)};
    ++stats.failed;
    close(id);
    emit(std::move(f));
  }
  // Sends the session's next step; false (nothing sent) when the engine refuses it.
  bool send_step(SessionId id, TimePoint now);
  void on_response(SessionId id, const coap::Message& response, TimePoint now);
};

// ---------------------------------------------------------------------------------------------

bool BootstrapServer::Impl::send_step(SessionId id, TimePoint now) {
  auto& s = sessions.at(id);
  const auto& step = s.plan[s.next];
  coap::Message m = engine.take_message();
  switch (step.step) {
    case Step::Discover:
      m = server::make_request(std::move(m), codes::Get, step.path);
      lwm2m::set_accept(m, ContentFormat::LinkFormat);
      break;
    case Step::Read:
      m = server::make_request(std::move(m), codes::Get, step.path);
      lwm2m::set_accept(m, s.format);
      break;
    case Step::Delete:
      m = server::make_request(std::move(m), codes::Delete, step.path);
      break;
    case Step::Write:
      m = server::make_request(std::move(m), codes::Put, step.path);
      // Encodable by construction: the config's values are typed and within their paths.
      (void)server::set_records(m, s.format, step.records, step.path);
      break;
    case Step::Request:  // never planned: the device's, not a step the server sends
    case Step::Finish:
      m.code = codes::Post;
      m.set_uri_path("/bs");
      break;
  }
  coap::RequestOptions options;
  options.timeout = config.request_timeout;
  const auto request = engine.send_request(s.peer, std::move(m), now, options);
  if (!request) return false;
  s.request = *request;
  by_request.emplace(*request, id);
  return true;
}

void BootstrapServer::Impl::on_response(SessionId id, const coap::Message& response,
                                        TimePoint now) {
  auto& s = sessions.at(id);
  by_request.erase(*s.request);
  const auto& step = s.plan[s.next];
  const std::optional<ContentFormat> accept =
      step.step == Step::Read ? std::optional(s.format) : std::nullopt;
  auto result = server::result_of(operation_of(step.step), step.path, accept, response, objects, 0);
  if (result.status != server::OperationStatus::Success) {
    std::string reason(server::to_string(result.status));
    if (!result.diagnostic.empty()) reason += ": " + result.diagnostic;
    fail(id, response.code, std::move(reason));
    return;
  }
  // The writes keep clear of the device's bootstrap account now that its instance is known.
  if (step.step == Step::Discover) {
    if (const auto account = bootstrap_account_of(result.links)) {
      const auto first_write = std::find_if(s.plan.begin(), s.plan.end(), [](const PlannedStep& p) {
        return p.step == Step::Write || p.step == Step::Finish;
      });
      s.plan.erase(first_write, s.plan.end());
      add_writes(s.plan, s.config, account);
    }
  }
  emit(StepDone{id, s.endpoint, s.plan[s.next].step, s.plan[s.next].path, std::move(result)});
  s.request.reset();
  if (++s.next == s.plan.size()) {
    Finished f{id, s.endpoint};
    ++stats.finished;
    close(id);
    emit(std::move(f));
    return;
  }
  if (!send_step(id, now)) fail(id, codes::Empty, std::string(to_string(Error::Busy)));
}

void BootstrapServer::Impl::process_engine_events(TimePoint now) {
  coap::Event event;
  while (engine.poll_event(event)) {
    std::visit(
        [&](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, coap::RequestReceived>) {
            on_request(e, now);
            engine.recycle(std::move(e.request));
          } else if constexpr (std::is_same_v<T, coap::ResponseReceived>) {
            if (const auto it = by_request.find(e.request); it != by_request.end())
              on_response(it->second, e.response, now);
            engine.recycle(std::move(e.response));
          } else if constexpr (std::is_same_v<T, coap::RequestFailed>) {
            if (const auto it = by_request.find(e.request); it != by_request.end()) {
              const SessionId id = it->second;
              by_request.erase(it);
              sessions.at(id).request.reset();
              fail(id, codes::Empty, std::string(server::to_string(server::status_of(e.reason))));
            }
          } else if constexpr (std::is_same_v<T, coap::NotificationReceived>) {
            engine.recycle(std::move(e.notification));
          }
          // Pings and observers: the bootstrap server sends no pings and accepts no observation.
        },
        event);
  }
}

void BootstrapServer::Impl::on_request(coap::RequestReceived& r, TimePoint now) {
  const auto path = r.request.uri_path();
  if (path == "/bs") {
    if (r.request.code == codes::Post) return on_bootstrap_request(r, now);
    return answer(r.exchange, codes::MethodNotAllowed, {}, now);
  }
  if (path == "/bspack") {
    if (r.request.code == codes::Get) return on_pack_request(r, now);
    return answer(r.exchange, codes::MethodNotAllowed, {}, now);
  }
  answer(r.exchange, codes::NotFound, {}, now);
}

const BootstrapConfig* BootstrapServer::Impl::requested_config(coap::RequestReceived& r,
                                                               lwm2m::BootstrapParams& params,
                                                               TimePoint now) {
  if (auto error = lwm2m::parse_bootstrap_query(r.request, params)) {
    ++stats.refused_unknown;
    answer(r.exchange, codes::BadRequest, error->message, now);
    return nullptr;
  }
  const BootstrapConfig* bc = configs.find(params.endpoint);
  if (!bc) {
    ++stats.refused_unknown;
    answer(r.exchange, codes::BadRequest, "no bootstrap configuration for this endpoint", now);
    return nullptr;
  }
  if (auto why = refusal(r.peer, params.endpoint, *bc)) {
    ++stats.refused_identity;
    answer(r.exchange, codes::Forbidden, *why, now);
    emit(Failed{0, params.endpoint, Step::Request, Path(), codes::Forbidden, std::move(*why)});
    return nullptr;
  }
  return bc;
}

std::optional<std::string> BootstrapServer::Impl::refusal(const coap::PeerAddress& peer,
                                                          const std::string& endpoint,
                                                          const BootstrapConfig& bc) const {
  if (!security_lookup) return std::nullopt;
  const auto security = security_lookup(peer);
  if (!security) {
    if (secured_bootstrap_account(bc) || (secured_endpoint && secured_endpoint(endpoint)))
      return "endpoint " + endpoint + " has a secured bootstrap account: bootstrap over DTLS";
    return std::nullopt;
  }
  if (security->endpoint == endpoint) return std::nullopt;
  // A credential of the default configuration serves the endpoints it is the configuration of.
  if (security->endpoint == default_config_name && !configs.get(endpoint)) return std::nullopt;
  return security->identity + " is " +
         (security->endpoint ? "bound to endpoint " + *security->endpoint
                             : "bound to no endpoint") +
         ", not " + endpoint;
}

void BootstrapServer::Impl::on_bootstrap_request(coap::RequestReceived& r, TimePoint now) {
  lwm2m::BootstrapParams params;
  const BootstrapConfig* bc = requested_config(r, params, now);
  if (!bc) return;
  std::optional<ContentFormat> pct;
  if (params.pct) {
    pct = lwm2m::content_format_from_number(*params.pct);
    if (!pct || !is_bootstrap_format(*pct)) {
      ++stats.refused_format;
      return answer(r.exchange, codes::UnsupportedContentFormat,
                    "pct must be TLV, SenML JSON, SenML CBOR or LwM2M CBOR", now);
    }
  }
  // A device asking again has given up on its previous session.
  if (const auto it = by_endpoint.find(params.endpoint); it != by_endpoint.end())
    fail(it->second, codes::Empty, "replaced by a new Bootstrap-Request");
  if (sessions.size() >= config.max_sessions) {
    ++stats.refused_busy;
    auto m = engine.take_message();
    m.code = codes::ServiceUnavailable;
    m.add_uint_option(coap::options::MaxAge,
                      static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                     config.engine.overload_max_age)
                                                     .count()));
    m.set_payload("too many bootstrap sessions");
    (void)engine.respond(r.exchange, std::move(m), now);
    return;
  }
  answer(r.exchange, codes::Changed, {}, now);
  ++stats.requests;
  const auto format = format_of(*bc, pct);
  const SessionId id = open(params.endpoint, r.peer, *bc, format, now);
  emit(Started{id, params.endpoint, r.peer, false, format});
  if (!send_step(id, now)) fail(id, codes::Empty, std::string(to_string(Error::Busy)));
}

void BootstrapServer::Impl::on_pack_request(coap::RequestReceived& r, TimePoint now) {
  lwm2m::BootstrapParams params;
  const BootstrapConfig* bc = requested_config(r, params, now);
  if (!bc) return;
  const auto accept = lwm2m::accept_of(r.request);
  const ContentFormat format =
      accept.present ? accept.format.value_or(ContentFormat::Text) : ContentFormat::SenmlCbor;
  if (format != ContentFormat::SenmlCbor && format != ContentFormat::SenmlJson &&
      format != ContentFormat::Lwm2mCbor) {
    ++stats.refused_format;
    return answer(r.exchange, codes::NotAcceptable,
                  "a Bootstrap-Pack is SenML CBOR, SenML JSON or LwM2M CBOR", now);
  }
  std::vector<lwm2m::Record> records;
  for (auto& w : instance_writes(*bc))
    std::move(w.records.begin(), w.records.end(), std::back_inserter(records));
  std::sort(records.begin(), records.end(),
            [](const lwm2m::Record& a, const lwm2m::Record& b) { return a.path < b.path; });
  auto m = engine.take_message();
  m.code = codes::Content;
  (void)server::set_records(m, format, records, Path());
  (void)engine.respond(r.exchange, std::move(m), now);
  ++stats.packs;
  emit(PackServed{params.endpoint, r.peer, format});
}

// ---------------------------------------------------------------------------------------------

BootstrapServer::BootstrapServer(BootstrapServerConfig config, const BootstrapConfigs& configs)
    : impl_(std::make_unique<Impl>(std::move(config), configs)) {}

BootstrapServer::~BootstrapServer() = default;

void BootstrapServer::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                              TimePoint now) {
  impl_->engine.receive(peer, datagram, now);
  impl_->process_engine_events(now);
}

void BootstrapServer::on_timer(TimePoint now) {
  Impl& d = *impl_;
  d.engine.on_timer(now);
  d.process_engine_events(now);
  while (!d.deadlines.empty() && d.deadlines.begin()->first <= now)
    d.fail(d.deadlines.begin()->second, codes::Empty, "session timeout");
}

bool BootstrapServer::poll_transmit(coap::Transmit& out) {
  return impl_->engine.poll_transmit(out);
}

std::optional<TimePoint> BootstrapServer::next_expiry() const {
  auto next = impl_->engine.next_expiry();
  if (!impl_->deadlines.empty() && (!next || impl_->deadlines.begin()->first < *next))
    next = impl_->deadlines.begin()->first;
  return next;
}

bool BootstrapServer::poll_event(BootstrapEvent& out) {
  if (impl_->events.empty()) return false;
  out = std::move(impl_->events.front());
  impl_->events.pop_front();
  return true;
}

drover::Result<SessionId, Error> BootstrapServer::start(const std::string& endpoint,
                                                        const coap::PeerAddress& peer,
                                                        TimePoint now) {
  Impl& d = *impl_;
  const BootstrapConfig* bc = d.configs.find(endpoint);
  if (!bc) return Error::UnknownEndpoint;
  if (d.by_endpoint.count(endpoint)) return Error::SessionExists;
  if (d.sessions.size() >= d.config.max_sessions) return Error::TooManySessions;
  const auto format = format_of(*bc, std::nullopt);
  const SessionId id = d.open(endpoint, peer, *bc, format, now);
  if (!d.send_step(id, now)) {
    --d.stats.started;
    d.close(id);
    return Error::Busy;
  }
  d.emit(Started{id, endpoint, peer, true, format});
  return id;
}

void BootstrapServer::set_security_lookup(server::SecurityLookup lookup,
                                          server::SecuredEndpoint secured) {
  impl_->security_lookup = std::move(lookup);
  impl_->secured_endpoint = std::move(secured);
}

std::size_t BootstrapServer::sessions() const {
  return impl_->sessions.size();
}

const BootstrapStats& BootstrapServer::stats() const {
  return impl_->stats;
}

const coap::Engine& BootstrapServer::engine() const {
  return impl_->engine;
}

}  // namespace drover::bootstrap
