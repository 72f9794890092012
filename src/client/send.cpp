// Send (POST /dp, LwM2M 1.1): values pushed to servers on demand and from the send timer.
#include <algorithm>

#include "client_impl.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client {

Status Client::Impl::send(std::span<const lwm2m::Path> paths, TimePoint t,
                          std::optional<std::uint16_t> ssid) {
  if (ssid && !accounts.contains(*ssid)) return Error::UnknownServer;
  std::vector<Account*> targets;
  bool muted = false;
  for (auto& [id, a] : accounts) {
    if ((ssid && id != *ssid) || !a.registered()) continue;
    if (server_bool(a, 23).value_or(false)) {  // Mute Send
      muted = true;
      continue;
    }
    targets.push_back(&a);
  }
  if (targets.empty()) return muted ? Error::Muted : Error::NotRegistered;

  std::vector<lwm2m::Record> records;
  for (const auto& p : paths)
    if (!(p.has_object() && (p.object_id() == 0 || p.object_id() == 21)) && !p.is_root())
      (void)read_path(p, records);
  std::erase_if(records, [](const lwm2m::Record& r) { return r.value.is_none(); });
  if (records.empty()) return Error::NothingToSend;
  std::stable_sort(records.begin(), records.end(),
                   [](const lwm2m::Record& a, const lwm2m::Record& b) { return a.path < b.path; });
  records.erase(
      std::unique(records.begin(), records.end(),
                  [](const lwm2m::Record& a, const lwm2m::Record& b) { return a.path == b.path; }),
      records.end());
  if (config.wall_clock) {
    const double time = config.wall_clock();
    for (auto& r : records) r.time = time;
  }
  std::vector<std::uint8_t> payload;
  if (lwm2m::encode(config.send_format, records, lwm2m::Path(), payload))
    return Error::InvalidArgument;

  for (Account* a : targets) {
    coap::Message m;
    m.code = coap::codes::Post;
    m.set_uri_path("/dp");
    lwm2m::set_content_format(m, config.send_format);
    m.set_payload(payload);
    wake(*a);
    const auto id = engine.send_request(*a->peer, std::move(m), t);
    if (!id) return Error::Busy;
    pending[*id] = PendingRequest{PendingRequest::Kind::Send, a->ssid};
  }
  return std::monostate{};
}

void Client::Impl::on_send_result(const PendingRequest& p, coap::Code code) {
  push_event(SendCompleted{p.ssid, code});
}

void Client::Impl::send_timer(TimePoint t) {
  if (send_period <= Duration::zero() || t < next_send) return;
  next_send += send_period * ((t - next_send) / send_period + 1);  // skips periods missed
  (void)send(send_paths, t, std::nullopt);
}

}  // namespace drover::client
