#include <gtest/gtest.h>

#include <string>

#include "drover/lwm2m/model/ddf.hpp"
#include "support/temp_dir.hpp"

namespace drover::lwm2m {
namespace {

// LWM2M.xsd 1.0 style: no ObjectVersion / LWM2MVersion elements.
constexpr std::string_view schema_1_0 = R"(<?xml version="1.0" encoding="utf-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="LWM2M.xsd">
  <Object ObjectType="MODefinition">
    <Name>Widget</Name>
    <Description1>A test object.</Description1>
    <ObjectID>40000</ObjectID>
    <ObjectURN>urn:oma:lwm2m:x:40000</ObjectURN>
    <MultipleInstances>Multiple</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>
      <Item ID="2">
        <Name>Reset</Name><Operations>E</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type></Type><RangeEnumeration></RangeEnumeration><Units></Units>
        <Description>Resets it.</Description>
      </Item>
      <Item ID="0">
        <Name>Level</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory><Type>Integer</Type><RangeEnumeration>0..100</RangeEnumeration>
        <Units>%</Units><Description><![CDATA[Level <in> percent]]></Description>
      </Item>
      <Item ID="1">
        <Name> Tags </Name><Operations>R</Operations><MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>String</Type><RangeEnumeration/><Units/><Description/>
      </Item>
    </Resources>
    <Description2></Description2>
  </Object>
</LWM2M>)";

// LWM2M-v1_1.xsd style: versions present, the 1.1 types, a UTF-8 byte order mark.
constexpr std::string_view schema_1_1 =
    "\xEF\xBB\xBF"
    R"(<?xml version="1.0" encoding="UTF-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">
  <Object ObjectType="MODefinition">
    <Name>Gadget</Name><Description1>x</Description1><ObjectID>40001</ObjectID>
    <ObjectURN>urn:oma:lwm2m:x:40001:1.2</ObjectURN><LWM2MVersion>1.1</LWM2MVersion>
    <ObjectVersion>1.2</ObjectVersion><MultipleInstances>Single</MultipleInstances>
    <Mandatory>Mandatory</Mandatory>
    <Resources>
      <Item ID="7"><Name>Count</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory><Type>Unsigned Integer</Type><RangeEnumeration/><Units/><Description/></Item>
      <Item ID="8"><Name>Links</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>Corelnk</Type><RangeEnumeration/><Units/><Description/></Item>
      <Item ID="9"><Name>Peer</Name><Operations>W</Operations><MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type>Objlnk</Type><RangeEnumeration/><Units/><Description/></Item>
    </Resources>
    <Description2/>
  </Object>
</LWM2M>)";

std::string replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

// Expects parsing to fail with a message that contains every one of `parts`.
void expect_error(std::string_view xml, std::initializer_list<std::string_view> parts,
                  const DdfLimits& limits = {}) {
  const DdfResult r = parse_ddf(xml, "test.xml", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.objects.empty());
  EXPECT_TRUE(r.error.starts_with("test.xml: ")) << r.error;
  for (auto part : parts)
    EXPECT_NE(r.error.find(part), std::string::npos) << r.error << " lacks " << part;
}

TEST(DdfLoader, ParsesSchema10) {
  const DdfResult r = parse_ddf(schema_1_0);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.objects.size(), 1u);
  const ObjectDef& o = r.objects[0];
  EXPECT_EQ(o.id, 40000);
  EXPECT_EQ(o.name, "Widget");
  EXPECT_EQ(o.version, (Version{1, 0}));
  EXPECT_EQ(o.lwm2m_version, (Version{1, 0}));
  EXPECT_EQ(o.urn, "urn:oma:lwm2m:x:40000");
  EXPECT_TRUE(o.multiple);
  EXPECT_FALSE(o.mandatory);
  EXPECT_EQ(o.description, "A test object.");
  ASSERT_EQ(o.resources.size(), 3u);
  EXPECT_EQ(o.resources[0].id, 0);  // sorted by ID
  const ResourceDef& level = *o.resource(0);
  EXPECT_EQ(level.name, "Level");
  EXPECT_EQ(level.operations, Operations::RW);
  EXPECT_TRUE(level.mandatory);
  EXPECT_FALSE(level.multiple);
  EXPECT_EQ(level.type, DataType::Integer);
  EXPECT_EQ(level.range, "0..100");
  EXPECT_EQ(level.units, "%");
  EXPECT_EQ(level.description, "Level <in> percent");
  EXPECT_EQ(o.resource(1)->name, "Tags");
  EXPECT_TRUE(o.resource(1)->multiple);
  EXPECT_EQ(o.resource(2)->operations, Operations::E);
  EXPECT_EQ(o.resource(2)->type, DataType::None);
  EXPECT_EQ(o.resource(3), nullptr);
}

