// The DTLS server on what reaches it before anything is authenticated: datagrams from a few
// addresses at times a fake clock moves on. A chunk may also be sent again with the cookie of the
// HelloVerifyRequest it got spliced in, so that fuzzed ClientHellos pass the stateless cookie
// exchange into GnuTLS's parsing and the server's own look at the hello (find_raw_key_offer: the
// server has both a certificate and a raw public key). Never crashes, never gives the inner core
// a datagram (nobody holds a credential here), and stays within its bounds.
//
// Input: chunks of [control][length, 2 bytes big-endian][bytes]. Control: bits 0-1 the address,
// bit 2 send again with the cookie, bits 3-7 the time to move on first (tenths of a second).
#include <gnutls/gnutls.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <span>
#include <vector>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/pki.hpp"

// GnuTLS's hook for its clock (its retransmission timers read the fake time too).
extern "C" void _gnutls_global_set_gettime_function(void (*)(struct timespec*));

using namespace drover;
using namespace drover::dtls;

namespace {

coap::TimePoint fake_now;

void fake_gettime(struct timespec* ts) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(fake_now.time_since_epoch()).count();
  ts->tv_sec = static_cast<time_t>(ns / 1000000000);
  ts->tv_nsec = static_cast<long>(ns % 1000000000);
}

// Fails on any datagram: no peer authenticates.
class Inner final : public coap::DatagramCore {
 public:
  void receive(const coap::PeerAddress&, std::span<const std::uint8_t>, coap::TimePoint) override {
    std::abort();
  }
  void on_timer(coap::TimePoint) override {}
  bool poll_transmit(coap::Transmit&) override { return false; }
  std::optional<coap::TimePoint> next_expiry() const override { return std::nullopt; }
};

struct Fixture {
  Fixture() {
    _gnutls_global_set_gettime_function(&fake_gettime);
    store.add_psk("dev1", "dev1-id", {1, 2, 3, 4, 5, 6, 7, 8});
    const auto ca = make_ca("Fuzz CA");
    credentials.store = &store;
    credentials.certificate = make_certificate(ca, "lwm2m.example", time(nullptr) + 86400);
    credentials.raw_public_key = make_private_key();
  }
  MemorySecurityStore store;
  ServerCredentials credentials;
};

// The cookie of a HelloVerifyRequest (RFC 6347 §4.2.1): record header 13 bytes, handshake header
// 12, server_version 2, then the cookie with its length.
std::optional<std::vector<std::uint8_t>> cookie_of(std::span<const std::uint8_t> d) {
  constexpr std::size_t at = 13 + 12 + 2;
  if (d.size() <= at || d[0] != 22 || d[13] != 3 || d.size() < at + 1 + d[at]) return std::nullopt;
  return std::vector<std::uint8_t>(d.begin() + at + 1, d.begin() + at + 1 + d[at]);
}

void put24(std::vector<std::uint8_t>& d, std::size_t at, std::size_t value) {
  d[at] = static_cast<std::uint8_t>(value >> 16);
  d[at + 1] = static_cast<std::uint8_t>(value >> 8);
  d[at + 2] = static_cast<std::uint8_t>(value);
}

// `hello` (one record holding an unfragmented ClientHello) with its cookie replaced by `cookie`
// and its lengths made to agree; nullopt when it is not laid out so far.
std::optional<std::vector<std::uint8_t>> with_cookie(std::span<const std::uint8_t> hello,
                                                     std::span<const std::uint8_t> cookie) {
  constexpr std::size_t body = 13 + 12;
  const std::size_t session_id = body + 2 + 32;
  if (hello.size() <= session_id || hello[0] != 22 || hello[13] != 1) return std::nullopt;
  const std::size_t at = session_id + 1 + hello[session_id];
  if (hello.size() <= at || hello.size() < at + 1 + hello[at]) return std::nullopt;
  std::vector<std::uint8_t> d(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(at));
  d.push_back(static_cast<std::uint8_t>(cookie.size()));
  d.insert(d.end(), cookie.begin(), cookie.end());
  d.insert(d.end(), hello.begin() + static_cast<std::ptrdiff_t>(at + 1 + hello[at]), hello.end());
  const std::size_t record = d.size() - 13;
  d[11] = static_cast<std::uint8_t>(record >> 8);
  d[12] = static_cast<std::uint8_t>(record);
  put24(d, 14, d.size() - body);  // length
  put24(d, 19, 0);                // fragment_offset
  put24(d, 22, d.size() - body);  // fragment_length
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  fake_now = coap::TimePoint(std::chrono::hours(1000));
  Inner inner;
  DtlsServerConfig config;
  config.max_sessions = 3;
  config.max_handshakes = 2;
  config.max_handshakes_per_ip = 1;
  DtlsServer server(inner, fixture.credentials, config);
  const coap::PeerAddress peers[] = {
      coap::PeerAddress::loopback_v4(40001), coap::PeerAddress::loopback_v4(40002),
      coap::PeerAddress::v4({127, 0, 0, 2}, 40001), coap::PeerAddress::v4({127, 0, 0, 3}, 5684)};

  std::span<const std::uint8_t> input(data, size);
  while (input.size() >= 3) {
    const std::uint8_t control = input[0];
    const std::size_t length = std::min(std::size_t{input[1]} << 8 | input[2], input.size() - 3);
    const auto datagram = input.subspan(3, length);
    input = input.subspan(3 + length);
    const coap::PeerAddress& peer = peers[control & 3];
    fake_now += std::chrono::milliseconds(100) * (control >> 3);
    server.on_timer(fake_now);
    server.receive(peer, datagram, fake_now);
    std::optional<std::vector<std::uint8_t>> cookie;
    coap::Transmit tx;
    while (server.poll_transmit(tx))
      if (auto c = cookie_of(tx.bytes); c && tx.peer == peer) cookie = std::move(c);
    if ((control & 4) && cookie)
      if (auto again = with_cookie(datagram, *cookie)) {
        server.receive(peer, *again, fake_now);
        while (server.poll_transmit(tx)) {
        }
      }
    const auto counts = server.counts();
    if (counts.sessions + counts.handshakes > config.max_sessions ||
        counts.handshakes > config.max_handshakes)
      std::abort();
  }
  return 0;
}
