#include "client_device.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "client_state.hpp"
#include "drover/coap/names.hpp"
#include "drover/lwm2m/model/number_text.hpp"
#include "drover/transport/coap_uri.hpp"
#include "drover/util/hex.hpp"
#include "http_download.hpp"
#include "package_file.hpp"
#include "security_options.hpp"

namespace drover::apps {

namespace {

std::int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

client::ClientConfig client_config(const DeviceOptions& o) {
  client::ClientConfig c;
  c.endpoint = o.endpoint;
  c.version = o.version;
  c.bootstrap_pack = o.bootstrap_pack;
  c.random_seed = o.seed;
  c.objects = o.objects;
  client::allow_firmware_push(c.engine, o.fw_capacity);
  // The given server resolved once, up front; those a bootstrap server names as they come.
  c.resolve = [uri = o.server_uri,
               server = o.server](std::string_view name) -> std::optional<coap::PeerAddress> {
    if (name == uri) return server;
    std::string error;
    const auto parsed = transport::parse_coap_uri(name, error);
    // coaps: an account a bootstrap server gave, secured by secure_provisioned_accounts().
    if (!parsed || (parsed->scheme != "coap" && parsed->scheme != "coaps")) return std::nullopt;
    return transport::resolve(*parsed, error);
  };
  c.wall_clock = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  return c;
}

// A DTLS client to one server beside the device's other servers, reached in plain (a NoSec
// bootstrap server beside a coaps one, or the other way round).
dtls::DtlsClientConfig beside_plain() {
  dtls::DtlsClientConfig config;
  config.plain_to_others = true;
  return config;
}

// Text from a server (diagnostics, paths) is printed as is: paths and codes are ours to format.
std::string describe(const client::ClientEvent& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::Registered>) {
          return "registered at /" + e.location;
        } else if constexpr (std::is_same_v<T, client::RegistrationFailed>) {
          std::string text = "registration failed (" + e.reason + ")";
          if (e.final) return text + ", giving up";
          return text + ", retrying in " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::seconds>(e.retry_in).count()) +
                 " s";
        } else if constexpr (std::is_same_v<T, client::RegistrationFallback>) {
          return "Register answered " + e.code.to_string() + " " +
                 std::string(coap::code_name(e.code)) + ", registering again at once with " +
                 e.change;
        } else if constexpr (std::is_same_v<T, client::Updated>) {
          return "registration updated";
        } else if constexpr (std::is_same_v<T, client::Deregistered>) {
          return "deregistered";
        } else if constexpr (std::is_same_v<T, client::Disabled>) {
          return "disabled by the server for " +
                 std::to_string(
                     std::chrono::duration_cast<std::chrono::seconds>(e.duration).count()) +
                 " s";
        } else if constexpr (std::is_same_v<T, client::Rebooting>) {
          return "reboot requested (simulated: nothing happens)";
        } else if constexpr (std::is_same_v<T, client::FactoryReset>) {
          return "factory reset requested (simulated: nothing happens)";
        } else if constexpr (std::is_same_v<T, client::RequestServed>) {
          return std::string(lwm2m::to_string(e.operation)) + " " + e.path.to_string() + " -> " +
                 e.code.to_string();
        } else if constexpr (std::is_same_v<T, client::WriteApplied>) {
          std::string paths;
          for (const auto& p : e.paths) paths += (paths.empty() ? "" : " ") + p.to_string();
          return "values changed by the server: " + (paths.empty() ? std::string("none") : paths);
        } else if constexpr (std::is_same_v<T, client::SendCompleted>) {
          return "send answered " +
                 (e.code.is_empty() ? std::string("(timeout)") : e.code.to_string());
        } else if constexpr (std::is_same_v<T, client::Sleeping>) {
          return "queue mode: sleeping";
        } else if constexpr (std::is_same_v<T, client::Awake>) {
          return "queue mode: awake";
        } else if constexpr (std::is_same_v<T, client::Bootstrapped>) {
          std::string ssids;
          for (const auto ssid : e.servers)
            ssids += (ssids.empty() ? "" : ", ") + std::to_string(ssid);
          std::string removed;
          for (const auto ssid : e.removed)
            removed += (removed.empty() ? "; server " : ", ") + std::to_string(ssid);
          if (!removed.empty()) removed += " removed";
          return "bootstrapped: registering with server " + ssids + removed;
        } else if constexpr (std::is_same_v<T, client::BootstrapFallback>) {
          return e.reason + ": no Bootstrap-Pack there, sending a Bootstrap-Request";
        } else if constexpr (std::is_same_v<T, client::BootstrapFailed>) {
          return "bootstrap failed (" + e.reason + ")";
        } else if constexpr (std::is_same_v<T, client::FirmwareChanged>) {
          return "firmware: " + std::string(client::to_string(e.state)) + ", result " +
                 std::to_string(static_cast<int>(e.result)) + " (" +
                 std::string(client::to_string(e.result)) + ")";
        } else {
          static_assert(std::is_same_v<T, client::FirmwareDownload>);
          return "firmware: downloading " + e.uri;
        }
      },
      event);
}

