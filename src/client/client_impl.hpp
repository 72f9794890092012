// Internals of the LwM2M client core, one concern per file:
//   client.cpp        public API, engine events, timers and the merged next expiry
//   objects.cpp       the object store: instances, reads into records, writes, the object list
//   registration.cpp  Register / Update / De-register, the retry procedure, Disable, queue mode
//   dm.cpp            serving Device Management requests (Read ... Write-Composite)
//   observe.cpp       observations, notification attributes and their firing rules
//   send.cpp          Send (/dp), on demand and from the send timer
//   bootstrap.cpp     client-initiated bootstrap: Bootstrap-Request or Bootstrap-Pack, serving
//                     the bootstrap server's requests, the accounts Finish (or a pack) makes
//   access.cpp        Access Control (object 2): the rights of each server on each instance
//   provision.cpp     Security, Server and Access Control instances from outside (a factory
//                     file, a saved state) and out again
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "drover/client/client.hpp"
#include "drover/coap/random.hpp"
#include "drover/lwm2m/protocol/attributes.hpp"

namespace drover::client {

struct ObjectEntry {
  Client::InstanceFactory factory;
  std::map<std::uint16_t, std::unique_ptr<ObjectInstance>> instances;
};

struct Observation {
  coap::ObserverId observer;
  std::vector<lwm2m::Path> paths;  // one for Observe, several for Observe-Composite
  bool composite = false;
  lwm2m::ContentFormat format = lwm2m::ContentFormat::SenmlCbor;
  lwm2m::AttributeSet own;          // from the Observe request's query (LwM2M 1.2)
  std::vector<lwm2m::Record> last;  // what the last notification carried
  TimePoint last_notify{};
  TimePoint last_eval{};
  bool pending = false;         // a reportable change waits for pmin
  bool eval_requested = false;  // a value may have changed; evaluated once epmin allows
};

// What a server was told in a Register or Update.
struct Announced {
  std::uint32_t lifetime = 0;
  std::string binding;
  bool queue_mode = false;
  std::string links;
  friend bool operator==(const Announced&, const Announced&) = default;
};

// The form of Register a server took: the client's own, or one it fell back to after a refusal
// (see Client's file comment).
struct RegisterForm {
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1;
  bool minimal_root_link = false;  // no ct (after a 4.00 Bad Request)
};

struct Account {
  std::uint16_t ssid = 0;
  std::uint16_t security_iid = 0;
  std::uint16_t server_iid = 0;
  std::optional<coap::PeerAddress> peer;
  bool queue_mode = false;
  RegistrationState state = RegistrationState::Idle;
  RegisterForm form;                       // kept until start() or the account is made again
  std::vector<std::string> location;       // Location-Path segments of the registration
  std::optional<coap::RequestId> request;  // Register, Update or De-register in flight
  Announced told;                          // by the last successful Register/Update
  Announced telling;                       // by the one in flight
  bool update_wanted = false;              // asked while another request was in flight
  bool stop_after_deregister = false;      // deregister() rather than Disable
  TimePoint update_at{};                   // Registered: when the next Update is due
  TimePoint next_attempt{};                // Waiting
  TimePoint disabled_until{};              // Disabled
  std::uint32_t attempt = 1;               // retry procedure: attempt within the sequence
  std::uint32_t sequence = 1;
  // Queue mode.
  TimePoint last_traffic{};
  bool asleep = false;
  // Information reporting.
  std::map<lwm2m::Path, lwm2m::AttributeSet> attributes;
  std::vector<Observation> observations;

