#include "drover/http/event_stream.hpp"

#include <utility>

namespace drover::http {

std::string sse_frame(const StreamEvent& event) {
  // The data is serialized JSON: it holds no raw newline, so one data line is enough.
  std::string frame;
  frame.reserve(event.type.size() + event.data.size() + 16);
  frame.append("event: ").append(event.type).append("\ndata: ").append(event.data).append("\n\n");
  return frame;
}

bool EventBuffer::push(std::string_view frame) {
  if (frame.size() > max_bytes_ - bytes_.size()) return false;
  bytes_.append(frame);
  return true;
}

std::string EventBuffer::take() {
  std::string out = std::move(bytes_);
  bytes_.clear();
  return out;
}

}  // namespace drover::http
