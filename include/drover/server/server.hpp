// The LwM2M server core, sans-I/O: the Registration interface (/rd), Device Management and
// Information Reporting towards registered clients, Send (/dp) and queue mode.
//
// Server is a coap::DatagramCore: a driver (transport::DatagramLoop, or a test with a fake clock)
// feeds it datagrams and the time and sends what poll_transmit gives. It owns its coap::Engine.
// The application drains LwM2M events with poll_event after every receive/on_timer, and calls the
// operations (read, write, observe ...) with the current time; each returns an OperationId whose
// result comes later as an OperationCompleted event.
//
//   server.receive(peer, datagram, now);       // or server.on_timer(now) at next_expiry()
//   while (server.poll_event(ev)) handle(ev);  // may call server.read(...) and so on
//   while (server.poll_transmit(tx)) socket.send_to(tx.peer, tx.bytes);
//
// Format choice when RequestParams leaves it open:
//  * responses (Read, Observe): no Accept is sent and the client answers in its preferred format;
//    every LwM2M format is decoded. Composite operations ask for LwM2M CBOR when a 1.2 client
//    announced it, else for their request's SenML format.
//  * a single value (a resource or resource instance written with one record): text/plain, or
//    application/octet-stream for Opaque values.
//  * several values (instances, multiple resources, Create, Write-Composite): LwM2M CBOR when a
//    1.2 client announced it, else SenML CBOR, else SenML JSON when announced in ct=; otherwise
//    TLV, which 1.0 clients must support and 1.1 clients that announce nothing in practice do
//    (Write-Composite needs SenML or LwM2M CBOR: SenML CBOR unless only SenML JSON was announced).
//  * the path list of Read-/Observe-Composite: SenML CBOR unless only SenML JSON was announced.
//
// Versions: operations the client's LwM2M version lacks are refused with
// Error::UnsupportedByVersion: composite operations (1.1) for 1.0 clients, Discover with depth
// (1.2) for 1.0 and 1.1 clients. Send (1.1) is accepted from any registered client.
//
// Queue mode: a client registered with Q is awake for ServerConfig::awake_time after every
// message from it. Requests to a sleeping client wait in its queue (bounded) and go out when it
// next talks (usually an Update); a request still queued at its deadline completes with
// OperationStatus::QueueTimeout.
//
// Bounds: registrations, operations in flight or queued, observations, queued requests per
// client and pending events (see ServerConfig). A Register past max_registrations is answered
// 5.03 with a diagnostic payload; calls past a bound fail with an Error.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "drover/coap/datagram_core.hpp"
#include "drover/coap/engine.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/model/tree.hpp"
#include "drover/lwm2m/model/value.hpp"
#include "drover/lwm2m/protocol/attributes.hpp"
#include "drover/server/persistence.hpp"
#include "drover/server/registration_store.hpp"
#include "drover/server/requests.hpp"
#include "drover/util/result.hpp"

namespace drover::server {

using coap::Duration;
using coap::TimePoint;

struct ServerConfig {
  coap::EngineConfig engine;
  // Seeds the engine (tokens, MIDs) and the server's own generator (registration locations).
  // Production code seeds it from the OS; tests pass fixed seeds.
  std::uint64_t random_seed = 0;

  std::size_t max_registrations = 100000;
  // A registration ends this long after its lifetime has run out without an Update (clients send
  // the Update shortly before; this covers its retransmissions).
  Duration lifetime_grace = std::chrono::seconds(30);
  // Lifetimes below this are raised to it (a client asking lt=1 would otherwise churn).
  std::uint32_t min_lifetime = 1;

  // Queue mode: how long a Q client listens after its last message (the Transport TS suggests
  // MAX_TRANSMIT_WAIT, 93 s).
  Duration awake_time = std::chrono::seconds(93);
  std::size_t max_queued_requests_per_client = 16;

  std::size_t max_operations = 16384;  // requests in flight or queued, all clients
  std::size_t max_observations = 16384;
  std::size_t max_observations_per_client = 64;
  // Default deadline of an operation: in the queue, then for the client's final response.
  Duration request_timeout = std::chrono::seconds(93);
  // Events not yet taken by poll_event. When reached, the server stops processing input and
  // timers until the application drains (input then waits in the engine, whose own bound drops
  // more and lets peers retransmit). One input may add up to 2 + max_observations_per_client
  // events past the bound.
  std::size_t max_pending_events = 4096;

