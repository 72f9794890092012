// The forms of Register: the query and payload per LwM2M version and root-link option.
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

using lwm2m::Lwm2mVersion;

// Gives the client the Device object (/3/0) and one account (ssid 1, lifetime 300 s).
void set_up(ClientHarness& h, bool queue_mode = false) {
  ASSERT_TRUE(h.client.add_object(3).has_value());
  ASSERT_TRUE(
      h.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}), h.now).has_value());
  ServerAccount account;
  account.lifetime = 300;
  account.queue_mode = queue_mode;
  h.add_account(account);
}

ClientConfig config_for(Lwm2mVersion version) {
  ClientConfig c = test_config();
  c.version = version;
  return c;
}

// ---- The Register per version and option.

struct FormCase {
  const char* name;
  Lwm2mVersion version;
  std::optional<RootLinkFormats> formats;
  std::optional<ContentFormat> preferred;
  bool queue_mode;
  std::vector<std::string> queries;
  std::string payload;
};

void PrintTo(const FormCase& c, std::ostream* os) { *os << c.name; }

class RegisterForms : public ::testing::TestWithParam<FormCase> {};

TEST_P(RegisterForms, QueryAndPayload) {
  const FormCase& c = GetParam();
  ClientConfig config = config_for(c.version);
  config.root_link_formats = c.formats;
  config.preferred_format = c.preferred;
  ClientHarness h(config);
  set_up(h, c.queue_mode);
  h.client.start(h.now);
  h.pump();
  const auto reg = h.next_request();
  EXPECT_EQ(queries_of(reg.request), c.queries);
  EXPECT_EQ(reg.request.uint_option(coap::options::ContentFormat), 40u);
  EXPECT_EQ(reg.request.payload_string(), c.payload);
}

// The object lists: objects at the newest version each LwM2M version allows (the oldest built
// in for 1.0).
constexpr const char* objects_1_0 = "</1>;ver=1.1,</1/0>,</3>;ver=1.1,</3/0>";
constexpr const char* objects_1_1 = "</1>;ver=1.1,</1/0>,</3>;ver=1.2,</3/0>";
constexpr const char* objects_1_2 = "</1>;ver=1.2,</1/0>,</3>;ver=1.2,</3/0>";
const std::string root = "</>;rt=\"oma.lwm2m\";";

INSTANTIATE_TEST_SUITE_P(
    Register, RegisterForms,
    ::testing::Values(
        // 1.0: no ct whatever the option (TLV is implied), so no root link; Q in the binding.
        FormCase{"V10", Lwm2mVersion::V1_0, std::nullopt, std::nullopt, false,
                 {"ep=dev1", "lwm2m=1.0", "lt=300", "b=U"}, objects_1_0},
        FormCase{"V10Queue", Lwm2mVersion::V1_0, std::nullopt, std::nullopt, true,
                 {"ep=dev1", "lwm2m=1.0", "lt=300", "b=UQ"}, objects_1_0},
        FormCase{"V10AllFormats", Lwm2mVersion::V1_0, RootLinkFormats::All, std::nullopt, false,
                 {"ep=dev1", "lwm2m=1.0", "lt=300", "b=U"}, objects_1_0},
        // 1.1: the preferred format alone, unquoted; Q on its own.
        FormCase{"V11", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, false,
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"}, root + "ct=112," + objects_1_1},
        FormCase{"V11Queue", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, true,
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U", "Q"}, root + "ct=112," + objects_1_1},
        FormCase{"V11AllFormats", Lwm2mVersion::V1_1, RootLinkFormats::All, std::nullopt, false,
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=\"60 110 112\"," + objects_1_1},
        FormCase{"V11PreferredSenmlJson", Lwm2mVersion::V1_1, std::nullopt,
                 ContentFormat::SenmlJson, false, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=110," + objects_1_1},
        // LwM2M CBOR is no 1.1 format: the 1.1 default stands in.
        FormCase{"V11PreferredLwm2mCbor", Lwm2mVersion::V1_1, std::nullopt,
                 ContentFormat::Lwm2mCbor, false, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=112," + objects_1_1},
        // 1.2: the quoted list by default, LwM2M CBOR the preferred format.
        FormCase{"V12", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, false,
                 {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U"},
                 root + "ct=\"60 110 112 11544\"," + objects_1_2},
        FormCase{"V12Queue", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, true,
                 {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U", "Q"},
                 root + "ct=\"60 110 112 11544\"," + objects_1_2},
        FormCase{"V12Preferred", Lwm2mVersion::V1_2, RootLinkFormats::Preferred, std::nullopt,
                 false, {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U"},
                 root + "ct=11544," + objects_1_2}),
    [](const ::testing::TestParamInfo<FormCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace drover::client::testing
