// The server's data folder: where the embedded store keeps its databases, held by one process at
// a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "drover/util/result.hpp"

namespace drover::store {

// Why the store cannot be used; `message` names the file and what to do.
struct Error {
  std::string message;
};

template <typename T>
using Result = drover::Result<T, Error>;

class DataDir {
 public:
  // Creates the folder if need be and locks it (a LOCK file held with flock) for this process:
  // a second server on the same folder is refused, naming the process that holds it.
  static Result<std::shared_ptr<DataDir>> open(const std::filesystem::path& path);
  ~DataDir();
  DataDir(const DataDir&) = delete;
  DataDir& operator=(const DataDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(std::string_view name) const { return path_ / name; }

 private:
  DataDir(std::filesystem::path path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  std::filesystem::path path_;
  int lock_fd_;
};

// `$XDG_STATE_HOME/drover`, else `$HOME/.local/state/drover`, else `./drover-data`.
std::filesystem::path default_data_dir();

}  // namespace drover::store
