#include <algorithm>
#include <map>
#include <system_error>

#include "drover/lwm2m/model/ddf.hpp"
#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

std::string describe(const ObjectDef& def) {
  return "object " + std::to_string(def.id) + " version " + def.version.to_string();
}

// Why `objects` cannot be added to `registry` as a whole, or empty when it can.
std::string conflict(
    const std::vector<ObjectDef>& objects, const ObjectRegistry& registry,
    const std::map<std::pair<std::uint16_t, Version>, std::filesystem::path>& origin) {
  for (const auto& def : objects) {
    const ObjectDef* present = registry.find(def.id, def.version);
    if (present == nullptr || same_model(*present, def)) continue;
    std::string why = describe(def) + " differs from the definition already loaded";
    if (const auto it = origin.find({def.id, def.version}); it != origin.end()) {
      why += " from " + it->second.filename().string();
    }
    return why;
  }
  for (auto a = objects.begin(); a != objects.end(); ++a) {
    for (auto b = a + 1; b != objects.end(); ++b) {
      if (a->id == b->id && a->version == b->version && !same_model(*a, *b)) {
        return describe(*a) + " is defined twice, differently";
      }
    }
  }
  return {};
}

}  // namespace

DdfDirectoryReport load_ddf_directory(const std::filesystem::path& dir, ObjectRegistry& registry,
                                      const DdfLimits& limits) {
  DdfDirectoryReport report;
  std::error_code ec;
  std::vector<std::filesystem::directory_entry> entries;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (entries.size() == limits.max_directory_entries) {
      report.error = dir.string() + ": more than " + std::to_string(limits.max_directory_entries) +
                     " entries; nothing loaded";
      return report;
    }
    entries.push_back(*it);
  }
  if (ec) {
    report.error = dir.string() + ": " + ec.message();
    return report;
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });

  // Which file each definition came from, to say where a conflicting one was first seen.
  std::map<std::pair<std::uint16_t, Version>, std::filesystem::path> origin;
  for (const auto& entry : entries) {
    const std::filesystem::path& file = entry.path();
    if (!detail::iequals(file.extension().string(), ".xml")) {
      report.skipped.push_back({file, "not a .xml file"});
      continue;
    }
    if (!entry.is_regular_file(ec)) {
      report.skipped.push_back({file, "not a regular file"});
      continue;
    }
    DdfResult result = load_ddf_file(file, limits);
    if (!result.ok()) {
      report.rejected.push_back({file, std::move(result.error)});
      continue;
    }
    if (std::string why = conflict(result.objects, registry, origin); !why.empty()) {
      report.rejected.push_back({file, file.string() + ": " + why});
      continue;
    }
    for (auto& def : result.objects) {
      origin.try_emplace({def.id, def.version}, file);
      const auto added = registry.add(std::move(def));
      if (added == ObjectRegistry::AddResult::Added) ++report.added;
      if (added == ObjectRegistry::AddResult::Equivalent) ++report.equivalent;
    }
    report.loaded.push_back(file);
  }
  return report;
}

}  // namespace drover::lwm2m
