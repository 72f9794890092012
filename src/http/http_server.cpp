#include "drover/http/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "drover/http/message_log.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace drover::http {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

// What the server's tables hold of a session, whichever its stream (TCP, or TLS over TCP).
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Queues an event frame on a stream; false when its buffer is full (the caller drops it).
  virtual bool push(std::string_view frame) = 0;
  virtual std::size_t buffered() const = 0;
  virtual std::string peer() const = 0;
  // Leaves the server's stream table and closes the connection.
  virtual void end_stream() = 0;
  // Closes a connection waiting for a request's first byte, to make room for a new one; it stops
  // counting at once.
  virtual void evict() = 0;
  virtual void answer(const Response& r) = 0;

  // Whether this stream takes an event of this type and endpoint.
  bool takes(std::string_view type, std::string_view endpoint) const {
    const auto& s = subscribe_;
    const auto listed = [](const std::vector<std::string>& list, std::string_view item) {
      return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
    };
    if (type == "coap" && !s.coap) return false;
    return listed(s.types, type) && listed(s.endpoints, endpoint);
  }
  bool wants_names() const { return subscribe_.names; }

 protected:
  Subscribe subscribe_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, ApiHandler& h, Api* a, AfterCall after, HttpServerConfig c)
      : io(io_context),
        acceptor(io_context),
        handler(h),
        api(a),
        after_call(std::move(after)),
        config(c) {}

  void accept();
  // Whether a new connection from `address` may open, once room is made (evicting an idle one).
  bool admit(const asio::ip::address& address);
  // Pushes to every stream `frame_for` gives a frame (non-null); ends those whose buffer is full.
  void deliver(const std::function<const std::string*(const SessionBase&)>& frame_for);
  // A server event to the streams that take it; `format(names)` makes what they show of it.
  void publish(const std::function<std::optional<StreamEvent>(bool names)>& format);
  // The request waiting for this operation gets its answer.
  void complete(const Completion& completion);
  // After a stream opened or closed: what streams_wanted() says.
  void streams_changed();
  // A datagram of the message log to the coap=1 streams of its endpoint.
  void publish_message(const StreamEvent& event);
  // Logs an exception caught from the Api (`what` happened when it was thrown).
  void internal_error(std::string_view what, std::string_view reason);

  asio::io_context& io;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> tls;  // HTTPS when set
  AssetTable assets;
  std::string token;
  ApiHandler& handler;
  Api* api;  // when the handler is one Api
  AfterCall after_call;
  HttpServerConfig config;
  HttpServerStats stats;
  // Open request connections, in all and by address; event streams by address.
  std::size_t connections = 0;
  std::unordered_map<asio::ip::address, std::size_t> connections_from;
  std::unordered_map<asio::ip::address, std::size_t> streams_from;
  // Connections waiting for a request's first byte, oldest first: those closed to make room.
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> idle;
  std::uint64_t next_idle = 0;
  // The API's share of the loop: when the next API request may run.
  Clock::time_point api_free_at{};
  Clock::time_point api_now() const { return config.clock ? config.clock() : Clock::now(); }
  bool closed = false;  // the HttpServer is gone: sessions stop using the Api
  // Requests waiting for an operation's completion: this keeps their sessions alive (bounded by
  // ApiConfig::max_pending, each ended by its operation's deadline).
  std::unordered_map<server::OperationId, std::shared_ptr<SessionBase>> waiting;
  // Open event streams (bounded by max_connections), by a number of their own.
  std::unordered_map<std::uint64_t, std::shared_ptr<SessionBase>> streams;
  std::uint64_t next_stream = 0;
  std::array<std::atomic<bool>, 2> wanted{};  // [names]: a stream takes events without / with names
  MessageLog* message_log = nullptr;
};

