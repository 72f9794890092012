#include "drover/firmware/update.hpp"

#include <algorithm>

#include "drover/firmware/coap_resource.hpp"
#include "drover/lwm2m/protocol/firmware_update.hpp"

namespace drover::firmware {

using lwm2m::Path;

namespace {

// Object 5's resources.
constexpr std::uint16_t kFirmware = 5;
constexpr std::uint16_t kPackage = 0;
constexpr std::uint16_t kPackageUri = 1;
constexpr std::uint16_t kUpdate = 2;
constexpr std::uint16_t kState = 3;
constexpr std::uint16_t kResult = 5;
constexpr std::uint16_t kProtocols = 8;
constexpr std::uint16_t kDelivery = 9;
// Its states and the protocols of Protocol Support (8), as the device reports them: integers.
constexpr std::int64_t value_of(auto e) {
  return static_cast<std::int64_t>(e);
}
constexpr std::int64_t kIdle = value_of(lwm2m::FirmwareState::Idle);
constexpr std::int64_t kDownloading = value_of(lwm2m::FirmwareState::Downloading);
constexpr std::int64_t kDownloaded = value_of(lwm2m::FirmwareState::Downloaded);
constexpr std::int64_t kUpdating = value_of(lwm2m::FirmwareState::Updating);
constexpr std::int64_t kCoap = value_of(lwm2m::FirmwareProtocol::Coap);
constexpr std::int64_t kHttp = value_of(lwm2m::FirmwareProtocol::Http);

std::optional<std::int64_t> integer(const lwm2m::Value& v) {
  if (const auto* i = v.get_if<std::int64_t>()) return *i;
  if (const auto* u = v.get_if<std::uint64_t>()) return static_cast<std::int64_t>(*u);
  return std::nullopt;
}

const std::string* version_in(const server::OperationResult& r) {
  if (r.status != server::OperationStatus::Success || r.records.empty()) return nullptr;
  return r.records.front().value.get_if<std::string>();
}

// No answer came: the device is gone, or its network.
bool silent(const server::OperationResult& r) {
  using S = server::OperationStatus;
  return r.status == S::Timeout || r.status == S::Reset || r.status == S::ClientGone ||
         r.status == S::QueueTimeout;
}

// Update Results a new attempt may not meet: Out of RAM, Connection lost.
bool transient_result(std::int64_t result) {
  return result == static_cast<std::int64_t>(lwm2m::UpdateResult::OutOfMemory) ||
         result == static_cast<std::int64_t>(lwm2m::UpdateResult::ConnectionLost);
}

std::string failure(std::int64_t result) {
  return "Update Result " + std::to_string(result) + ": " + std::string(result_meaning(result));
}

// "Write empty string to Package URI": any state but Updating goes back to Idle, what the device
// held dropped.
server::Result<server::OperationId> reset(server::Server& server, std::string_view endpoint,
                                          const server::RequestParams& params, TimePoint now) {
  const std::vector<lwm2m::Record> empty{{Path(kFirmware, 0, kPackageUri), lwm2m::Value(""), {}}};
  return server.write(endpoint, Path(kFirmware, 0, kPackageUri), empty, server::WriteMode::Replace,
                      params, now);
}

std::string refused(std::string_view what, const server::OperationResult& r) {
  std::string text = std::string(what) + ": " + std::string(server::to_string(r.status));
  if (!r.code.is_empty()) text += " (" + r.code.to_string() + ")";
  if (!r.diagnostic.empty()) text += ", " + r.diagnostic;
  return text;
}

}  // namespace

std::string_view to_string(Method m) {
  switch (m) {
    case Method::Auto:
      return "auto";
    case Method::Push:
      return "push";
    case Method::Pull:
      return "pull";
  }
  return "?";
}

std::optional<Method> method_from_string(std::string_view text) {
  for (Method m : {Method::Auto, Method::Push, Method::Pull})
    if (text == to_string(m)) return m;
  return std::nullopt;
}

std::string_view to_string(Step s) {
  switch (s) {
    case Step::Checking:
      return "checking";
    case Step::Delivering:
      return "delivering";
    case Step::Downloading:
      return "downloading";
    case Step::Updating:
      return "updating";
    case Step::Done:
      return "done";
  }
  return "?";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Running:
      return "running";
    case Outcome::Succeeded:
      return "succeeded";
    case Outcome::Failed:
      return "failed";
    case Outcome::Cancelled:
      return "cancelled";
  }
  return "?";
}

std::string_view state_name(std::int64_t state) {
  switch (state) {
    case 0:
      return "Idle";
    case 1:
      return "Downloading";
    case 2:
      return "Downloaded";
    case 3:
      return "Updating";
    default:
      return "unknown state";
  }
}

