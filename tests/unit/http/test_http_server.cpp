// The Beast session layer over loopback: a Beast client talks to HttpServer on an io_context
// bounded with run_for; the LwM2M side is the in-memory fake device.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>

#include "drover/http/http_server.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct Exchange {
  bhttp::response<bhttp::string_body> response;
  bool done = false;
  beast::error_code error;
};

// Sends `request` on `stream` (connected first if needed) and reads the response.
void exchange(beast::tcp_stream& stream, const tcp::endpoint& to,
              std::shared_ptr<bhttp::request<bhttp::string_body>> request, Exchange& out,
              std::shared_ptr<beast::flat_buffer> buffer) {
  auto send = [&stream, request, &out, buffer] {
    request->prepare_payload();
    bhttp::async_write(stream, *request,
                       [&stream, request, &out, buffer](beast::error_code ec, std::size_t) {
                         if (ec) {
                           out.error = ec;
                           out.done = true;
                           return;
                         }
                         bhttp::async_read(stream, *buffer, out.response,
                                           [&out, buffer](beast::error_code e, std::size_t) {
                                             out.error = e;
                                             out.done = true;
                                           });
                       });
  };
  if (stream.socket().is_open()) return send();
  stream.async_connect(to, [send, &out](beast::error_code ec) {
    if (ec) {
      out.error = ec;
      out.done = true;
      return;
    }
    send();
  });
}

struct HttpOverLoopback : ::testing::Test {
  ApiHarness h;
  asio::io_context io;
  std::function<void()> after_call;
  HttpServer http{io, h.api, [this] {
                    if (after_call) after_call();
                  }};
  tcp::endpoint endpoint;

  void SetUp() override {
    h.register_device();
    h.events.clear();
    ASSERT_FALSE(http.open({asio::ip::make_address("127.0.0.1"), 0}));
    endpoint = http.local_endpoint();
    ASSERT_NE(endpoint.port(), 0);
  }

  void run_until(const Exchange& e) {
    for (int i = 0; i < 50 && !e.done; ++i) io.run_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(e.done) << "no response in time";
    ASSERT_FALSE(e.error) << e.error.message();
  }

  static std::shared_ptr<bhttp::request<bhttp::string_body>> get(std::string target) {
    auto r = std::make_shared<bhttp::request<bhttp::string_body>>(bhttp::verb::get, target, 11);
    r->set(bhttp::field::host, "localhost");
    return r;
  }
};

TEST_F(HttpOverLoopback, ListsClients) {
  beast::tcp_stream stream(io);
  Exchange e;
  exchange(stream, endpoint, get("/api/clients"), e, std::make_shared<beast::flat_buffer>());
  run_until(e);
  EXPECT_EQ(e.response.result_int(), 200u);
  EXPECT_EQ(e.response[bhttp::field::content_type], "application/json");
  auto body = boost::json::parse(e.response.body());
  EXPECT_EQ(body.at("clients").at(0).at("endpoint").as_string(), "dev1");
  EXPECT_EQ(http.stats().requests, 1u);
}

TEST_F(HttpOverLoopback, PendingReadIsAnsweredWhenTheDeviceAnswersThenKeepAlive) {
  // Once the request has reached the core, the device answers and the events go to the server.
  after_call = [this] {
    asio::post(io, [this] {
      h.pump();
      if (h.requests.empty()) return;
      h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
      for (const auto& ev : h.events) http.on_event(ev);
      h.events.clear();
    });
  };
  beast::tcp_stream stream(io);
  auto buffer = std::make_shared<beast::flat_buffer>();
  Exchange read;
  exchange(stream, endpoint, get("/api/clients/dev1/3/0/0"), read, buffer);
  run_until(read);
  EXPECT_EQ(read.response.result_int(), 200u) << read.response.body();
  EXPECT_EQ(boost::json::parse(read.response.body()).at("values").at(0).at("value").as_string(),
            "ACME");

  // The same connection serves the next request.
  Exchange missing;
  exchange(stream, endpoint, get("/api/clients/nobody"), missing, buffer);
  run_until(missing);
  EXPECT_EQ(missing.response.result_int(), 404u);
  EXPECT_EQ(http.stats().connections, 1u);
}

