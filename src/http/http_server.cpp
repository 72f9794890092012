#include "drover/http/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <unordered_map>

#include "drover/transport/datagram_loop.hpp"

namespace drover::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session;

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Api& a, AfterCall after, HttpServerConfig c)
      : io(io_context), acceptor(io_context), api(a), after_call(std::move(after)), config(c) {}

  void accept();

  asio::io_context& io;
  tcp::acceptor acceptor;
  Api& api;
  AfterCall after_call;
  HttpServerConfig config;
  HttpServerStats stats;
  std::size_t connections = 0;
  bool closed = false;  // the HttpServer is gone: sessions stop using the Api
  // Requests waiting for an operation's completion: this keeps their sessions alive (bounded by
  // ApiConfig::max_pending, each ended by its operation's deadline).
  std::unordered_map<server::OperationId, std::shared_ptr<Session>> waiting;
};

namespace {

bhttp::response<bhttp::string_body> to_http(const Response& r, unsigned version,
                                            bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "drover");
  res.set(bhttp::field::content_type, "application/json");
  res.set(bhttp::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    ++server_->connections;
  }
  ~Session() { --server_->connections; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void read() {
    parser_.emplace();
    parser_->body_limit(server_->api.config().max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->config.max_header_bytes));
    stream_.expires_after(server_->config.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void answer(const Response& r) {
    response_ = to_http(r, version_, keep_alive_);
    stream_.expires_after(server_->config.idle_timeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         self->on_write(ec);
                       });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return answer(ec == bhttp::error::body_limit
                        ? error_response(413, "body_too_large", "the body is too large")
                        : error_response(431, "header_too_large", "the header is too large"));
    }
    if (ec == bhttp::error::end_of_stream || ec) return close();
    if (server_->closed) return close();
    const auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    ++server_->stats.requests;
    auto reply = server_->api.handle({req.method_string(), req.target(), req.body()},
                                     transport::DatagramLoop::now());
    if (server_->after_call) server_->after_call();
    if (auto* pending = std::get_if<Pending>(&reply)) {
      // The device's answer (or its deadline) ends the wait, not the idle timer.
      stream_.expires_never();
      server_->waiting[pending->id] = shared_from_this();
      return;
    }
    answer(std::get<Response>(reply));
  }

  void on_write(beast::error_code ec) {
    if (ec || !keep_alive_) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || self->closed || !self->acceptor.is_open()) return;
    if (!ec) {
      ++self->stats.connections;
      if (self->connections >= self->config.max_connections) {
        ++self->stats.rejected;
        // Best effort, without waiting: the peer learns why before the close.
        const std::string text =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: ";
        const auto body = error_response(503, "too_many_connections", "too many connections").body;
        const std::string message = text + std::to_string(body.size()) + "\r\n\r\n" + body;
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(message), ignored);
        socket.close(ignored);
      } else {
        // Sessions keep the Impl alive through their shared_ptr.
        std::make_shared<Session>(std::move(socket), self)->read();
      }
    }
    self->accept();
  });
}

HttpServer::HttpServer(asio::io_context& io, Api& api, AfterCall after_call,
                       HttpServerConfig config)
    : impl_(std::make_shared<Impl>(io, api, std::move(after_call), config)) {}

HttpServer::~HttpServer() { close(); }

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
}

void HttpServer::on_event(const server::ServerEvent& event) {
  auto completion = impl_->api.on_event(event);
  if (!completion) return;
  auto it = impl_->waiting.find(completion->id);
  if (it == impl_->waiting.end()) return;
  auto session = std::move(it->second);
  impl_->waiting.erase(it);
  session->answer(completion->response);
}

std::size_t HttpServer::open_connections() const { return impl_->connections; }
const HttpServerStats& HttpServer::stats() const { return impl_->stats; }

}  // namespace drover::http
