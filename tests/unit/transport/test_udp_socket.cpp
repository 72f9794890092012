#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>
#include <vector>

#include "drover/transport/udp_socket.hpp"

namespace drover::transport {
namespace {

using coap::PeerAddress;

struct Received {
  PeerAddress peer;
  std::optional<PeerAddress> local;
  std::string text;
  bool truncated = false;
};

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Receives until `count` datagrams arrived or a generous deadline passed (a bound, not a timing
// check).
std::vector<Received> receive_n(UdpSocket& socket, std::size_t count,
                                std::size_t* max_batch = nullptr) {
  std::vector<Received> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    pollfd p{socket.native_handle(), POLLIN, 0};
    ::poll(&p, 1, 100);
    std::span<const ReceivedDatagram> batch;
    EXPECT_FALSE(socket.receive(batch));
    if (max_batch != nullptr) *max_batch = std::max(*max_batch, batch.size());
    for (const auto& d : batch)
      out.push_back({d.peer, d.local, std::string(d.bytes.begin(), d.bytes.end()), d.truncated});
  }
  return out;
}

PeerAddress v6_loopback(std::uint16_t port) {
  PeerAddress a;
  a.v6 = true;
  a.ip[15] = 1;
  a.port = port;
  return a;
}

PeerAddress v4_any(std::uint16_t port = 0) {
  return PeerAddress::v4({0, 0, 0, 0}, port);
}

TEST(UdpSocket, BatchSendAndReceiveOnIpv4Loopback) {
  UdpSocket a, b;
  ASSERT_FALSE(a.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(b.open(PeerAddress::loopback_v4(0)));
  const PeerAddress to = b.local_address();
  ASSERT_NE(to.port, 0);

  // 40 datagrams: more than one batch (32), so two flushes and at least two receives.
  for (int i = 0; i < 40; ++i) {
    if (a.send_queue_full()) {
      auto r = a.flush();
      EXPECT_EQ(r.sent, 32u);
      EXPECT_FALSE(r.would_block);
    }
    ASSERT_FALSE(a.queue_send(to, bytes_of("datagram " + std::to_string(i))));
  }
  EXPECT_EQ(a.flush().sent, 8u);
  EXPECT_EQ(a.queued(), 0u);

  std::size_t max_batch = 0;
  auto got = receive_n(b, 40, &max_batch);
  ASSERT_EQ(got.size(), 40u);
  EXPECT_LE(max_batch, 32u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i)].text, "datagram " + std::to_string(i));
    EXPECT_EQ(got[static_cast<std::size_t>(i)].peer, a.local_address());
    EXPECT_FALSE(got[static_cast<std::size_t>(i)].local.has_value());  // packet_info is off
  }
  EXPECT_EQ(a.stats().sent, 40u);
  EXPECT_EQ(b.stats().received, 40u);
}

TEST(UdpSocket, EmptyBatchWhenNothingIsQueued) {
  UdpSocket a;
  ASSERT_FALSE(a.open(PeerAddress::loopback_v4(0)));
  std::span<const ReceivedDatagram> batch;
  EXPECT_FALSE(a.receive(batch));
  EXPECT_TRUE(batch.empty());
}

TEST(UdpSocket, Ipv6Loopback) {
  UdpSocket a, b;
  if (a.open(v6_loopback(0)) || b.open(v6_loopback(0))) GTEST_SKIP() << "no IPv6 loopback";
  ASSERT_FALSE(a.queue_send(b.local_address(), bytes_of("over v6")));
  EXPECT_EQ(a.flush().sent, 1u);
  auto got = receive_n(b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "over v6");
  EXPECT_TRUE(got[0].peer.v6);
  EXPECT_EQ(got[0].peer, a.local_address());
  EXPECT_EQ(got[0].peer.to_string(), "[::1]:" + std::to_string(a.local_address().port));
}

TEST(UdpSocket, DualStackSocketSeesIpv4PeersAsIpv4) {
  UdpSocket server, client;
  PeerAddress any6;
  any6.v6 = true;
  UdpSocketOptions options;
  options.dual_stack = true;
  options.packet_info = true;
  if (server.open(any6, options)) GTEST_SKIP() << "no IPv6";
  ASSERT_FALSE(client.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(
      client.queue_send(PeerAddress::loopback_v4(server.local_address().port), bytes_of("ping")));
  client.flush();
  auto got = receive_n(server, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].peer.v6);
  EXPECT_EQ(got[0].peer, client.local_address());
  ASSERT_TRUE(got[0].local.has_value());
  EXPECT_EQ(*got[0].local, PeerAddress::loopback_v4(0));

  // The answer to an IPv4 peer goes out through the IPv6 socket (as an IPv4-mapped address).
  ASSERT_FALSE(server.queue_send(got[0].peer, bytes_of("pong")));
  EXPECT_EQ(server.flush().sent, 1u);
  auto back = receive_n(client, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].text, "pong");
}

TEST(UdpSocket, PacketInfoReportsTheDestinationOfEachDatagram) {
  UdpSocket server, client;
  UdpSocketOptions options;
  options.packet_info = true;
  ASSERT_FALSE(server.open(v4_any(), options));
  ASSERT_FALSE(client.open(PeerAddress::loopback_v4(0)));
  const std::uint16_t port = server.local_address().port;
  ASSERT_FALSE(client.queue_send(PeerAddress::v4({127, 0, 0, 1}, port), bytes_of("to .1")));
  ASSERT_FALSE(client.queue_send(PeerAddress::v4({127, 0, 0, 2}, port), bytes_of("to .2")));
  EXPECT_EQ(client.flush().sent, 2u);
  auto got = receive_n(server, 2);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_TRUE(got[0].local && got[1].local);
  EXPECT_EQ(*got[0].local, PeerAddress::v4({127, 0, 0, 1}, 0));
  EXPECT_EQ(*got[1].local, PeerAddress::v4({127, 0, 0, 2}, 0));
}

