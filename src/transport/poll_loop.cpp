#include "drover/transport/poll_loop.hpp"

#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <optional>
#include <vector>

#include "datagram_pump.hpp"

namespace drover::transport {

namespace {

constexpr std::array<int, 2> kSignals = {SIGINT, SIGTERM};

// Per signal of kSignals: it came and was not handled yet. A signal handler may only set a flag.
volatile std::sig_atomic_t g_pending[kSignals.size()] = {};
// The loop whose on_signals() installed the handlers.
const void* g_signal_owner = nullptr;

extern "C" void note_signal(int signal) {
  for (std::size_t i = 0; i < kSignals.size(); ++i)
    if (kSignals[i] == signal) g_pending[i] = 1;
}

std::error_code last_error() {
  return {errno, std::system_category()};
}

}  // namespace

struct PollLoop::Impl {
  struct Timer {
    TimerId id;
    coap::TimePoint due;
    coap::Duration period;  // zero: one-shot
    TimerCallback callback;
  };

  Impl(coap::DatagramCore& core, PollLoopConfig cfg) : config(std::move(cfg)), pump(core) {
    timers.reserve(config.max_timers);
  }

  PollLoopConfig config;
  DatagramPump pump;  // the core, the socket, the hooks and the stats
  std::vector<Timer> timers;
  TimerId next_id = 1;
  bool stopped = false;
  SignalHandler on_signal;
  bool watching_signals = false;
  std::array<struct sigaction, kSignals.size()> previous{};  // restored by the destructor

  std::vector<Timer>::iterator find(TimerId id) {
    return std::find_if(timers.begin(), timers.end(), [id](const Timer& t) { return t.id == id; });
  }

  std::error_code watch_signals() {
    if (g_signal_owner != nullptr && g_signal_owner != this)
      return std::make_error_code(std::errc::device_or_resource_busy);
    if (watching_signals) return {};
    struct sigaction action {};
    action.sa_handler = note_signal;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      if (sigaction(kSignals[i], &action, &previous[i]) != 0) {
        const auto ec = last_error();
        while (i-- > 0) sigaction(kSignals[i], &previous[i], nullptr);
        return ec;
      }
    }
    watching_signals = true;
    g_signal_owner = this;
    return {};
  }

