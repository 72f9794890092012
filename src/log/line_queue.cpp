#include "line_queue.hpp"

#include <algorithm>
#include <cstring>

#include "line_format.hpp"

namespace drover::log {

namespace {

// A line in the buffer: this header, then the endpoint's and the message's bytes, padded so that
// the next header is aligned.
struct Header {
  spdlog::log_clock::rep time;
  const char* logger;
  const char* event;
  std::uint32_t logger_size;
  std::uint32_t endpoint_size;
  std::uint32_t message_size;
  spdlog::level::level_enum level;
};

constexpr std::size_t padded(std::size_t n) {
  return (n + alignof(Header) - 1) / alignof(Header) * alignof(Header);
}

}  // namespace

LineQueue::LineQueue(LineQueueLimits limits, WriteLine write, std::function<void()> flush,
                     std::function<void()> on_start)
    : limits_(limits), write_(std::move(write)), flush_(std::move(flush)) {
  filling_.bytes = std::make_unique_for_overwrite<char[]>(limits_.bytes);
  writer_ = std::thread([this, on_start = std::move(on_start)] {
    if (on_start) on_start();
    run();
  });
}

LineQueue::~LineQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
}

void LineQueue::push(spdlog::level::level_enum level, std::string_view logger, const char* event,
                     std::string_view endpoint, std::string_view message) {
  const Header header{spdlog::log_clock::now().time_since_epoch().count(),
                      logger.data(),
                      event,
                      static_cast<std::uint32_t>(logger.size()),
                      static_cast<std::uint32_t>(endpoint.size()),
                      static_cast<std::uint32_t>(message.size()),
                      level};
  const std::size_t size = sizeof header + padded(endpoint.size() + message.size());
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    const std::size_t at = filling_.size;
    if (lines_ == limits_.lines || at + size > limits_.bytes) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    char* p = filling_.bytes.get() + at;
    filling_.size = at + size;
    std::memcpy(p, &header, sizeof header);
    // std::copy: an empty view may have no data pointer, which memcpy must not be given.
    std::copy(endpoint.begin(), endpoint.end(), p + sizeof header);
    std::copy(message.begin(), message.end(), p + sizeof header + endpoint.size());
    ++lines_;
    const bool half_full = 2 * lines_ >= limits_.lines || 2 * (at + size) >= limits_.bytes;
    if (writer_asleep_ || (half_full && !nudged_)) {
      wake = true;
      nudged_ = !writer_asleep_;
      writer_asleep_ = false;
    }
  }
  if (wake) wake_.notify_one();
}

void LineQueue::run() {
  Buffer batch{std::make_unique_for_overwrite<char[]>(limits_.bytes)};
  std::unique_lock lock(mutex_);
  for (;;) {
    if (lines_ == 0) {
      if (stopping_) return;
      // Nothing came during the pause: sleep until a line comes and its producer wakes us.
      writer_asleep_ = true;
      wake_.wait(lock, [&] { return lines_ > 0 || stopping_; });
      writer_asleep_ = false;
      continue;
    }
    std::swap(batch, filling_);
    lines_ = 0;
    nudged_ = false;
    lock.unlock();
    write_batch(batch);
    batch.size = 0;
    lock.lock();
    // The lines of the next pause are written together, without a wake-up for each.
    wake_.wait_for(lock, limits_.pause, [&] { return stopping_ || nudged_; });
  }
}

void LineQueue::write_batch(const Buffer& batch) {
  for (std::size_t at = 0; at < batch.size;) {
    Header h;
    std::memcpy(&h, batch.bytes.get() + at, sizeof h);
    const char* bytes = batch.bytes.get() + at + sizeof h;
    write_(encode(spdlog::log_clock::time_point(spdlog::log_clock::duration(h.time)),
                  std::string_view(h.logger, h.logger_size), h.level, h.event, h.endpoint_size,
                  std::string_view(bytes, h.endpoint_size + h.message_size)));
    at += sizeof h + padded(h.endpoint_size + h.message_size);
  }
  flush_();
}

}  // namespace drover::log