  bool registered() const {
    return state == RegistrationState::Registered || state == RegistrationState::Updating;
  }
};

// The bootstrap server's account (its Security instance has Bootstrap-Server true).
struct BootstrapAccount {
  enum class Phase : std::uint8_t { Idle, Waiting, Requesting, Provisioning, Done, Failed };
  coap::PeerAddress peer;
  std::uint16_t security_iid = 0;
  Phase phase = Phase::Idle;
  TimePoint request_at{};                  // Waiting: when the Bootstrap-Request goes out
  std::uint32_t failures = 0;              // in a row, for the back-off
  std::optional<coap::RequestId> request;  // the Bootstrap-(Pack-)Request in flight
  TimePoint deadline{};                    // Requesting, Provisioning: Finish must come before
  bool pack = false;                       // the request in flight is a Bootstrap-Pack-Request
  bool pack_refused = false;               // this bootstrap server has no Bootstrap-Pack
  // Security and Server instances this bootstrap deleted or wrote: their accounts end at Finish.
  std::vector<lwm2m::Path> touched;
};

// A Security and a Server instance of one Short Server ID: an account to be made.
struct AccountPair {
  std::uint16_t ssid = 0, security_iid = 0, server_iid = 0;
  coap::PeerAddress peer;
  bool queue_mode = false;  // Q in the binding (/1/x/7)
};

struct PendingRequest {
  enum class Kind : std::uint8_t { Register, Update, Deregister, Send, Bootstrap, Firmware } kind;
  std::uint16_t ssid = 0;
};

// Object 5 (firmware.cpp), made by Client::enable_firmware_update. The core reaches it through
// this interface only, so that a device without it does not link it.
class FirmwareUpdater {
 public:
  virtual ~FirmwareUpdater() = default;
  // One block of a Write of /5/0/0 that the engine streams (Engine::stream_block1): its answer.
  virtual coap::Message package_block(const coap::Message& request, TimePoint t) = 0;
  // The answer to, or the failure of, the download's request (PendingRequest::Kind::Firmware).
  virtual void on_response(const coap::Message& response, TimePoint t) = 0;
  virtual void on_failure(coap::FailureReason reason, TimePoint t) = 0;
};

struct Client::Impl {
  explicit Impl(ClientConfig c);

  ClientConfig config;
  coap::Engine engine;
  coap::Random random;  // registration retry jitter
  std::shared_ptr<lwm2m::ObjectRegistry> registry_owner;
  lwm2m::ObjectRegistry& registry;
  std::map<std::uint16_t, ObjectEntry> objects;
  std::size_t instance_count = 0;
  std::map<std::uint16_t, Account> accounts;  // by short server ID
  std::optional<BootstrapAccount> bootstrap;
  std::unordered_map<coap::RequestId, PendingRequest> pending;
  std::deque<ClientEvent> events;
  ClientStats stats;
  Traffic traffic;
  bool started = false;
  TimePoint now{};  // the latest time given to any call
  Duration max_transmit_wait{};
  std::optional<TimePoint> client_due;  // the earliest of the client's own timers

  // Object 5, when enabled: its instance /5/0 (owned by `objects`), which stays while the client
  // lives (deleting it is refused).
  FirmwareUpdater* firmware = nullptr;
  bool keeps_instance(std::uint16_t oid) const { return oid == 5 && firmware; }

  // Send timer.
  std::vector<lwm2m::Path> send_paths;
  Duration send_period{};
  TimePoint next_send{};

  // ---- client.cpp
  void push_event(ClientEvent event);
  // Processes engine events, runs the client's due timers, and recomputes the next expiry. Every
  // public call that may change state ends with it.
  void settle(TimePoint t);
  // Counts a datagram from `peer` as traffic; false (counted as dropped) while its account sleeps.
  bool hears(const coap::PeerAddress& peer, std::size_t size, TimePoint t);
  void process_engine_events();
  void recompute_due();
  Account* account_by_peer(const coap::PeerAddress& peer);
  Account* account(std::uint16_t ssid);
  // A server URI (/0/x/0) as an address: ClientConfig::resolve, or an IP literal.
  std::optional<coap::PeerAddress> resolve(std::string_view uri) const;
  // The account of the Security and Server instances given (they exist), registering at once
  // when the client is started.
  // The Server object's executable resources on a new instance (their work is in dm.cpp).
  static void add_server_executables(ValueInstance& server);
  Account& add_account(std::uint16_t ssid, std::uint16_t security_iid, std::uint16_t server_iid,
                       const coap::PeerAddress& peer, bool queue_mode, TimePoint t);

  // ---- objects.cpp
  ObjectEntry* object(std::uint16_t oid);
  ObjectInstance* find_instance(std::uint16_t oid, std::uint16_t iid);
  const lwm2m::ObjectDef* definition(std::uint16_t oid) const;
  // Reads `path` (object, instance, resource or resource instance; the root: every object but
  // Security) the way a server Read does; as server `as` when given: an instance it may not
  // read is Unauthorized, and reads of an object or the root leave such instances out (an object
  // of which it may read none is Unauthorized).
  Outcome read_path(const lwm2m::Path& path, std::vector<lwm2m::Record>& out,
                    const Account* as = nullptr);
  void read_instance(std::uint16_t oid, std::uint16_t iid, ObjectInstance& inst,
                     std::vector<lwm2m::Record>& out);
  Outcome read_resource(std::uint16_t oid, std::uint16_t iid, ObjectInstance& inst,
                        const lwm2m::ResourceDef& def, std::optional<std::uint16_t> riid,
                        std::vector<lwm2m::Record>& out);
  // Writes already validated records below `path`: grouped per resource, Replace or Partial
  // Update as the path level asks (see dm.cpp).
  Outcome apply_write(const lwm2m::Path& path, std::span<const lwm2m::Record> records, bool replace,
                      std::vector<lwm2m::Path>& written);
  std::optional<std::uint16_t> free_instance_id(std::uint16_t oid) const;
  // The Register/Update payload in `form`.
  std::string registration_links(const RegisterForm& form) const;
  // The Server object values of an account.
  std::optional<std::int64_t> server_integer(const Account& a, std::uint16_t rid);
  std::optional<std::string> server_string(const Account& a, std::uint16_t rid);
  std::optional<bool> server_bool(const Account& a, std::uint16_t rid);

