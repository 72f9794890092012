#include "drover/loadgen/fleet.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "drover/coap/block_option.hpp"
#include "drover/lwm2m/formats/content_format.hpp"

namespace drover::loadgen {
namespace {

namespace codes = coap::codes;
namespace options = coap::options;

constexpr std::size_t kSendPacks = 16;
constexpr std::uint16_t kTemperature = 3303;
constexpr std::uint16_t kSensorValue = 5700;

std::vector<std::uint8_t> encode_or_empty(lwm2m::ContentFormat format,
                                          const std::vector<lwm2m::Record>& records,
                                          const lwm2m::Path& base) {
  std::vector<std::uint8_t> out;
  if (lwm2m::encode(format, records, base, out)) out.clear();
  return out;
}

// The Device object a simulated client reports (Read /3/0, in TLV).
std::vector<std::uint8_t> device_payload() {
  using lwm2m::Path;
  using lwm2m::Record;
  const std::vector<Record> records = {
      {Path(3, 0, 0), std::string("Drover"), {}},
      {Path(3, 0, 1), std::string("bench-sensor"), {}},
      {Path(3, 0, 2), std::string("SN-0001"), {}},
      {Path(3, 0, 3), std::string("1.0.0"), {}},
      {Path(3, 0, 9), std::int64_t{87}, {}},
      {Path(3, 0, 11, 0), std::int64_t{0}, {}},
      {Path(3, 0, 13), lwm2m::Time{1767225600}, {}},
      {Path(3, 0, 16), std::string("U"), {}},
  };
  return encode_or_empty(lwm2m::ContentFormat::Tlv, records, Path(3, 0));
}

// Temperatures in tenths of a degree: 18.0 .. 25.5.
double temperature(std::uint32_t step) {
  return 18.0 + static_cast<double>(step % 16) / 2.0;
}

std::size_t format_temperature(std::uint32_t step, char* out, std::size_t size) {
  const int n = std::snprintf(out, size, "%.1f", temperature(step));
  return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), size - 1);
}

}  // namespace

std::string_view to_string(Op op) {
  switch (op) {
    case Op::Register:
      return "register";
    case Op::Update:
      return "update";
    case Op::Deregister:
      return "deregister";
    case Op::Send:
      return "send";
    case Op::Notify:
      return "notify";
    case Op::Block:
      return "block";
    case Op::Bootstrap:
      return "bootstrap";
  }
  return "?";
}

std::uint64_t fold_checksum(std::uint64_t sum, std::span<const std::uint8_t> bytes) {
  const auto mix = [&sum](std::uint64_t word) {
    sum = (std::rotl(sum, 23) ^ word) * 0x9e3779b97f4a7c15u;
  };
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    mix(word);
  }
  if (i < bytes.size()) {  // the tail, with its length, so that trailing zeros count
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + i, bytes.size() - i);
    mix(word ^ (std::uint64_t{bytes.size() - i} << 59));
  }
  return sum;
}

Fleet::Fleet(FleetConfig config, Sink& sink)
    : config_(std::move(config)),
      sink_(sink),
      clients_(config_.clients),
      transfers_(config_.image_path.empty() ? 0 : config_.clients,
                 Transfer{kChecksumSeed, 0, config_.block_szx}),
      timers_(config_.max_retransmit + 2),
      device_tlv_(device_payload()) {
  static_assert(sizeof(Client) == 72, "a client's slot: docs/benchmarks.md gives its size");
  for (std::uint32_t i = 0; i < config_.clients; ++i) {
    // Spread initial MIDs so that clients do not share a sequence (the server keys on peer+MID).
    clients_[i].next_mid = static_cast<std::uint16_t>(i * 7919u);
    clients_[i].observe_instance = static_cast<std::uint8_t>(i % 4);
  }
  send_packs_.reserve(kSendPacks);
  for (std::uint32_t step = 0; step < kSendPacks; ++step) {
    const std::vector<lwm2m::Record> records = {
        {lwm2m::Path(kTemperature, 0, kSensorValue), temperature(step), {}}};
    send_packs_.push_back(encode_or_empty(lwm2m::ContentFormat::SenmlCbor, records, lwm2m::Path()));
  }
}

coap::PeerAddress Fleet::address_of(std::uint32_t client, std::uint16_t port) const {
  const std::uint32_t a = config_.first_address + client;
  return coap::PeerAddress::v4(
      {static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
       static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)},
      port);
}

