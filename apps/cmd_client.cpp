// `drover client`: simulated LwM2M devices (CoAP over UDP, NoSec or DTLS). Each registers with the
// server, serves its objects (Device, Connectivity Monitoring, Location, Connectivity Statistics,
// Temperature, Light Control, Firmware Update), lets its temperature drift, and de-registers on
// SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app_support.hpp"
#include "client_device.hpp"
#include "client_state.hpp"
#include "command.hpp"
#include "drover/transport/coap_uri.hpp"
#include "drover/util/hex.hpp"
#include "log_options.hpp"
#include "security_options.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;

struct ClientCommandOptions {
  std::string endpoint;
  std::string server;
  std::string bootstrap;
  bool bootstrap_pack = false;
  std::string factory;
  std::string state;
  std::uint32_t lifetime = 300;
  unsigned count = 1;
  bool queue_mode = false;
  std::string lwm2m = "1.1";
  double sample_interval = 5;
  double send_interval = 0;
  double duration = 0;
  double stop_timeout = 10;
  ClientSecurityOptions security;
  std::size_t fw_capacity = client::default_package_capacity;
  std::string fw_dir;
  std::string fw_sha256;
  std::string fw_fail;
  std::string fw_ca;
  double fw_silence = 30;
  std::string fw_delivery = "both";
};

using log::Component;

// Files the process needs besides the devices' sockets (one each towards a server not on
// loopback): standard streams, the event loop's epoll and timer descriptors, the signal pipe, and
// some slack for libraries.
constexpr std::uint64_t reserved_files = 64;

coap::Duration seconds(double s) {
  return std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(s));
}

// Where a device starts: the accounts of a file, or the command line's server or bootstrap
// server.
struct DeviceStart {
  std::vector<lwm2m::Record> provisioning;
  bool bootstrap = false;    // uri is a bootstrap server's
  std::string uri;           // the first server's, for the device's socket and its log
  coap::PeerAddress server;  // resolved from uri
};

// A server URI a device may use: coap:// or coaps://; nullopt with the reason in `error`.
std::optional<transport::CoapUri> device_uri(const std::string& text, std::string& error) {
  auto uri = transport::parse_coap_uri(text, error);
  if (uri && uri->scheme != "coap" && uri->scheme != "coaps") {
    error = "coap:// (NoSec) or coaps:// (DTLS), not " + uri->scheme + "://";
    return std::nullopt;
  }
  return uri;
}

// The start the accounts of a file give; nullopt with the reason in `error`.
std::optional<DeviceStart> start_of_file(std::vector<lwm2m::Record> records, std::string& error) {
  DeviceStart start;
  const auto first = first_server_uri(records, start.bootstrap);
  if (!first) {
    error = "no server URI in the file";
    return std::nullopt;
  }
  start.uri = *first;
  const auto uri = device_uri(start.uri, error);
  if (!uri) return std::nullopt;
  const auto server = transport::resolve(*uri, error);
  if (!server) return std::nullopt;
  start.server = *server;
  start.provisioning = std::move(records);
  return start;
}

