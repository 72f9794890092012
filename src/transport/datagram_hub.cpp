#include "drover/transport/datagram_hub.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drover/transport/asio.hpp"

namespace drover::transport {

namespace asio = boost::asio;

namespace {

// Routing key: the address without the port (packet info reports destinations with port 0).
coap::PeerAddress without_port(coap::PeerAddress address) {
  address.port = 0;
  return address;
}

}  // namespace

struct DatagramHub::Impl : std::enable_shared_from_this<Impl> {
  struct Member {
    coap::DatagramCore* core;
    coap::PeerAddress address;  // with port 0; the hub's port is added when sending
    AfterInput after_input;
    std::optional<coap::TimePoint> armed;  // the member's earliest entry in the heap
    bool dirty = false;                    // in `dirty`, to be pumped
  };
  struct Due {
    coap::TimePoint at;
    MemberId member;
    bool operator>(const Due& other) const { return at > other.at; }
  };

  Impl(asio::io_context& io_context, DatagramLoopConfig cfg)
      : io(io_context), config(std::move(cfg)), descriptor(io_context), timer(io_context) {
    config.socket.packet_info = true;
  }

  asio::io_context& io;
  DatagramLoopConfig config;
  UdpSocket socket;
  asio::posix::stream_descriptor descriptor;  // released, not closed: `socket` owns the fd
  asio::steady_timer timer;
  std::optional<coap::TimePoint> timer_at;
  std::uint64_t timer_generation = 0;
  std::vector<Member> members;
  std::unordered_map<coap::PeerAddress, MemberId> by_address;
  std::vector<Due> due;               // min-heap of the members' next expiries
  std::vector<MemberId> dirty;        // members to pump
  std::vector<MemberId> pumping_now;  // the round pump_dirty is in (its capacity kept)
  std::optional<MemberId> pumping;
  bool flush_posted = false;
  bool waiting_writable = false;
  ErrorHandler on_error;
  DatagramHubStats stats;

  void report(std::string_view what, std::error_code ec) {
    if (on_error) on_error(what, ec);
  }

  std::error_code open(const coap::PeerAddress& local) {
    close();
    coap::PeerAddress wildcard;
    wildcard.v6 = local.v6;
    wildcard.port = local.port;
    if (auto ec = socket.open(wildcard, config.socket)) return ec;
    boost::system::error_code bec;
    descriptor.assign(socket.native_handle(), bec);
    if (bec) {
      socket.close();
      return {bec.value(), std::system_category()};
    }
    wait_readable();
    arm_timer();
    return {};
  }

  void close() {
    if (descriptor.is_open()) descriptor.release();
    timer.cancel();
    timer_at.reset();
    ++timer_generation;
    waiting_writable = false;
    socket.close();
  }

  std::optional<MemberId> add(coap::DatagramCore& core, const coap::PeerAddress& address,
                              AfterInput after_input) {
    const auto key = without_port(address);
    const auto id = static_cast<MemberId>(members.size());
    if (!by_address.emplace(key, id).second) return std::nullopt;
    members.push_back({&core, key, std::move(after_input), std::nullopt, false});
    rearm(id);
    return id;
  }

