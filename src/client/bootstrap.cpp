// Client-initiated bootstrap (client.hpp): the Bootstrap-Request, the bootstrap server's
// requests while it provisions, and the accounts its Finish makes; or the Bootstrap-Pack-Request
// and the accounts its pack makes.
#include <algorithm>

#include "client_impl.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/lwm2m/protocol/security.hpp"

namespace drover::client {

namespace codes = coap::codes;
using lwm2m::ContentFormat;
using lwm2m::Path;
using Phase = BootstrapAccount::Phase;

namespace {

std::optional<std::uint16_t> ssid_of(ObjectInstance* inst, std::uint16_t rid) {
  const auto i = integer_value(inst, rid);
  if (!i || *i <= 0 || *i >= lwm2m::reserved_id) return std::nullopt;
  return static_cast<std::uint16_t>(*i);
}

}  // namespace

Status Client::add_bootstrap_server(const std::string& uri, TimePoint now, Duration hold_off) {
  Impl& c = *impl_;
  if (c.bootstrap) return Error::DuplicateServer;
  const auto peer = c.resolve(uri);
  if (!peer) return Error::InvalidArgument;
  const auto iid = c.free_instance_id(0);
  if (!iid) return Error::TooManyInstances;
  auto security = std::make_unique<ValueInstance>();
  security->set(0, lwm2m::Value(uri));
  security->set(1, lwm2m::Value(true));
  security->set(2, lwm2m::Value(static_cast<std::int64_t>(lwm2m::SecurityMode::NoSec)));
  security->set(3, lwm2m::Value(lwm2m::Opaque{}));
  security->set(4, lwm2m::Value(lwm2m::Opaque{}));
  security->set(5, lwm2m::Value(lwm2m::Opaque{}));
  security->set(11, lwm2m::Value(std::int64_t{
                        std::chrono::duration_cast<std::chrono::seconds>(hold_off).count()}));
  c.objects[0].instances.emplace(*iid, std::move(security));
  ++c.instance_count;
  c.set_bootstrap_account(*peer, *iid);
  c.now = std::max(c.now, now);
  if (c.started && c.accounts.empty()) c.schedule_bootstrap(now);
  c.settle(now);
  return std::monostate{};
}

void Client::Impl::set_bootstrap_account(const coap::PeerAddress& peer, std::uint16_t iid) {
  bootstrap.emplace();
  bootstrap->peer = peer;
  bootstrap->security_iid = iid;
}

bool Client::Impl::needs_bootstrap() const {
  return std::all_of(accounts.begin(), accounts.end(), [](const auto& entry) {
    return entry.second.state == RegistrationState::Failed;
  });
}

void Client::Impl::schedule_bootstrap(TimePoint t) {
  auto& b = *bootstrap;
  if (b.phase == Phase::Requesting || b.phase == Phase::Provisioning) return;
  const auto seconds = integer_value(find_instance(0, b.security_iid), 11);
  if (!seconds || *seconds <= 0) return start_bootstrap(t);
  b.phase = Phase::Waiting;
  b.request_at = t + std::chrono::seconds(*seconds);
}

void Client::Impl::start_bootstrap(TimePoint t) {
  auto& b = *bootstrap;
  if (b.phase == Phase::Requesting || b.phase == Phase::Provisioning) return;
  coap::Message m = engine.take_message();
  b.pack = config.bootstrap_pack && config.version == lwm2m::Lwm2mVersion::V1_2 && !b.pack_refused;
  b.touched.clear();
  lwm2m::BootstrapParams params{config.endpoint, std::nullopt};
  if (b.pack) {
    m.code = codes::Get;
    m.set_uri_path("/bspack");
    lwm2m::set_accept(m, ContentFormat::SenmlCbor);  // the format every 1.2 bootstrap server has
  } else {
    m.code = codes::Post;
    m.set_uri_path("/bs");
    if (config.version != lwm2m::Lwm2mVersion::V1_0)  // pct came with 1.1
      params.pct = static_cast<std::uint16_t>(multi_value_format(config.version));
  }
  lwm2m::add_bootstrap_queries(params, m);
  const auto id = engine.send_request(b.peer, std::move(m), t);
  if (!id) {
    bootstrap_failed(codes::Empty,
                     request_name(b) + ": " + std::string(coap::to_string(id.error())));
    return;
  }
  b.phase = Phase::Requesting;
  b.request = *id;
  // Core TS: without a Finish within EXCHANGE_LIFETIME of the request, bootstrap has failed.
  b.deadline = t + config.engine.exchange_lifetime;
  pending.emplace(*id, PendingRequest{PendingRequest::Kind::Bootstrap, 0});
}

void Client::Impl::on_bootstrap_response(const coap::Message& response, TimePoint t) {
  auto& b = *bootstrap;
  b.request.reset();
  const auto code = response.code;
  std::string reason = request_name(b) + " answered " + code.to_string();
  if (!response.payload().empty() && !code.is_success())
    reason += ": " + std::string(response.payload_string());
  if (b.pack && (code == codes::NotFound || code == codes::MethodNotAllowed ||
                 code == codes::NotAcceptable || code == codes::NotImplemented)) {
    // A bootstrap server without Bootstrap-Pack (older than 1.2): the Bootstrap-Request then.
    b.pack_refused = true;
    b.phase = Phase::Idle;
    push_event(BootstrapFallback{code, std::move(reason)});
    return start_bootstrap(t);
  }
  if (!code.is_success()) return bootstrap_failed(code, std::move(reason));
  if (b.pack) return apply_pack(response, t);
  if (b.phase == Phase::Requesting) b.phase = Phase::Provisioning;
}

void Client::Impl::on_bootstrap_failure(coap::FailureReason reason) {
  bootstrap_failed(codes::Empty, request_name(*bootstrap) + ": " + std::string(to_string(reason)));
}

// The pack's instances are written as Bootstrap-Writes would, then ended as by a Finish.
void Client::Impl::apply_pack(const coap::Message& response, TimePoint t) {
  const auto fail = [&](std::string why) {
    bootstrap_failed(codes::Empty, "unusable Bootstrap-Pack: " + std::move(why));
  };
  const auto cf = lwm2m::content_format_of(response);
  if (!cf.present || !cf.format) return fail("no content format it could be read in");
  lwm2m::DecodeOptions options;
  options.types = &registry;
  std::vector<lwm2m::Record> records;
  if (auto error = lwm2m::decode(*cf.format, response.payload(), Path(), options, records))
    return fail(error->message);
  for (const auto& r : records) {
    if (!r.path.has_instance()) return fail(r.path.to_string() + " is not in an instance");
    if (!definition(r.path.object_id()))
      return fail("no object " + std::to_string(r.path.object_id()));
  }
  if (const Outcome outcome = write_instances(Path(), records); outcome != Outcome::Ok)
    return fail(std::string(to_string(outcome)));
  std::vector<AccountPair> pairs;
  std::vector<std::uint16_t> closing;
  if (auto refusal = check_bootstrap(pairs, closing)) return fail(std::move(*refusal));
  complete_bootstrap(pairs, closing, t);
}

std::string Client::Impl::request_name(const BootstrapAccount& b) {
  return b.pack ? "Bootstrap-Pack-Request" : "Bootstrap-Request";
}

std::optional<std::string> Client::Impl::check_bootstrap(std::vector<AccountPair>& pairs,
                                                         std::vector<std::uint16_t>& closing) {
  closing = unbootstrapped_accounts();
  if (auto reason = account_pairs(pairs, closing)) return reason;
  const std::size_t kept = accounts.size() - closing.size();
  if (pairs.empty() && kept == 0)
    return "no Security and Server instance pair names an LwM2M server";
  if (kept + pairs.size() > config.max_servers) return "more servers than the client takes";
  return std::nullopt;
}

std::vector<std::uint16_t> Client::Impl::unbootstrapped_accounts() const {
  const auto touched = [&](std::uint16_t oid, std::uint16_t iid) {
    const auto& t = bootstrap->touched;
    return std::find(t.begin(), t.end(), Path(oid, iid)) != t.end();
  };
  std::vector<std::uint16_t> out;
  for (const auto& [ssid, a] : accounts)
    if (a.state == RegistrationState::Failed || touched(0, a.security_iid) ||
        touched(1, a.server_iid))
      out.push_back(ssid);
  return out;
}

void Client::Impl::close_account(std::uint16_t ssid, TimePoint t) {
  Account& a = accounts.at(ssid);
  if (a.request) {
    pending.erase(*a.request);
    (void)engine.cancel(*a.request);
  }
  if (a.registered()) {
    coap::Message m;
    m.code = codes::Delete;
    for (const auto& segment : a.location) m.add_option(coap::options::UriPath, segment);
    (void)engine.send_request(*a.peer, std::move(m), t);
  }
  clear_observations(a);
  accounts.erase(ssid);
}

void Client::Impl::complete_bootstrap(const std::vector<AccountPair>& pairs,
                                      const std::vector<std::uint16_t>& closing, TimePoint t) {
  bootstrap->phase = Phase::Done;
  bootstrap->failures = 0;
  for (const auto ssid : closing) close_account(ssid, t);
  for (const auto ssid : closing) {
    const bool named = std::any_of(pairs.begin(), pairs.end(),
                                   [&](const AccountPair& p) { return p.ssid == ssid; });
    if (!named) server_account_removed(ssid, t);
  }
  if (!closing.empty()) objects_changed(t);
  Bootstrapped done{open_accounts(pairs, t), {}};
  for (const auto ssid : closing)
    if (std::find(done.servers.begin(), done.servers.end(), ssid) == done.servers.end())
      done.removed.push_back(ssid);
  push_event(std::move(done));
}

namespace {
constexpr double bootstrap_retry_jitter = 0.1;  // as registration retries: no fleet in lockstep
}  // namespace

void Client::Impl::bootstrap_failed(coap::Code code, std::string reason) {
  auto& b = *bootstrap;
  if (b.request) {
    pending.erase(*b.request);
    (void)engine.cancel(*b.request);
    b.request.reset();
  }
  b.phase = Phase::Failed;
  BootstrapFailed event{code, std::move(reason), std::nullopt};
  if (started && config.bootstrap_retry.count() > 0) {
    // The retry timer doubling with each failure in a row, as the registration procedure's.
    const unsigned shift = std::min<std::uint32_t>(b.failures++, 30);
    const Duration delay =
        std::min(config.max_bootstrap_retry, config.bootstrap_retry * (std::int64_t{1} << shift));
    event.retry_in = delay + std::chrono::duration_cast<Duration>(
                                 delay * (bootstrap_retry_jitter * random.unit()));
    b.phase = Phase::Waiting;
    b.request_at = now + *event.retry_in;
  }
  push_event(std::move(event));
}

void Client::Impl::bootstrap_timers(TimePoint t) {
  if (!bootstrap) return;
  const auto phase = bootstrap->phase;
  if ((phase == Phase::Requesting || phase == Phase::Provisioning) && t >= bootstrap->deadline)
    bootstrap_failed(codes::Empty, "no Bootstrap-Finish in time");
  else if (phase == Phase::Waiting && t >= bootstrap->request_at && started && needs_bootstrap())
    start_bootstrap(t);
}

std::optional<TimePoint> Client::Impl::bootstrap_due() const {
  if (!bootstrap) return std::nullopt;
  const auto phase = bootstrap->phase;
  if (phase == Phase::Waiting && started) return bootstrap->request_at;
  if (phase != Phase::Requesting && phase != Phase::Provisioning) return std::nullopt;
  return bootstrap->deadline;
}

namespace {

// One request of the bootstrap server, answered in serve().
class BootstrapRequest {
 public:
  BootstrapRequest(Client::Impl& c, coap::RequestReceived& r, TimePoint t) : c_(c), r_(r), t_(t) {}

