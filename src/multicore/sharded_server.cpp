#include "drover/multicore/sharded_server.hpp"

#include <algorithm>
#include <future>
#include <unordered_map>
#include <utility>

#include "drover/transport/asio.hpp"
#include "drover/transport/threads.hpp"

namespace drover::multicore {

namespace asio = boost::asio;

std::string location_prefix_of(unsigned shard) {
  return std::string(1, static_cast<char>('A' + shard));
}

std::optional<unsigned> shard_named_by(std::span<const std::uint8_t> datagram, unsigned shards) {
  // Cheap tests first: only CON/NON POST and DELETE requests can name a registration.
  if (datagram.size() < 4 || (datagram[0] >> 6) != 1 || (datagram[0] & 0x20) != 0) return {};
  if (datagram[1] != coap::codes::Post.value && datagram[1] != coap::codes::Delete.value) return {};
  thread_local coap::Message message;  // keeps its buffers from one datagram to the next
  if (coap::parse(datagram, message)) return {};
  std::size_t segment = 0;
  std::optional<unsigned> shard;
  bool rd = false;
  message.for_each(coap::options::UriPath, [&](const coap::OptionView& v) {
    const std::string_view s = v.as_string();
    if (segment == 0) rd = s == "rd";
    if (segment == 1 && rd && !s.empty() && s[0] >= 'A' && s[0] < 'A' + static_cast<int>(shards))
      shard = static_cast<unsigned>(s[0] - 'A');
    ++segment;
  });
  return segment == 2 ? shard : std::nullopt;
}

// One shard: its own io_context, thread, server core and socket. It is the DatagramCore its loop
// drives, and passes each datagram to its server, or to the shard that holds its registration.
struct ShardedServer::Shard final : coap::DatagramCore {
  Shard(ShardedServer& parent, unsigned shard, const ShardedServerConfig& c)
      : owner(parent),
        index(shard),
        core(server_config(c, shard)),
        loop(io, *this, loop_config(c)) {
    cpu = c.cpus.empty() ? -1 : c.cpus[shard % c.cpus.size()];
    loop.set_after_input([this] { drain(); });
  }

  static server::ServerConfig server_config(const ShardedServerConfig& c, unsigned shard) {
    server::ServerConfig s = c.server;
    if (c.shards > 1) {
      s.location_prefix = location_prefix_of(shard);
      s.first_operation_id = shard + 1;
      s.operation_id_step = c.shards;
    }
    return s;
  }
  static transport::DatagramLoopConfig loop_config(const ShardedServerConfig& c) {
    transport::DatagramLoopConfig l = c.loop;
    l.socket.reuse_port = l.socket.reuse_port || c.shards > 1;
    return l;
  }

  // ---- coap::DatagramCore: the routing in front of the server core.
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override {
    if (owner.shards() > 1) {
      if (!hand_on_to.empty()) {
        if (const auto it = hand_on_to.find(peer); it != hand_on_to.end())
          return hand_on(it->second, peer, datagram);
      }
      if (const auto s = shard_named_by(datagram, owner.shards()); s && *s != index) {
        hand_on_to[peer] = *s;
        return hand_on(*s, peer, datagram);
      }
    }
    front->receive(peer, datagram, now);
  }
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         TimePoint now) override {
    front->receive_truncated(peer, prefix, now);
  }
  void on_timer(TimePoint now) override { front->on_timer(now); }
  bool poll_transmit(coap::Transmit& out) override { return front->poll_transmit(out); }
  std::optional<TimePoint> next_expiry() const override { return front->next_expiry(); }

  // ---- Across shards (each runs on the receiving shard's thread).
  void hand_on(unsigned target, const coap::PeerAddress& peer,
               std::span<const std::uint8_t> datagram) {
    ++stats.handed_on;
    Shard& to = *owner.shards_[target];
    asio::post(to.io, [&to, from = index, peer,
                       bytes = std::vector<std::uint8_t>(datagram.begin(), datagram.end())] {
      to.take_over(from, peer, bytes);
    });
  }

