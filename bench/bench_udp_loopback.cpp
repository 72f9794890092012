// CoAP request/response over loopback UDP, with N confirmable GETs kept in flight by the client.
//
//   EngineToEngine/N               Drover client endpoint -> Drover server endpoint, one thread,
//   one io_context EngineToEngineServerThread/N   the same with the server on its own thread and
//   io_context EngineToIdealResponder/N       Drover client -> a responder that turns each request
//   into an empty 2.05
//                                  ACK without parsing it: the cost of the client side alone
//   SocketPingPong/N               raw UdpSocket datagrams echoed back: the floor set by the kernel
//
// Each iteration completes kPerIteration exchanges; items_per_second is requests (or datagrams) per
// second. The engines' EXCHANGE_LIFETIME is shortened to 200 ms: at 100k+ requests/s one
// client/server pair wraps its 16-bit message IDs in well under a second, and a longer lifetime
// would both fill the server's deduplication table (max_dedup_entries) and make reused IDs look
// like duplicates (RFC 7252 §4.4 limits a single pair to about 265 CON/s with the default lifetime;
// real load comes from many peers). For the same reason the one client may fill the whole table
// (max_dedup_entries_per_peer). The counters `retransmissions` and `dropped` (server inputs dropped
// at a bound) must stay 0 for a figure to mean anything.
#include <benchmark/benchmark.h>

#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "drover/transport/asio.hpp"
#include "drover/transport/coap_udp_endpoint.hpp"

namespace {

namespace asio = boost::asio;
using drover::coap::Message;
using drover::coap::PeerAddress;
using drover::transport::CoapUdpEndpoint;
using drover::transport::CoapUdpEndpointConfig;
using drover::transport::ReceivedDatagram;
using drover::transport::UdpSocket;

constexpr std::size_t kPerIteration = 2000;

CoapUdpEndpointConfig bench_config(std::uint64_t seed, std::size_t in_flight) {
  CoapUdpEndpointConfig c;
  c.random_seed = seed;
  c.engine.nstart = static_cast<unsigned>(in_flight);
  c.engine.exchange_lifetime = std::chrono::milliseconds(200);
  c.engine.non_lifetime = std::chrono::milliseconds(200);
  c.engine.max_dedup_entries_per_peer = c.engine.max_dedup_entries;
  return c;
}

Message get_request() {
  Message m;
  m.code = drover::coap::codes::Get;
  m.set_uri_path("/bench");
  return m;
}

// A Drover server answering every request with a 2.05 "ok", piggybacked.
void serve(CoapUdpEndpoint& server) {
  server.set_event_handler([](CoapUdpEndpoint& ep, drover::coap::Event& ev) {
    if (auto* req = std::get_if<drover::coap::RequestReceived>(&ev)) {
      Message resp;
      resp.code = drover::coap::codes::Content;
      resp.set_payload(std::string_view("ok"));
      ep.respond(req->exchange, std::move(resp));
    }
  });
}

// A Drover client keeping `in_flight` GETs outstanding until `total` have been answered.
class LoadClient {
 public:
  LoadClient(asio::io_context& io, std::size_t in_flight)
      : io_(io), endpoint_(io, bench_config(2, in_flight)), in_flight_(in_flight) {
    endpoint_.set_event_handler([this](CoapUdpEndpoint&, drover::coap::Event& ev) {
      if (std::holds_alternative<drover::coap::ResponseReceived>(ev)) {
        ++done_;
      } else {
        ++failed_;
      }
      if (done_ + failed_ == total_) {
        io_.stop();
      } else if (sent_ < total_) {
        send_one();
      }
    });
    endpoint_.open(PeerAddress::loopback_v4(0));
  }

  const drover::coap::EngineStats& stats() const { return endpoint_.engine().stats(); }

  // Returns false when a request failed.
  bool run(const PeerAddress& server, std::size_t total) {
    server_ = server;
    total_ = total;
    done_ = failed_ = sent_ = 0;
    for (std::size_t i = 0; i < in_flight_ && sent_ < total_; ++i) send_one();
    io_.restart();
    io_.run();
    return failed_ == 0;
  }

 private:
  void send_one() {
    ++sent_;
    if (!endpoint_.send_request(server_, get_request())) ++failed_;
  }

  asio::io_context& io_;
  CoapUdpEndpoint endpoint_;
  std::size_t in_flight_;
  PeerAddress server_;
  std::size_t total_ = 0, done_ = 0, failed_ = 0, sent_ = 0;
};

// Answers each datagram from a UdpSocket, in batches, on an io_context. With `coap_ack`, the reply
// is the request's header and token turned into an empty ACK 2.05 (what an ideal server would
// send); otherwise the datagram is echoed unchanged.
class Responder {
 public:
  Responder(asio::io_context& io, bool coap_ack) : descriptor_(io), coap_ack_(coap_ack) {
    socket_.open(PeerAddress::loopback_v4(0));
    descriptor_.assign(socket_.native_handle());
    wait();
  }
  ~Responder() { descriptor_.release(); }
  PeerAddress address() const { return socket_.local_address(); }

