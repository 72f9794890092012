#include "drover/loadgen/secure_link.hpp"

#include "drover/dtls/security_store.hpp"

namespace drover::loadgen {

namespace {
// Handshakes' retransmission timers are looked at this often (not one timer each).
constexpr auto kScanEvery = std::chrono::milliseconds(50);
}  // namespace

SecureLink::SecureLink(SecureFleetConfig config, const Fleet& fleet, Send send)
    : config_(std::move(config)), fleet_(fleet), send_(std::move(send)), records_(fleet.size()) {}

SecureLink::~SecureLink() = default;

void SecureLink::send(std::uint32_t client, const coap::PeerAddress& to,
                      std::span<const std::uint8_t> bytes, TimePoint now) {
  if (auto& records = records_[client]) {
    record_.clear();
    if (records->protect(dtls::ContentType::ApplicationData, bytes, record_))
      send_(client, to, record_);
    return;
  }
  if (const auto it = handshakes_.find(client); it != handshakes_.end()) {
    it->second.held.assign(bytes.begin(), bytes.end());
    return;
  }
  if (handshakes_.size() >= config_.max_handshakes) {
    ++stats_.dropped_busy;
    return;
  }
  Handshake h;
  dtls::ClientHandshakeOptions options;
  options.priorities = config_.priorities;
  options.keep_resumption = keep_tickets_;
  const auto ticket = tickets_.find(client);
  if (ticket != tickets_.end()) options.resume = ticket->second;
  if (certificates_) {
    h.handshake = std::make_unique<dtls::ClientHandshake>(certificates_(client), now, options);
  } else {
    const std::string endpoint = fleet_.endpoint_of(client);
    h.handshake = std::make_unique<dtls::ClientHandshake>(
        dtls::PskCredential{endpoint, dtls::derive_psk(config_.psk_master, endpoint)}, now,
        options);
  }
  if (ticket != tickets_.end()) {
    ticket_bytes_ -= ticket->second.size();
    tickets_.erase(ticket);
  }
  h.to = to;
  h.held.assign(bytes.begin(), bytes.end());
  h.started = now;
  ++stats_.handshakes_started;
  if (handshakes_.empty()) next_scan_ = now + kScanEvery;
  flush(client, handshakes_.emplace(client, std::move(h)).first->second);
}

void SecureLink::drop_sessions() {
  for (auto& records : records_) records.reset();
  sessions_ = 0;
}

void SecureLink::keep_tickets(bool keep) {
  keep_tickets_ = keep;
  if (keep) return;
  tickets_ = {};
  ticket_bytes_ = 0;
}

void SecureLink::use_certificates(Certificates certificates) {
  certificates_ = std::move(certificates);
}

void SecureLink::flush(std::uint32_t client, Handshake& h) {
  for (const auto& d : h.handshake->output) send_(client, h.to, d);
  h.handshake->output.clear();
}

void SecureLink::finish(std::uint32_t client, Handshake& h, TimePoint now) {
  flush(client, h);
  if (h.handshake->state() == dtls::ClientHandshake::State::Done) {
    ++stats_.handshakes_completed;
    if (h.handshake->resumed()) ++stats_.handshakes_resumed;
    stats_.handshake_latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - h.started).count()));
    records_[client] = h.handshake->take_records();
    if (auto ticket = h.handshake->take_resumption(); keep_tickets_ && !ticket.empty()) {
      ticket_bytes_ += ticket.size();
      tickets_[client] = std::move(ticket);
    }
    ++sessions_;
    const auto held = std::move(h.held);
    const auto to = h.to;
    handshakes_.erase(client);
    if (!held.empty()) send(client, to, held, now);
  } else {
    ++stats_.handshakes_failed;
    handshakes_.erase(client);
  }
}

void SecureLink::receive(std::uint32_t client, const coap::PeerAddress& from,
                         std::span<const std::uint8_t> datagram, Fleet& fleet, TimePoint now) {
  if (auto& records = records_[client]) {
    while (const auto r = dtls::next_record(datagram)) {
      const auto opened = records->unprotect(r->header, r->bytes, plaintext_);
      if (opened.verdict != dtls::RecordState::Verdict::Opened) {
        ++stats_.dropped_records;
        continue;
      }
      if (opened.type == dtls::ContentType::ApplicationData) {
        fleet.receive(client, from, opened.plaintext, now);
      } else if (opened.type == dtls::ContentType::Alert) {
        // close_notify or a fatal alert: the next datagram handshakes again.
        ++stats_.sessions_closed;
        records.reset();
        --sessions_;
        return;
      }
    }
    return;
  }
  const auto it = handshakes_.find(client);
  if (it == handshakes_.end()) {
    ++stats_.dropped_records;
    return;
  }
  it->second.handshake->receive(datagram, now);
  if (it->second.handshake->state() == dtls::ClientHandshake::State::Running)
    flush(client, it->second);
  else
    finish(client, it->second, now);
}

void SecureLink::on_timer(TimePoint now) {
  if (handshakes_.empty() || now < next_scan_) return;
  next_scan_ = now + kScanEvery;
  std::vector<std::uint32_t> ended;
  for (auto& [client, h] : handshakes_) {
    if (h.handshake->next_expiry() > now) continue;
    h.handshake->on_timer(now);
    if (h.handshake->state() == dtls::ClientHandshake::State::Running)
      flush(client, h);
    else
      ended.push_back(client);
  }
  for (const auto client : ended) finish(client, handshakes_.at(client), now);
}

std::optional<TimePoint> SecureLink::next_expiry() const {
  if (handshakes_.empty()) return std::nullopt;
  return next_scan_;
}

}  // namespace drover::loadgen
