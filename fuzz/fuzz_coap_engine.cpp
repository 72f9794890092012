// Two CoAP engines (a client role and a server role) driven by arbitrary input with a fake clock:
// application calls, datagrams cut from the input and fed to either engine (as sent, cut short as
// by the socket, or made to answer the other side's last message, so that piggybacked responses,
// Block2 follow-ups and notifications match), the engines talking to each other, and time passing.
//
// Checked: every datagram sent decodes and stays within one block plus headers; every event
// respects the bounds (bodies within max_body_size, no Block1/Block2 left for the application);
// tables stay within their bounds; and once the application has let go of everything and enough
// time has passed, both engines are back to zero state.
//
// Input: one byte of configuration (block size, NSTART, CON notifications), then records: an
// operation byte (see run()) and its arguments, of fixed length but for a datagram's bytes.
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "drover/coap/engine.hpp"

using namespace drover::coap;

namespace {

constexpr std::size_t kMaxBody = 8192;
constexpr std::size_t kMaxOperations = 400;
constexpr std::size_t kMaxWire = 1024 + 512;  // one block and generous headers

void check(bool ok) {
  if (!ok) std::abort();
}

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool more() const { return pos_ < size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint16_t u16() {
    const std::uint8_t low = byte();
    return static_cast<std::uint16_t>(low | (byte() << 8));
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    n = std::min(n, size_ - pos_);
    std::span<const std::uint8_t> s(data_ + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

const PeerAddress kClientAddr = PeerAddress::loopback_v4(40000);
const PeerAddress kServerAddr = PeerAddress::loopback_v4(5683);
const PeerAddress kStranger = PeerAddress::loopback_v4(40001);

std::vector<std::uint8_t> body(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

struct Side {
  Engine engine;
  PeerAddress self;
  Message last_sent;  // the last datagram it sent, to build answers that match it
  bool sent_any = false;
  std::vector<std::pair<PeerAddress, std::vector<std::uint8_t>>> outbox;

  Side(const EngineConfig& config, std::uint64_t seed, PeerAddress address)
      : engine(config, seed), self(address) {}

  void drain_transmits() {
    Transmit t;
    Message m;
    while (engine.poll_transmit(t)) {
      check(t.bytes.size() <= kMaxWire);
      check(!parse(t.bytes, m).has_value());
      last_sent = m;
      sent_any = true;
      if (outbox.size() < 64)
        outbox.emplace_back(t.peer, std::vector(t.bytes.begin(), t.bytes.end()));
    }
  }
};

struct Harness {
  EngineConfig config;
  Side client;
  Side server;
  TimePoint now = TimePoint{} + std::chrono::hours(1);
  // Everything handed out, so that finish() can let go of all of it (unanswered exchanges expire
  // by themselves; observations and observers do not).
  std::vector<RequestId> requests;
  std::vector<ExchangeId> exchanges;  // not answered yet, oldest first
  std::vector<ObserverId> observers;

  explicit Harness(const EngineConfig& c)
      : config(c), client(c, 1, kClientAddr), server(c, 2, kServerAddr) {}

  void check_message(const Message& m) {
    check(m.payload().size() <= config.max_body_size);
    check(!m.has_option(options::Block2));
  }

  void drain_events() {
    Event ev;
    while (client.engine.poll_event(ev)) {
      if (auto* r = std::get_if<ResponseReceived>(&ev)) check_message(r->response);
      if (auto* n = std::get_if<NotificationReceived>(&ev)) check_message(n->notification);
    }
    while (server.engine.poll_event(ev)) {
      if (auto* r = std::get_if<RequestReceived>(&ev)) {
        check_message(r->request);
        check(!r->request.has_option(options::Block1));
        exchanges.push_back(r->exchange);
      }
    }
  }

  void settle() {
    client.drain_transmits();
    server.drain_transmits();
    drain_events();
    for (Side* s : {&client, &server}) {
      EngineCounts c = s->engine.counts();
      check(c.block_transfers <= config.max_block_transfers);
      check(c.server_exchanges + c.client_requests <= config.max_exchanges);
      check(c.observers <= config.max_observers);
      check(c.dedup_entries <= config.max_dedup_entries);
      check(c.pending_transmits <= config.max_pending_transmits);
    }
  }

  // Moves the datagrams each side sent to the other (the wire), `rounds` times.
  void exchange_datagrams(unsigned rounds) {
    for (unsigned i = 0; i < rounds; ++i) {
      auto to_server = std::move(client.outbox);
      auto to_client = std::move(server.outbox);
      client.outbox.clear();
      server.outbox.clear();
      for (auto& [peer, bytes] : to_server)
        if (peer == kServerAddr) server.engine.receive(kClientAddr, bytes, now);
      for (auto& [peer, bytes] : to_client)
        if (peer == kClientAddr) client.engine.receive(kServerAddr, bytes, now);
      settle();
    }
  }

  // A datagram: head byte, code byte, MID (2 bytes), length of the rest (2 bytes), the rest. With
  // `answer`, it is made to answer the last message `to` sent: its type from the head's low bits,
  // its MID (for an ACK or RST) and token from that message.
  std::vector<std::uint8_t> datagram(Input& in, const Side& to, bool answer) {
    const std::uint8_t head = in.byte();
    const std::uint8_t code = in.byte();
    std::uint16_t mid = in.u16();
    auto rest = in.take(in.u16() % 1400);
    std::vector<std::uint8_t> d{head, code};
    if (answer && to.sent_any) {
      const auto type = static_cast<unsigned>(head & 3);
      const Token& token = to.last_sent.token;
      if (type >= 2) mid = to.last_sent.message_id;
      d[0] = static_cast<std::uint8_t>(0x40u | (type << 4) | token.size());
      d.push_back(static_cast<std::uint8_t>(mid >> 8));
      d.push_back(static_cast<std::uint8_t>(mid));
      d.insert(d.end(), token.bytes().begin(), token.bytes().end());
    } else {
      d.push_back(static_cast<std::uint8_t>(mid >> 8));
      d.push_back(static_cast<std::uint8_t>(mid));
    }
    d.insert(d.end(), rest.begin(), rest.end());
    return d;
  }

  // A byte `how` (bit 0: from a stranger; bit 1: cut short by the socket, at 4 + how % ...), then
  // a datagram.
  void deliver(Input& in, Side& to, const Side& from, bool answer) {
    const std::uint8_t how = in.byte();
    auto d = datagram(in, to, answer);
    const PeerAddress& source = (how & 1) ? kStranger : from.self;
    if ((how & 2) && d.size() > 4) {
      std::size_t cut = 4 + how % (d.size() - 4);
      to.engine.receive_truncated(source, std::span(d).first(cut), now);
    } else {
      to.engine.receive(source, d, now);
    }
    settle();
  }

  // Flags: bits 0-2 method (% 5), bit 3 path, bit 4 Observe=0 (GET), bit 5 Size2=0; body size.
  static Message request_of(std::uint8_t flags, std::uint16_t size) {
    Message m;
    static constexpr Code kMethods[] = {codes::Get, codes::Post, codes::Put, codes::Delete,
                                        codes::Fetch};
    m.code = kMethods[(flags & 7) % 5];
    m.set_uri_path((flags & 8) ? "/a" : "/b/c");
    if (m.code == codes::Get && (flags & 16)) m.add_uint_option(options::Observe, 0);
    if (flags & 32) m.add_uint_option(options::Size2, 0);
    if (m.code != codes::Get && m.code != codes::Delete)
      m.set_payload(body(size % (kMaxBody + 100), flags));
    return m;
  }

  // what (bits 0-2: the call % 6; bit 3: NON; bit 4: block size from bits 5-7), request flags,
  // body size (2 bytes), index of an earlier request.
  void client_call(Input& in) {
    const std::uint8_t what = in.byte();
    const std::uint8_t flags = in.byte();
    const std::uint16_t size = in.u16();
    const std::uint8_t index = in.byte();
    auto earlier = [&] { return requests[index % requests.size()]; };
    switch ((what & 7) % 6) {
      case 0:
      case 1: {
        RequestOptions options;
        options.confirmable = (what & 8) == 0;
        if (what & 16) options.block_szx = static_cast<std::uint8_t>((what >> 5) % 7);
        auto r = client.engine.send_request(kServerAddr, request_of(flags, size), now, options);
        if (r) requests.push_back(*r);
        break;
      }
      case 2:
        if (auto r = client.engine.ping(kServerAddr, now)) requests.push_back(*r);
        break;
      case 3:
        if (!requests.empty()) (void)client.engine.cancel(earlier());
        break;
      case 4:
        if (!requests.empty())
          if (auto r = client.engine.deregister(earlier(), now)) requests.push_back(*r);
        break;
      case 5:
        if (!requests.empty()) (void)client.engine.reregister(earlier(), now);
        break;
    }
    settle();
  }

  // what (bits 0-1: respond, respond, accept or drop, notify; bits 2-3: the response code; bit 4:
  // Observe in the response / accept rather than drop; bit 5: ETag; bit 6: CON notification;
  // bit 7: error notification), body size (2 bytes), index of an observer.
  void server_call(Input& in) {
    const std::uint8_t what = in.byte();
    const std::uint16_t size = in.u16();
    const std::uint8_t index = in.byte();
    switch (what & 3) {
      case 0:
      case 1: {
        if (exchanges.empty()) break;
        ExchangeId id = exchanges.front();
        exchanges.erase(exchanges.begin());
        Message resp;
        static constexpr Code kCodes[] = {codes::Content, codes::Changed, codes::NotFound,
                                          codes::Continue};
        resp.code = kCodes[(what >> 2) & 3];
        resp.set_payload(body(size % (kMaxBody / 2), what));
        if (what & 16) resp.add_uint_option(options::Observe, 0);
        if (what & 32) resp.add_option(options::ETag, std::string_view("tag"));
        auto r = server.engine.respond(id, std::move(resp), now);
        if (r && *r) observers.push_back(**r);
        break;
      }
      case 2:
        if (exchanges.empty()) break;
        if (what & 16) {
          (void)server.engine.accept(exchanges.front(), now);  // the answer comes later
        } else {
          (void)server.engine.drop(exchanges.front());
          exchanges.erase(exchanges.begin());
        }
        break;
      case 3:
        if (!observers.empty()) {
          Message n;
          n.code = (what & 128) ? codes::NotFound : codes::Content;  // an error ends it
          n.set_payload(body(size % (kMaxBody / 2), what));
          NotifyOptions options;
          options.confirmable = (what & 64) != 0;
          (void)server.engine.notify(observers[index % observers.size()], std::move(n), now,
                                     options);
        }
        break;
    }
    settle();
  }

  void advance(Duration d) {
    TimePoint target = now + d;
    for (int i = 0; i < 1000; ++i) {
      std::optional<TimePoint> next;
      for (Side* s : {&client, &server}) {
        auto e = s->engine.next_expiry();
        if (e && (!next || *e < *next)) next = e;
      }
      if (!next || *next > target) break;
      now = std::max(now, *next);
      client.engine.on_timer(now);
      server.engine.on_timer(now);
      settle();
    }
    now = target;
    client.engine.on_timer(now);
    server.engine.on_timer(now);
    settle();
  }

  void run(Input& in) {
    for (std::size_t n = 0; n < kMaxOperations && in.more(); ++n) {
      switch (in.byte() % 8) {
        case 0:
          client_call(in);
          break;
        case 1:
          server_call(in);
          break;
        case 2:
          deliver(in, client, server, true);
          break;  // answers the client's last message
        case 3:
          deliver(in, server, client, true);
          break;  // answers the server's last message
        case 4:
          deliver(in, client, server, false);
          break;
        case 5:
          deliver(in, server, client, false);
          break;
        case 6:
          exchange_datagrams(1 + in.byte() % 8);
          break;
        case 7:
          advance(std::chrono::milliseconds(100) * (1 + in.u16() % 3000));
          break;
      }
    }
  }

  // The application lets go of everything; then all state expires.
  void finish() {
    for (RequestId id : requests) (void)client.engine.cancel(id);
    for (ObserverId id : observers) (void)server.engine.remove_observer(id);
    for (ExchangeId id : exchanges) (void)server.engine.drop(id);
    settle();
    advance(std::chrono::hours(2));
    advance(std::chrono::hours(2));
    for (Side* s : {&client, &server}) {
      check(s->engine.counts() == EngineCounts{});
      check(!s->engine.next_expiry().has_value());
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  EngineConfig config;
  config.max_body_size = kMaxBody;
  config.block_szx = static_cast<std::uint8_t>(data[0] % 7);
  config.nstart = 1 + (data[0] >> 3) % 3;
  config.notification_con_every = (data[0] >> 5) % 4;
  config.max_block_transfers = 4;
  config.max_block_transfers_per_peer = 2;
  config.max_exchanges_per_peer = 16;
  config.max_dedup_entries_per_peer = 64;
  config.max_observers_per_peer = 8;
  Harness h(config);
  Input in(data + 1, size - 1);
  h.run(in);
  h.finish();
  return 0;
}
