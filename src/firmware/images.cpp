#include "drover/firmware/images.hpp"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <system_error>

#include "drover/util/hex.hpp"

namespace drover::firmware {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxLabel = 128;  // name and version

std::string document_of(const Image& image) {
  json::object o;
  o["name"] = image.name;
  o["version"] = image.version;
  o["created"] = image.created;
  return json::serialize(o);
}

bool write_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const auto temporary = std::filesystem::path(path).concat(".part");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  return !ec;
}

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(std::span<const std::uint8_t>(digest, length));
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Images::Images(ImagesConfig config, std::filesystem::path folder, DocumentTable* table)
    : config_(config), folder_(std::move(folder)), table_(table) {}

std::vector<std::string> Images::load() {
  std::vector<std::string> errors;
  if (!table_ || folder_.empty()) return errors;
  for (auto& [sha, document] : table_->load()) {
    const auto path = folder_ / sha;
    std::ifstream in(path, std::ios::binary);
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(std::istreambuf_iterator<char>(in),
                                                             std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    const auto parsed = json::parse(document, ec);
    if (!in.good() && !in.eof()) {
      errors.push_back("firmware image " + sha + ": cannot read " + path.string());
    } else if (ec || !parsed.is_object()) {
      errors.push_back("firmware image " + sha + ": damaged description");
    } else if (sha256_hex(*bytes) != sha) {
      errors.push_back("firmware image " + sha + ": " + path.string() +
                       " is missing or does not match its hash");
    } else {
      const auto& o = parsed.as_object();
      const auto text = [&](std::string_view key) {
        const auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      const auto* created = o.if_contains("created");
      Image image{sha, text("name"), text("version"),
                  created && created->is_int64() ? created->as_int64() : 0, std::move(bytes)};
      total_ += image.size();
      images_.emplace(sha, std::move(image));
      continue;
    }
    table_->erase(sha);
  }
  return errors;
}

Result<const Image*, ImageError> Images::add(std::string_view name, std::string_view version,
                                             std::span<const std::uint8_t> bytes,
                                             std::int64_t created) {
  using Kind = ImageError::Kind;
  if (bytes.empty()) return ImageError{Kind::Invalid, "the image is empty"};
  if (name.empty() || version.empty() || name.size() > kMaxLabel || version.size() > kMaxLabel)
    return ImageError{Kind::Invalid, "name and version are required, each at most " +
                                         std::to_string(kMaxLabel) + " characters"};
  if (bytes.size() > config_.max_image_bytes)
    return ImageError{Kind::TooLarge, "the image is larger than " +
                                          std::to_string(config_.max_image_bytes) + " bytes"};
  std::string sha = sha256_hex(bytes);
  if (const auto it = images_.find(sha); it != images_.end()) return &it->second;
  if (images_.size() >= config_.max_images)
    return ImageError{Kind::Full, "the server holds " + std::to_string(config_.max_images) +
                                      " images already; delete one first"};
  if (total_ + bytes.size() > config_.max_total_bytes)
    return ImageError{Kind::Full, "the images would take more than " +
                                      std::to_string(config_.max_total_bytes) +
                                      " bytes; delete one first"};
  if (!folder_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(folder_, ec);
    if (ec || !write_file(folder_ / sha, bytes))
      return ImageError{Kind::Io, "cannot write " + (folder_ / sha).string()};
  }
  Image image{sha, std::string(name), std::string(version), created,
              std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end())};
  if (table_) table_->put(sha, document_of(image));
  total_ += image.size();
  return &images_.emplace(std::move(sha), std::move(image)).first->second;
}

const Image* Images::find(std::string_view sha256) const {
  const auto it = images_.find(sha256);
  return it == images_.end() ? nullptr : &it->second;
}

bool Images::erase(std::string_view sha256) {
  const auto it = images_.find(sha256);
  if (it == images_.end()) return false;
  total_ -= it->second.size();
  if (table_) table_->erase(sha256);
  if (!folder_.empty()) {
    std::error_code ec;  // a file left behind is overwritten by the next upload of the same bytes
    std::filesystem::remove(folder_ / it->first, ec);
  }
  images_.erase(it);
  return true;
}

std::vector<const Image*> Images::list() const {
  std::vector<const Image*> out;
  out.reserve(images_.size());
  for (const auto& [sha, image] : images_) out.push_back(&image);
  return out;
}

}  // namespace drover::firmware
