// Core LwM2M objects (0 Security, 1 Server, 2 Access Control, 3 Device, 4 Connectivity Monitoring,
// 5 Firmware Update, 6 Location, 7 Connectivity Statistics, 21 OSCORE) in the versions
// LwM2M 1.0-1.2 clients announce. IDs, names, operations, shapes, types, ranges and units follow
// the OMA registry; descriptions are left out (the DDF loader keeps them for files it reads).
#include "builtin_tables.hpp"

namespace drover::lwm2m::detail {
namespace {

// clang-format off
// Object 0 LWM2M Security 1.1
constexpr ResourceRow obj0_v1_1[] = {
    {0, "LWM2M Server URI", Op::None, Single, Mand, T::String, "0..255 bytes", ""},
    {1, "Bootstrap-Server", Op::None, Single, Mand, T::Boolean, "", ""},
    {2, "Security Mode", Op::None, Single, Mand, T::Integer, "0..4", ""},
    {3, "Public Key or Identity", Op::None, Single, Mand, T::Opaque, "", ""},
    {4, "Server Public Key", Op::None, Single, Mand, T::Opaque, "", ""},
    {5, "Secret Key", Op::None, Single, Mand, T::Opaque, "", ""},
    {6, "SMS Security Mode", Op::None, Single, Opt, T::Integer, "0..255", ""},
    {7, "SMS Binding Key Parameters", Op::None, Single, Opt, T::Opaque, "6", ""},
    {8, "SMS Binding Secret Key(s)", Op::None, Single, Opt, T::Opaque, "16,32,48", ""},
    {9, "LwM2M Server SMS Number", Op::None, Single, Opt, T::String, "", ""},
    {10, "Short Server ID", Op::None, Single, Opt, T::Integer, "1..65534", ""},
    {11, "Client Hold Off Time", Op::None, Single, Opt, T::Integer, "", "s"},
    {12, "Bootstrap-Server Account Timeout", Op::None, Single, Opt, T::Integer, "", "s"},
    {13, "Matching Type", Op::None, Single, Opt, T::UnsignedInteger, "0..3", "s"},
    {14, "SNI", Op::None, Single, Opt, T::String, "", ""},
    {15, "Certificate Usage", Op::None, Single, Opt, T::UnsignedInteger, "0..3", "s"},
    {16, "DTLS/TLS Ciphersuite", Op::None, Multi, Opt, T::UnsignedInteger, "", ""},
    {17, "OSCORE Security Mode", Op::None, Single, Opt, T::Objlnk, "", ""},
};

// Object 0 LWM2M Security 1.2
constexpr ResourceRow obj0_v1_2[] = {
    {0, "LWM2M Server URI", Op::None, Single, Mand, T::String, "0..255", ""},
    {1, "Bootstrap-Server", Op::None, Single, Mand, T::Boolean, "", ""},
    {2, "Security Mode", Op::None, Single, Mand, T::Integer, "0..4", ""},
    {3, "Public Key or Identity", Op::None, Single, Mand, T::Opaque, "", ""},
    {4, "Server Public Key", Op::None, Single, Mand, T::Opaque, "", ""},
    {5, "Secret Key", Op::None, Single, Mand, T::Opaque, "", ""},
    {6, "SMS Security Mode", Op::None, Single, Opt, T::Integer, "0..255", ""},
    {7, "SMS Binding Key Parameters", Op::None, Single, Opt, T::Opaque, "6", ""},
    {8, "SMS Binding Secret Key(s)", Op::None, Single, Opt, T::Opaque, "16,32,48", ""},
    {9, "LwM2M Server SMS Number", Op::None, Single, Opt, T::String, "", ""},
    {10, "Short Server ID", Op::None, Single, Opt, T::Integer, "1..65534", ""},
    {11, "Client Hold Off Time", Op::None, Single, Opt, T::Integer, "", "s"},
    {12, "Bootstrap-Server Account Timeout", Op::None, Single, Opt, T::Integer, "", "s"},
    {13, "Matching Type", Op::None, Single, Opt, T::UnsignedInteger, "0..3", ""},
    {14, "SNI", Op::None, Single, Opt, T::String, "", ""},
    {15, "Certificate Usage", Op::None, Single, Opt, T::UnsignedInteger, "0..3", ""},
    {16, "DTLS/TLS Ciphersuite", Op::None, Multi, Opt, T::UnsignedInteger, "", ""},
    {17, "OSCORE Security Mode", Op::None, Single, Opt, T::Objlnk, "", ""},
    {18, "Groups To Use by Client", Op::None, Multi, Opt, T::UnsignedInteger, "0..65535", ""},
    {19, "Signature Algorithms Supported by Server", Op::None, Multi, Opt, T::UnsignedInteger, "0..65535", ""},
    {20, "Signature Algorithms To Use by Client", Op::None, Multi, Opt, T::UnsignedInteger, "0..65535", ""},
    {21, "Signature Algorithm Certs Supported by Server", Op::None, Multi, Opt, T::UnsignedInteger, "0..65535", ""},
    {22, "TLS 1.3 Features To Use by Client", Op::None, Single, Opt, T::UnsignedInteger, "0..65535", ""},
    {23, "TLS Extensions Supported by Server", Op::None, Single, Opt, T::UnsignedInteger, "0..65535", ""},
    {24, "TLS Extensions To Use by Client", Op::None, Single, Opt, T::UnsignedInteger, "0..65535", ""},
    {25, "Secondary LwM2M Server URI", Op::None, Multi, Opt, T::String, "0..255", ""},
    {26, "MQTT Server", Op::None, Single, Opt, T::Objlnk, "", ""},
    {27, "LwM2M COSE Security", Op::None, Multi, Opt, T::Objlnk, "", ""},
    {28, "RDS Destination Port", Op::None, Single, Opt, T::Integer, "0..15", ""},
    {29, "RDS Source Port", Op::None, Single, Opt, T::Integer, "0..15", ""},
    {30, "RDS Application ID", Op::None, Single, Opt, T::String, "", ""},
};

// Object 1 LwM2M Server 1.1
constexpr ResourceRow obj1_v1_1[] = {
    {0, "Short Server ID", Op::R, Single, Mand, T::Integer, "1..65534", ""},
    {1, "Lifetime", Op::RW, Single, Mand, T::Integer, "", "s"},
    {2, "Default Minimum Period", Op::RW, Single, Opt, T::Integer, "", "s"},
    {3, "Default Maximum Period", Op::RW, Single, Opt, T::Integer, "", "s"},
    {4, "Disable", Op::E, Single, Opt, T::None, "", ""},
    {5, "Disable Timeout", Op::RW, Single, Opt, T::Integer, "", "s"},
    {6, "Notification Storing When Disabled or Offline", Op::RW, Single, Mand, T::Boolean, "", ""},
    {7, "Binding", Op::RW, Single, Mand, T::String, "The possible values are those listed in the LwM2M Core Specification", ""},
    {8, "Registration Update Trigger", Op::E, Single, Mand, T::None, "", ""},
    {9, "Bootstrap-Request Trigger", Op::E, Single, Opt, T::None, "", ""},
    {10, "APN Link", Op::RW, Single, Opt, T::Objlnk, "", ""},
    {11, "TLS-DTLS Alert Code", Op::R, Single, Opt, T::UnsignedInteger, "0..255", ""},
    {12, "Last Bootstrapped", Op::R, Single, Opt, T::Time, "", ""},
    {13, "Registration Priority Order", Op::None, Single, Opt, T::UnsignedInteger, "", ""},
    {14, "Initial Registration Delay Timer", Op::None, Single, Opt, T::UnsignedInteger, "", "s"},
    {15, "Registration Failure Block", Op::None, Single, Opt, T::Boolean, "", ""},
    {16, "Bootstrap on Registration Failure", Op::None, Single, Opt, T::Boolean, "", ""},
    {17, "Communication Retry Count", Op::None, Single, Opt, T::UnsignedInteger, "", ""},
    {18, "Communication Retry Timer", Op::None, Single, Opt, T::UnsignedInteger, "", "s"},
    {19, "Communication Sequence Delay Timer", Op::None, Single, Opt, T::UnsignedInteger, "", ""},
    {20, "Communication Sequence Retry Count", Op::None, Single, Opt, T::UnsignedInteger, "", ""},
    {21, "Trigger", Op::RW, Single, Opt, T::Boolean, "", ""},
    {22, "Preferred Transport", Op::RW, Single, Opt, T::String, "The possible values are those listed in the LwM2M Core Specification", ""},
    {23, "Mute Send", Op::RW, Single, Opt, T::Boolean, "", ""},
};

// Object 1 LwM2M Server 1.2
constexpr ResourceRow obj1_v1_2[] = {
    {0, "Short Server ID", Op::R, Single, Mand, T::Integer, "1..65534", ""},
    {1, "Lifetime", Op::RW, Single, Mand, T::Integer, "", "s"},
    {2, "Default Minimum Period", Op::RW, Single, Opt, T::Integer, "", "s"},
    {3, "Default Maximum Period", Op::RW, Single, Opt, T::Integer, "", "s"},
    {4, "Disable", Op::E, Single, Opt, T::None, "", ""},
    {5, "Disable Timeout", Op::RW, Single, Opt, T::Integer, "", "s"},
    {6, "Notification Storing When Disabled or Offline", Op::RW, Single, Mand, T::Boolean, "", ""},
    {7, "Binding", Op::RW, Single, Mand, T::String, "", ""},
    {8, "Registration Update Trigger", Op::E, Single, Mand, T::None, "", ""},
    {9, "Bootstrap-Request Trigger", Op::E, Single, Opt, T::None, "", ""},
    {10, "APN Link", Op::RW, Single, Opt, T::Objlnk, "", ""},
    {11, "TLS-DTLS Alert Code", Op::R, Single, Opt, T::UnsignedInteger, "0..255", ""},
    {12, "Last Bootstrapped", Op::R, Single, Opt, T::Time, "", ""},
    {13, "Registration Priority Order", Op::R, Single, Opt, T::UnsignedInteger, "", ""},
    {14, "Initial Registration Delay Timer", Op::RW, Single, Opt, T::UnsignedInteger, "", "s"},
    {15, "Registration Failure Block", Op::R, Single, Opt, T::Boolean, "", ""},
    {16, "Bootstrap on Registration Failure", Op::R, Single, Opt, T::Boolean, "", ""},
    {17, "Communication Retry Count", Op::RW, Single, Opt, T::UnsignedInteger, "", ""},
    {18, "Communication Retry Timer", Op::RW, Single, Opt, T::UnsignedInteger, "", "s"},
    {19, "Communication Sequence Delay Timer", Op::RW, Single, Opt, T::UnsignedInteger, "", "s"},
    {20, "Communication Sequence Retry Count", Op::RW, Single, Opt, T::UnsignedInteger, "", ""},
    {21, "Trigger", Op::RW, Single, Opt, T::Boolean, "", ""},
    {22, "Preferred Transport", Op::RW, Single, Opt, T::String, "The possible values are those listed in the LwM2M Core Specification", ""},
    {23, "Mute Send", Op::RW, Single, Opt, T::Boolean, "", ""},
    {24, "Alternate APN Links", Op::RW, Multi, Opt, T::Objlnk, "", ""},
    {25, "Supported Server Versions", Op::RW, Multi, Opt, T::String, "", ""},
    {26, "Default Notification Mode", Op::RW, Single, Opt, T::Integer, "0..1", ""},
    {27, "Profile ID Hash Algorithm", Op::RW, Single, Opt, T::UnsignedInteger, "0..255", ""},
};

// Object 2 LwM2M Access Control 1.0
constexpr ResourceRow obj2_v1_0[] = {
    {0, "Object ID", Op::R, Single, Mand, T::Integer, "1..65534", ""},
    {1, "Object Instance ID", Op::R, Single, Mand, T::Integer, "0..65535", ""},
    {2, "ACL", Op::RW, Multi, Opt, T::Integer, "16-bit", ""},
    {3, "Access Control Owner", Op::RW, Single, Mand, T::Integer, "0..65535", ""},
};

// Object 2 LwM2M Access Control 1.1
constexpr ResourceRow obj2_v1_1[] = {
    {0, "Object ID", Op::R, Single, Mand, T::Integer, "1..65534", ""},
    {1, "Object Instance ID", Op::R, Single, Mand, T::Integer, "0..65535", ""},
    {2, "ACL", Op::RW, Multi, Opt, T::Integer, "0..31", ""},
    {3, "Access Control Owner", Op::RW, Single, Mand, T::Integer, "0..65535", ""},
};

// Object 3 Device 1.1
constexpr ResourceRow obj3_v1_1[] = {
    {0, "Manufacturer", Op::R, Single, Opt, T::String, "", ""},
    {1, "Model Number", Op::R, Single, Opt, T::String, "", ""},
    {2, "Serial Number", Op::R, Single, Opt, T::String, "", ""},
    {3, "Firmware Version", Op::R, Single, Opt, T::String, "", ""},
    {4, "Reboot", Op::E, Single, Mand, T::None, "", ""},
    {5, "Factory Reset", Op::E, Single, Opt, T::None, "", ""},
    {6, "Available Power Sources", Op::R, Multi, Opt, T::Integer, "0..7", ""},
    {7, "Power Source Voltage", Op::R, Multi, Opt, T::Integer, "", ""},
    {8, "Power Source Current", Op::R, Multi, Opt, T::Integer, "", ""},
    {9, "Battery Level", Op::R, Single, Opt, T::Integer, "0..100", "%"},
    {10, "Memory Free", Op::R, Single, Opt, T::Integer, "", ""},
    {11, "Error Code", Op::R, Multi, Mand, T::Integer, "0..8", ""},
    {12, "Reset Error Code", Op::E, Single, Opt, T::None, "", ""},
    {13, "Current Time", Op::RW, Single, Opt, T::Time, "", ""},
    {14, "UTC Offset", Op::RW, Single, Opt, T::String, "", ""},
    {15, "Timezone", Op::RW, Single, Opt, T::String, "", ""},
    {16, "Supported Binding and Modes", Op::R, Single, Mand, T::String, "", ""},
    {17, "Device Type", Op::R, Single, Opt, T::String, "", ""},
    {18, "Hardware Version", Op::R, Single, Opt, T::String, "", ""},
    {19, "Software Version", Op::R, Single, Opt, T::String, "", ""},
    {20, "Battery Status", Op::R, Single, Opt, T::Integer, "0..6", ""},
    {21, "Memory Total", Op::R, Single, Opt, T::Integer, "", ""},
    {22, "ExtDevInfo", Op::R, Multi, Opt, T::Objlnk, "", ""},
};

// Object 3 Device 1.2
constexpr ResourceRow obj3_v1_2[] = {
    {0, "Manufacturer", Op::R, Single, Opt, T::String, "", ""},
    {1, "Model Number", Op::R, Single, Opt, T::String, "", ""},
    {2, "Serial Number", Op::R, Single, Opt, T::String, "", ""},
    {3, "Firmware Version", Op::R, Single, Opt, T::String, "", ""},
    {4, "Reboot", Op::E, Single, Mand, T::None, "", ""},
    {5, "Factory Reset", Op::E, Single, Opt, T::None, "", ""},
    {6, "Available Power Sources", Op::R, Multi, Opt, T::Integer, "0..7", ""},
    {7, "Power Source Voltage", Op::R, Multi, Opt, T::Integer, "", ""},
    {8, "Power Source Current", Op::R, Multi, Opt, T::Integer, "", ""},
    {9, "Battery Level", Op::R, Single, Opt, T::Integer, "0..100", "/100"},
    {10, "Memory Free", Op::R, Single, Opt, T::Integer, "", ""},
    {11, "Error Code", Op::R, Multi, Mand, T::Integer, "0..32", ""},
    {12, "Reset Error Code", Op::E, Single, Opt, T::None, "", ""},
    {13, "Current Time", Op::RW, Single, Opt, T::Time, "", ""},
    {14, "UTC Offset", Op::RW, Single, Opt, T::String, "", ""},
    {15, "Timezone", Op::RW, Single, Opt, T::String, "", ""},
    {16, "Supported Binding and Modes", Op::R, Single, Mand, T::String, "", ""},
    {17, "Device Type", Op::R, Single, Opt, T::String, "", ""},
    {18, "Hardware Version", Op::R, Single, Opt, T::String, "", ""},
    {19, "Software Version", Op::R, Single, Opt, T::String, "", ""},
    {20, "Battery Status", Op::R, Single, Opt, T::Integer, "0..6", ""},
    {21, "Memory Total", Op::R, Single, Opt, T::Integer, "", ""},
    {22, "ExtDevInfo", Op::R, Multi, Opt, T::Objlnk, "", ""},
};

// Object 4 Connectivity Monitoring 1.1
constexpr ResourceRow obj4_v1_1[] = {
    {0, "Network Bearer", Op::R, Single, Mand, T::Integer, "0-50", ""},
    {1, "Available Network Bearer", Op::R, Multi, Mand, T::Integer, "0-50", ""},
    {2, "Radio Signal Strength", Op::R, Single, Mand, T::Integer, "", "dBm"},
    {3, "Link Quality", Op::R, Single, Opt, T::Integer, "", ""},
    {4, "IP Addresses", Op::R, Multi, Mand, T::String, "", ""},
    {5, "Router IP Addresses", Op::R, Multi, Opt, T::String, "", ""},
    {6, "Link Utilization", Op::R, Single, Opt, T::Integer, "0-100", "%"},
    {7, "APN", Op::R, Multi, Opt, T::String, "", ""},
    {8, "Cell ID", Op::R, Single, Opt, T::Integer, "", ""},
    {9, "SMNC", Op::R, Single, Opt, T::Integer, "0-999", "%"},
    {10, "SMCC", Op::R, Single, Opt, T::Integer, "0-999", ""},
    {11, "SignalSNR", Op::R, Single, Opt, T::Integer, "", "dB"},
};

// Object 4 Connectivity Monitoring 1.2
constexpr ResourceRow obj4_v1_2[] = {
    {0, "Network Bearer", Op::R, Single, Mand, T::Integer, "0..50", ""},
    {1, "Available Network Bearer", Op::R, Multi, Mand, T::Integer, "0..50", ""},
    {2, "Radio Signal Strength", Op::R, Single, Mand, T::Integer, "", ""},
    {3, "Link Quality", Op::R, Single, Opt, T::Integer, "", ""},
    {4, "IP Addresses", Op::R, Multi, Mand, T::String, "", ""},
    {5, "Router IP Addresses", Op::R, Multi, Opt, T::String, "", ""},
    {6, "Link Utilization", Op::R, Single, Opt, T::Integer, "0..100", "%"},
    {7, "APN", Op::R, Multi, Opt, T::String, "", ""},
    {8, "Cell ID", Op::R, Single, Opt, T::Integer, "", ""},
    {9, "SMNC", Op::R, Single, Opt, T::Integer, "0..999", ""},
    {10, "SMCC", Op::R, Single, Opt, T::Integer, "0..999", ""},
    {11, "SignalSNR", Op::R, Single, Opt, T::Integer, "", "dB"},
    {12, "LAC", Op::R, Single, Opt, T::Integer, "", ""},
};

// Object 4 Connectivity Monitoring 1.3
constexpr ResourceRow obj4_v1_3[] = {
    {0, "Network Bearer", Op::R, Single, Mand, T::Integer, "0..50", ""},
    {1, "Available Network Bearer", Op::R, Multi, Mand, T::Integer, "0..50", ""},
    {2, "Radio Signal Strength", Op::R, Single, Mand, T::Integer, "", "dBm"},
    {3, "Link Quality", Op::R, Single, Opt, T::Integer, "", ""},
    {4, "IP Addresses", Op::R, Multi, Mand, T::String, "", ""},
    {5, "Router IP Addresses", Op::R, Multi, Opt, T::String, "", ""},
    {6, "Link Utilization", Op::R, Single, Opt, T::Integer, "0..100", "/100"},
    {7, "APN", Op::R, Multi, Opt, T::String, "", ""},
    {8, "Cell ID", Op::R, Single, Opt, T::Integer, "", ""},
    {9, "SMNC", Op::R, Single, Opt, T::Integer, "0..999", ""},
    {10, "SMCC", Op::R, Single, Opt, T::Integer, "0..999", ""},
    {11, "SignalSNR", Op::R, Single, Opt, T::Integer, "", "dB"},
    {12, "LAC", Op::R, Single, Opt, T::Integer, "", ""},
    {13, "Coverage Enhancement Level", Op::R, Single, Opt, T::Integer, "0..4", ""},
};

// Object 5 Firmware Update 1.0
constexpr ResourceRow obj5_v1_0[] = {
    {0, "Package", Op::W, Single, Mand, T::Opaque, "", ""},
    {1, "Package URI", Op::RW, Single, Mand, T::String, "0..255", ""},
    {2, "Update", Op::E, Single, Mand, T::None, "", ""},
    {3, "State", Op::R, Single, Mand, T::Integer, "0..3", ""},
    {5, "Update Result", Op::R, Single, Mand, T::Integer, "0..9", ""},
    {6, "PkgName", Op::R, Single, Opt, T::String, "0..255", ""},
    {7, "PkgVersion", Op::R, Single, Opt, T::String, "0..255", ""},
    {8, "Firmware Update Protocol Support", Op::R, Multi, Opt, T::Integer, "0..5", ""},
    {9, "Firmware Update Delivery Method", Op::R, Single, Mand, T::Integer, "0..2", ""},
};

// Object 5 Firmware Update 1.1
constexpr ResourceRow obj5_v1_1[] = {
    {0, "Package", Op::W, Single, Mand, T::Opaque, "", ""},
    {1, "Package URI", Op::RW, Single, Mand, T::String, "0..255", ""},
    {2, "Update", Op::E, Single, Mand, T::None, "", ""},
    {3, "State", Op::R, Single, Mand, T::Integer, "0..3", ""},
    {5, "Update Result", Op::R, Single, Mand, T::Integer, "0..11", ""},
    {6, "PkgName", Op::R, Single, Opt, T::String, "0..255", ""},
    {7, "PkgVersion", Op::R, Single, Opt, T::String, "0..255", ""},
    {8, "Firmware Update Protocol Support", Op::R, Multi, Opt, T::Integer, "0..5", ""},
    {9, "Firmware Update Delivery Method", Op::R, Single, Mand, T::Integer, "0..2", ""},
    {10, "Cancel", Op::E, Single, Opt, T::None, "", ""},
    {11, "Severity", Op::RW, Single, Opt, T::Integer, "0..2", ""},
    {12, "Last State Change Time", Op::R, Single, Opt, T::Time, "", ""},
    {13, "Maximum Defer Period", Op::RW, Single, Opt, T::UnsignedInteger, "", "s"},
};

// Object 5 Firmware Update 1.2
constexpr ResourceRow obj5_v1_2[] = {
    {0, "Package", Op::W, Single, Mand, T::Opaque, "", ""},
    {1, "Package URI", Op::RW, Single, Mand, T::String, "0..255", ""},
    {2, "Update", Op::E, Single, Mand, T::None, "", ""},
    {3, "State", Op::R, Single, Mand, T::Integer, "0..3", ""},
    {5, "Update Result", Op::R, Single, Mand, T::Integer, "0..11", ""},
    {6, "PkgName", Op::R, Single, Opt, T::String, "0..255", ""},
    {7, "PkgVersion", Op::R, Single, Opt, T::String, "0..255", ""},
    {8, "Firmware Update Protocol Support", Op::R, Multi, Opt, T::Integer, "0..5", ""},
    {9, "Firmware Update Delivery Method", Op::R, Single, Mand, T::Integer, "0..2", ""},
    {10, "Cancel", Op::E, Single, Opt, T::None, "", ""},
    {11, "Severity", Op::RW, Single, Opt, T::Integer, "0..2", ""},
    {12, "Last State Change Time", Op::R, Single, Opt, T::Time, "", ""},
    {13, "Maximum Defer Period", Op::RW, Single, Opt, T::UnsignedInteger, "", "s"},
    {14, "Automatic Upgrade at Download", Op::RW, Single, Opt, T::Boolean, "", ""},
};

// Object 6 Location 1.0
constexpr ResourceRow obj6_v1_0[] = {
    {0, "Latitude", Op::R, Single, Mand, T::Float, "", "lat"},
    {1, "Longitude", Op::R, Single, Mand, T::Float, "", "lon"},
    {2, "Altitude", Op::R, Single, Opt, T::Float, "", "m"},
    {3, "Radius", Op::R, Single, Opt, T::Float, "", "m"},
    {4, "Velocity", Op::R, Single, Opt, T::Opaque, "", ""},
    {5, "Timestamp", Op::R, Single, Mand, T::Time, "", ""},
    {6, "Speed", Op::R, Single, Opt, T::Float, "", "m/s"},
};

// Object 7 Connectivity Statistics 1.0
constexpr ResourceRow obj7_v1_0[] = {
    {0, "SMS Tx Counter", Op::R, Single, Opt, T::Integer, "", ""},
    {1, "SMS Rx Counter", Op::R, Single, Opt, T::Integer, "", ""},
    {2, "Tx Data", Op::R, Single, Opt, T::Integer, "", ""},
    {3, "Rx Data", Op::R, Single, Opt, T::Integer, "", ""},
    {4, "Max Message Size", Op::R, Single, Opt, T::Integer, "", "B"},
    {5, "Average Message Size", Op::R, Single, Opt, T::Integer, "", "B"},
    {6, "Start", Op::E, Single, Mand, T::None, "", ""},
    {7, "Stop", Op::E, Single, Mand, T::None, "", ""},
    {8, "Collection Period", Op::RW, Single, Opt, T::Integer, "", "s"},
};

// Object 21 LWM2M OSCORE 1.0
constexpr ResourceRow obj21_v1_0[] = {
    {0, "OSCORE Master Secret", Op::None, Single, Mand, T::String, "", ""},
    {1, "OSCORE Sender ID", Op::None, Single, Mand, T::String, "", ""},
    {2, "OSCORE Recipient ID", Op::None, Single, Mand, T::String, "", ""},
    {3, "OSCORE AEAD Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {4, "OSCORE HMAC Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {5, "OSCORE Master Salt", Op::None, Single, Opt, T::String, "", ""},
};

// Object 21 LWM2M OSCORE 1.1
constexpr ResourceRow obj21_v1_1[] = {
    {0, "OSCORE Master Secret", Op::None, Single, Mand, T::String, "", ""},
    {1, "OSCORE Sender ID", Op::None, Single, Mand, T::String, "", ""},
    {2, "OSCORE Recipient ID", Op::None, Single, Mand, T::String, "", ""},
    {3, "OSCORE AEAD Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {4, "OSCORE HMAC Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {5, "OSCORE Master Salt", Op::None, Single, Opt, T::String, "", ""},
    {6, "OSCORE ID Context", Op::None, Single, Opt, T::String, "", ""},
};

// Object 21 LWM2M OSCORE 2.0
constexpr ResourceRow obj21_v2_0[] = {
    {0, "OSCORE Master Secret", Op::None, Single, Mand, T::Opaque, "", ""},
    {1, "OSCORE Sender ID", Op::None, Single, Mand, T::Opaque, "", ""},
    {2, "OSCORE Recipient ID", Op::None, Single, Mand, T::Opaque, "", ""},
    {3, "OSCORE AEAD Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {4, "OSCORE HMAC Algorithm", Op::None, Single, Opt, T::Integer, "", ""},
    {5, "OSCORE Master Salt", Op::None, Single, Opt, T::Opaque, "", ""},
    {6, "OSCORE ID Context", Op::None, Single, Opt, T::Opaque, "", ""},
};

constexpr ObjectRow objects[] = {
    {0, "LWM2M Security", {1, 1}, "urn:oma:lwm2m:oma:0:1.1", {1, 1}, Multi, Mand, obj0_v1_1},
    {0, "LWM2M Security", {1, 2}, "urn:oma:lwm2m:oma:0:1.2", {1, 1}, Multi, Mand, obj0_v1_2},
    {1, "LwM2M Server", {1, 1}, "urn:oma:lwm2m:oma:1:1.1", {1, 1}, Multi, Mand, obj1_v1_1},
    {1, "LwM2M Server", {1, 2}, "urn:oma:lwm2m:oma:1:1.2", {1, 2}, Multi, Mand, obj1_v1_2},
    {2, "LwM2M Access Control", {1, 0}, "urn:oma:lwm2m:oma:2", {1, 0}, Multi, Opt, obj2_v1_0},
    {2, "LwM2M Access Control", {1, 1}, "urn:oma:lwm2m:oma:2:1.1", {1, 0}, Multi, Opt, obj2_v1_1},
    {3, "Device", {1, 1}, "urn:oma:lwm2m:oma:3:1.1", {1, 1}, Single, Mand, obj3_v1_1},
    {3, "Device", {1, 2}, "urn:oma:lwm2m:oma:3:1.2", {1, 1}, Single, Mand, obj3_v1_2},
    {4, "Connectivity Monitoring", {1, 1}, "urn:oma:lwm2m:oma:4:1.1", {1, 0}, Single, Opt, obj4_v1_1},
    {4, "Connectivity Monitoring", {1, 2}, "urn:oma:lwm2m:oma:4:1.2", {1, 1}, Single, Opt, obj4_v1_2},
    {4, "Connectivity Monitoring", {1, 3}, "urn:oma:lwm2m:oma:4:1.3", {1, 1}, Single, Opt, obj4_v1_3},
    {5, "Firmware Update", {1, 0}, "urn:oma:lwm2m:oma:5", {1, 0}, Single, Opt, obj5_v1_0},
    {5, "Firmware Update", {1, 1}, "urn:oma:lwm2m:oma:5:1.1", {1, 1}, Single, Opt, obj5_v1_1},
    {5, "Firmware Update", {1, 2}, "urn:oma:lwm2m:oma:5:1.2", {1, 1}, Single, Opt, obj5_v1_2},
    {6, "Location", {1, 0}, "urn:oma:lwm2m:oma:6", {1, 0}, Single, Opt, obj6_v1_0},
    {7, "Connectivity Statistics", {1, 0}, "urn:oma:lwm2m:oma:7", {1, 0}, Single, Opt, obj7_v1_0},
    {21, "LWM2M OSCORE", {1, 0}, "urn:oma:lwm2m:oma:21", {1, 1}, Multi, Opt, obj21_v1_0},
    {21, "LWM2M OSCORE", {1, 1}, "urn:oma:lwm2m:oma:21:1.1", {1, 1}, Multi, Opt, obj21_v1_1},
    {21, "LWM2M OSCORE", {2, 0}, "urn:oma:lwm2m:oma:21:2.0", {1, 1}, Multi, Opt, obj21_v2_0},
};
// clang-format on

}  // namespace

std::span<const ObjectRow> core_object_rows() {
  return objects;
}

}  // namespace drover::lwm2m::detail
