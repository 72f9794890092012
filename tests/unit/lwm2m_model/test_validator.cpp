#include <gtest/gtest.h>

#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/validator.hpp"

namespace drover::lwm2m {
namespace {

Record rec(std::string_view path, Value value = {}) {
  return Record{*Path::parse(path), std::move(value), {}};
}

class ValidatorTest : public ::testing::Test {
 protected:
  ValidatorTest() { add_builtin_objects(registry_); }

  std::vector<std::string> problems(const std::vector<Record>& records,
                                    ValidationOptions options = {}) const {
    std::vector<std::string> out;
    for (const auto& p : Validator(registry_).check(records, options)) out.push_back(p.to_string());
    return out;
  }

  ObjectRegistry registry_;
};

using Strings = std::vector<std::string>;

TEST_F(ValidatorTest, AcceptsWellFormedData) {
  const std::vector<Record> records = {
      rec("/3/0/0", "Acme"),
      rec("/3/0/6/0", std::int64_t{1}),
      rec("/3/0/6/1", std::int64_t{5}),
      rec("/3/0/13", Time{1700000000}),
      rec("/3303/0/5700", 21.5),
      rec("/1/0/7", "U"),
      rec("/3/0/4"),  // a path without value (Execute target, Read-Composite path)
  };
  EXPECT_EQ(problems(records), Strings{});
}

TEST_F(ValidatorTest, UnknownObjectsAndResources) {
  EXPECT_EQ(problems({rec("/40000/0/1", "x"), rec("/40000/0/2", "y"), rec("/3/0/999", "z")}),
            (Strings{"/3/0/999: resource 999 is not defined in object 3 (Device) version 1.2",
                     "/40000: unknown object 40000"}));
}

TEST_F(ValidatorTest, TypeMismatches) {
  EXPECT_EQ(problems({rec("/3/0/0", std::int64_t{7}), rec("/3303/0/5700", std::int64_t{21}),
                      rec("/3/0/4", "now")}),
            (Strings{"/3/0/0: resource 0 (Manufacturer) is String, given Integer 7",
                     "/3/0/4: resource 4 (Reboot) holds no value (operations \"E\"), given \"now\"",
                     "/3303/0/5700: resource 5700 (Sensor Value) is Float, given Integer 21"}));
}

TEST_F(ValidatorTest, ShapeMismatches) {
  EXPECT_EQ(
      problems({rec("/3/0/0/0", "Acme"), rec("/3/0/0/1", "Acme"), rec("/3/0/6", std::int64_t{1})}),
      (Strings{"/3/0/0: resource 0 (Manufacturer) is single, given resource instances",
               "/3/0/6: resource 6 (Available Power Sources) is multiple, given a single value"}));
}

TEST_F(ValidatorTest, ReservedIdsAndMisplacedValues) {
  EXPECT_EQ(
      problems({Record{Path(3, 65535, 0), "x", {}}, rec("/3/0", "x"), rec("/3", std::int64_t{1})}),
      (Strings{"/3: a value belongs to a resource path", "/3/0: a value belongs to a resource path",
               "/3/65535/0: ID 65535 is reserved"}));
}

TEST_F(ValidatorTest, ValuesOutsideTheirRange) {
  // Battery Level 0..100, Available Power Sources 0..7 per instance, Fractional Timestamp 0..1,
  // the Security object's Server URI at most 255 bytes (1.1: "0..255 bytes").
  registry_.choose(0, {1, 1});
  const std::vector<Record> inside = {
      rec("/3/0/9", std::int64_t{100}),     rec("/3/0/6/0", std::int64_t{0}),
      rec("/3/0/6/1", std::int64_t{7}),     rec("/3303/0/6050", 0.25),
      rec("/0/0/0", std::string(255, 'u')), rec("/0/0/10", std::int64_t{65534}),
  };
  EXPECT_EQ(problems(inside), Strings{});
  EXPECT_EQ(
      problems({rec("/3/0/9", std::int64_t{101}), rec("/3/0/6/0", std::int64_t{1}),
                rec("/3/0/6/1", std::int64_t{-1}), rec("/3303/0/6050", 1.5),
                rec("/0/0/0", std::string(256, 'u')), rec("/0/0/10", std::int64_t{0})}),
      (Strings{"/0/0/0: resource 0 (LWM2M Server URI) is outside its range \"0..255 bytes\", "
               "given 256 bytes",
               "/0/0/10: resource 10 (Short Server ID) is outside its range \"1..65534\", "
               "given 0",
               "/3/0/6/1: resource 6 (Available Power Sources) is outside its range \"0..7\", "
               "given -1",
               "/3/0/9: resource 9 (Battery Level) is outside its range \"0..100\", given 101",
               "/3303/0/6050: resource 6050 (Fractional Timestamp) is outside its range "
               "\"0..1\", given 1.5"}));
  const auto found = Validator(registry_).check(std::vector{rec("/3/0/9", std::int64_t{-5})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, Problem::Kind::OutOfRange);
  EXPECT_EQ(found[0].path, Path(3, 0, 9));
}

TEST_F(ValidatorTest, RangesOfUnreadFormsAreNotChecked) {
  // The Security object's SMS Binding Key Parameters have the range "6" (exactly six bytes, or
  // at most six?): not guessed, so any length passes. A value of another type is a type
  // mismatch, not a range problem.
  registry_.choose(0, {1, 1});
  EXPECT_EQ(problems({rec("/0/0/7", Opaque(9))}), Strings{});
  EXPECT_EQ(problems({rec("/3/0/9", "full")}),
            Strings{"/3/0/9: resource 9 (Battery Level) is Integer, given String \"full\""});
}

TEST_F(ValidatorTest, SingleInstanceObject) {
  EXPECT_EQ(problems({rec("/3/0/0", "a"), rec("/3/1/0", "b"), rec("/1/0/1", std::int64_t{1}),
                      rec("/1/1/1", std::int64_t{1})}),
            (Strings{"/3: object 3 (Device) version 1.2 is single-instance, given 2 instances"}));
}

TEST_F(ValidatorTest, WritabilityOnRequest) {
  const std::vector<Record> write = {rec("/3/0/0", "Acme"), rec("/3/0/13", Time{1}),
                                     rec("/1/0/1", std::int64_t{60})};
  EXPECT_EQ(problems(write), Strings{});
  EXPECT_EQ(problems(write, {.require_writable = true}),
            (Strings{"/3/0/0: resource 0 (Manufacturer) is not writable (operations \"R\")"}));
}

TEST_F(ValidatorTest, MandatoryResourcesForCreate) {
  // Server object 1.1: mandatory 0 Short Server ID (R), 1 Lifetime, 6 Notification Storing,
  // 7 Binding (RW) and 8 Registration Update Trigger (E, never expected in a payload).
  registry_.choose(1, {1, 1});
  const std::vector<Record> create = {rec("/1/3/1", std::int64_t{60}), rec("/1/3/7", "U")};
  EXPECT_EQ(problems(create), Strings{});
  EXPECT_EQ(problems(create, {.require_mandatory = true}),
            (Strings{"/1/3/0: mandatory resource 0 (Short Server ID) is missing",
                     "/1/3/6: mandatory resource 6 (Notification Storing When Disabled or Offline) "
                     "is missing"}));
  EXPECT_EQ(problems(create, {.require_writable = true, .require_mandatory = true}),
            (Strings{"/1/3/6: mandatory resource 6 (Notification Storing When Disabled or Offline) "
                     "is missing"}));
}

TEST_F(ValidatorTest, ChecksTrees) {
  ValueTree tree;
  tree.objects[3].instances[0].resources[0] = ResourceNode{false, std::int64_t{1}, {}};
  tree.objects[3].instances[0].resources[6] = ResourceNode{true, {}, {{0, "battery"}}};
  tree.objects[3].instances[0].resources[7] =
      ResourceNode{false, {}, {}};  // no value: shape unknown
  tree.objects[3].instances[0].resources[1] = ResourceNode{true, {}, {}};
  tree.objects[40000].instances[0] = {};
  std::vector<std::string> got;
  for (const auto& p : Validator(registry_).check(tree)) got.push_back(p.to_string());
  EXPECT_EQ(
      got,
      (Strings{
          "/3/0/0: resource 0 (Manufacturer) is String, given Integer 1",
          "/3/0/1: resource 1 (Model Number) is single, given resource instances",
          "/3/0/6/0: resource 6 (Available Power Sources) is Integer, given String \"battery\"",
          "/40000: unknown object 40000"}));
}

TEST_F(ValidatorTest, ProblemKinds) {
  const auto found = Validator(registry_).check(std::vector{rec("/3/0/6", std::int64_t{1})});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, Problem::Kind::NotSingle);
  EXPECT_EQ(found[0].path, Path(3, 0, 6));
}

}  // namespace
}  // namespace drover::lwm2m