int run_client(const ClientCommandOptions& o) {
  std::string error;
  const auto version = lwm2m::lwm2m_version_from_string(o.lwm2m);
  if (!version) {
    log::error(Component::Client, {"config_error"}, "--lwm2m: one of 1.0, 1.1, 1.2");
    return 2;
  }
  if (o.bootstrap_pack && *version != lwm2m::Lwm2mVersion::V1_2) {
    log::error(Component::Client, {"config_error"},
               "--bootstrap-pack: Bootstrap-Pack came with LwM2M 1.2 (add --lwm2m 1.2)");
    return 2;
  }
  const auto objects = client::make_object_registry(*version);

  // The devices' common start: --factory's accounts, else --server's or --bootstrap's; a
  // device's saved state (--state) comes before it.
  std::optional<DeviceStart> common;
  std::optional<dtls::ClientCredentials> security;
  if (!o.factory.empty()) {
    auto records = load_factory_file(o.factory, error);
    if (records) common = start_of_file(std::move(*records), error);
    if (!common) {
      log::error(Component::Client, {"config_error"}, "--factory: " + error);
      return 2;
    }
    if (o.security.any())
      log::warn(Component::Client, {"config_error"},
                "--factory: the accounts' own credentials are used, not the command line's");
  } else if (!o.server.empty() || !o.bootstrap.empty()) {
    DeviceStart start;
    start.bootstrap = !o.bootstrap.empty();
    start.uri = start.bootstrap ? o.bootstrap : o.server;
    const std::string option = start.bootstrap ? "--bootstrap: " : "--server: ";
    const auto uri = device_uri(start.uri, error);
    if (!uri) {
      log::error(Component::Client, {"config_error"}, option + error);
      return 2;
    }
    if (!credentials_for_uri(uri->scheme, uri->host, o.security, security, error)) {
      log::error(Component::Client, {"config_error"}, error);
      return 2;
    }
    const auto server = transport::resolve(*uri, error);
    if (!server) {
      log::error(Component::Client, {"config_error"}, option + error);
      return 2;
    }
    start.server = *server;
    common = std::move(start);
  }
  // --count N: a folder of one state file per device.
  if (!o.state.empty() && o.count > 1) {
    std::error_code ec;
    std::filesystem::create_directories(o.state, ec);
    if (ec) {
      log::error(Component::Client, {"config_error"}, "--state " + o.state + ": " + ec.message());
      return 2;
    }
  }
  std::optional<client::Sha256Digest> fw_sha256;
  if (!o.fw_sha256.empty()) {
    const auto bytes = parse_hex(o.fw_sha256);
    if (!bytes || bytes->size() != 32) {
      log::error(Component::Client, {"config_error"}, "--fw-sha256: 64 hexadecimal digits");
      return 2;
    }
    fw_sha256.emplace();
    std::copy(bytes->begin(), bytes->end(), fw_sha256->begin());
  }
  static const std::map<std::string, FirmwareFault> faults = {
      {"", FirmwareFault::None},
      {"download", FirmwareFault::Download},
      {"integrity", FirmwareFault::Integrity},
      {"storage", FirmwareFault::Storage},
      {"update", FirmwareFault::Update}};
  const auto fault = faults.find(o.fw_fail);
  if (fault == faults.end()) {
    log::error(Component::Client, {"config_error"},
               "--fw-fail: one of download, integrity, storage, update");
    return 2;
  }
  if (!o.fw_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.fw_dir, ec);
    if (ec) {
      log::error(Component::Client, {"config_error"}, "--fw-dir " + o.fw_dir + ": " + ec.message());
      return 2;
    }
  }

  const OpenFileLimit files = raise_open_file_limit();
  const std::uint64_t fit = files.soft > reserved_files ? files.soft - reserved_files : 0;
  std::uint64_t own_sockets = 0;  // devices of servers not on IPv4 loopback
  asio::io_context io;
  std::unique_ptr<DeviceFleet> made;
  try {
    made = std::make_unique<DeviceFleet>(io, o.sample_interval, o.fw_ca);
  } catch (const std::exception& e) {
    log::error(Component::Client, {"config_error"}, "--fw-ca " + o.fw_ca + ": " + e.what());
    return 2;
  }
  DeviceFleet& fleet = *made;
  for (unsigned i = 0; i < o.count; ++i) {
    DeviceOptions d;
    d.endpoint = o.count == 1 ? o.endpoint : o.endpoint + "-" + std::to_string(i);
    std::optional<DeviceStart> saved;
    std::string option = o.factory.empty() ? "" : "--factory: ";
    if (!o.state.empty()) {
      d.state_file = o.count == 1 ? std::filesystem::path(o.state)
                                  : std::filesystem::path(o.state) / (d.endpoint + ".state");
      option = "--state " + d.state_file.string() + ": ";
      error.clear();
      auto records = load_state_file(d.state_file, *objects, error);
      if (records) {
        log::info(Component::Client, {"state_loaded", d.endpoint},
                  d.endpoint + ": accounts from " + d.state_file.string() + " (" +
                      std::to_string(records->size()) + " values): no bootstrap needed");
        saved = start_of_file(std::move(*records), error);
      }
      if (!saved && !error.empty()) {
        log::error(Component::Client, {"config_error"}, option + error);
        return 2;
      }
    }
    if (!saved && !common) {
      log::error(Component::Client, {"config_error"},
                 d.endpoint + ": no state file yet, and no --server, --bootstrap or --factory");
      return 2;
    }
    const DeviceStart& start = saved ? *saved : *common;
    if (!DeviceFleet::shares_socket(start.server) && ++own_sockets > fit) {
      log::error(Component::Client, {"config_error"},
                 "--count " + std::to_string(o.count) + ": each device needs a socket, and this " +
                     "process may open " + std::to_string(files.soft) +
                     " files (RLIMIT_NOFILE, hard limit " + std::to_string(files.hard) + "); " +
                     std::to_string(fit) + " devices fit. Raise the limit (ulimit -Hn) or " +
                     "run fewer devices per process");
      return 2;
    }
    d.server_uri = start.uri;
    d.bootstrap = start.bootstrap;
    d.bootstrap_pack = o.bootstrap_pack;
    d.provisioning = start.provisioning;
    d.server = start.server;
    d.lifetime = o.lifetime;
    d.queue_mode = o.queue_mode;
    d.version = *version;
    d.send_interval = o.send_interval;
    d.seed = os_random_seed();
    d.objects = objects;
    // A file's accounts carry their own credentials.
    if (security && start.provisioning.empty())
      d.security = for_endpoint(*security, o.security, d.endpoint);
    d.fw_capacity = o.fw_capacity;
    d.fw_dir = o.fw_dir;
    d.fw_sha256 = fw_sha256;
    d.fw_fail = fault->second;
    d.fw_silence = o.fw_silence;
    d.fw_pull = o.fw_delivery != "push";
    d.fw_push = o.fw_delivery != "pull";
    const std::string endpoint = d.endpoint;
    std::error_code ec;
    try {
      ec = fleet.add(std::move(d));
    } catch (const ProvisioningError& e) {
      log::error(Component::Client, {"config_error"}, option + e.what());
      return 2;
    } catch (const std::exception& e) {
      log::error(Component::Client, {"config_error"}, std::string("coaps: ") + e.what());
      return 2;
    }
    if (ec) {
      log::error(Component::Client, {"socket_error"},
                 "cannot open a UDP socket for " + endpoint + ": " + ec.message());
      return 1;
    }
  }

  const auto stop = [&] {
    fleet.stop(seconds(o.stop_timeout), [&io](bool all_answered) {
      if (all_answered)
        log::info(Component::Client, {"stopped"}, "all devices de-registered");
      else
        log::warn(Component::Client, {"stopped"}, "de-registration not answered in time, exiting");
      io.stop();
    });
  };
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log::info(
        Component::Client, {"signal"},
        std::string("caught ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + ", de-registering");
    stop();
  });
  asio::steady_timer duration(io);
  if (o.duration > 0) {
    duration.expires_after(seconds(o.duration));
    duration.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) stop();
    });
  }
  io.run();
  fleet.close();
  return 0;
}