// The level and event name of a client event's line: the registration lifecycle at info, what
// comes with every Update, Send or request at debug.
std::pair<log::Level, const char*> line_of(const client::ClientEvent& event) {
  using log::Level;
  return std::visit(
      [](const auto& e) -> std::pair<Level, const char*> {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::Registered>) return {Level::Info, "registered"};
        if constexpr (std::is_same_v<T, client::RegistrationFailed>)
          return {Level::Warn, "registration_failed"};
        if constexpr (std::is_same_v<T, client::BootstrapFailed>)
          return {Level::Warn, "bootstrap_failed"};
        if constexpr (std::is_same_v<T, client::Updated>) return {Level::Debug, "updated"};
        if constexpr (std::is_same_v<T, client::RequestServed>) return {Level::Debug, "request"};
        if constexpr (std::is_same_v<T, client::WriteApplied>) return {Level::Debug, "written"};
        if constexpr (std::is_same_v<T, client::SendCompleted>) return {Level::Debug, "send"};
        if constexpr (std::is_same_v<T, client::Deregistered>) return {Level::Info, "deregistered"};
        if constexpr (std::is_same_v<T, client::Bootstrapped>) return {Level::Info, "bootstrapped"};
        if constexpr (std::is_same_v<T, client::BootstrapFallback>)
          return {Level::Info, "bootstrap_fallback"};
        if constexpr (std::is_same_v<T, client::RegistrationFallback>)
          return {Level::Info, "register_fallback"};
        if constexpr (std::is_same_v<T, client::Disabled>) return {Level::Info, "disabled"};
        if constexpr (std::is_same_v<T, client::Rebooting>) return {Level::Info, "reboot"};
        if constexpr (std::is_same_v<T, client::FactoryReset>)
          return {Level::Info, "factory_reset"};
        if constexpr (std::is_same_v<T, client::Sleeping>) return {Level::Info, "sleeping"};
        if constexpr (std::is_same_v<T, client::Awake>) return {Level::Info, "awake"};
        if constexpr (std::is_same_v<T, client::FirmwareChanged>) return {Level::Info, "firmware"};
        if constexpr (std::is_same_v<T, client::FirmwareDownload>)
          return {Level::Info, "firmware_download"};
        return {Level::Info, "event"};
      },
      event);
}

// What a simulated device's packages carry: "DROVER-FW <version>" as their first line names the
// version the device runs after the update; a package without it is named by its digest.
std::string package_version(const client::FirmwarePackage& package) {
  constexpr std::string_view magic = "DROVER-FW ";
  std::array<std::uint8_t, 80> head{};
  const std::size_t n = package.storage.read(0, head);
  const std::string_view text(reinterpret_cast<const char*>(head.data()), n);
  if (text.substr(0, magic.size()) == magic) {
    const auto end = text.find('\n', magic.size());
    if (end != std::string_view::npos && end > magic.size())
      return std::string(text.substr(magic.size(), end - magic.size()));
  }
  return "sha256:" + to_hex(std::span(package.sha256).first(6));
}

}  // namespace

