// `drover server --shards N`: the LwM2M server on N cores (multicore::ShardedServer: a server core,
// DatagramLoop and thread per shard on one UDP port), its HTTP API on the caller's io_context in
// front of one http::Api per shard (http::ShardRouter), and the event log.
//
// Each shard's Api lives on that shard's thread: requests reach it through ShardedServer::call,
// and what it makes of its server's events (a completion, the event streams' view of it) is posted
// to the HTTP side. The CoAP message log of the event stream (coap=1) has a MessageTap in front of
// each shard's server: a watch reaches every shard, and what they log is posted to the HTTP side.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coap_trace.hpp"
#include "drover/http/api.hpp"
#include "drover/http/http_server.hpp"
#include "drover/http/message_log.hpp"
#include "drover/http/shard_router.hpp"
#include "drover/multicore/sharded_server.hpp"
#include "security_options.hpp"
#include "server_runtime.hpp"

namespace drover::apps {

class ShardedRuntime {
 public:
  // `max_registrations` is split evenly between the shards (the kernel spreads clients over them
  // by address, so one shard may fill a little before the others).
  ShardedRuntime(boost::asio::io_context& io, unsigned shards, std::size_t max_registrations);
  ~ShardedRuntime();
  ShardedRuntime(const ShardedRuntime&) = delete;
  ShardedRuntime& operator=(const ShardedRuntime&) = delete;

  // As ServerRuntime's; load_models before open_coap, which starts the shards.
  int load_models(const std::vector<std::string>& directories);
  // Opens a store per shard; each shard's server is restored from its own as the shards start.
  int open_store(const StoreOptions& options) { return stores_.open(options, shards_); }
  int open_coap(const std::string& address, std::uint16_t port);
  // Before open_coap: the credentials (the command line's, then the data folder's), and coaps
  // beside NoSec when there are any, with a DTLS server per shard on one port (SO_REUSEPORT). The
  // kept credentials are read, not managed: /api/security is the single-loop server's.
  int open_coaps(const std::string& address, const ServerSecurityOptions& options);
  int open_http(const HttpOptions& options);
  void stop_on_signal(double duration, std::function<void()> on_stop) {
    stop_.start(duration, std::move(on_stop));
  }
  void log_stopped();

 private:
  void on_event(unsigned shard, server::ServerEvent& event, coap::TimePoint now);

  // The shards' MessageTaps as one MessageLog on the HTTP side.
  class ShardLogs final : public http::MessageLog {
   public:
    explicit ShardLogs(ShardedRuntime& runtime) : runtime_(runtime) {}
    void set_sink(Sink sink) override { sink_ = std::move(sink); }
    void watch(std::string_view endpoint) override;
    void unwatch(std::string_view endpoint) override;
    // On a shard's thread: an event of its tap, to the sink on the HTTP side.
    void post(const http::StreamEvent& event);

   private:
    ShardedRuntime& runtime_;
    Sink sink_;
  };

  boost::asio::io_context& io_;
  unsigned shards_;
  std::size_t per_shard_;
  lwm2m::ObjectRegistry models_;
  ServerStores stores_;  // outlives the shards, which write to it
  // apis_[i] is used on shard i's thread only; made when the shards start.
  std::vector<std::unique_ptr<http::Api>> apis_;
  std::vector<std::unique_ptr<http::MessageTap>> taps_;  // likewise
  std::vector<std::unique_ptr<CoapTrace>> traces_;       // in front of each tap
  // coaps: the credentials, read by every shard's thread (nothing changes them once started);
  // a DTLS server per shard in front of its trace, when there are credentials, all with one
  // session tickets' key: a client whose address moved to another shard resumes there.
  std::unique_ptr<store::DocumentStore> security_documents_;
  std::unique_ptr<DocumentTable> security_table_;
  dtls::MemorySecurityStore security_store_;
  std::optional<dtls::ServerCredentials> credentials_;  // set: coaps is wanted
  std::uint16_t coaps_port_ = 0;
  std::string coaps_summary_;
  std::vector<std::unique_ptr<dtls::DtlsServer>> dtls_;
  std::shared_ptr<const dtls::TicketKey> ticket_key_;
  ShardLogs logs_{*this};
  std::unique_ptr<multicore::ShardedServer> sharded_;
  http::ShardRouter router_;
  http::HttpServer http_;
  StopSignal stop_;
};

}  // namespace drover::apps
