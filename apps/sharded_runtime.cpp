#include "sharded_runtime.hpp"

#include <boost/asio/post.hpp>

#include "drover/log/log.hpp"
#include "drover/lwm2m/model/builtin_objects.hpp"
#include "server_credentials.hpp"

namespace drover::apps {

namespace asio = boost::asio;
using log::Component;

ShardedRuntime::ShardedRuntime(asio::io_context& io, unsigned shards, std::size_t max_registrations)
    : io_(io),
      shards_(std::clamp(shards, 1u, multicore::ShardedServer::max_shards)),
      per_shard_((max_registrations + shards_ - 1) / shards_),
      router_(
          shards_,
          [this](unsigned shard, const http::ShardRouter::OnShard& fn) {
            sharded_->call(shard,
                           [&](server::Server&, coap::TimePoint now) { fn(*apis_[shard], now); });
          },
          http::ApiConfig{}),
      http_(io, router_, {}, http_server_config()),
      stop_(io) {
  lwm2m::add_builtin_objects(models_);
  apis_.resize(shards_);
  dtls_.resize(shards_);
  taps_.resize(shards_);
  traces_.resize(shards_);
  http_.set_message_log(&logs_);
}

ShardedRuntime::~ShardedRuntime() {
  http_.close();
  http_.set_message_log(nullptr);
  if (sharded_) sharded_->stop();  // before the Apis its threads use
}

int ShardedRuntime::load_models(const std::vector<std::string>& directories) {
  return load_models_into(directories, models_);
}

int ShardedRuntime::open_coap(const std::string& address, std::uint16_t port) {
  multicore::ShardedServerConfig config;
  config.shards = shards_;
  config.server = server_config(per_shard_);
  config.loop = loop_config();
  config.setup = [this](unsigned shard, server::Server& core) {
    core.objects() = models_;
    stores_.attach(shard, core, transport::DatagramLoop::now());
    apis_[shard] = std::make_unique<http::Api>(core);
    apis_[shard]->adopt_observations();
    if (shard == 0) apis_[shard]->set_log_stats(log::stats);  // once for the process
    taps_[shard] = std::make_unique<http::MessageTap>(core);
    taps_[shard]->set_sink([this](const http::StreamEvent& event) { logs_.post(event); });
    traces_[shard] = std::make_unique<CoapTrace>(*taps_[shard]);
    // No NoSec Register of a secured endpoint, coaps or not.
    core.set_security_lookup(dtls_security_lookup(dtls_[shard]), [this](std::string_view endpoint) {
      return security_store_.secures(endpoint);
    });
    if (!credentials_) return;
    try {
      if (!ticket_key_) ticket_key_ = dtls::make_ticket_key();
      dtls::DtlsServerConfig dtls_config;
      dtls_config.ticket_key = ticket_key_;
      dtls_[shard] =
          std::make_unique<dtls::DtlsServer>(*traces_[shard], *credentials_, dtls_config);
    } catch (const std::exception& e) {
      log::error(Component::Dtls, {"config_error"}, std::string("DTLS: ") + e.what());
      return;
    }
    dtls_[shard]->set_wakeups([this, shard] { sharded_->flush_soon(shard); },
                              [this, shard] { sharded_->flush_soon(shard); });
  };
  config.front = [this](unsigned shard, server::Server&) -> coap::DatagramCore* {
    if (dtls_[shard]) return &dtls_[shard]->plain();
    return traces_[shard].get();
  };
  config.secure_port = coaps_port_;
  config.secure = [this](unsigned shard, server::Server&) -> coap::DatagramCore* {
    return dtls_[shard].get();
  };
  sharded_ = std::make_unique<multicore::ShardedServer>(std::move(config));
  sharded_->set_event_handler([this](unsigned shard, server::Server&, server::ServerEvent& event,
                                     coap::TimePoint now) { on_event(shard, event, now); });
  if (int code = open_coap_with(address, port,
                                [this](const coap::PeerAddress& a) { return sharded_->start(a); }))
    return code;
  log::info(Component::Server, {"listening"},
            "LwM2M server listening on coap://" + sharded_->address().to_string() + " with " +
                std::to_string(shards_) + " shards (" + std::to_string(models_.size()) +
                " object definitions)");
  if (!credentials_) return 0;
  for (const auto& dtls : dtls_)
    if (!dtls) return 2;  // a shard's DTLS server could not be made: logged
  log::info(Component::Server, {"listening"},
            "LwM2M server listening on coaps://" + sharded_->secure_address()->to_string() +
                " (DTLS 1.2: " + coaps_summary_ + "; a session per shard)");
  return 0;
}

int ShardedRuntime::open_http(const HttpOptions& options) {
  if (!sharded_) return 2;
  return open_http_api(http_, options);
}

// On shard `shard`'s thread.
void ShardedRuntime::on_event(unsigned shard, server::ServerEvent& event, coap::TimePoint now) {
  log_server_event(event);
  router_.on_event(shard, event);
  http::Api& api = *apis_[shard];
  std::string error;
  auto completion = http::completion_of(api, event, now, error);
  if (!error.empty())
    log::error(Component::Http, {"internal_error"},
               "internal error in the HTTP API (server event): " + error);
  std::array<std::optional<http::StreamEvent>, 2> shown;
  const auto wanted = http_.streams_wanted();
  try {
    for (std::size_t names = 0; names < 2; ++names)
      if (wanted[names]) shown[names] = api.stream_event(event, completion, now, names == 1);
  } catch (const std::exception& e) {
    log::error(Component::Http, {"internal_error"},
               std::string("internal error in the HTTP API (event stream): ") + e.what());
  }
  if (!completion && !shown[0] && !shown[1]) return;
  asio::post(io_, [this, completion = std::move(completion), shown = std::move(shown)] {
    http_.on_result(completion, shown);
  });
}

void ShardedRuntime::ShardLogs::watch(std::string_view endpoint) {
  // Every shard: the client may be registered on any, or register later.
  auto& r = runtime_;
  for (unsigned shard = 0; r.sharded_ && shard < r.shards_; ++shard)
    r.sharded_->call(shard,
                     [&](server::Server&, coap::TimePoint) { r.taps_[shard]->watch(endpoint); });
}

void ShardedRuntime::ShardLogs::unwatch(std::string_view endpoint) {
  auto& r = runtime_;
  for (unsigned shard = 0; r.sharded_ && shard < r.shards_; ++shard)
    r.sharded_->call(shard,
                     [&](server::Server&, coap::TimePoint) { r.taps_[shard]->unwatch(endpoint); });
}

void ShardedRuntime::ShardLogs::post(const http::StreamEvent& event) {
  asio::post(runtime_.io_, [this, event] {
    if (sink_) sink_(event);
  });
}

void ShardedRuntime::log_stopped() {
  std::size_t registrations = 0;
  coap::EngineStats total;
  for (unsigned shard = 0; sharded_ && shard < shards_; ++shard) {
    sharded_->call(shard, [&](server::Server& core, coap::TimePoint) {
      registrations += core.counts().registrations;
      const auto& stats = core.engine_stats();
      total.datagrams_received += stats.datagrams_received;
      total.datagrams_sent += stats.datagrams_sent;
      total.malformed += stats.malformed;
    });
  }
  log_totals(registrations, total);
  if (sharded_) sharded_->stop();  // nothing writes to the stores any more
  stores_.close();
  if (security_documents_)
    if (auto error = security_documents_->flush())
      log::error(Component::Store, {"store_error"}, "store: " + error->message);
}

int ShardedRuntime::open_coaps(const std::string&, const ServerSecurityOptions& options) {
  dtls::ServerCredentials credentials;
  if (auto error = load_server_security(options, security_store_, credentials)) {
    log::error(Component::Dtls, {"config_error"}, *error);
    return 2;
  }
  if (int code = load_kept_credentials(stores_.data_dir(), security_store_, security_documents_,
                                       security_table_))
    return code;
  if (!options.any() && security_store_.entries().empty()) return 0;
  credentials_ = std::move(credentials);
  coaps_port_ = options.coaps_port;
  coaps_summary_ = credentials_summary(options, security_store_);
  return 0;
}

}  // namespace drover::apps
