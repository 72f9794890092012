// `--store` and `--data-dir` of `drover server` and `drover demo`: the embedded SQLite store of
// every shard (store::ServerStateStore), opened and read before the server starts, given to each
// shard's server core, and flushed when the server stops.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drover/server/server.hpp"
#include "drover/store/server_state_store.hpp"

namespace drover::apps {

struct StoreOptions {
  std::string kind = "sqlite";  // or "memory": nothing survives a restart
  std::string data_dir;         // empty: store::default_data_dir()
};

class ServerStores {
 public:
  // Opens the data folder and one store per shard and reads what they hold. An exit code: 0, or
  // 1 with the reason logged (the folder in use, a damaged or newer database ...).
  int open(const StoreOptions& options, unsigned shards);
  // Gives shard `shard`'s server its store and restores what was read (logged), then starts the
  // store's writer. Does nothing with the memory store.
  void attach(unsigned shard, server::Server& core, coap::TimePoint now);
  // Writes what is left and logs the totals.
  void close();
  bool enabled() const { return !stores_.empty(); }
  std::shared_ptr<store::DataDir> data_dir() const { return dir_; }
  store::ServerStateStore& store(unsigned shard) { return *stores_.at(shard); }

 private:
  std::shared_ptr<store::DataDir> dir_;
  std::vector<std::unique_ptr<store::ServerStateStore>> stores_;
  std::vector<server::ServerState> states_;
};

}  // namespace drover::apps