const RegisterCommand register_client([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ClientCommandOptions>();
  auto* cmd = app.add_subcommand(
      "client", "Run simulated LwM2M client devices (CoAP over UDP, NoSec or DTLS)");
  cmd->footer(
      "Each device serves Device (3), Connectivity Monitoring (4), Location (6), Connectivity\n"
      "Statistics (7), Temperature (3303, drifting) and Light Control (3311) and logs one line "
      "per\n"
      "registration event and served request on stderr. SIGINT/SIGTERM de-register, then exit.\n"
      "Firmware Update (5): packages pushed to /5/0/0 (Block1) or pulled from the coap://,\n"
      "http:// or https:// URI written to /5/0/1; Update (/5/0/2) makes the package's version (its "
      "first\n"
      "line \"DROVER-FW <version>\", else sha256:<digest>) the Firmware Version (/3/0/3) and\n"
      "sends a registration Update.\n"
      "Example: drover client --endpoint dev --server coap://127.0.0.1:5683 --count 10");
  cmd->add_option("--endpoint", o->endpoint,
                  "Endpoint client name (NAME-0 ... NAME-<N-1> with --count)")
      ->required();
  auto* server =
      cmd->add_option("--server", o->server, "LwM2M server URI, coap://HOST[:PORT] or coaps://");
  auto* bootstrap = cmd->add_option(
      "--bootstrap", o->bootstrap,
      "Bootstrap server URI, coap://HOST[:PORT]: the devices get their servers from it (a "
      "Bootstrap-Request), then register with them");
  server->excludes(bootstrap);
  bootstrap->excludes(server);
  cmd->add_flag("--bootstrap-pack", o->bootstrap_pack,
                "With --bootstrap and --lwm2m 1.2: ask for the whole configuration in one "
                "Bootstrap-Pack-Request (GET /bspack), falling back to a Bootstrap-Request when "
                "the bootstrap server has none")
      ->needs(bootstrap);
  auto* factory =
      cmd->add_option(
             "--factory", o->factory,
             "Factory bootstrap: a JSON file of Security, Server and Access Control instances in "
             "the "
             "bootstrap server's configuration format ({\"servers\": [{\"security\": {\"uri\": "
             "\"coap://...\", \"ssid\": 1}, \"server\": {...}}], \"acls\": [...]}); the devices "
             "register with the servers it names, coaps:// ones over DTLS with the keys of their "
             "Security instance (psk, rpk or x509; DER in hex)")
          ->check(CLI::ExistingFile);
  factory->excludes(server);
  factory->excludes(bootstrap);
  cmd->add_option("--state", o->state,
                  "Where a device keeps the accounts a bootstrap gave it (written after each "
                  "Bootstrap-Finish, owner-readable only: they hold keys); when they are there at "
                  "start, the device registers with them directly, before --factory, --server or "
                  "--bootstrap. A file with one device; with --count, a folder (made if missing) "
                  "of one file per device, NAME-i.state");
  add_client_security_options(*cmd, o->security);
  cmd->add_option("--psk-master", o->security.psk_master,
                  "coaps: a fleet's master key, hexadecimal: each device's PSK identity is its "
                  "endpoint name, its key the first 16 bytes of HMAC-SHA256(master, endpoint)");
  cmd->add_option("--lifetime", o->lifetime, "Registration lifetime in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 0xFFFFFFFFu));
  cmd->add_option("--count", o->count,
                  "Number of devices. With a server on 127.x.y.z they share one socket, device i "
                  "sending from 127.1.0.0 + i; otherwise each has a socket of its own, so at most "
                  "the open-file limit (RLIMIT_NOFILE, raised to its hard limit) less " +
                      std::to_string(reserved_files))
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--queue-mode", o->queue_mode, "Register in queue mode (Q)");
  cmd->add_option("--lwm2m", o->lwm2m, "LwM2M version: 1.0, 1.1 or 1.2")->capture_default_str();
  cmd->add_option("--sample-interval", o->sample_interval, "Seconds between temperature readings")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 86400.0));
  cmd->add_option("--send-interval", o->send_interval,
                  "Seconds between Sends (POST /dp) of the temperature (default: none)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--duration", o->duration, "De-register and stop after this many seconds")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--fw-capacity", o->fw_capacity,
                  "Firmware Update (5): the largest package a device takes, in bytes (larger "
                  "ones end with Update Result 2, not enough storage)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32));
  cmd->add_option("--fw-dir", o->fw_dir,
                  "Firmware Update: keep packages in files in this folder (ENDPOINT.fw), not in "
                  "memory");
  cmd->add_option("--fw-sha256", o->fw_sha256,
                  "Firmware Update: the SHA-256 packages must have (hexadecimal); another ends "
                  "with Update Result 5, integrity check failure");
  cmd->add_option("--fw-ca", o->fw_ca,
                  "Firmware Update: PEM CA certificates of https:// package servers (default: "
                  "the system's)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--fw-fail", o->fw_fail,
                  "Firmware Update, for tests: make a step fail. download: the first download "
                  "loses its link once 2 KiB are in (Update Result 4, then no datagram for "
                  "--fw-silence s); integrity: the first package fails its check (5); update: the "
                  "first installation fails (8); storage: no package over 1 KiB fits (2)")
      ->check(CLI::IsMember({"download", "integrity", "storage", "update"}));
  cmd->add_option("--fw-silence", o->fw_silence,
                  "Seconds a device stays silent after --fw-fail download")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--fw-delivery", o->fw_delivery,
                  "Firmware Update: the deliveries a device takes (Delivery Method, /5/0/9): "
                  "pull (coap://, http://, https://), push (a Write of Package) or both")
      ->capture_default_str()
      ->check(CLI::IsMember({"pull", "push", "both"}));
  cmd->add_option("--stop-timeout", o->stop_timeout,
                  "Seconds to wait for de-registration answers when stopping")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] {
    if (o->server.empty() && o->bootstrap.empty() && o->factory.empty() && o->state.empty())
      throw CLI::RequiredError("--server, --bootstrap or --factory");
    exit_code = run_client(*o);
  });
});

}  // namespace
}  // namespace drover::apps
