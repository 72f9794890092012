// A simulated LwM2M device for `drover client`: a client::Client with the standard objects, a
// temperature sensor that drifts, its own UDP socket on the shared event loop, and log lines for
// what happens.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <vector>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>

#include "drover/client/client.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::apps {

struct DeviceOptions {
  std::string endpoint;
  std::string server_uri;
  coap::PeerAddress server;  // resolved from server_uri
  std::uint32_t lifetime = 300;
  bool queue_mode = false;
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1;
  double send_interval = 0;  // seconds; 0: no periodic Send
  std::uint64_t seed = 0;
  std::shared_ptr<lwm2m::ObjectRegistry> objects;  // shared by every device of the process
  // coaps: the DTLS credentials (the DtlsClient's constructor throws when they do not load).
  std::optional<dtls::ClientCredentials> security;
};

class SimulatedDevice {
 public:
  SimulatedDevice(boost::asio::io_context& io, DeviceOptions options);

  // Binds an ephemeral port of the server's address family and starts registering.
  std::error_code start();
  // A new temperature reading (a random walk around 21 °C).
  void sample();
  // De-registers; done() tells when the De-register is answered or gave up.
  void stop();
  bool done() const;
  void close();
  const std::string& endpoint() const { return options_.endpoint; }

 private:
  void log(std::string_view text) const;
  void drain_events();

  DeviceOptions options_;
  client::Client client_;
  std::unique_ptr<dtls::DtlsClient> dtls_;  // in front of client_ over coaps
  transport::DatagramLoop loop_;
  dtls::ClientState dtls_state_ = dtls::ClientState::Idle;
  std::mt19937_64 random_;
  double temperature_ = 21.0;
};

// The simulated devices of one process: sampled on a timer, and stopped together by
// de-registering every one (waiting at most a timeout for servers that do not answer).
class DeviceFleet {
 public:
  DeviceFleet(boost::asio::io_context& io, double sample_interval_seconds);

  // Creates a device and starts registering it.
  std::error_code add(DeviceOptions options);
  // De-registers every device; `finished(all_answered)` runs once every De-register is answered,
  // or when `timeout` has passed.
  void stop(coap::Duration timeout, std::function<void(bool all_answered)> finished);
  void close();

 private:
  void every(boost::asio::steady_timer& timer, coap::Duration interval, std::function<bool()> tick);

  boost::asio::io_context& io_;
  std::vector<std::unique_ptr<SimulatedDevice>> devices_;
  boost::asio::steady_timer sampler_;
  boost::asio::steady_timer done_check_;
  boost::asio::steady_timer give_up_;
  std::function<void(bool)> finished_;
};

}  // namespace drover::apps
