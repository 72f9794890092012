#include <gtest/gtest.h>

#include <string>

#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::lwm2m {
namespace {

std::vector<Link> parse_ok(std::string_view text, const LinkFormatLimits& limits = {}) {
  std::vector<Link> links;
  const auto error = parse_link_format(text, links, limits);
  EXPECT_FALSE(error) << text << ": " << error->message << " at " << error->offset;
  return links;
}

// Offset of the parse error, or SIZE_MAX when the text parsed.
std::size_t error_offset(std::string_view text, const LinkFormatLimits& limits = {}) {
  std::vector<Link> links{Link("/kept")};
  const auto error = parse_link_format(text, links, limits);
  EXPECT_EQ(links.size(), 1u) << "a failed parse must leave the output as it was";
  return error ? error->offset : std::string::npos;
}

std::string serialize_ok(const std::vector<Link>& links) {
  std::string out;
  const auto error = serialize_link_format(links, out);
  EXPECT_FALSE(error) << error->message;
  return out;
}

LinkAttribute attr(std::string name, std::optional<std::string> value = std::nullopt) {
  return LinkAttribute{std::move(name), std::move(value)};
}

TEST(LinkFormat, ParsesRegistrationPayload) {
  const auto links =
      parse_ok(R"(</>;rt="oma.lwm2m";ct="60 110 112 11542",</1>;ver=1.1,</1/0>,</3/0>)");
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0].target, "/");
  EXPECT_EQ(links[0].attributes,
            (std::vector{attr("rt", "oma.lwm2m"), attr("ct", "60 110 112 11542")}));
  EXPECT_EQ(links[0].content_formats(), (std::vector<std::uint16_t>{60, 110, 112, 11542}));
  EXPECT_EQ(links[1].target, "/1");
  EXPECT_EQ(links[1].ver(), "1.1");
  EXPECT_EQ(links[1].path(), Path(1));
  EXPECT_TRUE(links[2].attributes.empty());
  EXPECT_EQ(links[2].path(), Path(1, 0));
  EXPECT_EQ(links[3].path(), Path(3, 0));
}

TEST(LinkFormat, ParsesDiscoverAnswer) {
  const auto links = parse_ok(
      "</3/0>;pmin=10;pmax=60,</3/0/1>,</3/0/"
      "7>;dim=3;gt=50;lt=-42.2;st=0.5;epmin=1;epmax=2;hqmax=8;con=1;edge=0");
  ASSERT_EQ(links.size(), 3u);
  EXPECT_EQ(links[0].pmin(), 10u);
  EXPECT_EQ(links[0].pmax(), 60u);
  EXPECT_FALSE(links[1].pmin());
  const Link& r = links[2];
  EXPECT_EQ(r.dim(), 3);
  EXPECT_EQ(r.gt(), 50.0);
  EXPECT_EQ(r.lt(), -42.2);
  EXPECT_EQ(r.st(), 0.5);
  EXPECT_EQ(r.epmin(), 1u);
  EXPECT_EQ(r.epmax(), 2u);
  EXPECT_EQ(r.hqmax(), 8u);
  EXPECT_EQ(r.con(), true);
  EXPECT_EQ(r.edge(), false);
}

TEST(LinkFormat, ParsesBootstrapDiscoverAttributes) {
  const auto links = parse_ok(
      R"(</>;lwm2m=1.1,</0/0>;ssid=101;uri="coaps://server.example:5684",</1/0>;ssid=101,</3/0>)");
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0].lwm2m(), "1.1");
  EXPECT_EQ(links[1].ssid(), 101);
  EXPECT_EQ(links[1].uri(), "coaps://server.example:5684");
  EXPECT_EQ(parse_ok(R"(</>;lwm2m="1.1")")[0].lwm2m(), "1.1");
}

