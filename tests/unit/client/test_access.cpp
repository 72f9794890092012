// Access Control (object 2) between two servers, and Security (object 0) out of every server's
// reach.
#include <map>
#include <set>

#include "client_harness.hpp"
#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::client::testing {
namespace {

namespace codes = coap::codes;

constexpr std::uint8_t R = 1, W = 2, E = 4, D = 8, C = 16;

// An Access Control instance for /oid/iid.
std::unique_ptr<ValueInstance> acl(std::uint16_t oid, std::uint16_t iid,
                                   std::map<std::uint16_t, std::int64_t> rights,
                                   std::int64_t owner) {
  auto inst = std::make_unique<ValueInstance>();
  inst->set(0, Value(std::int64_t{oid}));
  inst->set(1, Value(std::int64_t{iid}));
  std::map<std::uint16_t, Value> entries;
  for (const auto& [ssid, bits] : rights) entries.emplace(ssid, Value(bits));
  inst->set_multiple(2, std::move(entries));
  inst->set(3, Value(owner));
  return inst;
}

Message with_text(coap::Code code, std::string_view path, std::string_view text) {
  Message m = request(code, path);
  lwm2m::set_content_format(m, ContentFormat::Text);
  m.set_payload(text);
  return m;
}

// A client with Temperature (3303/0), Light Control (3311/0, creatable) and the Access Control
// object, registered with two servers: ssid 1 (fake server 0) and ssid 2 (fake server 1).
class AccessControl : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(h.client.add_object(2).has_value());
    ASSERT_TRUE(h.client.add_object(3303).has_value());
    ASSERT_TRUE(h.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(20.0), h.now)
                    .has_value());
    ASSERT_TRUE(
        h.client.add_object(3311, [](std::uint16_t) { return std::make_unique<ValueInstance>(); })
            .has_value());
    ASSERT_TRUE(h.client.add_instance(3311, 0, make_light_control(), h.now).has_value());
    h.add_fake_server(kServer2Addr);
    ServerAccount one;
    one.short_server_id = 1;
    ServerAccount two;
    two.short_server_id = 2;
    h.add_account(one, 0);
    h.add_account(two, 1);
    h.client.start(h.now);
    h.pump();
    h.accept_register("one", 0);
    h.accept_register("two", 1);
    ASSERT_EQ(h.client.state(1), RegistrationState::Registered);
    ASSERT_EQ(h.client.state(2), RegistrationState::Registered);
  }

  void add_acl(std::uint16_t aiid, std::unique_ptr<ValueInstance> inst) {
    ASSERT_TRUE(h.client.add_instance(2, aiid, std::move(inst), h.now).has_value());
  }
  // The answers of server 1 (allowed) and server 2 (refused) to the same request.
  void expect_one_allowed(const std::function<Message()>& make, coap::Code allowed) {
    EXPECT_EQ(h.call(make(), 1).code, codes::Unauthorized);
    EXPECT_EQ(h.call(make(), 0).code, allowed);
  }

  ClientHarness h;
};

TEST_F(AccessControl, EachOperationNeedsItsRight) {
  add_acl(0, acl(3303, 0, {{1, R | W | E | D}, {2, 0}}, 65535));
  add_acl(1, acl(3311, 0, {{1, R | W}}, 65535));
  expect_one_allowed([] { return request(codes::Get, "/3303/0/5700"); }, codes::Content);
  expect_one_allowed(
      [] {
        Message m = request(codes::Get, "/3303/0/5700");
        m.add_uint_option(coap::options::Observe, 0);
        return m;
      },
      codes::Content);
  EXPECT_EQ(h.client.observation_count(), 1u);
  expect_one_allowed(
      [] {
        Message m = request(codes::Put, "/3303/0/5700");
        m.add_option(coap::options::UriQuery, "pmin=5");
        return m;
      },
      codes::Changed);
  expect_one_allowed([] { return with_text(codes::Put, "/3311/0/5750", "Lamp"); }, codes::Changed);
  expect_one_allowed([] { return request(codes::Post, "/3303/0/5605"); }, codes::Changed);
  expect_one_allowed([] { return request(codes::Delete, "/3303/0"); }, codes::Deleted);
  // The deleted instance's Access Control instance went with it.
  EXPECT_EQ(h.client.instance(2, 0), nullptr);
  EXPECT_NE(h.client.instance(2, 1), nullptr);
}

