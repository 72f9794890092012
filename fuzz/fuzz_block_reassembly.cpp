// Feeds arbitrary sequences of Block1 request blocks (from a few peers, for a few resources, with
// any block numbers, sizes, M flags, Size1 values and clock jumps) into a server engine, and checks
// that reassembly stays within its bounds: never more transfers than max_block_transfers, never
// a body larger than max_body_size, every reply decodable, no state left once all has expired.
//
// Input: one byte of block size (SZX of the server), then 11-byte records, one request block each:
//   flags (bit 0 CON, 1 PUT, 2 repeat the previous MID, 3 path /a, 4 second peer, 5 Size1, 6 M),
//   token, NUM, SZX (0-7; 7 is BERT and must be refused), payload length (2 bytes LE, mod 1101),
//   seconds to wait afterwards (mod 121), Size1 (4 bytes LE).
#include <cstdlib>
#include <vector>

#include "drover/coap/engine.hpp"

using namespace drover::coap;

namespace {

constexpr std::size_t kMaxBody = 4096;
constexpr std::size_t kMaxTransfers = 3;

void check(bool ok) {
  if (!ok) std::abort();
}

void drain(Engine& e, TimePoint now) {
  Transmit t;
  Message m;
  while (e.poll_transmit(t)) check(!parse(t.bytes, m).has_value());
  Event ev;
  while (e.poll_event(ev)) {
    if (auto* r = std::get_if<RequestReceived>(&ev)) {
      check(r->request.payload().size() <= kMaxBody);
      check(!r->request.has_option(options::Block1));
      Message resp;
      resp.code = codes::Changed;
      e.respond(r->exchange, std::move(resp), now);
    }
  }
  check(e.counts().block_transfers <= kMaxTransfers);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  EngineConfig config;
  config.max_body_size = kMaxBody;
  config.max_block_transfers = kMaxTransfers;
  config.block_szx = static_cast<std::uint8_t>(data[0] % 7);
  Engine engine(config, 1);
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  std::uint16_t mid = 0;
  std::vector<std::uint8_t> payload;
  std::vector<std::uint8_t> wire;

  constexpr std::size_t kRecord = 11;
  for (std::size_t at = 1; at + kRecord <= size; at += kRecord) {
    const std::uint8_t* r = data + at;
    std::uint8_t flags = r[0];
    Message m;
    m.type = (flags & 1) ? Type::Con : Type::Non;
    m.code = (flags & 2) ? codes::Put : codes::Post;
    m.message_id = (flags & 4) ? mid : ++mid;  // a repeated MID is a duplicate
    m.token = Token(std::span<const std::uint8_t>(r + 1, 1));
    m.set_uri_path((flags & 8) ? "/a" : "/b");
    std::uint32_t num = r[2];
    std::uint32_t szx = r[3] & 7u;
    m.set_uint_option(options::Block1, (num << 4) | ((flags & 64) ? 8u : 0u) | szx);
    if (flags & 32)
      m.set_uint_option(options::Size1,
                        static_cast<std::uint32_t>(r[7] | r[8] << 8 | r[9] << 16 | r[10] << 24));
    payload.assign(static_cast<std::size_t>(r[4] | r[5] << 8) % 1101,
                   static_cast<std::uint8_t>(num));
    m.set_payload(payload);
    PeerAddress peer = PeerAddress::loopback_v4((flags & 16) ? 1001 : 1000);

    wire.clear();
    serialize(m, wire);
    engine.receive(peer, wire, now);
    drain(engine, now);
    now += std::chrono::seconds(r[6] % 121);
    engine.on_timer(now);
    drain(engine, now);
  }
  // Everything expires.
  now += std::chrono::hours(1);
  engine.on_timer(now);
  drain(engine, now);
  check(engine.counts().block_transfers == 0);
  check(engine.counts().server_exchanges == 0);
  return 0;
}