 private:
  void wait() {
    descriptor_.async_wait(asio::posix::descriptor_base::wait_read,
                           [this](const boost::system::error_code& ec) {
                             if (ec) return;
                             drain();
                             wait();
                           });
  }

  void drain() {
    std::uint8_t reply[16];
    for (;;) {
      std::span<const ReceivedDatagram> batch;
      if (socket_.receive(batch) || batch.empty()) break;
      for (const auto& d : batch) {
        std::span<const std::uint8_t> out = d.bytes;
        if (coap_ack_ && d.bytes.size() >= 4) {
          const std::size_t header = 4 + std::min<std::size_t>(d.bytes[0] & 0x0f, 8);
          if (d.bytes.size() < header) continue;
          std::memcpy(reply, d.bytes.data(), header);
          reply[0] = static_cast<std::uint8_t>((reply[0] & 0xcf) | 0x20);  // type ACK
          reply[1] = 0x45;                                                 // 2.05 Content
          out = {reply, header};
        }
        if (socket_.send_queue_full()) socket_.flush();
        socket_.queue_send(d.peer, out);
      }
      socket_.flush();
      if (batch.size() < socket_.options().batch_size) break;
    }
  }

  UdpSocket socket_;
  asio::posix::stream_descriptor descriptor_;
  bool coap_ack_;
};

void report(benchmark::State& state, const LoadClient* client = nullptr,
            const CoapUdpEndpoint* server = nullptr) {
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPerIteration));
  if (client != nullptr)
    state.counters["retransmissions"] = static_cast<double>(client->stats().retransmissions);
  if (server != nullptr)
    state.counters["dropped"] = static_cast<double>(server->engine().stats().dropped_overload);
}

void EngineToEngine(benchmark::State& state) {
  const auto in_flight = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  CoapUdpEndpoint server(io, bench_config(1, in_flight));
  serve(server);
  server.open(PeerAddress::loopback_v4(0));
  LoadClient client(io, in_flight);
  for (auto _ : state) {
    if (!client.run(server.local_address(), kPerIteration)) state.SkipWithError("a request failed");
  }
  report(state, &client, &server);
}

void EngineToEngineServerThread(benchmark::State& state) {
  const auto in_flight = static_cast<std::size_t>(state.range(0));
  asio::io_context server_io;
  CoapUdpEndpoint server(server_io, bench_config(1, in_flight));
  serve(server);
  server.open(PeerAddress::loopback_v4(0));
  auto guard = asio::make_work_guard(server_io);
  std::thread server_thread([&server_io] { server_io.run(); });
  asio::io_context io;
  LoadClient client(io, in_flight);
  for (auto _ : state) {
    if (!client.run(server.local_address(), kPerIteration)) state.SkipWithError("a request failed");
  }
  server_io.stop();
  server_thread.join();
  report(state, &client, &server);
}

void EngineToIdealResponder(benchmark::State& state) {
  const auto in_flight = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  Responder responder(io, true);
  LoadClient client(io, in_flight);
  for (auto _ : state) {
    if (!client.run(responder.address(), kPerIteration)) state.SkipWithError("a request failed");
  }
  report(state, &client);
}

void SocketPingPong(benchmark::State& state) {
  const auto in_flight = static_cast<std::size_t>(state.range(0));
  asio::io_context io;
  Responder echo(io, false);
  UdpSocket client;
  client.open(PeerAddress::loopback_v4(0));
  asio::posix::stream_descriptor descriptor(io, client.native_handle());
  const std::uint8_t datagram[16] = {0x48, 0x01, 0x12, 0x34, 1,    2,   3,   4,
                                     5,    6,    7,    8,    0xb5, 'b', 'e', 'n'};
  std::size_t received = 0, sent = 0;
  auto send_one = [&] {
    if (client.send_queue_full()) client.flush();
    client.queue_send(echo.address(), datagram);
    ++sent;
  };
  std::function<void(const boost::system::error_code&)> on_readable =
      [&](const boost::system::error_code& ec) {
        if (ec) return;
        for (;;) {
          std::span<const ReceivedDatagram> batch;
          if (client.receive(batch) || batch.empty()) break;
          received += batch.size();
          for (std::size_t i = 0; i < batch.size() && sent < kPerIteration; ++i) send_one();
          client.flush();
        }
        if (received >= kPerIteration) {
          io.stop();
          return;
        }
        descriptor.async_wait(asio::posix::descriptor_base::wait_read, on_readable);
      };
  for (auto _ : state) {
    received = sent = 0;
    while (sent < in_flight) send_one();
    client.flush();
    descriptor.async_wait(asio::posix::descriptor_base::wait_read, on_readable);
    io.restart();
    io.run();
  }
  descriptor.release();
  report(state);
}

BENCHMARK(EngineToEngine)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();
BENCHMARK(EngineToEngineServerThread)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();
BENCHMARK(EngineToIdealResponder)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();
BENCHMARK(SocketPingPong)->Arg(1)->Arg(16)->Arg(64)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
