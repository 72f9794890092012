#include "http_download.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <memory>
#include <type_traits>

#include "http_client_tls.hpp"

namespace drover::apps {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using client::UpdateResult;

constexpr auto idle_timeout = std::chrono::seconds(30);

// One download over a TCP or TLS stream: resolve, connect (and handshake), GET, then the body
// chunk by chunk into on_data.
template <typename Stream>
class Download : public std::enable_shared_from_this<Download<Stream>> {
 public:
  template <typename... StreamArgs>
  Download(asio::io_context& io, std::size_t max_body, HttpDownloader::OnData on_data,
           HttpDownloader::OnEnd on_end, StreamArgs&&... stream_args)
      : resolver_(io),
        stream_(std::forward<StreamArgs>(stream_args)...),
        on_data_(std::move(on_data)),
        on_end_(std::move(on_end)) {
    parser_.body_limit(max_body);
  }

  void start(const std::string& host, const std::string& port, std::string target) {
    request_ = {http::verb::get, std::move(target), 11};
    request_.set(http::field::host, host);
    request_.set(http::field::user_agent, "drover-client");
    if constexpr (std::is_same_v<Stream, TlsStream>)
      if (!expect_host(stream_, host)) return end(UpdateResult::InvalidUri);
    resolver_.async_resolve(host, port, [self = this->shared_from_this()](auto ec, auto results) {
      if (ec) return self->end(UpdateResult::InvalidUri);
      self->tcp().expires_after(idle_timeout);
      self->tcp().async_connect(results, [self](auto connect_ec, auto) {
        if (connect_ec) return self->end(UpdateResult::ConnectionLost);
        self->handshake();
      });
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      tcp().expires_after(idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [self = this->shared_from_this()](auto ec) {
                                if (ec) return self->end(UpdateResult::ConnectionLost);
                                self->send();
                              });
    } else {
      send();
    }
  }

  void send() {
    tcp().expires_after(idle_timeout);
    http::async_write(stream_, request_, [self = this->shared_from_this()](auto ec, std::size_t) {
      if (ec) return self->end(UpdateResult::ConnectionLost);
      self->tcp().expires_after(idle_timeout);
      http::async_read_header(self->stream_, self->buffer_, self->parser_,
                              [self](auto header_ec, std::size_t) {
                                if (header_ec) return self->end(UpdateResult::ConnectionLost);
                                const auto status = self->parser_.get().result();
                                if (status == http::status::not_found)
                                  return self->end(UpdateResult::InvalidUri);
                                if (status != http::status::ok)
                                  return self->end(UpdateResult::ConnectionLost);
                                self->read_body();
                              });
    });
  }

  void read_body() {
    if (parser_.is_done()) return end(UpdateResult::Initial);
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    tcp().expires_after(idle_timeout);
    http::async_read(
        stream_, buffer_, parser_, [self = this->shared_from_this()](auto ec, std::size_t) {
          const std::size_t got = self->chunk_.size() - self->parser_.get().body().size;
          if (ec && ec != http::error::need_buffer) return self->end(UpdateResult::ConnectionLost);
          if (got > 0 && !self->on_data_(std::span(self->chunk_).first(got))) return self->close();
          self->read_body();
        });
  }

  void end(UpdateResult result) {
    close();
    on_end_(result);
  }
  void close() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  tcp::resolver resolver_;
  Stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::buffer_body> parser_;
  std::array<std::uint8_t, 4096> chunk_{};
  HttpDownloader::OnData on_data_;
  HttpDownloader::OnEnd on_end_;
};

}  // namespace

HttpDownloader::HttpDownloader(asio::io_context& io, const std::string& ca_file)
    : io_(io), tls_(client_tls_context(ca_file)) {}

HttpDownloader::~HttpDownloader() = default;

void HttpDownloader::fetch(const std::string& url, std::size_t max_body, OnData on_data,
                           OnEnd on_end) {
  const auto parsed = boost::urls::parse_uri(url);
  const bool tls = parsed && parsed->scheme() == "https";
  if (!parsed || (!tls && parsed->scheme() != "http") || parsed->host().empty()) {
    asio::post(io_, [on_end = std::move(on_end)] { on_end(UpdateResult::InvalidUri); });
    return;
  }
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  const std::string host = parsed->host_address();
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : tls ? "443" : "80";
  if (tls) {
    std::make_shared<Download<TlsStream>>(io_, max_body, std::move(on_data), std::move(on_end), io_,
                                          *tls_)
        ->start(host, port, std::move(target));
  } else {
    std::make_shared<Download<beast::tcp_stream>>(io_, max_body, std::move(on_data),
                                                  std::move(on_end), io_)
        ->start(host, port, std::move(target));
  }
}

}  // namespace drover::apps
