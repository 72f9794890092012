// Loads the whole OMA registry (../shared/lwm2m-registry beside the checkout).
#include <gtest/gtest.h>

#include <map>

#include "drover/lwm2m/model/ddf.hpp"
#include "drover/lwm2m/model/range.hpp"
#include "unit/lwm2m_model/registry_dir.hpp"

namespace drover::lwm2m {
namespace {

class RegistrySweep : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = testing::registry_dir();
    if (!std::filesystem::is_directory(dir_)) return;
    registry_ = new ObjectRegistry;
    report_ = new DdfDirectoryReport(load_ddf_directory(dir_, *registry_));
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete report_;
    registry_ = nullptr;
    report_ = nullptr;
  }
  void SetUp() override {
    if (registry_ == nullptr) GTEST_SKIP() << "no OMA registry at " << dir_;
  }

  static const ResourceDef& resource(std::uint16_t object, Version version, std::uint16_t id) {
    const ObjectDef* def = registry_->find(object, version);
    if (def == nullptr || def->resource(id) == nullptr) {
      throw std::runtime_error("missing " + std::to_string(object) + "/" + std::to_string(id));
    }
    return *def->resource(id);
  }

  static inline std::filesystem::path dir_;
  static inline ObjectRegistry* registry_ = nullptr;
  static inline DdfDirectoryReport* report_ = nullptr;
};

TEST_F(RegistrySweep, EveryObjectFileLoads) {
  for (const auto& r : report_->rejected) ADD_FAILURE() << r.reason;
  EXPECT_TRUE(report_->error.empty()) << report_->error;
  EXPECT_EQ(report_->loaded.size(), 751u);
  // The folder also holds the two schema files; they are skipped, not loaded.
  ASSERT_EQ(report_->skipped.size(), 2u);
  EXPECT_EQ(report_->skipped[0].file.filename(), "LWM2M-v1_1.xsd");
  EXPECT_EQ(report_->skipped[1].file.filename(), "LWM2M.xsd");
  // "<id>.xml" repeats the newest "<id>-<major>_<minor>.xml": one definition per (ID, version).
  EXPECT_EQ(report_->added, registry_->size());
  EXPECT_EQ(report_->added + report_->equivalent, 751u);
  EXPECT_GT(report_->equivalent, 0u);
}

TEST_F(RegistrySweep, DeviceManufacturer) {
  const ResourceDef& r = resource(3, {1, 0}, 0);
  EXPECT_EQ(r.name, "Manufacturer");
  EXPECT_EQ(r.type, DataType::String);
  EXPECT_EQ(r.operations, Operations::R);
  EXPECT_FALSE(r.multiple);
  EXPECT_FALSE(r.mandatory);
  EXPECT_EQ(resource(3, {1, 2}, 0).name, "Manufacturer");
}

TEST_F(RegistrySweep, SpotChecks) {
  EXPECT_EQ(resource(3303, {1, 1}, 5700).type, DataType::Float);
  EXPECT_EQ(resource(3303, {1, 1}, 5700).name, "Sensor Value");
  EXPECT_EQ(resource(3303, {1, 0}, 5700).type, DataType::Float);
  const ResourceDef& binding = resource(1, {1, 1}, 7);
  EXPECT_EQ(binding.name, "Binding");
  EXPECT_EQ(binding.type, DataType::String);
  EXPECT_EQ(binding.operations, Operations::RW);
  EXPECT_TRUE(binding.mandatory);
  EXPECT_EQ(resource(3, {1, 1}, 4).operations, Operations::E);  // Reboot
  EXPECT_EQ(resource(3, {1, 1}, 4).type, DataType::None);
  EXPECT_TRUE(resource(3, {1, 1}, 6).multiple);                        // Available Power Sources
  EXPECT_EQ(resource(0, {1, 1}, 16).type, DataType::UnsignedInteger);  // DTLS/TLS Ciphersuite
  EXPECT_EQ(resource(0, {1, 1}, 0).operations, Operations::None);      // bootstrap-only
  // Object versions sit side by side; the newest is the default.
  EXPECT_EQ(registry_->versions(4).size(), 4u);
  EXPECT_EQ(registry_->newest(4)->version, (Version{1, 3}));
  EXPECT_EQ(registry_->find(5, {1, 0})->lwm2m_version, (Version{1, 0}));
  EXPECT_EQ(registry_->newest(3)->urn, "urn:oma:lwm2m:oma:3:1.2");
}

// Every <RangeEnumeration> of the registry either parses into a range the validator checks or is
// skipped for a stated reason; the counts pin down which forms are read.
TEST_F(RegistrySweep, EveryRangeParsesOrIsKnowinglySkipped) {
  std::map<RangeSkip, std::size_t> counts;
  std::map<ValueRange::Measure, std::size_t> measures;
  std::size_t resources = 0;
  for (const ObjectDef* def : registry_->all()) {
    for (const ResourceDef& r : def->resources) {
      ++resources;
      const RangeParse result = parse_range(r.range, r.type);
      ++counts[result.skip];
      EXPECT_EQ(result.range.has_value(), result.skip == RangeSkip::None) << r.range;
      if (result.range) {
        ++measures[result.range->measure];
        EXPECT_FALSE(result.range->allowed.empty()) << r.range;
      }
      // What is skipped as prose is prose indeed: no digit-only interval hides in it.
      if (result.skip == RangeSkip::Prose) {
        EXPECT_EQ(r.range.find(".."), std::string::npos)
            << "object " << def->id << " resource " << r.id << ": " << r.range;
      }
    }
  }
  std::size_t given = 0;
  for (const auto& [skip, n] : counts) {
    if (skip != RangeSkip::Empty) given += n;
  }
  // Over the registry's distinct (object, version) definitions:
  EXPECT_EQ(resources, 4506u);
  EXPECT_EQ(given, 875u);  // resources with a range
  EXPECT_EQ(counts[RangeSkip::None], 822u);
  EXPECT_EQ(measures[ValueRange::Measure::Value], 721u);   // numbers: "0..100", "0,1,2", ...
  EXPECT_EQ(measures[ValueRange::Measure::Length], 101u);  // "0..255 bytes", "16,32,48", ...
  EXPECT_EQ(counts[RangeSkip::NotApplicable], 3u);  // a Boolean "0..65535"; "1 bytes" Integers
  EXPECT_EQ(counts[RangeSkip::LoneNumber], 26u);    // "255", "64", "6 bytes"
  EXPECT_EQ(counts[RangeSkip::Reversed], 1u);       // "-30..-120"
  EXPECT_EQ(counts[RangeSkip::Prose], 23u);  // "8 bit", "2 Instances", "[1:4]", "ON;OFF", ...
}

}  // namespace
}  // namespace drover::lwm2m
