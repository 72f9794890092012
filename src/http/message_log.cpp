#include "drover/http/message_log.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "drover/coap/names.hpp"

namespace drover::http {

namespace json = boost::json;

namespace {

std::string hex(std::span<const std::uint8_t> bytes) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

json::value option_value(const coap::OptionView& o) {
  switch (coap::option_format(o.number)) {
    case coap::OptionFormat::Empty:
      if (o.value.empty()) return nullptr;
      break;
    case coap::OptionFormat::String:
      return json::string(o.as_string());
    case coap::OptionFormat::Uint:
      if (auto v = o.as_uint()) return *v;
      break;
    case coap::OptionFormat::Block:
      if (auto v = o.as_uint()) return json::string(coap::block_text(*v));
      break;
    case coap::OptionFormat::Opaque:
      break;
  }
  return json::string(hex(o.value));  // opaque, or a value that does not fit its format
}

}  // namespace

StreamEvent message_event(std::string_view endpoint, Direction direction,
                          const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram) {
  json::object o{{"endpoint", endpoint},
                 {"direction", direction == Direction::In ? "in" : "out"},
                 {"peer", peer.to_string()},
                 {"size", datagram.size()}};
  coap::Message m;
  if (auto failure = coap::parse(datagram, m)) {
    o["malformed"] = coap::to_string(failure->error);
  } else {
    o["type"] = coap::type_name(m.type);
    o["code"] = m.code.to_string();
    if (auto name = coap::code_name(m.code); !name.empty()) o["code_name"] = name;
    o["mid"] = m.message_id;
    o["token"] = hex(m.token.bytes());
    json::array options;
    for (std::size_t i = 0; i < m.option_count(); ++i) {
      const auto opt = m.option(i);
      const auto name = coap::option_name(opt.number);
      options.push_back(json::object{
          {"name", name.empty() ? json::value(opt.number) : json::value(json::string(name))},
          {"value", option_value(opt)}});
    }
    o["options"] = std::move(options);
    o["payload_size"] = m.payload().size();
  }
  return StreamEvent{"coap", std::string(endpoint), json::serialize(o)};
}

void MessageTap::watch(std::string_view endpoint) {
  auto it = std::find_if(watches_.begin(), watches_.end(),
                         [&](const Watch& w) { return w.endpoint == endpoint; });
  if (it == watches_.end()) {
    watches_.push_back(Watch{std::string(endpoint), 0, std::nullopt});
    it = std::prev(watches_.end());
  }
  ++it->listeners;
}

void MessageTap::unwatch(std::string_view endpoint) {
  auto it = std::find_if(watches_.begin(), watches_.end(),
                         [&](const Watch& w) { return w.endpoint == endpoint; });
  if (it != watches_.end() && --it->listeners == 0) watches_.erase(it);
}

std::optional<std::string> MessageTap::watcher_of(const coap::PeerAddress& peer) {
  for (auto& w : watches_) {
    if (const auto* r = core_.registration(w.endpoint)) w.peer = r->peer;
    if (w.peer == peer) return w.endpoint;
  }
  return std::nullopt;
}

void MessageTap::log(const coap::PeerAddress& peer, Direction direction,
                     std::span<const std::uint8_t> datagram) {
  // The sink may end a stream, and so a watch: nothing of watches_ is held across it.
  if (!sink_) return;
  if (auto endpoint = watcher_of(peer)) sink_(message_event(*endpoint, direction, peer, datagram));
}

void MessageTap::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                         coap::TimePoint now) {
  core_.receive(peer, datagram, now);
  // After the core has it, so that a Register's own address is known.
  if (!watches_.empty()) log(peer, Direction::In, datagram);
}

bool MessageTap::poll_transmit(coap::Transmit& out) {
  if (!core_.poll_transmit(out)) return false;
  if (!watches_.empty()) log(out.peer, Direction::Out, out.bytes);
  return true;
}

}  // namespace drover::http
