#include "drover/loadgen/drivers.hpp"

#include <poll.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "drover/transport/asio.hpp"
#include "drover/transport/threads.hpp"

namespace drover::loadgen {

namespace asio = boost::asio;

std::uint64_t resident_bytes(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

double process_cpu_seconds(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  // The command may hold spaces: the fields are counted from its closing parenthesis, after
  // which come state (3) ... utime (14) and stime (15).
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 1));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long user = 0, system = 0;
  fields >> user >> system;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(user + system) / static_cast<double>(ticks) : 0;
}

transport::UdpSocketOptions bench_socket_options(bool packet_info) {
  transport::UdpSocketOptions o;
  o.packet_info = packet_info;
  o.batch_size = 64;
  o.receive_buffer_bytes = kBenchSocketBuffer;
  o.send_buffer_bytes = kBenchSocketBuffer;
  return o;
}

namespace {

// Waits for `events` on `fd` until `deadline` (at most `cap`); false on timeout.
bool wait_fd(int fd, short events, std::optional<TimePoint> deadline, Duration cap) {
  auto wait = cap;
  if (deadline) wait = std::min(wait, std::max(Duration::zero(), *deadline - coap::Clock::now()));
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
  timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  pollfd p{fd, events, 0};
  return ::ppoll(&p, 1, &ts, nullptr) > 0;
}

// A request's Block2 value (RFC 7959 §2.2) from its options, after the token at `pos`: 0x06
// (block 0 of 1,024 bytes) when absent, nullopt when the options are malformed.
std::optional<std::uint32_t> block2_of(std::span<const std::uint8_t> b, std::size_t pos) {
  constexpr std::uint32_t kBlock2 = 23;
  std::uint32_t number = 0;
  // Extends a delta or length nibble (RFC 7252 §3.1).
  const auto extend = [&](std::uint32_t& v) {
    if (v == 13) {
      if (pos >= b.size()) return false;
      v = 13u + b[pos++];
    } else if (v == 14) {
      if (pos + 1 >= b.size()) return false;
      v = 269u + ((std::uint32_t{b[pos]} << 8) | b[pos + 1]);
      pos += 2;
    }
    return true;
  };
  while (pos < b.size() && b[pos] != 0xff) {
    std::uint32_t delta = b[pos] >> 4, length = b[pos] & 0x0fu;
    ++pos;
    if (delta == 15 || length == 15 || !extend(delta) || !extend(length)) return std::nullopt;
    number += delta;
    if (pos + length > b.size()) return std::nullopt;
    if (number > kBlock2) break;
    if (number == kBlock2) {
      if (length > 3) return std::nullopt;
      std::uint32_t value = 0;
      for (std::uint32_t i = 0; i < length; ++i) value = (value << 8) | b[pos + i];
      return value;
    }
    pos += length;
  }
  return 0x06;
}

// Appends option `delta` after the previous one with `value` in its shortest form; the
// deltas here are below 269.
std::size_t put_uint_option(std::uint8_t* out, std::uint32_t delta, std::uint32_t value) {
  std::uint8_t bytes[4];
  std::size_t length = 0;
  for (std::uint32_t v = value; v != 0; v >>= 8) ++length;
  for (std::size_t i = 0; i < length; ++i)
    bytes[i] = static_cast<std::uint8_t>(value >> (8 * (length - 1 - i)));
  std::size_t n = 0;
  if (delta < 13) {
    out[n++] = static_cast<std::uint8_t>((delta << 4) | length);
  } else {
    out[n++] = static_cast<std::uint8_t>(0xd0 | length);
    out[n++] = static_cast<std::uint8_t>(delta - 13);
  }
  std::copy_n(bytes, length, out + n);
  return n + length;
}

// The bootstrap step `step` (1 Delete, 2 and 3 the Writes, 4 Finish) as a CON request with
// message ID `mid` and the step as its token; returns its size.
std::size_t bootstrap_request(std::uint8_t step, std::uint16_t mid,
                              const std::array<std::span<const std::uint8_t>, 2>& writes,
                              std::uint8_t* out) {
  constexpr std::uint8_t kDelete = 0x04, kPut = 0x03, kPost = 0x02;
  out[0] = 0x41;  // version 1, CON, a one-byte token
  out[1] = step == 1 ? kDelete : step == 4 ? kPost : kPut;
  out[2] = static_cast<std::uint8_t>(mid >> 8);
  out[3] = static_cast<std::uint8_t>(mid);
  out[4] = step;
  std::size_t n = 5;
  if (step == 4) {
    constexpr std::uint8_t uri_bs[] = {0xb2, 'b', 's'};
    n = static_cast<std::size_t>(std::copy(std::begin(uri_bs), std::end(uri_bs), out + n) - out);
  } else if (step != 1) {
    // Uri-Path "0" or "1", Uri-Path "0", Content-Format 11542 (TLV).
    const std::uint8_t options[] = {
        0xb1, step == 2 ? std::uint8_t{'0'} : std::uint8_t{'1'}, 0x01, '0', 0x12, 0x2d, 0x16, 0xff};
    n = static_cast<std::size_t>(std::copy(std::begin(options), std::end(options), out + n) - out);
    const auto payload = writes[step - 2];
    std::copy(payload.begin(), payload.end(), out + n);
    n += payload.size();
  }
  return n;
}

void flush_all(transport::UdpSocket& socket) {
  for (;;) {
    const auto r = socket.flush();
    if (!r.would_block) return;
    wait_fd(socket.native_handle(), POLLOUT, std::nullopt, std::chrono::milliseconds(1));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// LoadDriver

class LoadDriver::SocketSink final : public Fleet::Sink {
 public:
  explicit SocketSink(LoadDriver& driver) : driver_(driver) {}
  void send(std::uint32_t client, const coap::PeerAddress& to,
            std::span<const std::uint8_t> bytes) override {
    if (driver_.secure_) return driver_.secure_->send(client, to, bytes, coap::Clock::now());
    send_raw(client, to, bytes);
  }
  void send_raw(std::uint32_t client, const coap::PeerAddress& to,
                std::span<const std::uint8_t> bytes) {
    auto& socket = driver_.socket_;
    if (socket.send_queue_full()) flush_all(socket);
    const auto source = driver_.fleet_.address_of(client, driver_.port_);
    (void)socket.queue_send(to, bytes, &source);  // counted in the socket's stats when refused
  }

 private:
  LoadDriver& driver_;
};

LoadDriver::LoadDriver(FleetConfig fleet, std::size_t window)
    : sink_(std::make_unique<SocketSink>(*this)),
      fleet_(std::move(fleet), *sink_),
      workload_(window) {}

LoadDriver::~LoadDriver() = default;

void LoadDriver::secure(SecureFleetConfig config) {
  secure_ = std::make_unique<SecureLink>(
      std::move(config), fleet_,
      [this](std::uint32_t client, const coap::PeerAddress& to,
             std::span<const std::uint8_t> bytes) { sink_->send_raw(client, to, bytes); });
}

std::error_code LoadDriver::open() {
  if (auto ec = socket_.open(coap::PeerAddress::v4({0, 0, 0, 0}, 0), bench_socket_options(true)))
    return ec;
  port_ = socket_.local_address().port;
  return {};
}

void LoadDriver::flush() {
  flush_all(socket_);
}

void LoadDriver::receive_all(TimePoint now) {
  for (int round = 0; round < 16; ++round) {
    std::span<const transport::ReceivedDatagram> batch;
    if (socket_.receive(batch) || batch.empty()) return;
    for (const auto& d : batch) {
      if (!d.local) continue;
      const auto client = fleet_.client_at(*d.local);
      if (!client) continue;
      if (secure_)
        secure_->receive(*client, d.peer, d.bytes, fleet_, now);
      else
        fleet_.receive(*client, d.peer, d.bytes, now);
    }
    flush();
    if (batch.size() < socket_.options().batch_size) return;
  }
}

void LoadDriver::wait_until(std::optional<TimePoint> deadline) {
  // Short cap: stop() is seen within it, and a late rate step costs at most that much.
  wait_fd(socket_.native_handle(), POLLIN, deadline, std::chrono::milliseconds(5));
}

std::vector<PhaseResult> LoadDriver::run(const std::vector<Phase>& phases,
                                         const PhaseHook& on_start, const PhaseHook& on_end) {
  std::vector<PhaseResult> results;
  for (std::size_t index = 0; index < phases.size() && !stop_.load(); ++index) {
    const Phase& phase = phases[index];
    if (on_start) on_start(index, phase);
    fleet_.reset_stats();
    if (secure_) secure_->reset_stats();
    workload_.begin(phase, coap::Clock::now());
    PhaseResult result;
    result.name = phase.name;
    bool measured = false;
    while (!stop_.load()) {
      const auto now = coap::Clock::now();
      receive_all(now);
      if (const auto next = fleet_.next_expiry(); next && *next <= now) fleet_.on_timer(now);
      if (secure_) secure_->on_timer(now);
      const auto state = workload_.pump(fleet_, now);
      flush();
      if (!measured && state != Workload::State::Running) {
        measured = true;
        result.seconds =
            std::chrono::duration<double>(workload_.measured_end() - workload_.started()).count();
        for (std::size_t op = 0; op < op_count; ++op)
          result.succeeded[op] = fleet_.stats().ops[op].succeeded;
      }
      if (state == Workload::State::Done) break;
      auto deadline = workload_.next_due(fleet_);
      for (const auto next :
           {fleet_.next_expiry(), secure_ ? secure_->next_expiry() : std::optional<TimePoint>{}})
        if (next && (!deadline || *next < *deadline)) deadline = next;
      wait_until(deadline);
    }
    result.stats = fleet_.stats();
    if (secure_) result.secure = secure_->stats();
    if (on_end) on_end(index, phase);
    results.push_back(std::move(result));
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// IdealResponder

IdealResponder::IdealResponder() = default;
IdealResponder::~IdealResponder() {
  stop();
}

std::error_code IdealResponder::start(const coap::PeerAddress& address, int cpu,
                                      std::span<const std::uint8_t> image) {
  image_ = image;
  bootstrap_ = false;
  return launch(address, cpu);
}

std::error_code IdealResponder::launch(const coap::PeerAddress& address, int cpu) {
  if (auto ec = socket_.open(address, bench_socket_options(false))) return ec;
  address_ = socket_.local_address();
  cpu_ = cpu;
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
  return {};
}

std::error_code IdealResponder::start_bootstrap(const coap::PeerAddress& address, int cpu,
                                                std::span<const std::uint8_t> security,
                                                std::span<const std::uint8_t> server) {
  if (security.size() + server.size() > 1024) return std::make_error_code(std::errc::message_size);
  image_ = {};
  writes_ = {security, server};
  bootstrap_ = true;
  return launch(address, cpu);
}

void IdealResponder::stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  thread_.join();
  socket_.close();
}

void IdealResponder::run() {
  transport::name_this_thread("bench-ideal");
  transport::pin_this_thread(cpu_);
  // Header, token, Block2 and Size2 (at most 5 bytes each), the marker and a 1,024-byte block.
  std::uint8_t reply[4 + 8 + 5 + 5 + 1 + 1024];
  std::uint16_t next_mid = 0;  // of the bootstrap requests
  const auto send = [this](const coap::PeerAddress& to, std::span<const std::uint8_t> bytes) {
    if (socket_.send_queue_full()) flush_all(socket_);
    (void)socket_.queue_send(to, bytes);
  };
  while (!stop_.load()) {
    if (!wait_fd(socket_.native_handle(), POLLIN, std::nullopt, std::chrono::milliseconds(5)))
      continue;
    for (;;) {
      std::span<const transport::ReceivedDatagram> batch;
      if (socket_.receive(batch) || batch.empty()) break;
      std::uint64_t n = 0;
      for (const auto& d : batch) {
        const auto& b = d.bytes;
        // A device's answer to a bootstrap step (an ACK 2.xx with the step as token): the next.
        if (bootstrap_ && b.size() == 5 && b[0] == 0x61 && (b[1] >> 5) == 2 && b[4] >= 1 &&
            b[4] < 4) {
          send(d.peer, {reply, bootstrap_request(b[4] + 1, next_mid++, writes_, reply)});
          ++n;
          continue;
        }
        if (b.size() < 4 || (b[0] >> 4) != 0x4) continue;  // version 1, CON
        const std::size_t tkl = b[0] & 0x0f;
        if (tkl > 8 || b.size() < 4 + tkl) continue;
        const bool request = b[1] != 0 && (b[1] >> 5) == 0;
        const std::size_t keep = request ? tkl : 0;
        reply[0] = static_cast<std::uint8_t>(0x60 | keep);  // version 1, ACK
        reply[1] = request ? 0x44 : 0x00;                   // 2.04 Changed, or an empty ACK
        reply[2] = b[2];
        reply[3] = b[3];
        std::copy_n(b.begin() + 4, keep, reply + 4);
        std::size_t size = 4 + keep;
        if (request && b[1] == 0x01 && !image_.empty()) {  // GET of the image
          const auto block = block2_of(b, 4 + tkl);
          if (!block) continue;
          const std::uint8_t szx = std::min<std::uint8_t>(*block & 0x07, 6);
          const std::size_t length = std::size_t{16} << szx;
          const std::size_t offset = std::size_t{*block >> 4} * length;
          if (offset >= image_.size()) {
            reply[1] = 0x80;  // 4.00 Bad Request
          } else {
            const std::size_t count = std::min(length, image_.size() - offset);
            const bool more = offset + count < image_.size();
            reply[1] = 0x45;  // 2.05 Content
            size +=
                put_uint_option(reply + size, 23, ((*block >> 4) << 4) | (more ? 0x08u : 0u) | szx);
            size +=
                put_uint_option(reply + size, 28 - 23, static_cast<std::uint32_t>(image_.size()));
            reply[size++] = 0xff;
            std::copy_n(image_.begin() + static_cast<std::ptrdiff_t>(offset), count, reply + size);
            size += count;
          }
        }
        send(d.peer, {reply, size});
        if (bootstrap_ && request)
          send(d.peer, {reply, bootstrap_request(1, next_mid++, writes_, reply)});
        ++n;
      }
      flush_all(socket_);
      answered_.fetch_add(n, std::memory_order_relaxed);
      if (batch.size() < socket_.options().batch_size) break;
    }
  }
}

}  // namespace drover::loadgen