std::optional<std::uint32_t> Fleet::client_at(const coap::PeerAddress& local) const {
  if (local.v6) return std::nullopt;
  const std::uint32_t a = (std::uint32_t{local.ip[0]} << 24) | (std::uint32_t{local.ip[1]} << 16) |
                          (std::uint32_t{local.ip[2]} << 8) | std::uint32_t{local.ip[3]};
  if (a < config_.first_address || a - config_.first_address >= config_.clients)
    return std::nullopt;
  return a - config_.first_address;
}

namespace {
// Writes "<lead><prefix><client, 7 digits>" into `out`; returns its length.
std::size_t format_endpoint(std::string_view lead, std::string_view prefix, std::uint32_t client,
                            std::span<char> out) {
  const int n = std::snprintf(out.data(), out.size(), "%.*s%.*s%07u", static_cast<int>(lead.size()),
                              lead.data(), static_cast<int>(prefix.size()), prefix.data(), client);
  return n < 0 ? 0 : std::min(static_cast<std::size_t>(n), out.size() - 1);
}
}  // namespace

std::string endpoint_name(std::string_view prefix, std::uint32_t client) {
  char name[128];
  return std::string(name, format_endpoint("", prefix, client, name));
}

std::optional<std::uint32_t> client_of_endpoint(std::string_view prefix,
                                                std::string_view endpoint) {
  if (endpoint.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view digits = endpoint.substr(prefix.size());
  std::uint32_t client = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), client);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return client;
}

void Fleet::assume_registered(std::string_view location) {
  location = location.substr(0, Client{}.location.size());
  for (auto& c : clients_) {
    std::copy(location.begin(), location.end(), c.location.begin());
    c.location_size = static_cast<std::uint8_t>(location.size());
    c.registered = true;
  }
  registered_count_ = config_.clients;
}

bool Fleet::start(Op op, std::uint32_t client, TimePoint now) {
  Client& c = clients_[client];
  if (c.pending) return false;
  switch (op) {
    case Op::Register:
    case Op::Bootstrap:
      break;
    case Op::Update:
    case Op::Deregister:
    case Op::Send:
      if (!c.registered) return false;
      break;
    case Op::Block:
      if (!c.registered || transfers_.empty()) return false;
      break;
    case Op::Notify:
      if (!c.observed) return false;
      ++c.observe_seq;
      if (!config_.confirmable_notifications) {
        c.notify_mid = c.next_mid++;
        ++stats_.of(op).started;
        ++stats_.of(op).unconfirmed;
        build_request(client, c, Op::Notify, coap::Type::Non, c.notify_mid);
        send_message(client, config_.server);
        return true;
      }
      break;
  }
  c.pending = true;
  c.acked = false;
  c.attempts = 0;
  c.pending_op = op;
  c.pending_mid = c.next_mid++;
  c.sent_at = now;
  ++in_flight_;
  ++stats_.of(op).started;
  transmit(client, c);
  arm(client, c, now);
  return true;
}