TEST(LinkFormat, ParsesBareParametersQuotedStringsAndEscapes) {
  const auto links = parse_ok(R"(<x>;obs;title="a \"b\" \\c, d; e";if="";rt=oma.lwm2m)");
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].attributes, (std::vector{attr("obs"), attr("title", R"(a "b" \c, d; e)"),
                                              attr("if", ""), attr("rt", "oma.lwm2m")}));
  EXPECT_TRUE(links[0].has("obs"));
  EXPECT_FALSE(links[0].value("obs"));
  EXPECT_EQ(links[0].rt(), "oma.lwm2m");
}

TEST(LinkFormat, NamesCompareIgnoringCase) {
  const auto links = parse_ok("</3/0/1>;PMin=5;pmin=7");
  EXPECT_EQ(links.at(0).pmin(), 5u);
  EXPECT_EQ(links.at(0).attributes[0].name, "PMin");
}

TEST(LinkFormat, ToleratesWhitespaceAroundSeparators) {
  const auto links = parse_ok(" </1/0> ;ver=1.0 ,\r\n\t</3/0>\n");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].ver(), "1.0");
  EXPECT_EQ(links[1].target, "/3/0");
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("  \n").empty());
}

TEST(LinkFormat, TypedViewsRejectMalformedValues) {
  const auto links = parse_ok(R"(</1>;ct=abc;ssid=65536;dim=-1;pmin=1.5;gt=x;con=2;edge;ver)");
  const Link& l = links.at(0);
  EXPECT_FALSE(l.content_formats());
  EXPECT_FALSE(l.ssid());
  EXPECT_FALSE(l.dim());
  EXPECT_FALSE(l.pmin());
  EXPECT_FALSE(l.gt());
  EXPECT_FALSE(l.con());
  EXPECT_FALSE(l.edge());
  EXPECT_FALSE(l.ver());
  EXPECT_FALSE(l.pmax());
  EXPECT_EQ(parse_ok("</>;ct=110")[0].content_formats(), std::vector<std::uint16_t>{110});
  EXPECT_FALSE(parse_ok(R"(</>;ct="110 70000")")[0].content_formats());
  EXPECT_FALSE(parse_ok(R"(</>;ct=" ")")[0].content_formats());
}

TEST(LinkFormat, PathsBelowAlternateRoot) {
  EXPECT_EQ(Link("/lwm2m/3/0").path("/lwm2m"), Path(3, 0));
  EXPECT_EQ(Link("/lwm2m/3/0").path("/lwm2m/"), Path(3, 0));
  EXPECT_EQ(Link("/lwm2m").path("/lwm2m"), Path());
  EXPECT_FALSE(Link("/lwm2mx/3").path("/lwm2m"));
  EXPECT_FALSE(Link("/3/0").path("/lwm2m"));
  EXPECT_FALSE(Link("/lwm2m/3/0").path());
  EXPECT_FALSE(Link("/3/a").path());
  EXPECT_EQ(Link(Path(3, 0, 7)).target, "/3/0/7");
}

