#include <gtest/gtest.h>

#include "drover/lwm2m/model/builtin_objects.hpp"
#include "drover/lwm2m/model/tree.hpp"

namespace drover::lwm2m {
namespace {

Record rec(std::string_view path, Value value = {}) {
  return Record{*Path::parse(path), std::move(value), {}};
}

TEST(ValueTree, BuildsFromRecords) {
  const std::vector<Record> records = {
      rec("/3/0/0", "Acme"),
      rec("/3/0/6/0", std::int64_t{1}),
      rec("/3/0/6/1", std::int64_t{5}),
      rec("/1/0/1", std::int64_t{300}),
      rec("/1/1"),  // empty instance
      rec("/5"),    // object without instances
  };
  ValueTree tree;
  ASSERT_EQ(records_to_tree(records, tree), std::nullopt);
  ASSERT_EQ(tree.objects.size(), 3u);
  const ResourceNode& manufacturer = tree.objects.at(3).instances.at(0).resources.at(0);
  EXPECT_FALSE(manufacturer.multiple);
  EXPECT_EQ(manufacturer.value, Value("Acme"));
  const ResourceNode& sources = tree.objects.at(3).instances.at(0).resources.at(6);
  EXPECT_TRUE(sources.multiple);
  ASSERT_EQ(sources.instances.size(), 2u);
  EXPECT_EQ(sources.instances.at(1), Value(std::int64_t{5}));
  EXPECT_TRUE(tree.objects.at(1).instances.at(1).resources.empty());
  EXPECT_TRUE(tree.objects.at(5).instances.empty());
}

TEST(ValueTree, RoundTripsInPathOrder) {
  const std::vector<Record> records = {
      rec("/5"),   rec("/3/0/6/1", std::int64_t{5}), rec("/3/0/0", "Acme"),
      rec("/1/1"), rec("/3/0/6/0", std::int64_t{1}), rec("/1/0/1", std::int64_t{300}),
  };
  ValueTree tree;
  ASSERT_EQ(records_to_tree(records, tree), std::nullopt);
  std::vector<Record> sorted = records;
  std::sort(sorted.begin(), sorted.end(),
            [](const Record& a, const Record& b) { return a.path < b.path; });
  EXPECT_EQ(tree_to_records(tree), sorted);
  ValueTree again;
  ASSERT_EQ(records_to_tree(tree_to_records(tree), again), std::nullopt);
  EXPECT_EQ(again, tree);
}

TEST(ValueTree, DropsTimestamps) {
  ValueTree tree;
  ASSERT_EQ(records_to_tree(std::vector{Record{Path(3303, 0, 5700), 21.5, 1700000000.0}}, tree),
            std::nullopt);
  EXPECT_EQ(tree_to_records(tree), (std::vector{Record{Path(3303, 0, 5700), 21.5, std::nullopt}}));
}

TEST(ValueTree, EmptyMultipleResourceNeedsResolver) {
  ObjectRegistry registry;
  add_builtin_objects(registry);
  const std::vector<Record> records = {rec("/3/0/6"), rec("/3/0/1")};
  ValueTree with_types;
  ASSERT_EQ(records_to_tree(records, with_types, &registry), std::nullopt);
  EXPECT_TRUE(with_types.objects[3].instances[0].resources[6].multiple);
  EXPECT_FALSE(with_types.objects[3].instances[0].resources[1].multiple);
  EXPECT_EQ(tree_to_records(with_types), (std::vector{rec("/3/0/1"), rec("/3/0/6")}));
  ValueTree without;
  ASSERT_EQ(records_to_tree(records, without), std::nullopt);
  EXPECT_FALSE(without.objects[3].instances[0].resources[6].multiple);
}

TEST(ValueTree, PathWithoutValueThenValues) {
  // Named first without a value, then given instances: the resource becomes multiple.
  ValueTree tree;
  ASSERT_EQ(
      records_to_tree(std::vector{rec("/3/0/6"), rec("/3/0/6/0", std::int64_t{1}), rec("/3/0/6/0")},
                      tree),
      std::nullopt);
  EXPECT_TRUE(tree.objects[3].instances[0].resources[6].multiple);
  EXPECT_EQ(tree.objects[3].instances[0].resources[6].instances.at(0), Value(std::int64_t{1}));
}

void expect_error(const std::vector<Record>& records, std::string_view want,
                  const TypeResolver* types = nullptr) {
  ValueTree tree;
  const auto err = records_to_tree(records, tree, types);
  ASSERT_TRUE(err.has_value()) << want;
  EXPECT_EQ(err->to_string(), want);
}

TEST(ValueTree, RefusesInconsistentRecords) {
  expect_error({rec("/3/0", "x")}, "/3/0: a value belongs to a resource or resource instance path");
  expect_error({rec("/", std::int64_t{1})},
               "/: a value belongs to a resource or resource instance path");
  expect_error({rec("/3/0/1", "a"), rec("/3/0/1", "b")}, "/3/0/1: given more than one value");
  expect_error({rec("/3/0/6/0", std::int64_t{1}), rec("/3/0/6/0", std::int64_t{2})},
               "/3/0/6/0: given more than one value");
  expect_error({rec("/3/0/6/0", std::int64_t{1}), rec("/3/0/6", std::int64_t{2})},
               "/3/0/6: the resource is given both a single value and instances");
  expect_error({rec("/3/0/6", std::int64_t{2}), rec("/3/0/6/0", std::int64_t{1})},
               "/3/0/6/0: the resource is given both a single value and instances");
  ObjectRegistry registry;
  add_builtin_objects(registry);
  expect_error({rec("/3/0/6", std::int64_t{2})},
               "/3/0/6: the resource is multiple, given a single value", &registry);
  expect_error({rec("/3/0/0/0", "Acme")}, "/3/0/0/0: the resource is single, given an instance",
               &registry);
}

}  // namespace
}  // namespace drover::lwm2m