void Fleet::build_request(std::uint32_t client, const Client& c, Op op, coap::Type type,
                          std::uint16_t mid) {
  out_.clear();
  out_.type = type;
  out_.message_id = mid;
  const std::uint8_t token[2] = {static_cast<std::uint8_t>(mid >> 8),
                                 static_cast<std::uint8_t>(mid)};
  const std::string_view location(c.location.data(), c.location_size);
  switch (op) {
    case Op::Register: {
      out_.token = coap::Token(token);
      out_.code = codes::Post;
      out_.add_option(options::UriPath, "rd");
      char query[128];
      out_.add_option(
          options::UriQuery,
          std::string_view(query, format_endpoint("ep=", config_.endpoint_prefix, client, query)));
      const int m = std::snprintf(query, sizeof query, "lt=%u", config_.lifetime);
      out_.add_option(options::UriQuery,
                      std::string_view(query, static_cast<std::size_t>(std::max(m, 0))));
      const int v = std::snprintf(query, sizeof query, "lwm2m=%s", config_.lwm2m_version.c_str());
      out_.add_option(options::UriQuery,
                      std::string_view(query, static_cast<std::size_t>(std::max(v, 0))));
      out_.add_option(options::UriQuery, "b=U");
      out_.add_uint_option(options::ContentFormat, 40);
      out_.set_payload(config_.object_links);
      break;
    }
    case Op::Update:
    case Op::Deregister:
      out_.token = coap::Token(token);
      out_.code = op == Op::Update ? codes::Post : codes::Delete;
      out_.add_option(options::UriPath, "rd");
      out_.add_option(options::UriPath, location);
      break;
    case Op::Send:
      out_.token = coap::Token(token);
      out_.code = codes::Post;
      out_.add_option(options::UriPath, "dp");
      out_.add_uint_option(options::ContentFormat, 112);
      out_.set_payload(send_packs_[c.pending_mid % send_packs_.size()]);
      break;
    case Op::Bootstrap: {
      out_.token = coap::Token(token);
      out_.code = codes::Post;
      out_.add_option(options::UriPath, "bs");
      char query[128];
      out_.add_option(
          options::UriQuery,
          std::string_view(query, format_endpoint("ep=", config_.endpoint_prefix, client, query)));
      break;
    }
    case Op::Block: {
      out_.token = coap::Token(token);
      out_.code = codes::Get;
      std::string_view path = config_.image_path;
      while (!path.empty()) {
        const std::size_t slash = path.find('/');
        out_.add_option(options::UriPath, path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
      }
      const Transfer& t = transfers_[client];
      coap::write_block(
          out_, options::Block2,
          coap::BlockOption{static_cast<std::uint32_t>(t.offset >> (t.szx + 4u)), false, t.szx});
      break;
    }
    case Op::Notify: {
      out_.token = coap::Token({c.observe_token.data(), c.observe_token_size});
      out_.code = codes::Content;
      out_.add_uint_option(options::Observe, c.observe_seq & 0xffffffu);
      out_.add_uint_option(options::ContentFormat, 0);
      char value[16];
      out_.set_payload(
          std::string_view(value, format_temperature(c.observe_seq, value, sizeof value)));
      break;
    }
  }
}

void Fleet::send_message(std::uint32_t client, const coap::PeerAddress& to) {
  const std::size_t n = coap::serialize(out_, wire_);
  if (n > 0) sink_.send(client, to, {wire_.data(), n});
}

void Fleet::transmit(std::uint32_t client, Client& c) {
  build_request(client, c, c.pending_op, coap::Type::Con, c.pending_mid);
  send_message(client, config_.server);
}

void Fleet::arm(std::uint32_t client, const Client& c, TimePoint now) {
  // After an empty ACK the response is separate: wait once more, as long as all retransmissions.
  const unsigned level = c.acked ? config_.max_retransmit + 1 : c.attempts;
  const Duration wait = c.acked ? config_.ack_timeout * ((1u << (config_.max_retransmit + 1)) - 1)
                                : config_.ack_timeout * (1u << c.attempts);
  timers_[level].push_back({now + wait, client, c.pending_mid});
}

void Fleet::on_timer(TimePoint now) {
  for (std::size_t level = 0; level < timers_.size(); ++level) {
    auto& fifo = timers_[level];
    while (!fifo.empty() && fifo.front().at <= now) {
      const TimerEntry e = fifo.front();
      fifo.pop_front();
      Client& c = clients_[e.client];
      if (!c.pending || c.pending_mid != e.mid) continue;  // answered meanwhile
      const bool acked_level = level == config_.max_retransmit + 1;
      if (acked_level != c.acked) continue;  // superseded by the empty ACK's own timer
      if (!c.acked && c.attempts < config_.max_retransmit) {
        ++c.attempts;
        ++stats_.of(c.pending_op).retransmitted;
        transmit(e.client, c);
        arm(e.client, c, now);
        continue;
      }
      ++stats_.of(c.pending_op).timed_out;
      end_pending(c);
    }
  }
}

std::optional<TimePoint> Fleet::next_expiry() const {
  std::optional<TimePoint> next;
  for (const auto& fifo : timers_)
    if (!fifo.empty() && (!next || fifo.front().at < *next)) next = fifo.front().at;
  return next;
}

void Fleet::end_pending(Client& c) {
  c.pending = false;
  --in_flight_;
}

void Fleet::set_observed(Client& c, bool on) {
  if (c.observed == on) return;
  c.observed = on;
  if (on)
    ++observed_count_;
  else
    --observed_count_;
}

// Takes the block of the response in in_ into `t`; false when it is not the block asked for. The
// image's last block ends the transfer, and the next one starts from the first block.
bool Fleet::take_block(Transfer& t) {
  coap::BlockOption block;
  if (coap::read_block(in_, options::Block2, block) != coap::BlockRead::Valid ||
      block.szx > t.szx || block.offset() != t.offset)
    return false;
  const auto payload = in_.payload();
  if (block.more ? payload.size() != block.size() : payload.size() > block.size()) return false;
  t.szx = block.szx;
  t.checksum = fold_checksum(t.checksum, payload);
  t.offset += static_cast<std::uint32_t>(payload.size());
  if (!block.more) {
    if (t.checksum == config_.image_checksum)
      ++stats_.images_pulled;
    else
      ++stats_.images_corrupt;
    t = Transfer{kChecksumSeed, 0, config_.block_szx};
  }
  return true;
}

void Fleet::complete(std::uint32_t client, Client& c, coap::Code code, TimePoint now) {
  // A block out of place is no success: the image starts again.
  const bool in_place =
      c.pending_op != Op::Block || code != codes::Content || take_block(transfers_[client]);
  if (!in_place) {
    ++stats_.images_corrupt;
    transfers_[client] = Transfer{kChecksumSeed, 0, config_.block_szx};
  }
  OpStats& s = stats_.of(c.pending_op);
  if (code.is_success() && in_place) {
    ++s.succeeded;
    s.latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent_at).count()));
  } else {
    ++s.error_code;
  }
  switch (c.pending_op) {
    case Op::Register:
      if (code == codes::Created) {
        // Location-Path: "rd", then the registration's ID.
        std::size_t segment = 0;
        c.location_size = 0;
        in_.for_each(options::LocationPath, [&](const coap::OptionView& v) {
          if (segment++ != 1 || v.value.size() > c.location.size()) return;
          std::copy(v.value.begin(), v.value.end(),
                    reinterpret_cast<std::uint8_t*>(c.location.data()));
          c.location_size = static_cast<std::uint8_t>(v.value.size());
        });
        if (!c.registered) ++registered_count_;
        c.registered = true;
      }
      break;
    case Op::Update:
    case Op::Send:
      if (code == codes::NotFound && c.registered) {  // the server forgot the registration
        c.registered = false;
        --registered_count_;
        set_observed(c, false);
      }
      break;
    case Op::Deregister:
      if (code.is_success() && c.registered) {
        c.registered = false;
        --registered_count_;
        set_observed(c, false);
      }
      break;
    case Op::Notify:
    case Op::Block:
    case Op::Bootstrap:
      break;
  }
  end_pending(c);
}

