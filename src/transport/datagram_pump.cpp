#include "datagram_pump.hpp"

namespace drover::transport {

bool DatagramPump::receive_batch() {
  std::span<const ReceivedDatagram> batch;
  if (auto ec = socket.receive(batch)) {
    report("receive", ec);
    return false;
  }
  const auto now = coap::Clock::now();
  for (const auto& d : batch) {
    if (d.truncated)
      core.receive_truncated(d.peer, d.bytes, now);
    else
      core.receive(d.peer, d.bytes, now);
  }
  pump();  // between batches, so the core's bounded queues drain as input arrives
  return socket.is_open() && batch.size() == socket.options().batch_size;
}

bool DatagramPump::pump() {
  // A hook that ends up back here (through its owner's calls) leaves the work to this pump.
  if (pumping) return false;
  pumping = true;
  if (after_input) after_input();
  pumping = false;
  send_transmits();
  return true;
}

void DatagramPump::send_transmits() {
  if (!socket.is_open() || waiting_writable) return;
  coap::Transmit tx;
  for (;;) {
    if (socket.send_queue_full() && !flush_socket()) return;
    if (!core.poll_transmit(tx)) break;
    std::optional<coap::PeerAddress> source;
    if (source_for) source = source_for(tx.peer);
    if (auto ec = socket.queue_send(tx.peer, tx.bytes, source ? &*source : nullptr)) {
      ++stats.send_refused;
      report("send", ec);
    }
  }
  flush_socket();
}

// False when the socket buffer is full: sending resumes when the socket is writable again.
bool DatagramPump::flush_socket() {
  FlushResult r = socket.flush();
  if (r.dropped > 0) report("send", r.error);
  if (!r.would_block) return true;
  ++stats.send_blocked;
  waiting_writable = true;
  if (wait_writable) wait_writable();
  return false;
}

}  // namespace drover::transport
