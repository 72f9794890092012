// Two CoapUdpEndpoints on one io_context talking over real loopback sockets. Every run is bounded
// by io_context::run_for with a generous deadline; the tests stop the loop as soon as they have
// their answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "drover/transport/asio.hpp"
#include "drover/transport/coap_udp_endpoint.hpp"
#include "drover/transport/udp_socket.hpp"

namespace drover::transport {
namespace {

using namespace std::chrono_literals;
using coap::Message;
using coap::PeerAddress;

constexpr auto kDeadline = 10s;

std::string body_of(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

Message request(coap::Code code, std::string_view path, std::string_view payload = {}) {
  Message m;
  m.code = code;
  m.set_uri_path(path);
  if (!payload.empty()) m.set_payload(payload);
  return m;
}

CoapUdpEndpointConfig test_config(std::uint64_t seed) {
  CoapUdpEndpointConfig c;
  c.random_seed = seed;
  return c;
}

// A server that answers GET /echo-size with the size of the last body PUT to it, and anything else
// with
// "<method> <path> <payload>" echoed back.
struct EchoServer {
  CoapUdpEndpoint endpoint;
  std::size_t last_put = 0;

  explicit EchoServer(boost::asio::io_context& io, CoapUdpEndpointConfig config = test_config(1))
      : endpoint(io, std::move(config)) {
    endpoint.set_event_handler([this](CoapUdpEndpoint& ep, coap::Event& ev) {
      auto* req = std::get_if<coap::RequestReceived>(&ev);
      if (req == nullptr) return;
      Message resp;
      if (req->request.code == coap::codes::Put) {
        last_put = req->request.payload().size();
        resp.code = coap::codes::Changed;
      } else if (req->request.uri_path() == "/large") {
        resp.code = coap::codes::Content;
        resp.set_payload(body_of(5000));
      } else {
        resp.code = coap::codes::Content;
        resp.set_payload(req->request.code.to_string() + " " + req->request.uri_path() + " " +
                         std::string(req->request.payload_string()));
      }
      EXPECT_TRUE(ep.respond(req->exchange, std::move(resp)));
    });
    EXPECT_FALSE(endpoint.open(PeerAddress::loopback_v4(0)));
  }
  PeerAddress address() const { return endpoint.local_address(); }
};

// A client endpoint that records the events it gets and stops the loop once `want` of them arrived.
struct Client {
  boost::asio::io_context& io;
  CoapUdpEndpoint endpoint;
  std::vector<coap::Event> events;
  std::size_t want = 1;

  explicit Client(boost::asio::io_context& context, CoapUdpEndpointConfig config = test_config(2))
      : io(context), endpoint(context, std::move(config)) {
    endpoint.set_event_handler([this](CoapUdpEndpoint&, coap::Event& ev) {
      events.push_back(std::move(ev));
      if (events.size() >= want) io.stop();
    });
    EXPECT_FALSE(endpoint.open(PeerAddress::loopback_v4(0)));
  }
};

TEST(CoapUdpEndpoint, RequestAndResponseOverLoopback) {
  boost::asio::io_context io;
  EchoServer server(io);
  Client client(io);
  auto id =
      client.endpoint.send_request(server.address(), request(coap::codes::Post, "/a/b", "hi"));
  ASSERT_TRUE(id);
  io.run_for(kDeadline);

  ASSERT_EQ(client.events.size(), 1u);
  auto* resp = std::get_if<coap::ResponseReceived>(&client.events[0]);
  ASSERT_NE(resp, nullptr);
  EXPECT_EQ(resp->request, *id);
  EXPECT_EQ(resp->response.code, coap::codes::Content);
  EXPECT_EQ(resp->response.payload_string(), "0.02 /a/b hi");
  // The response was piggybacked: one datagram each way.
  EXPECT_EQ(client.endpoint.socket_stats().sent, 1u);
  EXPECT_EQ(server.endpoint.socket_stats().sent, 1u);
}

TEST(CoapUdpEndpoint, ManyConcurrentRequestsAreAllAnswered) {
  boost::asio::io_context io;
  EchoServer server(io);
  CoapUdpEndpointConfig config = test_config(3);
  config.engine.nstart = 64;
  Client client(io, config);
  client.want = 50;
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(client.endpoint.send_request(server.address(),
                                             request(coap::codes::Get, "/n/" + std::to_string(i))));
  io.run_for(kDeadline);

  ASSERT_EQ(client.events.size(), 50u);
  std::vector<bool> seen(50);
  for (auto& ev : client.events) {
    auto* resp = std::get_if<coap::ResponseReceived>(&ev);
    ASSERT_NE(resp, nullptr);
    auto text = std::string(resp->response.payload_string());
    auto n = std::stoul(text.substr(text.rfind('/') + 1));
    ASSERT_LT(n, 50u);
    seen[n] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 50);
  EXPECT_EQ(client.endpoint.socket_stats().sent, 50u);
  EXPECT_EQ(server.endpoint.socket_stats().received, 50u);
}

TEST(CoapUdpEndpoint, BlockwiseTransfersBothWays) {
  boost::asio::io_context io;
  EchoServer server(io);
  Client client(io);
  coap::RequestOptions small_blocks;
  small_blocks.block_szx = 2;  // 64-byte blocks: many round trips through the sockets
  ASSERT_TRUE(client.endpoint.send_request(server.address(), request(coap::codes::Get, "/large"),
                                           small_blocks));
  io.run_for(kDeadline);
  ASSERT_EQ(client.events.size(), 1u);
  auto* got = std::get_if<coap::ResponseReceived>(&client.events[0]);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->response.payload_string(), body_of(5000));

  client.events.clear();
  io.restart();
  ASSERT_TRUE(client.endpoint.send_request(
      server.address(), request(coap::codes::Put, "/up", body_of(3000)), small_blocks));
  io.run_for(kDeadline);
  ASSERT_EQ(client.events.size(), 1u);
  auto* put = std::get_if<coap::ResponseReceived>(&client.events[0]);
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->response.code, coap::codes::Changed);
  EXPECT_EQ(server.last_put, 3000u);
  EXPECT_GT(client.endpoint.socket_stats().sent, 3000u / 64);
}

TEST(CoapUdpEndpoint, ObserveDeliversNotifications) {
  boost::asio::io_context io;
  CoapUdpEndpoint server(io, test_config(4));
  int value = 0;
  // Accepts the observation, then notifies three times from the loop (as a periodic source would).
  server.set_event_handler([&](CoapUdpEndpoint& ep, coap::Event& ev) {
    auto* req = std::get_if<coap::RequestReceived>(&ev);
    if (req == nullptr) return;
    Message resp;
    resp.code = coap::codes::Content;
    resp.add_uint_option(coap::options::Observe, 0);
    resp.set_payload(std::to_string(value));
    auto observer = ep.respond(req->exchange, std::move(resp));
    ASSERT_TRUE(observer && observer.value().has_value());
    for (int i = 0; i < 3; ++i) {
      boost::asio::post(io, [&ep, &value, id = **observer] {
        Message n;
        n.code = coap::codes::Content;
        n.set_payload(std::to_string(++value));
        EXPECT_TRUE(ep.notify(id, std::move(n)));
      });
    }
  });
  ASSERT_FALSE(server.open(PeerAddress::loopback_v4(0)));
  Client client(io);
  client.want = 4;
  Message obs = request(coap::codes::Get, "/counter");
  obs.add_uint_option(coap::options::Observe, 0);
  ASSERT_TRUE(client.endpoint.send_request(server.local_address(), std::move(obs)));
  io.run_for(kDeadline);

  ASSERT_EQ(client.events.size(), 4u);
  ASSERT_TRUE(std::holds_alternative<coap::ResponseReceived>(client.events[0]));
  for (std::size_t i = 1; i < 4; ++i) {
    auto* n = std::get_if<coap::NotificationReceived>(&client.events[i]);
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->notification.payload_string(), std::to_string(i));
  }
}

