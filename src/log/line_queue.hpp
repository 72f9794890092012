// The lines waiting for the writer thread: two buffers, one filled by the threads that log while
// the writer writes the other, swapped when the writer has finished a batch.
//
// A line costs its producer a lock and one copy of its bytes into the buffer, nothing allocated.
// The writer is woken only when it sleeps (nothing came during its last pause) or when the buffer
// is half full: under a steady flow of lines nobody signals it, and it writes one batch a pause.
// A quiet log is still written at once. When the buffer is full a new line is dropped and counted.
#pragma once

#include <spdlog/details/log_msg.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

namespace drover::log {

// A queued line as the writer sees it: what spdlog's sinks and the LineFormatter take (fields
// encoded as line_format.hpp says).
using WriteLine = std::function<void(const spdlog::details::log_msg&)>;

struct LineQueueLimits {
  std::size_t lines = 8192;
  std::size_t bytes = 8192 * 256;
  // How long the writer lets lines gather after a batch before it writes the next one.
  std::chrono::milliseconds pause{10};
};

class LineQueue {
 public:
  // `write` is called on the writer thread for each line, `flush` after each batch; `on_start`
  // first, on that thread (its name and priority).
  LineQueue(LineQueueLimits limits, WriteLine write, std::function<void()> flush,
            std::function<void()> on_start);
  // Writes what is queued, then stops the writer.
  ~LineQueue();
  LineQueue(const LineQueue&) = delete;
  LineQueue& operator=(const LineQueue&) = delete;

  // `logger` and `event` must outlive the queue (names and string literals).
  void push(spdlog::level::level_enum level, std::string_view logger, const char* event,
            std::string_view endpoint, std::string_view message);

  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // Bytes reserved once; `size` of them hold lines.
  struct Buffer {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
  };

  void run();
  void write_batch(const Buffer& batch);

  const LineQueueLimits limits_;
  const WriteLine write_;
  const std::function<void()> flush_;
  std::mutex mutex_;
  std::condition_variable wake_;
  Buffer filling_;         // guarded by mutex_
  std::size_t lines_ = 0;  // in filling_
  bool writer_asleep_ = false;
  bool nudged_ = false;  // the writer was woken for a half-full buffer
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace drover::log
