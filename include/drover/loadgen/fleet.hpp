// A fleet of simulated LwM2M clients for load generation, sans-I/O.
//
// A real client (drover::client::Client) costs kilobytes and a timer set of its own; a million of
// them do not fit one process. A fleet keeps each simulated client in a fixed 72-byte slot (16
// bytes more when it pulls an image) and speaks just enough LwM2M to load a server faithfully:
// Register (with an object-link list), Update, De-register, Send, confirmable notifications of
// /3303/i/5700, Block2 GETs of a firmware image, Bootstrap-Requests, and answers to the server's
// Read of /3/0, Observe and Write, and to a bootstrap server's Delete, Write and Finish. Every
// simulated client has its own source address: client i is `first_address + i` (IPv4, e.g.
// 127.1.0.0 + i on loopback) at one shared port, so one socket bound to the wildcard address serves
// them all (the driver sends with IP_PKTINFO and learns the destination of each datagram it
// receives).
//
// Like the protocol cores it owns no socket and no clock: the driver calls receive() for each
// datagram with the client it was addressed to, on_timer() at next_expiry(), and start() to issue
// requests; datagrams to send go to the Sink. Each client has at most one request of its own in
// flight; retransmission follows RFC 7252 (ACK_TIMEOUT doubling, MAX_RETRANSMIT) without the random
// factor, so the timers are FIFOs and cost O(1). Nothing allocates per message once warm.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/coap/engine.hpp"
#include "drover/coap/message.hpp"
#include "drover/loadgen/histogram.hpp"

namespace drover::loadgen {

using coap::Duration;
using coap::TimePoint;

// The requests a simulated client makes on its own. Block: the next Block2 block of the image
// (FleetConfig::image_path), the first again once the image is whole. Bootstrap: a
// Bootstrap-Request (POST /bs?ep=NAME) whose operation lasts until the bootstrap server's Finish:
// it succeeds when the Finish is answered (the client answers the Delete and Writes before it as
// any device would: 2.02 and 2.04, their payloads unread), and fails on an error answer to the
// request or when no Finish comes within the wait for a separate response.
enum class Op : std::uint8_t { Register, Update, Deregister, Send, Notify, Block, Bootstrap };
inline constexpr std::size_t op_count = 7;
std::string_view to_string(Op);

// An order-sensitive 64-bit checksum of a byte stream, folded 8 bytes at a time: what a device
// pulling an image keeps of it instead of the bytes. Folding the blocks in turn gives the sum of
// the whole (blocks are multiples of 8 bytes, all but the last). Start from kChecksumSeed.
inline constexpr std::uint64_t kChecksumSeed = 0x6a09e667f3bcc908;
std::uint64_t fold_checksum(std::uint64_t sum, std::span<const std::uint8_t> bytes);

// "bench-0000042": the endpoint name of client 42 with prefix "bench-", and back.
std::string endpoint_name(std::string_view prefix, std::uint32_t client);
std::optional<std::uint32_t> client_of_endpoint(std::string_view prefix, std::string_view endpoint);

struct FleetConfig {
  std::uint32_t clients = 1;
  // IPv4 address of client 0 (host order); client i has first_address + i.
  std::uint32_t first_address = 0x7f010000;  // 127.1.0.0
  coap::PeerAddress server;
  std::string endpoint_prefix = "bench-";
  std::uint32_t lifetime = 86400;
  std::string lwm2m_version = "1.1";
  // The Register payload: what a typical sensor announces.
  std::string object_links = "</1/0>,</3/0>,</4/0>,</3303/0>,</3303/1>,</3303/2>,</3303/3>";
  Duration ack_timeout = std::chrono::seconds(2);
  unsigned max_retransmit = 4;
  // Notifications are NON by default, as servers' observers mostly get them (RFC 7641 §4.5): they
  // leave nothing in flight, and the server's count of decoded notifications is the measure. CON
  // notifications complete on their ACK like requests.
  bool confirmable_notifications = false;
  // Image pulls (Op::Block): the Uri-Path of the image ("fw/<sha256>"; empty: no pulls), the block
  // size asked (SZX; a smaller one answered is followed) and the checksum of the whole image.
  std::string image_path;
  std::uint8_t block_szx = 6;
  std::uint64_t image_checksum = kChecksumSeed;
};

struct OpStats {
  std::uint64_t started = 0;
  std::uint64_t succeeded = 0;      // 2.xx (an empty ACK for a notification)
  std::uint64_t error_code = 0;     // 4.xx / 5.xx
  std::uint64_t timed_out = 0;      // no answer after the retransmissions
  std::uint64_t reset = 0;          // RST
  std::uint64_t retransmitted = 0;  // datagrams sent again
  std::uint64_t unconfirmed = 0;    // NON messages sent (no answer expected)
  Histogram latency;                // first transmission to answer, nanoseconds (successes)
};

struct FleetStats {
  std::array<OpStats, op_count> ops;
  std::uint64_t reads_served = 0;      // GET answered with content
  std::uint64_t observes_served = 0;   // GET with Observe=0 accepted
  std::uint64_t writes_served = 0;     // PUT/POST answered 2.04
  std::uint64_t bootstrap_served = 0;  // Bootstrap-Delete, -Write and -Finish answered
  std::uint64_t requests_refused = 0;  // answered 4.xx (unknown path, unsupported Accept ...)
  std::uint64_t unmatched = 0;         // responses and ACKs that matched nothing
  std::uint64_t malformed = 0;
  std::uint64_t images_pulled = 0;   // image transfers ended with the image's checksum
  std::uint64_t images_corrupt = 0;  // ended with another checksum, or a block out of place
  OpStats& of(Op op) { return ops[static_cast<std::size_t>(op)]; }
  const OpStats& of(Op op) const { return ops[static_cast<std::size_t>(op)]; }
};

class Fleet {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    // One datagram from simulated client `client` to `to`.
    virtual void send(std::uint32_t client, const coap::PeerAddress& to,
                      std::span<const std::uint8_t> bytes) = 0;
  };

