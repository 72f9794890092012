// The embedded default store of the LwM2M server: a server::Persistence on SQLite (WAL mode), one
// database per shard, written behind on a thread of its own.
//
// The server core tells it every change (persistence.hpp) on the protocol thread, which only
// appends the change to a bounded queue: the protocol path never waits for the disk. The writer
// thread commits what has queued every `batch_interval`, or at once when `batch_changes` wait, in
// one transaction (synchronous=FULL: on disk when committed). What can be lost: on kill -9 or
// power loss, the changes of the last batch interval (and of a batch being committed); on a clean
// stop (flush, or the destructor), nothing. An Update that only renews a lifetime is one small
// row update, and none at all when the renewal before it was less than `renewal_resolution` ago
// (see there): a fleet that updates often costs the disk little.
//
// Times are written as wall-clock seconds and loaded as steady times of the new process, so a
// registration keeps its remaining lifetime across a restart, and one that expired meanwhile is
// dropped by Server::restore.
//
// Failures while running (a full disk, an I/O error, the database locked by someone else): the
// batch is kept and tried again (write_behind.hpp); the failure is counted and reported, and the
// server keeps serving. Changes past the queue's bound are dropped (counted and reported): they
// are what is lost if the failure lasts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "drover/coap/engine.hpp"
#include "drover/server/persistence.hpp"
#include "drover/store/data_dir.hpp"
#include "drover/store/write_behind.hpp"

namespace drover::store {

struct ServerStateStoreConfig {
  WriteBehindConfig writing;
  // The steady and wall-clock times (seconds since the epoch) read together, for converting the
  // server's times when writing. Null: the system's clocks.
  std::function<std::pair<coap::TimePoint, double>()> clocks;
  // Renewal times are kept to within this much: a renewal in the same interval of this length
  // (on the steady clock) as the Update before it is not written. So that no registration expires
  // early, a loaded one counts its lifetime from the end of its last written renewal's interval
  // (capped at the time of loading): its real last Update was no later, and it may outlive its
  // lifetime by up to this much after a restart. Zero: every renewal written, times exact. Rows
  // are read with the resolution of the store that loads them: keep it across restarts.
  coap::Duration renewal_resolution = std::chrono::seconds(10);
};

class ServerStateStore final : public server::Persistence {
 public:
  // Opens `server-<shard>.db` in `dir`, creating it with the current schema. Refused, with a
  // message naming the file: a damaged file, one written by a newer Drover, one written by a
  // server of another number of shards (its registrations' locations name their shards).
  static Result<std::unique_ptr<ServerStateStore>> open(std::shared_ptr<DataDir> dir,
                                                        unsigned shard, unsigned shards,
                                                        ServerStateStoreConfig config = {});
  ~ServerStateStore() override;  // commits what is left (see flush), then stops the writer
  ServerStateStore(const ServerStateStore&) = delete;
  ServerStateStore& operator=(const ServerStateStore&) = delete;

  // What the database holds, for Server::restore, with its times as steady times of this
  // process: `steady_now` and `wall_now` (seconds since the epoch) are the same instant. Object
  // lists that several registrations share are shared in memory too. Call before start().
  Result<server::ServerState> load(coap::TimePoint steady_now, double wall_now);
  // Starts the writer thread. Changes told before are kept and written then.
  void start();
  // Waits until every change told so far is on disk (or dropped); the error if a batch failed
  // meanwhile (it is still tried again).
  std::optional<Error> flush();

  StoreStats stats() const override;  // from any thread
  const std::filesystem::path& file() const;

  // ---- server::Persistence (the server's thread)
  void registration_added(const server::Registration& registration) override;
  void registration_updated(const server::Registration& registration, server::UpdateChange change,
                            coap::TimePoint previous_update) override;
  void registration_removed(const server::Registration& registration) override;
  void observation_added(const server::PersistedObservation& observation) override;
  void observation_removed(server::OperationId id) override;
  void request_queued(const server::PersistedRequest& request) override;
  void request_dequeued(server::OperationId id) override;
  void operation_ids_reserved(std::uint64_t next) override;

  struct Impl;

 private:
  explicit ServerStateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The file of shard `shard`'s database.
std::string server_state_file(unsigned shard);

}  // namespace drover::store