  // ---- registration.cpp
  void begin_registration(Account& a, TimePoint t, Duration delay);
  void attempt_register(Account& a, TimePoint t);
  // After a refused Register: registers again at once in the next form the refusal calls for;
  // false when there is none left.
  bool fall_back(Account& a, coap::Code code, TimePoint t);
  void registration_attempt_failed(Account& a, coap::Code code, std::string reason, TimePoint t);
  void request_update(Account& a, TimePoint t);
  void send_update(Account& a, TimePoint t);
  void send_deregister(Account& a, TimePoint t);
  void finish_deregister(Account& a);
  void disable(Account& a, TimePoint t);
  void objects_changed(TimePoint t);
  void server_object_written(std::uint16_t server_iid, TimePoint t);
  void on_registration_response(const PendingRequest& p, const coap::Message& response,
                                TimePoint t);
  void on_registration_failure(const PendingRequest& p, coap::FailureReason reason, TimePoint t);
  void registration_timers(Account& a, TimePoint t);
  std::optional<TimePoint> registration_due(const Account& a) const;
  void wake(Account& a);
  // Queue mode: registered with Q, awake, and nothing in flight towards the server.
  bool may_sleep(const Account& a) const;
  void note_traffic(const coap::PeerAddress& peer, TimePoint t);
  Announced desired(const Account& a);

  // ---- dm.cpp
  void handle_request(coap::RequestReceived& request, TimePoint t);
  // The format of answers that are not a single value towards a server at `version`.
  lwm2m::ContentFormat multi_value_format(lwm2m::Lwm2mVersion version) const;

  // ---- observe.cpp
  // Whether the server's observation table has room (else the Observe is answered without the
  // Observe option: declined).
  bool can_observe(const Account& a) const;
  // Records an accepted observation whose first answer carried `records`.
  void add_observation(Account& a, coap::ObserverId observer, std::vector<lwm2m::Path> paths,
                       bool composite, lwm2m::ContentFormat format, const lwm2m::AttributeSet& own,
                       std::vector<lwm2m::Record> records, TimePoint t);
  void remove_observer(coap::ObserverId observer);
  void clear_observations(Account& a);
  void observations_changed(const lwm2m::Path& path, TimePoint t);
  // Ends observations at or below a deleted instance with a 4.04 notification.
  void observations_deleted(const lwm2m::Path& path, TimePoint t);
  lwm2m::AttributeSet effective_attributes(const Account& a, const lwm2m::Path& path) const;
  void observation_timers(Account& a, TimePoint t);
  std::optional<TimePoint> observation_due(Account& a);  // reads the Server object's defaults

