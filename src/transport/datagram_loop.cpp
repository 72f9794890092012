#include "drover/transport/datagram_loop.hpp"

#include "drover/transport/asio.hpp"

namespace drover::transport {

namespace asio = boost::asio;

struct DatagramLoop::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_context, coap::DatagramCore& datagram_core, DatagramLoopConfig cfg)
      : io(io_context),
        core(datagram_core),
        config(std::move(cfg)),
        descriptor(io_context),
        timer(io_context) {}

  asio::io_context& io;
  coap::DatagramCore& core;
  DatagramLoopConfig config;
  UdpSocket socket;
  // The socket's fd, registered with the reactor; released, not closed: `socket` owns it.
  asio::posix::stream_descriptor descriptor;
  asio::steady_timer timer;
  std::optional<coap::TimePoint> armed;  // when the timer fires, if it is armed
  std::uint64_t timer_generation = 0;    // tells a superseded timer completion from the current one
  bool flush_posted = false;
  bool waiting_writable = false;
  bool pumping = false;
  AfterInput after_input;
  ErrorHandler on_error;
  SourceSelector source_for;
  DatagramLoopStats stats;

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
    rearm_timer();  // a core may have armed timers before the socket opened
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
      const auto t = now();
      for (const auto& d : batch) {
        if (d.truncated)
          core.receive_truncated(d.peer, d.bytes, t);
        else
          core.receive(d.peer, d.bytes, t);
      }
      pump();  // between batches, so the core's bounded queues drain as input arrives
      if (!socket.is_open()) return;  // the hook closed the loop
      more = batch.size() == config.socket.batch_size;
      if (!more) break;
    }
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
    core.on_timer(now());
    pump();
  }

  // Arms the timer only when the core's next expiry is earlier than the armed one: a timer that
  // fires early is harmless (on_timer then does nothing), so later expiries need no rearming.
  void rearm_timer() {
    auto next = core.next_expiry();
    if (!next || (armed && *armed <= *next) || !socket.is_open()) return;
    armed = *next;
    timer.expires_at(*next);
    timer.async_wait([weak = weak_from_this(),
                      generation = ++timer_generation](const boost::system::error_code& ec) {
      if (auto self = weak.lock()) self->on_timer_fired(generation, ec);
    });
  }

  // Lets the owner handle what the input produced, then sends what the core queued.
  void pump() {
    // A hook that ends up back here (through flush_soon's callers) leaves the work to this pump.
    if (pumping) return;
    pumping = true;
    if (after_input) after_input();
    pumping = false;
    send_transmits();
    rearm_timer();
  }

  void send_transmits() {
    if (!socket.is_open() || waiting_writable) return;
    coap::Transmit tx;
    for (;;) {
      if (socket.send_queue_full() && !flush_socket()) return;
      if (!core.poll_transmit(tx)) break;
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
  // until then transmits wait in the core's bounded queue.
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
      if (self->socket.is_open()) self->pump();  // a close() in between abandons it
    });
  }
};

DatagramLoopConfig device_loop_config() {
  DatagramLoopConfig config;
  config.socket.batch_size = 4;
  return config;
}

DatagramLoop::DatagramLoop(asio::io_context& io, coap::DatagramCore& core,
                           DatagramLoopConfig config)
    : impl_(std::make_shared<Impl>(io, core, std::move(config))) {}

DatagramLoop::~DatagramLoop() {
  impl_->close();
}

void DatagramLoop::set_after_input(AfterInput hook) {
  impl_->after_input = std::move(hook);
}
void DatagramLoop::set_error_handler(ErrorHandler handler) {
  impl_->on_error = std::move(handler);
}
void DatagramLoop::set_source_selector(SourceSelector selector) {
  impl_->source_for = std::move(selector);
}

std::error_code DatagramLoop::open(const coap::PeerAddress& local) {
  return impl_->open(local);
}
void DatagramLoop::close() {
  impl_->close();
}
bool DatagramLoop::is_open() const {
  return impl_->socket.is_open();
}
coap::PeerAddress DatagramLoop::local_address() const {
  return impl_->socket.local_address();
}

void DatagramLoop::flush_soon() {
  impl_->flush_soon();
}
coap::TimePoint DatagramLoop::now() {
  return coap::Clock::now();
}

const DatagramLoopStats& DatagramLoop::stats() const {
  return impl_->stats;
}
const UdpSocketStats& DatagramLoop::socket_stats() const {
  return impl_->socket.stats();
}

}  // namespace drover::transport
