// Firmware packages over HTTP and HTTPS for the simulated devices: the Package URIs that the
// client core leaves to its application (client::FirmwareDownload), fetched with Boost.Beast on
// the devices' io_context (HTTPS through Boost.Asio SSL, the server's certificate checked against
// the system's CAs or a given file, and its name). Here rather than in the client layer, so that
// a device build without HTTP (DROVER_CLIENT_ONLY, examples/sensor-device) links none of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "drover/client/firmware.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace drover::apps {

class HttpDownloader {
 public:
  // `ca_file`: PEM certificates HTTPS servers' certificates must lead to; empty: the system's.
  // Throws when the file does not load.
  explicit HttpDownloader(boost::asio::io_context& io, const std::string& ca_file = {});
  ~HttpDownloader();

  // The body's bytes as they come; false stops the download (on_end is not called then).
  using OnData = std::function<bool(std::span<const std::uint8_t>)>;
  // How it ended: Initial when the whole body came with 200 OK; InvalidUri for a URI that does
  // not parse or resolve, or 404; ConnectionLost for anything else (refused, cut, a certificate
  // not trusted, another status, a body larger than `max_body`, no progress for 30 s).
  using OnEnd = std::function<void(client::UpdateResult)>;
  void fetch(const std::string& url, std::size_t max_body, OnData on_data, OnEnd on_end);

 private:
  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace drover::apps
