#include "drover/transport/datagram_loop.hpp"

#include "datagram_pump.hpp"
#include "drover/transport/asio.hpp"

namespace drover::transport {

namespace asio = boost::asio;

struct DatagramLoop::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, coap::DatagramCore& datagram_core, DatagramLoopConfig cfg)
      : io(io_context),
        config(std::move(cfg)),
        pump(datagram_core),
        descriptor(io_context),
        timer(io_context) {
    pump.wait_writable = [this] { wait_writable(); };
  }

  asio::io_context& io;
  DatagramLoopConfig config;
  DatagramPump pump;  // the core, the socket, the hooks and the stats
  // The socket's fd, registered with the reactor; released, not closed: `pump.socket` owns it.
  asio::posix::stream_descriptor descriptor;
  asio::steady_timer timer;
  std::optional<coap::TimePoint> armed;  // when the timer fires, if it is armed
  std::uint64_t timer_generation = 0;    // tells a superseded timer completion from the current one
  bool flush_posted = false;

  std::error_code open(const coap::PeerAddress& local) {
    close();
    if (auto ec = pump.socket.open(local, config.socket)) return ec;
    boost::system::error_code bec;
    descriptor.assign(pump.socket.native_handle(), bec);
    if (bec) {
      pump.socket.close();
      return {bec.value(), std::system_category()};
    }
    wait_readable();
    rearm_timer();  // a core may have armed timers before the socket opened
    return {};
  }

  void close() {
    if (descriptor.is_open()) descriptor.release();  // cancels the pending waits
    timer.cancel();
    armed.reset();
    ++timer_generation;
    pump.waiting_writable = false;
    pump.socket.close();
  }

  void wait_readable() {
    descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            if (auto self = weak.lock()) self->on_readable(ec);
                          });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || !pump.socket.is_open()) return;
    if (ec) {  // the reactor gave up on the descriptor: retrying would spin
      pump.report("wait (reading stopped)", {ec.value(), std::system_category()});
      return;
    }
    ++pump.stats.wakeups;
    bool more = false;
    for (std::size_t i = 0; i < config.max_batches_per_wakeup; ++i) {
      more = pump.receive_batch();
      if (!more) break;
    }
    if (!pump.socket.is_open()) return;  // the hook closed the loop
    rearm_timer();
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
    ++pump.stats.timer_fires;
    pump.core.on_timer(now());
    drain();
  }

  // Arms the timer only when the core's next expiry is earlier than the armed one: a timer that
  // fires early is harmless (on_timer then does nothing), so later expiries need no rearming.
  void rearm_timer() {
    auto next = pump.core.next_expiry();
    if (!next || (armed && *armed <= *next) || !pump.socket.is_open()) return;
    armed = *next;
    timer.expires_at(*next);
    timer.async_wait([weak = weak_from_this(),
                      generation = ++timer_generation](const boost::system::error_code& ec) {
      if (auto self = weak.lock()) self->on_timer_fired(generation, ec);
    });
  }

  // The hook, the transmits, then the timer at the core's next expiry.
  void drain() {
    if (pump.pump()) rearm_timer();
  }

  // The socket buffer is full: sending resumes when it is writable.
  void wait_writable() {
    descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            auto self = weak.lock();
                            if (!self || ec == asio::error::operation_aborted) return;
                            self->pump.waiting_writable = false;
                            self->pump.send_transmits();
                            self->rearm_timer();
                          });
  }

  void flush_soon() {
    if (pump.in_hook() || flush_posted) return;  // the running pump sends it anyway
    flush_posted = true;
    asio::post(io, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      self->flush_posted = false;
      if (self->pump.socket.is_open()) self->drain();  // a close() in between abandons it
    });
  }
};

DatagramLoopConfig device_loop_config() {
  DatagramLoopConfig config;
  config.socket = device_socket_options();
  return config;
}

DatagramLoop::DatagramLoop(asio::io_context& io, coap::DatagramCore& core,
                           DatagramLoopConfig config)
    : impl_(std::make_shared<Impl>(io, core, std::move(config))) {}

DatagramLoop::~DatagramLoop() {
  impl_->close();
}

void DatagramLoop::set_after_input(AfterInput hook) {
  impl_->pump.after_input = std::move(hook);
}
void DatagramLoop::set_error_handler(ErrorHandler handler) {
  impl_->pump.on_error = std::move(handler);
}
void DatagramLoop::set_source_selector(SourceSelector selector) {
  impl_->pump.source_for = std::move(selector);
}

std::error_code DatagramLoop::open(const coap::PeerAddress& local) {
  return impl_->open(local);
}
void DatagramLoop::close() {
  impl_->close();
}
bool DatagramLoop::is_open() const {
  return impl_->pump.socket.is_open();
}
coap::PeerAddress DatagramLoop::local_address() const {
  return impl_->pump.socket.local_address();
}

void DatagramLoop::flush_soon() {
  impl_->flush_soon();
}
coap::TimePoint DatagramLoop::now() {
  return coap::Clock::now();
}

const DatagramLoopStats& DatagramLoop::stats() const {
  return impl_->pump.stats;
}
const UdpSocketStats& DatagramLoop::socket_stats() const {
  return impl_->pump.socket.stats();
}

}  // namespace drover::transport
