// Register/Update payloads (Core TS "Register Operation"): the object and instance list in link
// format, with the root link that names an alternate path and the supported content formats.
#include <algorithm>
#include <map>
#include <string>

#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::lwm2m {
namespace {

constexpr std::string_view lwm2m_resource_type = "oma.lwm2m";

// "/lwm2m/" -> "/lwm2m"; "" -> "/".
std::string normalized_root(std::string_view root) {
  while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
  return root.empty() ? "/" : std::string(root);
}

// rt may hold several space-separated resource types.
bool is_root_link(const Link& link) {
  const auto rt = link.rt();
  if (!rt) return false;
  std::string_view rest = *rt;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    if (rest.substr(0, space) == lwm2m_resource_type) return true;
    rest.remove_prefix(space == std::string_view::npos ? rest.size() : space + 1);
  }
  return false;
}

}  // namespace

std::vector<Link> registration_links(const RegistrationPayload& payload) {
  std::vector<Link> links;
  const std::string root = normalized_root(payload.root);
  if (root != "/" || !payload.content_formats.empty()) {
    Link& link = links.emplace_back(root);
    link.add("rt", std::string(lwm2m_resource_type));
    if (payload.content_formats.size() == 1) {
      link.add("ct", payload.content_formats.front());
    } else if (!payload.content_formats.empty()) {
      std::string list;
      for (const auto format : payload.content_formats) {
        if (!list.empty()) list += ' ';
        list += std::to_string(format);
      }
      link.add("ct", std::move(list));
    }
  }
  const std::string prefix = root == "/" ? "" : root;
  for (const auto& object : payload.objects) {
    const std::string object_target = prefix + "/" + std::to_string(object.object_id);
    if (object.version) {
      links.emplace_back(object_target).add("ver", *object.version);
    } else if (object.instances.empty()) {
      links.emplace_back(object_target);
    }
    for (const auto instance : object.instances) {
      links.emplace_back(object_target + "/" + std::to_string(instance));
    }
  }
  return links;
}

std::optional<FormatError> parse_registration_links(std::span<const Link> links,
                                                    RegistrationPayload& out) {
  RegistrationPayload result;
  const Link* root_link = nullptr;
  for (const auto& link : links) {
    if (!is_root_link(link)) continue;
    if (root_link != nullptr) {
      return FormatError{"registration: more than one link with rt=\"oma.lwm2m\" (<" +
                             root_link->target + "> and <" + link.target + ">)",
                         0, std::nullopt, FormatErrorKind::Duplicate};
    }
    root_link = &link;
  }
  if (root_link != nullptr) {
    result.root = normalized_root(root_link->target);
    if (root_link->has("ct")) {
      auto formats = root_link->content_formats();
      if (!formats) {
        return FormatError{"registration: invalid ct on <" + root_link->target + ">", 0,
                           std::nullopt, FormatErrorKind::Malformed};
      }
      result.content_formats = std::move(*formats);
    }
  }

  std::map<std::uint16_t, RegisteredObject> objects;
  for (const auto& link : links) {
    const auto path = link.path(result.root);
    if (!path || path->depth() == 0 || path->depth() > 2) continue;
    RegisteredObject& object = objects[path->object_id()];
    object.object_id = path->object_id();
    if (path->depth() == 2) {
      object.instances.push_back(path->instance_id());
    } else if (const auto version = link.ver(); version && !object.version) {
      object.version = std::string(*version);
    }
  }
  for (auto& [id, object] : objects) {
    std::sort(object.instances.begin(), object.instances.end());
    object.instances.erase(std::unique(object.instances.begin(), object.instances.end()),
                           object.instances.end());
    result.objects.push_back(std::move(object));
  }
  out = std::move(result);
  return std::nullopt;
}

}  // namespace drover::lwm2m
