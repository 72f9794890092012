// Ready-made instances of the standard objects a device exposes besides the Security and Server
// objects (which the Client keeps itself, see Client::add_server): 3 Device, 4 Connectivity
// Monitoring, 6 Location, 7 Connectivity Statistics, and the IPSO objects the device simulator
// uses, 3303 Temperature and 3311 Light Control.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "drover/client/object.hpp"

namespace drover::client {

// ---- 3 Device
struct DeviceInfo {
  std::string manufacturer = "Drover";
  std::string model_number = "drover-client";
  std::string serial_number = "0";
  std::string firmware_version = "0.1.0";
  std::string device_type = "simulator";
  std::string hardware_version = "1.0";
  std::string software_version = "0.1.0";
  std::string supported_bindings = "U";  // /3/0/16
};

struct DeviceHooks {
  // Battery level in percent (/3/0/9); null: the device has no battery (resource absent).
  std::function<std::optional<std::int64_t>()> battery_level;
  // Seconds since the epoch (/3/0/13 Current Time); null: the resource is absent.
  std::function<std::int64_t()> wall_clock;
  // Reboot (/3/0/4) and Factory Reset (/3/0/5), called when a server executes them and before
  // the answer goes out; the Outcome is the answer (e.g. Unavailable: 5.03). Schedule the action
  // here rather than doing it, so that the 2.04 reaches the server. Null: Ok.
  std::function<Outcome()> reboot;
  std::function<Outcome()> factory_reset;
};

// Reboot (/3/0/4) and Factory Reset (/3/0/5) answer what their hooks say (Ok without one); on Ok
// the Client reports Rebooting / FactoryReset events once the answer is out, where the application
// may act instead of in the hooks.
class Device : public ObjectInstance {
 public:
  explicit Device(DeviceInfo info, DeviceHooks hooks = {});

  // Error Code (/3/0/11): 0 means no error; adding a real code replaces the 0.
  void add_error_code(std::int64_t code);
  void clear_error_codes();  // also Execute /3/0/12 (Reset Error Code)
  // Firmware Version (/3/0/3), after a firmware update (then Client::value_changed).
  void set_firmware_version(std::string version) { info_.firmware_version = std::move(version); }

  std::vector<std::uint16_t> resources() const override;
  Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override;
  Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool replace) override;
  Outcome execute(std::uint16_t rid, std::string_view arguments) override;

 private:
  DeviceInfo info_;
  DeviceHooks hooks_;
  std::map<std::uint16_t, lwm2m::Value> error_codes_;
  std::int64_t time_offset_ = 0;  // a server's Current Time write, against the wall clock
  std::string utc_offset_ = "+00:00";
  std::string timezone_ = "UTC";
};

// ---- 4 Connectivity Monitoring: an Ethernet-like bearer with one IP address.
std::unique_ptr<ValueInstance> make_connectivity_monitoring(std::string ip_address);

// ---- 6 Location
std::unique_ptr<ValueInstance> make_location(double latitude, double longitude,
                                             std::int64_t timestamp);

// ---- 7 Connectivity Statistics, fed by a traffic counter (e.g. Client::traffic).
struct Traffic {
  std::uint64_t tx_bytes = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_messages = 0;
  std::uint64_t rx_messages = 0;
  std::uint64_t max_message_size = 0;
};

// Start (/7/0/6) takes the counters as the new baseline and collects; Stop (/7/0/7) freezes them.
class ConnectivityStatistics : public ObjectInstance {
 public:
  explicit ConnectivityStatistics(std::function<Traffic()> traffic);

  std::vector<std::uint16_t> resources() const override;
  Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override;
  Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool replace) override;
  Outcome execute(std::uint16_t rid, std::string_view arguments) override;

 private:
  Traffic since_start() const;
  std::function<Traffic()> traffic_;
  Traffic baseline_;
  std::optional<Traffic> frozen_;  // after Stop
  std::int64_t collection_period_ = 0;
};

// ---- 3303 Temperature: Sensor Value with min/max tracking and their reset (5605).
class TemperatureSensor : public ValueInstance {
 public:
  explicit TemperatureSensor(double celsius, double min_range = -40, double max_range = 85);
  // A new measurement: Sensor Value, Min/Max Measured Value.
  void record(double celsius);
  double current() const { return current_; }

 private:
  double current_;
};

// ---- 3311 Light Control: On/Off, Dimmer, On time, Colour, Application Type (all writable).
std::unique_ptr<ValueInstance> make_light_control(bool on = false, std::int64_t dimmer = 100);

}  // namespace drover::client
