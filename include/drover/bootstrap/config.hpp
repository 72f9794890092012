// What a bootstrap server provisions on a device: per endpoint name (or "*", the default for
// unknown names) the paths to delete, the Security (0), Server (1) and Access Control (2)
// instances to write, in which order, and the optional Discover and Reads first. Configurations
// are JSON documents (docs/http-api.md shows one), validated when stored: one that would leave a
// device without a usable LwM2M server is refused with the reason.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/path.hpp"
#include "drover/lwm2m/model/value.hpp"
#include "drover/lwm2m/protocol/registration.hpp"
#include "drover/lwm2m/protocol/security.hpp"
#include "drover/util/document_table.hpp"
#include "drover/util/result.hpp"

namespace drover::bootstrap {

// An instance of the Security object.
struct SecurityInstance {
  std::optional<std::uint16_t> instance;  // else the next free ID in the config's order
  std::string uri;                        // /0/x/0
  bool bootstrap = false;                 // /0/x/1: the bootstrap server's own account
  lwm2m::SecurityMode mode = lwm2m::SecurityMode::NoSec;  // /0/x/2
  lwm2m::Opaque identity;           // /0/x/3: PSK identity, or the device's public key/certificate
  lwm2m::Opaque server_public_key;  // /0/x/4
  lwm2m::Opaque secret_key;         // /0/x/5: PSK key or private key (a secret: never shown)
  std::optional<std::uint16_t> ssid;      // /0/x/10 (not for the bootstrap account)
  std::optional<std::uint32_t> hold_off;  // /0/x/11, seconds
  // /0/x/15, X.509 only: how the device checks server_public_key (0..3, RFC 6698); absent: 3.
  std::optional<std::uint8_t> certificate_usage;
  friend bool operator==(const SecurityInstance&, const SecurityInstance&) = default;
};

// An instance of the Server object.
struct ServerInstance {
  std::optional<std::uint16_t> instance;
  std::uint16_t ssid = 0;             // /1/x/0
  std::uint32_t lifetime = 86400;     // /1/x/1
  std::optional<std::uint32_t> pmin;  // /1/x/2
  std::optional<std::uint32_t> pmax;  // /1/x/3
  bool notification_storing = true;   // /1/x/6
  std::string binding = "U";          // /1/x/7
  friend bool operator==(const ServerInstance&, const ServerInstance&) = default;
};

// A server account: its Security instance and, but for the bootstrap server's, its Server one.
struct ServerAccount {
  SecurityInstance security;
  std::optional<ServerInstance> server;
  friend bool operator==(const ServerAccount&, const ServerAccount&) = default;
};

// An instance of the Access Control object: who may do what on one object instance.
struct AclInstance {
  std::optional<std::uint16_t> instance;
  std::uint16_t object_id = 0;                    // /2/x/0
  std::uint16_t object_instance = 0;              // /2/x/1 (65535: creation rights on the object)
  std::map<std::uint16_t, std::uint16_t> rights;  // /2/x/2: ssid (0: default) -> access bits
  std::uint16_t owner = 0;                        // /2/x/3: ssid of the Access Control Owner
  friend bool operator==(const AclInstance&, const AclInstance&) = default;
};

struct BootstrapConfig {
  // The device's LwM2M version when known: the payload format when the request names none
  // (TLV for 1.0, SenML CBOR for 1.1, LwM2M CBOR for 1.2).
  std::optional<lwm2m::Lwm2mVersion> version;
  // A format for every payload, before the device's pct (tests, devices that misreport it).
  std::optional<lwm2m::ContentFormat> format;
  bool discover = false;                            // Bootstrap-Discover of "/" first
  std::vector<lwm2m::Path> reads;                   // Bootstrap-Read of /1 or /2 (1.1+)
  std::vector<lwm2m::Path> deletes{lwm2m::Path()};  // Bootstrap-Delete, "/" by default
  std::vector<ServerAccount> servers;
  std::vector<AclInstance> acls;
  // The order of the writes, by object ID (each of 0, 1 and 2 once).
  std::vector<std::uint16_t> order{0, 1, 2};
  friend bool operator==(const BootstrapConfig&, const BootstrapConfig&) = default;
};

// One Bootstrap-Write: an instance and its resources.
struct InstanceWrite {
  lwm2m::Path path;  // /0/x, /1/x or /2/x
  std::vector<lwm2m::Record> records;
};

// The writes of `config` in its order, instance IDs assigned (the explicit ones kept, the others
// the lowest free ones). `device_bootstrap_account`: the Security instance of the device's own
// bootstrap account (from Bootstrap-Discover), which the config's bootstrap account without an
// explicit ID replaces and its other accounts keep clear of. Precondition: the config is valid.
std::vector<InstanceWrite> instance_writes(
    const BootstrapConfig& config,
    std::optional<std::uint16_t> device_bootstrap_account = std::nullopt);

// Why a configuration is refused, or nullopt when it is usable.
std::optional<std::string> validate(const BootstrapConfig& config);

// JSON form. Opaque values are hex ("identity" also takes text as "identity_text"); the secrets
// (secret_key) are written as "********" when `mask_secrets`.
std::string to_json(const BootstrapConfig& config, bool mask_secrets);
// Parses and validates; the reason when the document is no usable configuration.
drover::Result<BootstrapConfig, std::string> config_from_json(std::string_view json);

inline constexpr std::string_view default_config_name = "*";
inline constexpr std::string_view masked_secret = "********";

// The configurations by name, in memory, written through to a DocumentTable when one is given.
class BootstrapConfigs {
 public:
  explicit BootstrapConfigs(DocumentTable* table = nullptr);
  // Reads the table's documents; the reasons of those that are no longer usable (they are skipped).
  std::vector<std::string> load();
  // Adds every config of a JSON object {"name": {...}, ...} (a file of configurations).
  std::optional<std::string> put_all_json(std::string_view json);

  // Stores a valid config under `name` (an endpoint name, or "*"); the reason when refused.
  std::optional<std::string> put(std::string_view name, BootstrapConfig config);
  bool erase(std::string_view name);
  const BootstrapConfig* get(std::string_view name) const;
  // The config of `endpoint`: its own, else the default, else null.
  const BootstrapConfig* find(std::string_view endpoint) const;
  const std::map<std::string, BootstrapConfig, std::less<>>& all() const { return configs_; }
  // Grows with every change, so that what is derived from the configurations knows when to
  // derive it again.
  std::uint64_t revision() const { return revision_; }

 private:
  DocumentTable* table_;
  std::uint64_t revision_ = 0;
  std::map<std::string, BootstrapConfig, std::less<>> configs_;
};

}  // namespace drover::bootstrap