TEST_F(AccessControl, AccessIsCheckedBeforeTheOperation) {
  add_acl(0, acl(3303, 0, {{1, R | E}}, 65535));
  // 4.01 for server 2, where server 1 gets the resource's own refusal.
  EXPECT_EQ(h.call(request(codes::Post, "/3303/0/5700"), 1).code, codes::Unauthorized);
  EXPECT_EQ(h.call(request(codes::Post, "/3303/0/5700"), 0).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.call(request(codes::Get, "/3303/0/4"), 0).code, codes::NotFound);
  // An instance that does not exist is not found, whoever asks.
  EXPECT_EQ(h.call(request(codes::Get, "/3303/9"), 1).code, codes::NotFound);
  // No Access Control instance: no rights.
  EXPECT_EQ(h.call(request(codes::Get, "/3311/0/5850"), 0).code, codes::Unauthorized);
}

TEST_F(AccessControl, CreateNeedsTheObjectsOwnAclAndMakesOneForTheInstance) {
  add_acl(0, acl(3311, 65535, {{1, C}}, 65535));
  const auto create = [](std::uint16_t iid) {
    const std::vector<Record> records = {{Path(3311, iid, 5850), Value(true), std::nullopt}};
    std::vector<std::uint8_t> payload;
    EXPECT_FALSE(lwm2m::encode(ContentFormat::SenmlJson, records, Path(3311), payload));
    Message m = request(codes::Post, "/3311");
    lwm2m::set_content_format(m, ContentFormat::SenmlJson);
    m.set_payload(payload);
    return m;
  };
  EXPECT_EQ(h.call(create(5), 1).code, codes::Unauthorized);
  EXPECT_EQ(h.call(create(5), 0).code, codes::Created);
  // Its Access Control instance: /3311/5, owned by server 1, no entries.
  const auto records = h.client.read(Path(2, 1));
  ASSERT_TRUE(records.has_value());
  EXPECT_EQ(*records, (std::vector<Record>{{Path(2, 1, 0), Value(std::int64_t{3311}), std::nullopt},
                                           {Path(2, 1, 1), Value(std::int64_t{5}), std::nullopt},
                                           {Path(2, 1, 2), Value{}, std::nullopt},
                                           {Path(2, 1, 3), Value(std::int64_t{1}), std::nullopt}}));
  // The owner may do everything on it, the other server nothing.
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/5/5850", "0"), 0).code, codes::Changed);
  EXPECT_EQ(h.call(request(codes::Get, "/3311/5"), 1).code, codes::Unauthorized);
  // The owner grants server 2 Read; then deletes the instance, and its Access Control with it.
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/1/2/2", "1"), 0).code, codes::Changed);
  EXPECT_EQ(h.call(request(codes::Get, "/3311/5/5850"), 1).code, codes::Content);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/5/5850", "1"), 1).code, codes::Unauthorized);
  EXPECT_EQ(h.call(request(codes::Delete, "/3311/5"), 0).code, codes::Deleted);
  EXPECT_EQ(h.client.instance(2, 1), nullptr);
}

TEST_F(AccessControl, TheOwnerHasFullRightsAndAloneManagesTheAcl) {
  add_acl(0, acl(3311, 0, {{1, R}}, 2));
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1"), 1).code, codes::Changed);
  EXPECT_EQ(h.call(request(codes::Delete, "/3311/0"), 0).code, codes::Unauthorized);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "0"), 0).code, codes::Unauthorized);
  EXPECT_EQ(h.call(request(codes::Get, "/3311/0/5850"), 0).code, codes::Content);
  // Every server reads the Access Control instance; only its owner writes it.
  EXPECT_EQ(h.call(request(codes::Get, "/2/0/3"), 0).payload_string(), "2");
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/0/2/1", "3"), 0).code, codes::Unauthorized);
  EXPECT_EQ(h.call(request(codes::Delete, "/2/0"), 0).code, codes::Unauthorized);
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/0/2/1", "3"), 1).code, codes::Changed);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "0"), 0).code, codes::Changed);
  // An own entry takes precedence over ownership: the owner gives itself Read only.
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/0/2/2", "1"), 1).code, codes::Changed);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1"), 1).code, codes::Unauthorized);
  // Resources 0 and 1 (which instance it governs) are read-only.
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/0/1", "1"), 1).code, codes::MethodNotAllowed);
}

TEST_F(AccessControl, TheDefaultEntryServesServersWithoutTheirOwn) {
  add_acl(0, acl(3311, 0, {{0, R}, {1, W}}, 65535));
  EXPECT_EQ(h.call(request(codes::Get, "/3311/0/5850"), 1).code, codes::Content);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1"), 1).code, codes::Unauthorized);
  // Server 1's own entry replaces the default: it writes and does not read.
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1"), 0).code, codes::Changed);
  EXPECT_EQ(h.call(request(codes::Get, "/3311/0/5850"), 0).code, codes::Unauthorized);
}

