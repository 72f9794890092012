// A Persistence that keeps what it is told in memory, as a store on disk would: the state a
// restarted server is given back.
#pragma once

#include <map>
#include <string>

#include "drover/server/persistence.hpp"

namespace drover::server::testing {

class MemoryPersistence final : public Persistence {
 public:
  void registration_added(const Registration& r) override {
    registrations_[r.location] = r;
    ++writes;
  }
  void registration_updated(const Registration& r, UpdateChange change, coap::TimePoint) override {
    registrations_[r.location] = r;
    ++writes;
    if (change == UpdateChange::None) ++renewals;
    if (change == UpdateChange::Peer) ++moves;
  }
  void registration_removed(const Registration& r) override {
    registrations_.erase(r.location);
    ++writes;
  }
  void observation_added(const PersistedObservation& o) override {
    observations_[o.operation.id] = o;
  }
  void observation_removed(OperationId id) override { observations_.erase(id); }
  void request_queued(const PersistedRequest& q) override { queued_[q.operation.id] = q; }
  void request_dequeued(OperationId id) override { queued_.erase(id); }
  void operation_ids_reserved(std::uint64_t next) override { next_id_ = next; }
  StoreStats stats() const override { return {.committed = writes, .batches = writes}; }

  ServerState state() const {
    ServerState s;
    for (const auto& [location, r] : registrations_) s.registrations.push_back(r);
    for (const auto& [id, o] : observations_) s.observations.push_back(o);
    for (const auto& [id, q] : queued_) s.queued.push_back(q);
    s.next_operation_id = next_id_;
    return s;
  }

  std::size_t writes = 0;
  std::size_t renewals = 0;
  std::size_t moves = 0;

 private:
  std::map<std::string, Registration> registrations_;
  std::map<OperationId, PersistedObservation> observations_;
  std::map<OperationId, PersistedRequest> queued_;
  std::uint64_t next_id_ = 0;
};

}  // namespace drover::server::testing