namespace {

using PlainStream = beast::tcp_stream;
using AddressCounts = std::unordered_map<asio::ip::address, std::size_t>;

std::size_t count_of(const AddressCounts& counts, const asio::ip::address& address) {
  const auto it = counts.find(address);
  return it == counts.end() ? 0 : it->second;
}
void uncount(AddressCounts& counts, const asio::ip::address& address) {
  const auto it = counts.find(address);
  if (it != counts.end() && --it->second == 0) counts.erase(it);
}

// A 503 written without waiting (best effort: the peer learns why), then the close.
void refuse(tcp::socket& socket, std::string_view message) {
  const auto body = error_response(503, "too_many_connections", message).body;
  const std::string text =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(text), ignored);
  socket.close(ignored);
}
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Headers on every answer: no sniffing of content types, no framing, no referrer, and a page that
// loads nothing but its own files and talks only to its own server.
template <class Message>
void common_headers(Message& m) {
  m.set(bhttp::field::server, "drover");
  m.set("X-Content-Type-Options", "nosniff");
  m.set("X-Frame-Options", "DENY");
  m.set("Referrer-Policy", "no-referrer");
  m.set("Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

bhttp::response<bhttp::string_body> to_http(const Response& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  common_headers(res);
  res.set(bhttp::field::content_type, r.content_type);
  res.set(bhttp::field::cache_control, "no-store");
  if (!r.content_range.empty()) res.set(bhttp::field::content_range, r.content_range);
  if (r.accept_ranges) res.set(bhttp::field::accept_ranges, "bytes");
  if (r.status == 401) res.set(bhttp::field::www_authenticate, "Bearer realm=\"drover\"");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

bhttp::response<bhttp::string_body> to_http(const AssetAnswer& a, unsigned version,
                                            bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(a.status), version};
  common_headers(res);
  res.set(bhttp::field::etag, a.etag);
  res.set(bhttp::field::cache_control, "no-cache");
  res.set(bhttp::field::vary, "Accept-Encoding");
  res.keep_alive(keep_alive);
  if (a.status == 304) return res;
  res.set(bhttp::field::content_type, a.asset->content_type);
  if (a.gzip) res.set(bhttp::field::content_encoding, "gzip");
  const auto size = a.gzip ? a.asset->gzip.size() : a.asset->identity.size();
  res.body().assign(a.body.begin(), a.body.end());
  res.content_length(size);  // a HEAD's too, with no body
  return res;
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.size()));
}