// In front of a device's core after --fw-fail download: drops every datagram, both ways, until
// the silence ends (a device whose link went down mid-transfer).
class SilentLink final : public coap::ForwardingCore {
 public:
  using ForwardingCore::ForwardingCore;
  void silence(coap::TimePoint until) { until_ = until; }

  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               coap::TimePoint now) override {
    if (now >= until_) inner().receive(peer, datagram, now);
  }
  void receive_truncated(const coap::PeerAddress& peer, std::span<const std::uint8_t> prefix,
                         coap::TimePoint now) override {
    if (now >= until_) inner().receive_truncated(peer, prefix, now);
  }
  bool poll_transmit(coap::Transmit& out) override {
    while (inner().poll_transmit(out))
      if (transport::DatagramLoop::now() >= until_) return true;
    return false;
  }

 private:
  coap::TimePoint until_{};
};

SimulatedDevice::~SimulatedDevice() = default;

coap::DatagramCore& SimulatedDevice::core() {
  if (silent_) return *silent_;
  if (switch_) return *switch_;
  return dtls_ ? static_cast<coap::DatagramCore&>(*dtls_) : client_;
}

void SimulatedDevice::set_http(HttpDownloader* http) {
  http_ = http;
}

SimulatedDevice::SimulatedDevice(DeviceOptions options)
    : options_(std::move(options)),
      client_(client_config(options_)),
      bootstrap_dtls_(options_.security && options_.bootstrap
                          ? std::make_unique<dtls::DtlsClient>(client_, options_.server,
                                                               *options_.security, beside_plain())
                          : nullptr),
      dtls_(options_.security && !options_.bootstrap
                ? std::make_unique<dtls::DtlsClient>(client_, options_.server, *options_.security)
                : nullptr),
      random_(static_cast<std::minstd_rand::result_type>(options_.seed)) {
  const auto now = transport::DatagramLoop::now();
  client::DeviceInfo info;
  info.serial_number = options_.endpoint;
  info.supported_bindings = options_.version == lwm2m::Lwm2mVersion::V1_0 ? "UQ" : "U";
  client::DeviceHooks hooks;
  hooks.wall_clock = wall_seconds;
  hooks.battery_level = [] { return std::optional<std::int64_t>(87); };
  using client::Client;
  (void)client_.add_object(3);
  (void)client_.add_instance(3, 0, std::make_unique<client::Device>(info, hooks), now);
  (void)client_.add_object(4);
  (void)client_.add_instance(4, 0, client::make_connectivity_monitoring("127.0.0.1"), now);
  (void)client_.add_object(6);
  (void)client_.add_instance(6, 0, client::make_location(48.8566, 2.3522, wall_seconds()), now);
  (void)client_.add_object(7);
  (void)client_.add_instance(
      7, 0, std::make_unique<client::ConnectivityStatistics>([this] { return client_.traffic(); }),
      now);
  (void)client_.add_object(3303);
  (void)client_.add_instance(3303, 0, std::make_unique<client::TemperatureSensor>(temperature_),
                             now);
  (void)client_.add_object(3311, [](std::uint16_t) { return client::make_light_control(); });
  (void)client_.add_instance(3311, 0, client::make_light_control(), now);

  // Firmware Update: push, and pull over coap://, http:// and https:// (the fleet's downloader),
  // or one of them (--fw-delivery).
  client::FirmwareConfig firmware;
  const std::size_t capacity =
      options_.fw_fail == FirmwareFault::Storage ? std::size_t{1024} : options_.fw_capacity;
  if (!options_.fw_dir.empty())
    firmware.storage =
        std::make_unique<PackageFile>(options_.fw_dir / (options_.endpoint + ".fw"), capacity);
  else
    firmware.storage = std::make_unique<client::MemoryStorage>(capacity);
  firmware.expected_sha256 = options_.fw_sha256;
  if (options_.fw_pull)
    firmware.protocols = {client::FirmwareProtocol::Coap, client::FirmwareProtocol::Http,
                          client::FirmwareProtocol::Https};
  else
    firmware.protocols.clear();
  firmware.push = options_.fw_push;
  firmware.check = [this](client::FirmwarePackage& package) {
    package.name = "drover-fw";
    package.version = package_version(package);
    if (options_.fw_fail == FirmwareFault::Integrity && !fw_failed_) {
      fw_failed_ = true;
      return client::UpdateResult::IntegrityFailure;  // as a bad signature would
    }
    return client::UpdateResult::Initial;
  };
  (void)client_.enable_firmware_update(std::move(firmware), now);
  if (options_.bootstrap || !options_.provisioning.empty())
    switch_ = std::make_unique<CoreSwitch>(
        bootstrap_dtls_ ? static_cast<coap::DatagramCore&>(*bootstrap_dtls_) : client_);
  if (options_.fw_fail == FirmwareFault::Download)
    silent_ = std::make_unique<SilentLink>(
        switch_ ? static_cast<coap::DatagramCore&>(*switch_)
                : (dtls_ ? static_cast<coap::DatagramCore&>(*dtls_) : client_));

  if (!options_.provisioning.empty()) {
    if (const auto status = client_.provision(options_.provisioning, now); !status)
      throw ProvisioningError("the instances make no account the device can use (" +
                              std::string(client::to_string(status.error())) +
                              "): coap(s):// servers with a Security and a Server instance each, "
                              "or a bootstrap server");
    secure_provisioned_accounts(now);
  } else if (options_.bootstrap) {
    (void)client_.add_bootstrap_server(options_.server_uri, now);
  } else {
    client::ServerAccount account;
    account.uri = options_.server_uri;
    account.lifetime = options_.lifetime;
    account.queue_mode = options_.queue_mode;
    (void)client_.add_server(account, now);
  }
}