std::string_view result_meaning(std::int64_t result) {
  if (result < 0 || result > lwm2m::max_update_result) return "unknown result code";
  return lwm2m::to_string(static_cast<lwm2m::UpdateResult>(result));
}

std::string_view to_string(StartError e) {
  switch (e) {
    case StartError::UnknownEndpoint:
      return "no registered client has this endpoint name";
    case StartError::UnknownImage:
      return "no firmware image has this hash";
    case StartError::AlreadyRunning:
      return "an update of this device is under way";
    case StartError::TooMany:
      return "too many updates under way";
  }
  return "?";
}

Updater::Updater(server::Server& server, const Images& images, UpdaterConfig config)
    : server_(server), images_(images), config_(std::move(config)) {}

Result<std::uint64_t, StartError> Updater::start(std::string_view endpoint, std::string_view image,
                                                 Method method, TimePoint now,
                                                 std::uint64_t campaign) {
  if (!server_.registration(endpoint)) return StartError::UnknownEndpoint;
  if (!images_.find(image)) return StartError::UnknownImage;
  if (running_.contains(endpoint)) return StartError::AlreadyRunning;
  if (running_.size() >= config_.max_running) return StartError::TooMany;
  Job& job = running_.emplace(std::string(endpoint), Job{}).first->second;
  job.status.id = next_id_++;
  job.status.endpoint = std::string(endpoint);
  job.status.image = std::string(image);
  job.status.method = method;
  job.status.campaign = campaign;
  job.status.started = now;
  if (const auto f = finished_.find(endpoint); f != finished_.end())
    job.leftover = f->second.outcome == Outcome::Failed && f->second.transient;
  ++counts_.started;
  const std::uint64_t id = job.status.id;
  enter(job, Step::Checking, config_.check_timeout, now);
  if (read(job, Path(kFirmware, 0), Purpose::Check, config_.check_timeout, now))
    read_version(job.status, Purpose::VersionBefore, now);
  return id;
}

bool Updater::cancel(std::string_view endpoint, TimePoint now) {
  const auto it = running_.find(endpoint);
  if (it == running_.end() || it->second.status.step == Step::Updating) return false;
  Job& job = it->second;
  if (job.status.step != Step::Checking) {
    // The answer is not waited for: the update has ended on the server's side.
    (void)reset(server_, endpoint, {}, now);
  }
  finish(job, Outcome::Cancelled, "cancelled", now);
  return true;
}

const UpdateStatus* Updater::status(std::string_view endpoint) const {
  if (const auto it = running_.find(endpoint); it != running_.end()) return &it->second.status;
  if (const auto it = finished_.find(endpoint); it != finished_.end()) return &it->second;
  return nullptr;
}

std::vector<const UpdateStatus*> Updater::all() const {
  std::vector<const UpdateStatus*> out;
  for (const auto& [ep, job] : running_) out.push_back(&job.status);
  for (const auto& [ep, status] : finished_)
    if (!running_.contains(ep)) out.push_back(&status);
  std::sort(out.begin(), out.end(),
            [](const UpdateStatus* a, const UpdateStatus* b) { return a->endpoint < b->endpoint; });
  return out;
}

bool Updater::issue(Job& job, server::Result<server::OperationId> id, Purpose purpose,
                    TimePoint now) {
  if (!id) {
    finish(job, Outcome::Failed,
           "the server could not send the request: " + std::string(server::to_string(id.error())),
           now, true);
    return false;
  }
  operations_[id.value().value] = {job.status.endpoint, purpose, job.status.id};
  if (purpose == Purpose::Observe) job.observations.push_back(*id);
  return true;
}

bool Updater::read(Job& job, const Path& path, Purpose purpose, Duration timeout, TimePoint now) {
  server::RequestParams params;
  params.timeout = timeout;
  return issue(job, server_.read(job.status.endpoint, path, params, now), purpose, now);
}

void Updater::read_version(const UpdateStatus& status, Purpose purpose, TimePoint now) {
  server::RequestParams params;
  params.timeout = config_.check_timeout;
  // Only told, never waited for: an update does not fail for want of a version.
  if (const auto id = server_.read(status.endpoint, Path(3, 0, 3), params, now))
    operations_[id.value().value] = {status.endpoint, purpose, status.id};
}