void Fleet::receive(std::uint32_t client, const coap::PeerAddress& from,
                    std::span<const std::uint8_t> datagram, TimePoint now) {
  if (client >= clients_.size()) return;
  if (coap::parse(datagram, in_)) {
    ++stats_.malformed;
    return;
  }
  Client& c = clients_[client];
  const bool answers_pending = c.pending && in_.message_id == c.pending_mid;
  switch (in_.type) {
    case coap::Type::Ack:
      if (!answers_pending) break;
      if (in_.code.is_empty()) {
        if (c.pending_op == Op::Notify) return complete(client, c, codes::Content, now);
        if (!c.acked) {
          c.acked = true;
          arm(client, c, now);
        }
        return;
      }
      // The request is accepted: the operation goes on until the server's Finish (serve()).
      if (c.pending_op == Op::Bootstrap && in_.code.is_success() && !c.acked) {
        c.acked = true;
        arm(client, c, now);
        return;
      }
      return complete(client, c, in_.code, now);
    case coap::Type::Rst:
      if (c.observed && in_.message_id == c.notify_mid && !config_.confirmable_notifications) {
        ++stats_.of(Op::Notify).reset;
        set_observed(c, false);  // the observer is gone
        return;
      }
      if (answers_pending) {
        ++stats_.of(c.pending_op).reset;
        if (c.pending_op == Op::Notify) set_observed(c, false);  // the observer is gone
        return end_pending(c);
      }
      break;
    case coap::Type::Con:
    case coap::Type::Non:
      if (in_.code.is_request()) return serve(client, c, from, now);
      if (in_.code.is_response() && c.pending && c.acked &&
          in_.token ==
              coap::Token(std::array<std::uint8_t, 2>{static_cast<std::uint8_t>(c.pending_mid >> 8),
                                                      static_cast<std::uint8_t>(c.pending_mid)})) {
        const bool con = in_.type == coap::Type::Con;
        const std::uint16_t mid = in_.message_id;
        complete(client, c, in_.code, now);
        if (con) {
          out_.clear();
          out_.type = coap::Type::Ack;
          out_.message_id = mid;
          send_message(client, from);
        }
        return;
      }
      break;
  }
  ++stats_.unmatched;
}

