// The LwM2M client core, sans-I/O: registration with one or more LwM2M servers, Device
// Management and Information Reporting served from the application's objects, Send, queue mode.
//
// Client is a coap::DatagramCore owning its coap::Engine. A driver (transport::DatagramLoop, or a
// test with a fake clock) feeds it datagrams and the time, sends what poll_transmit gives and calls
// on_timer at next_expiry, which merges the engine's timers with the client's own (registration
// updates, retries, notification periods, the send timer, queue-mode sleep). The application
// drains ClientEvents with poll_event and calls the client with the current time.
//
//   Client client(config);
//   client.add_object(3); client.add_instance(3, 0, std::make_unique<Device>(...), now);
//   client.add_server({.uri = "coap://192.0.2.1:5683", .short_server_id = 1}, now);
//   client.start(now);
//   ... client.receive(peer, datagram, now) / client.on_timer(now), drain transmits and events
//   client.deregister(now);  // on shutdown: Deregistered events follow, then idle() is true
//
// Decisions (LwM2M leaves them to the client):
//  * Update timing: an Update goes out at lifetime - min(MAX_TRANSMIT_WAIT, lifetime / 2) after
//    the last successful Register/Update (as Wakaama and Anjay do), MAX_TRANSMIT_WAIT derived from
//    the engine's transmission parameters (93 s by default).
//  * Response formats when the server sends no Accept: a single resource or resource instance
//    value as text/plain (application/octet-stream for Opaque); anything else in
//    ClientConfig::preferred_format, by default TLV for LwM2M 1.0, SenML CBOR for 1.1 and LwM2M
//    CBOR for 1.2 (the version the server registered the client at).
//    Accept is honoured for every format the formats layer has, except OMA JSON (11543), which
//    only 1.0 clients may emit (4.06 otherwise). A format that cannot carry the answer (text/plain
//    for an instance) is 4.06.
//  * Register payload: the root link `</>;rt="oma.lwm2m"` announces in ct the format of answers
//    that are not a single value (the preferred format below): `ct=112`, one unquoted value, the
//    form LwM2M 1.1 defines, that Wakaama's client sends and the only one its server parses (a
//    list, or a format it does not know, is answered 4.00); Leshan reads one value or a list.
//    LwM2M 1.2 defines a quoted list of the formats the client has, `ct="60 110 112 11544"`,
//    which 1.2 clients send by default: it tells a 1.2 server everything it may ask for, servers
//    that predate 1.2 refuse lwm2m=1.2 anyway (the 4.12 fallback below then brings the single
//    value), and a 1.2 server that cannot read the list costs one immediate retry.
//    ClientConfig::root_link_formats picks either form for either version. LwM2M 1.0 announces
//    no ct (TLV is implied) and so sends no root link.
//  * Refused Registers change form before they are retried (RegistrationFallback events), as
//    Anjay does for the version: 4.00 Bad Request drops ct, and with it the root link; 4.12
//    Precondition Failed lowers the LwM2M version, 1.2 -> 1.1 -> 1.0, with the query and payload
//    of that version, root link included (1.0: b=UQ for queue mode, no ct). The next Register
//    goes out at once. The form a server took is kept for that account (its Updates and
//    re-Registers, the default answer format, OMA JSON, Discover depth follow its version) until
//    start() or the account is made again.
//  * Registration failure otherwise (or with no fallback left): the LwM2M 1.1 retry procedure
//    from the Server object (/1/x/14 and 17-20, spec defaults 0 s, 5 attempts, 60 s doubling per
//    attempt, 86400 s between sequences, 1 sequence), then a final RegistrationFailed. Each retry
//    delay is lengthened by a random 0 to 10 % (from a generator seeded with
//    ClientConfig::random_seed), so that a fleet restarted together does not retry in lockstep;
//    RegistrationFailed::retry_in is the delay with its jitter. Then, when no other server is
//    registered or trying and Bootstrap on Registration Failure (/1/x/16) is not false, the
//    client bootstraps (after the Client Hold Off Time) and its failed accounts are made again
//    from what the bootstrap server leaves. A failed Update (4.04 or any error or timeout)
//    starts a fresh Register at once.
//  * Notification attributes: inherited object -> instance -> resource -> resource instance, then
//    /1/x/2 and /1/x/3 for pmin/pmax. gt/lt/st apply to observations of one numeric value; by
//    default gt fires on upward crossings and lt on downward ones, as in the Transport TS examples
//    (ThresholdCrossing::Either fires on crossings in both directions). A reportable change
//    before pmin is held and sent when pmin expires, unless the value went back to the last one
//    notified. Observe-Composite uses the attributes of its query and the server defaults.
//    Notifications are not stored while offline (/1/x/6 is kept but not acted on).
//  * Queue mode: after awake_time without traffic with a server (and nothing in flight) the
//    client sleeps towards it and drops its datagrams. It wakes for the Update before the lifetime
//    runs out (an Update), and for a due notification or a Send, which go out directly.
//  * Bootstrap (client-initiated): with a bootstrap server (add_bootstrap_server) and no server
//    account, start() sends a Bootstrap-Request (POST /bs?ep=&pct=, pct the preferred format
//    from 1.1 on) and serves the bootstrap server's Bootstrap-Discover, -Read (/1, /2), -Delete
//    and -Write (Security, Server, Access Control and any instance; unknown optional resources
//    kept) until its Bootstrap-Finish, which is refused 4.06 with the reason when no Security
//    and Server instance pair (by ssid) names a reachable LwM2M server; otherwise every such
//    pair becomes an account and registers (Bootstrapped). Bootstrap-Delete of "/" removes the
//    instances of objects 0 (but those with Bootstrap-Server true), 1 and 2: the application's
//    objects stay. No Finish within EXCHANGE_LIFETIME of the request fails it (BootstrapFailed).
//    The first Bootstrap-Request waits for the Client Hold Off Time (/0/x/11); a failed one is
//    tried again by itself (ClientConfig::bootstrap_retry, doubling, with jitter;
//    BootstrapFailed::retry_in), and start() tries again at once. Server-initiated bootstrap: while
//    the client has no server account (before start(), or after a failed bootstrap) it serves its
//    bootstrap server's requests unasked, under the same deadline from the first one.
//  * Bootstrap-Pack (LwM2M 1.2, ClientConfig::bootstrap_pack): the client asks for its whole
//    configuration in one answer (GET /bspack?ep=, Accept SenML CBOR) instead of the
//    Bootstrap-Request, and applies it as Bootstrap-Writes of every instance followed by a
//    Bootstrap-Finish (no Finish is sent). A pack that cannot be decoded or written, or whose
//    Finish would be refused, fails the bootstrap with that reason (BootstrapFailed, retried as
//    above). A bootstrap server answering 4.04, 4.05, 4.06 or 5.01 has no Bootstrap-Pack: the
//    client sends the Bootstrap-Request at once (BootstrapFallback) and keeps to it for that
//    bootstrap server until start().
//  * Access Control (object 2): with more than one server account and the object (added with
//    add_object(2), or written by the bootstrap server), each server's rights on each instance
//    come from its Access Control instance (src/client/access.cpp has the rules): 4.01 for what
//    a server may not do, checked before whether the resource allows the operation (a missing
//    instance is still 4.04); reads of an object or of the root (Read-Composite) leave out the
//    instances it may not read, Discover of an object the ones it has no right on; an instance
//    a server creates gets an Access Control instance that server owns. With one server, or
//    without the object, every server may do everything. The bootstrap server is never
//    restricted. Security (0) and OSCORE (21) answer every server 4.01, and are left out of
//    reads of the root and of the object list.
//  * Several servers are told apart by their address: two accounts must not share one.
//  * Requests from an address that is no registered server are dropped unanswered, as are
//    requests from a server whose Register has not succeeded yet.
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
#include <variant>
#include <vector>