TEST_F(AccessControl, ObjectReadsAndDiscoverShowWhatTheServerMaySee) {
  ASSERT_TRUE(h.client.add_instance(3311, 1, make_light_control(true), h.now).has_value());
  add_acl(0, acl(3311, 0, {{2, R}}, 1));
  add_acl(1, acl(3311, 1, {{2, W}}, 1));
  lwm2m::DecodeOptions options;
  options.types = &h.client.objects();
  const auto read_as = [&](std::size_t server, std::string_view path) {
    Message m = request(codes::Get, path);
    lwm2m::set_accept(m, ContentFormat::SenmlJson);
    const auto r = h.call(std::move(m), server);
    std::vector<Record> records;
    EXPECT_FALSE(lwm2m::decode(ContentFormat::SenmlJson, r.payload(), Path(), options, records));
    std::set<std::uint16_t> instances;
    for (const auto& rec : records) instances.insert(rec.path.instance_id());
    return instances;
  };
  EXPECT_EQ(read_as(1, "/3311"), (std::set<std::uint16_t>{0}));
  EXPECT_EQ(read_as(0, "/3311"), (std::set<std::uint16_t>{0, 1}));
  // Read-Composite of the root: server 2 sees /3311/0 and the Access Control instances (which
  // every server reads), never /3303/0 (no rights) nor Security.
  Message fetch = request(codes::Fetch, "/");
  lwm2m::set_content_format(fetch, ContentFormat::SenmlJson);
  lwm2m::set_accept(fetch, ContentFormat::SenmlJson);
  fetch.set_payload(std::string_view(R"([{"n":"/"}])"));
  const auto all = h.call(std::move(fetch), 1);
  ASSERT_EQ(all.code, codes::Content);
  std::vector<Record> records;
  ASSERT_FALSE(lwm2m::decode(ContentFormat::SenmlJson, all.payload(), Path(), options, records));
  std::set<Path> seen;
  for (const auto& r : records) seen.insert(Path(r.path.object_id(), r.path.instance_id()));
  EXPECT_EQ(seen, (std::set<Path>{Path(2, 0), Path(2, 1), Path(3311, 0)}));
  // Discover lists the instances the server has any right on.
  Message discover = request(codes::Get, "/3311");
  lwm2m::set_accept(discover, ContentFormat::LinkFormat);
  const std::string links(h.call(std::move(discover), 1).payload_string());
  EXPECT_NE(links.find("</3311/0>"), std::string::npos) << links;
  EXPECT_NE(links.find("</3311/1>"), std::string::npos);
  EXPECT_EQ(h.call(request(codes::Get, "/3303"), 1).code, codes::Unauthorized);
  Message none = request(codes::Get, "/3303");
  lwm2m::set_accept(none, ContentFormat::LinkFormat);
  EXPECT_EQ(h.call(std::move(none), 1).payload_string(), "</3303>");
  // Write-Composite is all or nothing: one target without Write refuses it.
  Message patch = request(codes::IPatch, "/");
  lwm2m::set_content_format(patch, ContentFormat::SenmlJson);
  patch.set_payload(
      std::string_view(R"([{"n":"/3311/1/5850","vb":false},{"n":"/3311/0/5850","vb":true}])"));
  EXPECT_EQ(h.call(std::move(patch), 1).code, codes::Unauthorized);
  EXPECT_EQ((*h.client.read(Path(3311, 1, 5850))).front().value, Value(true));
}

TEST_F(AccessControl, TakingRightsAwayEndsObservations) {
  add_acl(0, acl(3303, 0, {{2, R}}, 1));
  Message observe = request(codes::Get, "/3303/0/5700");
  observe.add_uint_option(coap::options::Observe, 0);
  EXPECT_EQ(h.call(std::move(observe), 1).code, codes::Content);
  EXPECT_EQ(h.client.observation_count(), 1u);
  EXPECT_EQ(h.call(with_text(codes::Put, "/2/0/2/2", "0"), 0).code, codes::Changed);
  h.client.instance_as<TemperatureSensor>(3303, 0)->record(30.0);
  h.client.value_changed(Path(3303, 0, 5700), h.now);
  h.pump();
  EXPECT_EQ(h.client.observation_count(), 0u);
}

