// A minimal LwM2M sensor device on the Drover client library: Device (3), Temperature (3303)
// with a value that changes, and an object of its own, Sampling Control (32769). It registers
// with one server, samples the temperature every Sampling Period seconds (a server may write
// it), Sends the temperature on a timer, and de-registers on SIGINT/SIGTERM or after --duration.
//
// Two programs are built from this file: `sensor-device` defines object 32769 in code (the
// smallest device: no XML parser), `sensor-device-ddf` (SENSOR_DEVICE_DDF defined) loads it from
// the DDF file sampling-control.xml, as a device with objects of the OMA registry would.
//
//   sensor-device coap://127.0.0.1:5683 [--endpoint NAME] [--send-interval S] [--duration S]
//   sensor-device-ddf coap://127.0.0.1:5683 [...] [--ddf FILE]
//
// docs/client-guide.md walks through this program.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "drover/client/client.hpp"
#include "drover/transport/poll_loop.hpp"
#ifdef SENSOR_DEVICE_DDF
#include "drover/lwm2m/model/ddf.hpp"
#endif

namespace {

using namespace drover;
using namespace std::chrono_literals;

constexpr std::uint16_t kSamplingControl = 32769;

struct Options {
  std::string server;
  std::string endpoint = "sensor-device";
#ifdef SENSOR_DEVICE_DDF
  std::string ddf = SENSOR_DEVICE_DDF;  // the copy of sampling-control.xml beside the program
#endif
  double send_interval = 30;
  double duration = 0;  // 0: until a signal
};

// One line on stdout, flushed (a test reads it while the device runs). stdio rather than
// iostream: iostream's locale machinery would be most of the program's size.
void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

coap::Duration seconds(double s) {
  return std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(s));
}

#ifndef SENSOR_DEVICE_DDF
// Object 32769 as sampling-control.xml defines it, less the prose: what the Client checks
// requests against (operations, types, the period's range).
lwm2m::ObjectDef sampling_control_definition() {
  using lwm2m::DataType;
  using lwm2m::Operations;
  lwm2m::ObjectDef def;
  def.id = kSamplingControl;
  def.name = "Sampling Control";
  def.urn = "urn:oma:lwm2m:x:32769";
  def.lwm2m_version = {1, 1};
  def.resources = {
      {0, "Sampling Period", Operations::RW, false, true, DataType::Integer, "1..3600", "s", {}},
      {1, "Samples Taken", Operations::R, false, true, DataType::Integer, {}, {}, {}},
      {2, "Reset Statistics", Operations::E, false, true, DataType::None, {}, {}, {}},
      {3, "Label", Operations::RW, false, false, DataType::String, {}, {}, {}},
  };
  return def;
}
#endif

// /32769/0: the sampling period is the application's setting, written by servers; Samples Taken
// is read live; Reset Statistics is an Execute. The Client has checked types, ranges (1..3600)
// and operations against the object's definition before it calls these.
class SamplingControl : public client::ObjectInstance {
 public:
  std::int64_t period = 5;
  std::int64_t samples = 0;
  std::string label = "lab";
  bool reset_requested = false;

  std::vector<std::uint16_t> resources() const override { return {0, 1, 2, 3}; }

  client::Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override {
    switch (rid) {
      case 0:
        out.value = lwm2m::Value(period);
        break;
      case 1:
        out.value = lwm2m::Value(samples);
        break;
      case 3:
        out.value = lwm2m::Value(label);
        break;
      default:
        return client::Outcome::NotFound;
    }
    return client::Outcome::Ok;
  }

  client::Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool) override {
    if (rid == 0) {
      period = value.value.get<std::int64_t>();
      return client::Outcome::Ok;
    }
    if (rid == 3) {
      label = value.value.get<std::string>();
      return client::Outcome::Ok;
    }
    return client::Outcome::MethodNotAllowed;
  }

  client::Outcome execute(std::uint16_t rid, std::string_view) override {
    if (rid != 2) return client::Outcome::MethodNotAllowed;
    reset_requested = true;  // acted on after the answer, in the event loop
    return client::Outcome::Ok;
  }
};