#include "drover/client/firmware.hpp"
#include "drover/client/object.hpp"
#include "drover/client/standard_objects.hpp"
#include "drover/coap/datagram_core.hpp"
#include "drover/coap/engine.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/registry.hpp"
#include "drover/lwm2m/protocol/operation.hpp"
#include "drover/lwm2m/protocol/registration.hpp"
#include "drover/util/result.hpp"

namespace drover::client {

using coap::Duration;
using coap::TimePoint;

// Which threshold crossings fire a notification (see the file comment).
enum class ThresholdCrossing : std::uint8_t { Directed, Either };

// What the Register's root link announces in ct (LwM2M 1.1 and 1.2; see the file comment).
enum class RootLinkFormats : std::uint8_t {
  Preferred,  // `ct=112`: the preferred format alone, unquoted
  All,        // `ct="60 110 112"`: every optional format the client has (and 11544 from 1.2)
};

// The CoAP engine's bounds sized for a device (EngineConfig's defaults are a server's): a few
// servers as peers, a few exchanges, observers for max_observations_per_server on max_servers,
// dedup and block-wise state for what a few servers send in EXCHANGE_LIFETIME. The tables grow
// on use up to these bounds, so they cap what a hostile or busy server can make a device hold.
coap::EngineConfig device_engine_config();
inline constexpr std::size_t default_max_servers = 8;
inline constexpr std::size_t default_max_observations_per_server = 64;

struct ClientConfig {
  coap::EngineConfig engine = device_engine_config();
  // Seeds the engine's tokens and message IDs. Production code seeds it from the OS.
  std::uint64_t random_seed = 0;

