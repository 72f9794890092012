#include "drover/transport/udp_socket.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "socket_address.hpp"

namespace drover::transport {

namespace {

// Room for one IP_PKTINFO or IPV6_PKTINFO control message, in 8-byte words so that it is aligned
// for cmsghdr. Both fit in 64 bytes (CMSG_SPACE(sizeof(in6_pktinfo)) is 40 on 64-bit Linux).
constexpr std::size_t control_words = 8;
constexpr std::size_t control_bytes = control_words * sizeof(std::uint64_t);
static_assert(CMSG_SPACE(sizeof(in6_pktinfo)) <= control_bytes);

std::error_code last_error() {
  return {errno, std::system_category()};
}

std::error_code set_option(int fd, int level, int name, int value) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) return last_error();
  return {};
}

// The destination address carried by an IP_PKTINFO / IPV6_PKTINFO control message, if any.
std::optional<coap::PeerAddress> destination_of(msghdr& hdr) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&hdr); c != nullptr; c = CMSG_NXTHDR(&hdr, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      return from_in4(info.ipi_addr);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      return from_in6(info.ipi6_addr, info.ipi6_ifindex);
    }
  }
  return std::nullopt;
}

// Writes a control message choosing the source address into `control`; returns its length.
std::size_t write_source(const coap::PeerAddress& source, bool socket_v6, std::uint64_t* control) {
  std::memset(control, 0, control_bytes);
  msghdr hdr{};
  hdr.msg_control = control;
  hdr.msg_controllen = control_bytes;
  cmsghdr* c = CMSG_FIRSTHDR(&hdr);
  if (socket_v6) {
    // An IPv4 source on a dual-stack socket is given IPv4-mapped; the kernel accepts that form.
    in6_pktinfo info{};
    info.ipi6_addr = to_in6(source);
    info.ipi6_ifindex = source.v6 ? source.scope_id : 0;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
    return CMSG_SPACE(sizeof info);
  }
  in_pktinfo info{};
  std::memcpy(&info.ipi_spec_dst.s_addr, source.ip.data(), 4);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(c), &info, sizeof info);
  return CMSG_SPACE(sizeof info);
}

bool is_would_block(int err) {
  return err == EAGAIN || err == EWOULDBLOCK;
}

}  // namespace

struct UdpSocket::Buffers {
  struct Direction {
    std::vector<std::uint8_t> data;  // batch_size * max_datagram_size
    std::vector<sockaddr_storage> addrs;
    std::vector<std::uint64_t> control;  // batch_size * control_words
    std::vector<iovec> iov;
    std::vector<mmsghdr> msgs;

    explicit Direction(const UdpSocketOptions& o)
        : data(o.batch_size * o.max_datagram_size),
          addrs(o.batch_size),
          control(o.batch_size * control_words),
          iov(o.batch_size),
          msgs(o.batch_size) {}
    std::uint8_t* slot(std::size_t i, std::size_t size) { return data.data() + i * size; }
    std::uint64_t* control_of(std::size_t i) { return control.data() + i * control_words; }
  };

  explicit Buffers(const UdpSocketOptions& o)
      : recv(o),
        send(o),
        received(o.batch_size),
        send_sizes(o.batch_size),
        send_control(o.batch_size),
        send_addr_lens(o.batch_size) {}

  Direction recv;
  Direction send;
  std::vector<ReceivedDatagram> received;
  std::vector<std::size_t> send_sizes;
  // Control length per send slot (0: the kernel picks the source address).
  std::vector<std::size_t> send_control;
  std::vector<socklen_t> send_addr_lens;
};

UdpSocketOptions device_socket_options() {
  UdpSocketOptions options;
  options.batch_size = 4;
  return options;
}

UdpSocket::UdpSocket() = default;
UdpSocket::~UdpSocket() {
  close();
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      v6_(other.v6_),
      options_(other.options_),
      buf_(std::move(other.buf_)),
      send_head_(std::exchange(other.send_head_, 0)),
      send_count_(std::exchange(other.send_count_, 0)),
      stats_(other.stats_) {}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    v6_ = other.v6_;
    options_ = other.options_;
    buf_ = std::move(other.buf_);
    send_head_ = std::exchange(other.send_head_, 0);
    send_count_ = std::exchange(other.send_count_, 0);
    stats_ = other.stats_;
  }
  return *this;
}

void UdpSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  send_head_ = send_count_ = 0;
}

std::error_code UdpSocket::open(const coap::PeerAddress& local, const UdpSocketOptions& options) {
  close();
  if (options.batch_size == 0 || options.max_datagram_size == 0)
    return std::make_error_code(std::errc::invalid_argument);
  options_ = options;
  v6_ = local.v6;
  const int family = v6_ ? AF_INET6 : AF_INET;
  fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0) return last_error();

  std::error_code ec;
  auto check = [&ec](std::error_code e) {
    if (!ec) ec = e;
  };
  if (v6_) check(set_option(fd_, IPPROTO_IPV6, IPV6_V6ONLY, options.dual_stack ? 0 : 1));
  if (options.reuse_port) check(set_option(fd_, SOL_SOCKET, SO_REUSEPORT, 1));
  if (options.packet_info) {
    check(v6_ ? set_option(fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
              : set_option(fd_, IPPROTO_IP, IP_PKTINFO, 1));
  }
  if (options.receive_buffer_bytes > 0)
    check(set_option(fd_, SOL_SOCKET, SO_RCVBUF, options.receive_buffer_bytes));
  if (options.send_buffer_bytes > 0)
    check(set_option(fd_, SOL_SOCKET, SO_SNDBUF, options.send_buffer_bytes));
  if (!ec) {
    sockaddr_storage sa;
    socklen_t len = to_sockaddr(local, v6_, sa);
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), len) != 0) ec = last_error();
  }
  if (ec) {
    close();
    return ec;
  }
  buf_ = std::make_unique<Buffers>(options_);
  stats_ = {};
  return {};
}