TEST(LinkFormat, ReportsErrorsWithOffsets) {
  EXPECT_EQ(error_offset("</1/0"), 0u);
  EXPECT_EQ(error_offset("</1 0>"), 3u);
  EXPECT_EQ(error_offset("/1/0"), 0u);
  EXPECT_EQ(error_offset("</1>;"), 5u);
  EXPECT_EQ(error_offset("</1>;=3"), 5u);
  EXPECT_EQ(error_offset("</1>;a="), 7u);
  EXPECT_EQ(error_offset("</1>;a=;b"), 7u);
  EXPECT_EQ(error_offset(R"(</1>;a="x)"), 7u);
  EXPECT_EQ(error_offset(R"(</1>;a="x\)"), 7u);
  EXPECT_EQ(error_offset("</1>,,"), 5u);
  EXPECT_EQ(error_offset("</1>,"), 5u);
  EXPECT_EQ(error_offset("</1></2>"), 4u);
  EXPECT_EQ(error_offset("</1>;a=b c"), 9u);
  EXPECT_EQ(error_offset("</1>;a=\"\x01\""), 8u);
  EXPECT_EQ(error_offset("</1>;a=\"\\\x01\""), 9u);
  EXPECT_EQ(error_offset("</1>;a{=1"), 6u);
  EXPECT_EQ(error_offset("<\x80>"), 1u);
}

TEST(LinkFormat, EnforcesLimits) {
  LinkFormatLimits limits;
  limits.max_links = 2;
  limits.max_attributes_per_link = 2;
  limits.max_target_length = 4;
  limits.max_value_length = 3;
  EXPECT_EQ(parse_ok("</1>,</2>", limits).size(), 2u);
  EXPECT_EQ(error_offset("</1>,</2>,</3>", limits), 10u);
  EXPECT_EQ(error_offset("</1>;a;b;c", limits), 9u);
  EXPECT_EQ(error_offset("</1/0/>", limits), 1u);
  EXPECT_EQ(error_offset("</1>;a=abcd", limits), 5u);
  EXPECT_EQ(error_offset(R"(</1>;a="abcd")", limits), 7u);
  EXPECT_EQ(parse_ok(R"(</1>;a="abc";b=xyz)", limits).size(), 1u);
}

TEST(LinkFormat, SerializesRegistrationAndDiscoverPayloads) {
  std::vector<Link> registration;
  registration.emplace_back("/").add("rt", "oma.lwm2m").add("ct", "60 110 112 11542");
  registration.emplace_back(Path(1)).add("ver", "1.1");
  registration.emplace_back(Path(1, 0));
  registration.emplace_back(Path(3, 0));
  EXPECT_EQ(serialize_ok(registration),
            R"(</>;rt="oma.lwm2m";ct="60 110 112 11542",</1>;ver=1.1,</1/0>,</3/0>)");

  std::vector<Link> discover;
  discover.emplace_back(Path(3, 0)).add("pmin", 10);
  discover.emplace_back(Path(3, 0, 1));
  discover.emplace_back(Path(3, 0, 7))
      .add("dim", std::uint16_t{3})
      .add("gt", 42.2)
      .add("lt", -1)
      .add("con");
  EXPECT_EQ(serialize_ok(discover), "</3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=3;gt=42.2;lt=-1;con");
  EXPECT_EQ(serialize_ok({}), "");
}

TEST(LinkFormat, SerializerQuotesAndEscapesWhenNeeded) {
  std::vector<Link> links;
  links.emplace_back("x")
      .add("title", R"(a "b" \c)")
      .add("empty", "")
      .add("uri", "coap://h")
      .add("v", "a,b");
  EXPECT_EQ(serialize_ok(links), R"(<x>;title="a \"b\" \\c";empty="";uri="coap://h";v="a,b")");
  EXPECT_EQ(parse_ok(serialize_ok(links)), links);
}

TEST(LinkFormat, SerializerRejectsWhatLinkFormatCannotCarry) {
  const auto fails = [](const Link& link) {
    std::string out = "kept";
    const std::vector<Link> links{Link("/ok"), link};
    EXPECT_TRUE(serialize_link_format(links, out)) << link.target;
    EXPECT_EQ(out, "kept");
  };
  fails(Link("/a>b"));
  fails(Link("/a b"));
  fails(Link("/1").add("", "x"));
  fails(Link("/1").add("a;b", "x"));
  fails(Link("/1").add("a", "line\nbreak"));
}

TEST(LinkFormat, RoundTripsThroughText) {
  const std::string text =
      R"(</>;rt="oma.lwm2m";ct="60 110",</0/1>;ssid=1;uri="coap://[::1]:5683",</3/0/7>;dim=2;gt=-0.5;obs,<x>;t="\"\\")";
  const auto links = parse_ok(text);
  const std::string again = serialize_ok(links);
  EXPECT_EQ(parse_ok(again), links);
  EXPECT_EQ(again, text);
}

TEST(RegistrationLinks, BuildsRegisterPayload) {
  RegistrationPayload payload;
  payload.content_formats = {60, 110, 112, 11542};
  payload.objects = {{1, "1.1", {0}},
                     {3, std::nullopt, {0}},
                     {5, std::nullopt, {}},
                     {3303, "1.1", {}},
                     {4, std::nullopt, {0, 1}}};
  EXPECT_EQ(
      serialize_ok(registration_links(payload)),
      R"(</>;rt="oma.lwm2m";ct="60 110 112 11542",</1>;ver=1.1,</1/0>,</3/0>,</5>,</3303>;ver=1.1,)"
      R"(</4/0>,</4/1>)");
}

TEST(RegistrationLinks, RootLinkOnlyWhenNeeded) {
  RegistrationPayload payload;
  payload.objects = {{1, std::nullopt, {0}}};
  EXPECT_EQ(serialize_ok(registration_links(payload)), "</1/0>");
  payload.content_formats = {110};
  EXPECT_EQ(serialize_ok(registration_links(payload)), R"(</>;rt="oma.lwm2m";ct=110,</1/0>)");
  payload.content_formats.clear();
  payload.root = "/lwm2m/";
  EXPECT_EQ(serialize_ok(registration_links(payload)), R"(</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>)");
}

RegistrationPayload read_registration(std::string_view text) {
  RegistrationPayload payload;
  const auto links = parse_ok(text);
  const auto error = parse_registration_links(links, payload);
  EXPECT_FALSE(error) << error->message;
  return payload;
}

TEST(RegistrationLinks, ReadsRegisterPayload) {
  const auto payload = read_registration(
      R"(</>;rt="oma.lwm2m";ct="60 110 112 11542",</1>;ver=1.1,</1/0>,</3/0>,</5>)");
  EXPECT_EQ(payload.root, "/");
  EXPECT_EQ(payload.content_formats, (std::vector<std::uint16_t>{60, 110, 112, 11542}));
  const std::vector<RegisteredObject> expected{
      {1, "1.1", {0}}, {3, std::nullopt, {0}}, {5, std::nullopt, {}}};
  EXPECT_EQ(payload.objects, expected);
}

TEST(RegistrationLinks, RoundTrips) {
  RegistrationPayload payload;
  payload.root = "/dm";
  payload.content_formats = {112};
  payload.objects = {{1, "1.2", {0, 3}}, {3, std::nullopt, {0}}, {3303, std::nullopt, {}}};
  std::vector<Link> parsed;
  ASSERT_FALSE(parse_link_format(serialize_ok(registration_links(payload)), parsed));
  RegistrationPayload back;
  ASSERT_FALSE(parse_registration_links(parsed, back));
  EXPECT_EQ(back, payload);
}

TEST(RegistrationLinks, SortsMergesAndIgnoresForeignLinks) {
  const auto payload = read_registration(
      R"(</lwm2m>;rt="oma.lwm2m",</lwm2m/3/1>,</lwm2m/3/0>,</lwm2m/3/0>,</lwm2m/1/0>,</lwm2m/1>;ver=1.1,)"
      R"(</lwm2m/3/0/1>,</other/4/0>,</5/0>,</lwm2m/x>,</lwm2m>)");
  EXPECT_EQ(payload.root, "/lwm2m");
  EXPECT_TRUE(payload.content_formats.empty());
  const std::vector<RegisteredObject> expected{{1, "1.1", {0}}, {3, std::nullopt, {0, 1}}};
  EXPECT_EQ(payload.objects, expected);
  EXPECT_EQ(read_registration("</1/0>,</2/3>").objects,
            (std::vector<RegisteredObject>{{1, std::nullopt, {0}}, {2, std::nullopt, {3}}}));
  EXPECT_EQ(read_registration(R"(</a>;rt="core.rd oma.lwm2m",</a/7/1>)").root, "/a");
}

TEST(RegistrationLinks, RejectsInconsistentRootLinks) {
  RegistrationPayload payload;
  payload.root = "/unchanged";
  const auto two = parse_ok(R"(</a>;rt="oma.lwm2m",</b>;rt="oma.lwm2m")");
  EXPECT_TRUE(parse_registration_links(two, payload));
  const auto bad_ct = parse_ok(R"(</>;rt="oma.lwm2m";ct=json)");
  EXPECT_TRUE(parse_registration_links(bad_ct, payload));
  EXPECT_EQ(payload.root, "/unchanged");
}

}  // namespace
}  // namespace drover::lwm2m
