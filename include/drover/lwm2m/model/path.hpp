// LwM2M paths: root "/", "/o", "/o/i", "/o/i/r" and "/o/i/r/ri".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover::lwm2m {

// IDs run 0..65534; 65535 (MAX_ID) is reserved and never a valid path segment: the Core TS
// reserves it for object, instance, resource and resource instance IDs alike.
inline constexpr std::uint16_t max_id = 65534;
inline constexpr std::uint16_t reserved_id = 65535;

class Path {
 public:
  enum class Level : std::uint8_t { Root = 0, Object = 1, Instance = 2, Resource = 3, ResourceInstance = 4 };

  constexpr Path() = default;  // root
  constexpr explicit Path(std::uint16_t o) : ids_{o, 0, 0, 0}, depth_(1) {}
  constexpr Path(std::uint16_t o, std::uint16_t i) : ids_{o, i, 0, 0}, depth_(2) {}
  constexpr Path(std::uint16_t o, std::uint16_t i, std::uint16_t r) : ids_{o, i, r, 0}, depth_(3) {}
  constexpr Path(std::uint16_t o, std::uint16_t i, std::uint16_t r, std::uint16_t ri)
      : ids_{o, i, r, ri}, depth_(4) {}

  // Parses "/3/0/1", "3/0/1" and "/" ("" is root too). Rejects empty segments other than a
  // trailing '/', non-digits, leading '+'/'-', leading zeros ("03": one spelling per path),
  // values above max_id and more than 4 segments.
  static std::optional<Path> parse(std::string_view text);

  std::string to_string() const;  // "/3/0/1"; root is "/"

  Level level() const { return static_cast<Level>(depth_); }
  std::size_t depth() const { return depth_; }
  bool is_root() const { return depth_ == 0; }
  bool has_object() const { return depth_ >= 1; }
  bool has_instance() const { return depth_ >= 2; }
  bool has_resource() const { return depth_ >= 3; }
  bool has_resource_instance() const { return depth_ >= 4; }

  // Precondition: the path is at least that deep.
  std::uint16_t object_id() const { return ids_[0]; }
  std::uint16_t instance_id() const { return ids_[1]; }
  std::uint16_t resource_id() const { return ids_[2]; }
  std::uint16_t resource_instance_id() const { return ids_[3]; }
  std::uint16_t operator[](std::size_t level_index) const { return ids_[level_index]; }

  // The path one level up (root stays root).
  Path parent() const;
  // This path extended by one segment. Precondition: depth() < 4.
  Path child(std::uint16_t id) const;
  // The first `depth` segments.
  Path truncated(std::size_t depth) const;

  // True if a segment is the reserved ID 65535. parse() never yields one; the constructors can.
  bool has_reserved_id() const;

  // True if `other` equals this path or lies below it ("/3" is a prefix of "/3/0/1").
  bool is_prefix_of(const Path& other) const;

  // Ordered depth-first: a parent sorts just before its children ("/3" < "/3/0" < "/3/0/1" < "/4").
  friend std::strong_ordering operator<=>(const Path& a, const Path& b);
  friend bool operator==(const Path& a, const Path& b);

 private:
  std::uint16_t ids_[4] = {0, 0, 0, 0};
  std::uint8_t depth_ = 0;
};

}  // namespace drover::lwm2m
