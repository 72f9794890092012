// Firmware updates of a server: the Updater and the Campaigns over it, fed together. What a
// driver (the server's runtime, or a test with a fake clock) does with it:
//
//   service.on_event(event, now);           // every event drained from the server core
//   service.on_timer(now);                  // at next_expiry()
//   while (service.poll_event(e)) show(e);  // updates' steps and campaigns' progress
#pragma once

#include <optional>
#include <variant>

#include "drover/firmware/campaign.hpp"
#include "drover/firmware/images.hpp"
#include "drover/firmware/update.hpp"

namespace drover::firmware {

using FirmwareEvent = std::variant<UpdateEvent, CampaignEvent>;

class FirmwareService {
 public:
  // `server` and `images` must outlive the service.
  FirmwareService(server::Server& server, const Images& images, UpdaterConfig updates = {},
                  CampaignsConfig campaigns = {});

  void on_event(const server::ServerEvent& event, TimePoint now);
  void on_timer(TimePoint now);
  std::optional<TimePoint> next_expiry() const;
  bool poll_event(FirmwareEvent& out);

  const Images& images() const { return images_; }
  Updater& updater() { return updater_; }
  const Updater& updater() const { return updater_; }
  Campaigns& campaigns() { return campaigns_; }
  const Campaigns& campaigns() const { return campaigns_; }

 private:
  const Images& images_;
  Updater updater_;
  Campaigns campaigns_;
  TimePoint now_{};
};

}  // namespace drover::firmware
