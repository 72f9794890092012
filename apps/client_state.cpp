#include "client_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "drover/bootstrap/config.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/protocol/security.hpp"

namespace drover::apps {

namespace {

std::optional<std::string> read_file(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::optional<std::vector<lwm2m::Record>> load_factory_file(const std::filesystem::path& file,
                                                            std::string& error) {
  const auto text = read_file(file, error);
  if (!text) return std::nullopt;
  auto config = bootstrap::config_from_json(*text);
  if (!config.has_value()) {
    error = file.string() + ": " + config.error();
    return std::nullopt;
  }
  std::vector<lwm2m::Record> records;
  for (auto& write : bootstrap::instance_writes(config.value()))
    for (auto& r : write.records) records.push_back(std::move(r));
  return records;
}

std::optional<std::vector<lwm2m::Record>> load_state_file(const std::filesystem::path& file,
                                                          const lwm2m::ObjectRegistry& types,
                                                          std::string& error) {
  error.clear();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  const auto text = read_file(file, error);
  if (!text) return std::nullopt;
  lwm2m::DecodeOptions options;
  options.types = &types;
  std::vector<lwm2m::Record> records;
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(text->data()), text->size());
  if (const auto e =
          lwm2m::decode(lwm2m::ContentFormat::SenmlJson, bytes, lwm2m::Path(), options, records)) {
    error = file.string() + ": " + e->message;
    return std::nullopt;
  }
  return records;
}

bool save_state_file(const std::filesystem::path& file, std::span<const lwm2m::Record> records,
                     std::string& error) {
  std::vector<std::uint8_t> bytes;
  if (const auto e =
          lwm2m::encode(lwm2m::ContentFormat::SenmlJson, records, lwm2m::Path(), bytes)) {
    error = e->message;
    return false;
  }
  // Written beside it and renamed over it: a crash leaves the old file or the new one.
  const std::filesystem::path temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = temp.string() + ": " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool written = done == bytes.size() && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), file.c_str()) != 0) {
    error = file.string() + ": " + std::strerror(written ? errno : saved_errno);
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

std::optional<std::string> first_server_uri(std::span<const lwm2m::Record> records,
                                            bool& is_bootstrap) {
  const auto accounts = lwm2m::security_accounts(records);
  is_bootstrap = false;
  for (const auto& a : accounts)
    if (!a.bootstrap && !a.uri.empty()) return a.uri;
  for (const auto& a : accounts)
    if (!a.uri.empty()) {
      is_bootstrap = true;
      return a.uri;
    }
  return std::nullopt;
}

}  // namespace drover::apps
