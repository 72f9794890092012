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
#include <optional>

namespace drover::apps {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using client::UpdateResult;

constexpr auto idle_timeout = std::chrono::seconds(30);

// One download: resolve, connect, GET, then the body chunk by chunk into on_data.
class Download : public std::enable_shared_from_this<Download> {
 public:
  Download(asio::io_context& io, std::size_t max_body, HttpDownloader::OnData on_data,
           HttpDownloader::OnEnd on_end)
      : resolver_(io), stream_(io), on_data_(std::move(on_data)), on_end_(std::move(on_end)) {
    parser_.body_limit(max_body);
  }

  void start(const std::string& host, const std::string& port, std::string target) {
    request_ = {http::verb::get, std::move(target), 11};
    request_.set(http::field::host, host);
    request_.set(http::field::user_agent, "drover-client");
    resolver_.async_resolve(host, port, [self = shared_from_this()](auto ec, auto results) {
      if (ec) return self->end(UpdateResult::InvalidUri);
      self->stream_.expires_after(idle_timeout);
      self->stream_.async_connect(results, [self](auto connect_ec, auto) {
        if (connect_ec) return self->end(UpdateResult::ConnectionLost);
        self->send();
      });
    });
  }

 private:
  void send() {
    stream_.expires_after(idle_timeout);
    http::async_write(stream_, request_, [self = shared_from_this()](auto ec, std::size_t) {
      if (ec) return self->end(UpdateResult::ConnectionLost);
      self->stream_.expires_after(idle_timeout);
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
    stream_.expires_after(idle_timeout);
    http::async_read(stream_, buffer_, parser_, [self = shared_from_this()](auto ec, std::size_t) {
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
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::buffer_body> parser_;
  std::array<std::uint8_t, 4096> chunk_{};
  HttpDownloader::OnData on_data_;
  HttpDownloader::OnEnd on_end_;
};

}  // namespace

void HttpDownloader::fetch(const std::string& url, std::size_t max_body, OnData on_data,
                           OnEnd on_end) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
    asio::post(io_, [on_end = std::move(on_end)] { on_end(UpdateResult::InvalidUri); });
    return;
  }
  std::string target = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  auto download = std::make_shared<Download>(io_, max_body, std::move(on_data), std::move(on_end));
  download->start(parsed->host_address(), parsed->has_port() ? std::string(parsed->port()) : "80",
                  std::move(target));
}

}  // namespace drover::apps