coap::PeerAddress UdpSocket::local_address() const {
  sockaddr_storage sa{};
  socklen_t len = sizeof sa;
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return {};
  auto a = from_sockaddr(sa, len).value_or(coap::PeerAddress{});
  // A wildcard IPv6 socket reports "::", which must stay IPv6 even though it is not IPv4-mapped.
  a.v6 = a.v6 || (v6_ && sa.ss_family == AF_INET6 && a.ip == std::array<std::uint8_t, 16>{});
  return a;
}

std::error_code UdpSocket::receive(std::span<const ReceivedDatagram>& batch) {
  batch = {};
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  auto& r = buf_->recv;
  const std::size_t n = options_.batch_size;
  const std::size_t size = options_.max_datagram_size;
  for (std::size_t i = 0; i < n; ++i) {
    // The kernel overwrites lengths on return: reset every slot.
    r.iov[i] = {r.slot(i, size), size};
    msghdr& h = r.msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &r.addrs[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &r.iov[i];
    h.msg_iovlen = 1;
    if (options_.packet_info) {
      h.msg_control = r.control_of(i);
      h.msg_controllen = control_bytes;
    }
    r.msgs[i].msg_len = 0;
  }
  int got;
  do {
    got = ::recvmmsg(fd_, r.msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (is_would_block(errno)) return {};
    ++stats_.receive_errors;
    return last_error();
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
    msghdr& h = r.msgs[i].msg_hdr;
    const bool truncated = (h.msg_flags & MSG_TRUNC) != 0;
    auto peer = from_sockaddr(r.addrs[i], h.msg_namelen);
    if (!peer) {
      ++stats_.receive_errors;
      continue;
    }
    ReceivedDatagram& d = buf_->received[kept++];
    d.peer = *peer;
    d.local = options_.packet_info ? destination_of(h) : std::nullopt;
    d.bytes = {r.slot(i, size), std::min<std::size_t>(r.msgs[i].msg_len, size)};
    d.truncated = truncated;
    if (truncated) ++stats_.truncated;
  }
  stats_.received += kept;
  batch = {buf_->received.data(), kept};
  return {};
}

std::size_t UdpSocket::send_slot(std::size_t position) const {
  return (send_head_ + position) % options_.batch_size;
}

std::error_code UdpSocket::queue_send(const coap::PeerAddress& peer,
                                      std::span<const std::uint8_t> bytes,
                                      const coap::PeerAddress* source) {
  if (fd_ < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (bytes.size() > options_.max_datagram_size)
    return std::make_error_code(std::errc::message_size);
  if (send_queue_full()) return std::make_error_code(std::errc::no_buffer_space);
  if (!v6_ && (peer.v6 || (source != nullptr && source->v6)))
    return std::make_error_code(std::errc::address_family_not_supported);
  auto& s = buf_->send;
  const std::size_t i = send_slot(send_count_);
  if (!bytes.empty())
    std::memcpy(s.slot(i, options_.max_datagram_size), bytes.data(), bytes.size());
  buf_->send_sizes[i] = bytes.size();
  buf_->send_addr_lens[i] = to_sockaddr(peer, v6_, s.addrs[i]);
  buf_->send_control[i] = source != nullptr ? write_source(*source, v6_, s.control_of(i)) : 0;
  ++send_count_;
  return {};
}

FlushResult UdpSocket::flush() {
  FlushResult result;
  auto& s = buf_->send;
  while (send_count_ > 0) {
    // sendmmsg takes a contiguous array: send up to the end of the ring, then wrap.
    const std::size_t first = send_head_;
    const std::size_t n = std::min(send_count_, options_.batch_size - first);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = first + k;
      s.iov[i] = {s.slot(i, options_.max_datagram_size), buf_->send_sizes[i]};
      msghdr& h = s.msgs[i].msg_hdr;
      h = msghdr{};
      h.msg_name = &s.addrs[i];
      h.msg_namelen = buf_->send_addr_lens[i];
      h.msg_iov = &s.iov[i];
      h.msg_iovlen = 1;
      if (buf_->send_control[i] != 0) {
        h.msg_control = s.control_of(i);
        h.msg_controllen = buf_->send_control[i];
      }
    }
    int sent;
    do {
      sent = ::sendmmsg(fd_, &s.msgs[first], static_cast<unsigned>(n), MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    std::size_t done;
    if (sent < 0) {
      if (is_would_block(errno)) {
        result.would_block = true;
        break;
      }
      // The first datagram was refused: drop it and go on with the rest.
      result.error = last_error();
      ++result.dropped;
      ++stats_.send_dropped;
      done = 1;
    } else {
      done = static_cast<std::size_t>(sent);
      result.sent += done;
      stats_.sent += done;
    }
    send_head_ = (send_head_ + done) % options_.batch_size;
    send_count_ -= done;
  }
  if (send_count_ == 0) send_head_ = 0;
  return result;
}

}  // namespace drover::transport
