// Level and component names, and the --log-level syntax.
#include "drover/log/log.hpp"

namespace drover::log {

namespace {
constexpr std::array<std::string_view, 6> level_names{"trace", "debug", "info",
                                                      "warn",  "error", "off"};
constexpr std::array<std::string_view, component_count> component_names{
    "server", "coap", "http", "client", "bootstrap", "store", "dtls", "bench"};

std::string joined(auto names) {
  std::string out;
  for (const auto name : names) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

std::optional<Level> level_from_string(std::string_view text) {
  for (std::size_t i = 0; i < level_names.size(); ++i)
    if (level_names[i] == text) return static_cast<Level>(i);
  return std::nullopt;
}

std::optional<Component> component_from_string(std::string_view text) {
  for (std::size_t i = 0; i < component_names.size(); ++i)
    if (component_names[i] == text) return static_cast<Component>(i);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Component component) {
  return component_names[static_cast<std::size_t>(component)];
}

std::optional<Levels> parse_levels(std::string_view text, std::string& error) {
  Levels levels;
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = trimmed(text.substr(0, comma));
    const auto equals = item.find('=');
    const std::string_view level_text =
        equals == std::string_view::npos ? item : trimmed(item.substr(equals + 1));
    const auto level = level_from_string(level_text);
    if (!level) {
      error = "'" + std::string(level_text) + "' is not a level (" + joined(level_names) + ")";
      return std::nullopt;
    }
    if (equals == std::string_view::npos) {
      levels.all = *level;
    } else {
      const std::string_view name = trimmed(item.substr(0, equals));
      const auto component = component_from_string(name);
      if (!component) {
        error = "'" + std::string(name) + "' is not a component (" + joined(component_names) + ")";
        return std::nullopt;
      }
      levels.components[static_cast<std::size_t>(*component)] = *level;
    }
    if (comma == std::string_view::npos) return levels;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace drover::log
