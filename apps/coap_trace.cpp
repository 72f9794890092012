#include "coap_trace.hpp"

#include <cstdio>

#include "coap_console.hpp"
#include "drover/coap/names.hpp"
#include "drover/log/log.hpp"

namespace drover::apps {

void CoapTrace::receive(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                        coap::TimePoint now) {
  trace(peer, datagram, true);
  inner().receive(peer, datagram, now);
}

bool CoapTrace::poll_transmit(coap::Transmit& out) {
  if (!inner().poll_transmit(out)) return false;
  trace(out.peer, out.bytes, false);
  return true;
}

// "in from 127.0.0.1:56830: CON 0x1a2b POST /rd?ep=dev&lt=300, Content-Format 40, 52 bytes ..."
void CoapTrace::trace(const coap::PeerAddress& peer, std::span<const std::uint8_t> datagram,
                      bool in) {
  if (!log::enabled(log::Component::Coap, log::Level::Trace)) return;
  std::string line = (in ? "in from " : "out to ") + peer.to_string() + ": ";
  if (auto failure = coap::parse(datagram, message_)) {
    line += "malformed (" + std::string(coap::to_string(failure->error)) + "), " +
            std::to_string(datagram.size()) + " bytes";
  } else {
    char mid[8];
    std::snprintf(mid, sizeof mid, "0x%04x", message_.message_id);
    line += std::string(coap::type_name(message_.type)) + " " + mid + " " + describe(message_);
  }
  log::trace(log::Component::Coap, {in ? "received" : "sent"}, line);
}

}  // namespace drover::apps
