// A device's Firmware Update object (/5/0) for the server's tests, on the client framework: it
// follows the spec's states (Idle, Downloading, Downloaded, Updating) and Update Result codes, and
// leaves the download (pull) and the restart after Update to its test, through hooks. It can be
// told to fail a step with a given result code.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drover/client/object.hpp"
#include "drover/lwm2m/model/path.hpp"

namespace drover::testing {

class FakeFirmwareDevice final : public client::ObjectInstance {
 public:
  // Protocol Support (/5/0/8) and Delivery Method (/5/0/9).
  std::vector<std::int64_t> protocols{0};
  std::int64_t delivery = 2;
  // The Update Result a finished download ends with instead of Downloaded (2, 3, 5, 6 ...).
  std::optional<std::int64_t> fail_download;
  // The Update Result of the update instead of 1 (8: update failed).
  std::optional<std::int64_t> fail_update;

  std::function<void(const lwm2m::Path&)> changed;  // a resource changed (for observations)
  std::function<void(const std::string&)> pull;     // a Package URI was written: download it
  std::function<void()> restart;                    // Update was executed: restart

  std::int64_t state = 0;
  std::int64_t result = 0;
  std::string uri;
  std::vector<std::uint8_t> package;  // what it received
  int executed = 0;

  // The download started by `pull` ended with these bytes, or failed with a result code.
  void downloaded(std::vector<std::uint8_t> bytes) {
    if (state != 1) return;
    package = std::move(bytes);
    if (fail_download) return to(0, *fail_download);
    to(2, 0);
  }
  void download_failed(std::int64_t code) {
    if (state == 1) to(0, code);
  }
  // After the restart: the outcome of the update.
  void updated() { to(0, fail_update.value_or(1)); }

  std::vector<std::uint16_t> resources() const override { return {0, 1, 2, 3, 5, 8, 9}; }

  client::Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override {
    switch (rid) {
      case 1:
        out.value = lwm2m::Value(uri);
        return client::Outcome::Ok;
      case 3:
        out.value = lwm2m::Value(state);
        return client::Outcome::Ok;
      case 5:
        out.value = lwm2m::Value(result);
        return client::Outcome::Ok;
      case 8:
        out.multiple = true;
        for (std::size_t i = 0; i < protocols.size(); ++i)
          out.instances[static_cast<std::uint16_t>(i)] = lwm2m::Value(protocols[i]);
        return client::Outcome::Ok;
      case 9:
        out.value = lwm2m::Value(delivery);
        return client::Outcome::Ok;
      default:
        return client::Outcome::MethodNotAllowed;
    }
  }

  client::Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool) override {
    if (rid == 0) {
      const auto* bytes = value.value.get_if<lwm2m::Opaque>();
      if (!bytes) return client::Outcome::BadRequest;
      if (bytes->empty() || (bytes->size() == 1 && (*bytes)[0] == 0)) return reset();
      if (delivery == 0) return client::Outcome::MethodNotAllowed;
      if (state != 0) return client::Outcome::BadRequest;
      to(1, 0);
      downloaded(*bytes);
      return client::Outcome::Ok;
    }
    if (rid == 1) {
      const auto* text = value.value.get_if<std::string>();
      if (!text) return client::Outcome::BadRequest;
      if (text->empty()) return reset();
      if (state != 0) return client::Outcome::BadRequest;
      uri = *text;
      to(1, 0);
      if (pull) pull(uri);
      return client::Outcome::Ok;
    }
    return client::Outcome::MethodNotAllowed;
  }

  client::Outcome execute(std::uint16_t rid, std::string_view) override {
    if (rid != 2) return client::Outcome::MethodNotAllowed;
    if (state != 2) return client::Outcome::MethodNotAllowed;
    ++executed;
    to(3, 0);
    if (restart) restart();
    return client::Outcome::Ok;
  }

 private:
  client::Outcome reset() {
    uri.clear();
    package.clear();
    to(0, 0);
    return client::Outcome::Ok;
  }
  void to(std::int64_t new_state, std::int64_t new_result) {
    const bool state_changed = new_state != state;
    const bool result_changed = new_result != result;
    state = new_state;
    result = new_result;
    if (!changed) return;
    if (state_changed) changed(lwm2m::Path(5, 0, 3));
    if (result_changed) changed(lwm2m::Path(5, 0, 5));
  }
};

}  // namespace drover::testing