void Updater::on_event(const server::ServerEvent& event, TimePoint now) {
  if (const auto* done = std::get_if<server::OperationCompleted>(&event)) {
    const auto op = operations_.find(done->id.value);
    if (op == operations_.end()) return;
    const Sent sent = op->second;
    // An observation keeps its id for its notifications.
    if (sent.purpose != Purpose::Observe || !done->result.observing) operations_.erase(op);
    const auto job = running_.find(sent.endpoint);
    if (job != running_.end() && job->second.status.id == sent.update) {
      on_completed(job->second, sent.purpose, done->result, now);
    } else if (const auto f = finished_.find(sent.endpoint);
               f != finished_.end() && f->second.id == sent.update &&
               sent.purpose == Purpose::VersionAfter && f->second.outcome == Outcome::Succeeded) {
      if (const auto* text = version_in(done->result)) f->second.version_after = *text;
    }
  } else if (const auto* n = std::get_if<server::Notification>(&event)) {
    const auto op = operations_.find(n->observation.value);
    if (op == operations_.end()) return;
    const auto job = running_.find(op->second.endpoint);
    if (job != running_.end() && job->second.status.id == op->second.update)
      on_values(job->second, n->records, now);
  } else if (const auto* ended = std::get_if<server::ObservationEnded>(&event)) {
    operations_.erase(ended->observation.value);
  } else {
    const server::Registration* r = nullptr;
    if (const auto* e = std::get_if<server::Registered>(&event)) r = &e->registration;
    if (const auto* e = std::get_if<server::Updated>(&event)) r = &e->registration;
    if (!r) return;
    const auto it = running_.find(r->endpoint);
    if (it == running_.end() || it->second.status.step != Step::Updating) return;
    // The device is back after Execute: what does it say of the update?
    it->second.returned = true;
    if (read(it->second, Path(kFirmware, 0), Purpose::Confirm, config_.check_timeout, now))
      read_version(it->second.status, Purpose::VersionAfter, now);
  }
}

void Updater::on_completed(Job& job, Purpose purpose, const server::OperationResult& result,
                           TimePoint now) {
  const bool ok = result.status == server::OperationStatus::Success;
  switch (purpose) {
    case Purpose::Check:
      if (!ok)
        return finish(job, Outcome::Failed, refused("Read /5/0", result), now, silent(result));
      return checked(job, result.records, now);
    case Purpose::VersionBefore:
    case Purpose::VersionAfter:
      if (const auto* text = version_in(result))
        (purpose == Purpose::VersionBefore ? job.status.version_before : job.status.version_after) =
            *text;
      return;
    case Purpose::Observe:
      if (ok) on_values(job, result.records, now);
      return;  // a device that declines is polled instead
    case Purpose::Deliver:
      if (silent(result))
        return finish(job, Outcome::Failed,
                      refused(job.status.method == Method::Push
                                  ? "the device stopped answering during the push"
                                  : "the device did not answer the Write of the Package URI",
                              result),
                      now, true);
      if (!ok) {
        // The device refused: its Update Result says why (read below), else its answer does.
        job.refusal =
            refused(job.status.method == Method::Push ? "Write /5/0/0" : "Write /5/0/1", result);
        enter(job, Step::Downloading, config_.check_timeout, now);
      } else {
        enter(job, Step::Downloading, config_.download_timeout, now);
      }
      // Where the device stands now (a push has arrived whole; a refusal has its Update Result).
      (void)read(job, Path(kFirmware, 0), Purpose::Poll, config_.check_timeout, now);
      return;
    case Purpose::Execute:
      // A device may restart before it answers: a lost answer is not a failure, the device's
      // return tells.
      if (!ok && result.status != server::OperationStatus::Timeout &&
          result.status != server::OperationStatus::ClientGone)
        return finish(job, Outcome::Failed, refused("Execute /5/0/2", result), now);
      return;  // in Updating since the Execute went out
    case Purpose::Reset:
      if (!ok)
        return finish(job, Outcome::Failed, refused("Write /5/0/1 (reset)", result), now,
                      silent(result));
      job.status.state = kIdle;
      return proceed(job, now);
    case Purpose::Poll:
    case Purpose::Confirm:
      if (ok) return on_values(job, result.records, now);
      // After a refused delivery the refusal is all there is to tell.
      if (!job.refusal.empty()) finish(job, Outcome::Failed, job.refusal, now);
      return;
  }
}

