// Firmware on the HTTP API (docs/http-api.md, Firmware): images (/api/firmware), their bytes for
// devices that pull over HTTP (/fw/<sha256>, with Range), the update of one device
// (/api/clients/{ep}/firmware) and campaigns (/api/campaigns). Added to an Api over one server
// core; the firmware events go to the event stream as type "firmware" (stream_event).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "drover/firmware/service.hpp"
#include "drover/http/event_stream.hpp"
#include "drover/http/routes.hpp"

namespace drover::http {

class FirmwareRoutes final : public RouteFamily {
 public:
  // `images` and `service` must outlive the routes; `wall_clock` gives the Unix time of uploads.
  FirmwareRoutes(firmware::Images& images, firmware::FirmwareService& service,
                 std::function<std::int64_t()> wall_clock);

  bool takes(const RouteRequest& request) const override;
  Reply handle(RouteRequest& request) override;
  std::string_view openapi_paths() const override;
  std::string prometheus_metrics() const override;

 private:
  firmware::Images& images_;
  firmware::FirmwareService& service_;
  std::function<std::int64_t()> wall_clock_;

  Reply images(RouteRequest& r);
  Reply device(RouteRequest& r);
  Reply campaigns(RouteRequest& r);
};

// The answer to GET /fw/<sha256> with the Range header `range` (empty: none): 200 with the whole
// image, 206 with one byte range (RFC 9110 §14: "bytes=first-last", "bytes=first-",
// "bytes=-suffix"), 416 for a range outside the image; several ranges are answered whole (200).
Response image_bytes(const firmware::Image& image, std::string_view range);

// What the event stream shows of a firmware event: type "firmware" (docs/http-api.md).
StreamEvent stream_event(const firmware::FirmwareEvent& event);

}  // namespace drover::http
