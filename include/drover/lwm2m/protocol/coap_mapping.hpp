// How LwM2M paths and content formats travel in CoAP messages (Transport TS, CoAP binding).
#pragma once

#include <optional>
#include <string_view>

#include "drover/coap/message.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/model/path.hpp"

namespace drover::lwm2m {

// Sets the Uri-Path options of `message` to `root` (an alternate path such as "/lwm2m", or "/")
// followed by `path`'s segments. Replaces any Uri-Path already there.
void set_path(coap::Message& message, const Path& path, std::string_view root = "/");

// The LwM2M path of a request's Uri-Path below `root`; nullopt when the segments are not under
// root, not decimal IDs in range, or more than four.
std::optional<Path> path_of(const coap::Message& request, std::string_view root = "/");

// The Content-Format / Accept option as a known LwM2M format. `present` tells an absent option
// from an unknown number (the caller answers 4.15 / 4.06 for unknown ones).
struct FormatOption {
  bool present = false;
  std::optional<ContentFormat> format;
};
FormatOption content_format_of(const coap::Message& message);
FormatOption accept_of(const coap::Message& message);

void set_content_format(coap::Message& message, ContentFormat format);
void set_accept(coap::Message& message, ContentFormat format);

}  // namespace drover::lwm2m
