#include "drover/firmware/campaign.hpp"

#include <algorithm>
#include <chrono>

namespace drover::firmware {

std::string_view to_string(CampaignState s) {
  switch (s) {
    case CampaignState::Running:
      return "running";
    case CampaignState::Paused:
      return "paused";
    case CampaignState::Stopped:
      return "stopped";
    case CampaignState::Cancelled:
      return "cancelled";
    case CampaignState::Finished:
      return "finished";
  }
  return "?";
}

std::string_view to_string(DeviceState s) {
  switch (s) {
    case DeviceState::Waiting:
      return "waiting";
    case DeviceState::Running:
      return "running";
    case DeviceState::Succeeded:
      return "succeeded";
    case DeviceState::Failed:
      return "failed";
    case DeviceState::Cancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view to_string(CampaignError e) {
  switch (e) {
    case CampaignError::UnknownImage:
      return "no firmware image has this hash";
    case CampaignError::NoDevices:
      return "the campaign names no device (no registered endpoint has this prefix)";
    case CampaignError::TooManyDevices:
      return "the campaign names more devices than one campaign may have";
    case CampaignError::TooMany:
      return "too many campaigns are kept; cancel or wait for one to finish";
    case CampaignError::BadSpec:
      return "concurrency must be at least 1, and rate not negative";
  }
  return "?";
}

Campaigns::Campaigns(server::Server& server, const Images& images, Updater& updater,
                     CampaignsConfig config)
    : server_(server), images_(images), updater_(updater), config_(config) {}

Result<std::uint64_t, CampaignError> Campaigns::create(CampaignSpec spec, TimePoint now) {
  if (!images_.find(spec.image)) return CampaignError::UnknownImage;
  if (spec.concurrency == 0 || spec.rate < 0) return CampaignError::BadSpec;
  if (spec.endpoints.empty()) {
    server_.registrations().for_each([&](const server::Registration& r) {
      if (r.endpoint.starts_with(spec.prefix) && spec.endpoints.size() <= config_.max_devices)
        spec.endpoints.push_back(r.endpoint);
    });
  }
  std::sort(spec.endpoints.begin(), spec.endpoints.end());
  spec.endpoints.erase(std::unique(spec.endpoints.begin(), spec.endpoints.end()),
                       spec.endpoints.end());
  if (spec.endpoints.empty()) return CampaignError::NoDevices;
  if (spec.endpoints.size() > config_.max_devices) return CampaignError::TooManyDevices;
  if (campaigns_.size() >= config_.max_campaigns) {
    // Room is made by forgetting the oldest campaign that has ended.
    const auto ended = std::find_if(campaigns_.begin(), campaigns_.end(), [](const auto& c) {
      const auto st = c.second.campaign.state;
      return st == CampaignState::Finished || st == CampaignState::Cancelled ||
             (st == CampaignState::Stopped && c.second.running.empty());
    });
    if (ended == campaigns_.end()) return CampaignError::TooMany;
    campaigns_.erase(ended);
  }
  const std::uint64_t id = next_id_++;
  State& s = campaigns_[id];
  s.campaign.id = id;
  s.campaign.created = now;
  s.campaign.devices.reserve(spec.endpoints.size());
  for (std::size_t i = 0; i < spec.endpoints.size(); ++i) {
    s.campaign.devices.push_back({spec.endpoints[i], DeviceState::Waiting, {}});
    s.ready.push_back(i);
  }
  s.campaign.totals.waiting = spec.endpoints.size();
  spec.endpoints.clear();  // they are the devices now
  s.campaign.spec = std::move(spec);
  emit(s, nullptr);
  pump(s, now);
  return id;
}

const Campaign* Campaigns::get(std::uint64_t id) const {
  const auto it = campaigns_.find(id);
  return it == campaigns_.end() ? nullptr : &it->second.campaign;
}

std::vector<const Campaign*> Campaigns::all() const {
  std::vector<const Campaign*> out;
  for (const auto& [id, s] : campaigns_) out.push_back(&s.campaign);
  return out;
}

bool Campaigns::pause(std::uint64_t id) {
  const auto it = campaigns_.find(id);
  if (it == campaigns_.end() || it->second.campaign.state != CampaignState::Running) return false;
  set_state(it->second, CampaignState::Paused, "paused");
  return true;
}

bool Campaigns::resume(std::uint64_t id, TimePoint now) {
  const auto it = campaigns_.find(id);
  if (it == campaigns_.end() || it->second.campaign.state != CampaignState::Paused) return false;
  set_state(it->second, CampaignState::Running, "");
  pump(it->second, now);
  return true;
}

bool Campaigns::cancel(std::uint64_t id, TimePoint now) {
  const auto it = campaigns_.find(id);
  if (it == campaigns_.end()) return false;
  State& s = it->second;
  const auto st = s.campaign.state;
  if (st != CampaignState::Running && st != CampaignState::Paused && st != CampaignState::Stopped)
    return false;
  s.campaign.state = CampaignState::Cancelled;  // so that the updates' ends start nothing
  // The updates' own events (on_update) mark their devices cancelled.
  const auto running = s.running;
  for (const auto& [endpoint, index] : running) updater_.cancel(endpoint, now);
  for (std::size_t index : s.ready) device_done(s, index, DeviceState::Cancelled, "cancelled");
  s.ready.clear();
  for (const auto& [endpoint, index] : s.parked)
    device_done(s, index, DeviceState::Cancelled, "cancelled");
  s.parked.clear();
  set_state(s, CampaignState::Cancelled, "cancelled");
  return true;
}

void Campaigns::on_event(const server::ServerEvent& event, TimePoint now) {
  std::string_view endpoint;
  if (const auto* e = std::get_if<server::Registered>(&event)) endpoint = e->registration.endpoint;
  if (const auto* e = std::get_if<server::Updated>(&event)) endpoint = e->registration.endpoint;
  if (const auto* e = std::get_if<server::Awake>(&event)) endpoint = e->endpoint;
  if (endpoint.empty()) return;
  for (auto& [id, s] : campaigns_) {
    const auto it = s.parked.find(endpoint);
    if (it == s.parked.end()) continue;
    s.ready.push_front(it->second);
    s.parked.erase(it);
    pump(s, now);
  }
}

void Campaigns::on_update(const UpdateEvent& event, TimePoint now) {
  const UpdateStatus& u = event.status;
  if (u.campaign == 0 || u.outcome == Outcome::Running) return;
  const auto it = campaigns_.find(u.campaign);
  if (it == campaigns_.end()) return;
  State& s = it->second;
  const auto r = s.running.find(u.endpoint);
  if (r == s.running.end()) return;
  const std::size_t index = r->second;
  s.running.erase(r);
  if (u.outcome == Outcome::Failed && retry(s, index, u)) return pump(s, now);
  device_done(s, index,
              u.outcome == Outcome::Succeeded ? DeviceState::Succeeded
              : u.outcome == Outcome::Failed  ? DeviceState::Failed
                                              : DeviceState::Cancelled,
              u.message);
  const auto& spec = s.campaign.spec;
  if (s.campaign.state == CampaignState::Running && spec.max_failures > 0 &&
      s.campaign.totals.failed >= spec.max_failures)
    set_state(s, CampaignState::Stopped,
              std::to_string(s.campaign.totals.failed) + " devices failed (threshold " +
                  std::to_string(spec.max_failures) + ")");
  pump(s, now);
  settle(s);
}

void Campaigns::pump(State& s, TimePoint now) {
  const auto& spec = s.campaign.spec;
  while (s.campaign.state == CampaignState::Running && !s.ready.empty() &&
         s.running.size() < spec.concurrency && now >= s.next_start) {
    const std::size_t index = s.ready.front();
    CampaignDevice& device = s.campaign.devices[index];
    const server::Registration* r = server_.registration(device.endpoint);
    const UpdateStatus* under_way = updater_.status(device.endpoint);
    if (!r || !server_.is_awake(device.endpoint) ||
        (under_way && under_way->outcome == Outcome::Running)) {
      s.parked.emplace(device.endpoint, index);  // until it talks
      s.ready.pop_front();
      continue;
    }
    const auto started =
        updater_.start(device.endpoint, spec.image, spec.method, now, s.campaign.id);
    if (!started) {
      if (started.error() == StartError::TooMany) break;  // tried again as updates end
      s.ready.pop_front();
      device_done(s, index, DeviceState::Failed, std::string(to_string(started.error())));
      continue;
    }
    s.ready.pop_front();
    s.running.emplace(device.endpoint, index);
    device.state = DeviceState::Running;
    ++device.attempts;
    --s.campaign.totals.waiting;
    ++s.campaign.totals.running;
    // Spaced from the previous start, not from now: a driver that ticks coarsely still gets the
    // rate, with a burst of at most a second's worth after a pause.
    if (spec.rate > 0)
      s.next_start =
          std::max(s.next_start, now - std::chrono::seconds(1)) +
          std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1.0 / spec.rate));
  }
  settle(s);
}

bool Campaigns::retry(State& s, std::size_t index, const UpdateStatus& failed) {
  CampaignDevice& device = s.campaign.devices[index];
  const auto st = s.campaign.state;
  if (!failed.transient || device.attempts > s.campaign.spec.retries ||
      (st != CampaignState::Running && st != CampaignState::Paused))
    return false;
  device.state = DeviceState::Waiting;
  device.message = failed.message;
  --s.campaign.totals.running;
  ++s.campaign.totals.waiting;
  s.ready.push_back(index);
  emit(s, &device);
  return true;
}

void Campaigns::device_done(State& s, std::size_t index, DeviceState state, std::string message) {
  CampaignDevice& device = s.campaign.devices[index];
  auto& t = s.campaign.totals;
  (device.state == DeviceState::Running ? t.running : t.waiting) -= 1;
  device.state = state;
  device.message = std::move(message);
  if (state == DeviceState::Succeeded) ++t.succeeded;
  if (state == DeviceState::Failed) ++t.failed;
  if (state == DeviceState::Cancelled) ++t.cancelled;
  emit(s, &device);
}

void Campaigns::set_state(State& s, CampaignState state, std::string reason) {
  s.campaign.state = state;
  s.campaign.reason = std::move(reason);
  emit(s, nullptr);
}

void Campaigns::settle(State& s) {
  if (s.campaign.state == CampaignState::Running && s.ready.empty() && s.parked.empty() &&
      s.running.empty())
    set_state(s, CampaignState::Finished, "");
}

void Campaigns::on_timer(TimePoint now) {
  for (auto& [id, s] : campaigns_)
    if (s.next_start <= now) pump(s, now);
}

std::optional<TimePoint> Campaigns::next_expiry() const {
  std::optional<TimePoint> next;
  for (const auto& [id, s] : campaigns_) {
    const auto& c = s.campaign;
    if (c.state != CampaignState::Running || s.ready.empty() ||
        s.running.size() >= c.spec.concurrency)
      continue;
    if (!next || s.next_start < *next) next = s.next_start;
  }
  return next;
}

bool Campaigns::poll_event(CampaignEvent& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

std::size_t Campaigns::running() const {
  return static_cast<std::size_t>(std::count_if(
      campaigns_.begin(), campaigns_.end(),
      [](const auto& c) { return c.second.campaign.state == CampaignState::Running; }));
}

void Campaigns::emit(const State& s, const CampaignDevice* device) {
  if (events_.size() >= config_.max_events) {
    events_.pop_front();
    ++events_dropped_;
  }
  CampaignEvent e{s.campaign.id, s.campaign.state, s.campaign.totals, {}, DeviceState::Waiting, {}};
  if (device) {
    e.endpoint = device->endpoint;
    e.device = device->state;
    e.message = device->message;
  }
  events_.push_back(std::move(e));
}

}  // namespace drover::firmware