  void wait_readable() {
    descriptor.async_wait(asio::posix::descriptor_base::wait_read,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            if (auto self = weak.lock()) self->on_readable(ec);
                          });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || !socket.is_open()) return;
    if (ec) {
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
      const auto t = DatagramLoop::now();
      for (const auto& d : batch) {
        const auto it = d.local ? by_address.find(*d.local) : by_address.end();
        if (it == by_address.end()) {
          ++stats.unknown_destination;
          continue;
        }
        Member& m = members[it->second];
        if (d.truncated)
          m.core->receive_truncated(d.peer, d.bytes, t);
        else
          m.core->receive(d.peer, d.bytes, t);
        mark_dirty(it->second);
      }
      pump_dirty();
      if (!socket.is_open()) return;  // a hook closed the hub
      more = batch.size() == config.socket.batch_size;
      if (!more) break;
    }
    if (more) {
      asio::post(io, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->on_readable({});
      });
    } else {
      wait_readable();
    }
  }

  void mark_dirty(MemberId id) {
    Member& m = members[id];
    if (m.dirty) return;
    m.dirty = true;
    dirty.push_back(id);
  }

  // Members marked while these are pumped (a blocked socket) wait for the next round.
  void pump_dirty() {
    pumping_now.swap(dirty);
    for (const MemberId id : pumping_now) {
      members[id].dirty = false;
      pump(id);
    }
    pumping_now.clear();
  }

  void pump(MemberId id) {
    Member& m = members[id];
    if (m.after_input) {
      pumping = id;
      m.after_input();
      pumping.reset();
    }
    send_transmits(id);
    rearm(id);
  }

  void send_transmits(MemberId id) {
    if (!socket.is_open()) return;
    if (waiting_writable) {
      mark_dirty(id);  // pumped again once the socket is writable
      return;
    }
    Member& m = members[id];
    coap::PeerAddress source = m.address;
    coap::Transmit tx;
    for (;;) {
      if (socket.send_queue_full() && !flush_socket()) {
        mark_dirty(id);
        return;
      }
      if (!m.core->poll_transmit(tx)) break;
      if (auto ec = socket.queue_send(tx.peer, tx.bytes, &source)) {
        ++stats.send_refused;
        report("send", ec);
      }
    }
    if (!flush_socket()) mark_dirty(id);
  }

  // False when the socket buffer is full: the members marked dirty meanwhile are pumped again
  // when the socket is writable; until then transmits wait in their cores' bounded queues.
  bool flush_socket() {
    if (socket.queued() == 0) return true;
    FlushResult r = socket.flush();
    if (r.dropped > 0) report("send", r.error);
    if (!r.would_block) return true;
    if (waiting_writable) return false;
    ++stats.send_blocked;
    waiting_writable = true;
    descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            auto self = weak.lock();
                            if (!self || ec == asio::error::operation_aborted) return;
                            self->waiting_writable = false;
                            self->pump_dirty();
                          });
    return false;
  }

  // Pushes the member's next expiry when it is earlier than its armed one (a timer that fires
  // early is harmless: on_timer then does nothing), and arms the hub's timer for the earliest.
  void rearm(MemberId id) {
    Member& m = members[id];
    const auto next = m.core->next_expiry();
    if (!next || (m.armed && *m.armed <= *next)) return;
    m.armed = next;
    due.push_back({*next, id});
    std::push_heap(due.begin(), due.end(), std::greater<>{});
    arm_timer();
  }

  void arm_timer() {
    if (due.empty() || !socket.is_open()) return;
    const auto first = due.front().at;
    if (timer_at && *timer_at <= first) return;
    timer_at = first;
    timer.expires_at(first);
    timer.async_wait([weak = weak_from_this(),
                      generation = ++timer_generation](const boost::system::error_code& ec) {
      if (auto self = weak.lock()) self->on_timer_fired(generation, ec);
    });
  }

  void on_timer_fired(std::uint64_t generation, const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted || generation != timer_generation) return;
    timer_at.reset();
    const auto t = DatagramLoop::now();
    while (!due.empty() && due.front().at <= t) {
      const Due d = due.front();
      std::pop_heap(due.begin(), due.end(), std::greater<>{});
      due.pop_back();
      Member& m = members[d.member];
      if (m.armed != d.at) continue;  // superseded by an earlier entry, which already ran
      m.armed.reset();
      ++stats.timer_fires;
      m.core->on_timer(t);
      mark_dirty(d.member);
    }
    pump_dirty();
    arm_timer();
  }

  void flush_soon(MemberId id) {
    if (pumping == id) return;
    mark_dirty(id);
    if (flush_posted) return;
    flush_posted = true;
    asio::post(io, [weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      self->flush_posted = false;
      if (self->socket.is_open()) self->pump_dirty();
    });
  }
};

DatagramHub::DatagramHub(asio::io_context& io, DatagramLoopConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

DatagramHub::~DatagramHub() {
  impl_->close();
}

std::error_code DatagramHub::open(const coap::PeerAddress& local) {
  return impl_->open(local);
}
void DatagramHub::close() {
  impl_->close();
}
bool DatagramHub::is_open() const {
  return impl_->socket.is_open();
}
coap::PeerAddress DatagramHub::local_address() const {
  return impl_->socket.local_address();
}

std::optional<DatagramHub::MemberId> DatagramHub::add(coap::DatagramCore& core,
                                                      const coap::PeerAddress& address,
                                                      AfterInput after_input) {
  return impl_->add(core, address, std::move(after_input));
}

coap::PeerAddress DatagramHub::address_of(MemberId member) const {
  coap::PeerAddress a = impl_->members.at(member).address;
  a.port = impl_->socket.is_open() ? impl_->socket.local_address().port : 0;
  return a;
}

void DatagramHub::flush_soon(MemberId member) {
  impl_->flush_soon(member);
}
void DatagramHub::set_error_handler(ErrorHandler handler) {
  impl_->on_error = std::move(handler);
}

const DatagramHubStats& DatagramHub::stats() const {
  return impl_->stats;
}
const UdpSocketStats& DatagramHub::socket_stats() const {
  return impl_->socket.stats();
}

}  // namespace drover::transport
