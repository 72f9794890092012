// A simulated LwM2M device for `drover client`: a client::Client with the standard objects, a
// temperature sensor that drifts, and log lines for what happens. The devices of a process talking
// to a server on IPv4 loopback share one socket (a transport::DatagramHub), each at its own
// 127.x.y.z address; towards any other server each device has a socket of its own.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "core_switch.hpp"
#include "drover/client/client.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/log/log.hpp"
#include "drover/lwm2m/protocol/security.hpp"
#include "drover/transport/datagram_hub.hpp"
#include "drover/transport/datagram_loop.hpp"

namespace boost::asio {
class io_context;
}

namespace drover::apps {

class HttpDownloader;
class SilentLink;

// A step of a firmware update that a simulated device fails on purpose (`drover client
// --fw-fail`): the download (Connection lost half-way, then the device drops every datagram for
// a while), the package's check (Integrity check failure), its storage (Not enough storage) or
// the update itself (Firmware update failed).
enum class FirmwareFault : std::uint8_t { None, Download, Integrity, Storage, Update };

// A device's factory or state instances that make no usable account (thrown by its constructor).
struct ProvisioningError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DeviceOptions {
  std::string endpoint;
  std::string server_uri;
  coap::PeerAddress server;     // resolved from server_uri
  bool bootstrap = false;       // server_uri is a bootstrap server's: the servers come from it
  bool bootstrap_pack = false;  // ... asked with a Bootstrap-Pack-Request (LwM2M 1.2)
  // Accounts from a factory or state file (client_state.hpp), instead of server_uri's; server
  // and server_uri are then its first server's.
  std::vector<lwm2m::Record> provisioning;
  std::filesystem::path state_file;  // written after each Bootstrap-Finish when not empty
  std::uint32_t lifetime = 300;
  bool queue_mode = false;
  lwm2m::Lwm2mVersion version = lwm2m::Lwm2mVersion::V1_1;
  double send_interval = 0;  // seconds; 0: no periodic Send
  std::uint64_t seed = 0;
  std::shared_ptr<lwm2m::ObjectRegistry> objects;  // shared by every device of the process
  // coaps: the DTLS credentials (the DtlsClient's constructor throws when they do not load), of
  // the bootstrap server when `bootstrap`.
  std::optional<dtls::ClientCredentials> security;
  // Firmware Update (object 5): packages up to fw_capacity bytes, in a file of fw_dir (one per
  // device) or in memory; fw_sha256 the digest they must have, when known.
  std::size_t fw_capacity = client::default_package_capacity;
  std::filesystem::path fw_dir;
  std::optional<client::Sha256Digest> fw_sha256;
  FirmwareFault fw_fail = FirmwareFault::None;
  double fw_silence = 30;  // seconds without any datagram after failing the download
  // Delivery Method (/5/0/9) offered: false drops the pulls (Protocol Support empty), or the push.
  bool fw_pull = true;
  bool fw_push = true;
};

class SimulatedDevice {
 public:
  explicit SimulatedDevice(DeviceOptions options);
  ~SimulatedDevice();

  // What the transport drives: the client, behind its DTLS client over coaps.
  coap::DatagramCore& core();
  // Package URIs over HTTP are fetched with this (the fleet's); null: http is not offered.
  void set_http(HttpDownloader* http);
  // How the device has its transmits sent after calls made outside the transport's handlers.
  void set_flush(std::function<void()> flush) { flush_ = std::move(flush); }
  // Starts registering; `local` is the address the device sends from, for the log.
  void start(const coap::PeerAddress& local);
  // A new temperature reading (a random walk around 21 °C).
  void sample();
  // De-registers; done() tells when the De-register is answered or gave up.
  void stop();
  bool done() const;
  void drain_events();
  const std::string& endpoint() const { return options_.endpoint; }
  const DeviceOptions& options() const { return options_; }

