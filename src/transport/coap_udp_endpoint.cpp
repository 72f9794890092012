#include "drover/transport/coap_udp_endpoint.hpp"

#include <random>

#include "drover/transport/asio.hpp"

namespace drover::transport {

namespace asio = boost::asio;
using coap::Clock;

namespace {
std::uint64_t os_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}
}  // namespace

struct CoapUdpEndpoint::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, CoapUdpEndpointConfig cfg, CoapUdpEndpoint& endpoint)
      : io(io_context),
        owner(endpoint),
        config(std::move(cfg)),
        engine(config.engine, config.random_seed.value_or(os_seed())),
        descriptor(io_context),
        timer(io_context) {}

  asio::io_context& io;
  CoapUdpEndpoint& owner;
  CoapUdpEndpointConfig config;
  coap::Engine engine;
  UdpSocket socket;
  // The socket's fd, registered with the reactor; released, not closed: `socket` owns it.
  asio::posix::stream_descriptor descriptor;
  asio::steady_timer timer;
  std::optional<coap::TimePoint> armed;  // when the timer fires, if it is armed
  std::uint64_t timer_generation = 0;    // tells a superseded timer completion from the current one
  bool flush_posted = false;
  bool waiting_writable = false;
  bool pumping = false;
  EventHandler on_event;
  ErrorHandler on_error;
  SourceSelector source_for;
  CoapUdpEndpointStats stats;

  void report(std::string_view what, std::error_code ec) {
    if (on_error) on_error(what, ec);
  }

  std::error_code open(const coap::PeerAddress& local) {
    close();
    if (auto ec = socket.open(local, config.socket)) return ec;
    boost::system::error_code bec;
    descriptor.assign(socket.native_handle(), bec);
    if (bec) {
      socket.close();
      return {bec.value(), std::system_category()};
    }
    wait_readable();
    return {};
  }

  void close() {
    if (descriptor.is_open()) descriptor.release();  // cancels the pending waits
    timer.cancel();
    armed.reset();
    ++timer_generation;
    waiting_writable = false;
    socket.close();
  }

  void wait_readable() {
    descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            if (auto self = weak.lock()) self->on_readable(ec);
                          });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || !socket.is_open()) return;
    if (ec) {  // the reactor gave up on the descriptor: retrying would spin
      report("wait (reading stopped)", {ec.value(), std::system_category()});
      return;
    }
    ++stats.wakeups;
    bool more = false;
    for (std::size_t i = 0; i < config.max_batches_per_wakeup; ++i) {
      std::span<const ReceivedDatagram> batch;
      if (auto rec = socket.receive(batch)) {
        report("receive", rec);
        break;
      }
      const auto now = Clock::now();
      for (const auto& d : batch) engine.receive(d.peer, d.bytes, now);
      pump();  // between batches, so the engine's bounded queues drain as input arrives
      more = batch.size() == config.socket.batch_size;
      if (!more) break;
    }
    if (!socket.is_open()) return;  // a handler closed the endpoint
    if (more) {
      // The socket may still hold data: read again on the next turn, after other ready work.
      asio::post(io, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->on_readable({});
      });
    } else {
      // Datagrams that arrived since the last recvmmsg are on the reactor's ready list: this wait
      // sees them.
      wait_readable();
    }
  }

  void on_timer_fired(std::uint64_t generation, const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || generation != timer_generation) return;
    armed.reset();
    ++stats.timer_fires;
    engine.on_timer(Clock::now());
    pump();
  }

  // Arms the timer only when the engine's next expiry is earlier than the armed one: a timer that
  // fires early is harmless (on_timer then does nothing), so later expiries need no rearming.
  void rearm_timer() {
    auto next = engine.next_expiry();
    if (!next || (armed && *armed <= *next) || !socket.is_open()) return;
    armed = *next;
    timer.expires_at(*next);
    timer.async_wait([weak = weak_from_this(),
                      generation = ++timer_generation](const boost::system::error_code& ec) {
      if (auto self = weak.lock()) self->on_timer_fired(generation, ec);
    });
  }

  // Hands events to the application, then sends what the engine (and the application) queued.
  void pump() {
    // A handler that calls back into the endpoint lands here: the outer pump finishes the work.
    if (pumping) return;
    pumping = true;
    coap::Event event;
    while (engine.poll_event(event)) {
      if (on_event) on_event(owner, event);
    }
    pumping = false;
    send_transmits();
    rearm_timer();
  }

  void send_transmits() {
    if (!socket.is_open() || waiting_writable) return;
    coap::Transmit tx;
    for (;;) {
      if (socket.send_queue_full() && !flush_socket()) return;
      if (!engine.poll_transmit(tx)) break;
      std::optional<coap::PeerAddress> source;
      if (source_for) source = source_for(tx.peer);
      if (auto ec = socket.queue_send(tx.peer, tx.bytes, source ? &*source : nullptr)) {
        ++stats.send_refused;
        report("send", ec);
      }
    }
    flush_socket();
  }

  // False when the socket buffer is full: sending resumes when the socket is writable again, and
  // until then transmits wait in the engine's bounded queue.
  bool flush_socket() {
    FlushResult r = socket.flush();
    if (r.dropped > 0) report("send", r.error);
    if (!r.would_block) return true;
    ++stats.send_blocked;
    waiting_writable = true;
    descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            auto self = weak.lock();
                            if (!self || ec == asio::error::operation_aborted) return;
                            self->waiting_writable = false;
                            self->send_transmits();
                            self->rearm_timer();
                          });
    return false;
  }

  void flush_soon() {
    if (pumping || flush_posted) return;  // the running pump sends it anyway
    flush_posted = true;
    asio::post(io, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      self->flush_posted = false;
      self->pump();
    });
  }

  coap::TimePoint now() const { return Clock::now(); }
};

