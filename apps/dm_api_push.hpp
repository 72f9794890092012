// `drover bootstrap-server --dm-api URL --dm-uri URI`: the credentials a bootstrap configuration
// gives a device for a separate `drover server` (those of its accounts whose URI is one of the
// --dm-uri ones, same_server) are put in that server's security store through its HTTP API
// (PUT /api/security/{ep}, as from bootstrap) when the device's session starts, so that they
// hold before the device first uses them: it registers after answering Bootstrap-Finish, a few
// round trips later. One request at a time from a bounded queue, on the bootstrap server's
// io_context; a push refused or not answered is logged, not retried (the next bootstrap of the
// device pushes again).
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drover/bootstrap/config.hpp"
#include "drover/dtls/security_store.hpp"

namespace boost::asio::ssl {
class context;
}

namespace drover::apps {

// The body of the PUT: {"source":"bootstrap","credentials":[...]} in the API's credential form.
std::string credentials_body(const std::vector<dtls::BoundCredential>& credentials);

struct DmApiOptions {
  std::string url;      // the server's API, http://host:port or https://
  std::string ca_file;  // https: PEM certificates its certificate leads to; empty: the system's
  std::string token;    // its bearer token, or empty
  std::vector<std::string> uris;  // the server's coaps URIs as configurations name it
  std::size_t max_queue = 1024;   // pushes waiting; past it a push is dropped (and logged)
};

class DmApiPush {
 public:
  // Throws when options.ca_file does not load.
  DmApiPush(boost::asio::io_context& io, DmApiOptions options);
  ~DmApiPush();
  DmApiPush(const DmApiPush&) = delete;
  DmApiPush& operator=(const DmApiPush&) = delete;

  // Why `url` cannot be the API's (http:// or https:// with a host), or nullopt.
  static std::optional<std::string> check_url(const std::string& url);

  // Queues the push of `config`'s credentials for this server as `endpoint`'s; nothing when the
  // configuration gives none. A push of the endpoint still waiting is replaced.
  void push(const std::string& endpoint, const bootstrap::BootstrapConfig& config);
  // Pushes queued, the one under way included.
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Pending {
    std::string endpoint;
    std::string body;
    std::string names;  // for the log: "psk:id, rpk:sha256:..."
  };
  boost::asio::io_context& io_;
  DmApiOptions options_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // for https
  std::string host_, port_, path_;  // of options_.url: to connect to, and the path's prefix
  std::string host_field_;          // its host and port as the URL writes them (IPv6 in [])
  std::deque<Pending> queue_;
  bool busy_ = false;

  void next();
};

}  // namespace drover::apps