TEST_F(HttpOverLoopback, OversizedBodyIs413) {
  beast::tcp_stream stream(io);
  auto request = get("/api/clients/dev1/3/0/14");
  request->method(bhttp::verb::put);
  request->body() = std::string(h.api.config().max_body_bytes + 1, ' ');
  Exchange e;
  exchange(stream, endpoint, request, e, std::make_shared<beast::flat_buffer>());
  run_until(e);
  EXPECT_EQ(e.response.result_int(), 413u);
  EXPECT_TRUE(h.requests.empty());
}

// A client of GET /api/events: everything it reads is appended to `received`.
struct EventStreamClient {
  explicit EventStreamClient(asio::io_context& io) : stream(io) {}

  // Sends the request and runs `io` until the server has the stream.
  void open(asio::io_context& io, HttpServer& http, std::string_view query) {
    stream.connect(http.local_endpoint());
    asio::write(stream, asio::buffer("GET /api/events" + std::string(query) +
                                     " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    read();
    for (int i = 0; i < 50 && http.open_streams() == 0; ++i)
      io.run_for(std::chrono::milliseconds(100));
  }

  void read() {
    stream.async_read_some(asio::buffer(chunk), [this](beast::error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (ec)
        ended = true;
      else
        read();
    });
  }

  beast::tcp_stream stream;
  std::string received;
  std::array<char, 4096> chunk{};
  bool ended = false;
};

TEST_F(HttpOverLoopback, EventStreamDeliversTheEventsOfItsEndpoint) {
  EventStreamClient client(io);
  client.open(io, http, "?endpoint=dev1");
  const std::string& received = client.received;
  ASSERT_EQ(http.open_streams(), 1u);

  h.register_device("ep=other&lt=60", "</3/0>");  // filtered out
  ASSERT_TRUE(h.server.remove_registration("dev1"));
  h.pump();
  for (const auto& ev : h.events) http.on_event(ev);
  h.events.clear();
  for (int i = 0; i < 50 && received.find("event: deregistration") == std::string::npos; ++i)
    io.run_for(std::chrono::milliseconds(100));

  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(
      received.find("event: deregistration\ndata: {\"endpoint\":\"dev1\",\"location\":\"/rd/"),
      std::string::npos)
      << received;
  EXPECT_EQ(received.find("other"), std::string::npos) << "another endpoint's event leaked";
  EXPECT_EQ(http.stats().streams, 1u);

  // The client leaves: the stream ends on the server too.
  client.stream.socket().shutdown(tcp::socket::shutdown_both);
  for (int i = 0; i < 50 && http.open_streams() != 0; ++i)
    io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(http.open_streams(), 0u);
}

TEST(HttpServerBounds, SlowEventStreamIsDroppedWhenItsBufferIsFull) {
  ApiHarness h;
  asio::io_context io;
  std::vector<std::string> logged;
  HttpServerConfig config;
  config.max_event_buffer_bytes = 2048;
  config.log = [&logged](std::string_view line) { logged.emplace_back(line); };
  HttpServer http{io, h.api, {}, config};
  ASSERT_FALSE(http.open({asio::ip::make_address("127.0.0.1"), 0}));
  EventStreamClient client(io);
  client.open(io, http, "");
  ASSERT_EQ(http.open_streams(), 1u);

  // Events come faster than the loop gets to write them: the buffer fills.
  for (int i = 0; i < 20 && http.open_streams() == 1; ++i) {
    h.register_device("ep=dev" + std::to_string(i) + "&lt=60", "</3/0>");
    for (const auto& ev : h.events) http.on_event(ev);
    h.events.clear();
  }
  EXPECT_EQ(http.open_streams(), 0u);
  EXPECT_EQ(http.stats().streams_dropped, 1u);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("the buffer is full"), std::string::npos) << logged[0];
  // The client sees the connection end.
  for (int i = 0; i < 50 && !client.ended; ++i) io.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(client.ended);
  EXPECT_EQ(http.open_connections(), 0u);
}

// A connection from `local` (127.0.0.x: loopback addresses are different peers to the server),
// connected when this returns (the server accepts it when `io` runs).
std::unique_ptr<EventStreamClient> connect_from(asio::io_context& io, const char* local,
                                                const tcp::endpoint& to) {
  auto client = std::make_unique<EventStreamClient>(io);
  auto& socket = client->stream.socket();
  socket.open(tcp::v4());
  socket.bind({asio::ip::make_address(local), 0});
  socket.connect(to);
  return client;
}

// A server whose connections are all bounded small, on loopback.
struct Bounded {
  explicit Bounded(HttpServerConfig config) : http{io, h.api, {}, config} {
    h.register_device();
    EXPECT_FALSE(http.open({asio::ip::make_address("127.0.0.1"), 0}));
  }
  // Runs `io` until `done` (at most five seconds).
  void run_until(const std::function<bool()>& done) {
    for (int i = 0; i < 50 && !done(); ++i) io.run_for(std::chrono::milliseconds(100));
  }
  // GET /api/clients on a new connection from `local`; the status, 0 when none came.
  unsigned list_from(const char* local) {
    auto client = connect_from(io, local, http.local_endpoint());
    Exchange e;
    exchange(
        client->stream, http.local_endpoint(),
        std::make_shared<bhttp::request<bhttp::string_body>>(bhttp::verb::get, "/api/clients", 11),
        e, std::make_shared<beast::flat_buffer>());
    run_until([&] { return e.done; });
    return e.done && !e.error ? e.response.result_int() : 0;
  }

