// Writing behind: changes told on one thread are committed in batches on a writer thread of
// their own, so that whoever tells them never waits for the disk. Every store of this layer
// writes through one.
//
// The queue is bounded (max_pending): past it a change is dropped, counted and reported once.
// A batch is committed every `batch_interval`, or at once when `batch_changes` wait. A batch that
// fails is kept and tried again every `retry_interval` (the failure counted and reported) ahead
// of what came after it, so the order of changes holds; at a stop it is tried once more, then
// given up, so that a stop never hangs on a full disk.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "drover/store/data_dir.hpp"
#include "drover/store/write_behind.hpp"

namespace drover::store {

template <typename Change>
class WriteBehind {
 public:
  // Commits a batch in one transaction; the error when nothing of it was written.
  using Commit = std::function<std::optional<Error>(std::span<const Change>)>;

  WriteBehind(WriteBehindConfig config, std::string name, Commit commit)
      : config_(std::move(config)), name_(std::move(name)), commit_(std::move(commit)) {}
  ~WriteBehind() { stop(); }
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // Changes told before start() wait for it (or for stop(), which writes them once).
  void start() {
    writer_ = std::thread([this] { run(); });
  }

  // Writes what is left (see the file comment) and ends the writer.
  void stop() {
    if (writer_.joinable()) {
      {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
      }
      wake_.notify_one();
      writer_.join();
    } else if (!pending_.empty()) {  // never started
      (void)commit_(pending_);
      pending_.clear();
    }
  }

  void tell(Change change) {
    {
      const std::lock_guard lock(mutex_);
      ++told_;
      if (pending_.size() >= config_.max_pending) {
        ++done_;
        if (stats_.dropped++ == 0 && config_.log)
          config_.log(name_ + ": the writer is behind by " + std::to_string(config_.max_pending) +
                      " changes: dropping changes");
        return;
      }
      pending_.push_back(std::move(change));
      if (pending_.size() != config_.batch_changes) return;
    }
    wake_.notify_one();  // a batch is full: no need to wait for the interval
  }

  // Waits until every change told so far is on disk (or dropped); the error if a batch failed
  // meanwhile (it is still tried again).
  std::optional<Error> flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = told_;
    const std::uint64_t failures = stats_.failed_batches;
    flush_wanted_ = true;
    wake_.notify_one();
    written_.wait(lock, [&] { return done_ >= target || stats_.failed_batches != failures; });
    if (done_ >= target) return std::nullopt;
    return last_error_;
  }

  StoreStats stats() const {
    const std::lock_guard lock(mutex_);
    StoreStats s = stats_;
    s.pending = told_ - done_;
    return s;
  }

 private:
  void run() {
    std::vector<Change> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, config_.batch_interval, [&] {
        return stopping_ || flush_wanted_ || pending_.size() >= config_.batch_changes;
      });
      // A batch kept after a failure goes first: the order of changes holds.
      if (batch.empty()) {
        batch.swap(pending_);
      } else {
        std::move(pending_.begin(), pending_.end(), std::back_inserter(batch));
        pending_.clear();
      }
      flush_wanted_ = false;
      const bool stop = stopping_;
      if (batch.empty()) {
        if (stop) return;
        continue;
      }
      lock.unlock();
      auto error = commit_(batch);
      lock.lock();
      if (!error) {
        done_ += batch.size();
        stats_.committed += batch.size();
        ++stats_.batches;
        batch.clear();
        if (last_error_ && config_.log) config_.log(name_ + ": writing again after a failure");
        last_error_.reset();
      } else {
        ++stats_.failed_batches;
        if (config_.log) config_.log(error->message + " (kept, tried again)");
        last_error_ = std::move(error);
      }
      written_.notify_all();
      if (error) {
        if (stop) {
          done_ += batch.size();
          return;
        }
        wake_.wait_for(lock, config_.retry_interval, [&] { return stopping_; });
      }
    }
  }

  const WriteBehindConfig config_;
  const std::string name_;
  const Commit commit_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;     // the writer: changes to write, a flush, or stop
  std::condition_variable written_;  // flush(): a batch was committed or failed
  std::vector<Change> pending_;
  std::uint64_t told_ = 0;           // changes told, dropped ones included
  std::uint64_t done_ = 0;           // changes committed or dropped
  std::optional<Error> last_error_;  // of the last failed batch, until one succeeds
  bool flush_wanted_ = false;
  bool stopping_ = false;
  StoreStats stats_;
  std::thread writer_;
};

}  // namespace drover::store
