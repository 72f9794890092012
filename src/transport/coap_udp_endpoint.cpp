#include "drover/transport/coap_udp_endpoint.hpp"

#include <random>

namespace drover::transport {

namespace {
std::uint64_t os_seed() {
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

// The engine as the loop sees it. (coap::Engine cannot derive from DatagramCore itself:
// datagram_core.hpp includes engine.hpp for Transmit and TimePoint.)
class EngineCore final : public coap::DatagramCore {
 public:
  explicit EngineCore(coap::Engine& engine) : engine_(engine) {}
  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               coap::TimePoint now) override {
    engine_.receive(peer, datagram, now);
  }
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         coap::TimePoint now) override {
    engine_.receive_truncated(peer, prefix, now);
  }
  void on_timer(coap::TimePoint now) override { engine_.on_timer(now); }
  bool poll_transmit(coap::Transmit& out) override { return engine_.poll_transmit(out); }
  std::optional<coap::TimePoint> next_expiry() const override { return engine_.next_expiry(); }

 private:
  coap::Engine& engine_;
};

DatagramLoopConfig loop_config(const CoapUdpEndpointConfig& config) {
  return {.socket = config.socket, .max_batches_per_wakeup = config.max_batches_per_wakeup};
}
}  // namespace

struct CoapUdpEndpoint::Impl {
  Impl(boost::asio::io_context& io, const CoapUdpEndpointConfig& config, CoapUdpEndpoint& owner)
      : engine(config.engine, config.random_seed.value_or(os_seed())),
        core(engine),
        front(config.front ? config.front(core) : nullptr),
        loop(io, front ? *front : core, loop_config(config)) {
    loop.set_after_input([this, &owner] {
      coap::Event event;
      while (engine.poll_event(event)) {
        if (on_event) on_event(owner, event);
      }
    });
  }

  coap::Engine engine;
  EngineCore core;
  std::unique_ptr<coap::DatagramCore> front;  // before the engine's core; may be null
  DatagramLoop loop;  // last: destroyed first, while the engine it drives still exists
  EventHandler on_event;

  static coap::TimePoint now() { return DatagramLoop::now(); }
};

CoapUdpEndpoint::CoapUdpEndpoint(boost::asio::io_context& io, CoapUdpEndpointConfig config)
    : impl_(std::make_unique<Impl>(io, config, *this)) {}

CoapUdpEndpoint::~CoapUdpEndpoint() = default;

void CoapUdpEndpoint::set_event_handler(EventHandler handler) {
  impl_->on_event = std::move(handler);
}
void CoapUdpEndpoint::set_error_handler(ErrorHandler handler) {
  impl_->loop.set_error_handler(std::move(handler));
}
void CoapUdpEndpoint::set_source_selector(SourceSelector selector) {
  impl_->loop.set_source_selector(std::move(selector));
}

std::error_code CoapUdpEndpoint::open(const coap::PeerAddress& local) {
  return impl_->loop.open(local);
}
void CoapUdpEndpoint::close() {
  impl_->loop.close();
}
bool CoapUdpEndpoint::is_open() const {
  return impl_->loop.is_open();
}
coap::PeerAddress CoapUdpEndpoint::local_address() const {
  return impl_->loop.local_address();
}

coap::Engine& CoapUdpEndpoint::engine() {
  return impl_->engine;
}
const coap::Engine& CoapUdpEndpoint::engine() const {
  return impl_->engine;
}
void CoapUdpEndpoint::flush_soon() {
  impl_->loop.flush_soon();
}
const CoapUdpEndpointStats& CoapUdpEndpoint::stats() const {
  return impl_->loop.stats();
}
const UdpSocketStats& CoapUdpEndpoint::socket_stats() const {
  return impl_->loop.socket_stats();
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