void Fleet::serve(std::uint32_t client, Client& c, const coap::PeerAddress& from, TimePoint now) {
  // The path as numbers: /o/i/r.
  std::array<std::uint32_t, 4> ids{};
  std::size_t depth = 0;
  bool numeric = true;
  bool bs = false;  // the path is /bs
  in_.for_each(options::UriPath, [&](const coap::OptionView& v) {
    bs = depth == 0 && v.value.size() == 2 && v.value[0] == 'b' && v.value[1] == 's';
    std::uint32_t id = 0;
    const auto* b = reinterpret_cast<const char*>(v.value.data());
    const auto [end, ec] = std::from_chars(b, b + v.value.size(), id);
    if (ec != std::errc() || end != b + v.value.size() || depth >= ids.size()) numeric = false;
    if (depth < ids.size()) ids[depth] = id;
    ++depth;
  });
  const auto accept = in_.uint_option(options::Accept);
  const auto observe = in_.uint_option(options::Observe);

  out_.clear();
  out_.type = in_.type == coap::Type::Con ? coap::Type::Ack : coap::Type::Non;
  out_.message_id = in_.type == coap::Type::Con ? in_.message_id : c.next_mid++;
  out_.token = in_.token;
  const coap::Code method = in_.code;
  const bool temperature_value =
      numeric && depth == 3 && ids[0] == kTemperature && ids[1] < 4 && ids[2] == kSensorValue;
  // A bootstrap server's requests, whenever they come (a retransmission after the Finish too).
  const bool finish = method == codes::Post && bs && depth == 1;
  const bool bootstrap_delete = method == codes::Delete && numeric && depth <= 2;
  const bool bootstrap_write = method == codes::Put && numeric && depth == 2 && ids[0] <= 1;
  if (finish || bootstrap_delete || bootstrap_write) {
    out_.code = bootstrap_delete ? codes::Deleted : codes::Changed;
    ++stats_.bootstrap_served;
    send_message(client, from);
    if (finish && c.pending && c.pending_op == Op::Bootstrap && c.acked)
      complete(client, c, codes::Changed, now);
    return;
  }
  if (method == codes::Get && numeric && depth == 2 && ids[0] == 3 && ids[1] == 0 &&
      (!accept || *accept == 11542)) {
    out_.code = codes::Content;
    out_.add_uint_option(options::ContentFormat, 11542);
    out_.set_payload(device_tlv_);
    ++stats_.reads_served;
  } else if (method == codes::Get && temperature_value && (!accept || *accept == 0)) {
    out_.code = codes::Content;
    if (observe && *observe == 0) {
      c.observe_token_size = static_cast<std::uint8_t>(in_.token.size());
      std::copy(in_.token.bytes().begin(), in_.token.bytes().end(), c.observe_token.begin());
      c.observe_instance = static_cast<std::uint8_t>(ids[1]);
      set_observed(c, true);
      out_.add_uint_option(options::Observe, c.observe_seq & 0xffffffu);
      ++stats_.observes_served;
    } else {
      if (observe && *observe == 1) set_observed(c, false);
      ++stats_.reads_served;
    }
    out_.add_uint_option(options::ContentFormat, 0);
    char value[16];
    out_.set_payload(
        std::string_view(value, format_temperature(c.observe_seq, value, sizeof value)));
  } else if ((method == codes::Put || method == codes::Post) && numeric && depth >= 2 &&
             (ids[0] == kTemperature || ids[0] == 3 || ids[0] == 1)) {
    out_.code = codes::Changed;
    ++stats_.writes_served;
  } else {
    out_.code = (method == codes::Get && accept) ? codes::NotAcceptable : codes::NotFound;
    ++stats_.requests_refused;
  }
  send_message(client, from);
}

}  // namespace drover::loadgen