template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(Stream stream, std::shared_ptr<HttpServer::Impl> server, asio::ip::address address)
      : stream_(std::move(stream)), server_(std::move(server)), address_(address) {
    ++server_->connections;
    ++server_->connections_from[address_];
  }
  ~Session() override {
    leave_idle();
    release();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    if constexpr (kTls) {
      lowest().expires_after(server_->config.handshake_timeout);
      stream_.async_handshake(boost::asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) {
                                  ++self->server_->stats.handshakes_failed;
                                  return self->close();
                                }
                                self->read();
                              });
    } else {
      read();
    }
  }

  bool push(std::string_view frame) override {
    if (!events_->push(frame)) return false;
    if (!writing_) write_events();
    return true;
  }
  std::size_t buffered() const override { return events_->size(); }
  std::string peer() const override {
    beast::error_code ec;
    const auto remote = lowest().socket().remote_endpoint(ec);
    return ec ? std::string("?")
              : remote.address().to_string() + ":" + std::to_string(remote.port());
  }

  void end_stream() override {
    if (!stream_id_) return;
    auto self = this->shared_from_this();  // the table may hold the last reference
    server_->streams.erase(*stream_id_);
    uncount(server_->streams_from, address_);
    server_->streams_changed();
    stream_id_.reset();
    if (subscribe_.coap && server_->message_log) server_->message_log->unwatch(subscribe_.endpoint);
    close();
  }

  void answer(const Response& r) override { send(to_http(r, version_, keep_alive_)); }

  void evict() override {
    leave_idle();
    release();
    close();
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const beast::tcp_stream& lowest() const { return beast::get_lowest_layer(stream_); }

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->handler.max_body_bytes());
    parser_->header_limit(static_cast<std::uint32_t>(server_->config.max_header_bytes));
    if (buffer_.size() > 0) return read_header();  // the next request came with the last one
    // Waiting for a request's first byte: a new connection has header_timeout to send it, a
    // kept-alive one idle_timeout. Either is closed first when the server is full.
    const auto& config = server_->config;
    if (served_)
      lowest().expires_after(config.idle_timeout);
    else
      lowest().expires_after(config.header_timeout);
    enter_idle();
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->leave_idle();
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_header();
                            });
  }

  void read_header() {
    lowest().expires_after(server_->config.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) return self->on_read(ec);
                               self->lowest().expires_after(self->server_->config.idle_timeout);
                               bhttp::async_read(
                                   self->stream_, self->buffer_, *self->parser_,
                                   [self](beast::error_code e, std::size_t) { self->on_read(e); });
                             });
  }

  void enter_idle() {
    idle_key_ = server_->next_idle++;
    server_->idle[*idle_key_] = this->weak_from_this();
  }
  void leave_idle() {
    if (!idle_key_) return;
    server_->idle.erase(*idle_key_);
    idle_key_.reset();
  }
  // No longer a request connection (a stream now, evicted, or gone).
  void release() {
    if (!counted_) return;
    counted_ = false;
    --server_->connections;
    uncount(server_->connections_from, address_);
  }

  void send(bhttp::response<bhttp::string_body> response) {
    response_ = std::move(response);
    lowest().expires_after(server_->config.idle_timeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return answer(ec == bhttp::error::body_limit
                        ? error_response(413, "body_too_large", "the body is too large")
                        : error_response(431, "header_too_large", "the header is too large"));
    }
    // Not HTTP (a bad start line, header or chunk): say so, then close. A peer that left or went
    // quiet mid-request (end of stream, partial message, timeout) gets nothing.
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
        !server_->closed) {
      ++server_->stats.bad_requests;
      keep_alive_ = false;
      return answer(error_response(400, "bad_request", "not an HTTP/1.1 request: " + ec.message()));
    }
    if (ec) return close();
    if (server_->closed) return close();
    const auto& req = parser_->get();
    served_ = true;
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    ++server_->stats.requests;
    const auto path = path_of(req.target());
    const auto& server = *server_;
    if (!server.token.empty() && is_api_path(path) &&
        !bearer_matches(req[bhttp::field::authorization], server.token)) {
      ++server_->stats.unauthorized;
      return answer(error_response(
          401, "unauthorized", "this API needs the server's token: Authorization: Bearer TOKEN"));
    }
    if (!is_api_path(path)) {
      if (auto asset =
              server.assets.answer(req.method_string(), path, req[bhttp::field::if_none_match],
                                   req[bhttp::field::accept_encoding])) {
        ++server_->stats.assets;
        return send(to_http(*asset, version_, keep_alive_));
      }
    }
    handle_request();
  }

  // API requests share the loop with the devices: after one that held it for t, the next (from
  // any connection) waits t × (1 − share) / share, so that a script asking as fast as it can
  // takes at most api_loop_share of the loop.
  void handle_request() {
    auto& server = *server_;
    const auto started = server.api_now();
    if (started < server.api_free_at) {
      ++server.stats.deferred;
      if (!wait_) wait_.emplace(stream_.get_executor());
      wait_->expires_after(server.api_free_at - started);
      wait_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->server_->closed) return self->close();
        self->handle_request();
      });
      return;
    }
    const auto& req = parser_->get();
    Reply reply;
    try {
      reply = server.handler.handle(
          {req.method_string(), req.target(), req.body(), req[bhttp::field::range]},
          transport::DatagramLoop::now());
    } catch (const std::exception& e) {
      server_->internal_error(std::string(req.method_string()) + " " + std::string(req.target()),
                              e.what());
      reply = error_response(500, "internal_error", "the server failed to handle the request");
    }
    const auto ended = server.api_now();
    const double share = std::clamp(server.config.api_loop_share, 0.01, 1.0);
    server.api_free_at = ended + std::chrono::duration_cast<Clock::duration>((ended - started) *
                                                                             ((1 - share) / share));
    if (server_->after_call) server_->after_call();
    if (auto* subscribe = std::get_if<Subscribe>(&reply)) return start_stream(*subscribe);
    if (auto* pending = std::get_if<Pending>(&reply)) {
      // The device's answer (or its deadline) ends the wait, not the idle timer.
      lowest().expires_never();
      server_->waiting[pending->id] = this->shared_from_this();
      return;
    }
    answer(std::get<Response>(reply));
  }

  void start_stream(const Subscribe& subscribe) {
    if (subscribe.coap && !server_->message_log)
      return answer(error_response(501, "no_message_log", "this server has no CoAP message log"));
    const auto& config = server_->config;
    if (server_->streams.size() >= config.max_streams ||
        count_of(server_->streams_from, address_) >= config.max_streams_per_address) {
      ++server_->stats.streams_refused;
      return answer(error_response(503, "too_many_streams",
                                   "too many event streams, from this address or in all"));
    }
    release();  // counted as a stream from now on
    ++server_->streams_from[address_];
    subscribe_ = subscribe;
    if (subscribe_.coap) server_->message_log->watch(subscribe_.endpoint);
    events_.emplace(server_->config.max_event_buffer_bytes);
    stream_id_ = server_->next_stream++;
    server_->streams[*stream_id_] = this->shared_from_this();
    server_->streams_changed();
    ++server_->stats.streams;
    lowest().expires_never();  // events come when they come
    // The header goes out with the first write; a comment line flushes it at once.
    out_ =
        "HTTP/1.1 200 OK\r\nServer: drover\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
        "Connection: keep-alive\r\n\r\n: drover events\n\n";
    write(std::move(out_));
    watch_peer();
  }

  // A stream's client sends nothing more; a read ending (close or error) ends the stream.
  void watch_peer() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->end_stream();
                              self->watch_peer();
                            });
  }

  void write_events() { write(events_->take()); }

  void write(std::string bytes) {
    writing_ = true;
    out_ = std::move(bytes);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->end_stream();
                        if (!self->events_->empty()) self->write_events();
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec || !keep_alive_) return close();
    read();
  }

  // TLS included: the TCP connection is closed without a close_notify, which HTTP/1.1 framing
  // (Content-Length, or the end of an event stream) makes safe.
  void close() {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close();
  }

  static constexpr std::size_t kFirstRead = 4096;

  Stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  asio::ip::address address_;  // of the peer
  bool counted_ = true;        // as a request connection
  bool served_ = false;        // a request was read: the connection is kept alive after it
  std::optional<std::uint64_t> idle_key_;   // in the server's idle table
  std::optional<asio::steady_timer> wait_;  // for the API's turn
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  // Event stream state.
  std::optional<std::uint64_t> stream_id_;
  std::optional<EventBuffer> events_;
  std::string out_;  // being written
  bool writing_ = false;
  std::array<char, 256> discard_{};
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->closed || !self->acceptor.is_open()) return;
    beast::error_code peer_error;
    const auto address = socket.remote_endpoint(peer_error).address();
    if (!ec && !peer_error) {
      ++self->stats.connections;
      if (!self->admit(address)) {
        ++self->stats.rejected;
        refuse(socket,
               count_of(self->connections_from, address) >= self->config.max_connections_per_address
                   ? "too many connections from this address"
                   : "too many connections");
      } else if (self->tls) {
        // Sessions keep the Impl alive through their shared_ptr.
        std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *self->tls), self,
                                             address)
            ->start();
      } else {
        std::make_shared<Session<PlainStream>>(PlainStream(std::move(socket)), self, address)
            ->start();
      }
    }
    self->accept();
  });
}