TEST(DdfLoader, ParsesSchema11) {
  const DdfResult r = parse_ddf(schema_1_1);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.objects.size(), 1u);
  const ObjectDef& o = r.objects[0];
  EXPECT_EQ(o.version, (Version{1, 2}));
  EXPECT_EQ(o.lwm2m_version, (Version{1, 1}));
  EXPECT_FALSE(o.multiple);
  EXPECT_TRUE(o.mandatory);
  EXPECT_EQ(o.resource(7)->type, DataType::UnsignedInteger);
  EXPECT_EQ(o.resource(8)->type, DataType::Corelnk);
  EXPECT_EQ(o.resource(9)->type, DataType::Objlnk);
  EXPECT_EQ(o.resource(9)->operations, Operations::W);
}

TEST(DdfLoader, SeveralObjectsInOneFile) {
  const std::string two = replace(
      schema_1_0, "</LWM2M>",
      std::string(schema_1_0.substr(schema_1_0.find("<Object "),
                                    schema_1_0.find("</LWM2M>") - schema_1_0.find("<Object "))) +
          "</LWM2M>");
  const DdfResult r =
      parse_ddf(replace(two, "<ObjectID>40000</ObjectID>", "<ObjectID>40002</ObjectID>"));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].id, 40002);
  EXPECT_EQ(r.objects[1].id, 40000);
  expect_error(two, {"2 objects, more than the limit of 1"}, DdfLimits{.max_objects_per_file = 1});
}