  void serve() {
    const auto& req = r_.request;
    if (req.uri_path() == "/bs") {
      if (req.code != codes::Post) return reply(codes::MethodNotAllowed, {});
      return finish();
    }
    const auto path = lwm2m::path_of(req);
    if (!path) return reply(codes::NotFound, {});
    if (req.code == codes::Delete) return remove(*path);
    if (req.code == codes::Put) return write(*path);
    if (req.code == codes::Get) {
      if (lwm2m::accept_of(req).format == ContentFormat::LinkFormat) return discover(*path);
      return read(*path);
    }
    reply(codes::MethodNotAllowed, {});
  }

 private:
  void reply(coap::Code code, std::string_view diagnostic) {
    (void)c_.engine.respond(r_.exchange, error_response(code, diagnostic), t_);
  }

  bool is_bootstrap_account(std::uint16_t oid, std::uint16_t iid) const {
    return c_.is_bootstrap_account(oid, iid);
  }

  void erase_instance(std::uint16_t oid, std::uint16_t iid) {
    auto* entry = c_.object(oid);
    if (!entry || is_bootstrap_account(oid, iid) || c_.keeps_instance(oid) ||
        !entry->instances.erase(iid))
      return;
    --c_.instance_count;
    if (oid <= 1) c_.bootstrap->touched.emplace_back(oid, iid);
  }

