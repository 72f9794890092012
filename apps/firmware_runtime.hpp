// Firmware updates in `drover server`: the images (in the data folder's "firmware" folder and
// document table, or in memory with --store memory), served over CoAP (/fw/<sha256> on the
// server's own endpoint) and HTTP, the updates and campaigns fed with the server's events and
// ticked once a second (their deadlines and rates are seconds and more), their events to the
// log and the event stream. One event loop: not with --shards.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/service.hpp"
#include "drover/http/firmware_routes.hpp"
#include "drover/store/document_store.hpp"
#include "server_store.hpp"

namespace drover::apps {

struct FirmwareOptions {
  firmware::ImagesConfig images;
  // The host devices reach the server at, in the Package URIs of pulls (coap://HOST:PORT/fw/...).
  std::string host = "127.0.0.1";
  // Seconds between reads of a device's /5/0 while an update waits on it.
  double poll_interval = 30;
};

class FirmwareRuntime {
 public:
  FirmwareRuntime(boost::asio::io_context& io, server::Server& core, FirmwareOptions options);
  ~FirmwareRuntime();
  FirmwareRuntime(const FirmwareRuntime&) = delete;
  FirmwareRuntime& operator=(const FirmwareRuntime&) = delete;

  // The images kept in the data folder (`dir`, held by the server's store; null with the memory
  // store). Before start() and before routes() are added to the API. An exit code: 0, or 1 with
  // the reason logged.
  int open_store(std::shared_ptr<store::DataDir> dir);
  // Once the ports are open: the URIs devices pull from (`coap_scheme`, "coap" or "coaps", on
  // `coap_port`); starts the tick. `flush` sends what the server core has to send; `stream` puts
  // an event on the API's event streams.
  void start(std::string_view coap_scheme, std::uint16_t coap_port, std::string http_base,
             std::function<void()> flush, std::function<void(const http::StreamEvent&)> stream);
  // Every event drained from the server core.
  void on_event(const server::ServerEvent& event);
  http::FirmwareRoutes& routes() { return *routes_; }
  void log_stopped();

 private:
  server::Server& core_;
  FirmwareOptions options_;
  std::unique_ptr<store::DocumentStore> documents_;
  std::unique_ptr<DocumentTable> table_;
  std::unique_ptr<firmware::Images> images_;
  std::unique_ptr<firmware::FirmwareService> service_;
  std::unique_ptr<http::FirmwareRoutes> routes_;
  boost::asio::steady_timer timer_;
  std::function<void()> flush_;
  std::function<void(const http::StreamEvent&)> stream_;

  void make_service();
  void drain();
  void tick();
};

}  // namespace drover::apps