  // ---- bootstrap.cpp
  void start_bootstrap(TimePoint t);
  // After the bootstrap account's Client Hold Off Time (/0/x/11), or at once.
  void schedule_bootstrap(TimePoint t);
  // No account that is registered or trying: a bootstrap server would be asked.
  bool needs_bootstrap() const;
  void on_bootstrap_response(const coap::Message& response, TimePoint t);
  void on_bootstrap_failure(coap::FailureReason reason);
  void apply_pack(const coap::Message& response, TimePoint t);
  static std::string request_name(const BootstrapAccount& b);
  void bootstrap_failed(coap::Code code, std::string reason);
  // Bootstrap-Finish, or the end of a Bootstrap-Pack: why the configuration is unusable (a
  // Finish answers 4.06 Not Acceptable with it, the spec's "inconsistent configuration"), else
  // nullopt and `pairs` the accounts complete_bootstrap opens.
  std::optional<std::string> check_bootstrap(std::vector<AccountPair>& pairs,
                                             std::vector<std::uint16_t>& closing);
  // Ends the `closing` accounts (unbootstrapping), then opens those of `pairs`.
  void complete_bootstrap(const std::vector<AccountPair>& pairs,
                          const std::vector<std::uint16_t>& closing, TimePoint t);
  // The accounts a bootstrap that finishes now ends: failed for good, or with a Security or
  // Server instance it deleted or wrote.
  std::vector<std::uint16_t> unbootstrapped_accounts() const;
  // Ends an account: De-register when registered (its answer is not waited for).
  void close_account(std::uint16_t ssid, TimePoint t);
  // Serves a request of the bootstrap server while it provisions; false when `request` is not
  // the bootstrap server's.
  bool serve_bootstrap(coap::RequestReceived& request, TimePoint t);
  void bootstrap_timers(TimePoint t);
  std::optional<TimePoint> bootstrap_due() const;
  // A Security instance with Bootstrap-Server true: the bootstrap server's account.
  bool is_bootstrap_account(std::uint16_t oid, std::uint16_t iid);
  // Bootstrap-Write (and provisioning): creates the instances `records` name, then writes them
  // as a Replace below `path`.
  Outcome write_instances(const lwm2m::Path& path, std::span<const lwm2m::Record> records);
  // The Security and Server instance pairs (by ssid) that have no account yet, or only one of
  // the `closing` ones; the reason when one names a URI the client cannot resolve.
  std::optional<std::string> account_pairs(std::vector<AccountPair>& out,
                                           std::span<const std::uint16_t> closing = {});
  // Makes their accounts (registering when started); their ssids.
  std::vector<std::uint16_t> open_accounts(const std::vector<AccountPair>& pairs, TimePoint t);
  // The bootstrap account of Security instance `iid` (/0/iid/0 resolved to `peer`).
  void set_bootstrap_account(const coap::PeerAddress& peer, std::uint16_t iid);

  // ---- access.cpp
  // Access Control applies when the client has more than one server account and the Access
  // Control object; else every server may do everything (but on Security and OSCORE, which no
  // server reaches).
  bool access_control_enabled() const;
  // The rights of server `a` on instance /oid/iid (iid 65535: on the object, for Create).
  std::uint8_t rights(const Account& a, std::uint16_t oid, std::uint16_t iid);
  bool may(const Account& a, std::uint16_t oid, std::uint16_t iid, std::uint8_t right) {
    return (rights(a, oid, iid) & right) == right;
  }
  // The Access Control instance of /oid/iid, or nullopt.
  std::optional<std::uint16_t> acl_instance(std::uint16_t oid, std::uint16_t iid);
  // A server created /oid/iid: its Access Control instance, owned by that server (when Access
  // Control is in use).
  void instance_created(const Account& a, std::uint16_t oid, std::uint16_t iid);
  // /oid/iid was deleted: its Access Control instance goes too.
  void instance_deleted(std::uint16_t oid, std::uint16_t iid);
  // Deletes /oid/iid (it exists): its observations end, its attributes and Access Control go.
  void delete_instance(std::uint16_t oid, std::uint16_t iid, TimePoint t);
  // Server `ssid`'s account is gone: its ACL entries, its ownerships, the instances only it had.
  void server_account_removed(std::uint16_t ssid, TimePoint t);

  // ---- send.cpp
  Status send(std::span<const lwm2m::Path> paths, TimePoint t, std::optional<std::uint16_t> ssid);
  void on_send_result(const PendingRequest& p, coap::Code code);
  void send_timer(TimePoint t);
};

// Access rights, the bits of an ACL resource instance (/2/x/2).
namespace access {
inline constexpr std::uint8_t read = 1;  // Read, Observe, Write-Attributes
inline constexpr std::uint8_t write = 2;
inline constexpr std::uint8_t execute = 4;
inline constexpr std::uint8_t remove = 8;
inline constexpr std::uint8_t create = 16;  // in the object's own ACL instance (instance 65535)
inline constexpr std::uint8_t all = 31;
}  // namespace access

// Helpers shared by the files.
// The value of a single resource, nullopt when the instance has none.
std::optional<lwm2m::Value> single_value(ObjectInstance* inst, std::uint16_t rid);
std::optional<std::int64_t> integer_value(ObjectInstance* inst, std::uint16_t rid);
coap::Message error_response(coap::Code code, std::string_view diagnostic);
bool is_numeric(const lwm2m::Value& v);
double numeric_value(const lwm2m::Value& v);  // precondition: is_numeric
// Reads the Location-Path or Uri-Path segments.
std::string join_segments(const std::vector<std::string>& segments);

}  // namespace drover::client