  void take_over(unsigned from, const coap::PeerAddress& peer,
                 std::span<const std::uint8_t> bytes) {
    ++stats.taken_over;
    front->receive(peer, bytes, transport::DatagramLoop::now());
    // The address is now this shard's registration's (an Update moved it here): remember which
    // shard hands its datagrams on, to release it when the registration ends or moves.
    if (const auto* r = core.registrations().find_by_peer(peer)) remote[r->endpoint] = {peer, from};
    flush_soon();
  }

  void forget(const coap::PeerAddress& peer, unsigned registration_shard) {
    if (const auto it = hand_on_to.find(peer);
        it != hand_on_to.end() && it->second == registration_shard)
      hand_on_to.erase(it);
  }

  void release_remote(const std::string& endpoint, const coap::PeerAddress* still_at) {
    const auto it = remote.find(endpoint);
    if (it == remote.end() || (still_at && it->second.peer == *still_at)) return;
    Shard& forwarder = *owner.shards_[it->second.shard];
    asio::post(forwarder.io,
               [&forwarder, peer = it->second.peer, me = index] { forwarder.forget(peer, me); });
    remote.erase(it);
  }

  void replace_elsewhere(const std::vector<std::pair<std::string, TimePoint>>& registered) {
    for (const auto& [endpoint, at] : registered)
      if (core.replace_registration(endpoint, at)) ++stats.replaced;
    flush_soon();
  }

  void flush_soon() {
    loop.flush_soon();
    if (secure_loop) secure_loop->flush_soon();
  }

  // The server's events: cross-shard bookkeeping first, then the owner's handler.
  void drain() {
    server::ServerEvent event;
    const auto now = transport::DatagramLoop::now();
    const bool several = owner.shards() > 1;
    while (core.poll_event(event)) {
      if (several) note(event);
      if (owner.handler_) owner.handler_(index, core, event, now);
    }
    if (!new_registrations.empty()) {
      for (auto& other : owner.shards_) {
        if (other.get() == this) continue;
        asio::post(other->io,
                   [to = other.get(), batch = new_registrations] { to->replace_elsewhere(batch); });
      }
      new_registrations.clear();
    }
  }

  void note(const server::ServerEvent& event) {
    if (const auto* r = std::get_if<server::Registered>(&event)) {
      new_registrations.emplace_back(r->registration.endpoint, r->registration.registered_at);
      release_remote(r->registration.endpoint, &r->registration.peer);
    } else if (const auto* u = std::get_if<server::Updated>(&event)) {
      release_remote(u->registration.endpoint, &u->registration.peer);
    } else if (const auto* d = std::get_if<server::Deregistered>(&event)) {
      release_remote(d->registration.endpoint, nullptr);
    } else if (const auto* e = std::get_if<server::Expired>(&event)) {
      release_remote(e->registration.endpoint, nullptr);
    } else if (const auto* p = std::get_if<server::Replaced>(&event)) {
      release_remote(p->previous.endpoint, nullptr);
    }
  }

  struct Remote {
    coap::PeerAddress peer;
    unsigned shard;  // the one that hands this address's datagrams on to us
  };

  ShardedServer& owner;
  unsigned index;
  int cpu = -1;
  asio::io_context io;
  server::Server core;
  coap::DatagramCore* front = &core;  // the core, or what the config puts in front of it
  transport::DatagramLoop loop;
  std::unique_ptr<transport::DatagramLoop> secure_loop;  // coaps, when configured
  std::thread thread;
  // Addresses whose registration lives on another shard (their datagrams are handed on).
  std::unordered_map<coap::PeerAddress, unsigned> hand_on_to;
  // Registrations here whose address sends to another shard, by endpoint.
  std::unordered_map<std::string, Remote> remote;
  std::vector<std::pair<std::string, TimePoint>> new_registrations;  // to replace elsewhere
  ShardStats stats;
};

