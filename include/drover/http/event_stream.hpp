// The event stream of the HTTP API (GET /api/events): server events as Server-Sent Events, and
// the bounded buffer of one stream's connection. A client that reads slower than events come
// fills its buffer and is dropped: the server never holds more than max_bytes per stream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace drover::http {

// One event: its SSE type ("registration", "notification", ...; docs/http-api.md), the endpoint
// it concerns (for ?endpoint=) and its JSON data (one line).
struct StreamEvent {
  std::string_view type;
  std::string endpoint;
  std::string data;
};

// "event: <type>\ndata: <data>\n\n".
std::string sse_frame(const StreamEvent& event);

class EventBuffer {
 public:
  explicit EventBuffer(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // False, and nothing added, when the frame does not fit beside what is not yet taken.
  bool push(std::string_view frame);
  // Everything queued, to write; the buffer is empty afterwards.
  std::string take();
  bool empty() const { return bytes_.empty(); }
  std::size_t size() const { return bytes_.size(); }
  std::size_t max_bytes() const { return max_bytes_; }

 private:
  std::size_t max_bytes_;
  std::string bytes_;
};

}  // namespace drover::http
