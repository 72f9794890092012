#include "server_store.hpp"

#include <chrono>
#include <cstdio>

#include "drover/log/log.hpp"

namespace drover::apps {

using log::Component;

int ServerStores::open(const StoreOptions& options, unsigned shards) {
  if (options.kind == "memory") {
    log::info(Component::Store, {"opened"},
              "store: in memory (registrations are lost when the server stops)");
    return 0;
  }
  const auto path = options.data_dir.empty() ? store::default_data_dir()
                                             : std::filesystem::path(options.data_dir);
  auto dir = store::DataDir::open(path);
  if (!dir) {
    log::error(Component::Store, {"store_error"},
               "cannot use the data folder: " + dir.error().message);
    return 1;
  }
  dir_ = dir.value();
  const auto started = std::chrono::steady_clock::now();
  const auto steady = coap::Clock::now();
  const double wall =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  store::ServerStateStoreConfig config;
  config.writing.log = [](std::string_view text) {
    log::warn(Component::Store, {"writer"}, "store: " + std::string(text));
  };
  for (unsigned shard = 0; shard < shards; ++shard) {
    auto opened = store::ServerStateStore::open(dir_, shard, shards, config);
    if (!opened) {
      log::error(Component::Store, {"store_error"},
                 "cannot open the store: " + opened.error().message);
      return 1;
    }
    auto state = opened.value()->load(steady, wall);
    if (!state) {
      log::error(Component::Store, {"store_error"},
                 "cannot read the store: " + state.error().message);
      return 1;
    }
    stores_.push_back(std::move(opened).value());
    states_.push_back(std::move(state).value());
  }
  std::size_t registrations = 0;
  for (const auto& s : states_) registrations += s.registrations.size();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  log::info(Component::Store, {"opened"},
            "store: " + path.string() + ", " + std::to_string(registrations) +
                " registrations read in " + seconds + " s");
  return 0;
}

void ServerStores::attach(unsigned shard, server::Server& core, coap::TimePoint now) {
  if (stores_.empty()) return;
  store::ServerStateStore& store = *stores_.at(shard);
  core.set_persistence(&store);
  const server::RestoreCounts counts = core.restore(std::move(states_.at(shard)), now);
  states_.at(shard) = {};
  log::info(Component::Store, {"restored"},
            "restored" + (stores_.size() > 1 ? " on shard " + std::to_string(shard) : "") + ": " +
                std::to_string(counts.registrations) + " registrations (" +
                std::to_string(counts.expired) + " expired while the server was down), " +
                std::to_string(counts.observations) + " observations, " +
                std::to_string(counts.queued) + " queued requests" +
                (counts.orphans
                     ? ", " + std::to_string(counts.orphans) + " of ended registrations dropped"
                     : ""));
  store.start();
}

void ServerStores::close() {
  for (auto& store : stores_) {
    if (auto error = store->flush())
      log::error(Component::Store, {"store_error"}, "store: not all written: " + error->message);
    const auto stats = store->stats();
    log::info(
        Component::Store, {"closed"},
        "store: " + store->file().string() + ": " + std::to_string(stats.committed) +
            " changes written in " + std::to_string(stats.batches) + " transactions" +
            (stats.failed_batches ? ", " + std::to_string(stats.failed_batches) + " failed" : "") +
            (stats.dropped ? ", " + std::to_string(stats.dropped) + " dropped" : ""));
  }
  stores_.clear();
  dir_.reset();
}

}  // namespace drover::apps
