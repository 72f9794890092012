#include "drover/firmware/service.hpp"

#include <algorithm>

namespace drover::firmware {

FirmwareService::FirmwareService(server::Server& server, const Images& images,
                                 UpdaterConfig updates, CampaignsConfig campaigns)
    : images_(images),
      updater_(server, images, std::move(updates)),
      campaigns_(server, images, updater_, campaigns) {}

void FirmwareService::on_event(const server::ServerEvent& event, TimePoint now) {
  now_ = now;
  updater_.on_event(event, now);
  campaigns_.on_event(event, now);
}

void FirmwareService::on_timer(TimePoint now) {
  now_ = now;
  updater_.on_timer(now);
  campaigns_.on_timer(now);
}

std::optional<TimePoint> FirmwareService::next_expiry() const {
  const auto a = updater_.next_expiry();
  const auto b = campaigns_.next_expiry();
  if (a && b) return std::min(*a, *b);
  return a ? a : b;
}

bool FirmwareService::poll_event(FirmwareEvent& out) {
  // An update's end frees a campaign's place: the campaign hears of it before it is shown.
  UpdateEvent update;
  if (updater_.poll_event(update)) {
    campaigns_.on_update(update, now_);
    out = std::move(update);
    return true;
  }
  CampaignEvent campaign;
  if (campaigns_.poll_event(campaign)) {
    out = std::move(campaign);
    return true;
  }
  return false;
}

}  // namespace drover::firmware