void SimulatedDevice::start(const coap::PeerAddress& local) {
  note(log::Level::Info, "started",
       "LwM2M " + std::string(lwm2m::to_string(options_.version)) + " client on " +
           local.to_string() +
           (!options_.provisioning.empty()
                ? ", with the accounts of its file (first server " + options_.server_uri + ")"
            : options_.bootstrap ? ", bootstrapping from " + options_.server_uri
                                 : ", registering with " + options_.server_uri + " (lifetime " +
                                       std::to_string(options_.lifetime) + " s" +
                                       (options_.queue_mode ? ", queue mode)" : ")")));
  const auto now = transport::DatagramLoop::now();
  if (dtls_) dtls_->connect(now);
  if (bootstrap_dtls_) bootstrap_dtls_->connect(now);
  client_.start(now);
  if (options_.send_interval > 0)
    client_.set_send_schedule({lwm2m::Path(3303, 0, 5700)},
                              std::chrono::duration_cast<coap::Duration>(
                                  std::chrono::duration<double>(options_.send_interval)),
                              now);
  flush_();
}

void SimulatedDevice::sample() {
  std::normal_distribution<double> step(0.0, 0.3);
  temperature_ =
      std::clamp(temperature_ + step(random_) + (21.0 - temperature_) * 0.05, -40.0, 85.0);
  temperature_ = std::round(temperature_ * 10) / 10;  // one decimal, as a sensor reports
  if (auto* sensor = client_.instance_as<client::TemperatureSensor>(3303, 0))
    sensor->record(temperature_);
  client_.value_changed(lwm2m::Path(3303, 0), transport::DatagramLoop::now());
  flush_();
}

void SimulatedDevice::stop() {
  client_.deregister(transport::DatagramLoop::now());
  flush_();
}

bool SimulatedDevice::done() const {
  return client_.idle();
}

