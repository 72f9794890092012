// The forms of Register: the query and payload per LwM2M version and root-link option, and the
// fallbacks after a refusal (4.00: no ct in the root link; 4.12: a lower LwM2M version).
#include <functional>

#include "client_harness.hpp"
#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::client::testing {
namespace {

namespace codes = coap::codes;
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

std::string query_value(const Message& m, std::string_view name) {
  for (const auto& q : queries_of(m))
    if (q.starts_with(std::string(name) + "=")) return q.substr(name.size() + 1);
  return {};
}

// The root link's ct values (empty without a root link or ct).
std::vector<std::uint16_t> root_link_formats(const Message& m) {
  std::vector<lwm2m::Link> links;
  EXPECT_FALSE(lwm2m::parse_link_format(m.payload_string(), links).has_value());
  lwm2m::RegistrationPayload payload;
  EXPECT_FALSE(lwm2m::parse_registration_links(links, payload).has_value());
  return payload.content_formats;
}

Message created(std::string_view name) {
  Message m;
  m.code = codes::Created;
  m.add_option(coap::options::LocationPath, "rd");
  m.add_option(coap::options::LocationPath, name);
  return m;
}

// A fake server's answer to a Register.
using Policy = std::function<coap::Code(const Message& reg)>;

// Answers every Register that reaches the fake server with `policy` (2.01 with location rd/x),
// and returns the Registers in the order they came.
std::vector<Message> serve_registers(ClientHarness& h, const Policy& policy) {
  std::vector<Message> seen;
  for (int i = 0; i < 10 && h.has_request(); ++i) {
    const auto reg = h.next_request();
    EXPECT_EQ(reg.request.uri_path(), "/rd");
    seen.push_back(reg.request);
    const coap::Code code = policy(reg.request);
    if (code == codes::Created)
      h.respond(reg, created("x"));
    else
      h.respond(reg, code);
  }
  return seen;
}

// Answers 4.00 to a root link whose ct holds more than one format, as Wakaama's server does.
coap::Code single_ct_only(const Message& reg) {
  return root_link_formats(reg).size() > 1 ? codes::BadRequest : codes::Created;
}

// ---- The Register per version and option.

struct FormCase {
  const char* name;
  Lwm2mVersion version;
  std::optional<RootLinkFormats> formats;
  std::optional<ContentFormat> preferred;
  bool queue_mode;
  std::vector<coap::Code> refusals;  // answers to the Registers before the one checked
  std::vector<std::string> queries;
  std::string payload;
};

void PrintTo(const FormCase& c, std::ostream* os) {
  *os << c.name;
}

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
  for (const auto code : c.refusals) h.respond(h.next_request(), code);
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

// One case a row.
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Register, RegisterForms,
    ::testing::Values(
        // 1.0: no ct whatever the option (TLV is implied), so no root link; Q in the binding.
        FormCase{"V10", Lwm2mVersion::V1_0, std::nullopt, std::nullopt, false, {},
                 {"ep=dev1", "lwm2m=1.0", "lt=300", "b=U"}, objects_1_0},
        FormCase{"V10Queue", Lwm2mVersion::V1_0, std::nullopt, std::nullopt, true, {},
                 {"ep=dev1", "lwm2m=1.0", "lt=300", "b=UQ"}, objects_1_0},
        FormCase{"V10AllFormats", Lwm2mVersion::V1_0, RootLinkFormats::All, std::nullopt, false,
                 {}, {"ep=dev1", "lwm2m=1.0", "lt=300", "b=U"}, objects_1_0},
        // 1.1: the preferred format alone, unquoted; Q on its own.
        FormCase{"V11", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, false, {},
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"}, root + "ct=112," + objects_1_1},
        FormCase{"V11Queue", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, true, {},
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U", "Q"}, root + "ct=112," + objects_1_1},
        FormCase{"V11AllFormats", Lwm2mVersion::V1_1, RootLinkFormats::All, std::nullopt, false,
                 {}, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=\"60 110 112\"," + objects_1_1},
        FormCase{"V11PreferredSenmlJson", Lwm2mVersion::V1_1, std::nullopt,
                 ContentFormat::SenmlJson, false, {}, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=110," + objects_1_1},
        // LwM2M CBOR is no 1.1 format: the 1.1 default stands in.
        FormCase{"V11PreferredLwm2mCbor", Lwm2mVersion::V1_1, std::nullopt,
                 ContentFormat::Lwm2mCbor, false, {}, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"},
                 root + "ct=112," + objects_1_1},
        // After a 4.00: the minimal root link, here none at all.
        FormCase{"V11After400", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, false,
                 {codes::BadRequest}, {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"}, objects_1_1},
        // After a 4.12: 1.0's query and payload (the objects stay the client's own).
        FormCase{"V11QueueAfter412", Lwm2mVersion::V1_1, std::nullopt, std::nullopt, true,
                 {codes::PreconditionFailed}, {"ep=dev1", "lwm2m=1.0", "lt=300", "b=UQ"},
                 objects_1_1},
        // 1.2: the quoted list by default, LwM2M CBOR the preferred format.
        FormCase{"V12", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, false, {},
                 {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U"},
                 root + "ct=\"60 110 112 11544\"," + objects_1_2},
        FormCase{"V12Queue", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, true, {},
                 {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U", "Q"},
                 root + "ct=\"60 110 112 11544\"," + objects_1_2},
        FormCase{"V12Preferred", Lwm2mVersion::V1_2, RootLinkFormats::Preferred, std::nullopt,
                 false, {}, {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U"},
                 root + "ct=11544," + objects_1_2},
        FormCase{"V12After400", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, false,
                 {codes::BadRequest}, {"ep=dev1", "lwm2m=1.2", "lt=300", "b=U"}, objects_1_2},
        // A lower version starts from its own root link again.
        FormCase{"V12After400And412", Lwm2mVersion::V1_2, std::nullopt, std::nullopt, false,
                 {codes::BadRequest, codes::PreconditionFailed},
                 {"ep=dev1", "lwm2m=1.1", "lt=300", "b=U"}, root + "ct=112," + objects_1_2}),
    [](const ::testing::TestParamInfo<FormCase>& p) { return std::string(p.param.name); });
// clang-format on

// ---- Fallbacks against servers that refuse some forms.

TEST(RegisterFallback, SingleValueServerTakesTheDefaultAtOnce) {
  ClientHarness h;
  set_up(h);
  h.client.start(h.now);
  h.pump();
  const auto sent = serve_registers(h, single_ct_only);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(root_link_formats(sent[0]), (std::vector<std::uint16_t>{112}));
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
  EXPECT_TRUE(h.events_of<RegistrationFallback>().empty());
}

TEST(RegisterFallback, ListRefusedWith400GoesWithoutCt) {
  ClientConfig config = test_config();
  config.root_link_formats = RootLinkFormats::All;
  ClientHarness h(config);
  set_up(h);
  h.client.start(h.now);
  h.pump();
  const auto sent = serve_registers(h, single_ct_only);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(root_link_formats(sent[0]), (std::vector<std::uint16_t>{60, 110, 112}));
  EXPECT_EQ(sent[1].payload_string().find("</>"), std::string_view::npos);  // no root link
  EXPECT_EQ(queries_of(sent[1]), queries_of(sent[0]));

  const auto events = h.client_events();
  ASSERT_EQ(events.size(), 2u);
  const auto* fallback = std::get_if<RegistrationFallback>(&events[0]);
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->ssid, 1);
  EXPECT_EQ(fallback->code, codes::BadRequest);
  EXPECT_EQ(fallback->version, Lwm2mVersion::V1_1);
  EXPECT_EQ(fallback->change, "no ct in the root link");
  EXPECT_TRUE(std::holds_alternative<Registered>(events[1]));
  EXPECT_EQ(h.client.location(1), "rd/x");

  // The registration keeps the form the server took: an Update with a new object list has no
  // root link either.
  ASSERT_TRUE(h.client.add_object(3303).has_value());
  ASSERT_TRUE(
      h.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(1.0), h.now).has_value());
  h.pump();
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uri_path(), "/rd/x");
  EXPECT_NE(update.request.payload_string().find("</3303/0>"), std::string_view::npos);
  EXPECT_EQ(update.request.payload_string().find("</>"), std::string_view::npos);
  h.respond(update, codes::Changed);
  EXPECT_EQ(h.events_of<Updated>().size(), 1u);

  // Starting over brings the configured form back.
  h.client.deregister(h.now);
  h.pump();
  h.respond(h.next_request(), codes::Deleted);
  h.client.start(h.now);
  h.pump();
  EXPECT_EQ(root_link_formats(h.next_request().request),
            (std::vector<std::uint16_t>{60, 110, 112}));
}

TEST(RegisterFallback, VersionLoweredOn412UntilTheServerTakesIt) {
  ClientHarness h(config_for(Lwm2mVersion::V1_2));
  set_up(h, /*queue_mode=*/true);
  h.client.start(h.now);
  h.pump();
  const auto sent = serve_registers(h, [](const Message& reg) {
    return query_value(reg, "lwm2m") == "1.0" ? codes::Created : codes::PreconditionFailed;
  });
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(queries_of(sent[0]),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.2", "lt=300", "b=U", "Q"}));
  EXPECT_EQ(root_link_formats(sent[0]), (std::vector<std::uint16_t>{60, 110, 112, 11544}));
  EXPECT_EQ(queries_of(sent[1]),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.1", "lt=300", "b=U", "Q"}));
  EXPECT_EQ(root_link_formats(sent[1]), (std::vector<std::uint16_t>{112}));
  EXPECT_EQ(queries_of(sent[2]),
            (std::vector<std::string>{"ep=dev1", "lwm2m=1.0", "lt=300", "b=UQ"}));
  EXPECT_EQ(sent[2].payload_string().find("</>"), std::string_view::npos);

  const auto events = h.client_events();
  ASSERT_EQ(events.size(), 3u);
  const auto* first = std::get_if<RegistrationFallback>(&events[0]);
  const auto* second = std::get_if<RegistrationFallback>(&events[1]);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->code, codes::PreconditionFailed);
  EXPECT_EQ(first->version, Lwm2mVersion::V1_1);
  EXPECT_EQ(first->change, "LwM2M 1.1");
  EXPECT_EQ(second->version, Lwm2mVersion::V1_0);
  EXPECT_EQ(second->change, "LwM2M 1.0");
  EXPECT_TRUE(std::holds_alternative<Registered>(events[2]));

  // Towards this server the client is a 1.0 client: TLV by default, OMA JSON on request...
  const Message read = h.call(request(codes::Get, "/3/0"));
  EXPECT_EQ(read.code, codes::Content);
  EXPECT_EQ(read.uint_option(coap::options::ContentFormat), 11542u);
  Message json = request(codes::Get, "/3/0");
  lwm2m::set_accept(json, ContentFormat::OmaJson);
  EXPECT_EQ(h.call(json).code, codes::Content);
  // ... and a restated binding carries Q the 1.0 way.
  Message binding = request(codes::Put, "/1/0/7");
  lwm2m::set_content_format(binding, ContentFormat::Text);
  binding.set_payload("T");
  EXPECT_EQ(h.call(binding).code, codes::Changed);
  const auto update = h.next_request();
  EXPECT_EQ(update.request.uri_path(), "/rd/x");
  EXPECT_EQ(queries_of(update.request), (std::vector<std::string>{"b=TQ"}));
  h.respond(update, codes::Changed);

  // A registration the server lost is made again in the form it took.
  ASSERT_TRUE(h.client.trigger_update(1, h.now).has_value());
  h.pump();
  h.respond(h.next_request(), codes::NotFound);
  const auto again = h.next_request();
  EXPECT_EQ(query_value(again.request, "lwm2m"), "1.0");
  EXPECT_EQ(query_value(again.request, "b"), "TQ");
}

// A server that reads the payload before the version, as Wakaama's does: a ct list is 4.00, a
// version past 1.1 is 4.12.
TEST(RegisterFallback, BothFallbacksInTurn) {
  ClientHarness h(config_for(Lwm2mVersion::V1_2));
  set_up(h);
  h.client.start(h.now);
  h.pump();
  const auto sent = serve_registers(h, [](const Message& reg) {
    if (root_link_formats(reg).size() > 1) return codes::BadRequest;
    const auto version = query_value(reg, "lwm2m");
    return version == "1.0" || version == "1.1" ? codes::Created : codes::PreconditionFailed;
  });
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(query_value(sent[0], "lwm2m"), "1.2");
  EXPECT_EQ(root_link_formats(sent[0]).size(), 4u);
  EXPECT_EQ(query_value(sent[1], "lwm2m"), "1.2");
  EXPECT_TRUE(root_link_formats(sent[1]).empty());
  EXPECT_EQ(query_value(sent[2], "lwm2m"), "1.1");
  EXPECT_EQ(root_link_formats(sent[2]), (std::vector<std::uint16_t>{112}));
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
  EXPECT_EQ(h.events_of<RegistrationFallback>().size(), 2u);
}

TEST(RegisterFallback, NoneLeftFallsToTheRetryProcedure) {
  ClientHarness h;
  set_up(h);
  h.client.start(h.now);
  h.pump();
  // 4.00 to everything: one fallback, then the retry procedure, in the form reached.
  const auto sent = serve_registers(h, [](const Message&) { return codes::BadRequest; });
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(root_link_formats(sent[1]).empty());
  const auto failed = h.events_of<RegistrationFailed>();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].code, codes::BadRequest);
  EXPECT_FALSE(failed[0].final);
  EXPECT_EQ(h.client.state(1), RegistrationState::Waiting);
  h.advance(failed[0].retry_in);
  const auto retry = h.next_request();
  EXPECT_EQ(retry.request.payload_string(), sent[1].payload_string());

  // A 1.0 client has no lower version to offer on a 4.12.
  ClientHarness old(config_for(Lwm2mVersion::V1_0));
  set_up(old);
  old.client.start(old.now);
  old.pump();
  EXPECT_EQ(serve_registers(old, [](const Message&) { return codes::PreconditionFailed; }).size(),
            1u);
  const auto events = old.client_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<RegistrationFailed>(events[0]));
}

}  // namespace
}  // namespace drover::client::testing
