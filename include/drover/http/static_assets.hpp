// The static files of a web page (the console) served by the HTTP server, built into the
// program: each with its bytes as they are and gzip-compressed, and a strong ETag for each form.
// answer() decides, without sockets, what a GET or HEAD of one gets: 200 with the gzip form when
// the client accepts it, or 304 when the client's If-None-Match holds the tag of what it would
// get. Assets are revalidated on every use (Cache-Control: no-cache), so a new program's page
// is never mixed with an old one's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace drover::http {

struct Asset {
  std::string_view path;  // "/index.html", "/js/fleet.js"
  std::string_view content_type;
  std::span<const std::uint8_t> identity;
  std::span<const std::uint8_t> gzip;  // empty: not compressed (served as is)
  std::string_view etag;               // quoted, of the identity form; the gzip form adds "-gz"
};

struct AssetAnswer {
  unsigned status = 200;  // 200 or 304
  const Asset* asset = nullptr;
  bool gzip = false;                   // Content-Encoding: gzip
  std::span<const std::uint8_t> body;  // what is sent (empty for 304 and HEAD)
  std::string etag;                    // of the form sent
};

// Whether an Accept-Encoding value accepts gzip ("gzip", "x-gzip" or "*", not with q=0).
bool accepts_gzip(std::string_view accept_encoding);
// Whether an If-None-Match value ("*", or a list of tags, weak or strong) matches `etag`.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

class AssetTable {
 public:
  AssetTable() = default;
  // `assets` must outlive the table; "/" is "/index.html".
  explicit AssetTable(std::span<const Asset> assets) : assets_(assets) {}

  const Asset* find(std::string_view path) const;
  bool empty() const { return assets_.empty(); }
  std::span<const Asset> assets() const { return assets_; }

  // What a request for `path` (without its query) gets; nullopt: not an asset (or not GET/HEAD).
  std::optional<AssetAnswer> answer(std::string_view method, std::string_view path,
                                    std::string_view if_none_match,
                                    std::string_view accept_encoding) const;

 private:
  std::span<const Asset> assets_;
};

}  // namespace drover::http
