// What the LwM2M server must not forget when it restarts, and the seam to whatever keeps it.
//
// The Server core calls a Persistence on its own thread at every change of that state:
// registrations, established observations (with their tokens, so that notifications arriving
// after a restart still match), requests queued for sleeping clients, and the operation ids it
// has handed out. Implementations must not block the protocol path: they write behind, on a
// thread of their own (store/). At start, what they kept comes back as a ServerState given to
// Server::restore.
//
// Times here are the core's steady times (coap::TimePoint). They mean nothing after a restart, so
// an implementation that keeps them converts them to wall-clock times when it writes and back to
// steady times of the new process when it loads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "drover/coap/message.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/protocol/operation.hpp"
#include "drover/server/registration_store.hpp"
#include "drover/util/store_stats.hpp"

namespace drover::server {

// One DM or IR request of the server (see server.hpp); an observation is named by the id of its
// Observe request.
struct OperationId {
  std::uint64_t value = 0;
  friend auto operator<=>(const OperationId&, const OperationId&) = default;
};

// What is common to an observation and a queued request: the operation and whose it is.
struct PersistedOperation {
  OperationId id;
  std::string endpoint;
  std::string location;  // of the registration it belongs to
  lwm2m::Operation kind = lwm2m::Operation::Read;
  lwm2m::Path path;  // the request path: the base its answers are decoded against
  std::optional<lwm2m::ContentFormat> accept;
  coap::Message request;  // the CoAP request (an observation's with the token it was sent with)
};

// An observation the client accepted: notifications come from `peer` with the request's token.
struct PersistedObservation {
  PersistedOperation operation;
  coap::PeerAddress peer;
};

// What an Update changed in a registration, besides updated_at and expires_at.
enum class UpdateChange : std::uint8_t {
  None,      // a renewal: most Updates
  Peer,      // the address it came from (a NoSec client behind a NAT that moved)
  Restated,  // lifetime, binding, queue mode, SMS number or objects
};

// A request waiting for a sleeping client.
struct PersistedRequest {
  PersistedOperation operation;
  coap::Duration timeout{};    // for the answer once sent
  coap::TimePoint deadline{};  // of the wait in the queue
};

class Persistence {
 public:
  virtual ~Persistence() = default;

  // A Register (one of the same endpoint is removed first).
  virtual void registration_added(const Registration& registration) = 0;
  // An Update: `registration` as it is now, `previous_update` its updated_at before.
  virtual void registration_updated(const Registration& registration, UpdateChange change,
                                    coap::TimePoint previous_update) = 0;
  // De-register, expiry, replacement by a Register elsewhere, or removal by the server.
  virtual void registration_removed(const Registration& registration) = 0;

  virtual void observation_added(const PersistedObservation& observation) = 0;
  // Cancelled, ended by the client, failed, or its registration ended.
  virtual void observation_removed(OperationId id) = 0;

  virtual void request_queued(const PersistedRequest& request) = 0;
  // Sent to the client, timed out in the queue, cancelled, or its registration ended.
  virtual void request_dequeued(OperationId id) = 0;

  // Ids below `next` may have been handed out: a restarted server starts from it.
  virtual void operation_ids_reserved(std::uint64_t next) = 0;
  // How its writing goes (the /metrics of a server with a store).
  virtual StoreStats stats() const = 0;
};

// What a restarted server starts from (Server::restore).
struct ServerState {
  std::vector<Registration> registrations;
  std::vector<PersistedObservation> observations;
  std::vector<PersistedRequest> queued;
  std::uint64_t next_operation_id = 0;  // 0: none reserved
};

// What Server::restore took and what it dropped.
struct RestoreCounts {
  std::size_t registrations = 0;
  std::size_t expired = 0;  // registrations whose lifetime ran out while the server was down
  std::size_t observations = 0;
  std::size_t queued = 0;
  std::size_t orphans = 0;  // observations and requests of registrations that are gone
};

}  // namespace drover::server

template <>
struct std::hash<drover::server::OperationId> {
  std::size_t operator()(drover::server::OperationId id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