CoapUdpEndpoint::CoapUdpEndpoint(asio::io_context& io, CoapUdpEndpointConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config), *this)) {}

CoapUdpEndpoint::~CoapUdpEndpoint() {
  impl_->close();
}

void CoapUdpEndpoint::set_event_handler(EventHandler handler) {
  impl_->on_event = std::move(handler);
}
void CoapUdpEndpoint::set_error_handler(ErrorHandler handler) {
  impl_->on_error = std::move(handler);
}
void CoapUdpEndpoint::set_source_selector(SourceSelector selector) {
  impl_->source_for = std::move(selector);
}

std::error_code CoapUdpEndpoint::open(const coap::PeerAddress& local) {
  return impl_->open(local);
}
void CoapUdpEndpoint::close() {
  impl_->close();
}
bool CoapUdpEndpoint::is_open() const {
  return impl_->socket.is_open();
}
coap::PeerAddress CoapUdpEndpoint::local_address() const {
  return impl_->socket.local_address();
}

coap::Engine& CoapUdpEndpoint::engine() {
  return impl_->engine;
}
const coap::Engine& CoapUdpEndpoint::engine() const {
  return impl_->engine;
}
void CoapUdpEndpoint::flush_soon() {
  impl_->flush_soon();
}
const CoapUdpEndpointStats& CoapUdpEndpoint::stats() const {
  return impl_->stats;
}
const UdpSocketStats& CoapUdpEndpoint::socket_stats() const {
  return impl_->socket.stats();
}

namespace {
// Every call: the engine call at the current time (evaluated first, as the argument), then a flush
// on the loop's next turn.
template <typename R>
R flushed(CoapUdpEndpoint& endpoint, R result) {
  endpoint.flush_soon();
  return result;
}
}  // namespace

coap::Result<coap::RequestId> CoapUdpEndpoint::send_request(const coap::PeerAddress& peer,
                                                            coap::Message request,
                                                            const coap::RequestOptions& options) {
  return flushed(*this,
                 impl_->engine.send_request(peer, std::move(request), impl_->now(), options));
}
coap::Result<std::optional<coap::ObserverId>> CoapUdpEndpoint::respond(coap::ExchangeId exchange,
                                                                       coap::Message response) {
  return flushed(*this, impl_->engine.respond(exchange, std::move(response), impl_->now()));
}
coap::Status CoapUdpEndpoint::accept(coap::ExchangeId exchange) {
  return flushed(*this, impl_->engine.accept(exchange, impl_->now()));
}
coap::Status CoapUdpEndpoint::drop(coap::ExchangeId exchange) {
  return flushed(*this, impl_->engine.drop(exchange));
}
coap::Status CoapUdpEndpoint::notify(coap::ObserverId observer, coap::Message notification,
                                     const coap::NotifyOptions& options) {
  return flushed(*this,
                 impl_->engine.notify(observer, std::move(notification), impl_->now(), options));
}
coap::Status CoapUdpEndpoint::remove_observer(coap::ObserverId observer) {
  return flushed(*this, impl_->engine.remove_observer(observer));
}
coap::Status CoapUdpEndpoint::cancel(coap::RequestId request) {
  return flushed(*this, impl_->engine.cancel(request));
}
coap::Result<coap::RequestId> CoapUdpEndpoint::deregister(coap::RequestId observation) {
  return flushed(*this, impl_->engine.deregister(observation, impl_->now()));
}
coap::Status CoapUdpEndpoint::reregister(coap::RequestId observation) {
  return flushed(*this, impl_->engine.reregister(observation, impl_->now()));
}
coap::Result<coap::RequestId> CoapUdpEndpoint::ping(const coap::PeerAddress& peer) {
  return flushed(*this, impl_->engine.ping(peer, impl_->now()));
}

}  // namespace drover::transport