void SimulatedDevice::note(log::Level level, const char* event, std::string_view text) const {
  log::write(level, log::Component::Client, {event, options_.endpoint},
             options_.endpoint + ": " + std::string(text));
}

void SimulatedDevice::secure_provisioned_accounts(coap::TimePoint now) {
  if (!switch_) return;
  std::vector<lwm2m::SecurityAccount> wanted;
  // The bootstrap server of --bootstrap coaps:// has its DTLS client already.
  for (auto& account : lwm2m::security_accounts(client_.provisioned()))
    if (account.uri.starts_with("coaps://") && !(account.bootstrap && bootstrap_dtls_))
      wanted.push_back(std::move(account));
  if (wanted == secured_) return;
  secured_ = wanted;
  coap::DatagramCore* inner =
      bootstrap_dtls_ ? static_cast<coap::DatagramCore*>(bootstrap_dtls_.get()) : &client_;
  std::vector<AccountLink> links;
  std::vector<coap::PeerAddress> peers;
  for (const auto& account : wanted) {
    const auto refuse = [&](const std::string& why) {
      note(log::Level::Warn, "dtls_down", "cannot secure " + account.uri + ": " + why);
    };
    std::string error;
    const auto parsed = transport::parse_coap_uri(account.uri, error);
    const auto server = parsed ? transport::resolve(*parsed, error) : std::nullopt;
    if (!server) {
      refuse(error);
      continue;
    }
    // A DTLS client serves one address: a second account there would never see its records.
    if (std::find(peers.begin(), peers.end(), *server) != peers.end()) {
      refuse("another coaps account has its address");
      continue;
    }
    auto credentials = account_credentials(account, parsed->host, error);
    if (!credentials) {
      refuse(error);
      continue;
    }
    const std::string what = describe_credentials(*credentials);
    try {
      auto dtls = std::make_unique<dtls::DtlsClient>(*inner, *server, std::move(*credentials),
                                                     beside_plain());
      inner = dtls.get();
      links.push_back(AccountLink{" to " + account.uri, std::move(dtls)});
    } catch (const std::exception& e) {
      refuse(e.what());
      continue;
    }
    peers.push_back(*server);
    note(log::Level::Info, "dtls", "DTLS to " + account.uri + " with " + what);
  }
  // The switch leaves the old chain before it goes; the client's queued datagrams are still in
  // client_, so they leave through the new one.
  switch_->set(*inner);
  account_links_ = std::move(links);
  for (auto& link : account_links_) link.dtls->connect(now);
}

void SimulatedDevice::save_state() {
  std::string error;
  const auto records = client_.provisioned();
  if (save_state_file(options_.state_file, records, error))
    note(log::Level::Info, "state_saved",
         "accounts saved to " + options_.state_file.string() + " (" +
             std::to_string(records.size()) + " values)");
  else
    note(log::Level::Error, "state_error", "accounts not saved: " + error);
}

void SimulatedDevice::note_dtls(const dtls::DtlsClient& dtls, dtls::ClientState& last,
                                std::string_view to_server) const {
  if (dtls.state() == last) return;
  last = dtls.state();
  const std::string to(to_server);
  if (last == dtls::ClientState::Connected && dtls.server_identity())
    note(log::Level::Info, "dtls_up",
         "DTLS session up" + to + " (" + dtls.server_identity()->text() + ")");
  else if (last == dtls::ClientState::Failed || last == dtls::ClientState::Closed)
    note(log::Level::Warn, "dtls_down",
         "DTLS" + to + " " + std::string(dtls::to_string(last)) + ": " + dtls.last_error());
}