void Updater::checked(Job& job, const std::vector<lwm2m::Record>& records, TimePoint now) {
  // Both, when the device does not say.
  auto delivery = static_cast<std::int64_t>(lwm2m::FirmwareDelivery::Both);
  std::vector<std::int64_t> protocols;
  for (const auto& r : records) {
    if (r.path.object_id() != kFirmware || r.path.level() < lwm2m::Path::Level::Resource) continue;
    const auto v = integer(r.value);
    if (!v) continue;
    switch (r.path.resource_id()) {
      case kState:
        job.status.state = *v;
        break;
      case kResult:
        job.status.result = *v;
        break;
      case kProtocols:
        protocols.push_back(*v);
        break;
      case kDelivery:
        delivery = *v;
        break;
      default:
        break;
    }
  }
  if (protocols.empty()) protocols.push_back(kCoap);  // CoAP is every device's
  const auto speaks = [&](std::int64_t p) {
    return std::find(protocols.begin(), protocols.end(), p) != protocols.end();
  };
  const auto push_only = static_cast<std::int64_t>(lwm2m::FirmwareDelivery::Push);
  const bool pull = delivery != push_only && ((speaks(kCoap) && !config_.coap_base.empty()) ||
                                              (speaks(kHttp) && !config_.http_base.empty()));
  const bool push = delivery != static_cast<std::int64_t>(lwm2m::FirmwareDelivery::Pull);
  Method& m = job.status.method;
  if (m == Method::Push && !push)
    return finish(job, Outcome::Failed, "the device takes no push (Delivery Method 0: pull only)",
                  now);
  if (m == Method::Pull && !pull)
    return finish(job, Outcome::Failed,
                  delivery == push_only
                      ? "the device does not pull (Delivery Method 1: push only)"
                      : "the device pulls none of the protocols the server serves",
                  now);
  if (m == Method::Auto) m = pull ? Method::Pull : Method::Push;
  const std::int64_t state = job.status.state.value_or(kIdle);
  if (state == kIdle) return proceed(job, now);
  if (!job.leftover || state == kUpdating)
    return finish(
        job, Outcome::Failed,
        "the device is not idle: its firmware update is " + std::string(state_name(state)), now);
  server::RequestParams params;
  params.timeout = config_.check_timeout;
  issue(job, reset(server_, job.status.endpoint, params, now), Purpose::Reset, now);
}

void Updater::proceed(Job& job, TimePoint now) {
  const Method m = job.status.method;
  for (std::uint16_t rid : {kState, kResult}) {
    server::RequestParams params;
    params.timeout = config_.check_timeout;
    if (!issue(job, server_.observe(job.status.endpoint, Path(kFirmware, 0, rid), params, now),
               Purpose::Observe, now))
      return;
  }
  enter(job, Step::Delivering, m == Method::Push ? config_.deliver_timeout : config_.check_timeout,
        now);
  deliver(job, now);
}

void Updater::deliver(Job& job, TimePoint now) {
  const Image* image = images_.find(job.status.image);
  if (!image) return finish(job, Outcome::Failed, "the image was deleted", now);
  server::RequestParams params;
  std::vector<lwm2m::Record> records(1);
  if (job.status.method == Method::Push) {
    ++counts_.pushed;
    params.timeout = config_.deliver_timeout;
    // The engine sends it block by block, at the block size the device asks for.
    records[0] = {Path(kFirmware, 0, kPackage), lwm2m::Value(*image->bytes), {}};
  } else {
    ++counts_.pulled;
    params.timeout = config_.check_timeout;
    const bool coap_ok = !config_.coap_base.empty();
    const std::string uri = (coap_ok ? config_.coap_base : config_.http_base) + "/" +
                            std::string(kResource) + "/" + image->sha256;
    records[0] = {Path(kFirmware, 0, kPackageUri), lwm2m::Value(uri), {}};
  }
  const Path path = records[0].path;
  issue(job,
        server_.write(job.status.endpoint, path, records, server::WriteMode::Replace, params, now),
        Purpose::Deliver, now);
}

void Updater::on_values(Job& job, const std::vector<lwm2m::Record>& records, TimePoint now) {
  for (const auto& r : records) {
    if (r.path.object_id() != kFirmware || r.path.level() != lwm2m::Path::Level::Resource) continue;
    const auto v = integer(r.value);
    if (!v) continue;
    if (r.path.resource_id() == kState) job.status.state = *v;
    if (r.path.resource_id() == kResult) job.status.result = *v;
  }
  const std::int64_t state = job.status.state.value_or(-1);
  const std::int64_t result = job.status.result.value_or(0);
  switch (job.status.step) {
    case Step::Checking:
      return;
    case Step::Delivering:  // what the device says before it has taken the image is stale
      return;
    case Step::Downloading:
      if (!job.refusal.empty() && state != kDownloading && state != kDownloaded)
        return finish(job, Outcome::Failed,
                      result > 1 ? failure(result) + " (" + job.refusal + ")" : job.refusal, now,
                      transient_result(result));
      if (result > 1 && state != kDownloaded)
        return finish(job, Outcome::Failed, failure(result), now, transient_result(result));
      if (state == kDownloaded) {
        server::RequestParams params;
        params.timeout = config_.check_timeout;
        enter(job, Step::Updating, config_.update_timeout, now);
        issue(job,
              server_.execute(job.status.endpoint, Path(kFirmware, 0, kUpdate), "", params, now),
              Purpose::Execute, now);
      }
      return;
    case Step::Updating:
      if (result == 1 && state != kUpdating) {
        if (!job.returned) read_version(job.status, Purpose::VersionAfter, now);
        return finish(job, Outcome::Succeeded, "", now);
      }
      if (result > 1 && result != 11) return finish(job, Outcome::Failed, failure(result), now);
      return;
    case Step::Done:
      return;
  }
}