TEST(DdfLoader, RefusesDoctypeAndEntities) {
  const auto with_prolog = [](std::string_view prolog) {
    return replace(schema_1_0, "<LWM2M ", std::string(prolog) + "\n<LWM2M ");
  };
  expect_error(with_prolog("<!DOCTYPE LWM2M>"), {"DOCTYPE"});
  expect_error(with_prolog(R"(<!DOCTYPE LWM2M SYSTEM "file:///etc/passwd">)"), {"DOCTYPE"});
  // The classic entity expansion ("billion laughs") and an external entity.
  expect_error(
      with_prolog(R"(<!DOCTYPE LWM2M [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>)"),
      {"DOCTYPE"});
  expect_error(
      replace(with_prolog(R"(<!DOCTYPE LWM2M [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)"),
              "<Name>Widget</Name>", "<Name>&xxe;</Name>"),
      {"DOCTYPE"});
  // An entity declaration outside a DOCTYPE is not XML at all.
  expect_error(with_prolog(R"(<!ENTITY a "b">)"), {"malformed XML"});
}

TEST(DdfLoader, UndeclaredEntityReferenceStaysText) {
  const DdfResult r =
      parse_ddf(replace(schema_1_0, "<Name>Widget</Name>", "<Name>&xxe;&amp;</Name>"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.objects[0].name, "&xxe;&");
}

TEST(DdfLoader, RefusesOversizedInput) {
  std::string big(schema_1_0);
  big.insert(big.find("<LWM2M"), std::string(4 * 1024 * 1024, ' '));
  expect_error(big, {"more than the limit of 4194304"});
  expect_error(schema_1_0, {"bytes, more than the limit of 100"}, DdfLimits{.max_file_bytes = 100});
}

TEST(DdfLoader, RefusesTooManyResources) {
  expect_error(schema_1_0, {"object 40000", "3 resources, more than the limit of 2"},
               DdfLimits{.max_resources_per_object = 2});
}

TEST(DdfLoader, RefusesGarbage) {
  expect_error("", {"malformed XML"});
  expect_error("\x01\x02\xff\xfe garbage", {"malformed XML"});
  expect_error("<LWM2M><Object>", {"malformed XML", "line 1"});
  expect_error(schema_1_0.substr(0, 400), {"malformed XML", "line "});
  expect_error("<?xml version=\"1.0\"?><LWM2M></LWM2M>", {"no <Object>"});
  expect_error("<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"/>",
               {"not an LwM2M object definition", "<xs:schema>"});
}

TEST(DdfLoader, ErrorsSayWhereAndWhy) {
  expect_error(replace(schema_1_0, "<Type>Integer</Type>", "<Type>Int</Type>"),
               {"object 40000: resource 0: <Type> \"Int\" is not an LwM2M data type"});
  expect_error(replace(schema_1_0, "<Operations>RW</Operations>", "<Operations>RWX</Operations>"),
               {"resource 0: <Operations> \"RWX\""});
  expect_error(replace(schema_1_0, "<Item ID=\"1\">", "<Item ID=\"0\">"),
               {"resource 0 is defined twice"});
  expect_error(replace(schema_1_0, "<Item ID=\"1\">", "<Item ID=\"65535\">"),
               {"<Item> #3: ID \"65535\" is not a number in 0..65534"});
  expect_error(replace(schema_1_0, "<Item ID=\"1\">", "<Item ID=\"-1\">"), {"ID \"-1\""});
  expect_error(replace(schema_1_0, "<Item ID=\"1\">", "<Item>"), {"<Item> #3: no ID attribute"});
  expect_error(replace(schema_1_0, "<ObjectID>40000</ObjectID>", "<ObjectID>65535</ObjectID>"),
               {"<Object> #1: <ObjectID> \"65535\""});
  expect_error(replace(schema_1_0, "<ObjectID>40000</ObjectID>", ""),
               {"<Object> #1: <ObjectID> is missing"});
  expect_error(replace(schema_1_0, "<Name>Widget</Name>", "<Name>a</Name><Name>b</Name>"),
               {"object 40000: <Name> appears more than once"});
  expect_error(replace(schema_1_0, "<Mandatory>Optional</Mandatory>\n    <Resources>",
                       "<Mandatory>Perhaps</Mandatory>\n    <Resources>"),
               {"object 40000: <Mandatory> is \"Perhaps\", expected Mandatory or Optional"});
  expect_error(replace(schema_1_1, "<ObjectVersion>1.2</ObjectVersion>",
                       "<ObjectVersion>v2</ObjectVersion>"),
               {"<ObjectVersion> \"v2\" is not a version"});
}

TEST(DdfLoader, LoadsFilesAndNamesThemInErrors) {
  const drover::testing::TempDir dir("ddf_files");
  const auto good = dir.write("good.xml", schema_1_1);
  const auto bad = dir.write("bad.xml", "<LWM2M>");
  EXPECT_TRUE(load_ddf_file(good).ok());
  EXPECT_TRUE(load_ddf_file(bad).error.starts_with(bad.string() + ": malformed XML"));
  EXPECT_NE(load_ddf_file(dir.path() / "absent.xml").error.find("absent.xml"), std::string::npos);
  EXPECT_NE(load_ddf_file(dir.path()).error.find("not a regular file"), std::string::npos);
  EXPECT_NE(
      load_ddf_file(good, DdfLimits{.max_file_bytes = 64}).error.find("larger than the limit"),
      std::string::npos);
}

TEST(DdfDirectory, LoadsSkipsAndRejects) {
  const drover::testing::TempDir dir("ddf_dir");
  dir.write("a.xml", schema_1_0);
  dir.write("b.XML", schema_1_1);
  dir.write("c.xml", schema_1_0);  // the same definition again: equivalent, loaded
  dir.write("d.xml",
            replace(schema_1_0, "<Type>Integer</Type>", "<Type>Float</Type>"));  // conflict
  dir.write("e.xml", "not xml");
  dir.write("schema.xsd", "<xs:schema/>");
  std::filesystem::create_directory(dir.path() / "sub.xml");
  ObjectRegistry registry;
  const DdfDirectoryReport report = load_ddf_directory(dir.path(), registry);
  EXPECT_TRUE(report.error.empty()) << report.error;
  ASSERT_EQ(report.loaded.size(), 3u);
  EXPECT_EQ(report.loaded[1].filename(), "b.XML");
  EXPECT_EQ(report.added, 2u);
  EXPECT_EQ(report.equivalent, 1u);
  ASSERT_EQ(report.rejected.size(), 2u);
  EXPECT_EQ(report.rejected[0].file.filename(), "d.xml");
  EXPECT_NE(
      report.rejected[0].reason.find("object 40000 version 1.0 differs from the definition already "
                                     "loaded from a.xml"),
      std::string::npos)
      << report.rejected[0].reason;
  EXPECT_NE(report.rejected[1].reason.find("e.xml: malformed XML"), std::string::npos);
  ASSERT_EQ(report.skipped.size(), 2u);
  EXPECT_EQ(report.skipped[0].file.filename(), "schema.xsd");
  EXPECT_EQ(report.skipped[0].reason, "not a .xml file");
  EXPECT_EQ(report.skipped[1].reason, "not a regular file");
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_EQ(registry.lookup(40000, 0)->type, DataType::Integer);  // the first definition stays
}

TEST(DdfDirectory, ReportsUnreadableDirectory) {
  ObjectRegistry registry;
  const auto report = load_ddf_directory("/nonexistent/drover/ddf", registry);
  EXPECT_NE(report.error.find("/nonexistent/drover/ddf"), std::string::npos);
  EXPECT_TRUE(report.loaded.empty());
}

TEST(DdfDirectory, CapsEntryCount) {
  const drover::testing::TempDir dir("ddf_cap");
  dir.write("a.xml", schema_1_0);
  dir.write("b.xml", schema_1_1);
  ObjectRegistry registry;
  const auto report =
      load_ddf_directory(dir.path(), registry, DdfLimits{.max_directory_entries = 1});
  EXPECT_NE(report.error.find("more than 1 entries"), std::string::npos) << report.error;
  EXPECT_TRUE(registry.empty());
}

}  // namespace
}  // namespace drover::lwm2m
