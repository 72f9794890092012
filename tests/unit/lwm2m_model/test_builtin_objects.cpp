#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/ddf.hpp"
#include "unit/lwm2m_model/registry_dir.hpp"

namespace drover::lwm2m {
namespace {

TEST(BuiltinObjects, CoreAndIpsoObjectsPresent) {
  ObjectRegistry registry;
  add_builtin_objects(registry);
  for (int id : {0, 1, 2, 3, 4, 5, 6, 7, 21, 3303, 3304, 3311, 3313, 3342}) {
    EXPECT_NE(registry.newest(static_cast<std::uint16_t>(id)), nullptr) << id;
  }
  EXPECT_EQ(registry.size(), builtin_objects().size());
  // LwM2M 1.1 and 1.2 clients announce different versions of the core objects.
  for (std::uint16_t id : {std::uint16_t{0}, std::uint16_t{1}, std::uint16_t{3}}) {
    EXPECT_NE(registry.find(id, {1, 1}), nullptr) << id;
    EXPECT_NE(registry.find(id, {1, 2}), nullptr) << id;
  }
  EXPECT_EQ(registry.newest(21)->version, (Version{2, 0}));
}

TEST(BuiltinObjects, TablesAreWellFormed) {
  std::set<std::pair<std::uint16_t, Version>> keys;
  for (const auto& def : builtin_objects()) {
    const std::string where = std::to_string(def.id) + " v" + def.version.to_string();
    EXPECT_TRUE(keys.insert({def.id, def.version}).second) << where << " twice";
    EXPECT_FALSE(def.name.empty()) << where;
    EXPECT_TRUE(def.urn.starts_with("urn:oma:lwm2m:")) << where;
    ASSERT_FALSE(def.resources.empty()) << where;
    for (std::size_t i = 0; i < def.resources.size(); ++i) {
      const auto& r = def.resources[i];
      if (i > 0) {
        EXPECT_LT(def.resources[i - 1].id, r.id) << where << " not sorted/unique";
      }
      EXPECT_FALSE(r.name.empty()) << where << "/" << r.id;
      // Execute resources carry no value; every other resource has a type.
      EXPECT_EQ(r.operations == Operations::E, r.type == DataType::None) << where << "/" << r.id;
    }
  }
}

TEST(BuiltinObjects, SpotChecks) {
  ObjectRegistry registry;
  add_builtin_objects(registry);
  const ResourceDef* binding = registry.find(1, {1, 1})->resource(7);
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ(binding->name, "Binding");
  EXPECT_EQ(binding->operations, Operations::RW);
  EXPECT_EQ(binding->type, DataType::String);
  EXPECT_TRUE(binding->mandatory);
  const ResourceDef* reboot = registry.newest(3)->resource(4);
  ASSERT_NE(reboot, nullptr);
  EXPECT_EQ(reboot->name, "Reboot");
  EXPECT_EQ(reboot->operations, Operations::E);
  EXPECT_EQ(registry.lookup(3303, 5700)->type, DataType::Float);
  EXPECT_EQ(registry.lookup(3, 6)->multiple, true);  // Available Power Sources
  EXPECT_EQ(registry.lookup(3342, 5500)->type, DataType::Boolean);
  EXPECT_FALSE(registry.newest(3)->multiple);
  EXPECT_TRUE(registry.newest(0)->multiple);
}

std::string squeeze(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

// The built-in tables must say what the registry's files say (descriptions aside).
TEST(BuiltinObjects, MatchRegistryFiles) {
  const auto dir = testing::registry_dir();
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no OMA registry at " << dir;
  for (const auto& def : builtin_objects()) {
    const auto file = dir / (std::to_string(def.id) + "-" + std::to_string(def.version.major) +
                             "_" + std::to_string(def.version.minor) + ".xml");
    const DdfResult loaded = load_ddf_file(file);
    ASSERT_TRUE(loaded.ok()) << loaded.error;
    ASSERT_EQ(loaded.objects.size(), 1u);
    const ObjectDef& want = loaded.objects[0];
    EXPECT_TRUE(same_model(def, want)) << file;
    EXPECT_EQ(def.name, want.name) << file;
    EXPECT_EQ(def.urn, want.urn) << file;
    EXPECT_EQ(def.lwm2m_version, want.lwm2m_version) << file;
    ASSERT_EQ(def.resources.size(), want.resources.size()) << file;
    for (std::size_t i = 0; i < def.resources.size(); ++i) {
      EXPECT_EQ(def.resources[i].name, squeeze(want.resources[i].name))
          << file << " " << def.resources[i].id;
      EXPECT_EQ(def.resources[i].range, squeeze(want.resources[i].range))
          << file << " " << def.resources[i].id;
      EXPECT_EQ(def.resources[i].units, squeeze(want.resources[i].units))
          << file << " " << def.resources[i].id;
    }
  }
}

}  // namespace
}  // namespace drover::lwm2m
