#include "drover/lwm2m/protocol/coap_mapping.hpp"

#include <string>

#include "drover/lwm2m/model/number_text.hpp"

namespace drover::lwm2m {

void set_path(coap::Message& message, const Path& path, std::string_view root) {
  message.remove_option(coap::options::UriPath);
  std::string text(root);
  for (std::size_t i = 0; i < path.depth(); ++i) {
    if (text.empty() || text.back() != '/') text += '/';
    append_uint64(text, path[i]);
  }
  message.set_uri_path(text);
}

std::optional<Path> path_of(const coap::Message& request, std::string_view root) {
  // Skip the root's segments, then read up to four IDs.
  std::size_t root_segments = 0;
  std::string_view rest = root;
  std::string_view root_parts[8];
  while (!rest.empty()) {
    if (rest.front() == '/') {
      rest.remove_prefix(1);
      continue;
    }
    const auto slash = rest.find('/');
    if (root_segments == 8) return std::nullopt;
    root_parts[root_segments++] = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  std::size_t index = 0;
  std::uint16_t ids[4] = {};
  std::size_t depth = 0;
  bool ok = true;
  request.for_each(coap::options::UriPath, [&](const coap::OptionView& segment) {
    if (!ok) return;
    const std::string_view s = segment.as_string();
    if (index < root_segments) {
      ok = s == root_parts[index++];
      return;
    }
    ++index;
    if (depth == 4) {
      ok = false;
      return;
    }
    // One spelling per ID: no sign, no leading zero (as Path::parse).
    const auto n = parse_uint64(s);
    if (!n || *n > max_id || (s.size() > 1 && s.front() == '0')) {
      ok = false;
      return;
    }
    ids[depth++] = static_cast<std::uint16_t>(*n);
  });
  if (!ok || index < root_segments) return std::nullopt;
  switch (depth) {
    case 0:
      return Path();
    case 1:
      return Path(ids[0]);
    case 2:
      return Path(ids[0], ids[1]);
    case 3:
      return Path(ids[0], ids[1], ids[2]);
    default:
      return Path(ids[0], ids[1], ids[2], ids[3]);
  }
}

namespace {

FormatOption format_option(const coap::Message& message, std::uint16_t number) {
  FormatOption out;
  const auto option = message.find(number);
  if (!option) return out;
  out.present = true;
  const auto value = option->as_uint();
  if (value && *value <= 0xFFFF)
    out.format = content_format_from_number(static_cast<std::uint16_t>(*value));
  return out;
}

}  // namespace

FormatOption content_format_of(const coap::Message& message) {
  return format_option(message, coap::options::ContentFormat);
}

FormatOption accept_of(const coap::Message& message) {
  return format_option(message, coap::options::Accept);
}

void set_content_format(coap::Message& message, ContentFormat format) {
  message.set_uint_option(coap::options::ContentFormat, static_cast<std::uint16_t>(format));
}

void set_accept(coap::Message& message, ContentFormat format) {
  message.set_uint_option(coap::options::Accept, static_cast<std::uint16_t>(format));
}

}  // namespace drover::lwm2m
