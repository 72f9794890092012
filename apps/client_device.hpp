// A simulated LwM2M device for `drover client`: a client::Client with the standard objects, a
// temperature sensor that drifts, its own UDP socket on the shared event loop, and log lines for
// what happens.
#pragma once

#include <memory>
#include <optional>
#include <random>
#include <string>
#include <system_error>

#include "drover/client/client.hpp"
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
  transport::DatagramLoop loop_;
  std::mt19937_64 random_;
  double temperature_ = 21.0;
};

}  // namespace drover::apps