bool HttpServer::Impl::admit(const asio::ip::address& address) {
  if (count_of(connections_from, address) >= config.max_connections_per_address) return false;
  if (connections < config.max_connections) return true;
  // Full: the connection that has waited longest for a request makes room.
  for (auto it = idle.begin(); it != idle.end(); it = idle.erase(it)) {
    if (auto session = it->second.lock()) {
      ++stats.evicted;
      session->evict();  // leaves the table
      return true;
    }
  }
  return false;
}

HttpServer::HttpServer(asio::io_context& io, Api& api, AfterCall after_call,
                       HttpServerConfig config)
    : impl_(std::make_shared<Impl>(io, api, &api, std::move(after_call), config)) {}

HttpServer::HttpServer(asio::io_context& io, ApiHandler& handler, AfterCall after_call,
                       HttpServerConfig config)
    : impl_(std::make_shared<Impl>(io, handler, nullptr, std::move(after_call), config)) {}

HttpServer::~HttpServer() {
  close();
  set_message_log(nullptr);
}

std::optional<std::string> HttpServer::use_tls(const std::string& certificate_chain_file,
                                               const std::string& private_key_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(certificate_chain_file, ec);
  if (ec) return "certificate " + certificate_chain_file + ": " + ec.message();
  context->use_private_key_file(private_key_file, asio::ssl::context::pem, ec);
  if (ec) return "private key " + private_key_file + ": " + ec.message();
  impl_->tls = std::move(context);
  return std::nullopt;
}

