#include <gtest/gtest.h>

#include "drover/lwm2m/protocol/attributes.hpp"

namespace drover::lwm2m {
namespace {

coap::Message with_queries(std::string_view queries) {
  coap::Message m;
  m.code = coap::codes::Put;
  m.add_uri_queries(queries);
  return m;
}

std::vector<std::string> queries_of(const coap::Message& m) {
  std::vector<std::string> out;
  m.for_each(coap::options::UriQuery, [&](const coap::OptionView& o) { out.emplace_back(o.as_string()); });
  return out;
}

TEST(Attributes, ParsesEveryAttributeAndRemovals) {
  AttributeUpdate update;
  ASSERT_FALSE(parse_attribute_queries(
      with_queries("pmin=10&pmax=60&gt=50.5&lt=-3&st=0.25&epmin=1&epmax=2&edge=1&con=0&hqmax=5"), update));
  EXPECT_EQ(update.set.get(Attribute::Pmin), 10.0);
  EXPECT_EQ(update.set.get(Attribute::Pmax), 60.0);
  EXPECT_EQ(update.set.get(Attribute::Gt), 50.5);
  EXPECT_EQ(update.set.get(Attribute::Lt), -3.0);
  EXPECT_EQ(update.set.get(Attribute::St), 0.25);
  EXPECT_EQ(update.set.get(Attribute::Edge), 1.0);
  EXPECT_EQ(update.set.get(Attribute::Con), 0.0);
  EXPECT_EQ(update.set.get(Attribute::Hqmax), 5.0);
  EXPECT_TRUE(update.cleared.empty());

  ASSERT_FALSE(parse_attribute_queries(with_queries("pmin&gt"), update));
  EXPECT_TRUE(update.set.empty());
  EXPECT_EQ(update.cleared, (std::vector<Attribute>{Attribute::Pmin, Attribute::Gt}));
}

TEST(Attributes, RejectsBadQueriesNamingThem) {
  AttributeUpdate update;
  for (const auto* q : {"pmim=1", "pmin=-1", "pmin=1.5", "pmin=x", "edge=2", "con=yes", "st=-1",
                        "gt=abc", "pmin=1&pmin=2", "pmax=1&pmax", "pmin="}) {
    const auto error = parse_attribute_queries(with_queries(q), update);
    ASSERT_TRUE(error) << q;
    EXPECT_TRUE(update.set.empty() && update.cleared.empty()) << q;
  }
  EXPECT_EQ(*parse_attribute_queries(with_queries("pmim=1"), update), "unknown attribute \"pmim\"");
  EXPECT_NE(parse_attribute_queries(with_queries("edge=2"), update)->find("0 or 1"), std::string::npos);
}

TEST(Attributes, QueriesRoundTrip) {
  AttributeUpdate update;
  update.set.set(Attribute::Pmin, 5);
  update.set.set(Attribute::Gt, 20.5);
  update.set.set(Attribute::Lt, -0.125);
  update.cleared = {Attribute::Pmax};
  coap::Message m;
  add_attribute_queries(update, m);
  EXPECT_EQ(queries_of(m), (std::vector<std::string>{"pmin=5", "gt=20.5", "lt=-0.125", "pmax"}));
  AttributeUpdate back;
  ASSERT_FALSE(parse_attribute_queries(m, back));
  EXPECT_EQ(back, update);
}

TEST(Attributes, ApplyAndInheritance) {
  AttributeSet object_level;
  object_level.set(Attribute::Pmin, 10);
  object_level.set(Attribute::Pmax, 60);
  AttributeSet resource_level;
  resource_level.set(Attribute::Pmax, 30);
  resource_level.set(Attribute::Gt, 5);
  const auto effective = resource_level.inherit(object_level);
  EXPECT_EQ(effective.get(Attribute::Pmin), 10.0);
  EXPECT_EQ(effective.get(Attribute::Pmax), 30.0);
  EXPECT_EQ(effective.get(Attribute::Gt), 5.0);
  EXPECT_FALSE(effective.has(Attribute::Lt));

  AttributeUpdate update;
  update.set.set(Attribute::Lt, 1);
  update.cleared = {Attribute::Gt, Attribute::Pmax};
  update.apply_to(resource_level);
  EXPECT_FALSE(resource_level.has(Attribute::Gt));
  EXPECT_FALSE(resource_level.has(Attribute::Pmax));
  EXPECT_EQ(resource_level.get(Attribute::Lt), 1.0);
}

TEST(Attributes, ConsistencyRules) {
  AttributeSet s;
  EXPECT_FALSE(check_attributes(s));
  s.set(Attribute::Pmin, 60);
  s.set(Attribute::Pmax, 10);
  EXPECT_EQ(*check_attributes(s), "pmin must not exceed pmax");
  s.set(Attribute::Pmax, 60);
  EXPECT_FALSE(check_attributes(s));
  s.set(Attribute::Epmin, 5);
  s.set(Attribute::Epmax, 4);
  EXPECT_TRUE(check_attributes(s));
  s.clear(Attribute::Epmax);
  s.set(Attribute::Gt, 10);
  s.set(Attribute::Lt, 10);
  EXPECT_TRUE(check_attributes(s));
  s.set(Attribute::Lt, 5);
  EXPECT_FALSE(check_attributes(s));
  s.set(Attribute::St, 2.5);  // 5 + 2 * 2.5 == 10: not less
  EXPECT_TRUE(check_attributes(s));
  s.set(Attribute::St, 2);
  EXPECT_FALSE(check_attributes(s));
}

TEST(Attributes, DiscoverLinkParameters) {
  AttributeSet s;
  s.set(Attribute::Pmin, 10);
  s.set(Attribute::Gt, 20.5);
  Link link(Path(3303, 0, 5700));
  s.add_to(link);
  std::string text;
  const Link links[] = {link};
  ASSERT_FALSE(serialize_link_format(links, text));
  EXPECT_EQ(text, "</3303/0/5700>;pmin=10;gt=20.5");
}

}  // namespace
}  // namespace drover::lwm2m