  ApiHarness h;
  asio::io_context io;
  HttpServer http;
};

TEST(HttpServerBounds, ConnectionsPastTheBoundGet503) {
  HttpServerConfig config;
  config.max_connections = 1;
  Bounded b(config);
  // The first connection is in the middle of a request's header: not idle, so it stays.
  auto first = connect_from(b.io, "127.0.0.1", b.http.local_endpoint());
  asio::write(first->stream, asio::buffer(std::string("GET /api/clients HTTP/1.1\r\n")));
  b.run_until([&] { return b.http.open_connections() == 1; });
  ASSERT_EQ(b.http.open_connections(), 1u);
  b.io.run_for(std::chrono::milliseconds(100));  // the server has read the first bytes
  const unsigned status = b.list_from("127.0.0.2");
  EXPECT_TRUE(status == 503 || status == 0) << status;  // the 503 is sent best effort
  EXPECT_EQ(b.http.stats().rejected, 1u);
  EXPECT_EQ(b.http.stats().evicted, 0u);
}

TEST(HttpServerBounds, WhenFullTheLongestIdleConnectionMakesRoom) {
  HttpServerConfig config;
  config.max_connections = 3;
  Bounded b(config);
  std::vector<std::unique_ptr<EventStreamClient>> silent;
  for (int i = 0; i < 3; ++i) {
    silent.push_back(connect_from(b.io, "127.0.0.1", b.http.local_endpoint()));
    silent.back()->read();
    b.run_until([&] { return b.http.open_connections() == silent.size(); });
  }
  ASSERT_EQ(b.http.open_connections(), 3u);
  EXPECT_EQ(b.list_from("127.0.0.2"), 200u);
  EXPECT_EQ(b.http.stats().evicted, 1u);
  EXPECT_EQ(b.http.stats().rejected, 0u);
  b.run_until([&] { return silent[0]->ended; });
  EXPECT_TRUE(silent[0]->ended) << "the oldest idle connection was closed";
  EXPECT_FALSE(silent[1]->ended);
  EXPECT_FALSE(silent[2]->ended);
}

TEST(HttpServerBounds, OneAddressCannotLockOthersOut) {
  HttpServerConfig config;
  config.max_connections = 8;
  config.max_connections_per_address = 4;
  Bounded b(config);
  // A scanner opens 12 connections from one address and sends nothing.
  std::vector<std::unique_ptr<EventStreamClient>> scanner;
  for (int i = 0; i < 12; ++i) {
    scanner.push_back(connect_from(b.io, "127.0.0.1", b.http.local_endpoint()));
    scanner.back()->read();
  }
  b.run_until([&] { return b.http.stats().connections == 12; });
  EXPECT_EQ(b.http.open_connections(), 4u);
  EXPECT_EQ(b.http.stats().rejected, 8u);
  // Another address gets answers, again and again; the scanner's address gets no more room.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(b.list_from("127.0.0.2"), 200u);
  EXPECT_NE(b.list_from("127.0.0.1"), 200u);
  EXPECT_EQ(b.http.stats().rejected, 9u);
}

TEST(HttpServerBounds, AHeaderMustComeInTimeAKeptAliveConnectionMayWait) {
  HttpServerConfig config;
  config.header_timeout = std::chrono::milliseconds(200);
  Bounded b(config);
  // Half a header, then nothing: closed at the header's deadline.
  auto slow = connect_from(b.io, "127.0.0.1", b.http.local_endpoint());
  asio::write(slow->stream, asio::buffer(std::string("GET /api/clients HTTP/1.1\r\nHo")));
  slow->read();
  b.run_until([&] { return slow->ended; });
  EXPECT_TRUE(slow->ended);
  EXPECT_TRUE(slow->received.empty()) << slow->received;
  // A connection kept alive after its request waits past that deadline for the next one.
  auto kept = connect_from(b.io, "127.0.0.2", b.http.local_endpoint());
  auto buffer = std::make_shared<beast::flat_buffer>();
  const auto request = [] {
    auto r =
        std::make_shared<bhttp::request<bhttp::string_body>>(bhttp::verb::get, "/api/clients", 11);
    r->keep_alive(true);
    return r;
  };
  Exchange first;
  exchange(kept->stream, b.http.local_endpoint(), request(), first, buffer);
  b.run_until([&] { return first.done; });
  ASSERT_EQ(first.response.result_int(), 200u);
  b.io.run_for(std::chrono::milliseconds(600));
  Exchange second;
  exchange(kept->stream, b.http.local_endpoint(), request(), second, buffer);
  b.run_until([&] { return second.done; });
  EXPECT_FALSE(second.error) << second.error.message();
  EXPECT_EQ(second.response.result_int(), 200u);
}

TEST(HttpServerBounds, EventStreamsAreCountedApart) {
  HttpServerConfig config;
  config.max_connections = 1;
  config.max_streams = 2;
  config.max_streams_per_address = 1;
  Bounded b(config);
  EventStreamClient stream(b.io);
  stream.open(b.io, b.http, "");
  ASSERT_EQ(b.http.open_streams(), 1u);
  EXPECT_EQ(b.http.open_connections(), 0u);  // the stream left the request connections
  EXPECT_EQ(b.list_from("127.0.0.1"), 200u);
  // A second stream from the same address is refused; from another, it opens.
  auto again = connect_from(b.io, "127.0.0.1", b.http.local_endpoint());
  asio::write(again->stream,
              asio::buffer(std::string("GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n")));
  again->read();
  b.run_until([&] { return again->received.find("\r\n\r\n") != std::string::npos; });
  EXPECT_EQ(again->received.rfind("HTTP/1.1 503", 0), 0u) << again->received;
  EXPECT_NE(again->received.find("too_many_streams"), std::string::npos);
  EXPECT_EQ(b.http.stats().streams_refused, 1u);
  auto other = connect_from(b.io, "127.0.0.2", b.http.local_endpoint());
  asio::write(other->stream,
              asio::buffer(std::string("GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n")));
  other->read();
  b.run_until([&] { return b.http.open_streams() == 2; });
  EXPECT_EQ(b.http.open_streams(), 2u);
}

TEST(HttpServerBounds, ApiRequestsTakeTheirShareOfTheLoop) {
  // A clock that moves a millisecond each time it is read: every request seems to hold the loop
  // a millisecond, so with a tenth of the loop the next must wait nine.
  for (const double share : {0.1, 1.0}) {
    auto fake = std::make_shared<std::chrono::steady_clock::time_point>();
    HttpServerConfig config;
    config.api_loop_share = share;
    config.clock = [fake] { return *fake += std::chrono::milliseconds(1); };
    Bounded b(config);
    EXPECT_EQ(b.list_from("127.0.0.1"), 200u);
    EXPECT_EQ(b.list_from("127.0.0.2"), 200u);
    if (share < 1)
      EXPECT_GT(b.http.stats().deferred, 0u) << "the second request came too soon";
    else
      EXPECT_EQ(b.http.stats().deferred, 0u);
  }
}

// Writes `bytes` on a new connection (then ends its side when `leave`) and reads until the
// server closes it.
std::string raw_exchange(asio::io_context& io, const tcp::endpoint& to, std::string bytes,
                         bool leave = false) {
  EventStreamClient client(io);
  client.stream.connect(to);
  asio::write(client.stream, asio::buffer(bytes));
  if (leave) client.stream.socket().shutdown(tcp::socket::shutdown_send);
  client.read();
  for (int i = 0; i < 50 && !client.ended; ++i) io.run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(client.ended) << "the server did not close the connection";
  return client.received;
}

TEST_F(HttpOverLoopback, RequestThatIsNotHttpGets400ThenTheConnectionCloses) {
  for (std::string junk : {"NOT HTTP AT ALL\r\n\r\n", "GET /api/clients HTTP/9.9\r\n\r\n",
                           "GET /api/clients HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                           "GET /api/clients HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    const auto received = raw_exchange(io, endpoint, junk);
    EXPECT_EQ(received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << junk << "\n" << received;
    EXPECT_NE(received.find("Connection: close"), std::string::npos) << received;
    EXPECT_NE(received.find("\"code\":\"bad_request\""), std::string::npos) << received;
  }
  EXPECT_EQ(http.stats().bad_requests, 4u);
  EXPECT_EQ(http.stats().requests, 0u);
  // A peer that leaves mid-request gets nothing, and the server carries on.
  EXPECT_EQ(raw_exchange(io, endpoint, "GET /api/cli", true), "");
  Exchange e;
  beast::tcp_stream stream(io);
  exchange(stream, endpoint, get("/api/clients"), e, std::make_shared<beast::flat_buffer>());
  run_until(e);
  EXPECT_EQ(e.response.result_int(), 200u);
}

TEST_F(HttpOverLoopback, CoapLogNeedsAMessageTap) {
  const auto received = raw_exchange(
      io, endpoint, "GET /api/events?endpoint=dev1&coap=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(received.rfind("HTTP/1.1 501 Not Implemented\r\n", 0), 0u) << received;
  EXPECT_EQ(http.open_streams(), 0u);
}

TEST(HttpServerFaults, AnExceptionInTheApiIs500AndALogLineNotTheEnd) {
  // The wall clock is the application's code; here it fails once asked to.
  auto explode = std::make_shared<bool>(false);
  server::ServerConfig config = server::testing::test_config();
  config.wall_clock = [explode]() -> double {
    if (*explode) throw std::runtime_error("clock unavailable");
    return 1.7e9;
  };
  ApiHarness h(config);
  h.register_device();
  h.events.clear();
  asio::io_context io;
  std::vector<std::string> logged;
  HttpServerConfig http_config;
  http_config.log = [&logged](std::string_view line) { logged.emplace_back(line); };
  HttpServer http{io, h.api, {}, http_config};
  ASSERT_FALSE(http.open({asio::ip::make_address("127.0.0.1"), 0}));
  EventStreamClient events(io);
  events.open(io, http, "");
  ASSERT_EQ(http.open_streams(), 1u);
  *explode = true;

  beast::tcp_stream stream(io);
  auto buffer = std::make_shared<beast::flat_buffer>();
  Exchange failed;
  exchange(stream, http.local_endpoint(), HttpOverLoopback::get("/api/clients/dev1"), failed,
           buffer);
  for (int i = 0; i < 50 && !failed.done; ++i) io.run_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(failed.done);
  EXPECT_EQ(failed.response.result_int(), 500u);
  EXPECT_EQ(error_code(Response{500, failed.response.body()}), "internal_error");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("GET /api/clients/dev1"), std::string::npos) << logged[0];
  EXPECT_NE(logged[0].find("clock unavailable"), std::string::npos) << logged[0];

  // An event that cannot be formatted is logged and skipped; the stream stays.
  h.register_device("ep=dev2&lt=60", "</3/0>");
  for (const auto& ev : h.events) http.on_event(ev);
  h.events.clear();
  EXPECT_EQ(logged.size(), 2u);
  EXPECT_EQ(http.open_streams(), 1u);
  EXPECT_EQ(http.stats().internal_errors, 2u);

  // The same connection goes on.
  *explode = false;
  Exchange next;
  exchange(stream, http.local_endpoint(), HttpOverLoopback::get("/api/clients/dev1"), next, buffer);
  for (int i = 0; i < 50 && !next.done; ++i) io.run_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(next.done);
  EXPECT_EQ(next.response.result_int(), 200u);
}

}  // namespace
}  // namespace drover::http::testing
