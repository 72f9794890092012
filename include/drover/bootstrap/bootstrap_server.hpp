// The LwM2M bootstrap server core, sans-I/O: the Bootstrap interface seen from the server.
//
// BootstrapServer is a coap::DatagramCore owning its coap::Engine, driven like the LwM2M server
// (server/server.hpp): receive / on_timer with the time, then poll_event and poll_transmit.
//
// A session bootstraps one device. It starts with the device's Bootstrap-Request
// (POST /bs?ep=NAME[&pct=CF], answered 2.04; 4.00 for a bad query or an endpoint without a
// config and no default "*"; 4.15 for a pct that is not TLV, SenML JSON/CBOR or LwM2M CBOR;
// 5.03 when max_sessions are under way; 4.03 when the peer's security does not allow it, see
// set_security_lookup), or with start() towards a device's known address
// (server-initiated). It then runs the endpoint's configuration as one request at a time:
// Bootstrap-Discover (optional), Bootstrap-Read (optional, 1.1+), Bootstrap-Delete of each
// configured path, Bootstrap-Write of each Security, Server and Access Control instance, and
// Bootstrap-Finish (POST /bs). Any answer other than a success fails the session, as does a
// request the device never answers (the engine's retransmissions and deadline) and a session
// still running after session_timeout. A session ends Finished or Failed and is freed.
//
// Payloads are in the config's format, else the pct, else the format the config's LwM2M version
// implies (TLV for 1.0, SenML CBOR for 1.1, LwM2M CBOR for 1.2), else TLV, which every version
// reads.
//
// LwM2M 1.2's Bootstrap-Pack-Request (GET /bspack?ep=NAME) is answered 2.05 with every instance
// of the configuration in one payload: SenML CBOR unless the Accept option asks for SenML JSON or
// LwM2M CBOR (4.06 for another format); no session, no Finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "drover/bootstrap/config.hpp"
#include "drover/coap/datagram_core.hpp"
#include "drover/coap/engine.hpp"
#include "drover/server/requests.hpp"
#include "drover/server/server.hpp"

namespace drover::bootstrap {

using coap::Duration;
using coap::TimePoint;

struct BootstrapServerConfig {
  coap::EngineConfig engine;
  // Seeds the engine (tokens, MIDs). Production code seeds it from the OS; tests pass fixed seeds.
  std::uint64_t random_seed = 0;
  std::size_t max_sessions = 1024;
  // The deadline of each request's answer (the engine retransmits a CON within it).
  Duration request_timeout = std::chrono::seconds(93);
  // A session still running this long after it started fails.
  Duration session_timeout = std::chrono::minutes(5);
  // Events not taken by poll_event; past it the newest are dropped and counted.
  std::size_t max_pending_events = 4096;
};

// The steps of a session; Request is the device's Bootstrap-(Pack-)Request itself, when it is
// refused (4.03) before any session.
enum class Step : std::uint8_t { Request, Discover, Read, Delete, Write, Finish };
std::string_view to_string(Step);  // "discover", "read", ...

using SessionId = std::uint64_t;

struct Started {
  SessionId session;
  std::string endpoint;
  coap::PeerAddress peer;
  bool server_initiated = false;
  lwm2m::ContentFormat format;  // of the Bootstrap-Writes
};
// One step answered with success.
struct StepDone {
  SessionId session;
  std::string endpoint;
  Step step;
  lwm2m::Path path;                // root for Finish
  server::OperationResult result;  // its code; the records of a Read, the links of a Discover
};
struct Finished {
  SessionId session;
  std::string endpoint;
};
struct Failed {
  SessionId session;  // 0: a request refused before any session
  std::string endpoint;
  Step step;  // the step under way
  lwm2m::Path path;
  coap::Code code;     // the device's answer, Empty when there was none
  std::string reason;  // the status, and the device's diagnostic
};
// A Bootstrap-Pack answered.
struct PackServed {
  std::string endpoint;
  coap::PeerAddress peer;
  lwm2m::ContentFormat format;
};
using BootstrapEvent = std::variant<Started, StepDone, Finished, Failed, PackServed>;

enum class Error : std::uint8_t {
  UnknownEndpoint,  // no config for it, and no default
  TooManySessions,
  SessionExists,  // this endpoint is being bootstrapped already
  Busy,           // the engine refused the request
};
std::string_view to_string(Error);

// Counters since the start, for metrics.
struct BootstrapStats {
  std::uint64_t requests = 0;  // Bootstrap-Requests answered 2.04
  std::uint64_t started = 0;   // sessions, both ways
  std::uint64_t finished = 0;
  std::uint64_t failed = 0;
  std::uint64_t refused_unknown = 0;   // 4.00: no config (or a bad query)
  std::uint64_t refused_format = 0;    // 4.15 / 4.06
  std::uint64_t refused_busy = 0;      // 5.03: max_sessions
  std::uint64_t refused_identity = 0;  // 4.03: not the DTLS identity's endpoint, or NoSec
  std::uint64_t packs = 0;
  std::uint64_t events_dropped = 0;
};

class BootstrapServer : public coap::DatagramCore {
 public:
  // `configs` must outlive the server; it is read when a session starts.
  BootstrapServer(BootstrapServerConfig config, const BootstrapConfigs& configs);
  ~BootstrapServer() override;
  BootstrapServer(const BootstrapServer&) = delete;
  BootstrapServer& operator=(const BootstrapServer&) = delete;

  void receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
               TimePoint now) override;
  void on_timer(TimePoint now) override;
  bool poll_transmit(coap::Transmit& out) override;
  std::optional<TimePoint> next_expiry() const override;
  bool poll_event(BootstrapEvent& out);

  // What a secure transport (DTLS) proved about the peer of a request, as the LwM2M server takes
  // it (server::SecurityLookup), and which endpoints have credentials outside their configs
  // (`secured`, may be empty). A Bootstrap-Request or Bootstrap-Pack-Request is answered 4.03,
  // with a Failed event (Step::Request) saying why, when it comes over DTLS with a credential
  // bound to another endpoint (the endpoint "*": named by the default configuration, for the
  // endpoints that have no configuration of their own), or over NoSec for an endpoint whose
  // configuration's bootstrap account is secured (PSK, RPK, X.509) or that `secured` names: no
  // downgrade. Without a lookup nothing is checked.
  void set_security_lookup(server::SecurityLookup lookup, server::SecuredEndpoint secured = {});

  // Server-initiated bootstrap of `endpoint` at `peer`, with its config.
  drover::Result<SessionId, Error> start(const std::string& endpoint, const coap::PeerAddress& peer,
                                         TimePoint now);

  std::size_t sessions() const;
  const BootstrapStats& stats() const;
  const coap::Engine& engine() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::bootstrap