  // Bootstrap-Delete: "/" is the accounts and their access control; never the bootstrap
  // server's own account.
  void remove(const Path& path) {
    if (path.has_resource())
      return reply(codes::BadRequest, "Bootstrap-Delete takes /, /o or /o/i");
    const std::vector<std::uint16_t> objects = path.is_root()
                                                   ? std::vector<std::uint16_t>{0, 1, 2}
                                                   : std::vector<std::uint16_t>{path.object_id()};
    for (const auto oid : objects) {
      auto* entry = c_.object(oid);
      if (!entry) continue;
      std::vector<std::uint16_t> ids;
      for (const auto& [iid, inst] : entry->instances)
        if (!path.has_instance() || iid == path.instance_id()) ids.push_back(iid);
      for (const auto iid : ids) erase_instance(oid, iid);
    }
    reply(codes::Deleted, {});
  }

  // Bootstrap-Write: creates the instances it names, then writes them as a Replace.
  void write(const Path& path) {
    if (path.is_root() || path.has_resource_instance())
      return reply(codes::BadRequest, "Bootstrap-Write takes /o, /o/i or /o/i/r");
    const auto cf = lwm2m::content_format_of(r_.request);
    if (!cf.present || !cf.format) return reply(codes::UnsupportedContentFormat, {});
    if (!c_.definition(path.object_id())) return reply(codes::NotFound, "no such object");
    lwm2m::DecodeOptions options;
    options.types = &c_.registry;
    std::vector<lwm2m::Record> records;
    if (auto error = lwm2m::decode(*cf.format, r_.request.payload(), path, options, records))
      return reply(error->kind == lwm2m::FormatErrorKind::Unsupported
                       ? codes::UnsupportedContentFormat
                       : codes::BadRequest,
                   error->message);
    if (const Outcome outcome = c_.write_instances(path, records); outcome != Outcome::Ok)
      return reply(to_code(outcome), to_string(outcome));
    reply(codes::Changed, {});
  }

