#include "package_file.hpp"

namespace drover::apps {

bool PackageFile::begin(std::optional<std::size_t> size) {
  discard();
  if (size && *size > capacity_) return false;
  file_.reset(std::fopen(path_.c_str(), "w+b"));
  return file_ != nullptr;
}

bool PackageFile::append(std::span<const std::uint8_t> bytes) {
  if (!file_ || bytes.size() > capacity_ - size_) return false;
  if (std::fseek(file_.get(), 0, SEEK_END) != 0 ||
      std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size())
    return false;
  size_ += bytes.size();
  return true;
}

void PackageFile::discard() {
  if (!file_) return;
  file_.reset();
  size_ = 0;
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::size_t PackageFile::read(std::size_t offset, std::span<std::uint8_t> out) const {
  if (!file_ || offset >= size_ || std::fflush(file_.get()) != 0 ||
      std::fseek(file_.get(), static_cast<long>(offset), SEEK_SET) != 0)
    return 0;
  return std::fread(out.data(), 1, std::min(out.size(), size_ - offset), file_.get());
}

}  // namespace drover::apps
