#include "drover/client/standard_objects.hpp"

#include <algorithm>

namespace drover::client {

using lwm2m::Value;

namespace {

Outcome single(lwm2m::ResourceNode& out, Value v) {
  out.value = std::move(v);
  return Outcome::Ok;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 3 Device

Device::Device(DeviceInfo info, DeviceHooks hooks)
    : info_(std::move(info)), hooks_(std::move(hooks)) {
  clear_error_codes();
}

void Device::add_error_code(std::int64_t code) {
  if (error_codes_.size() == 1 && error_codes_.begin()->second == Value(std::int64_t{0}))
    error_codes_.clear();
  const std::uint16_t next =
      error_codes_.empty() ? 0 : static_cast<std::uint16_t>(error_codes_.rbegin()->first + 1);
  error_codes_[next] = Value(code);
}

void Device::clear_error_codes() {
  error_codes_.clear();
  error_codes_[0] = Value(std::int64_t{0});
}

std::vector<std::uint16_t> Device::resources() const {
  std::vector<std::uint16_t> out = {0, 1, 2, 3, 4, 5};
  if (hooks_.battery_level) out.push_back(9);
  out.insert(out.end(), {11, 12});
  if (hooks_.wall_clock) out.push_back(13);
  out.insert(out.end(), {14, 15, 16, 17, 18, 19});
  return out;
}

Outcome Device::read(std::uint16_t rid, lwm2m::ResourceNode& out) {
  switch (rid) {
    case 0:
      return single(out, info_.manufacturer);
    case 1:
      return single(out, info_.model_number);
    case 2:
      return single(out, info_.serial_number);
    case 3:
      return single(out, info_.firmware_version);
    case 9: {
      const auto level = hooks_.battery_level ? hooks_.battery_level() : std::nullopt;
      if (!level) return Outcome::NotFound;
      return single(out, Value(std::clamp<std::int64_t>(*level, 0, 100)));
    }
    case 11:
      out.multiple = true;
      out.instances = error_codes_;
      return Outcome::Ok;
    case 13:
      if (!hooks_.wall_clock) return Outcome::NotFound;
      return single(out, lwm2m::Time{hooks_.wall_clock() + time_offset_});
    case 14:
      return single(out, utc_offset_);
    case 15:
      return single(out, timezone_);
    case 16:
      return single(out, info_.supported_bindings);
    case 17:
      return single(out, info_.device_type);
    case 18:
      return single(out, info_.hardware_version);
    case 19:
      return single(out, info_.software_version);
    default:
      return Outcome::NotFound;
  }
}

Outcome Device::write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool) {
  switch (rid) {
    case 13:
      if (!hooks_.wall_clock) return Outcome::NotFound;
      if (const auto* t = value.value.get_if<lwm2m::Time>()) {
        time_offset_ = t->seconds - hooks_.wall_clock();
        return Outcome::Ok;
      }
      return Outcome::BadRequest;
    case 14:
    case 15:
      if (const auto* s = value.value.get_if<std::string>()) {
        (rid == 14 ? utc_offset_ : timezone_) = *s;
        return Outcome::Ok;
      }
      return Outcome::BadRequest;
    default:
      return Outcome::MethodNotAllowed;
  }
}

Outcome Device::execute(std::uint16_t rid, std::string_view) {
  switch (rid) {
    case 4:  // the Client reports Rebooting / FactoryReset on Ok
      return hooks_.reboot ? hooks_.reboot() : Outcome::Ok;
    case 5:
      return hooks_.factory_reset ? hooks_.factory_reset() : Outcome::Ok;
    case 12:
      clear_error_codes();
      return Outcome::Ok;
    default:
      return Outcome::NotFound;
  }
}

// ---------------------------------------------------------------------------------------------
// 4 Connectivity Monitoring, 6 Location

std::unique_ptr<ValueInstance> make_connectivity_monitoring(std::string ip_address) {
  constexpr std::int64_t ethernet = 41;  // Network Bearer enumeration
  auto inst = std::make_unique<ValueInstance>();
  inst->set(0, Value(ethernet));
  inst->set(1, 0, Value(ethernet));
  inst->set(2, Value(std::int64_t{0}));  // Radio Signal Strength: no radio
  inst->set(4, 0, Value(std::move(ip_address)));
  return inst;
}

std::unique_ptr<ValueInstance> make_location(double latitude, double longitude,
                                             std::int64_t timestamp) {
  auto inst = std::make_unique<ValueInstance>();
  inst->set(0, Value(latitude));
  inst->set(1, Value(longitude));
  inst->set(5, Value(lwm2m::Time{timestamp}));
  return inst;
}

// ---------------------------------------------------------------------------------------------
// 7 Connectivity Statistics

ConnectivityStatistics::ConnectivityStatistics(std::function<Traffic()> traffic)
    : traffic_(std::move(traffic)) {
  baseline_ = traffic_ ? traffic_() : Traffic{};
}

Traffic ConnectivityStatistics::since_start() const {
  if (frozen_) return *frozen_;
  const Traffic now = traffic_ ? traffic_() : Traffic{};
  Traffic out;
  out.tx_bytes = now.tx_bytes - baseline_.tx_bytes;
  out.rx_bytes = now.rx_bytes - baseline_.rx_bytes;
  out.tx_messages = now.tx_messages - baseline_.tx_messages;
  out.rx_messages = now.rx_messages - baseline_.rx_messages;
  out.max_message_size = now.max_message_size;
  return out;
}

std::vector<std::uint16_t> ConnectivityStatistics::resources() const {
  return {2, 3, 4, 5, 6, 7, 8};
}

Outcome ConnectivityStatistics::read(std::uint16_t rid, lwm2m::ResourceNode& out) {
  const Traffic t = since_start();
  const auto integer = [](std::uint64_t v) { return Value(static_cast<std::int64_t>(v)); };
  switch (rid) {
    case 2:
      return single(out, integer(t.tx_bytes / 1024));  // kilobytes
    case 3:
      return single(out, integer(t.rx_bytes / 1024));
    case 4:
      return single(out, integer(t.max_message_size));
    case 5: {
      const std::uint64_t messages = t.tx_messages + t.rx_messages;
      return single(out, integer(messages ? (t.tx_bytes + t.rx_bytes) / messages : 0));
    }
    case 8:
      return single(out, Value(collection_period_));
    default:
      return Outcome::NotFound;
  }
}

Outcome ConnectivityStatistics::write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool) {
  if (rid != 8) return Outcome::MethodNotAllowed;
  const auto* v = value.value.get_if<std::int64_t>();
  if (!v || *v < 0) return Outcome::BadRequest;
  collection_period_ = *v;
  return Outcome::Ok;
}

Outcome ConnectivityStatistics::execute(std::uint16_t rid, std::string_view) {
  switch (rid) {
    case 6:
      frozen_.reset();
      baseline_ = traffic_ ? traffic_() : Traffic{};
      return Outcome::Ok;
    case 7:
      if (!frozen_) frozen_ = since_start();
      return Outcome::Ok;
    default:
      return Outcome::NotFound;
  }
}

// ---------------------------------------------------------------------------------------------
// 3303 Temperature, 3311 Light Control

TemperatureSensor::TemperatureSensor(double celsius, double min_range, double max_range)
    : current_(celsius) {
  set(5700, Value(celsius));
  set(5601, Value(celsius));
  set(5602, Value(celsius));
  set(5603, Value(min_range));
  set(5604, Value(max_range));
  set(5701, Value("Cel"));
  set_executable(5605, [this](std::string_view) {
    set(5601, Value(current_));
    set(5602, Value(current_));
    return Outcome::Ok;
  });
}

void TemperatureSensor::record(double celsius) {
  current_ = celsius;
  set(5700, Value(celsius));
  const auto* lo = value(5601);
  const auto* hi = value(5602);
  if (!lo || celsius < lo->get<double>()) set(5601, Value(celsius));
  if (!hi || celsius > hi->get<double>()) set(5602, Value(celsius));
}

std::unique_ptr<ValueInstance> make_light_control(bool on, std::int64_t dimmer) {
  auto inst = std::make_unique<ValueInstance>();
  inst->set(5850, Value(on));
  inst->set(5851, Value(dimmer));
  inst->set(5852, Value(std::int64_t{0}));
  inst->set(5706, Value(""));
  inst->set(5750, Value("Light"));
  return inst;
}

}  // namespace drover::client
