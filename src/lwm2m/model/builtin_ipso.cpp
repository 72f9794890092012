// Common IPSO objects (3303 Temperature, 3304 Humidity, 3311 Light Control, 3313 Accelerometer,
// 3342 On/Off switch) at their newest registry versions. Descriptions are left out.
#include "builtin_tables.hpp"

namespace drover::lwm2m::detail {
namespace {

// clang-format off
// Object 3303 Temperature 1.1
constexpr ResourceRow obj3303_v1_1[] = {
    {5700, "Sensor Value", Op::R, Single, Mand, T::Float, "", ""},
    {5601, "Min Measured Value", Op::R, Single, Opt, T::Float, "", ""},
    {5602, "Max Measured Value", Op::R, Single, Opt, T::Float, "", ""},
    {5603, "Min Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5604, "Max Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5701, "Sensor Units", Op::R, Single, Opt, T::String, "", ""},
    {5605, "Reset Min and Max Measured Values", Op::E, Single, Opt, T::None, "", ""},
    {5750, "Application Type", Op::RW, Single, Opt, T::String, "", ""},
    {5518, "Timestamp", Op::R, Single, Opt, T::Time, "", ""},
    {6050, "Fractional Timestamp", Op::R, Single, Opt, T::Float, "0..1", "s"},
    {6042, "Measurement Quality Indicator", Op::R, Single, Opt, T::Integer, "0..23", ""},
    {6049, "Measurement Quality Level", Op::R, Single, Opt, T::Integer, "0..100", ""},
};

// Object 3304 Humidity 1.1
constexpr ResourceRow obj3304_v1_1[] = {
    {5700, "Sensor Value", Op::R, Single, Mand, T::Float, "", ""},
    {5601, "Min Measured Value", Op::R, Single, Opt, T::Float, "", ""},
    {5602, "Max Measured Value", Op::R, Single, Opt, T::Float, "", ""},
    {5603, "Min Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5604, "Max Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5701, "Sensor Units", Op::R, Single, Opt, T::String, "", ""},
    {5605, "Reset Min and Max Measured Values", Op::E, Single, Opt, T::None, "", ""},
    {5750, "Application Type", Op::RW, Single, Opt, T::String, "", ""},
    {5518, "Timestamp", Op::R, Single, Opt, T::Time, "", ""},
    {6050, "Fractional Timestamp", Op::R, Single, Opt, T::Float, "0..1", "s"},
    {6042, "Measurement Quality Indicator", Op::R, Single, Opt, T::Integer, "0..23", ""},
    {6049, "Measurement Quality Level", Op::R, Single, Opt, T::Integer, "0..100", ""},
};

// Object 3311 Light Control 1.0
constexpr ResourceRow obj3311_v1_0[] = {
    {5850, "On/Off", Op::RW, Single, Mand, T::Boolean, "", ""},
    {5851, "Dimmer", Op::RW, Single, Opt, T::Integer, "0..100", "/100"},
    {5852, "On time", Op::RW, Single, Opt, T::Integer, "", "s"},
    {5805, "Cumulative active power", Op::R, Single, Opt, T::Float, "", "Wh"},
    {5820, "Power factor", Op::R, Single, Opt, T::Float, "", ""},
    {5706, "Colour", Op::RW, Single, Opt, T::String, "", ""},
    {5701, "Sensor Units", Op::R, Single, Opt, T::String, "", ""},
    {5750, "Application Type", Op::RW, Single, Opt, T::String, "", ""},
};

// Object 3313 Accelerometer 1.1
constexpr ResourceRow obj3313_v1_1[] = {
    {5702, "X Value", Op::R, Single, Mand, T::Float, "", ""},
    {5703, "Y Value", Op::R, Single, Opt, T::Float, "", ""},
    {5704, "Z Value", Op::R, Single, Opt, T::Float, "", ""},
    {5701, "Sensor Units", Op::R, Single, Opt, T::String, "", ""},
    {5603, "Min Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5604, "Max Range Value", Op::R, Single, Opt, T::Float, "", ""},
    {5750, "Application Type", Op::RW, Single, Opt, T::String, "", ""},
    {5518, "Timestamp", Op::R, Single, Opt, T::Time, "", ""},
    {6050, "Fractional Timestamp", Op::R, Single, Opt, T::Float, "0..1", "s"},
    {6042, "Measurement Quality Indicator", Op::R, Single, Opt, T::Integer, "0..23", ""},
    {6049, "Measurement Quality Level", Op::R, Single, Opt, T::Integer, "0..100", ""},
};

// Object 3342 On/Off switch 1.1
constexpr ResourceRow obj3342_v1_1[] = {
    {5500, "Digital Input State", Op::R, Single, Mand, T::Boolean, "", ""},
    {5501, "Digital Input Counter", Op::R, Single, Opt, T::Integer, "", ""},
    {5852, "On time", Op::RW, Single, Opt, T::Integer, "", "s"},
    {5854, "Off Time", Op::RW, Single, Opt, T::Integer, "", "s"},
    {5750, "Application Type", Op::RW, Single, Opt, T::String, "", ""},
    {5518, "Timestamp", Op::R, Single, Opt, T::Time, "", ""},
    {6050, "Fractional Timestamp", Op::R, Single, Opt, T::Float, "0..1", "s"},
};

constexpr ObjectRow objects[] = {
    {3303, "Temperature", {1, 1}, "urn:oma:lwm2m:ext:3303:1.1", {1, 0}, Multi, Opt, obj3303_v1_1},
    {3304, "Humidity", {1, 1}, "urn:oma:lwm2m:ext:3304:1.1", {1, 0}, Multi, Opt, obj3304_v1_1},
    {3311, "Light Control", {1, 0}, "urn:oma:lwm2m:ext:3311", {1, 0}, Multi, Opt, obj3311_v1_0},
    {3313, "Accelerometer", {1, 1}, "urn:oma:lwm2m:ext:3313:1.1", {1, 0}, Multi, Opt, obj3313_v1_1},
    {3342, "On/Off switch", {1, 1}, "urn:oma:lwm2m:ext:3342:1.1", {1, 0}, Multi, Opt, obj3342_v1_1},
};
// clang-format on

}  // namespace

std::span<const ObjectRow> ipso_object_rows() {
  return objects;
}

}  // namespace drover::lwm2m::detail
