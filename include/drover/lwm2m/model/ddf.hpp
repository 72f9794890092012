// Object Definition File (DDF) loader: the OMA XML object descriptions (schemas LWM2M.xsd 1.0 and
// LWM2M-v1_1.xsd; the latter only adds the "Unsigned Integer" and "Corelnk" types).
//
// DDF files come from vendors and users, so the loader treats them as hostile: documents with a
// DOCTYPE (and so any ENTITY declaration) are refused, input size and element counts are capped,
// and every error names the file, the object/resource concerned and the reason.
// Unknown elements are ignored, so that later schema additions do not break loading.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drover/lwm2m/model/object_def.hpp"
#include "drover/lwm2m/model/registry.hpp"

namespace drover::lwm2m {

struct DdfLimits {
  std::size_t max_file_bytes = 4 * 1024 * 1024;
  std::size_t max_objects_per_file = 256;
  std::size_t max_resources_per_object = 65535;
  std::size_t max_directory_entries = 100000;
};

// The outcome of reading one DDF document.
struct DdfResult {
  std::vector<ObjectDef> objects;  // resources sorted by ID; empty when `error` is set
  std::string error;               // "<source>: <where>: <why>"; empty on success
  bool ok() const { return error.empty(); }
};

// Parses one document; `source` names it in error messages.
DdfResult parse_ddf(std::string_view xml, std::string_view source = "<input>",
                    const DdfLimits& limits = {});
DdfResult load_ddf_file(const std::filesystem::path& file, const DdfLimits& limits = {});

struct DdfDirectoryReport {
  struct Entry {
    std::filesystem::path file;
    std::string reason;
  };
  std::vector<std::filesystem::path> loaded;  // files whose every object is now in the registry
  std::vector<Entry> skipped;   // entries that are not DDF files: not "*.xml", not a regular file
  std::vector<Entry> rejected;  // "*.xml" files refused: malformed, hostile, or conflicting
  std::size_t added = 0;        // new (ID, version) definitions
  std::size_t equivalent = 0;   // definitions already present with the same model (same_model)
  std::string error;            // set when the directory itself could not be listed
};

// Loads every "*.xml" file of `dir` (not recursing; in name order) into `registry`. A file is
// loaded whole or not at all: one that defines an (ID, version) already present with a different
// model (see same_model) is rejected; an equivalent one leaves the present definition in place.
DdfDirectoryReport load_ddf_directory(const std::filesystem::path& dir, ObjectRegistry& registry,
                                      const DdfLimits& limits = {});

}  // namespace drover::lwm2m