class SensorDevice {
 public:
  explicit SensorDevice(client::ClientConfig config) : client_(std::move(config)), loop_(client_) {}

  bool setup(const Options& o) {
    const auto now = transport::PollLoop::now();
    client::DeviceInfo info;
    info.model_number = "sensor-device";
    info.serial_number = o.endpoint;
    info.device_type = "temperature sensor";
    (void)client_.add_object(3);
    (void)client_.add_instance(3, 0, std::make_unique<client::Device>(info), now);
    (void)client_.add_object(3303);
    (void)client_.add_instance(3303, 0, std::make_unique<client::TemperatureSensor>(21.0), now);
    if (!client_.add_object(kSamplingControl)) {
      std::fprintf(stderr, "object %u has no definition\n", unsigned{kSamplingControl});
      return false;
    }
    auto control = std::make_unique<SamplingControl>();
    control_ = control.get();
    (void)client_.add_instance(kSamplingControl, 0, std::move(control), now);

    client::ServerAccount account;
    account.uri = o.server;
    account.lifetime = 300;  // an Update every few minutes
    if (const auto added = client_.add_server(account, now); !added) {
      say("--server " + o.server + ": " + std::string(client::to_string(added.error())));
      return false;
    }
    loop_.set_after_input([this] { handle_events(); });
    coap::PeerAddress any;  // an ephemeral port on every address
    if (const auto ec = loop_.open(any)) {
      say("cannot open a UDP socket: " + ec.message());
      return false;
    }
    // SIGINT and SIGTERM de-register first, as --duration does.
    if (const auto ec = loop_.on_signals([this](int) { stop(); })) {
      say("cannot catch signals: " + ec.message());
      return false;
    }
    if (o.duration > 0) timer(now + seconds(o.duration), [this] { stop(); });
    client_.start(now);  // run() sends what the calls queued
    client_.set_send_schedule({lwm2m::Path(3303, 0, 5700)}, seconds(o.send_interval), now);
    schedule_sample();
    return true;
  }

  void run() { loop_.run(); }

 private:
  // De-registers, then stops the loop once the server answered (or after 5 s).
  void stop() {
    if (stopping_) return;  // a second signal
    stopping_ = true;
    loop_.cancel(sampler_);
    const auto now = transport::PollLoop::now();
    client_.deregister(now);
    timer(now + 5s, [this] { loop_.stop(); });
  }

  // Three timers at most (the sampler, --duration, the stop's deadline): the loop has slots for
  // eight, so scheduling cannot fail.
  transport::PollLoop::TimerId timer(coap::TimePoint at, transport::PollLoop::TimerCallback fn,
                                     coap::Duration period = coap::Duration::zero()) {
    return loop_.schedule(at, std::move(fn), period).value();
  }

  // Samples every Sampling Period seconds from now (again when a server writes the period).
  void schedule_sample() {
    loop_.cancel(sampler_);
    const coap::Duration period = std::chrono::seconds(control_->period);
    sampler_ = timer(
        transport::PollLoop::now() + period, [this] { sample(); }, period);
  }

  // A reading that changes: a walk of a tenth of a degree at a time between 18 and 24 °C (in
  // integer tenths, so that the program needs no maths library).
  void sample() {
    const auto now = transport::PollLoop::now();
    tenths_ = std::clamp(tenths_ + static_cast<int>(random_() % 3) - 1, 180, 240);
    client_.instance_as<client::TemperatureSensor>(3303, 0)->record(tenths_ / 10.0);
    ++control_->samples;
    // Observations of these paths notify according to their attributes (pmin, pmax, st ...).
    client_.value_changed(lwm2m::Path(3303, 0), now);
    client_.value_changed(lwm2m::Path(kSamplingControl, 0, 1), now);
  }