void SimulatedDevice::drain_events() {
  if (dtls_) note_dtls(*dtls_, dtls_state_, "");
  if (bootstrap_dtls_)
    note_dtls(*bootstrap_dtls_, bootstrap_dtls_state_, " to the bootstrap server");
  for (auto& link : account_links_) note_dtls(*link.dtls, link.state, link.to);
  client::ClientEvent event;
  while (client_.poll_event(event)) {
    const auto [level, name] = line_of(event);
    if (log::enabled(log::Component::Client, level)) note(level, name, describe(event));
    firmware_event(event);
    if (std::holds_alternative<client::Bootstrapped>(event)) {
      // Before the accounts' Registers leave: they are still queued in client_.
      secure_provisioned_accounts(transport::DatagramLoop::now());
      if (!options_.state_file.empty()) save_state();
    }
  }
  // --fw-fail download: the link goes down once half of the first package is in.
  if (silent_ && !fw_failed_ && client_.firmware_state() == client::FirmwareState::Downloading &&
      client_.firmware_received() >= 2048) {
    fw_failed_ = true;
    const auto now = transport::DatagramLoop::now();
    (void)client_.firmware_download_ended(client::UpdateResult::ConnectionLost, now);
    silent_->silence(now + std::chrono::duration_cast<coap::Duration>(
                               std::chrono::duration<double>(options_.fw_silence)));
    std::string text = "firmware: link down for ";
    lwm2m::append_double(text, options_.fw_silence);
    note(log::Level::Info, "firmware", text + " s (--fw-fail download)");
    while (client_.poll_event(event)) note(log::Level::Info, "firmware", describe(event));
  }
}

void SimulatedDevice::firmware_event(const client::ClientEvent& event) {
  if (const auto* download = std::get_if<client::FirmwareDownload>(&event))
    return fetch_over_http(download->uri);
  const auto* changed = std::get_if<client::FirmwareChanged>(&event);
  if (!changed || changed->state != client::FirmwareState::Updating) return;
  // The update: a simulated device "installs" at once, then tells its servers, as a device does
  // after the reboot into the new firmware.
  const auto now = transport::DatagramLoop::now();
  if (options_.fw_fail == FirmwareFault::Update && !fw_failed_) {
    fw_failed_ = true;
    (void)client_.firmware_update_finished(client::UpdateResult::UpdateFailed, now);
  } else {
    const auto version = client_.read(lwm2m::Path(5, 0, 7));
    auto* device = client_.instance_as<client::Device>(3, 0);
    if (device && version && !version.value().empty())
      if (const auto* text = version.value().front().value.get_if<std::string>())
        device->set_firmware_version(*text);
    (void)client_.firmware_update_finished(client::UpdateResult::Success, now);
    client_.value_changed(lwm2m::Path(3, 0, 3), now);
    (void)client_.trigger_update(std::nullopt, now);
  }
  flush_();
}

void SimulatedDevice::fetch_over_http(const std::string& uri) {
  if (!http_) {
    (void)client_.firmware_download_ended(client::UpdateResult::UnsupportedProtocol,
                                          transport::DatagramLoop::now());
    return;
  }
  http_->fetch(
      uri, options_.fw_capacity,
      [this](std::span<const std::uint8_t> bytes) {
        const bool more = client_.firmware_data(bytes, transport::DatagramLoop::now()).has_value();
        drain_events();
        flush_();
        return more;
      },
      [this](client::UpdateResult result) {
        (void)client_.firmware_download_ended(result, transport::DatagramLoop::now());
        drain_events();
        flush_();
      });
}

DeviceFleet::DeviceFleet(boost::asio::io_context& io, double sample_interval_seconds,
                         const std::string& fw_ca_file)
    : io_(io),
      http_(std::make_unique<HttpDownloader>(io, fw_ca_file)),
      sampler_(io),
      done_check_(io),
      give_up_(io) {
  const auto interval = std::chrono::duration_cast<coap::Duration>(
      std::chrono::duration<double>(sample_interval_seconds));
  every(sampler_, interval, [this] {
    for (auto& d : devices_) d->sample();
    return true;
  });
}

DeviceFleet::~DeviceFleet() = default;

