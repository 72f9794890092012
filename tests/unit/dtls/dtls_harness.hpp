// DTLS server and client cores wired back to back in memory, driven by a fake clock: GnuTLS's
// own clock (its retransmission timers) is made to read the same fake time.
#pragma once

#include <gnutls/gnutls.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "drover/coap/datagram_core.hpp"
#include "drover/dtls/client_handshake.hpp"
#include "drover/dtls/credentials.hpp"
#include "drover/dtls/dtls_client.hpp"
#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/pki.hpp"

// GnuTLS's hook for its clock, exported for its own tests of DTLS timers.
extern "C" void _gnutls_global_set_gettime_function(void (*)(struct timespec*));

namespace drover::dtls::testing {

using namespace std::chrono_literals;
using coap::PeerAddress;
using coap::TimePoint;

struct FakeClock {
  static inline TimePoint now = TimePoint(std::chrono::hours(1000));
  static void gettime(struct timespec* ts) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    ts->tv_sec = static_cast<time_t>(ns / 1000000000);
    ts->tv_nsec = static_cast<long>(ns % 1000000000);
  }
  static void install() { _gnutls_global_set_gettime_function(&FakeClock::gettime); }
};

// An inner core that keeps what it receives and sends what it is given.
class Recorder final : public coap::DatagramCore {
 public:
  struct Datagram {
    PeerAddress peer;
    std::string text;
  };
  void receive(const PeerAddress& peer, std::span<const std::uint8_t> d, TimePoint) override {
    received.push_back({peer, std::string(d.begin(), d.end())});
  }
  void on_timer(TimePoint) override {}
  bool poll_transmit(coap::Transmit& out) override {
    if (outbox.empty()) return false;
    current = std::move(outbox.front());
    outbox.erase(outbox.begin());
    out.peer = current.peer;
    out.bytes = {reinterpret_cast<const std::uint8_t*>(current.text.data()), current.text.size()};
    return true;
  }
  std::optional<TimePoint> next_expiry() const override { return std::nullopt; }
  void send(const PeerAddress& peer, std::string text) {
    outbox.push_back({peer, std::move(text)});
  }

  std::vector<Datagram> received;
  std::vector<Datagram> outbox;
  Datagram current;
};

// Datagrams between one server core and any number of client cores, each at its own address.
class Network {
 public:
  struct Node {
    PeerAddress address;
    coap::DatagramCore* core;
  };
  // Sees every datagram (from, to, bytes); false drops it.
  using Filter = std::function<bool(const PeerAddress& from, const PeerAddress& to,
                                    std::span<const std::uint8_t> bytes)>;

  void add(PeerAddress address, coap::DatagramCore& core) { nodes.push_back({address, &core}); }

  // Moves datagrams until none is left.
  void pump() {
    for (int round = 0; round < 1000; ++round) {
      bool moved = false;
      for (auto& from : nodes) {
        coap::Transmit tx;
        while (from.core->poll_transmit(tx)) {
          moved = true;
          std::vector<std::uint8_t> bytes(tx.bytes.begin(), tx.bytes.end());
          ++datagrams;
          if (filter && !filter(from.address, tx.peer, bytes)) continue;
          for (auto& to : nodes)
            if (to.address == tx.peer) to.core->receive(from.address, bytes, FakeClock::now);
        }
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "the network did not settle";
  }

  // Runs every timer due up to now + d, pumping after each.
  void advance(coap::Duration d) {
    const TimePoint target = FakeClock::now + d;
    for (int i = 0; i < 100000; ++i) {
      std::optional<TimePoint> next;
      for (auto& n : nodes) {
        const auto e = n.core->next_expiry();
        if (e && (!next || *e < *next)) next = e;
      }
      if (!next || *next > target) break;
      FakeClock::now = std::max(FakeClock::now, *next);
      for (auto& n : nodes) n.core->on_timer(FakeClock::now);
      pump();
    }
    FakeClock::now = target;
    for (auto& n : nodes) n.core->on_timer(FakeClock::now);
    pump();
  }

  std::vector<Node> nodes;
  Filter filter;
  std::size_t datagrams = 0;
};

inline const PeerAddress kServer = PeerAddress::loopback_v4(5684);
inline PeerAddress client_address(std::uint16_t n) {
  return PeerAddress::loopback_v4(40000 + n);
}

inline std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// The load generator's client against `server` from `me`, with no loss, until its handshake ends
// and its last flight is delivered.
inline void run_handshake(ClientHandshake& handshake, DtlsServer& server, const PeerAddress& me) {
  for (int flight = 0; flight < 10 && !handshake.output.empty(); ++flight) {
    for (const auto& d : std::exchange(handshake.output, {})) server.receive(me, d, FakeClock::now);
    coap::Transmit tx;
    while (server.poll_transmit(tx)) handshake.receive(tx.bytes, FakeClock::now);
  }
}

// A certificate for `common_name` signed by `ca`, valid for a day (dtls/pki.hpp).
inline CertificateCredential make_certificate(const CertificateAuthority& ca,
                                              const std::string& common_name) {
  return dtls::make_certificate(ca, common_name, time(nullptr) + 86400);
}

// The DER inside a PEM text (its first block).
inline std::vector<std::uint8_t> der_of(const std::string& pem) {
  const gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                          static_cast<unsigned>(pem.size())};
  gnutls_datum_t out{};
  if (gnutls_pem_base64_decode2(nullptr, &in, &out) < 0) return {};
  std::vector<std::uint8_t> bytes(out.data, out.data + out.size);
  gnutls_free(out.data);
  return bytes;
}

}  // namespace drover::dtls::testing
