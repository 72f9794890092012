#include "drover/http/static_assets.hpp"

#include <string>

namespace drover::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Calls `item` with each comma-separated item, trimmed, until it returns true.
template <typename F>
bool any_item(std::string_view list, F&& item) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto part = trim(list.substr(0, comma));
    if (!part.empty() && item(part)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  return any_item(accept_encoding, [](std::string_view coding) {
    const auto semicolon = coding.find(';');
    const auto name = trim(coding.substr(0, semicolon));
    if (!iequals(name, "gzip") && !iequals(name, "x-gzip") && name != "*") return false;
    if (semicolon == std::string_view::npos) return true;
    // "q=0", "q=0.0" ...: refused.
    auto q = trim(coding.substr(semicolon + 1));
    if (q.size() < 2 || (q[0] != 'q' && q[0] != 'Q') || q[1] != '=') return true;
    q.remove_prefix(2);
    for (char c : q)
      if (c != '0' && c != '.') return true;
    return false;
  });
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (trim(if_none_match) == "*") return true;
  return any_item(if_none_match, [&](std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);  // If-None-Match compares weakly
    return tag == etag;
  });
}

const Asset* AssetTable::find(std::string_view path) const {
  if (path == "/") path = "/index.html";
  for (const auto& a : assets_)
    if (a.path == path) return &a;
  return nullptr;
}

std::optional<AssetAnswer> AssetTable::answer(std::string_view method, std::string_view path,
                                              std::string_view if_none_match,
                                              std::string_view accept_encoding) const {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  const Asset* asset = find(path);
  if (!asset) return std::nullopt;
  AssetAnswer out;
  out.asset = asset;
  out.gzip = !asset->gzip.empty() && accepts_gzip(accept_encoding);
  out.etag = out.gzip ? std::string(asset->etag.substr(0, asset->etag.size() - 1)) + "-gz\""
                      : std::string(asset->etag);
  if (!if_none_match.empty() && etag_matches(if_none_match, out.etag)) {
    out.status = 304;
    return out;
  }
  if (method == "GET") out.body = out.gzip ? asset->gzip : asset->identity;
  return out;
}

}  // namespace drover::http
