// The HTTP API of a server on several shards (multicore::ShardedServer): an ApiHandler in front of
// one Api per shard. Each Api is used only on its shard's thread, through `run_on`, which runs a
// function there and waits for it; nothing of a shard is touched from the router's thread.
//
// A request naming a client (/api/clients/{ep}/...) goes to the shard that holds the client (each
// is visited in turn and answers if it does; none: shard 0, which answers 404). The client listing and /metrics gather the
// part of every shard and merge them; everything else is answered by shard 0. A Pending reply's
// operation id names one operation across the shards (ServerConfig::operation_id_step), so its
// completion, which the shard's Api gives on that shard's thread, finds the waiting request.
#pragma once

#include <functional>

#include "drover/http/api.hpp"

namespace drover::http {

class ShardRouter final : public ApiHandler {
 public:
  using OnShard = std::function<void(Api&, coap::TimePoint now)>;
  using RunOn = std::function<void(unsigned shard, const OnShard& fn)>;

  // `config`: the shards' Apis' (the router pages the client listing by it).
  ShardRouter(unsigned shards, RunOn run_on, ApiConfig config = {});

  Reply handle(const Request& request, coap::TimePoint now) override;
  std::size_t max_body_bytes() const override { return config_.max_body_bytes; }

 private:
  Reply on(unsigned shard, const Request& request);
  Reply clients(const Request& request);
  Response metrics();

  unsigned shards_;
  RunOn run_on_;
  ApiConfig config_;
};

}  // namespace drover::http