TEST(CoapUdpEndpoint, SourceSelectorPicksTheLocalAddress) {
  // A wildcard-bound client speaking from 127.0.0.5, as a load generator simulating many devices
  // does.
  boost::asio::io_context io;
  CoapUdpEndpoint server(io, test_config(8));
  std::optional<PeerAddress> seen;
  server.set_event_handler([&](CoapUdpEndpoint& ep, coap::Event& ev) {
    if (auto* req = std::get_if<coap::RequestReceived>(&ev)) {
      seen = req->peer;
      Message resp;
      resp.code = coap::codes::Content;
      ep.respond(req->exchange, std::move(resp));
    }
  });
  ASSERT_FALSE(server.open(PeerAddress::loopback_v4(0)));

  CoapUdpEndpoint client(io, test_config(9));
  std::vector<coap::Event> events;
  client.set_event_handler([&](CoapUdpEndpoint&, coap::Event& ev) {
    events.push_back(std::move(ev));
    io.stop();
  });
  client.set_source_selector([](const PeerAddress&) -> std::optional<PeerAddress> {
    return PeerAddress::v4({127, 0, 0, 5}, 0);
  });
  ASSERT_FALSE(client.open(PeerAddress::v4({0, 0, 0, 0}, 0)));
  ASSERT_TRUE(client.send_request(server.local_address(), request(coap::codes::Get, "/")));
  io.run_for(kDeadline);

  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<coap::ResponseReceived>(events[0]));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(*seen, PeerAddress::v4({127, 0, 0, 5}, client.local_address().port));
}

TEST(CoapUdpEndpoint, RetransmitsAndTimesOutOnTheRealTimer) {
  boost::asio::io_context io;
  UdpSocket silent;  // bound, never answers
  ASSERT_FALSE(silent.open(PeerAddress::loopback_v4(0)));
  CoapUdpEndpointConfig config = test_config(5);
  config.engine.ack_timeout = 5ms;
  config.engine.max_retransmit = 2;
  Client client(io, config);
  ASSERT_TRUE(client.endpoint.send_request(silent.local_address(), request(coap::codes::Get, "/")));
  io.run_for(kDeadline);

  ASSERT_EQ(client.events.size(), 1u);
  auto* failed = std::get_if<coap::RequestFailed>(&client.events[0]);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->reason, coap::FailureReason::Timeout);
  EXPECT_EQ(client.endpoint.socket_stats().sent, 3u);  // the request and two retransmissions
  EXPECT_GE(client.endpoint.stats().timer_fires, 3u);
}

