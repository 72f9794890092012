// The HTTP API of a server on several shards (multicore::ShardedServer): an ApiHandler in front of
// one Api per shard. Each Api is used only on its shard's thread, through `run_on`, which runs a
// function there and waits for it; nothing of a shard is touched from the router's thread.
//
// A request naming a client (/api/clients/{ep}/...) goes to the shard that holds the client,
// found in a ShardIndex kept from the shards' events (each shard reports its events with
// on_event, on its own thread). Should the index not know the client (its Register not reported
// yet), the shards are asked in turn; none holds it: shard 0 answers, 404. The client listing
// asks every shard for its page after the same cursor and merges them (merge_client_pages); an
// offset is walked on the router's thread, a page at a time. The metrics are summed;
// everything else is answered by shard 0. A Pending reply's operation id names one operation
// across the shards (ServerConfig::operation_id_step), so its completion, which the shard's Api
// gives on that shard's thread, finds the waiting request.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "drover/http/api.hpp"

namespace drover::http {

// Which shard holds each registered endpoint: written by the shards' threads as their clients
// register and leave, read by the router's. Entries are 64-bit hashes of the endpoints with the
// shard (8 bytes each, in open-addressing tables behind striped locks), so the index is a hint:
// the router checks it with the shard it names.
class ShardIndex {
 public:
  static constexpr unsigned max_shards = 63;

  // Registered: the endpoint is on `shard`; Deregistered, Expired, Replaced: it left `shard`
  // (an entry already naming another shard stays). Other events change nothing.
  void on_event(unsigned shard, const server::ServerEvent& event);
  std::optional<unsigned> find(std::string_view endpoint) const;
  std::size_t size() const;

  void set(std::string_view endpoint, unsigned shard);
  void erase(std::string_view endpoint, unsigned shard);

 private:
  struct Stripe {
    mutable std::mutex mutex;
    std::vector<std::uint64_t> slots;  // 0: empty; else the key's bits | (shard + 1)
    std::size_t used = 0;
  };
  static constexpr std::size_t kStripes = 16;
  std::array<Stripe, kStripes> stripes_;
};

class ShardRouter final : public ApiHandler {
 public:
  using OnShard = std::function<void(Api&, coap::TimePoint now)>;
  using RunOn = std::function<void(unsigned shard, const OnShard& fn)>;

  // `config`: the shards' Apis' (the router pages the client listing by it).
  ShardRouter(unsigned shards, RunOn run_on, ApiConfig config = {});

  Reply handle(const Request& request, coap::TimePoint now) override;
  std::size_t max_body_bytes() const override { return config_.max_body_bytes; }

  // Every event of shard `shard`'s server, on that shard's thread: keeps the index.
  void on_event(unsigned shard, const server::ServerEvent& event) { index_.on_event(shard, event); }
  const ShardIndex& index() const { return index_; }

 private:
  Reply on(unsigned shard, const Request& request);
  Reply clients(const Request& request);
  // The shards' pages of `query`, merged.
  MergedPage page(const ClientQuery& query);
  Metrics metrics();

  unsigned shards_;
  RunOn run_on_;
  ApiConfig config_;
  ShardIndex index_;
};

}  // namespace drover::http
