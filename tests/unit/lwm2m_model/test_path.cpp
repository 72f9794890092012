#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "drover/lwm2m/model/path.hpp"

namespace drover::lwm2m {
namespace {

TEST(Path, ParsesEveryDepth) {
  EXPECT_EQ(Path::parse("/"), Path());
  EXPECT_EQ(Path::parse(""), Path());
  EXPECT_EQ(Path::parse("/3"), Path(3));
  EXPECT_EQ(Path::parse("/3/0"), Path(3, 0));
  EXPECT_EQ(Path::parse("/3/0/1"), Path(3, 0, 1));
  EXPECT_EQ(Path::parse("/3/0/7/2"), Path(3, 0, 7, 2));
  EXPECT_EQ(Path::parse("3/0/1"), Path(3, 0, 1));
  EXPECT_EQ(Path::parse("/3/0/"), Path(3, 0));
  EXPECT_EQ(Path::parse("/65534/65534/65534/65534"), Path(65534, 65534, 65534, 65534));
}

TEST(Path, RejectsMalformedText) {
  for (const char* bad :
       {"//", "/3//1", "3//", "/3/0//", "/a", "/3/x", "/+3", "/-3", "/ 3", "/3 ", "/3/0/1/2/3",
        "/65535", "/3/65535", "/70000", "/99999999999999999999", "/03", "/3/00", "/3.0", "///"}) {
    EXPECT_FALSE(Path::parse(bad).has_value()) << bad;
  }
}

TEST(Path, SaysWhetherASegmentIsReserved) {
  EXPECT_FALSE(Path().has_reserved_id());
  EXPECT_FALSE(Path(65534, 65534, 65534, 65534).has_reserved_id());
  EXPECT_TRUE(Path(65535).has_reserved_id());
  EXPECT_TRUE(Path(3, 65535).has_reserved_id());
  EXPECT_TRUE(Path(3, 0, 65535).has_reserved_id());
  EXPECT_TRUE(Path(3, 0, 1, 65535).has_reserved_id());
  // Only the segments in use count.
  EXPECT_FALSE(Path(3, 0, 1, 65535).truncated(3).has_reserved_id());
}

TEST(Path, PrintsCanonically) {
  EXPECT_EQ(Path().to_string(), "/");
  EXPECT_EQ(Path(3).to_string(), "/3");
  EXPECT_EQ(Path(3, 0, 1).to_string(), "/3/0/1");
  EXPECT_EQ(Path(65534, 0, 5, 10).to_string(), "/65534/0/5/10");
  EXPECT_EQ(Path::parse("3/0/")->to_string(), "/3/0");
}

TEST(Path, LevelsAndAccessors) {
  const Path p(3, 1, 7, 2);
  EXPECT_EQ(p.level(), Path::Level::ResourceInstance);
  EXPECT_EQ(p.object_id(), 3);
  EXPECT_EQ(p.instance_id(), 1);
  EXPECT_EQ(p.resource_id(), 7);
  EXPECT_EQ(p.resource_instance_id(), 2);
  EXPECT_EQ(p[2], 7);
  EXPECT_EQ(Path(3, 1).level(), Path::Level::Instance);
  EXPECT_TRUE(Path().is_root());
  EXPECT_FALSE(Path(3, 1).has_resource());
}

TEST(Path, ParentChildTruncated) {
  const Path p(3, 0, 1);
  EXPECT_EQ(p.parent(), Path(3, 0));
  EXPECT_EQ(Path(3).parent(), Path());
  EXPECT_EQ(Path().parent(), Path());
  EXPECT_EQ(p.child(4), Path(3, 0, 1, 4));
  EXPECT_EQ(Path().child(5), Path(5));
  EXPECT_EQ(p.truncated(1), Path(3));
  EXPECT_EQ(p.truncated(0), Path());
  EXPECT_EQ(p.truncated(9), p);
  // Truncation forgets the dropped segments: a later child does not resurrect them.
  EXPECT_EQ(p.truncated(2).child(9), Path(3, 0, 9));
}

TEST(Path, PrefixRelation) {
  EXPECT_TRUE(Path().is_prefix_of(Path(3, 0, 1)));
  EXPECT_TRUE(Path(3).is_prefix_of(Path(3, 0, 1)));
  EXPECT_TRUE(Path(3, 0, 1).is_prefix_of(Path(3, 0, 1)));
  EXPECT_FALSE(Path(3, 0, 1).is_prefix_of(Path(3, 0)));
  EXPECT_FALSE(Path(3, 1).is_prefix_of(Path(3, 0, 1)));
  EXPECT_FALSE(Path(4).is_prefix_of(Path(3)));
}

TEST(Path, OrdersDepthFirst) {
  std::vector<Path> v = {Path(4),    Path(3, 0, 1), Path(3),          Path(),
                         Path(3, 0), Path(3, 1),    Path(3, 0, 1, 0), Path(10)};
  std::sort(v.begin(), v.end());
  const std::vector<Path> want = {Path(),           Path(3),    Path(3, 0), Path(3, 0, 1),
                                  Path(3, 0, 1, 0), Path(3, 1), Path(4),    Path(10)};
  EXPECT_EQ(v, want);
  EXPECT_NE(Path(3, 0), Path(3));
  EXPECT_LT(Path(3, 0), Path(3, 0, 0));
}

}  // namespace
}  // namespace drover::lwm2m