TEST(UdpSocket, SendsFromAChosenLocalSourceAddress) {
  // One wildcard socket speaking as many loopback addresses: what a load generator does.
  UdpSocket server, client;
  UdpSocketOptions options;
  options.packet_info = true;
  ASSERT_FALSE(server.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(client.open(v4_any(), options));
  const std::uint16_t client_port = client.local_address().port;
  const PeerAddress source7 = PeerAddress::v4({127, 0, 0, 7}, 0);
  const PeerAddress source9 = PeerAddress::v4({127, 0, 3, 9}, 0);
  ASSERT_FALSE(client.queue_send(server.local_address(), bytes_of("from 7"), &source7));
  ASSERT_FALSE(client.queue_send(server.local_address(), bytes_of("from 9"), &source9));
  auto flushed = client.flush();
  EXPECT_EQ(flushed.sent, 2u) << flushed.error.message();

  auto got = receive_n(server, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].peer, PeerAddress::v4({127, 0, 0, 7}, client_port));
  EXPECT_EQ(got[1].peer, PeerAddress::v4({127, 0, 3, 9}, client_port));

  // Answers reach the wildcard socket, which learns which simulated address they were for.
  ASSERT_FALSE(server.queue_send(got[1].peer, bytes_of("to 9")));
  server.flush();
  auto back = receive_n(client, 1);
  ASSERT_EQ(back.size(), 1u);
  ASSERT_TRUE(back[0].local.has_value());
  EXPECT_EQ(*back[0].local, source9);
}

TEST(UdpSocket, MarksAndCountsTruncatedDatagrams) {
  UdpSocket receiver, sender;
  UdpSocketOptions small;
  small.max_datagram_size = 64;
  ASSERT_FALSE(receiver.open(PeerAddress::loopback_v4(0), small));
  ASSERT_FALSE(sender.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(sender.queue_send(receiver.local_address(),
                                 bytes_of(std::string(64, 'x') + std::string(36, 'z'))));
  ASSERT_FALSE(sender.queue_send(receiver.local_address(), bytes_of(std::string(64, 'y'))));
  EXPECT_EQ(sender.flush().sent, 2u);

  // The long one comes as its first 64 bytes, marked; the one that fits exactly is whole.
  auto got = receive_n(receiver, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, std::string(64, 'x'));
  EXPECT_TRUE(got[0].truncated);
  EXPECT_EQ(got[1].text, std::string(64, 'y'));
  EXPECT_FALSE(got[1].truncated);
  EXPECT_EQ(receiver.stats().truncated, 1u);
  EXPECT_EQ(receiver.stats().received, 2u);
}

TEST(UdpSocket, QueueSendRefusesWhatCannotBeSent) {
  UdpSocket s;
  UdpSocketOptions options;
  options.batch_size = 2;
  options.max_datagram_size = 16;
  ASSERT_FALSE(s.open(PeerAddress::loopback_v4(0), options));
  const auto to = PeerAddress::loopback_v4(9);
  EXPECT_EQ(s.queue_send(to, bytes_of(std::string(17, 'x'))), std::errc::message_size);
  EXPECT_EQ(s.queue_send(v6_loopback(9), bytes_of("x")), std::errc::address_family_not_supported);
  EXPECT_FALSE(s.queue_send(to, bytes_of("one")));
  EXPECT_FALSE(s.queue_send(to, bytes_of("two")));
  EXPECT_TRUE(s.send_queue_full());
  EXPECT_EQ(s.queue_send(to, bytes_of("three")), std::errc::no_buffer_space);
  EXPECT_EQ(s.queued(), 2u);
}

TEST(UdpSocket, FlushDropsRefusedDatagramsAndSendsTheRest) {
  UdpSocket a, b;
  ASSERT_FALSE(a.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(b.open(PeerAddress::loopback_v4(0)));
  ASSERT_FALSE(a.queue_send(b.local_address(), bytes_of("first")));
  ASSERT_FALSE(
      a.queue_send(PeerAddress::loopback_v4(0), bytes_of("to port 0")));  // EINVAL on Linux
  ASSERT_FALSE(a.queue_send(b.local_address(), bytes_of("third")));
  auto r = a.flush();
  EXPECT_EQ(r.sent, 2u);
  EXPECT_EQ(r.dropped, 1u);
  EXPECT_EQ(r.error, std::errc::invalid_argument);
  EXPECT_EQ(a.stats().send_dropped, 1u);
  EXPECT_EQ(a.queued(), 0u);
  auto got = receive_n(b, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "first");
  EXPECT_EQ(got[1].text, "third");
}

TEST(UdpSocket, ReusePortLetsSocketsShareAPort) {
  UdpSocketOptions options;
  options.reuse_port = true;
  UdpSocket first, second, plain;
  ASSERT_FALSE(first.open(PeerAddress::loopback_v4(0), options));
  const auto addr = first.local_address();
  EXPECT_FALSE(second.open(addr, options));
  EXPECT_EQ(plain.open(addr), std::errc::address_in_use);
}

}  // namespace
}  // namespace drover::transport