  Fleet(FleetConfig config, Sink& sink);

  const FleetConfig& config() const { return config_; }
  std::uint32_t size() const { return config_.clients; }
  // The source address of client `i` (port: config().server's family, port `port`).
  coap::PeerAddress address_of(std::uint32_t client, std::uint16_t port) const;
  // The client a datagram addressed to `local` is for; nullopt if outside the fleet.
  std::optional<std::uint32_t> client_at(const coap::PeerAddress& local) const;
  std::string endpoint_of(std::uint32_t client) const {
    return endpoint_name(config_.endpoint_prefix, client);
  }

  // Starts `op` for `client`; false when the client has a request in flight or `op` does not fit
  // its state (Update/Deregister/Send need a registration, Notify an observation).
  bool start(Op op, std::uint32_t client, TimePoint now);
  void receive(std::uint32_t client, const coap::PeerAddress& from,
               std::span<const std::uint8_t> datagram, TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;

  // Marks every client registered at `location` without a Register: for a responder that answers
  // without registrations (IdealResponder).
  void assume_registered(std::string_view location);

  // Busy from a request's start to its end; a Bootstrap until the session's Finish.
  bool busy(std::uint32_t client) const { return clients_[client].pending; }
  bool registered(std::uint32_t client) const { return clients_[client].registered; }
  bool observed(std::uint32_t client) const { return clients_[client].observed; }
  // The bytes of the image `client` has pulled in its current transfer.
  std::uint32_t image_offset(std::uint32_t client) const {
    return transfers_.empty() ? 0 : transfers_[client].offset;
  }
  std::uint32_t registered_count() const { return registered_count_; }
  std::uint32_t observed_count() const { return observed_count_; }
  std::size_t in_flight() const { return in_flight_; }

  const FleetStats& stats() const { return stats_; }
  void reset_stats() { stats_ = FleetStats{}; }

 private:
  struct Client {
    TimePoint sent_at{};
    std::array<char, 31> location{};  // the registration's Location-Path after "rd"
    std::uint8_t location_size = 0;
    std::uint16_t next_mid = 0;
    std::uint16_t pending_mid = 0;
    std::uint16_t notify_mid = 0;  // of the last NON notification, to match the server's RST
    std::uint32_t observe_seq = 0;
    std::array<std::uint8_t, 8> observe_token{};
    std::uint8_t observe_token_size = 0;
    std::uint8_t observe_instance = 0;
    Op pending_op = Op::Register;
    std::uint8_t attempts = 0;
    bool pending = false;
    bool acked = false;  // an empty ACK came: the response will be separate (for a Bootstrap:
                         // its 2.04 came, the Finish will)
    bool registered = false;
    bool observed = false;
  };
  // A transfer's state, kept apart from the slots so that fleets that pull nothing do not pay it.
  struct Transfer {
    std::uint64_t checksum = kChecksumSeed;  // of the bytes so far
    std::uint32_t offset = 0;                // the next byte to ask for
    std::uint8_t szx = 6;
  };
  struct TimerEntry {
    TimePoint at;
    std::uint32_t client;
    std::uint16_t mid;
  };

  void transmit(std::uint32_t client, Client& c);
  void build_request(std::uint32_t client, const Client& c, Op op, coap::Type type,
                     std::uint16_t mid);
  void arm(std::uint32_t client, const Client& c, TimePoint now);
  void complete(std::uint32_t client, Client& c, coap::Code code, TimePoint now);
  void end_pending(Client& c);
  void serve(std::uint32_t client, Client& c, const coap::PeerAddress& from, TimePoint now);
  void send_message(std::uint32_t client, const coap::PeerAddress& to);
  void set_observed(Client& c, bool on);
  bool take_block(Transfer& t);

  FleetConfig config_;
  Sink& sink_;
  std::vector<Client> clients_;
  std::vector<Transfer> transfers_;  // one per client when the fleet pulls an image, else none
  // One FIFO per attempt: entries of one attempt share a timeout, so each FIFO is in time order.
  std::vector<std::deque<TimerEntry>> timers_;
  std::size_t in_flight_ = 0;
  std::uint32_t registered_count_ = 0;
  std::uint32_t observed_count_ = 0;
  FleetStats stats_;

  coap::Message in_;
  coap::Message out_;
  std::array<std::uint8_t, 1500> wire_{};
  std::vector<std::uint8_t> device_tlv_;               // the answer to Read /3/0
  std::vector<std::vector<std::uint8_t>> send_packs_;  // SenML CBOR Send payloads
};

}  // namespace drover::loadgen