TEST(AccessControlRule, OneServerMayDoEverything) {
  ClientHarness h;
  ASSERT_TRUE(h.client.add_object(2).has_value());
  ASSERT_TRUE(h.client.add_object(3311).has_value());
  ASSERT_TRUE(h.client.add_instance(3311, 0, make_light_control(), h.now).has_value());
  // An Access Control instance that gives ssid 1 nothing does not bind a single server.
  ASSERT_TRUE(h.client.add_instance(2, 0, acl(3311, 0, {{1, 0}}, 65535), h.now).has_value());
  h.add_account();
  h.register_client();
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1")).code, codes::Changed);
  EXPECT_EQ(h.call(request(codes::Get, "/3311/0/5850")).code, codes::Content);
  EXPECT_EQ(h.call(request(codes::Delete, "/3311/0")).code, codes::Deleted);
}

TEST(AccessControlRule, WithoutTheObjectServersAreNotRestricted) {
  ClientHarness h;
  h.add_fake_server(kServer2Addr);
  ASSERT_TRUE(h.client.add_object(3311).has_value());
  ASSERT_TRUE(h.client.add_instance(3311, 0, make_light_control(), h.now).has_value());
  ServerAccount one;
  ServerAccount two;
  two.short_server_id = 2;
  h.add_account(one, 0);
  h.add_account(two, 1);
  h.client.start(h.now);
  h.pump();
  h.accept_register("one", 0);
  h.accept_register("two", 1);
  EXPECT_EQ(h.call(with_text(codes::Put, "/3311/0/5850", "1"), 1).code, codes::Changed);
}

// ---- Security (object 0): the bootstrap server's account and the others, out of reach.

TEST(SecurityObject, NoServerReachesIt) {
  ClientHarness h;
  h.add_fake_server(coap::PeerAddress::loopback_v4(5999));
  ASSERT_TRUE(h.client.add_bootstrap_server("coap://127.0.0.1:5999", h.now).has_value());
  h.add_account();
  const auto reg = h.register_client();
  // Instance 0 is the bootstrap server's account (/0/0/1 true), 1 the server's own.
  const auto* bootstrap_account = h.client.instance_as<ValueInstance>(0, 0);
  ASSERT_NE(bootstrap_account, nullptr);
  EXPECT_EQ(*bootstrap_account->value(1), Value(true));
  EXPECT_EQ(reg.request.payload_string().find("</0"), std::string::npos);
  for (const std::string_view path : {"/0", "/0/0", "/0/0/0", "/0/0/1", "/0/1", "/0/1/0"}) {
    SCOPED_TRACE(std::string(path));
    EXPECT_EQ(h.call(request(codes::Get, path)).code, codes::Unauthorized);
    Message discover = request(codes::Get, path);
    lwm2m::set_accept(discover, ContentFormat::LinkFormat);
    EXPECT_EQ(h.call(std::move(discover)).code, codes::Unauthorized);
    Message wa = request(codes::Put, path);
    wa.add_option(coap::options::UriQuery, "pmin=1");
    EXPECT_EQ(h.call(std::move(wa)).code, codes::Unauthorized);
    EXPECT_EQ(h.call(with_text(codes::Put, path, "coap://127.0.0.1:1")).code, codes::Unauthorized);
    EXPECT_EQ(h.call(request(codes::Delete, path)).code, codes::Unauthorized);
  }
  EXPECT_EQ(h.call(request(codes::Post, "/0")).code, codes::Unauthorized);  // Create
  // Composite requests: Security is left out of a read of everything, refused when named.
  Message fetch = request(codes::Fetch, "/");
  lwm2m::set_content_format(fetch, ContentFormat::SenmlJson);
  fetch.set_payload(std::string_view(R"([{"n":"/"}])"));
  const auto all = h.call(std::move(fetch));
  EXPECT_EQ(all.code, codes::Content);
  EXPECT_EQ(all.payload_string().find("\"/0/"), std::string::npos);
  Message named = request(codes::Fetch, "/");
  lwm2m::set_content_format(named, ContentFormat::SenmlJson);
  named.set_payload(std::string_view(R"([{"n":"/0/0/0"}])"));
  EXPECT_EQ(h.call(std::move(named)).code, codes::Unauthorized);
  Message patch = request(codes::IPatch, "/");
  lwm2m::set_content_format(patch, ContentFormat::SenmlJson);
  patch.set_payload(std::string_view(R"([{"n":"/0/0/0","vs":"coap://127.0.0.1:1"}])"));
  EXPECT_EQ(h.call(std::move(patch)).code, codes::Unauthorized);
  EXPECT_EQ(*bootstrap_account->value(0), Value("coap://127.0.0.1:5999"));
}

}  // namespace
}  // namespace drover::client::testing
