// The firmware update of one device, driven through the server core's operations: sans-I/O, like
// the core (every call takes `now`; the driver calls on_timer at next_expiry and hands over every
// server event).
//
// Steps, each with its own deadline (UpdaterConfig):
//   checking     Read /5/0 (State, Update Result, Protocol Support 8, Delivery Method 9) and
//                /3/0/3 (the version before); the method is chosen (pull when the device pulls a
//                protocol the server serves, else push); a device that is not Idle is refused,
//                unless what it holds is the leftover of this server's previous update of it,
//                which failed transiently (a push cut half-way): that is reset first (an empty
//                Package URI); then State and Update Result observed;
//   delivering   push: Write of the image to /5/0/0 (Block1 at the block size the device asks);
//                pull: Write of the image's URI (coap://SERVER/fw/<sha256>) to /5/0/1;
//   downloading  until State is Downloaded (2);
//   updating     Execute /5/0/2, then until the device reports Update Result 1 (success), or a
//                failure code, read after it comes back (Register or Update) with /3/0/3.
// While waiting, /5/0 is also read every poll_interval: a device whose notifications are lost
// (or that declined to be observed) is followed all the same; one whose registration has ended
// (a restart longer than its lifetime) is waited for until it registers again or the deadline. A
// device that goes back to Idle with an Update Result other than 0 and 1 ends the update failed,
// with the code and its meaning.
//
// Bounds: updates running (max_running) and finished ones kept for GET (max_finished, the oldest
// forgotten first); one update per device at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "drover/firmware/images.hpp"
#include "drover/server/server.hpp"
#include "drover/util/ring_queue.hpp"

namespace drover::firmware {

using coap::Duration;
using coap::TimePoint;

enum class Method : std::uint8_t { Auto, Push, Pull };
std::string_view to_string(Method);
std::optional<Method> method_from_string(std::string_view);

enum class Step : std::uint8_t { Checking, Delivering, Downloading, Updating, Done };
std::string_view to_string(Step);

enum class Outcome : std::uint8_t { Running, Succeeded, Failed, Cancelled };
std::string_view to_string(Outcome);

// Object 5's State (/5/0/3) and Update Result (/5/0/5) in words.
std::string_view state_name(std::int64_t state);
std::string_view result_meaning(std::int64_t result);

struct UpdaterConfig {
  // Where devices pull from: "coap://host:port" (the server's own CoAP endpoint) and
  // "http://host:port" (its HTTP server); empty: not offered.
  std::string coap_base;
  std::string http_base;
  Duration check_timeout = std::chrono::seconds(93);
  Duration deliver_timeout = std::chrono::minutes(30);  // a push's whole Block1 transfer
  Duration download_timeout = std::chrono::minutes(30);
  Duration update_timeout = std::chrono::minutes(15);
  Duration poll_interval = std::chrono::seconds(30);
  std::size_t max_running = 10000;
  std::size_t max_finished = 10000;
  std::size_t max_events = 65536;  // not yet taken by poll_event; past it the oldest are dropped
};

struct UpdateStatus {
  std::uint64_t id = 0;
  std::string endpoint;
  std::string image;             // its SHA-256
  Method method = Method::Auto;  // asked; the chosen one once checked
  Step step = Step::Checking;
  Outcome outcome = Outcome::Running;
  std::optional<std::int64_t> state;   // the device's latest /5/0/3
  std::optional<std::int64_t> result;  // the device's latest /5/0/5
  std::string version_before;          // /3/0/3
  std::string version_after;
  std::string message;  // why it failed, in words (the device's result code and its meaning)
  // A failure that may not happen again: silence, a deadline, Connection lost (4) or Out of RAM
  // (3). A campaign tries such a device again (CampaignSpec::retries).
  bool transient = false;
  std::uint64_t campaign = 0;  // 0: started alone
  TimePoint started{};
  TimePoint step_started{};
  TimePoint finished{};
};

// Told for every step taken and at the end.
struct UpdateEvent {
  UpdateStatus status;
};

enum class StartError : std::uint8_t {
  UnknownEndpoint,
  UnknownImage,
  AlreadyRunning,  // an update of this device is under way
  TooMany,         // max_running
};
std::string_view to_string(StartError);

struct UpdaterCounts {
  std::uint64_t started = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t pushed = 0;  // deliveries by push
  std::uint64_t pulled = 0;  // by pull
  std::uint64_t events_dropped = 0;
  std::size_t running = 0;
};

class Updater {
 public:
  // `server` and `images` must outlive the updater.
  Updater(server::Server& server, const Images& images, UpdaterConfig config = {});

