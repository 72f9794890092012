// Firmware images the server delivers to devices, content-addressed by their SHA-256.
//
// An image's bytes are held once, immutable, behind a shared pointer: every transfer (CoAP Block2,
// HTTP Range, the push of an update) reads them from there, and an image deleted while a transfer
// is under way stays in memory until that transfer lets go of it. With a folder, each image is a
// file named by its hash (written to a temporary name, then renamed) and its name, version and
// time are a document of a DocumentTable ("firmware"); load() reads both back when the server
// starts and drops what does not match. Without a folder they live in memory only.
//
// Bounds: the size of one image, of all of them, and their number; an upload past one is refused
// with the bound it hit. Adding and deleting write the disk on the caller's thread: uploads are
// rare and an operator's action.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/util/document_table.hpp"
#include "drover/util/result.hpp"

namespace drover::firmware {

using Bytes = std::shared_ptr<const std::vector<std::uint8_t>>;

struct Image {
  std::string sha256;  // lower-case hex: the image's name in URIs (/fw/<sha256>)
  std::string name;
  std::string version;
  std::int64_t created = 0;  // Unix seconds
  Bytes bytes;

  std::size_t size() const { return bytes->size(); }
};

struct ImagesConfig {
  std::size_t max_image_bytes = 64 * 1024 * 1024;
  std::size_t max_total_bytes = 1024 * 1024 * 1024;
  std::size_t max_images = 256;
};

struct ImageError {
  enum class Kind : std::uint8_t {
    Invalid,   // empty image, or a name or version missing or too long
    TooLarge,  // larger than max_image_bytes
    Full,      // max_total_bytes or max_images reached
    Io,        // the file could not be written
  };
  Kind kind;
  std::string message;
};

// The lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::span<const std::uint8_t> bytes);
// Whether `text` has the shape of one (64 lower-case hex digits).
bool is_sha256_hex(std::string_view text);

class Images {
 public:
  // `folder` empty: in memory only. `table` (may be null) must outlive the images.
  Images(ImagesConfig config, std::filesystem::path folder, DocumentTable* table);

  // Reads back the images of an earlier run; what cannot be used (a missing or damaged file, a
  // hash that does not match) is dropped and named in the returned messages.
  std::vector<std::string> load();

  // Adds an image (the bytes are copied once, here). The same bytes again are not stored twice:
  // the existing image is answered with its name and version unchanged.
  Result<const Image*, ImageError> add(std::string_view name, std::string_view version,
                                       std::span<const std::uint8_t> bytes, std::int64_t created);
  const Image* find(std::string_view sha256) const;
  bool erase(std::string_view sha256);
  // Every image, in hash order.
  std::vector<const Image*> list() const;

  std::size_t total_bytes() const { return total_; }
  std::size_t count() const { return images_.size(); }
  const ImagesConfig& config() const { return config_; }

 private:
  ImagesConfig config_;
  std::filesystem::path folder_;
  DocumentTable* table_;
  std::map<std::string, Image, std::less<>> images_;
  std::size_t total_ = 0;
};

}  // namespace drover::firmware