  void restore_signals() {
    if (!watching_signals) return;
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous[i], nullptr);
    watching_signals = false;
    g_signal_owner = nullptr;
    for (auto& pending : g_pending) pending = 0;
  }

  void run() {
    // The signals are blocked but inside ppoll, so that one arriving between the look at g_pending
    // and the wait interrupts the wait instead of waiting for its end.
    // Signals watched from a callback of this run() are seen on the loop's turns only.
    const bool masked = watching_signals;
    sigset_t unblocked;
    if (masked) {
      sigset_t blocked;
      sigemptyset(&blocked);
      for (int s : kSignals) sigaddset(&blocked, s);
      pthread_sigmask(SIG_BLOCK, &blocked, &unblocked);
    }
    pump.pump();  // the calls made before run()
    while (!stopped) {
      if (handle_signals()) continue;
      if (!wait(masked ? &unblocked : nullptr)) break;
      if (stopped) break;
      const auto now = coap::Clock::now();
      if (const auto next = pump.core.next_expiry(); next && *next <= now) {
        ++pump.stats.timer_fires;
        pump.core.on_timer(now);
        pump.pump();
      }
      run_timers(now);
    }
    if (masked) pthread_sigmask(SIG_SETMASK, &unblocked, nullptr);
    stopped = false;
  }

  // Runs the signal handler for each signal that came; true if one did.
  bool handle_signals() {
    if (!watching_signals) return false;
    bool any = false;
    for (std::size_t i = 0; i < kSignals.size() && !stopped; ++i) {
      if (g_pending[i] == 0) continue;
      g_pending[i] = 0;
      any = true;
      if (on_signal) on_signal(kSignals[i]);
      pump.pump();
    }
    return any;
  }

  // Waits for the socket or the next deadline, and reads or sends what the socket is ready for.
  // False when poll failed (other than interrupted).
  bool wait(const sigset_t* mask) {
    pollfd fd{};
    fd.fd = pump.socket.is_open() ? pump.socket.native_handle() : -1;  // < 0: ignored by poll
    fd.events = static_cast<short>(POLLIN | (pump.waiting_writable ? POLLOUT : 0));
    timespec timeout{};
    const auto deadline = next_deadline();
    if (deadline) {
      const auto left = std::max(*deadline - coap::Clock::now(), coap::Duration::zero());
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timeout.tv_sec = static_cast<std::time_t>(ns / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    const int ready = ppoll(&fd, 1, deadline ? &timeout : nullptr, mask);
    if (ready < 0) {
      if (errno == EINTR) return true;
      pump.report("poll (the loop stopped)", last_error());
      return false;
    }
    if (ready == 0) return true;
    if (fd.revents & POLLNVAL) {
      pump.report("poll (the loop stopped)", std::make_error_code(std::errc::bad_file_descriptor));
      return false;
    }
    if (fd.revents & POLLOUT) {
      pump.waiting_writable = false;
      pump.send_transmits();
    }
    // POLLERR: a socket error is waiting, which recvmmsg takes (and reports).
    if (fd.revents & (POLLIN | POLLERR)) {
      ++pump.stats.wakeups;
      for (std::size_t i = 0; i < config.max_batches_per_wakeup && !stopped; ++i)
        if (!pump.receive_batch()) break;
    }
    return true;
  }

  std::optional<coap::TimePoint> next_deadline() const {
    auto deadline = pump.core.next_expiry();
    for (const auto& t : timers)
      if (!deadline || t.due < *deadline) deadline = t.due;
    return deadline;
  }

  // Runs the timers due at `now`, earliest first. Those the callbacks schedule wait for the next
  // round even when due, so that a callback that schedules one at once cannot hold the loop.
  void run_timers(coap::TimePoint now) {
    const TimerId newest = next_id;
    while (!stopped) {
      Timer* due = nullptr;
      for (auto& t : timers)
        if (t.id < newest && t.due <= now && (!due || t.due < due->due)) due = &t;
      if (!due) return;
      const TimerId id = due->id;
      TimerCallback callback = std::move(due->callback);  // the callback may cancel its timer
      if (due->period > coap::Duration::zero()) {
        due->due += due->period;
        if (due->due <= now) due->due = now + due->period;  // late: skip the missed runs
      } else {
        timers.erase(timers.begin() + (due - timers.data()));
      }
      callback();
      if (const auto still = find(id); still != timers.end()) still->callback = std::move(callback);
      pump.pump();
    }
  }
};

PollLoop::PollLoop(coap::DatagramCore& core, PollLoopConfig config)
    : impl_(std::make_unique<Impl>(core, std::move(config))) {}

PollLoop::~PollLoop() {
  impl_->restore_signals();
}

void PollLoop::set_after_input(AfterInput hook) {
  impl_->pump.after_input = std::move(hook);
}
void PollLoop::set_error_handler(ErrorHandler handler) {
  impl_->pump.on_error = std::move(handler);
}

std::error_code PollLoop::open(const coap::PeerAddress& local) {
  impl_->pump.waiting_writable = false;
  return impl_->pump.socket.open(local, impl_->config.socket);
}
bool PollLoop::is_open() const {
  return impl_->pump.socket.is_open();
}
coap::PeerAddress PollLoop::local_address() const {
  return impl_->pump.socket.local_address();
}

Result<PollLoop::TimerId, std::error_code> PollLoop::schedule(coap::TimePoint at,
                                                              TimerCallback callback,
                                                              coap::Duration period) {
  if (!callback || period < coap::Duration::zero())
    return std::make_error_code(std::errc::invalid_argument);
  auto& timers = impl_->timers;
  if (timers.size() >= impl_->config.max_timers)
    return std::make_error_code(std::errc::no_buffer_space);
  const TimerId id = impl_->next_id++;
  timers.push_back({id, at, period, std::move(callback)});
  return id;
}

bool PollLoop::cancel(TimerId id) {
  const auto it = impl_->find(id);
  if (it == impl_->timers.end()) return false;
  impl_->timers.erase(it);
  return true;
}

std::error_code PollLoop::on_signals(SignalHandler handler) {
  if (auto ec = impl_->watch_signals()) return ec;
  impl_->on_signal = std::move(handler);
  return {};
}
std::error_code PollLoop::stop_on_signals() {
  return on_signals([this](int) { stop(); });
}

void PollLoop::run() {
  impl_->run();
}
void PollLoop::stop() {
  impl_->stopped = true;
}

coap::TimePoint PollLoop::now() {
  return coap::Clock::now();
}

const LoopStats& PollLoop::stats() const {
  return impl_->pump.stats;
}
const UdpSocketStats& PollLoop::socket_stats() const {
  return impl_->pump.socket.stats();
}

}  // namespace drover::transport
