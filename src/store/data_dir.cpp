#include "drover/store/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace drover::store {

Result<std::shared_ptr<DataDir>> DataDir::open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error{"cannot create the data folder " + path.string() + ": " + ec.message()};
  const std::filesystem::path lock = path / "LOCK";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return Error{"cannot open " + lock.string() + ": " + std::string(std::strerror(errno))};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char holder[32] = {};
    const auto n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    if (error == EWOULDBLOCK) {
      std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "?";
      while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
      return Error{"the data folder " + path.string() + " is in use by another process (pid " +
                   who + "); stop it, or give this one another --data-dir"};
    }
    return Error{"cannot lock " + lock.string() + ": " + std::string(std::strerror(error))};
  }
  // Who holds it, for the message above (the lock is what matters, not whether this is written).
  const std::string pid = std::to_string(::getpid()) + "\n";
  const bool noted = ::ftruncate(fd, 0) == 0 && ::pwrite(fd, pid.data(), pid.size(), 0) > 0;
  (void)noted;
  return std::shared_ptr<DataDir>(new DataDir(path, fd));
}

DataDir::~DataDir() {
  ::close(lock_fd_);  // releases the lock
}

std::filesystem::path default_data_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::filesystem::path(state) / "drover";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local" / "state" / "drover";
  return "drover-data";
}

}  // namespace drover::store