  std::string endpoint;  // ep
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1;
  // Format of answers that are not a single value, when the server sends no Accept, and the one
  // the root link announces. Used towards servers whose LwM2M version has it (a 1.1 format after
  // a fallback to 1.0 is not); else, and when nullopt: TLV (1.0), SenML CBOR (1.1), LwM2M CBOR
  // (1.2).
  std::optional<lwm2m::ContentFormat> preferred_format;
  lwm2m::ContentFormat send_format = lwm2m::ContentFormat::SenmlCbor;
  // nullopt: Preferred for LwM2M 1.1, All for 1.2.
  std::optional<RootLinkFormats> root_link_formats;
  // Object definitions. Clients in one process (a simulator's devices) share one registry from
  // make_object_registry instead of holding a copy each (about 300 KB); null: the client makes its
  // own.
  std::shared_ptr<lwm2m::ObjectRegistry> objects;

  // Queue mode: how long the client listens after its last exchange with a server
  // (MAX_TRANSMIT_WAIT by default, as the Transport TS suggests).
  Duration awake_time = std::chrono::seconds(93);
  ThresholdCrossing threshold_crossing = ThresholdCrossing::Directed;

  // Maps a server URI (/0/x/0) to an address. Null: only coap:// URIs with an IP literal host
  // ("coap://192.0.2.1:5683", "coap://[::1]", default port 5683) are understood.
  std::function<std::optional<coap::PeerAddress>(std::string_view uri)> resolve;
  // Seconds since the epoch, for SenML times in Send. Null: Send carries no times.
  std::function<double()> wall_clock;

  // Bounds.
  std::size_t max_servers = default_max_servers;
  // More Observe requests are answered unobserved.
  std::size_t max_observations_per_server = default_max_observations_per_server;
  std::size_t max_attribute_sets_per_server = 256;  // Write-Attributes past it: 5.03
  std::size_t max_instances = 1024;                 // all objects; Create past it: 5.03
  std::size_t max_pending_events = 1024;            // older events are dropped (counted)