  void handle_events() {
    client::ClientEvent event;
    while (client_.poll_event(event)) {
      if (const auto* r = std::get_if<client::Registered>(&event)) {
        say("registered at /" + r->location);
      } else if (const auto* f = std::get_if<client::RegistrationFailed>(&event)) {
        say("registration failed: " + f->reason);
      } else if (std::holds_alternative<client::Deregistered>(event)) {
        say("deregistered");
        if (client_.idle()) loop_.stop();
      } else if (const auto* w = std::get_if<client::WriteApplied>(&event)) {
        for (const auto& p : w->paths) {
          say("written: " + p.to_string());
          if (p == lwm2m::Path(kSamplingControl, 0, 0)) schedule_sample();  // the new period
        }
      } else if (const auto* s = std::get_if<client::RequestServed>(&event)) {
        say(std::string(lwm2m::to_string(s->operation)) + " " + s->path.to_string() + " -> " +
            s->code.to_string());
      } else if (const auto* c = std::get_if<client::SendCompleted>(&event)) {
        say("send answered " + (c->code.is_empty() ? "(timeout)" : c->code.to_string()));
      }
    }
    if (control_->reset_requested) {
      control_->reset_requested = false;
      control_->samples = 0;
      const auto now = transport::PollLoop::now();
      (void)client_.instance(3303, 0)->execute(5605, "");  // Reset Min and Max Measured Values
      client_.value_changed(lwm2m::Path(3303, 0), now);
      client_.value_changed(lwm2m::Path(kSamplingControl, 0, 1), now);
    }
  }

  client::Client client_;
  transport::PollLoop loop_;
  transport::PollLoop::TimerId sampler_ = 0;  // 0: none (ids start at 1)
  bool stopping_ = false;
  SamplingControl* control_ = nullptr;
  std::minstd_rand random_{std::random_device{}()};
  int tenths_ = 210;  // the temperature in tenths of a degree
};

#ifdef SENSOR_DEVICE_DDF
constexpr const char* ddf_usage = " [--ddf FILE]";
#else
constexpr const char* ddf_usage = "";
#endif

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--endpoint" && has_value) {
      o.endpoint = argv[++i];
    } else if (arg == "--send-interval" && has_value) {
      o.send_interval = std::atof(argv[++i]);
    } else if (arg == "--duration" && has_value) {
      o.duration = std::atof(argv[++i]);
#ifdef SENSOR_DEVICE_DDF
    } else if (arg == "--ddf" && has_value) {
      o.ddf = argv[++i];
#endif
    } else if (!arg.starts_with("--") && o.server.empty()) {
      o.server = arg;
    } else {
      return false;
    }
  }
  return !o.server.empty() && o.send_interval > 0 && o.duration >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    say(std::string("usage: ") + argv[0] +
        " coap://HOST:PORT [--endpoint NAME] [--send-interval S] [--duration S]" + ddf_usage);
    return 2;
  }

  // The built-in definitions of the objects served (and of Security and Server), and the
  // device's own object.
  constexpr std::uint16_t builtin[] = {3, 3303};
  auto objects = client::make_object_registry(lwm2m::Lwm2mVersion::V1_1, builtin);
#ifdef SENSOR_DEVICE_DDF
  auto ddf = lwm2m::load_ddf_file(o.ddf);
  if (!ddf.ok()) {
    say(ddf.error);
    return 1;
  }
  for (auto& def : ddf.objects) objects->add(std::move(def));
#else
  objects->add(sampling_control_definition());
#endif

  client::ClientConfig config;
  config.endpoint = o.endpoint;
  config.objects = objects;
  config.random_seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  config.wall_clock = [] {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };

  SensorDevice device(std::move(config));
  if (!device.setup(o)) return 1;
  device.run();
  return 0;
}
