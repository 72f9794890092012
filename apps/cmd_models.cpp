// `drover models [DIR|FILE...]`: lists the object definitions Drover knows or finds in DDF files.
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.hpp"
#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/ddf.hpp"

namespace drover::apps {
namespace {

using lwm2m::ObjectDef;
using lwm2m::ObjectRegistry;

struct ModelsOptions {
  std::vector<std::string> paths;
  bool builtin = false;
  bool strict = false;
  int object = -1;
  std::string version;
};

// Text from DDF files, with control characters masked: a hostile file must not drive the terminal.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

void print_objects(const ObjectRegistry& registry) {
  if (registry.empty()) return;
  std::cout << std::left << std::setw(7) << "ID" << std::setw(6) << "VER" << std::setw(6) << "RES"
            << "NAME\n";
  for (const ObjectDef* def : registry.all()) {
    std::cout << std::setw(7) << def->id << std::setw(6) << def->version.to_string() << std::setw(6)
              << def->resources.size() << printable(def->name) << "\n";
  }
}

int print_resources(const ObjectRegistry& registry, const ModelsOptions& opts) {
  const auto id = static_cast<std::uint16_t>(opts.object);
  const ObjectDef* def = registry.newest(id);
  if (!opts.version.empty()) {
    const auto version = lwm2m::Version::parse(opts.version);
    if (!version) {
      std::cerr << "drover models: --version " << opts.version << " is not a version like 1.1\n";
      return 2;
    }
    def = registry.find(id, *version);
  }
  if (def == nullptr) {
    std::cerr << "drover models: no definition of object " << opts.object
              << (opts.version.empty() ? "" : " version " + opts.version) << "\n";
    return 1;
  }
  std::cout << "object " << def->id << " " << printable(def->name) << " version "
            << def->version.to_string() << " (" << (def->multiple ? "multiple" : "single") << ", "
            << (def->mandatory ? "mandatory" : "optional") << ", LwM2M "
            << def->lwm2m_version.to_string() << ")"
            << (def->urn.empty() ? "" : " " + printable(def->urn)) << "\n";
  std::cout << std::left << std::setw(7) << "ID" << std::setw(4) << "OP" << std::setw(10) << "SHAPE"
            << std::setw(11) << "PRESENCE" << std::setw(18) << "TYPE"
            << "NAME\n";
  for (const auto& r : def->resources) {
    std::cout << std::setw(7) << r.id << std::setw(4) << to_string(r.operations) << std::setw(10)
              << (r.multiple ? "multiple" : "single") << std::setw(11)
              << (r.mandatory ? "mandatory" : "optional") << std::setw(18) << to_string(r.type)
              << printable(r.name) << (r.units.empty() ? "" : " [" + printable(r.units) + "]")
              << "\n";
  }
  return 0;
}

// Loads one command-line path (a folder of DDF files, or one file). False if nothing could be read.
bool load_path(const std::string& path, ObjectRegistry& registry, std::size_t& rejected) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    lwm2m::DdfResult result = lwm2m::load_ddf_file(path);
    if (!result.ok()) {
      std::cerr << "rejected: " << result.error << "\n";
      ++rejected;
      return true;
    }
    for (auto& def : result.objects) {
      const std::string what =
          "object " + std::to_string(def.id) + " version " + def.version.to_string();
      if (registry.add(std::move(def)) == ObjectRegistry::AddResult::Conflict) {
        std::cerr << "rejected: " << path << ": " << what << " differs from one already loaded\n";
        ++rejected;
      }
    }
    return true;
  }
  const lwm2m::DdfDirectoryReport report = lwm2m::load_ddf_directory(path, registry);
  if (!report.error.empty()) {
    std::cerr << "drover models: " << report.error << "\n";
    return false;
  }
  for (const auto& s : report.skipped)
    std::cerr << "skipped: " << s.file.string() << ": " << s.reason << "\n";
  for (const auto& r : report.rejected) std::cerr << "rejected: " << r.reason << "\n";
  rejected += report.rejected.size();
  std::cerr << path << ": " << report.loaded.size() << " files loaded, " << report.added
            << " new definitions, " << report.skipped.size() << " skipped, "
            << report.rejected.size() << " rejected\n";
  return true;
}

int run(const ModelsOptions& opts) {
  ObjectRegistry registry;
  if (opts.paths.empty() || opts.builtin) lwm2m::add_builtin_objects(registry);
  bool readable = true;
  std::size_t rejected = 0;
  for (const auto& path : opts.paths) readable = load_path(path, registry, rejected) && readable;
  if (opts.object >= 0) return print_resources(registry, opts);
  print_objects(registry);
  if (!readable || registry.empty()) return 1;
  return opts.strict && rejected > 0 ? 1 : 0;
}

const RegisterCommand registered([](CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ModelsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "models",
      "List LwM2M object definitions: the built-in ones, or those of DDF XML files.\n"
      "Each DIR is read for *.xml object definition files (not recursively); a FILE is read "
      "alone.\n"
      "Every object version is kept side by side. Skipped entries (not *.xml) and rejected files\n"
      "(malformed, hostile, oversized, or conflicting with a definition already loaded) are\n"
      "reported on stderr with the reason.\n"
      "Exit status: 0 when definitions were listed; 1 when a DIR cannot be read, nothing was\n"
      "loaded, the --object is unknown, or (with --strict) any file was rejected; 2 or more on\n"
      "bad usage.");
  cmd->add_option("paths", opts->paths, "DDF folders or files")->type_name("DIR|FILE");
  cmd->add_flag("--builtin", opts->builtin,
                "also list the built-in definitions when paths are given");
  cmd->add_flag("--strict", opts->strict, "exit with status 1 if any file was rejected");
  cmd->add_option("--object", opts->object, "show the resources of this object (newest version)")
      ->check(CLI::Range(0, 65534));
  cmd->add_option("--version", opts->version, "with --object: the object version to show, e.g. 1.1")
      ->needs("--object");
  cmd->callback([opts, &exit_code] { exit_code = run(*opts); });
});

}  // namespace
}  // namespace drover::apps