  Result<std::uint64_t, StartError> start(std::string_view endpoint, std::string_view image,
                                          Method method, TimePoint now, std::uint64_t campaign = 0);
  // Stops the update of `endpoint`: a device downloading or holding the image is told to drop
  // it (an empty Package URI). False when none runs, or it is past Execute (too late).
  bool cancel(std::string_view endpoint, TimePoint now);
  // The update of `endpoint`: running, or the latest finished one still kept.
  const UpdateStatus* status(std::string_view endpoint) const;
  std::vector<const UpdateStatus*> all() const;

  // Every event drained from the server core.
  void on_event(const server::ServerEvent& event, TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  bool poll_event(UpdateEvent& out);

  UpdaterCounts counts() const;
  const UpdaterConfig& config() const { return config_; }
  // Where devices pull from (UpdaterConfig::coap_base, http_base), once the ports are known.
  void set_pull_bases(std::string coap_base, std::string http_base) {
    config_.coap_base = std::move(coap_base);
    config_.http_base = std::move(http_base);
  }

 private:
  enum class Purpose : std::uint8_t {
    Check,
    VersionBefore,
    VersionAfter,
    Observe,
    Deliver,
    Execute,
    Poll,
    Confirm,
    Reset
  };
  struct Job {
    UpdateStatus status;
    TimePoint deadline{};
    TimePoint next_poll{};
    std::vector<server::OperationId> observations;
    bool returned = false;  // the device registered or updated after Execute
    std::string refusal;    // the device's answer to a delivery it refused
    bool leftover = false;  // the previous update of the device failed transiently
  };

  server::Server& server_;
  const Images& images_;
  UpdaterConfig config_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, Job, std::less<>> running_;
  std::map<std::string, UpdateStatus, std::less<>> finished_;
  std::vector<std::string> finished_order_;  // oldest first, for eviction
  // The operations sent, by id: for which update (an answer to an ended one is ignored).
  struct Sent {
    std::string endpoint;
    Purpose purpose;
    std::uint64_t update;
  };
  std::unordered_map<std::uint64_t, Sent> operations_;
  std::set<std::pair<TimePoint, std::string>> timers_;
  RingQueue<UpdateEvent> events_;
  UpdaterCounts counts_;

  bool issue(Job& job, server::Result<server::OperationId> id, Purpose purpose, TimePoint now);
  // False (and the update failed) when the server could not send it.
  bool read(Job& job, const lwm2m::Path& path, Purpose purpose, Duration timeout, TimePoint now);
  void read_version(const UpdateStatus& status, Purpose purpose, TimePoint now);
  void on_completed(Job& job, Purpose purpose, const server::OperationResult& result,
                    TimePoint now);
  void on_values(Job& job, const std::vector<lwm2m::Record>& records, TimePoint now);
  void checked(Job& job, const std::vector<lwm2m::Record>& records, TimePoint now);
  void proceed(Job& job, TimePoint now);
  void deliver(Job& job, TimePoint now);
  void enter(Job& job, Step step, Duration timeout, TimePoint now);
  void arm(Job& job, TimePoint deadline, TimePoint next_poll);
  void finish(Job& job, Outcome outcome, std::string message, TimePoint now,
              bool transient = false);
  void emit(const Job& job);
};

}  // namespace drover::firmware
