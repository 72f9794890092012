// Documents by key that outlive the process: what the layers above the protocol cores keep
// (security credentials, bootstrap configurations, firmware images and campaigns), each kind in a
// table of its own. The owning layer holds its documents in memory, reads them back with load()
// when it starts, and tells every change; an implementation writes behind, so put and erase never
// wait for the disk (store::DocumentStore keeps them in SQLite).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drover {

class DocumentTable {
 public:
  virtual ~DocumentTable() = default;
  // Adds or replaces the document of `key`.
  virtual void put(std::string_view key, std::string_view document) = 0;
  virtual void erase(std::string_view key) = 0;
  // Every document, in key order: what was written before this process started.
  virtual std::vector<std::pair<std::string, std::string>> load() = 0;
};

}  // namespace drover