bool HttpServer::tls() const {
  return impl_->tls != nullptr;
}

void HttpServer::set_assets(AssetTable assets) {
  impl_->assets = assets;
}

void HttpServer::set_connection_bounds(std::size_t max_connections, std::size_t per_address,
                                       std::chrono::milliseconds header_timeout) {
  auto& config = impl_->config;
  config.max_connections = max_connections;
  config.max_connections_per_address = per_address;
  config.header_timeout = header_timeout;
}

void HttpServer::set_token(std::string token) {
  impl_->token = std::move(token);
}

bool is_api_path(std::string_view path) {
  return path == "/metrics" || path == "/api" || path.starts_with("/api/");
}

bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view scheme = "Bearer ";
  if (token.empty() || authorization.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)  // the scheme is case-insensitive
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return false;
  const auto given = authorization.substr(scheme.size());
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < token.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

std::error_code HttpServer::open(const tcp::endpoint& local) {
  beast::error_code ec;
  auto& a = impl_->acceptor;
  a.open(local.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(local, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    a.close(ignored);
    return ec;
  }
  impl_->closed = false;
  impl_->accept();
  return {};
}

tcp::endpoint HttpServer::local_endpoint() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec);
}

void HttpServer::close() {
  impl_->closed = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->waiting.clear();
  auto streams = std::move(impl_->streams);
  impl_->streams.clear();
  impl_->streams_changed();
  for (auto& [id, session] : streams) session->end_stream();
}

void HttpServer::Impl::deliver(
    const std::function<const std::string*(const SessionBase&)>& frame_for) {
  std::vector<std::shared_ptr<SessionBase>> full;
  for (auto& [id, session] : streams) {
    const std::string* frame = frame_for(*session);
    if (frame && !session->push(*frame)) full.push_back(session);
  }
  for (auto& session : full) {
    ++stats.streams_dropped;
    if (config.log)
      config.log("event stream to " + session->peer() +
                 " closed: " + std::to_string(session->buffered()) +
                 " bytes of events not yet read, the buffer is full (the client reads too "
                 "slowly)");
    session->end_stream();
  }
}

void HttpServer::Impl::publish(
    const std::function<std::optional<StreamEvent>(bool names)>& format) {
  // Formatted at most twice, with and without names, and only for the streams that take it.
  struct Variant {
    bool made = false;
    std::optional<StreamEvent> event;
    std::string frame;
  };
  std::array<Variant, 2> variants;
  deliver([&](const SessionBase& s) -> const std::string* {
    auto& v = variants[s.wants_names() ? 1 : 0];
    if (!v.made) {
      v.made = true;
      v.event = format(s.wants_names());
      if (v.event) v.frame = sse_frame(*v.event);
    }
    if (!v.event) return nullptr;
    return s.takes(v.event->type, v.event->endpoint) ? &v.frame : nullptr;
  });
}

