// A firmware package kept in a file (client::PackageStorage) for `drover client --fw-dir`: the
// bytes go to the file as they arrive, bounded by a capacity, and the file is removed when the
// package is dropped.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>

#include "drover/client/firmware.hpp"

namespace drover::apps {

class PackageFile final : public client::PackageStorage {
 public:
  PackageFile(std::filesystem::path path, std::size_t capacity)
      : path_(std::move(path)), capacity_(capacity) {}
  ~PackageFile() override { discard(); }

  bool begin(std::optional<std::size_t> size) override;
  bool append(std::span<const std::uint8_t> bytes) override;
  void discard() override;
  std::size_t size() const override { return size_; }
  std::size_t read(std::size_t offset, std::span<std::uint8_t> out) const override;

 private:
  struct Close {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::filesystem::path path_;
  std::size_t capacity_;
  std::unique_ptr<std::FILE, Close> file_;
  std::size_t size_ = 0;
};

}  // namespace drover::apps