std::error_code DeviceFleet::add(DeviceOptions options) {
  const bool loopback = shares_socket(options.server);
  auto device = std::make_unique<SimulatedDevice>(std::move(options));
  device->set_http(http_.get());
  if (auto ec = loopback ? add_to_hub(*device) : add_with_socket(*device)) return ec;
  devices_.push_back(std::move(device));
  return {};
}

bool DeviceFleet::shares_socket(const coap::PeerAddress& server) {
  return !server.v6 && server.ip[0] == 127;
}

std::error_code DeviceFleet::add_to_hub(SimulatedDevice& device) {
  if (!hub_) {
    // The answers to a whole fleet's Registers or De-registers come in one burst to this one
    // socket: buffers of a server's size (the kernel caps them at net.core.[rw]mem_max).
    transport::DatagramLoopConfig config;
    config.socket.receive_buffer_bytes = 4 * 1024 * 1024;
    config.socket.send_buffer_bytes = 4 * 1024 * 1024;
    auto hub = std::make_unique<transport::DatagramHub>(io_, config);
    if (auto ec = hub->open(coap::PeerAddress::v4({0, 0, 0, 0}, 0))) return ec;
    hub->set_error_handler([](std::string_view what, std::error_code ec) {
      log::error(log::Component::Client, {"socket_error"},
                 std::string(what) + " error: " + ec.message());
    });
    hub_ = std::move(hub);
  }
  constexpr std::uint32_t first = 0x7f010000;  // 127.1.0.0, as the load generator's clients
  const auto n = static_cast<std::uint32_t>(devices_.size());
  if (n > 0x7fffffff - first) return std::make_error_code(std::errc::address_not_available);
  const std::uint32_t a = first + n;
  const auto address =
      coap::PeerAddress::v4({127, static_cast<std::uint8_t>(a >> 16),
                             static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)},
                            0);
  const auto member = hub_->add(device.core(), address, [&device] { device.drain_events(); });
  if (!member) return std::make_error_code(std::errc::address_in_use);
  device.set_flush([hub = hub_.get(), id = *member] { hub->flush_soon(id); });
  device.start(hub_->address_of(*member));
  return {};
}

std::error_code DeviceFleet::add_with_socket(SimulatedDevice& device) {
  auto loop = std::make_unique<transport::DatagramLoop>(io_, device.core(),
                                                        transport::device_loop_config());
  coap::PeerAddress local;  // any address, ephemeral port, the server's family
  local.v6 = device.options().server.v6;
  if (auto ec = loop->open(local)) return ec;
  loop->set_error_handler([&device](std::string_view what, std::error_code ec) {
    log::error(log::Component::Client, {"socket_error", device.endpoint()},
               device.endpoint() + ": " + std::string(what) + " error: " + ec.message());
  });
  loop->set_after_input([&device] { device.drain_events(); });
  device.set_flush([l = loop.get()] { l->flush_soon(); });
  device.start(loop->local_address());
  loops_.push_back(std::move(loop));
  return {};
}

void DeviceFleet::stop(coap::Duration timeout, std::function<void(bool)> finished) {
  if (finished_) return;  // already stopping
  finished_ = std::move(finished);
  sampler_.cancel();
  for (auto& d : devices_) d->stop();
  every(done_check_, std::chrono::milliseconds(20), [this] {
    for (const auto& d : devices_)
      if (!d->done()) return true;
    give_up_.cancel();
    finished_(true);
    return false;
  });
  give_up_.expires_after(timeout);
  give_up_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    done_check_.cancel();
    finished_(false);
  });
}

void DeviceFleet::close() {
  sampler_.cancel();
  done_check_.cancel();
  give_up_.cancel();
  for (auto& l : loops_) l->close();
  if (hub_) hub_->close();
}

void DeviceFleet::every(boost::asio::steady_timer& timer, coap::Duration interval,
                        std::function<bool()> tick) {
  timer.expires_after(interval);
  timer.async_wait(
      [this, &timer, interval, tick = std::move(tick)](const boost::system::error_code& ec) {
        if (!ec && tick()) every(timer, interval, tick);
      });
}

}  // namespace drover::apps
