// The JSON representation of LwM2M records: every data type both ways, names and units, errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "drover/http/json_values.hpp"

namespace drover::http {
namespace {

namespace json = boost::json;
using lwm2m::DataType;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

lwm2m::ObjectRegistry registry() {
  lwm2m::ObjectRegistry r;
  lwm2m::ObjectDef def;
  def.id = 40000;
  def.name = "Test";
  lwm2m::ResourceDef temperature;
  temperature.id = 1;
  temperature.name = "Temperature";
  temperature.type = DataType::Float;
  temperature.units = "Cel";
  lwm2m::ResourceDef link;
  link.id = 2;
  link.name = "Link";
  link.type = DataType::Objlnk;
  def.resources = {temperature, link};
  r.add(def);
  return r;
}

TEST(JsonValues, EveryTypeRoundTrips) {
  const auto types = registry();
  const std::vector<std::pair<Value, std::string>> cases = {
      {Value(), "null"},
      {Value("text"), R"("text")"},
      {Value(std::int64_t{-5}), "-5"},
      {Value(std::uint64_t{18446744073709551615u}), "18446744073709551615"},
      {Value(2.5), "2.5E0"},
      {Value(true), "true"},
      {Value(lwm2m::Opaque{0x01, 0x02, 0xff}), R"("AQL/")"},
      {Value(lwm2m::Time{1700000000}), "1700000000"},
      {Value(lwm2m::Objlnk{3, 0}), R"("3:0")"},
      {Value(lwm2m::Corelnk{"</3/0>"}), R"("</3/0>")"},
  };
  for (const auto& [value, text] : cases) {
    const Record record{Path(40001, 0, 7), value, std::nullopt};
    const auto j = record_to_json(record);
    EXPECT_EQ(json::serialize(j.at("value")), text) << value.debug_string();
    EXPECT_EQ(j.at("type").as_string(), type_name(value.type()));
    std::string error;
    auto back = record_from_json(j, types, error);
    ASSERT_TRUE(back.has_value()) << error;
    EXPECT_EQ(*back, record);
  }
}

TEST(JsonValues, NamesUnitsAndTime) {
  const auto types = registry();
  const Record record{Path(40000, 0, 1), Value(21.5), 1700000000.0};
  const auto j = record_to_json(record, &types);
  EXPECT_EQ(j.at("name").as_string(), "Temperature");
  EXPECT_EQ(j.at("units").as_string(), "Cel");
  EXPECT_EQ(j.at("time").as_double(), 1700000000.0);
  EXPECT_FALSE(record_to_json(record).contains("name"));
}

TEST(JsonValues, TypeFromTheModelAndRefusals) {
  const auto types = registry();
  std::string error;
  auto r = record_from_json(json::parse(R"({"path":"/40000/0/2","value":"5:1"})"), types, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->value, Value(lwm2m::Objlnk{5, 1}));
  // A model integer for a float resource is fine; its type is the model's.
  r = record_from_json(json::parse(R"({"path":"/40000/0/1","value":21})"), types, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_EQ(r->value, Value(21.0));

  for (const char* bad : {
           R"("x")",
           R"({"value":1})",
           R"({"path":"/40000/0","value":1})",
           R"({"path":"/40000/0/9","value":1})",  // no model, no type
           R"({"path":"/40000/0/2","value":"5"})",
           R"({"path":"/40000/0/2","value":"5:70000"})",
           R"({"path":"/1/0/1","type":"opaque","value":"not base64!"})",
           R"({"path":"/1/0/1","type":"integer","value":1.5})",
           R"({"path":"/1/0/1","type":"integer","value":18446744073709551615})",
           R"({"path":"/1/0/1","type":"unsigned","value":-1})",
           R"({"path":"/1/0/1","type":"boolean","value":1})",
           R"({"path":"/1/0/1","type":"none","value":1})",
           R"({"path":"/1/0/1","type":7,"value":1})",
       }) {
    error.clear();
    EXPECT_FALSE(record_from_json(json::parse(bad), types, error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace drover::http
