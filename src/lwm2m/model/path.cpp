#include "drover/lwm2m/model/path.hpp"

#include <algorithm>
#include <cassert>

#include "text_util.hpp"

namespace drover::lwm2m {
namespace {

// One decimal segment: digits only, no sign, no leading zero (so every path has one spelling),
// at most max_id.
std::optional<std::uint16_t> parse_segment(std::string_view s) {
  if (s.size() > 1 && s.front() == '0') return std::nullopt;
  const auto v = detail::parse_decimal(s, max_id);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

}  // namespace

std::optional<Path> Path::parse(std::string_view text) {
  if (!text.empty() && text.front() == '/') text.remove_prefix(1);
  Path p;
  if (text.empty()) return p;                     // "" and "/"
  if (text.back() == '/') text.remove_suffix(1);  // one trailing '/'; "//" leaves an empty segment
  while (true) {
    if (p.depth_ == 4) return std::nullopt;
    const auto slash = text.find('/');
    const auto seg = parse_segment(text.substr(0, slash));
    if (!seg) return std::nullopt;
    p.ids_[p.depth_++] = *seg;
    if (slash == std::string_view::npos) return p;
    text.remove_prefix(slash + 1);
  }
}

std::string Path::to_string() const {
  if (depth_ == 0) return "/";
  std::string out;
  for (std::size_t i = 0; i < depth_; ++i) {
    out += '/';
    out += std::to_string(ids_[i]);
  }
  return out;
}

Path Path::parent() const {
  return truncated(depth_ == 0 ? 0 : depth_ - 1u);
}

Path Path::child(std::uint16_t id) const {
  assert(depth_ < 4);
  Path p = *this;
  p.ids_[p.depth_++] = id;
  return p;
}

Path Path::truncated(std::size_t depth) const {
  Path p;
  p.depth_ = static_cast<std::uint8_t>(std::min<std::size_t>(depth, depth_));
  std::copy_n(ids_, p.depth_, p.ids_);
  return p;
}

bool Path::has_reserved_id() const {
  return std::find(ids_, ids_ + depth_, reserved_id) != ids_ + depth_;
}

bool Path::is_prefix_of(const Path& other) const {
  return depth_ <= other.depth_ && std::equal(ids_, ids_ + depth_, other.ids_);
}

std::strong_ordering operator<=>(const Path& a, const Path& b) {
  // Lexicographic over the segments, a shorter prefix first: that is depth-first order.
  return std::lexicographical_compare_three_way(a.ids_, a.ids_ + a.depth_, b.ids_,
                                                b.ids_ + b.depth_);
}

bool operator==(const Path& a, const Path& b) {
  return (a <=> b) == 0;
}

}  // namespace drover::lwm2m
