// The Security object (0) as accounts: what a device's Security instances say of each server it
// may talk to (its URI, whether it is the bootstrap server, how the link is secured and with what
// keys). The one definition of the Security Mode values, shared by the bootstrap server's
// configurations, the client core and the programs that secure a device's links.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {

// Security Mode (/0/x/2).
enum class SecurityMode : std::uint8_t { Psk = 0, Rpk = 1, Certificate = 2, NoSec = 3, Est = 4 };
std::string_view to_string(SecurityMode);  // "psk", "rpk", "x509", "nosec", "est"
std::optional<SecurityMode> security_mode_from_string(std::string_view);
// The mode of a /0/x/2 value; nullopt outside 0..4.
std::optional<SecurityMode> security_mode_from_int(std::int64_t);

// One Security instance's resources that say how to reach and secure its server.
struct SecurityAccount {
  std::uint16_t instance = 0;
  std::string uri;                                // /0/x/0
  bool bootstrap = false;                         // /0/x/1
  std::optional<SecurityMode> mode;               // /0/x/2; nullopt: absent or out of range
  Opaque public_key_or_identity;                  // /0/x/3: PSK identity, own public key (DER)
                                                  //   or own certificate (DER)
  Opaque server_public_key;                       // /0/x/4: the server's key or certificate
  Opaque secret_key;                              // /0/x/5: PSK key or own private key (DER)
  std::optional<std::uint16_t> short_server_id;   // /0/x/10
  std::optional<std::uint8_t> certificate_usage;  // /0/x/15: 0..3 (RFC 6698); absent: 3
  friend bool operator==(const SecurityAccount&, const SecurityAccount&) = default;
};

// The accounts of the Security instances among `records` (any object's records may be there; only
// /0/x/r are read), by instance ID. A value of the wrong type or range is left as absent.
std::vector<SecurityAccount> security_accounts(std::span<const Record> records);

}  // namespace drover::lwm2m