 private:
  // A line of this device's in the log (component client), its endpoint in front.
  void note(log::Level level, const char* event, std::string_view text) const;
  void firmware_event(const client::ClientEvent& event);
  void save_state();
  void fetch_over_http(const std::string& uri);
  // A DTLS client for each coaps account among the Security instances a bootstrap server (or a
  // file) gave, chained in front of client_ (or bootstrap_dtls_), each passing the other peers'
  // datagrams on in plain; made again when the accounts changed.
  void secure_provisioned_accounts(coap::TimePoint now);
  // A line when `dtls`'s state changed since `last`; `to` names the server for the log.
  void note_dtls(const dtls::DtlsClient& dtls, dtls::ClientState& last, std::string_view to) const;

  DeviceOptions options_;
  client::Client client_;
  // To a coaps bootstrap server, in front of client_, the other peers in plain.
  std::unique_ptr<dtls::DtlsClient> bootstrap_dtls_;
  dtls::ClientState bootstrap_dtls_state_ = dtls::ClientState::Idle;
  std::unique_ptr<dtls::DtlsClient> dtls_;  // in front of client_ to --server coaps://
  dtls::ClientState dtls_state_ = dtls::ClientState::Idle;
  // The coaps accounts of the Security object and their DTLS clients, the last one outermost.
  struct AccountLink {
    std::string to;  // " to <URI>", for the log
    std::unique_ptr<dtls::DtlsClient> dtls;
    dtls::ClientState state = dtls::ClientState::Idle;
  };
  std::vector<AccountLink> account_links_;
  std::vector<lwm2m::SecurityAccount> secured_;  // the accounts account_links_ were made for
  // With accounts from a bootstrap server or a file: client_ (or bootstrap_dtls_), then the
  // outermost of account_links_.
  std::unique_ptr<CoreSwitch> switch_;
  std::function<void()> flush_;
  std::minstd_rand random_;  // a few bytes: a process may hold 100,000 devices
  double temperature_ = 21.0;
  std::unique_ptr<SilentLink> silent_;  // in front of the core with --fw-fail download
  HttpDownloader* http_ = nullptr;
  bool fw_failed_ = false;  // the --fw-fail step failed once already
};

// The simulated devices of one process: sampled on a timer, and stopped together by
// de-registering every one (waiting at most a timeout for servers that do not answer).
class DeviceFleet {
 public:
  // `fw_ca_file`: the CAs of HTTPS servers of firmware packages (empty: the system's); throws
  // when it does not load.
  DeviceFleet(boost::asio::io_context& io, double sample_interval_seconds,
              const std::string& fw_ca_file = {});
  ~DeviceFleet();

  // Creates a device and starts registering it. Devices of a server on IPv4 loopback share one
  // socket, the fleet's i-th device at 127.1.0.0 + i.
  std::error_code add(DeviceOptions options);
  // Whether devices of `server` share the fleet's one socket (a server on IPv4 loopback).
  static bool shares_socket(const coap::PeerAddress& server);
  // De-registers every device; `finished(all_answered)` runs once every De-register is answered,
  // or when `timeout` has passed.
  void stop(coap::Duration timeout, std::function<void(bool all_answered)> finished);
  void close();

 private:
  void every(boost::asio::steady_timer& timer, coap::Duration interval, std::function<bool()> tick);

  std::error_code add_to_hub(SimulatedDevice& device);
  std::error_code add_with_socket(SimulatedDevice& device);

  boost::asio::io_context& io_;
  std::vector<std::unique_ptr<SimulatedDevice>> devices_;
  std::unique_ptr<transport::DatagramHub> hub_;                  // devices of loopback servers
  std::vector<std::unique_ptr<transport::DatagramLoop>> loops_;  // a socket per other device
  std::unique_ptr<HttpDownloader> http_;                         // firmware over http(s)://
  boost::asio::steady_timer sampler_;
  boost::asio::steady_timer done_check_;
  boost::asio::steady_timer give_up_;
  std::function<void(bool)> finished_;
};

}  // namespace drover::apps
