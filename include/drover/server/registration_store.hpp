// What the LwM2M server knows about a registered client, and where it keeps it.
//
// The Server keeps registrations in a RegistrationStore, indexed by endpoint name, location (the
// "rd/{id}" the client uses for Update and De-register) and peer address (Send and responses come
// from it). InMemoryRegistrationStore is the default; a persistent or shared store implements the
// same interface. Stores also keep registrations in endpoint order (bytewise, as std::string
// compares), so that a listing pages through them at the cost of a page, not of the fleet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "drover/coap/engine.hpp"
#include "drover/coap/peer.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/protocol/registration.hpp"

namespace drover::server {

// The object list of a registration that announced none.
const std::shared_ptr<const lwm2m::RegistrationPayload>& empty_registration_payload();

// What a registration costs is measured by `drover bench memory` (docs/benchmarks.md): the struct,
// an endpoint name longer than 15 characters, and about 45 bytes of the in-memory store's indexes
// (4 to 8 of them the endpoint order); object lists are shared.
struct Registration {
  std::string endpoint;  // ep, unique per server
  std::string location;  // the registration ID: the client's Location-Path is "rd/{location}"
  coap::PeerAddress peer;
  // The (D)TLS or OSCORE identity the client authenticated with; nullopt for NoSec.
  std::optional<std::string> identity;
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_0;
  std::uint32_t lifetime = lwm2m::default_lifetime;  // seconds
  std::string binding = "U";                         // b as sent (1.0 may include Q)
  bool queue_mode = false;                           // Q (or a Q in a 1.0 binding)
  std::optional<std::string> sms;
  // Alternate root, announced ct, objects and instances. Immutable and shared: clients that
  // announce the same list (a fleet of one product) share one copy. Never null.
  std::shared_ptr<const lwm2m::RegistrationPayload> objects = empty_registration_payload();
  coap::TimePoint registered_at{};  // the Register
  coap::TimePoint updated_at{};     // the last Register or Update
  // updated_at + lifetime: the server ends the registration lifetime_grace (ServerConfig) later.
  coap::TimePoint expires_at{};

  // The announced object, or null.
  const lwm2m::RegisteredObject* object(std::uint16_t object_id) const;
  // Whether the client announced `format` in ct= (formats every client of its version must
  // support are not listed there; see Server's format choice).
  bool announced(lwm2m::ContentFormat format) const;
};

// What an Update changes in a registration. Every Update renews the lifetime from `updated_at`
// and records the address it came from (NoSec clients behind NATs move); the rest is what the
// Update restated. Lifetime, binding, queue mode and objects are the values to take.
struct RegistrationUpdate {
  coap::TimePoint updated_at{};
  coap::PeerAddress peer{};
  std::optional<std::uint32_t> lifetime{};
  std::optional<std::string> binding{};
  std::optional<bool> queue_mode{};
  std::optional<std::string> sms{};
  std::shared_ptr<const lwm2m::RegistrationPayload> objects{};  // null: unchanged

  // Nothing but the renewal (and the address): what most Updates are, and what a persistent
  // store records in a few bytes.
  bool renewal_only() const { return !lifetime && !binding && !queue_mode && !sms && !objects; }
};

// Applies `update` to `r` (every store does it the same way): expires_at follows the lifetime.
void apply_update(Registration& r, const RegistrationUpdate& update);

class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;

  // Adds `registration`, replacing the one with the same endpoint, which is returned. Locations
  // are unique: the caller never reuses one. Pointers returned by the finders stay valid until
  // the next non-const call.
  virtual std::optional<Registration> put(Registration registration) = 0;
  // Applies an Update to the registration of `endpoint` (apply_update) and returns it as changed;
  // null when there is none.
  virtual const Registration* update(std::string_view endpoint,
                                     const RegistrationUpdate& update) = 0;
  virtual std::optional<Registration> remove(std::string_view endpoint) = 0;

  virtual const Registration* find_by_endpoint(std::string_view endpoint) const = 0;
  virtual const Registration* find_by_location(std::string_view location) const = 0;
  // The most recent registration from `peer` (several endpoints may share one address behind a
  // NAT; the newest wins).
  virtual const Registration* find_by_peer(const coap::PeerAddress& peer) const = 0;
  virtual std::size_t size() const = 0;
  // Every registration, in no particular order (restoring and rebuilding the server's timers).
  virtual void for_each(const std::function<void(const Registration&)>& visit) const = 0;

  // The endpoint order. rank: how many registrations have an endpoint before `endpoint`.
  virtual std::size_t rank(std::string_view endpoint) const = 0;
  // Visits the registrations in endpoint order from rank `first` on, while `visit` returns true.
  virtual void visit_in_order(std::size_t first,
                              const std::function<bool(const Registration&)>& visit) const = 0;
  // Bytes of memory the endpoint order takes (what it costs is in docs/benchmarks.md).
  virtual std::size_t order_bytes() const = 0;
};

// Registrations in slots; hash indexes from endpoint, location and peer to a slot, and the slots
// in endpoint order.
std::unique_ptr<RegistrationStore> make_in_memory_registration_store();

}  // namespace drover::server