  // Bootstrap-Discover: every object and instance, the accounts with their ssid and URI.
  void discover(const Path& path) {
    if (path.has_instance()) return reply(codes::BadRequest, "Bootstrap-Discover takes / or /o");
    std::vector<lwm2m::Link> links;
    links.emplace_back("/");
    links.back().attributes.push_back({"lwm2m", std::string(lwm2m::to_string(c_.config.version))});
    for (const auto& [oid, entry] : c_.objects) {
      if (path.has_object() && oid != path.object_id()) continue;
      if (entry.instances.empty()) links.emplace_back(Path(oid));
      for (const auto& [iid, inst] : entry.instances) {
        auto& link = links.emplace_back(Path(oid, iid));
        if (is_bootstrap_account(oid, iid)) continue;
        if (const auto ssid = ssid_of(inst.get(), oid == 0 ? 10 : 0); ssid && oid <= 1)
          link.attributes.push_back({"ssid", std::to_string(*ssid)});
        if (oid == 0)
          if (const auto uri = single_value(inst.get(), 0); uri && uri->get_if<std::string>())
            link.attributes.push_back({"uri", uri->get<std::string>()});
      }
    }
    std::string text;
    (void)lwm2m::serialize_link_format(links, text);
    coap::Message m = error_response(codes::Content, {});
    lwm2m::set_content_format(m, ContentFormat::LinkFormat);
    m.set_payload(text);
    (void)c_.engine.respond(r_.exchange, std::move(m), t_);
  }

  // Bootstrap-Read: the Server and Access Control objects only.
  void read(const Path& path) {
    if (path.is_root() || (path.object_id() != 1 && path.object_id() != 2))
      return reply(codes::BadRequest, "Bootstrap-Read takes /1 and /2");
    std::vector<lwm2m::Record> records;
    if (const Outcome outcome = c_.read_path(path, records); outcome != Outcome::Ok)
      return reply(to_code(outcome), {});
    const auto accept = lwm2m::accept_of(r_.request);
    const ContentFormat format =
        accept.present && accept.format ? *accept.format : c_.multi_value_format(c_.config.version);
    std::vector<std::uint8_t> bytes;
    if (lwm2m::encode(format, records, path, bytes)) return reply(codes::NotAcceptable, {});
    coap::Message m = error_response(codes::Content, {});
    lwm2m::set_content_format(m, format);
    m.set_payload(bytes);
    (void)c_.engine.respond(r_.exchange, std::move(m), t_);
  }

