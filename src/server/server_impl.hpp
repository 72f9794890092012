// The Server's state, shared by its modules:
//   server.cpp         DatagramCore, engine event dispatch, timers, sessions, registration end
//   registration.cpp   the Registration interface (/rd) and Send (/dp)
//   operations.cpp     DM and IR requests: building, queueing, sending, results
//   payloads.cpp       format choice and response decoding
#pragma once

#include <deque>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drover/coap/random.hpp"
#include "drover/lwm2m/protocol/operation.hpp"
#include "drover/server/server.hpp"
#include "drover/util/node_pool.hpp"
#include "drover/util/ring_queue.hpp"

namespace drover::server {

struct Operation {
  lwm2m::Operation kind = lwm2m::Operation::Read;
  std::string endpoint;
  std::string location;  // the registration it belongs to
  lwm2m::Path path;      // the request path (root for composite operations): the decoding base
  std::optional<lwm2m::ContentFormat> accept;
  std::optional<coap::RequestId> request;  // nullopt while queued
  bool established = false;                // an observation the client accepted
  TimePoint deadline{};                    // while queued
  Duration timeout{};                      // for the response once sent
  coap::Message message;                   // kept only while queued

  bool is_observation() const {
    return kind == lwm2m::Operation::Observe || kind == lwm2m::Operation::ObserveComposite;
  }
};

// Runtime state of one registration, kept only while there is some: operations (queued, in
// flight, observations) and, for queue-mode clients, the awake window.
struct Session {
  std::vector<OperationId> operations;   // in submission order; the queued ones are flushed in it
  std::optional<TimePoint> awake_until;  // queue mode: set while awake
  bool queue_mode = false;

  bool empty() const { return operations.empty() && !queue_mode; }
};

// A registration's object versions first, then the registry's active definitions.
class RegistrationTypes final : public lwm2m::TypeResolver {
 public:
  RegistrationTypes(const lwm2m::ObjectRegistry& objects, const Registration* registration)
      : objects_(objects), registration_(registration) {}
  std::optional<lwm2m::ResourceShape> lookup(std::uint16_t object_id,
                                             std::uint16_t resource_id) const override;

 private:
  const lwm2m::ObjectRegistry& objects_;
  const Registration* registration_;
};

// Object lists by the link-format text they were read from: a fleet of one product registers
// with the same text, so one parse and one copy serve every client. Entries no registration uses
// any more are dropped whenever the table has doubled since the last sweep.
class ObjectListCache {
 public:
  std::shared_ptr<const lwm2m::RegistrationPayload> find(std::string_view text) const;
  void add(std::string_view text, std::shared_ptr<const lwm2m::RegistrationPayload> payload);
  std::size_t size() const { return by_text_.size(); }

 private:
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, std::shared_ptr<const lwm2m::RegistrationPayload>, TextHash,
                     std::equal_to<>>
      by_text_;
  std::size_t sweep_at_ = 64;
};

struct Server::Impl {
  Impl(Server& server, ServerConfig cfg);

  Server& self;
  ServerConfig config;
  coap::Engine engine;
  coap::Random random;                  // registration locations
  std::uint32_t location_sequence = 0;  // registrations made: the growing part of locations
  ObjectListCache object_lists;
  RingQueue<ServerEvent> events;
  TimePoint last_now{};    // of the latest receive/on_timer
  bool held_back = false;  // engine events may wait: the event queue was full

  std::unordered_map<std::string, Session> sessions;  // by location
  std::unordered_map<OperationId, Operation> operations;
  std::unordered_map<coap::RequestId, OperationId> by_request;
  // Operations and their sessions come and go with each request: their nodes are reused.
  NodePool<decltype(sessions)> session_nodes;
  NodePool<decltype(operations)> operation_nodes;
  NodePool<decltype(by_request)> request_index_nodes;
  // The session of `location`, made if there is none.
  std::unordered_map<std::string, Session>::iterator session_of(const std::string& location);
  std::uint64_t next_operation = 1;
  // Persistence (null: none), and the operation ids told to it as reserved (all below).
  Persistence* persistence = nullptr;
  SecurityLookup security_lookup;
  SecuredEndpoint secured_endpoint;
  std::vector<std::pair<std::string, ResourceHandler>> resources;  // Server::add_resource
  std::uint64_t reserved_operations = 0;
  std::size_t observation_count = 0;
  std::size_t queued_count = 0;

