// The firmware images as a CoAP resource of the server's own endpoint: GET /fw/<sha256> answers
// block by block (Block2, RFC 7959) straight from the image's shared bytes, so a thousand devices
// pulling one image share one copy of it and the engine caches nothing for them. The block size
// is the one the device asks (up to `max_szx`); every block carries Size2 and an ETag made of the
// hash, so a device notices an image replaced mid-transfer.
#pragma once

#include <cstdint>

#include "drover/coap/engine.hpp"
#include "drover/firmware/images.hpp"
#include "drover/server/server.hpp"

namespace drover::firmware {

// The first Uri-Path segment of the images (coap://server/fw/<sha256>).
inline constexpr std::string_view kResource = "fw";

// Answers `request` (whose first Uri-Path segment is "fw") from `images`: 2.05 with the requested
// block (block 0 when the request has no Block2), 4.04 for an unknown image, 4.05 for another
// method than GET, 4.00 for a block past the end.
void answer_block(const Images& images, const coap::RequestReceived& request,
                  coap::Message& response, std::uint8_t max_szx = 6);

// Serves `images` on `server` (Server::add_resource); they must outlive it.
void serve_images(server::Server& server, const Images& images);

}  // namespace drover::firmware