ShardedServer::ShardedServer(ShardedServerConfig config) {
  config.shards = std::clamp(config.shards, 1u, max_shards);
  for (unsigned i = 0; i < config.shards; ++i)
    shards_.push_back(std::make_unique<Shard>(*this, i, config));
  address_ = config.address;
  setup_ = std::move(config.setup);
  front_ = std::move(config.front);
  secure_port_ = config.secure_port;
  secure_ = std::move(config.secure);
  loop_config_ = Shard::loop_config(config);
}

ShardedServer::~ShardedServer() {
  stop();
}

void ShardedServer::set_event_handler(EventHandler handler) {
  handler_ = std::move(handler);
}

std::error_code ShardedServer::start(std::optional<coap::PeerAddress> address) {
  if (address) address_ = *address;
  coap::PeerAddress bind = address_;
  for (auto& shard : shards_) {
    if (auto ec = shard->loop.open(bind)) {
      for (auto& opened : shards_) opened->loop.close();
      return ec;
    }
    bind.port = shard->loop.local_address().port;  // the others share the first one's port
  }
  address_ = shards_.front()->loop.local_address();
  for (auto& shard : shards_) {
    if (setup_) setup_(shard->index, shard->core);
    if (front_) {
      if (auto* front = front_(shard->index, shard->core)) shard->front = front;
    }
    if (auto* secure = secure_ ? secure_(shard->index, shard->core) : nullptr) {
      shard->secure_loop =
          std::make_unique<transport::DatagramLoop>(shard->io, *secure, loop_config_);
      shard->secure_loop->set_after_input([s = shard.get()] { s->drain(); });
    }
  }
  if (secure_) {
    coap::PeerAddress secure = address_;
    secure.port = secure_port_;
    for (auto& shard : shards_) {
      if (!shard->secure_loop) continue;
      if (auto ec = shard->secure_loop->open(secure)) {
        for (auto& opened : shards_) {
          opened->loop.close();
          opened->secure_loop.reset();
        }
        return ec;
      }
      secure.port = shard->secure_loop->local_address().port;
      secure_address_ = secure;
    }
  }
  for (auto& shard : shards_) {
    shard->thread = std::thread([s = shard.get()] {
      transport::name_this_thread("lwm2m-shard-" + std::to_string(s->index));
      transport::pin_this_thread(s->cpu);
      auto guard = asio::make_work_guard(s->io);
      s->io.run();
    });
  }
  return {};
}

void ShardedServer::stop() {
  for (auto& shard : shards_) shard->io.stop();
  for (auto& shard : shards_) {
    if (shard->thread.joinable()) shard->thread.join();
    shard->loop.close();
    if (shard->secure_loop) shard->secure_loop->close();
  }
}

void ShardedServer::call(unsigned shard, const Call& fn) {
  Shard& s = *shards_.at(shard);
  if (!s.thread.joinable()) {  // not started, or stopped: no other thread uses the shard
    fn(s.core, transport::DatagramLoop::now());
    return;
  }
  std::promise<void> done;
  asio::post(s.io, [&] {
    fn(s.core, transport::DatagramLoop::now());
    s.flush_soon();
    done.set_value();
  });
  done.get_future().wait();
}

void ShardedServer::after(unsigned shard, Duration delay, Call fn) {
  Shard& s = *shards_.at(shard);
  auto timer = std::make_shared<asio::steady_timer>(s.io, delay);
  timer->async_wait([&s, timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (ec) return;
    fn(s.core, transport::DatagramLoop::now());
    s.flush_soon();
  });
}

void ShardedServer::flush_soon(unsigned shard) {
  shards_.at(shard)->flush_soon();
}

double ShardedServer::cpu_seconds(unsigned shard) {
  return transport::cpu_seconds(shards_.at(shard)->thread);
}

ShardStats ShardedServer::stats(unsigned shard) {
  ShardStats out;
  call(shard, [&](server::Server&, TimePoint) { out = shards_[shard]->stats; });
  return out;
}

}  // namespace drover::multicore