  // Bootstrap-Finish: every Security and Server pair of one ssid becomes an account.
  void finish() {
    std::vector<AccountPair> pairs;
    std::vector<std::uint16_t> closing;
    if (auto refusal = c_.check_bootstrap(pairs, closing))
      return reply(codes::NotAcceptable, *refusal);
    reply(codes::Changed, {});
    c_.complete_bootstrap(pairs, closing, t_);
  }

  Client::Impl& c_;
  coap::RequestReceived& r_;
  TimePoint t_;
};

}  // namespace

bool Client::Impl::is_bootstrap_account(std::uint16_t oid, std::uint16_t iid) {
  if (oid != 0) return false;
  const auto flag = single_value(find_instance(0, iid), 1);
  const bool* on = flag ? flag->get_if<bool>() : nullptr;
  return on && *on;
}

Outcome Client::Impl::write_instances(const Path& path, std::span<const lwm2m::Record> records) {
  if (bootstrap)
    for (const auto& record : records)
      if (record.path.has_instance() && record.path.object_id() <= 1)
        bootstrap->touched.emplace_back(record.path.object_id(), record.path.instance_id());
  for (const auto& record : records) {
    if (!record.path.has_instance()) return Outcome::BadRequest;
    const auto oid = record.path.object_id(), iid = record.path.instance_id();
    if (find_instance(oid, iid)) continue;
    if (instance_count >= config.max_instances) return Outcome::Unavailable;
    auto inst = std::make_unique<ValueInstance>();
    if (oid == 1) add_server_executables(*inst);
    objects[oid].instances.emplace(iid, std::move(inst));
    ++instance_count;
  }
  std::vector<Path> written;
  return apply_write(path, records, !path.has_resource(), written);
}

std::optional<std::string> Client::Impl::account_pairs(std::vector<AccountPair>& out,
                                                       std::span<const std::uint16_t> closing) {
  auto* security = object(0);
  auto* server = object(1);
  if (!security || !server) return std::nullopt;
  for (const auto& [siid, sec] : security->instances) {
    if (is_bootstrap_account(0, siid)) continue;
    const auto ssid = ssid_of(sec.get(), 10);
    if (!ssid || (accounts.contains(*ssid) &&
                  std::find(closing.begin(), closing.end(), *ssid) == closing.end()))
      continue;
    for (const auto& [riid, srv] : server->instances) {
      if (ssid_of(srv.get(), 0) != ssid) continue;
      const auto uri = single_value(sec.get(), 0);
      const auto* text = uri ? uri->get_if<std::string>() : nullptr;
      const auto peer = text ? resolve(*text) : std::nullopt;
      if (!peer) return "server " + std::to_string(*ssid) + ": bad URI";
      const auto binding = single_value(srv.get(), 7);
      const auto* letters = binding ? binding->get_if<std::string>() : nullptr;
      out.push_back({*ssid, siid, riid, *peer, letters && letters->find('Q') != std::string::npos});
    }
  }
  return std::nullopt;
}

std::vector<std::uint16_t> Client::Impl::open_accounts(const std::vector<AccountPair>& pairs,
                                                       TimePoint t) {
  std::vector<std::uint16_t> ssids;
  for (const auto& p : pairs) {
    add_account(p.ssid, p.security_iid, p.server_iid, p.peer, p.queue_mode, t);
    ssids.push_back(p.ssid);
  }
  return ssids;
}

bool Client::Impl::serve_bootstrap(coap::RequestReceived& request, TimePoint t) {
  if (!bootstrap || request.peer != bootstrap->peer) return false;
  const auto phase = bootstrap->phase;
  const bool under_way = phase == Phase::Requesting || phase == Phase::Provisioning;
  // Server-initiated bootstrap: a client without server accounts is waiting for one.
  const bool waiting = (phase == Phase::Idle || phase == Phase::Waiting || phase == Phase::Failed ||
                        phase == Phase::Done) &&
                       needs_bootstrap();
  if (!under_way && !waiting) {
    ++stats.requests_ignored;
    (void)engine.drop(request.exchange);
    return true;
  }
  if (waiting) {
    bootstrap->deadline = t + config.engine.exchange_lifetime;
    bootstrap->touched.clear();
  }
  // Its requests can overtake the answer to the Bootstrap-Request.
  bootstrap->phase = Phase::Provisioning;
  BootstrapRequest(*this, request, t).serve();
  return true;
}

}  // namespace drover::client
