// Campaigns: one image rolled out to many devices through the Updater, a few at a time.
//
// A campaign names its devices (a list, or every registered endpoint starting with a prefix when
// it is created) and starts their updates at most `concurrency` at once and `rate` a second. A
// device that is not registered, or asleep in queue mode, waits until it talks (Register, Update,
// or its queue-mode wake-up), so that its update does not sit in a queue. When `max_failures`
// devices have failed the campaign stops: no more updates start, those under way end on their own.
// A device whose update failed in a way that may not happen again (UpdateStatus::transient:
// silence, a deadline, Connection lost) is tried again, after the devices not yet tried, up to
// `retries` times; its last failure is the one kept. Pause stops starting updates, resume goes on;
// cancel also cancels the updates under way (those not yet past Execute). Sans-I/O like the
// Updater: on_timer at next_expiry (the rate), and every server and update event handed over.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "drover/firmware/update.hpp"

namespace drover::firmware {

struct CampaignSpec {
  std::string image;  // SHA-256
  Method method = Method::Auto;
  std::vector<std::string> endpoints;
  std::string prefix;  // used when `endpoints` is empty
  std::size_t concurrency = 10;
  double rate = 0;               // updates started a second at most; 0: no limit
  std::size_t max_failures = 0;  // failures that stop the campaign; 0: never stopped
  std::size_t retries = 0;       // new attempts of a device whose failure was transient
};

enum class CampaignState : std::uint8_t { Running, Paused, Stopped, Cancelled, Finished };
std::string_view to_string(CampaignState);

enum class DeviceState : std::uint8_t { Waiting, Running, Succeeded, Failed, Cancelled };
std::string_view to_string(DeviceState);

struct CampaignDevice {
  std::string endpoint;
  DeviceState state = DeviceState::Waiting;
  std::string message;    // why it failed (or, waiting again, why its last attempt did)
  unsigned attempts = 0;  // updates started
};

struct CampaignTotals {
  std::size_t waiting = 0;
  std::size_t running = 0;
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::size_t cancelled = 0;
};

struct Campaign {
  std::uint64_t id = 0;
  CampaignSpec spec;
  CampaignState state = CampaignState::Running;
  std::string reason;  // why it stopped
  std::vector<CampaignDevice> devices;
  CampaignTotals totals;
  TimePoint created{};
};

// Told when a device's update ends and when the campaign's state changes.
struct CampaignEvent {
  std::uint64_t campaign = 0;
  CampaignState state = CampaignState::Running;
  CampaignTotals totals;
  std::string endpoint;  // the device whose update ended; empty for a change of the campaign
  DeviceState device = DeviceState::Waiting;
  std::string message;
};

struct CampaignsConfig {
  std::size_t max_campaigns = 64;  // kept, finished ones included (the oldest finished is dropped)
  std::size_t max_devices = 1000000;  // in one campaign
  std::size_t max_events = 65536;
};

enum class CampaignError : std::uint8_t {
  UnknownImage,
  NoDevices,
  TooManyDevices,
  TooMany,
  BadSpec
};
std::string_view to_string(CampaignError);

class Campaigns {
 public:
  Campaigns(server::Server& server, const Images& images, Updater& updater,
            CampaignsConfig config = {});

  Result<std::uint64_t, CampaignError> create(CampaignSpec spec, TimePoint now);
  const Campaign* get(std::uint64_t id) const;
  std::vector<const Campaign*> all() const;
  // False for an unknown campaign, or one whose state does not allow it.
  bool pause(std::uint64_t id);
  bool resume(std::uint64_t id, TimePoint now);
  bool cancel(std::uint64_t id, TimePoint now);

  void on_event(const server::ServerEvent& event, TimePoint now);
  void on_update(const UpdateEvent& event, TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  bool poll_event(CampaignEvent& out);

  std::size_t running() const;  // campaigns running
  std::uint64_t events_dropped() const { return events_dropped_; }

 private:
  struct State {
    Campaign campaign;
    std::deque<std::size_t> ready;                           // devices to start, by index
    std::map<std::string, std::size_t, std::less<>> parked;  // waiting for the device to talk
    std::map<std::string, std::size_t, std::less<>> running;
    TimePoint next_start{};
  };
  server::Server& server_;
  const Images& images_;
  Updater& updater_;
  CampaignsConfig config_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, State> campaigns_;
  RingQueue<CampaignEvent> events_;
  std::uint64_t events_dropped_ = 0;

  void pump(State& s, TimePoint now);
  void device_done(State& s, std::size_t index, DeviceState state, std::string message);
  bool retry(State& s, std::size_t index, const UpdateStatus& failed);
  void set_state(State& s, CampaignState state, std::string reason);
  void settle(State& s);
  void emit(const State& s, const CampaignDevice* device);
};

}  // namespace drover::firmware