void HttpServer::Impl::complete(const Completion& completion) {
  auto it = waiting.find(completion.id);
  if (it == waiting.end()) return;
  auto session = std::move(it->second);
  waiting.erase(it);
  session->answer(completion.response);
}

void HttpServer::Impl::streams_changed() {
  std::array<bool, 2> any{};
  for (const auto& [id, session] : streams) any[session->wants_names() ? 1 : 0] = true;
  for (std::size_t i = 0; i < any.size(); ++i) wanted[i].store(any[i], std::memory_order_relaxed);
}

void HttpServer::Impl::publish_message(const StreamEvent& event) {
  const std::string frame = sse_frame(event);
  deliver([&](const SessionBase& s) -> const std::string* {
    return s.takes(event.type, event.endpoint) ? &frame : nullptr;
  });
}

void HttpServer::Impl::internal_error(std::string_view what, std::string_view reason) {
  ++stats.internal_errors;
  if (config.log)
    config.log("internal error in the HTTP API (" + std::string(what) +
               "): " + std::string(reason));
}

std::optional<Completion> completion_of(Api& api, const server::ServerEvent& event,
                                        coap::TimePoint now, std::string& error) {
  try {
    return api.on_event(event, now);
  } catch (const std::exception& e) {
    error = e.what();
    // A request waiting for this operation still gets an answer.
    if (const auto* done = std::get_if<server::OperationCompleted>(&event))
      return Completion{
          done->id, error_response(500, "internal_error", "the server failed to give the result")};
    return std::nullopt;
  }
}

void HttpServer::on_event(const server::ServerEvent& event) {
  auto& d = *impl_;
  const auto now = transport::DatagramLoop::now();
  std::string error;
  const auto completion = completion_of(*d.api, event, now, error);
  if (!error.empty()) d.internal_error("server event", error);
  if (!d.streams.empty()) {
    try {
      d.publish([&](bool names) { return d.api->stream_event(event, completion, now, names); });
    } catch (const std::exception& e) {
      d.internal_error("event stream", e.what());
    }
  }
  if (completion) d.complete(*completion);
}

void HttpServer::on_result(const std::optional<Completion>& completion,
                           const std::array<std::optional<StreamEvent>, 2>& shown) {
  auto& d = *impl_;
  if (!d.streams.empty() && (shown[0] || shown[1])) {
    try {
      d.publish([&](bool names) { return shown[names ? 1 : 0]; });
    } catch (const std::exception& e) {
      d.internal_error("event stream", e.what());
    }
  }
  if (completion) d.complete(*completion);
}

std::array<bool, 2> HttpServer::streams_wanted() const {
  return {impl_->wanted[0].load(std::memory_order_relaxed),
          impl_->wanted[1].load(std::memory_order_relaxed)};
}

void HttpServer::set_message_log(MessageLog* log) {
  if (impl_->message_log) impl_->message_log->set_sink({});
  impl_->message_log = log;
  if (!log) return;
  // Called from inside the transport's drain, where nothing may throw.
  log->set_sink([weak = std::weak_ptr<Impl>(impl_)](const StreamEvent& event) {
    auto impl = weak.lock();
    if (!impl) return;
    try {
      impl->publish_message(event);
    } catch (const std::exception& e) {
      impl->internal_error("message log", e.what());
    }
  });
}

std::size_t HttpServer::open_connections() const {
  return impl_->connections;
}
std::size_t HttpServer::open_streams() const {
  return impl_->streams.size();
}
const HttpServerStats& HttpServer::stats() const {
  return impl_->stats;
}

}  // namespace drover::http
