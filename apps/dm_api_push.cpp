#include "dm_api_push.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <chrono>
#include <functional>
#include <type_traits>

#include "bootstrap_credentials.hpp"
#include "drover/log/log.hpp"
#include "drover/util/hex.hpp"
#include "http_client_tls.hpp"

namespace drover::apps {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using log::Component;

constexpr auto exchange_timeout = std::chrono::seconds(10);
constexpr std::size_t max_answer = 64 * 1024;

// One PUT on a connection of its own (TCP, or TLS over it): resolve, connect (and handshake),
// write, read the answer. `done` gets the status (0 when there was none) and the answer's body,
// or what went wrong.
template <typename Stream>
class Exchange : public std::enable_shared_from_this<Exchange<Stream>> {
 public:
  using Done = std::function<void(unsigned status, std::string what)>;
  template <typename... StreamArgs>
  Exchange(asio::io_context& io, bhttp::request<bhttp::string_body> request, Done done,
           StreamArgs&&... stream_args)
      : resolver_(io),
        stream_(std::forward<StreamArgs>(stream_args)...),
        request_(std::move(request)),
        done_(std::move(done)) {
    parser_.body_limit(max_answer);
  }

  void start(const std::string& host, const std::string& port) {
    if constexpr (std::is_same_v<Stream, TlsStream>)
      if (!expect_host(stream_, host)) return end(0, "cannot name " + host + " in TLS");
    resolver_.async_resolve(host, port, [self = this->shared_from_this()](auto ec, auto results) {
      if (ec) return self->end(0, "cannot resolve: " + ec.message());
      self->tcp().expires_after(exchange_timeout);
      self->tcp().async_connect(results, [self](auto connect_ec, auto) {
        if (connect_ec) return self->end(0, "cannot connect: " + connect_ec.message());
        self->handshake();
      });
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [self = this->shared_from_this()](auto ec) {
                                if (ec) return self->end(0, "TLS: " + ec.message());
                                self->send();
                              });
    } else {
      send();
    }
  }

  void send() {
    bhttp::async_write(stream_, request_, [self = this->shared_from_this()](auto ec, std::size_t) {
      if (ec) return self->end(0, "cannot send: " + ec.message());
      bhttp::async_read(self->stream_, self->buffer_, self->parser_,
                        [self](auto read_ec, std::size_t) {
                          if (read_ec) return self->end(0, "no answer: " + read_ec.message());
                          const auto& answer = self->parser_.get();
                          self->end(answer.result_int(), answer.body());
                        });
    });
  }

  void end(unsigned status, std::string what) {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
    done_(status, std::move(what));
  }

  tcp::resolver resolver_;
  Stream stream_;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response_parser<bhttp::string_body> parser_;
  Done done_;
};

}  // namespace

std::string credentials_body(const std::vector<dtls::BoundCredential>& credentials) {
  json::array list;
  for (const auto& c : credentials) {
    json::object o;
    if (c.kind == dtls::CredentialKind::Psk) {
      o["type"] = "psk";
      o["identity"] = c.name;
      o["key"] = to_hex(c.key);
    } else {
      o["type"] = "rpk";
      o["key_name"] = c.name;
    }
    list.push_back(std::move(o));
  }
  json::object body;
  body["source"] = "bootstrap";
  body["credentials"] = std::move(list);
  return json::serialize(body);
}

std::optional<std::string> DmApiPush::check_url(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty())
    return "--dm-api: not an http:// or https:// URL with a host: " + url;
  return std::nullopt;
}

DmApiPush::DmApiPush(asio::io_context& io, DmApiOptions options)
    : io_(io), options_(std::move(options)) {
  const auto parsed = boost::urls::parse_uri(options_.url);  // check_url() took it
  host_ = parsed->host_address();
  const bool https = parsed->scheme() == "https";
  if (https) tls_ = client_tls_context(options_.ca_file);
  port_ = parsed->has_port() ? std::string(parsed->port()) : https ? "443" : "80";
  host_field_ = std::string(parsed->encoded_host_and_port());
  path_ = std::string(parsed->encoded_path());
  while (!path_.empty() && path_.back() == '/') path_.pop_back();
}

DmApiPush::~DmApiPush() = default;

void DmApiPush::push(const std::string& endpoint, const bootstrap::BootstrapConfig& config) {
  const auto credentials = server_credentials(config, [this](std::string_view uri) {
    return std::any_of(options_.uris.begin(), options_.uris.end(),
                       [uri](const std::string& dm) { return same_server(uri, dm); });
  });
  if (credentials.empty()) return;
  Pending pending{endpoint, credentials_body(credentials), credential_names(credentials)};
  // The exchange under way is the queue's front: only one still waiting is replaced.
  const auto waiting = std::find_if(queue_.begin() + (busy_ ? 1 : 0), queue_.end(),
                                    [&](const Pending& p) { return p.endpoint == endpoint; });
  if (waiting != queue_.end()) {
    *waiting = std::move(pending);
    return;
  }
  if (queue_.size() >= options_.max_queue) {
    log::error(Component::Bootstrap, {"dm_push_dropped", endpoint},
               "bootstrap " + endpoint + ": its credentials for " + options_.url +
                   " are not pushed: " + std::to_string(queue_.size()) + " pushes are waiting");
    return;
  }
  queue_.push_back(std::move(pending));
  if (!busy_) next();
}

void DmApiPush::next() {
  if (queue_.empty()) {
    busy_ = false;
    return;
  }
  busy_ = true;
  const Pending& p = queue_.front();
  bhttp::request<bhttp::string_body> request{
      bhttp::verb::put,
      path_ + "/api/security/" + boost::urls::encode(p.endpoint, boost::urls::pchars), 11};
  request.set(bhttp::field::host, host_field_);
  request.set(bhttp::field::user_agent, "drover-bootstrap-server");
  request.set(bhttp::field::content_type, "application/json");
  if (!options_.token.empty()) request.set(bhttp::field::authorization, "Bearer " + options_.token);
  request.body() = p.body;
  request.prepare_payload();
  auto on_end = [this](unsigned status, std::string what) {
    const Pending& done = queue_.front();
    if (status == 200 || status == 201) {
      log::info(Component::Bootstrap, {"dm_pushed", done.endpoint},
                "bootstrap " + done.endpoint + ": " + done.names + " put in " + options_.url);
    } else {
      log::error(Component::Bootstrap, {"dm_push_failed", done.endpoint},
                 "bootstrap " + done.endpoint + ": its credentials were not put in " +
                     options_.url + " (" + (status ? "HTTP " + std::to_string(status) + ": " : "") +
                     what + ")");
    }
    queue_.pop_front();
    next();
  };
  if (tls_)
    std::make_shared<Exchange<TlsStream>>(io_, std::move(request), std::move(on_end), io_, *tls_)
        ->start(host_, port_);
  else
    std::make_shared<Exchange<beast::tcp_stream>>(io_, std::move(request), std::move(on_end), io_)
        ->start(host_, port_);
}

}  // namespace drover::apps
