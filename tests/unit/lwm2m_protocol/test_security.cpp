#include <gtest/gtest.h>

#include "drover/lwm2m/protocol/security.hpp"

namespace drover::lwm2m {
namespace {

Record record(std::uint16_t instance, std::uint16_t resource, Value value) {
  return Record{Path(0, instance, resource), std::move(value), std::nullopt};
}

TEST(SecurityMode, NamesAndNumbersAreTheSpecs) {
  EXPECT_EQ(static_cast<int>(SecurityMode::Psk), 0);
  EXPECT_EQ(static_cast<int>(SecurityMode::Est), 4);
  for (const auto mode : {SecurityMode::Psk, SecurityMode::Rpk, SecurityMode::Certificate,
                          SecurityMode::NoSec, SecurityMode::Est}) {
    EXPECT_EQ(security_mode_from_string(to_string(mode)), mode);
    EXPECT_EQ(security_mode_from_int(static_cast<std::int64_t>(mode)), mode);
  }
  EXPECT_EQ(to_string(SecurityMode::Certificate), "x509");
  EXPECT_EQ(security_mode_from_string("certificate"), std::nullopt);
  EXPECT_EQ(security_mode_from_int(5), std::nullopt);
  EXPECT_EQ(security_mode_from_int(-1), std::nullopt);
}

TEST(SecurityAccounts, ReadsEachInstancesResources) {
  const std::vector<Record> records = {
      // A DM server over X.509, its resources out of order, beside other objects' records.
      record(4, 15, Value(std::uint64_t{2})),
      record(4, 0, Value(std::string("coaps://dm.example:5684"))),
      Record{Path(1, 0, 0), Value(std::int64_t{7}), std::nullopt},
      record(4, 2, Value(std::int64_t{2})),
      record(4, 3, Value(Opaque{0x30, 0x01})),
      record(4, 4, Value(Opaque{0x30, 0x02})),
      record(4, 5, Value(Opaque{0x30, 0x03})),
      record(4, 10, Value(std::int64_t{7})),
      record(4, 1, Value(false)),
      // The bootstrap server, NoSec; its mode as an unsigned integer (as TLV may decode it).
      record(0, 0, Value(std::string("coap://bs.example"))),
      record(0, 1, Value(true)),
      record(0, 2, Value(std::uint64_t{3})),
      record(0, 11, Value(std::int64_t{30})),
  };
  const auto accounts = security_accounts(records);
  ASSERT_EQ(accounts.size(), 2u);

  const auto& bs = accounts[0];
  EXPECT_EQ(bs.instance, 0);
  EXPECT_EQ(bs.uri, "coap://bs.example");
  EXPECT_TRUE(bs.bootstrap);
  EXPECT_EQ(bs.mode, SecurityMode::NoSec);
  EXPECT_EQ(bs.short_server_id, std::nullopt);
  EXPECT_EQ(bs.certificate_usage, std::nullopt);

  const auto& dm = accounts[1];
  EXPECT_EQ(dm.instance, 4);
  EXPECT_EQ(dm.uri, "coaps://dm.example:5684");
  EXPECT_FALSE(dm.bootstrap);
  EXPECT_EQ(dm.mode, SecurityMode::Certificate);
  EXPECT_EQ(dm.public_key_or_identity, (Opaque{0x30, 0x01}));
  EXPECT_EQ(dm.server_public_key, (Opaque{0x30, 0x02}));
  EXPECT_EQ(dm.secret_key, (Opaque{0x30, 0x03}));
  EXPECT_EQ(dm.short_server_id, 7);
  EXPECT_EQ(dm.certificate_usage, 2);
}

TEST(SecurityAccounts, LeavesValuesOfTheWrongTypeOrRangeAbsent) {
  const std::vector<Record> records = {
      record(1, 0, Value(Opaque{'x'})),                          // a URI as bytes
      record(1, 1, Value(std::int64_t{1})),                      // a flag as a number
      record(1, 2, Value(std::int64_t{9})),                      // no such mode
      record(1, 3, Value(std::string("identity"))),              // an identity as text
      record(1, 10, Value(std::int64_t{65535})),                 // reserved short server ID
      record(1, 15, Value(std::uint64_t{4})),                    // no such certificate usage
      Record{Path(0, 2), Value(std::int64_t{1}), std::nullopt},  // no resource: not read
  };
  const auto accounts = security_accounts(records);
  ASSERT_EQ(accounts.size(), 1u);
  SecurityAccount expected;
  expected.instance = 1;
  EXPECT_EQ(accounts[0], expected);
}

TEST(SecurityAccounts, NoSecurityRecordsNoAccounts) {
  EXPECT_TRUE(security_accounts({}).empty());
  const std::vector<Record> others = {Record{Path(1, 0, 0), Value(std::int64_t{1}), std::nullopt}};
  EXPECT_TRUE(security_accounts(others).empty());
}

}  // namespace
}  // namespace drover::lwm2m
