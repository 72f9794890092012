#include <gtest/gtest.h>

#include "drover/lwm2m/model/registry.hpp"

namespace drover::lwm2m {
namespace {

ObjectDef object(std::uint16_t id, Version version, std::vector<ResourceDef> resources) {
  ObjectDef def;
  def.id = id;
  def.name = "Test " + std::to_string(id);
  def.version = version;
  def.resources = std::move(resources);
  return def;
}

ResourceDef resource(std::uint16_t id, DataType type, bool multiple = false) {
  ResourceDef r;
  r.id = id;
  r.name = "R" + std::to_string(id);
  r.operations = Operations::RW;
  r.type = type;
  r.multiple = multiple;
  return r;
}

TEST(Version, ParsesAndOrders) {
  EXPECT_EQ(Version::parse("1.1"), (Version{1, 1}));
  EXPECT_EQ(Version::parse("2"), (Version{2, 0}));
  EXPECT_EQ(Version::parse("1.10"), (Version{1, 10}));
  for (const char* bad : {"", ".", "1.", ".1", "v1", "1.1.1", "-1.0", "1.x", " 1.0", "70000.0"}) {
    EXPECT_FALSE(Version::parse(bad).has_value()) << bad;
  }
  EXPECT_LT((Version{1, 9}), (Version{1, 10}));
  EXPECT_LT((Version{1, 10}), (Version{2, 0}));
  EXPECT_EQ((Version{1, 2}).to_string(), "1.2");
}

TEST(Operations, Names) {
  EXPECT_EQ(operations_from_string("RW"), Operations::RW);
  EXPECT_EQ(operations_from_string("rw"), Operations::RW);
  EXPECT_EQ(operations_from_string(""), Operations::None);
  EXPECT_FALSE(operations_from_string("RE").has_value());
  EXPECT_EQ(to_string(Operations::E), "E");
  EXPECT_TRUE(is_writable(Operations::W));
  EXPECT_FALSE(is_writable(Operations::R));
  EXPECT_TRUE(is_readable(Operations::RW));
  EXPECT_FALSE(is_readable(Operations::E));
}

TEST(ObjectRegistry, KeepsVersionsSideBySide) {
  ObjectRegistry reg;
  EXPECT_EQ(reg.add(object(9, {1, 0}, {resource(1, DataType::Integer)})),
            ObjectRegistry::AddResult::Added);
  EXPECT_EQ(reg.add(object(9, {1, 10}, {resource(1, DataType::Float)})),
            ObjectRegistry::AddResult::Added);
  EXPECT_EQ(reg.add(object(9, {1, 2}, {resource(1, DataType::String)})),
            ObjectRegistry::AddResult::Added);
  EXPECT_EQ(reg.add(object(10, {1, 0}, {})), ObjectRegistry::AddResult::Added);
  EXPECT_EQ(reg.size(), 4u);
  EXPECT_EQ(reg.newest(9)->version, (Version{1, 10}));
  EXPECT_EQ(reg.find(9, {1, 2})->resource(1)->type, DataType::String);
  EXPECT_EQ(reg.find(9, {1, 1}), nullptr);
  EXPECT_EQ(reg.newest(8), nullptr);
  EXPECT_EQ(reg.newest(11), nullptr);
  EXPECT_EQ(reg.newest(65535), nullptr);
  ASSERT_EQ(reg.versions(9).size(), 3u);
  EXPECT_EQ(reg.versions(9)[1]->version, (Version{1, 2}));
  EXPECT_EQ(reg.all().back()->id, 10);
}

TEST(ObjectRegistry, LookupFollowsChosenVersion) {
  ObjectRegistry reg;
  reg.add(object(9, {1, 0}, {resource(1, DataType::Integer), resource(2, DataType::String, true)}));
  reg.add(object(9, {1, 1}, {resource(1, DataType::Float)}));
  EXPECT_EQ(reg.lookup(9, 1)->type, DataType::Float);  // newest by default
  EXPECT_FALSE(reg.lookup(9, 2).has_value());
  EXPECT_FALSE(reg.choose(9, {2, 0}));
  EXPECT_TRUE(reg.choose(9, {1, 0}));
  EXPECT_EQ(reg.active(9)->version, (Version{1, 0}));
  EXPECT_EQ(reg.lookup(9, 1)->type, DataType::Integer);
  EXPECT_TRUE(reg.lookup(9, 2)->multiple);
  EXPECT_FALSE(reg.lookup(8, 1).has_value());
}

TEST(ObjectRegistry, EquivalentConflictingAndInvalidDefinitions) {
  ObjectRegistry reg;
  ObjectDef def =
      object(9, {1, 0}, {resource(2, DataType::Integer), resource(1, DataType::String)});
  EXPECT_EQ(reg.add(def), ObjectRegistry::AddResult::Added);
  EXPECT_EQ(reg.find(9, {1, 0})->resources.front().id, 1);  // sorted on the way in
  ObjectDef renamed = def;
  renamed.name = "Other spelling";
  renamed.resources[0].description = "prose";
  EXPECT_EQ(reg.add(renamed), ObjectRegistry::AddResult::Equivalent);
  ObjectDef retyped = def;
  retyped.resources[0].type = DataType::Float;
  EXPECT_EQ(reg.add(retyped), ObjectRegistry::AddResult::Conflict);
  EXPECT_EQ(reg.find(9, {1, 0})->name, "Test 9");  // the first one stays
  EXPECT_EQ(
      reg.add(object(7, {1, 0}, {resource(1, DataType::String), resource(1, DataType::Integer)})),
      ObjectRegistry::AddResult::Invalid);
  EXPECT_EQ(reg.add(object(65535, {1, 0}, {})), ObjectRegistry::AddResult::Invalid);
  EXPECT_EQ(reg.add(object(7, {1, 0}, {resource(65535, DataType::String)})),
            ObjectRegistry::AddResult::Invalid);
  EXPECT_EQ(reg.size(), 1u);
}

}  // namespace
}  // namespace drover::lwm2m
