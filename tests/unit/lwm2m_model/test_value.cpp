#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m {
namespace {

TEST(DataTypeNames, RoundTripDdfSpellings) {
  for (auto t : {DataType::None, DataType::String, DataType::Integer, DataType::UnsignedInteger,
                 DataType::Float, DataType::Boolean, DataType::Opaque, DataType::Time,
                 DataType::Objlnk, DataType::Corelnk}) {
    EXPECT_EQ(data_type_from_string(to_string(t)), t) << to_string(t);
  }
  EXPECT_EQ(to_string(DataType::UnsignedInteger), "Unsigned Integer");
  EXPECT_EQ(to_string(DataType::Objlnk), "Objlnk");
}

TEST(DataTypeNames, CaseInsensitive) {
  EXPECT_EQ(data_type_from_string("Unsigned integer"), DataType::UnsignedInteger);
  EXPECT_EQ(data_type_from_string("unsigned INTEGER"), DataType::UnsignedInteger);
  EXPECT_EQ(data_type_from_string("ObjLnk"), DataType::Objlnk);
  EXPECT_EQ(data_type_from_string("float"), DataType::Float);
  EXPECT_EQ(data_type_from_string("none"), DataType::None);
}

TEST(DataTypeNames, RejectsUnknown) {
  EXPECT_FALSE(data_type_from_string(""));
  EXPECT_FALSE(data_type_from_string("Int"));
  EXPECT_FALSE(data_type_from_string("UnsignedInteger"));
  EXPECT_FALSE(data_type_from_string("String "));
}

TEST(Value, TypeFollowsAlternative) {
  EXPECT_EQ(Value().type(), DataType::None);
  EXPECT_EQ(Value("x").type(), DataType::String);
  EXPECT_EQ(Value(std::int64_t{-1}).type(), DataType::Integer);
  EXPECT_EQ(Value(std::uint64_t{1}).type(), DataType::UnsignedInteger);
  EXPECT_EQ(Value(1.5).type(), DataType::Float);
  EXPECT_EQ(Value(true).type(), DataType::Boolean);
  EXPECT_EQ(Value(Opaque{1}).type(), DataType::Opaque);
  EXPECT_EQ(Value(Time{5}).type(), DataType::Time);
  EXPECT_EQ(Value(Objlnk{3, 0}).type(), DataType::Objlnk);
  EXPECT_EQ(Value(Corelnk{"</3>"}).type(), DataType::Corelnk);
}

TEST(Value, EqualityTreatsNanAsEqual) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Value(nan), Value(nan));
  EXPECT_EQ(Value(nan), Value(-nan));
  EXPECT_NE(Value(nan), Value(0.0));
  EXPECT_EQ(Value(1.5), Value(1.5));
  EXPECT_NE(Value(std::int64_t{1}),
            Value(std::uint64_t{1}));  // different types never compare equal
  EXPECT_NE(Value(std::int64_t{1}), Value(Time{1}));
  EXPECT_EQ(Value("a"), Value(std::string("a")));
  EXPECT_EQ(Value(), Value());
}

TEST(Value, DebugString) {
  EXPECT_EQ(Value(std::int64_t{42}).debug_string(), "42");
  EXPECT_EQ(Value(std::int64_t{-7}).debug_string(), "-7");
  EXPECT_EQ(Value(std::uint64_t{42}).debug_string(), "42u");
  EXPECT_EQ(Value("te\"xt\n").debug_string(), "\"te\\\"xt\\x0a\"");
  EXPECT_EQ(Value(Opaque{0x0a, 0x0b}).debug_string(), "0x0a0b");
  EXPECT_EQ(Value(Objlnk{3, 0}).debug_string(), "3:0");
  EXPECT_EQ(Value(Time{1700000000}).debug_string(), "t=1700000000");
  EXPECT_EQ(Value(1.0).debug_string(), "1.0");
  EXPECT_EQ(Value(2.5).debug_string(), "2.5");
  EXPECT_EQ(Value(std::nan("")).debug_string(), "nan");
  EXPECT_EQ(Value(true).debug_string(), "true");
  EXPECT_EQ(Value().debug_string(), "none");
  EXPECT_EQ(Value(Corelnk{"</3>"}).debug_string(), "link:\"</3>\"");
}

}  // namespace
}  // namespace drover::lwm2m