void Updater::enter(Job& job, Step step, Duration timeout, TimePoint now) {
  // Writing the package or its URI, and Execute, reset Update Result to 0 on the device: an
  // older value must not be taken for the outcome of this update.
  if (step == Step::Downloading || step == Step::Updating) job.status.result.reset();
  job.status.step = step;
  job.status.step_started = now;
  arm(job, now + timeout, now + config_.poll_interval);
  emit(job);
}

void Updater::arm(Job& job, TimePoint deadline, TimePoint next_poll) {
  timers_.erase({std::min(job.deadline, job.next_poll), job.status.endpoint});
  job.deadline = deadline;
  job.next_poll = next_poll;
  timers_.insert({std::min(deadline, next_poll), job.status.endpoint});
}

void Updater::on_timer(TimePoint now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const std::string endpoint = timers_.begin()->second;
    timers_.erase(timers_.begin());
    const auto it = running_.find(endpoint);
    if (it == running_.end()) continue;
    Job& job = it->second;
    // A device whose registration ended (expired while it restarts, or gone) may come back
    // with a Register before the deadline: it is not polled meanwhile, nor failed for that.
    const bool registered = server_.registration(endpoint) != nullptr;
    if (job.deadline <= now) {
      finish(job, Outcome::Failed,
             "no progress within the deadline of step " + std::string(to_string(job.status.step)) +
                 (job.status.state
                      ? " (device state " + std::string(state_name(*job.status.state)) + ")"
                      : "") +
                 (registered ? "" : "; the device is not registered"),
             now, true);
      continue;
    }
    if (job.status.step != Step::Checking && registered &&
        !read(job, Path(kFirmware, 0), Purpose::Poll, config_.check_timeout, now))
      continue;
    {
      timers_.insert({std::min(job.deadline, now + config_.poll_interval), endpoint});
      job.next_poll = now + config_.poll_interval;
    }
  }
}

std::optional<TimePoint> Updater::next_expiry() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first;
}

void Updater::finish(Job& job, Outcome outcome, std::string message, TimePoint now,
                     bool transient) {
  job.status.outcome = outcome;
  job.status.transient = transient;
  job.status.step = Step::Done;
  job.status.message = std::move(message);
  job.status.finished = now;
  switch (outcome) {
    case Outcome::Succeeded:
      ++counts_.succeeded;
      break;
    case Outcome::Failed:
      ++counts_.failed;
      break;
    case Outcome::Cancelled:
      ++counts_.cancelled;
      break;
    case Outcome::Running:
      break;
  }
  for (const auto id : job.observations) {
    operations_.erase(id.value);
    (void)server_.cancel_observation(id, server::CancelMode::Passive, now);
  }
  emit(job);
  timers_.erase({std::min(job.deadline, job.next_poll), job.status.endpoint});
  std::string endpoint = job.status.endpoint;
  // Answers still to come (a version read) find the finished status.
  const auto it = running_.find(endpoint);
  if (finished_.contains(endpoint)) {
    finished_order_.erase(std::find(finished_order_.begin(), finished_order_.end(), endpoint));
  } else if (finished_.size() >= config_.max_finished && !finished_order_.empty()) {
    finished_.erase(finished_order_.front());
    finished_order_.erase(finished_order_.begin());
  }
  finished_[endpoint] = std::move(it->second.status);
  finished_order_.push_back(endpoint);
  running_.erase(it);
}

void Updater::emit(const Job& job) {
  if (events_.size() >= config_.max_events) {
    events_.pop_front();
    ++counts_.events_dropped;
  }
  events_.push_back(UpdateEvent{job.status});
}

bool Updater::poll_event(UpdateEvent& out) {
  if (events_.empty()) return false;
  out = std::move(events_.front());
  events_.pop_front();
  return true;
}

UpdaterCounts Updater::counts() const {
  UpdaterCounts c = counts_;
  c.running = running_.size();
  return c;
}

}  // namespace drover::firmware