  // A failed bootstrap is tried again after bootstrap_retry, doubling with each failure in a
  // row up to max_bootstrap_retry, plus a random 0 to 10 %. Zero: only start() tries again.
  Duration bootstrap_retry = std::chrono::seconds(60);
  Duration max_bootstrap_retry = std::chrono::hours(1);
  // LwM2M 1.2 clients (version V1_2) bootstrap with a Bootstrap-Pack-Request instead of a
  // Bootstrap-Request (see the file comment).
  bool bootstrap_pack = false;
};

// The initial values of a server account: its Security (/0) and Server (/1) instances.
struct ServerAccount {
  std::string uri;  // /0/x/0
  std::uint16_t short_server_id = 1;
  std::uint32_t lifetime = 86400;             // /1/x/1, seconds
  std::string binding = "U";                  // /1/x/7
  bool queue_mode = false;                    // registers with Q (1.1+) or binding "UQ" (1.0)
  std::optional<std::uint32_t> default_pmin;  // /1/x/2
  std::optional<std::uint32_t> default_pmax;  // /1/x/3
  std::uint32_t disable_timeout = 86400;      // /1/x/5
  bool mute_send = false;                     // /1/x/23
  // The 1.1 registration retry parameters (/1/x/14, 17-20); the defaults are the spec's.
  std::uint32_t initial_delay = 0;
  std::uint32_t retry_count = 5;
  std::uint32_t retry_timer = 60;
  std::uint32_t sequence_delay = 86400;
  std::uint32_t sequence_retry_count = 1;
};

// ---------------------------------------------------------------------------------------------
// Errors of the calls.
enum class Error : std::uint8_t {
  UnknownObject,  // no definition in objects(), or not added with add_object
  UnknownInstance,
  InstanceExists,
  TooManyInstances,  // max_instances, or a second instance of a single-instance object
  InvalidArgument,   // e.g. a server account without URI, a reserved ID, an unknown path
  DuplicateServer,   // the short server ID is taken
  TooManyServers,
  UnknownServer,
  NotRegistered,  // no registered server to talk to
  Muted,          // Send is muted (/1/x/23) for every registered server
  NothingToSend,  // none of the paths has a readable value
  Busy,           // the CoAP engine refused (its bounds towards this server are reached)
};
std::string_view to_string(Error);

template <typename T>
using Result = drover::Result<T, Error>;
using Status = Result<std::monostate>;

// ---------------------------------------------------------------------------------------------
// Events (drained with poll_event).

struct Registered {
  std::uint16_t ssid = 0;
  std::string location;  // "rd/5a3f"
};
// A Register attempt failed. `final`: the retry procedure is exhausted and the client stops
// trying this server; else the next attempt comes after `retry_in`.
struct RegistrationFailed {
  std::uint16_t ssid = 0;
  coap::Code code;  // the error response; Empty on a timeout or when nothing could be sent
  std::string reason;
  bool final = false;
  Duration retry_in{};
};
// A Register was refused in a way that another form of it may pass (see the file comment); the
// Register in the new form has gone out.
struct RegistrationFallback {
  std::uint16_t ssid = 0;
  coap::Code code;                // the refusal: 4.00 Bad Request or 4.12 Precondition Failed
  lwm2m::Lwm2mVersion version{};  // of the new Register
  std::string change;             // what changed, for logs: "LwM2M 1.1", "no ct in the root link"
};
struct Updated {
  std::uint16_t ssid = 0;
};
struct Deregistered {
  std::uint16_t ssid = 0;
};
// Disable (/1/x/4) was executed: the client de-registered and waits `duration` to register again.
struct Disabled {
  std::uint16_t ssid = 0;
  Duration duration{};
};
// Device Reboot (/3/0/4) / Factory Reset (/3/0/5) was executed and answered.
struct Rebooting {};
struct FactoryReset {};

using lwm2m::Operation;

// A server request was answered (for logs).
struct RequestServed {
  std::uint16_t ssid = 0;
  Operation operation = Operation::Read;
  lwm2m::Path path;  // the request path (root for composite operations)
  coap::Code code;
};
// A server changed values: a Write, Write-Composite or Create succeeded. `paths` are the written
// resources (or the created instance).
struct WriteApplied {
  std::uint16_t ssid = 0;
  Operation operation = Operation::Write;
  std::vector<lwm2m::Path> paths;
};
struct SendCompleted {
  std::uint16_t ssid = 0;
  coap::Code code;  // Empty on a timeout
};
// Queue mode: the client stopped listening to / woke up towards a server.
struct Sleeping {
  std::uint16_t ssid = 0;
};
struct Awake {
  std::uint16_t ssid = 0;
};

// Bootstrap-Finish accepted: the accounts of these short server IDs register.
struct Bootstrapped {
  std::vector<std::uint16_t> servers;
  // Servers whose accounts the bootstrap deleted or replaced (unbootstrapped), not made again.
  std::vector<std::uint16_t> removed;
};
// The bootstrap server answered the Bootstrap-Pack-Request as one that has none (4.04, 4.05,
// 4.06, 5.01): a Bootstrap-Request follows at once.
struct BootstrapFallback {
  coap::Code code;
  std::string reason;
};
// The Bootstrap-Request or Bootstrap-Pack-Request was refused or not answered, the pack was
// unusable, or no Finish came in time.
struct BootstrapFailed {
  coap::Code code;  // the refusal; Empty otherwise
  std::string reason;
  std::optional<Duration> retry_in;  // when the client asks again by itself (started clients)
};
// Firmware Update (object 5): State or Update Result changed. Updating asks the application to
// install the package (then Client::firmware_update_finished).
struct FirmwareChanged {
  FirmwareState state = FirmwareState::Idle;
  UpdateResult result = UpdateResult::Initial;
};
// Firmware Update: fetch this Package URI, whose scheme the client leaves to the application
// (http, https), and hand its bytes to Client::firmware_data, then firmware_download_ended.
struct FirmwareDownload {
  std::string uri;
};
using ClientEvent =
    std::variant<Registered, RegistrationFailed, RegistrationFallback, Updated, Deregistered,
                 Disabled, Rebooting, FactoryReset, RequestServed, WriteApplied, SendCompleted,
                 Sleeping, Awake, Bootstrapped, BootstrapFallback, BootstrapFailed, FirmwareChanged,
                 FirmwareDownload>;

enum class RegistrationState : std::uint8_t {
  Idle,         // not started, or stopped by deregister()
  Waiting,      // for the initial delay or the next retry
  Registering,  // Register in flight
  Registered,
  Updating,       // registered, an Update in flight
  Deregistering,  // De-register in flight
  Disabled,       // Disable executed: waiting for the disable timeout
  Failed,         // the retry procedure is exhausted
};
std::string_view to_string(RegistrationState);

struct ClientStats {
  std::uint64_t events_dropped = 0;            // past max_pending_events
  std::uint64_t datagrams_dropped_asleep = 0;  // from a server while sleeping towards it
  std::uint64_t requests_ignored = 0;          // from unknown or unregistered servers
  std::uint64_t notifications_sent = 0;
};

// The built-in object definitions, each object at the newest version `version` allows.
std::shared_ptr<lwm2m::ObjectRegistry> make_object_registry(lwm2m::Lwm2mVersion version);
// The same for Security (0), Server (1) and these objects alone: a device's registry, a few KB
// instead of the 300 KB of every definition (its own objects' definitions are added to it).
std::shared_ptr<lwm2m::ObjectRegistry> make_object_registry(
    lwm2m::Lwm2mVersion version, std::span<const std::uint16_t> object_ids);

// ---------------------------------------------------------------------------------------------
class Client : public coap::DatagramCore {
 public:
  // The object registry starts with the built-in definitions, each object at the newest version
  // its LwM2M version allows; objects 0 (Security) and 1 (Server) are present.
  explicit Client(ClientConfig config);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // ---- coap::DatagramCore
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override;
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now) override;
  void on_timer(TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<TimePoint> next_expiry() const override;

  bool poll_event(ClientEvent& out);

  // ---- Objects. Definitions come from objects() (built-in, or add DDF definitions there first).
  // Serves object `object_id`; `factory` makes the instances that servers Create (null: Create
  // is refused with 4.05).
  using InstanceFactory = std::function<std::unique_ptr<ObjectInstance>(std::uint16_t instance_id)>;
  Status add_object(std::uint16_t object_id, InstanceFactory factory = nullptr);
  // Adds or removes an instance; registered servers get an Update with the new object list.
  Status add_instance(std::uint16_t object_id, std::uint16_t instance_id,
                      std::unique_ptr<ObjectInstance> instance, TimePoint now);
  Status remove_instance(std::uint16_t object_id, std::uint16_t instance_id, TimePoint now);
  ObjectInstance* instance(std::uint16_t object_id, std::uint16_t instance_id);
  template <typename T>
  T* instance_as(std::uint16_t object_id, std::uint16_t instance_id) {
    return dynamic_cast<T*>(instance(object_id, instance_id));
  }
  lwm2m::ObjectRegistry& objects();

  // Tells observations that values at or below `path` may have changed.
  void value_changed(const lwm2m::Path& path, TimePoint now);
  // Sets a resource (or resource instance) value through the instance's write, without the
  // operation checks servers are subject to, then value_changed.
  Status set_value(const lwm2m::Path& path, lwm2m::Value value, TimePoint now);
  // Reads a resource as a server Read would (records at or below `path`).
  Result<std::vector<lwm2m::Record>> read(const lwm2m::Path& path);

  // ---- Server accounts and registration.
  // Adds the Security and Server instances of an account (next free instance IDs). Registration
  // starts with start(), or at once when the client is already started.
  Status add_server(const ServerAccount& account, TimePoint now);
  // The bootstrap server's account (coap:// URI): start() bootstraps from it while the client
  // has no server account, `hold_off` (its Client Hold Off Time, /0/x/11) after start.
  // DuplicateServer when there is one already.
  Status add_bootstrap_server(const std::string& uri, TimePoint now, Duration hold_off = {});
  // Factory bootstrap, or the state a bootstrap left (a restart): Security, Server and Access
  // Control instances (records of /0, /1 and /2, a value per resource) written as a
  // Bootstrap-Write would, then an account made of each Security and Server pair as a
  // Bootstrap-Finish does; a Security instance with Bootstrap-Server true becomes the bootstrap
  // server's account when the client has none. InvalidArgument for records of other objects, a
  // URI that does not resolve, or records that make neither a server nor a bootstrap account.
  Status provision(std::span<const lwm2m::Record> records, TimePoint now);
  // The Security, Server and Access Control instances as records, for provision() to take back
  // (e.g. saved after Bootstrapped). They hold the accounts' secret keys.
  std::vector<lwm2m::Record> provisioned();
  // Starts registering with every server account (bootstrapping first, see above).
  void start(TimePoint now);
  // De-registers from every registered server and stops (Deregistered events follow; requests
  // then pending are answered or time out). idle() tells when nothing is in flight any more.
  void deregister(TimePoint now);
  bool idle() const;
  // Sends an Update now (all registered servers when `ssid` is absent).
  Status trigger_update(std::optional<std::uint16_t> ssid, TimePoint now);
  RegistrationState state(std::uint16_t ssid) const;
  // The Location-Path of the registration ("rd/5a3f"), empty when not registered.
  std::string location(std::uint16_t ssid) const;
  std::vector<std::uint16_t> servers() const;

  // ---- Send (POST /dp): the values at `paths` to one server or every registered one that has
  // not muted Send (/1/x/23). Results come as SendCompleted events.
  Status send(std::span<const lwm2m::Path> paths, TimePoint now,
              std::optional<std::uint16_t> ssid = std::nullopt);
  // Sends `paths` every `period` (zero: stop).
  void set_send_schedule(std::vector<lwm2m::Path> paths, Duration period, TimePoint now);

  // ---- Firmware Update (object 5, see firmware.hpp). Adds the object and its instance 0;
  // InstanceExists when it is there already. Optional: a device that never calls it does not
  // link its code.
  Status enable_firmware_update(FirmwareConfig config, TimePoint now);
  FirmwareState firmware_state() const;  // Idle when not enabled
  UpdateResult firmware_result() const;
  void expect_firmware_digest(std::optional<Sha256Digest> sha256);
  // Ends Updating: Success (Idle, 1), UpdateFailed (Downloaded, 8) or IntegrityFailure (Idle, 5).
  // InvalidArgument for another result or outside Updating.
  Status firmware_update_finished(UpdateResult result, TimePoint now);
  // The application's download (FirmwareDownload): the next bytes, then the end (Initial when
  // complete, else why it failed: ConnectionLost, InvalidUri...). InvalidArgument when no such
  // download is under way (it was cancelled meanwhile: stop fetching). firmware_download_ended
  // with a failure also ends a push or a CoAP pull under way (the device lost its link).
  Status firmware_data(std::span<const std::uint8_t> bytes, TimePoint now);
  Status firmware_download_ended(UpdateResult result, TimePoint now);
  // Bytes of the package stored so far (while Downloading: how far the download is).
  std::size_t firmware_received() const;

  // Queue mode: whether the client sleeps towards this server.
  bool asleep(std::uint16_t ssid) const;

  // Bytes and messages through the client, for Connectivity Statistics (/7).
  Traffic traffic() const;
  std::size_t observation_count() const;
  const ClientStats& stats() const;
  const coap::Engine& engine() const;
  const ClientConfig& config() const;

  struct Impl;  // opaque: src/client/client_impl.hpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::client
