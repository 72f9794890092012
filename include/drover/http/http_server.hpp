// The HTTP/1.1 server of the API: Boost.Beast sessions on the io_context that runs the LwM2M
// server's DatagramLoop, so that the Api (and through it the Server core) is used from one thread.
//
// Each connection reads one request at a time (keep-alive supported), bounded in header and body
// size and in time: its header must come within header_timeout of the connection or of the
// request's first byte, and a kept-alive connection waits idle_timeout for the next request. The
// Api answers at once or later, when on_event gets the operation's completion. A request that is
// not HTTP gets a 400 and the connection is closed.
//
// So that one address cannot lock the others out, request connections are bounded in total and
// per address, and event streams apart from them (a connection that turns into a stream leaves
// the count of request connections). When the server is full, the connection that has waited
// longest for a request's first byte (a kept-alive one, or a new one that has sent nothing) is
// closed to make room; with none such, or from an address at its own bound, a new connection
// gets a 503 and is closed. And the API's requests together take at most api_loop_share of the
// loop's time: a request after one that held the loop waits its turn (docs/architecture.md). An
// exception out of the Api (a defect: bad input is answered, never thrown) gives a 500 and a log
// line, and the server carries on.
//
// GET /api/events turns a connection into a Server-Sent Events stream (text/event-stream) that
// gets every server event handed to on_event, as the Api formats it, and with coap=1 the message
// log of its endpoint from the MessageLog (set_message_log). Each stream buffers at most
// max_event_buffer_bytes not yet written; a stream whose client reads slower is closed, and `log`
// says so.
//
// Besides the API it serves the static files of a web page (the console, `assets`) to GET and
// HEAD, with ETags and their gzip form; API answers are never cached (Cache-Control: no-store).
// With a token, every API request (/api/..., /metrics) must carry `Authorization: Bearer TOKEN`
// (else 401); the page's files stay public, they hold no data. With a certificate and key
// (use_tls) it speaks HTTPS only.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "drover/http/api.hpp"
#include "drover/http/static_assets.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::http {

class MessageLog;

struct HttpServerConfig {
  // Request connections (event streams not included), in all and from one address.
  std::size_t max_connections = 256;
  std::size_t max_connections_per_address = 32;
  // Event streams, in all and from one address.
  std::size_t max_streams = 64;
  std::size_t max_streams_per_address = 16;
  std::size_t max_header_bytes = 16 * 1024;
  // A request's header must be complete this long after the connection opened or the request's
  // first byte came.
  std::chrono::milliseconds header_timeout{5000};
  // A kept-alive connection with no next request for this long is closed, and so is one that
  // sends no more of a request's body for this long (not while its request waits for a device:
  // the operation's own deadline bounds that).
  std::chrono::seconds idle_timeout{30};
  std::size_t max_event_buffer_bytes = 256 * 1024;  // per event stream
  // The share of the loop's time API requests may take (0.01..1): after a request that held the
  // loop for t, the next one waits t × (1 − share) / share. A page of 1,000 clients holds it
  // about a millisecond, so a script walking the fleet as fast as it can gets about 100 pages a
  // second, and a person at the console notices nothing.
  double api_loop_share = 0.05;
  // A TLS handshake not done in this time closes the connection.
  std::chrono::seconds handshake_timeout{10};
  // The clock that share is measured with (tests); null: the steady clock.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  // Operational messages (a dropped event stream, an internal error); null: not logged.
  std::function<void(std::string_view)> log;
};

// Whether `path` (of a request target, without its query) is the API's rather than the page's:
// /api/... and /metrics.
bool is_api_path(std::string_view path);
// Whether an Authorization header value carries `token` as a Bearer token (compared in constant
// time for tokens of its length).
bool bearer_matches(std::string_view authorization, std::string_view token);

struct HttpServerStats {
  std::uint64_t connections = 0;  // accepted
  std::uint64_t rejected = 0;     // past max_connections or max_connections_per_address
  std::uint64_t evicted = 0;      // idle connections closed to make room for a new one
  std::uint64_t requests = 0;
  std::uint64_t deferred = 0;           // times an API request waited for its share of the loop
  std::uint64_t streams = 0;            // event streams opened
  std::uint64_t streams_dropped = 0;    // closed because their buffer was full
  std::uint64_t streams_refused = 0;    // past max_streams or max_streams_per_address: 503
  std::uint64_t bad_requests = 0;       // not HTTP: answered 400 and closed
  std::uint64_t internal_errors = 0;    // exceptions caught (answered 500 when a request waited)
  std::uint64_t unauthorized = 0;       // API requests without the token: answered 401
  std::uint64_t assets = 0;             // page files answered (200 or 304)
  std::uint64_t handshakes_failed = 0;  // TLS
};

// api.on_event(event, now), guarded: an exception out of it (a defect) is put in `error`, and the
// request waiting for the event's operation, if any, gets a 500.
std::optional<Completion> completion_of(Api& api, const server::ServerEvent& event,
                                        coap::TimePoint now, std::string& error);

class HttpServer {
 public:
  // Runs after every request handled, so that the owner flushes what the Api asked of the core
  // (DatagramLoop::flush_soon). `api` must outlive the server.
  using AfterCall = std::function<void()>;

  HttpServer(boost::asio::io_context& io, Api& api, AfterCall after_call,
             HttpServerConfig config = {});
  // In front of several servers' Apis (ShardRouter): their events come through on_result.
  HttpServer(boost::asio::io_context& io, ApiHandler& handler, AfterCall after_call,
             HttpServerConfig config = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The files of the page served at "/" (none by default); they must outlive the server.
  void set_assets(AssetTable assets);
  // Before open(): the bounds of request connections and the header's deadline (see
  // HttpServerConfig).
  void set_connection_bounds(std::size_t max_connections, std::size_t per_address,
                             std::chrono::milliseconds header_timeout);
  // Non-empty: API requests need "Authorization: Bearer <token>".
  void set_token(std::string token);
  // HTTPS from now on: the certificate chain and private key, PEM files. Before open(); on
  // failure returns why (and nothing changes).
  std::optional<std::string> use_tls(const std::string& certificate_chain_file,
                                     const std::string& private_key_file);
  bool tls() const;
  // Listens and starts accepting. Port 0 lets the OS choose (see local_endpoint).
  std::error_code open(const boost::asio::ip::tcp::endpoint& local);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Stops accepting; open connections end as their peers leave or time out.
  void close();

  // Every event drained from the Server core: answers the requests waiting for it (with the Api
  // the server was made with).
  void on_event(const server::ServerEvent& event);
  // What another thread's Api made of one of its server's events: the completion it gave, and
  // what the event streams show of it without and with names (made only when streams_wanted()
  // says a stream takes it).
  void on_result(const std::optional<Completion>& completion,
                 const std::array<std::optional<StreamEvent>, 2>& shown);
  // Whether an event stream is open that takes events without names ([0]) or with them ([1]);
  // readable from any thread.
  std::array<bool, 2> streams_wanted() const;
  // The source of the coap=1 message log (it must outlive the server); null: streams asking for
  // it are answered 501. The server is the log's sink and watches the endpoints of such streams.
  void set_message_log(MessageLog* log);

  std::size_t open_connections() const;
  std::size_t open_streams() const;
  const HttpServerStats& stats() const;

  struct Impl;  // shared with the sessions and pending handlers (public for the sessions' sake)

 private:
  std::shared_ptr<Impl> impl_;  // shared with the sessions and pending handlers
};

}  // namespace drover::http