  // Registration ends (expires_at + grace) as a min-heap by time, pushed once per registration:
  // an Update only moves the registration's expires_at, and an entry that comes due early is
  // pushed again for the registration's own time, so Updates do no timer work. Entries of
  // registrations that ended are dropped when they come due, or all at once when they outnumber
  // the live ones (rebuild_expiries).
  struct Expiry {
    TimePoint due;
    std::string location;
    friend bool operator>(const Expiry& a, const Expiry& b) { return a.due > b.due; }
  };
  std::vector<Expiry> expiries;
  // Timers, ordered by time: awake windows of queue-mode clients, deadlines of queued requests.

  std::set<std::pair<TimePoint, std::string>> awake_ends;
  std::set<std::pair<TimePoint, OperationId>> queue_deadlines;

  RegistrationStore& store() { return *self.store_; }
  bool room() const { return events.size() < config.max_pending_events; }
  double wall_time() const { return config.wall_clock ? config.wall_clock() : 0.0; }

  // server.cpp
  void process_engine_events(TimePoint now);
  void run_timers(TimePoint now);
  // A message came from the client of `location`: wake it (queue mode) and flush its queue.
  void touch(const std::string& location, TimePoint now);
  // Ends every operation and observation of a registration that is gone.
  void end_session(const std::string& location, const std::string& endpoint,
                   ObservationEndReason reason);
  void schedule_expiry(const Registration& registration);
  void rebuild_expiries();
  void set_queue_mode(const std::string& location, bool queue_mode, TimePoint now);

  // registration.cpp
  void on_request(const coap::RequestReceived& request, TimePoint now);
  void on_register(const coap::RequestReceived& request, TimePoint now);
  void on_update(const coap::RequestReceived& request, const Registration& registration,
                 TimePoint now);
  void on_deregister(const coap::RequestReceived& request, const Registration& registration,
                     TimePoint now);
  void on_send(const coap::RequestReceived& request, TimePoint now);
  // Whether `peer` may speak for `registration` (Update, De-register, Send, notifications): it
  // has the DTLS identity the registration was made with, or is NoSec as it was. Always true
  // without a security lookup.
  bool acts_for(const coap::PeerAddress& peer, const Registration& registration) const;
  std::string new_location();
  // After a restore: new locations sort after `location` (a restored one).
  void continue_locations_after(std::string_view location);
  // Reads a Register/Update payload (empty, or link-format); the response code and message on
  // failure.
  std::optional<std::pair<coap::Code, std::string>> read_objects(
      const coap::Message& request, std::shared_ptr<const lwm2m::RegistrationPayload>& out);
  void respond(coap::ExchangeId exchange, coap::Code code, TimePoint now,
               std::string_view diagnostic = {});

  // operations.cpp
  // The next operation id; tells the persistence when it passes the reserved ones.
  OperationId new_operation_id();
  PersistedOperation persisted(OperationId id, const Operation& op, coap::Message request) const;
  Result<OperationId> submit(const Registration& registration, Operation op, coap::Message message,
                             const RequestParams& params, TimePoint now);
  // Sends a queued or new operation; false when the engine refused.
  bool send(OperationId id, Operation& op, const coap::PeerAddress& peer, TimePoint now);
  void flush_queue(const std::string& location, TimePoint now);
  std::optional<Error> observation_room(const Registration& registration) const;
  void on_response(OperationId id, const coap::Message& response, TimePoint now);
  void on_notification(OperationId id, const coap::Message& notification, bool last);
  void on_failure(OperationId id, coap::FailureReason reason);
  // Removes an operation from every index; returns it.
  Operation take(OperationId id);
  void complete(OperationId id, Operation op, OperationResult result);
};

// payloads.cpp
// The format for a payload of several values (see the header's format rules).
lwm2m::ContentFormat multi_value_format(const Registration& registration);
// The SenML format of the path list of composite reads.
lwm2m::ContentFormat composite_format(const Registration& registration);
// The format of composite values (Write-Composite, composite answers): LwM2M CBOR for 1.2
// clients that announced it, else composite_format.
lwm2m::ContentFormat composite_values_format(const Registration& registration);
}  // namespace drover::server