  // Bounds on a Register/Update payload.
  lwm2m::LinkFormatLimits link_limits{.max_links = 1024,
                                      .max_attributes_per_link = 16,
                                      .max_target_length = 64,
                                      .max_value_length = 256};

  // Wall-clock seconds since the epoch, used only to resolve relative SenML times in responses,
  // notifications and Send. Null: relative times are taken as offsets from 0.
  std::function<double()> wall_clock;

  // Put before the random part of every registration location. A multi-core server names the
  // shard holding a registration there (multicore::ShardedServer).
  std::string location_prefix;
  // Operation ids are first, first + step, first + 2 step ...: the shards of a multi-core server
  // take disjoint ones, so that an id names one operation across them.
  std::uint64_t first_operation_id = 1;
  std::uint64_t operation_id_step = 1;
};

// A configuration sized for up to `max_registrations` clients: room for an observation and a peer
// per client, and engine tables sized for a server rather than a device (the EngineConfig defaults
// suit both). Everything else keeps its default. What it costs per client is in
// docs/benchmarks.md (`drover bench memory`).
ServerConfig server_config_for(std::size_t max_registrations);

// ---------------------------------------------------------------------------------------------
// Identifiers and errors.

// Why a call was refused (nothing was sent or queued).
enum class Error : std::uint8_t {
  UnknownEndpoint,      // no registration with this endpoint name
  UnknownObservation,   // no such established or pending observation
  InvalidPath,          // the path's level does not fit the operation (e.g. Execute on /3/0)
  InvalidArgument,      // no records, records outside the path, bad execute arguments...
  UnsupportedFormat,    // the format cannot carry this operation (e.g. composite in TLV)
  EncodeFailed,         // the records could not be encoded in the chosen format
  QueueFull,            // the sleeping client's request queue is full
  TooManyOperations,    // max_operations reached
  TooManyObservations,  // max_observations or max_observations_per_client reached
  Busy,                 // the CoAP engine refused (its bounds towards this peer are reached)
  // The client's LwM2M version lacks the operation: composite operations need 1.1, Discover
  // with depth 1.2.
  UnsupportedByVersion,
};
std::string_view to_string(Error);

template <typename T>
using Result = drover::Result<T, Error>;
using Status = Result<std::monostate>;

// ---------------------------------------------------------------------------------------------
// Operations.

struct RequestParams {
  // Content-Format of the request payload (Write, Create, composite); else chosen (see above).
  std::optional<lwm2m::ContentFormat> format;
  // Accept: the format wanted in the response (Read, Observe, composite); else see above.
  std::optional<lwm2m::ContentFormat> accept;
  // Deadline from the call: in the queue of a sleeping client, and again for the final response
  // once sent. Else ServerConfig::request_timeout.
  std::optional<Duration> timeout;
};

enum class WriteMode : std::uint8_t {
  Replace,        // PUT
  PartialUpdate,  // POST
};

// How an observation is cancelled.
enum class CancelMode : std::uint8_t {
  Passive,  // forget it: the client's next notification gets RST
  Active,   // send GET/FETCH with Observe=1 (the answer is not reported)
};

// ---------------------------------------------------------------------------------------------
// Events.

struct Registered {
  Registration registration;
};
struct Updated {
  Registration registration;  // after the update
  bool objects_changed = false;
};
struct Deregistered {
  Registration registration;
};
struct Expired {
  Registration registration;
};
// A new Register of the same endpoint ended `previous`; Registered for the new one follows.
struct Replaced {
  Registration previous;
};
// A queue-mode client's awake window ended / it talked again.
struct Sleeping {
  std::string endpoint;
};
struct Awake {
  std::string endpoint;
};
struct Notification {
  OperationId observation;
  std::string endpoint;
  coap::Code code;
  std::optional<lwm2m::ContentFormat> format;
  std::vector<lwm2m::Record> records;
  std::string diagnostic;  // set (and records empty) when the payload could not be decoded
};
struct SendReceived {
  std::string endpoint;
  lwm2m::ContentFormat format;
  std::vector<lwm2m::Record> records;
};
struct OperationCompleted {
  OperationId id;
  std::string endpoint;
  OperationResult result;
};

enum class ObservationEndReason : std::uint8_t {
  ClientEnded,  // a notification without Observe, e.g. 4.04 (the Notification event came first)
  Failed,       // a CON notification was not acknowledged, or the client reset it
  Replaced,     // the client registered again
  Deregistered,
  Expired,
};
std::string_view to_string(ObservationEndReason);
// Not sent for cancel_observation.
struct ObservationEnded {
  OperationId observation;
  std::string endpoint;
  ObservationEndReason reason;
};

using ServerEvent =
    std::variant<Registered, Updated, Deregistered, Expired, Replaced, Sleeping, Awake,
                 Notification, SendReceived, OperationCompleted, ObservationEnded>;

struct ServerCounts {
  std::size_t registrations = 0;
  std::size_t operations = 0;    // in flight or queued, observations not included
  std::size_t queued = 0;        // requests and observations waiting for a sleeping client
  std::size_t observations = 0;  // established, or waiting for the first answer
  std::size_t pending_events = 0;
  // Armed timers: one expiry per registration, awake windows, deadlines of queued requests.
  std::size_t timers = 0;
  // Entries of the expiry heap, those of registrations that ended included (bounded: see
  // ServerConfig's note on timers).
  std::size_t expiry_entries = 0;
};

// Answers a request for a resource of the server's own beside LwM2M's (/rd, /dp): fills
// `response` (code, options, payload; the engine adds type, token and message ID). A response
// that carries Block2 is taken as one block already cut from the resource's body, so a large body
// is served from the handler's own bytes (see firmware/coap_resource.hpp).
using ResourceHandler =
    std::function<void(const coap::RequestReceived& request, coap::Message& response)>;

// What a secure transport (DTLS) proved about a peer: the identity its credential names and the
// endpoint name that credential is bound to.
struct PeerSecurity {
  std::string identity;                 // written into the registration
  std::optional<std::string> endpoint;  // nullopt: bound to none (such a peer cannot register)
};
// The security of the peer a request came from; nullopt for NoSec.
using SecurityLookup = std::function<std::optional<PeerSecurity>(const coap::PeerAddress&)>;
// Whether a credential is bound to an endpoint name: such an endpoint registers securely only.
using SecuredEndpoint = std::function<bool(std::string_view endpoint)>;

// ---------------------------------------------------------------------------------------------
class Server : public coap::DatagramCore {
 public:
  // `store` null: an in-memory store. The object registry starts with the built-in objects.
  explicit Server(ServerConfig config, std::unique_ptr<RegistrationStore> store = nullptr);
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // ---- coap::DatagramCore
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override;
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now) override;
  void on_timer(TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<TimePoint> next_expiry() const override;

  bool poll_event(ServerEvent& out);

  // ---- Device Management. `endpoint` is the registered endpoint name. Paths are LwM2M paths
  // below the client's root (an alternate root such as "/lwm2m" is added on the wire).
  Result<OperationId> read(std::string_view endpoint, const lwm2m::Path& path,
                           const RequestParams& params, TimePoint now);
  // GET with Accept link-format; `depth` (0..3, LwM2M 1.2) as ?depth=.
  Result<OperationId> discover(std::string_view endpoint, const lwm2m::Path& path,
                               std::optional<unsigned> depth, const RequestParams& params,
                               TimePoint now);
  // PUT (Replace) or POST (PartialUpdate) to an instance, resource or resource instance path;
  // every record at or below `path`.
  Result<OperationId> write(std::string_view endpoint, const lwm2m::Path& path,
                            std::span<const lwm2m::Record> records, WriteMode mode,
                            const RequestParams& params, TimePoint now);
  // PUT with one Uri-Query per attribute set or cleared, no payload.
  Result<OperationId> write_attributes(std::string_view endpoint, const lwm2m::Path& path,
                                       const lwm2m::AttributeUpdate& update,
                                       const RequestParams& params, TimePoint now);
  // POST to a resource, `arguments` as the text payload ("0='U',1" — not checked beyond
  // printable ASCII; empty: no payload).
  Result<OperationId> execute(std::string_view endpoint, const lwm2m::Path& path,
                              std::string_view arguments, const RequestParams& params,
                              TimePoint now);
  // POST /o. `records` are the new instance's resources at /o/i/r[/ri]; with `instance_id` the
  // payload names the instance (and every record must be under it), without it the client picks
  // the ID and the payload carries only resources: that needs TLV (path-naming formats always
  // carry an instance). The result's `created` is the new instance from the Location-Path.
  Result<OperationId> create(std::string_view endpoint, std::uint16_t object_id,
                             std::optional<std::uint16_t> instance_id,
                             std::span<const lwm2m::Record> records, const RequestParams& params,
                             TimePoint now);
  // DELETE an instance or resource instance.
  Result<OperationId> delete_(std::string_view endpoint, const lwm2m::Path& path,
                              const RequestParams& params, TimePoint now);
  // FETCH on the root with the paths as a SenML list (format = payload, accept = response).
  Result<OperationId> read_composite(std::string_view endpoint, std::span<const lwm2m::Path> paths,
                                     const RequestParams& params, TimePoint now);
  // iPATCH on the root with the records in SenML (or LwM2M CBOR).
  Result<OperationId> write_composite(std::string_view endpoint,
                                      std::span<const lwm2m::Record> records,
                                      const RequestParams& params, TimePoint now);

  // ---- Information Reporting. The first answer comes as OperationCompleted (with `observing`
  // set when the client accepted), then Notification events with the same id until the
  // observation ends (ObservationEnded) or is cancelled. Observations survive Updates and end
  // with the registration.
  Result<OperationId> observe(std::string_view endpoint, const lwm2m::Path& path,
                              const RequestParams& params, TimePoint now);
  Result<OperationId> observe_composite(std::string_view endpoint,
                                        std::span<const lwm2m::Path> paths,
                                        const RequestParams& params, TimePoint now);
  // Ends an observation (also one whose first answer is still pending, or still queued).
  Status cancel_observation(OperationId observation, CancelMode mode, TimePoint now);
  // Every observation: established, pending or queued, in no particular order.
  struct ObservationInfo {
    OperationId id;
    std::string endpoint;
    lwm2m::Path path;                // Observe
    std::vector<lwm2m::Path> paths;  // Observe-Composite
  };
  std::vector<ObservationInfo> observations() const;

  // ---- Persistence (persistence.hpp). From now on, every change of the state that must survive
  // a restart goes to `persistence` (not owned; null: nowhere).
  void set_persistence(Persistence* persistence);
  // The persistence's counts; nullopt without one.
  std::optional<StoreStats> persistence_stats() const;
  // Before any input: takes up the state a previous run kept. Registrations whose lifetime (and
  // grace) ran out meanwhile are dropped (and told to the persistence as removed); the others
  // keep their times, and queue-mode clients are taken as asleep until they talk. Observations
  // of the kept registrations match notifications again; queued requests wait for their
  // clients until their deadlines. Operation ids start after the reserved ones. Emits no events.
  RestoreCounts restore(ServerState state, TimePoint now);

  // ---- Security. With a lookup, a Register from a secure peer is answered 4.03 Forbidden unless
  // its endpoint name is the one the peer's credential is bound to, and the registration keeps
  // the identity; Update, De-register and Send (4.03 otherwise) and notifications (RST
  // otherwise, counted in EngineStats::refused_notifications) of a registration are accepted
  // only from a peer with the same identity (none for NoSec ones). With `secured`, a NoSec
  // Register of an endpoint that has a credential gets 4.03 too: no downgrade.
  void set_security_lookup(SecurityLookup lookup, SecuredEndpoint secured = {});

  // ---- Other resources. Requests whose first Uri-Path segment is `segment` go to `handler`
  // (not "rd" or "dp", which stay LwM2M's; a segment added again replaces its handler).
  void add_resource(std::string segment, ResourceHandler handler);

  // ---- Registrations. Pointers stay valid until the next non-const call.
  const Registration* registration(std::string_view endpoint) const;
  const RegistrationStore& registrations() const { return *store_; }
  // Ends a registration from the server side (no message to the client; its next Update gets
  // 4.04). Emits Deregistered. False if unknown.
  bool remove_registration(std::string_view endpoint);
  // Ends the registration of `endpoint` if it was made before `registered_before`, as a newer
  // Register of the same endpoint elsewhere does (on another shard of a multi-core server): emits
  // Replaced, and its observations end as replaced. False when unknown or not older.
  bool replace_registration(std::string_view endpoint, TimePoint registered_before);
  // Whether a queue-mode client is in its awake window (non-Q clients: always true).
  bool is_awake(std::string_view endpoint) const;

  // Object definitions used to decode typeless formats (TLV, text, SenML numbers). Add the
  // models of custom objects here; a client's announced object version is preferred.
  lwm2m::ObjectRegistry& objects() { return objects_; }
  const lwm2m::ObjectRegistry& objects() const { return objects_; }

  ServerCounts counts() const;
  const coap::EngineStats& engine_stats() const;
  const ServerConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<RegistrationStore> store_;
  lwm2m::ObjectRegistry objects_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::server