TEST(CoapUdpEndpoint, DestroyedWithWorkPendingIsSafe) {
  boost::asio::io_context io;
  {
    CoapUdpEndpoint endpoint(io, test_config(6));
    ASSERT_FALSE(endpoint.open(PeerAddress::loopback_v4(0)));
    ASSERT_TRUE(endpoint.send_request(PeerAddress::loopback_v4(9), request(coap::codes::Get, "/")));
    io.poll();  // the flush ran and armed the retransmission timer
    EXPECT_TRUE(endpoint.engine().next_expiry().has_value());
  }
  // The abandoned wait, timer and any posted work complete without touching the destroyed endpoint.
  io.restart();
  io.run_for(1s);
  SUCCEED();
}

TEST(CoapUdpEndpoint, ReportsSocketErrorsToTheErrorHandler) {
  boost::asio::io_context io;
  CoapUdpEndpoint endpoint(io, test_config(7));
  std::vector<std::string> errors;
  endpoint.set_error_handler([&](std::string_view what, std::error_code ec) {
    errors.push_back(std::string(what) + ": " + ec.message());
  });
  ASSERT_FALSE(endpoint.open(PeerAddress::loopback_v4(0)));
  PeerAddress v6_peer;
  v6_peer.v6 = true;
  v6_peer.ip[15] = 1;
  v6_peer.port = 9;
  ASSERT_TRUE(
      endpoint.send_request(v6_peer, request(coap::codes::Get, "/")));  // IPv6 peer, IPv4 socket
  io.poll();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind("send: ", 0), 0u);
  EXPECT_EQ(endpoint.stats().send_refused, 1u);
}

// A server whose socket takes datagrams of at most 300 bytes.
CoapUdpEndpointConfig small_buffer_config() {
  CoapUdpEndpointConfig c = test_config(8);
  c.socket.max_datagram_size = 300;
  return c;
}

TEST(CoapUdpEndpoint, OversizeBlockGetsTooLargeAndTheUploadRestartsWithSmallerBlocks) {
  boost::asio::io_context io;
  EchoServer server(io, small_buffer_config());
  Client client(io);
  // 1024-byte blocks do not fit the server's 300-byte buffer: the first one arrives cut, the
  // server answers 4.13 with a Block1 size that fits, and the client starts over with it.
  ASSERT_TRUE(client.endpoint.send_request(server.address(),
                                           request(coap::codes::Put, "/up", body_of(3000))));
  io.run_for(kDeadline);
  ASSERT_EQ(client.events.size(), 1u);
  auto* put = std::get_if<coap::ResponseReceived>(&client.events[0]);
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->response.code, coap::codes::Changed);
  EXPECT_EQ(server.last_put, 3000u);
  EXPECT_EQ(server.endpoint.socket_stats().truncated, 1u);
  EXPECT_EQ(server.endpoint.engine().stats().truncated, 1u);
}

TEST(CoapUdpEndpoint, TruncatedDatagramsGetTooLargeOrReset) {
  boost::asio::io_context io;
  EchoServer server(io, small_buffer_config());
  UdpSocket peer;
  ASSERT_FALSE(peer.open(PeerAddress::loopback_v4(0)));

  Message post = request(coap::codes::Post, "/a", body_of(600));
  post.type = coap::Type::Con;
  post.message_id = 0x1234;
  post.token = coap::Token(std::vector<std::uint8_t>{7, 7});
  Message response;  // a CON response nobody asked for, also too long
  response.type = coap::Type::Con;
  response.code = coap::codes::Content;
  response.message_id = 0x4321;
  response.set_payload(body_of(600));
  for (const Message* m : {&post, &response}) {
    std::vector<std::uint8_t> bytes;
    serialize(*m, bytes);
    ASSERT_FALSE(peer.queue_send(server.address(), bytes));
  }
  ASSERT_EQ(peer.flush().sent, 2u);

  std::vector<Message> answers;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (answers.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    io.run_for(10ms);
    std::span<const ReceivedDatagram> batch;
    ASSERT_FALSE(peer.receive(batch));
    for (const auto& d : batch) {
      Message m;
      ASSERT_FALSE(parse(d.bytes, m).has_value());
      answers.push_back(std::move(m));
    }
  }
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].type, coap::Type::Ack);
  EXPECT_EQ(answers[0].message_id, 0x1234);
  EXPECT_EQ(answers[0].token, post.token);
  EXPECT_EQ(answers[0].code, coap::codes::RequestEntityTooLarge);
  EXPECT_EQ(answers[0].uint_option(coap::options::Size1),
            server.endpoint.engine().config().max_body_size);
  EXPECT_EQ(answers[1].type, coap::Type::Rst);
  EXPECT_EQ(answers[1].message_id, 0x4321);
  EXPECT_EQ(server.endpoint.engine().stats().truncated, 2u);
}

}  // namespace
}  // namespace drover::transport
