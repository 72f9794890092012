// The Registration interface (Register, Update, De-register on /rd) and Send (/dp).
#include "drover/lwm2m/protocol/registration.hpp"

#include <algorithm>
#include <cstring>

#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "server_impl.hpp"

namespace drover::server {
namespace {

using coap::codes::BadRequest;

std::uint32_t clamp_lifetime(std::uint32_t lifetime, std::uint32_t minimum) {
  return std::max(lifetime, minimum);
}

}  // namespace

std::shared_ptr<const lwm2m::RegistrationPayload> ObjectListCache::find(
    std::string_view text) const {
  const auto it = by_text_.find(text);
  return it == by_text_.end() ? nullptr : it->second;
}

void ObjectListCache::add(std::string_view text,
                          std::shared_ptr<const lwm2m::RegistrationPayload> payload) {
  if (by_text_.size() >= sweep_at_) {
    std::erase_if(by_text_, [](const auto& entry) { return entry.second.use_count() == 1; });
    sweep_at_ = std::max<std::size_t>(64, by_text_.size() * 2);
  }
  by_text_.emplace(std::string(text), std::move(payload));
}

std::optional<std::pair<coap::Code, std::string>> Server::Impl::read_objects(
    const coap::Message& request, std::shared_ptr<const lwm2m::RegistrationPayload>& out) {
  const auto cf = lwm2m::content_format_of(request);
  if (cf.present && cf.format != lwm2m::ContentFormat::LinkFormat)
    return std::pair{coap::codes::UnsupportedContentFormat,
                     std::string("the object list must be application/link-format")};
  const std::string_view text = request.payload_string();
  if ((out = object_lists.find(text))) return std::nullopt;
  std::vector<lwm2m::Link> links;
  if (auto error = lwm2m::parse_link_format(text, links, config.link_limits))
    return std::pair{BadRequest, "object list: " + error->message + " at offset " +
                                     std::to_string(error->offset)};
  auto payload = std::make_shared<lwm2m::RegistrationPayload>();
  if (auto error = lwm2m::parse_registration_links(links, *payload))
    return std::pair{BadRequest, "object list: " + error->message};
  out = std::move(payload);
  object_lists.add(text, out);
  return std::nullopt;
}

void Server::Impl::respond(coap::ExchangeId exchange, coap::Code code, TimePoint now,
                           std::string_view diagnostic) {
  coap::Message response = engine.take_message();
  response.code = code;
  // RFC 7252 §5.5.2: a diagnostic payload, no Content-Format.
  if (!diagnostic.empty()) response.set_payload(diagnostic);
  (void)engine.respond(exchange, std::move(response), now);  // fails only if the exchange expired
}

void Server::Impl::on_request(const coap::RequestReceived& request, TimePoint now) {
  std::string_view segments[3];
  std::size_t count = 0;
  request.request.for_each(coap::options::UriPath, [&](const coap::OptionView& segment) {
    if (count < 3) segments[count] = segment.as_string();
    ++count;
  });
  const coap::Code method = request.request.code;
  if (count >= 1 && count <= 2 && segments[0] == "rd") {
    if (count == 1) {
      if (method != coap::codes::Post)
        return respond(request.exchange, coap::codes::MethodNotAllowed, now);
      return on_register(request, now);
    }
    const Registration* registration = store().find_by_location(segments[1]);
    if (!registration)
      return respond(request.exchange, coap::codes::NotFound, now, "unknown registration");
    if (!acts_for(request.peer, *registration))
      return respond(request.exchange, coap::codes::Forbidden, now,
                     "not the identity of the registration");
    if (method == coap::codes::Post) return on_update(request, *registration, now);
    if (method == coap::codes::Delete) return on_deregister(request, *registration, now);
    return respond(request.exchange, coap::codes::MethodNotAllowed, now);
  }
  if (count == 1 && segments[0] == "dp") {
    if (method != coap::codes::Post)
      return respond(request.exchange, coap::codes::MethodNotAllowed, now);
    return on_send(request, now);
  }
  if (count >= 1)
    for (const auto& [segment, handler] : resources)
      if (segment == segments[0]) {
        coap::Message response = engine.take_message();
        handler(request, response);
        (void)engine.respond(request.exchange, std::move(response), now);
        return;
      }
  respond(request.exchange, coap::codes::NotFound, now);
}

namespace {
constexpr char kLocationAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";  // base32
constexpr int kLocationStepChars = 4;
constexpr unsigned kLocationsPerStep = 256;
}  // namespace

std::string Server::Impl::new_location() {
  // 4 characters that grow with the registrations made (a step every 256), then 50 random bits
  // as 10 characters. The random part makes a location unguessable, so that it is a capability
  // for Update and De-register over NoSec. The growing part makes new locations sort after older
  // ones, so that a store ordered by location (store/) takes a registration storm at the end of
  // its index, a few pages per batch, instead of all over it.
  for (;;) {
    std::string location = config.location_prefix;
    const std::uint32_t step = location_sequence++ / kLocationsPerStep;
    for (int i = kLocationStepChars - 1; i >= 0; --i)
      location += kLocationAlphabet[(step >> (5 * i)) & 31u];
    std::uint64_t bits = random.next_u64();
    for (int i = 0; i < 10; ++i) {
      location += kLocationAlphabet[bits & 31u];
      bits >>= 5;
    }
    if (!store().find_by_location(location)) return location;
  }
}

void Server::Impl::continue_locations_after(std::string_view location) {
  if (!location.starts_with(config.location_prefix)) return;
  location.remove_prefix(config.location_prefix.size());
  if (location.size() < kLocationStepChars) return;
  std::uint32_t step = 0;
  for (int i = 0; i < kLocationStepChars; ++i) {
    const char* at = std::strchr(kLocationAlphabet, location[static_cast<std::size_t>(i)]);
    if (!at || !*at) return;
    step = step << 5 | static_cast<std::uint32_t>(at - kLocationAlphabet);
  }
  // Past 2^20 steps the count wraps: later locations then sort anywhere, which costs only speed.
  location_sequence = std::max(location_sequence, (step + 1) * kLocationsPerStep);
}

bool Server::Impl::acts_for(const coap::PeerAddress& peer, const Registration& registration) const {
  if (!security_lookup) return true;
  const auto security = security_lookup(peer);
  return (security ? std::optional(security->identity) : std::nullopt) == registration.identity;
}

void Server::Impl::on_register(const coap::RequestReceived& request, TimePoint now) {
  lwm2m::RegisterParams params;
  if (auto error = lwm2m::parse_register_query(request.request, params)) {
    return respond(request.exchange,
                   error->version_unsupported ? coap::codes::PreconditionFailed : BadRequest, now,
                   error->message);
  }
  Registration registration;
  if (security_lookup) {
    if (auto security = security_lookup(request.peer)) {
      if (security->endpoint != params.endpoint)
        return respond(request.exchange, coap::codes::Forbidden, now,
                       "the credential is not bound to endpoint " + params.endpoint);
      registration.identity = std::move(security->identity);
    } else if (secured_endpoint && secured_endpoint(params.endpoint)) {
      return respond(request.exchange, coap::codes::Forbidden, now,
                     "endpoint " + params.endpoint + " has a credential: register over DTLS");
    }
  }
  if (auto error = read_objects(request.request, registration.objects))
    return respond(request.exchange, error->first, now, error->second);

  const Registration* existing = store().find_by_endpoint(params.endpoint);
  if (!existing && store().size() >= config.max_registrations) {
    return respond(request.exchange, coap::codes::ServiceUnavailable, now,
                   "server full: " + std::to_string(config.max_registrations) + " registrations");
  }

  registration.endpoint = std::move(params.endpoint);
  registration.location = new_location();
  registration.peer = request.peer;
  registration.version = params.version.value_or(lwm2m::Lwm2mVersion::V1_0);
  registration.lifetime =
      clamp_lifetime(params.lifetime.value_or(lwm2m::default_lifetime), config.min_lifetime);
  registration.binding = params.binding.value_or("U");
  registration.queue_mode = params.queue_mode;
  registration.sms = std::move(params.sms);
  registration.registered_at = now;
  registration.updated_at = now;
  registration.expires_at = now + std::chrono::seconds(registration.lifetime);

  // A Register of a known endpoint replaces its registration and everything that hung on it.
  if (existing) {
    Registration previous = *store().remove(registration.endpoint);
    if (persistence) persistence->registration_removed(previous);
    const std::string location = previous.location;
    events.emplace_back(Replaced{std::move(previous)});
    end_session(location, registration.endpoint, ObservationEndReason::Replaced);
  }

  coap::Message response = engine.take_message();
  response.code = coap::codes::Created;
  response.add_option(coap::options::LocationPath, "rd");
  response.add_option(coap::options::LocationPath, registration.location);
  (void)engine.respond(request.exchange, std::move(response), now);

  schedule_expiry(registration);
  const std::string location = registration.location;
  const bool queue_mode = registration.queue_mode;
  events.emplace_back(Registered{registration});
  if (persistence) persistence->registration_added(registration);
  store().put(std::move(registration));
  if (queue_mode) set_queue_mode(location, true, now);
}

void Server::Impl::on_update(const coap::RequestReceived& request, const Registration& current,
                             TimePoint now) {
  lwm2m::UpdateParams params;
  if (auto error = lwm2m::parse_update_query(request.request, params))
    return respond(request.exchange, BadRequest, now, error->message);
  std::shared_ptr<const lwm2m::RegistrationPayload> objects;
  if (!request.request.payload().empty()) {
    if (auto error = read_objects(request.request, objects))
      return respond(request.exchange, error->first, now, error->second);
  }

  const std::string endpoint = current.endpoint;
  const std::string location = current.location;
  const TimePoint previous_expiry = current.expires_at;
  const TimePoint previous_update = current.updated_at;
  const bool moved = current.peer != request.peer;
  RegistrationUpdate update;
  update.updated_at = now;
  // NoSec clients behind NATs change address; the location (unguessable) authenticates them.
  update.peer = request.peer;
  if (params.lifetime) update.lifetime = clamp_lifetime(*params.lifetime, config.min_lifetime);
  update.binding = std::move(params.binding);
  // Q is a flag: only an Update that restates the binding or sends Q changes queue mode.
  if (update.binding || params.queue_mode) update.queue_mode = params.queue_mode;
  update.sms = std::move(params.sms);
  const bool objects_changed =
      objects && objects != current.objects && *objects != *current.objects;
  if (objects_changed) update.objects = std::move(objects);
  const Registration& updated = *store().update(endpoint, update);
  if (persistence)
    persistence->registration_updated(updated,
                                      !update.renewal_only() ? UpdateChange::Restated
                                      : moved                ? UpdateChange::Peer
                                                             : UpdateChange::None,
                                      previous_update);
  // The entry already scheduled is pushed again when it comes due; only a shorter lifetime needs
  // an earlier one.
  if (updated.expires_at < previous_expiry) schedule_expiry(updated);
  respond(request.exchange, coap::codes::Changed, now);

  touch(location, now);  // Awake (if it slept), then the queued requests go out
  set_queue_mode(location, updated.queue_mode, now);
  // `updated` is still valid: nothing above changes the store.
  events.emplace_back(Updated{updated, objects_changed});
}

void Server::Impl::on_deregister(const coap::RequestReceived& request, const Registration& current,
                                 TimePoint now) {
  respond(request.exchange, coap::codes::Deleted, now);
  Registration removed = *store().remove(current.endpoint);
  if (persistence) persistence->registration_removed(removed);
  const std::string location = removed.location;
  const std::string endpoint = removed.endpoint;
  events.emplace_back(Deregistered{std::move(removed)});
  end_session(location, endpoint, ObservationEndReason::Deregistered);
}

void Server::Impl::on_send(const coap::RequestReceived& request, TimePoint now) {
  const Registration* registration = store().find_by_peer(request.peer);
  if (!registration)
    return respond(request.exchange, coap::codes::NotFound, now,
                   "no registration from this address");
  if (!acts_for(request.peer, *registration))
    return respond(request.exchange, coap::codes::Forbidden, now,
                   "not the identity of the registration");
  const auto cf = lwm2m::content_format_of(request.request);
  if (!cf.format || (*cf.format != lwm2m::ContentFormat::SenmlJson &&
                     *cf.format != lwm2m::ContentFormat::SenmlCbor &&
                     *cf.format != lwm2m::ContentFormat::Lwm2mCbor)) {
    return respond(request.exchange, coap::codes::UnsupportedContentFormat, now,
                   "Send takes SenML JSON, SenML CBOR or LwM2M CBOR");
  }
  const RegistrationTypes types(self.objects_, registration);
  std::vector<lwm2m::Record> records;
  lwm2m::DecodeOptions options;
  options.types = &types;
  options.now = wall_time();
  if (auto error =
          lwm2m::decode(*cf.format, request.request.payload(), lwm2m::Path(), options, records))
    return respond(request.exchange, BadRequest, now, error->message);
  respond(request.exchange, coap::codes::Changed, now);

  const std::string location = registration->location;
  events.emplace_back(SendReceived{registration->endpoint, *cf.format, std::move(records)});
  touch(location, now);
}

}  // namespace drover::server
