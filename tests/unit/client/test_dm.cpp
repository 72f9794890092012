// Device Management served by the client: every operation, in every format it allows, and the
// Core TS error codes.
#include "client_harness.hpp"
#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::client::testing {
namespace {

namespace codes = coap::codes;

class Dm : public RegisteredClient {};

// ---- Read

TEST_F(Dm, ReadSingleResourceDefaultsToText) {
  const auto r = h.call(get("/3/0/0"));
  EXPECT_EQ(r.code, codes::Content);
  EXPECT_EQ(r.uint_option(coap::options::ContentFormat), 0u);
  EXPECT_EQ(r.payload_string(), "Drover");
  const auto served = h.events_of<RequestServed>();
  ASSERT_EQ(served.size(), 1u);
  EXPECT_EQ(served[0].operation, Operation::Read);
  EXPECT_EQ(served[0].path, Path(3, 0, 0));
  EXPECT_EQ(served[0].code, codes::Content);
}

TEST_F(Dm, ReadResourceInEveryFormat) {
  const std::vector<Record> expected = {{Path(3303, 0, 5700), Value(20.0), std::nullopt}};
  for (const auto format :
       {ContentFormat::Text, ContentFormat::Cbor, ContentFormat::SenmlJson,
        ContentFormat::SenmlCbor, ContentFormat::Tlv, ContentFormat::Lwm2mCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(format)));
    const auto r = h.call(get("/3303/0/5700", format));
    ASSERT_EQ(r.code, codes::Content);
    EXPECT_EQ(r.uint_option(coap::options::ContentFormat), static_cast<std::uint32_t>(format));
    EXPECT_EQ(decode(r, Path(3303, 0, 5700)), expected);
  }
}

TEST_F(Dm, ReadInstanceInEveryMultiValueFormat) {
  const auto expected = *h.client.read(Path(3311, 0));
  ASSERT_EQ(expected.size(), 5u);
  for (const auto format : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor, ContentFormat::Tlv,
                            ContentFormat::Lwm2mCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(format)));
    const auto r = h.call(get("/3311/0", format));
    ASSERT_EQ(r.code, codes::Content);
    EXPECT_EQ(decode(r, Path(3311, 0)), expected);
  }
  // No Accept: SenML CBOR for a 1.1 client.
  const auto r = h.call(get("/3311/0"));
  EXPECT_EQ(r.uint_option(coap::options::ContentFormat), 112u);
}

TEST_F(Dm, ReadObjectAndMultipleResource) {
  const auto device = h.call(get("/3"));
  ASSERT_EQ(device.code, codes::Content);
  const auto records = decode(device, Path(3));
  // Executable resources (4, 5, 12) are left out; the Error Code instance is there.
  EXPECT_TRUE(std::none_of(records.begin(), records.end(),
                           [](const Record& r) { return r.path == Path(3, 0, 4); }));
  EXPECT_TRUE(std::any_of(records.begin(), records.end(), [](const Record& r) {
    return r.path == Path(3, 0, 11, 0) && r.value == Value(std::int64_t{0});
  }));
  const auto errors = h.call(get("/3/0/11", ContentFormat::SenmlJson));
  EXPECT_EQ(decode(errors, Path(3, 0, 11)),
            (std::vector<Record>{{Path(3, 0, 11, 0), Value(std::int64_t{0}), std::nullopt}}));
  const auto one = h.call(get("/3/0/11/0"));
  EXPECT_EQ(one.uint_option(coap::options::ContentFormat), 0u);
  EXPECT_EQ(one.payload_string(), "0");
}

TEST_F(Dm, ReadErrors) {
  EXPECT_EQ(h.call(get("/3/0/4")).code, codes::MethodNotAllowed);    // executable
  EXPECT_EQ(h.call(get("/3/0/0/0")).code, codes::MethodNotAllowed);  // instance of a single
  EXPECT_EQ(h.call(get("/3/1")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/0/9")).code, codes::NotFound);  // no battery
  EXPECT_EQ(h.call(get("/3/0/11/7")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/42")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/0/999")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/0/0")).code, codes::Unauthorized);  // Security
  EXPECT_EQ(h.call(get("/0/0/0")).code, codes::Unauthorized);
  EXPECT_EQ(h.call(get("/foo")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/0", ContentFormat::Text)).code, codes::NotAcceptable);
  EXPECT_EQ(h.call(get("/3/0", ContentFormat::OmaJson)).code, codes::NotAcceptable);  // 1.0 only
  Message unknown = get("/3/0/0");
  unknown.add_uint_option(coap::options::Accept, 9999);
  EXPECT_EQ(h.call(unknown).code, codes::NotAcceptable);
  EXPECT_EQ(h.call(get("/")).code, codes::MethodNotAllowed);
}

TEST_F(Dm, ReadEmptyObjectAnswersContent) {
  ASSERT_TRUE(h.client.add_object(3304).has_value());
  h.pump();
  const auto r = h.call(get("/3304"));
  EXPECT_EQ(r.code, codes::Content);
  EXPECT_TRUE(decode(r, Path(3304)).empty());
}

// A test object with an opaque readable resource and a writable multiple one.
void add_test_object(Client& client) {
  lwm2m::ObjectDef def;
  def.id = 30000;
  def.name = "Test";
  def.version = {1, 0};
  def.multiple = true;
  using lwm2m::DataType;
  using lwm2m::Operations;
  def.resources.push_back({0, "List", Operations::RW, true, false, DataType::Integer, "", "", ""});
  def.resources.push_back({1, "Name", Operations::RW, false, true, DataType::String, "", "", ""});
  def.resources.push_back({2, "Blob", Operations::R, false, false, DataType::Opaque, "", "", ""});
  ASSERT_EQ(client.objects().add(def), lwm2m::ObjectRegistry::AddResult::Added);
  ASSERT_TRUE(client.add_object(30000).has_value());
}

TEST_F(Dm, ReadOpaqueDefaultsToOctetStream) {
  add_test_object(h.client);
  auto inst = std::make_unique<ValueInstance>();
  inst->set(2, Value(lwm2m::Opaque{1, 2, 3}));
  ASSERT_TRUE(h.client.add_instance(30000, 0, std::move(inst), h.now).has_value());
  h.pump();
  const auto r = h.call(get("/30000/0/2"));
  EXPECT_EQ(r.code, codes::Content);
  EXPECT_EQ(r.uint_option(coap::options::ContentFormat), 42u);
  EXPECT_EQ(std::vector<std::uint8_t>(r.payload().begin(), r.payload().end()),
            (std::vector<std::uint8_t>{1, 2, 3}));
}

// ---- Discover

TEST_F(Dm, DiscoverListsInstancesResourcesAndAttributes) {
  Message wa = request(codes::Put, "/3303/0/5700");
  wa.add_uri_queries("pmin=2&gt=30.5");
  ASSERT_EQ(h.call(wa).code, codes::Changed);
  Message wo = request(codes::Put, "/3303");
  wo.add_uri_queries("pmax=60");
  ASSERT_EQ(h.call(wo).code, codes::Changed);

  const auto r = h.call(get("/3303", ContentFormat::LinkFormat));
  ASSERT_EQ(r.code, codes::Content);
  EXPECT_EQ(r.uint_option(coap::options::ContentFormat), 40u);
  EXPECT_EQ(r.payload_string(),
            "</3303>;pmax=60,</3303/0>,</3303/0/5601>,</3303/0/5602>,</3303/0/5603>,</3303/0/5604>,"
            "</3303/0/5605>,</3303/0/5700>;pmin=2;gt=30.5,</3303/0/5701>");
  // The target of a Discover shows the attributes it inherits.
  const auto res = h.call(get("/3303/0/5700", ContentFormat::LinkFormat));
  EXPECT_EQ(res.payload_string(), "</3303/0/5700>;pmin=2;pmax=60;gt=30.5");
  Message depth0 = get("/3303", ContentFormat::LinkFormat);
  depth0.add_uri_queries("depth=0");
  EXPECT_EQ(h.call(depth0).payload_string(), "</3303>;pmax=60");
  Message depth1 = get("/3303", ContentFormat::LinkFormat);
  depth1.add_uri_queries("depth=1");
  EXPECT_EQ(h.call(depth1).payload_string(), "</3303>;pmax=60,</3303/0>");
}

TEST_F(Dm, DiscoverReportsDimAndResourceInstances) {
  auto* device = h.client.instance_as<Device>(3, 0);
  device->add_error_code(3);
  device->add_error_code(5);
  const auto r = h.call(get("/3/0/11", ContentFormat::LinkFormat));
  EXPECT_EQ(r.payload_string(), "</3/0/11>;dim=2");
  Message deep = get("/3/0/11", ContentFormat::LinkFormat);
  deep.add_uri_queries("depth=1");
  EXPECT_EQ(h.call(deep).payload_string(), "</3/0/11>;dim=2,</3/0/11/0>,</3/0/11/1>");
}

TEST_F(Dm, DiscoverErrors) {
  EXPECT_EQ(h.call(get("/3/7", ContentFormat::LinkFormat)).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/0/9", ContentFormat::LinkFormat)).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/77", ContentFormat::LinkFormat)).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/0", ContentFormat::LinkFormat)).code, codes::Unauthorized);
  Message bad = get("/3", ContentFormat::LinkFormat);
  bad.add_uri_queries("depth=4");
  EXPECT_EQ(h.call(bad).code, codes::BadRequest);
}

// ---- Write

TEST_F(Dm, WriteReplaceResourceInEveryFormat) {
  std::int64_t value = 10;
  for (const auto format :
       {ContentFormat::Text, ContentFormat::Cbor, ContentFormat::SenmlJson,
        ContentFormat::SenmlCbor, ContentFormat::Tlv, ContentFormat::Lwm2mCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(format)));
    ++value;
    const std::vector<Record> records = {{Path(3311, 0, 5851), Value(value), std::nullopt}};
    const auto payload = encode(format, records, Path(3311, 0, 5851));
    EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0/5851", format, payload)).code,
              codes::Changed);
    EXPECT_EQ(value_at(Path(3311, 0, 5851)), Value(value));
  }
  const auto applied = h.events_of<WriteApplied>();
  ASSERT_EQ(applied.size(), 6u);
  EXPECT_EQ(applied[0].paths, (std::vector<Path>{Path(3311, 0, 5851)}));
}

TEST_F(Dm, WriteInstanceReplaceAndPartialUpdate) {
  const std::vector<Record> records = {
      {Path(3311, 0, 5850), Value(true), std::nullopt},
      {Path(3311, 0, 5851), Value(std::int64_t{42}), std::nullopt}};
  for (const auto format : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor, ContentFormat::Tlv,
                            ContentFormat::Lwm2mCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(format)));
    ASSERT_TRUE(h.client.set_value(Path(3311, 0, 5706), Value("red"), h.now).has_value());
    // Partial Update keeps the Colour; Replace drops the optional resources not given.
    const auto payload = encode(format, records, Path(3311, 0));
    EXPECT_EQ(h.call(with_payload(codes::Post, "/3311/0", format, payload)).code, codes::Changed);
    EXPECT_EQ(value_at(Path(3311, 0, 5706)), Value("red"));
    EXPECT_EQ(value_at(Path(3311, 0, 5851)), Value(std::int64_t{42}));
    EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0", format, payload)).code, codes::Changed);
    EXPECT_EQ(h.call(get("/3311/0/5706")).code, codes::NotFound);
    EXPECT_EQ(value_at(Path(3311, 0, 5850)), Value(true));
  }
}

TEST_F(Dm, WriteMultipleResourceReplaceAndPartial) {
  add_test_object(h.client);
  auto inst = std::make_unique<ValueInstance>();
  inst->set_multiple(0, {{0, Value(std::int64_t{1})}, {1, Value(std::int64_t{2})}});
  inst->set(1, Value("x"));
  ASSERT_TRUE(h.client.add_instance(30000, 0, std::move(inst), h.now).has_value());
  h.pump();
  h.next_request();  // the Update with the new object

  const std::vector<Record> partial = {
      {Path(30000, 0, 0, 1), Value(std::int64_t{20}), std::nullopt},
      {Path(30000, 0, 0, 5), Value(std::int64_t{50}), std::nullopt}};
  auto payload = encode(ContentFormat::SenmlJson, partial, Path(30000, 0, 0));
  EXPECT_EQ(h.call(with_payload(codes::Post, "/30000/0/0", ContentFormat::SenmlJson, payload)).code,
            codes::Changed);
  EXPECT_EQ(*h.client.read(Path(30000, 0, 0)),
            (std::vector<Record>{{Path(30000, 0, 0, 0), Value(std::int64_t{1}), std::nullopt},
                                 {Path(30000, 0, 0, 1), Value(std::int64_t{20}), std::nullopt},
                                 {Path(30000, 0, 0, 5), Value(std::int64_t{50}), std::nullopt}}));
  payload = encode(ContentFormat::Tlv, partial, Path(30000, 0, 0));
  EXPECT_EQ(h.call(with_payload(codes::Put, "/30000/0/0", ContentFormat::Tlv, payload)).code,
            codes::Changed);
  EXPECT_EQ(*h.client.read(Path(30000, 0, 0)), partial);
  // One resource instance replaced: the others stay.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/30000/0/0/9", ContentFormat::Text,
                                std::vector<std::uint8_t>{'9'}))
                .code,
            codes::Changed);
  EXPECT_EQ((*h.client.read(Path(30000, 0, 0))).size(), 3u);
  // Delete of a resource instance.
  EXPECT_EQ(h.call(request(codes::Delete, "/30000/0/0/9")).code, codes::Deleted);
  EXPECT_EQ((*h.client.read(Path(30000, 0, 0))).size(), 2u);
  EXPECT_EQ(h.call(request(codes::Delete, "/30000/0/0/9")).code, codes::NotFound);
  EXPECT_EQ(h.call(request(codes::Delete, "/30000/0/1/0")).code, codes::MethodNotAllowed);
  // A single value for a multiple resource is a bad payload.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/30000/0/0", ContentFormat::Text,
                                std::vector<std::uint8_t>{'1'}))
                .code,
            codes::BadRequest);
}

TEST_F(Dm, WriteErrors) {
  const auto text = [](std::string_view s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
  };
  // Read-only resource, or a payload naming one.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3/0/0", ContentFormat::Text, text("x"))).code,
            codes::MethodNotAllowed);
  const std::vector<Record> mixed = {{Path(3, 0, 0), Value("x"), std::nullopt},
                                     {Path(3, 0, 14), Value("+01:00"), std::nullopt}};
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3/0", ContentFormat::SenmlJson,
                                encode(ContentFormat::SenmlJson, mixed, Path(3, 0))))
                .code,
            codes::MethodNotAllowed);
  EXPECT_EQ(value_at(Path(3, 0, 14)), Value("+00:00"));  // nothing written
  // Unknown instance and resource.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/9/5851", ContentFormat::Text, text("1"))).code,
            codes::NotFound);
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0/9999", ContentFormat::Text, text("1"))).code,
            codes::NotFound);
  // Bad payloads: a type mismatch, undecodable bytes.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0/5851", ContentFormat::Text, text("abc"))).code,
            codes::BadRequest);
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0", ContentFormat::SenmlJson, text("[{"))).code,
            codes::BadRequest);
  // Outside the declared range (Dimmer: 0..100), also inside an instance write.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0/5851", ContentFormat::Text, text("101"))).code,
            codes::BadRequest);
  const std::vector<Record> dim = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                   {Path(3311, 0, 5851), Value(std::int64_t{-1}), std::nullopt}};
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311/0", ContentFormat::SenmlCbor,
                                encode(ContentFormat::SenmlCbor, dim, Path(3311, 0))))
                .code,
            codes::BadRequest);
  EXPECT_EQ(value_at(Path(3311, 0, 5850)), Value(false));
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311/0/5851", ContentFormat::Text, text("100"))).code,
            codes::Changed);
  // Content formats: unknown, link-format, missing.
  Message unknown = request(codes::Put, "/3311/0/5851");
  unknown.add_uint_option(coap::options::ContentFormat, 1234);
  unknown.set_payload("1");
  EXPECT_EQ(h.call(unknown).code, codes::UnsupportedContentFormat);
  EXPECT_EQ(
      h.call(with_payload(codes::Put, "/3311/0/5851", ContentFormat::LinkFormat, text("1"))).code,
      codes::UnsupportedContentFormat);
  Message missing = request(codes::Put, "/3311/0/5851");
  missing.set_payload("1");
  EXPECT_EQ(h.call(missing).code, codes::BadRequest);
  // Object level, Security.
  EXPECT_EQ(h.call(with_payload(codes::Put, "/3311", ContentFormat::Tlv, text(""))).code,
            codes::MethodNotAllowed);
  EXPECT_EQ(h.call(with_payload(codes::Put, "/0/0/0", ContentFormat::Text, text("coap://x"))).code,
            codes::Unauthorized);
  // A Partial Update on a single resource is an Execute of a non-executable resource.
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311/0/5851", ContentFormat::Text, text("1"))).code,
            codes::MethodNotAllowed);
  EXPECT_EQ(h.events_of<WriteApplied>().size(), 1u);  // the one valid Dimmer write
}

// ---- Write-Attributes

TEST_F(Dm, WriteAttributesChecksAndClears) {
  Message wa = request(codes::Put, "/3303/0/5700");
  wa.add_uri_queries("pmin=5&pmax=50&lt=10&gt=30&st=2");
  EXPECT_EQ(h.call(wa).code, codes::Changed);
  // Inconsistent: lt + 2 st >= gt; pmin > pmax; gt on an instance; gt on a string.
  Message bad = request(codes::Put, "/3303/0/5700");
  bad.add_uri_queries("st=10");
  EXPECT_EQ(h.call(bad).code, codes::BadRequest);
  Message order = request(codes::Put, "/3303/0/5700");
  order.add_uri_queries("pmin=60");
  EXPECT_EQ(h.call(order).code, codes::BadRequest);
  Message level = request(codes::Put, "/3303/0");
  level.add_uri_queries("gt=3");
  EXPECT_EQ(h.call(level).code, codes::BadRequest);
  Message text = request(codes::Put, "/3303/0/5701");
  text.add_uri_queries("lt=3");
  EXPECT_EQ(h.call(text).code, codes::BadRequest);
  Message unknown = request(codes::Put, "/3303/0/5700");
  unknown.add_uri_queries("foo=1");
  EXPECT_EQ(h.call(unknown).code, codes::BadRequest);
  Message negative = request(codes::Put, "/3303/0/5700");
  negative.add_uri_queries("pmin=-1");
  EXPECT_EQ(h.call(negative).code, codes::BadRequest);
  Message nowhere = request(codes::Put, "/3303/4/5700");
  nowhere.add_uri_queries("pmin=1");
  EXPECT_EQ(h.call(nowhere).code, codes::NotFound);
  // Clearing with a bare name.
  Message clear = request(codes::Put, "/3303/0/5700");
  clear.add_uri_queries("lt&gt&st&pmax");
  EXPECT_EQ(h.call(clear).code, codes::Changed);
  EXPECT_EQ(h.call(get("/3303/0/5700", ContentFormat::LinkFormat)).payload_string(),
            "</3303/0/5700>;pmin=5");
}

// ---- Execute

TEST_F(Dm, ExecuteRunsAndReportsDeviceActions) {
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/4")).code, codes::Changed);
  EXPECT_EQ(h.events_of<Rebooting>().size(), 1u);
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/5")).code, codes::Changed);
  EXPECT_EQ(h.events_of<FactoryReset>().size(), 1u);

  auto* temp = h.client.instance_as<TemperatureSensor>(3303, 0);
  temp->record(30);
  temp->record(10);
  temp->record(15);
  EXPECT_EQ(value_at(Path(3303, 0, 5601)), Value(10.0));
  Message reset = request(codes::Post, "/3303/0/5605");
  reset.set_payload("0,1='x y'");                    // syntax is checked, the sensor ignores them
  EXPECT_EQ(h.call(reset).code, codes::BadRequest);  // a space is no CHAR
  reset.set_payload("0,1='xy'");
  EXPECT_EQ(h.call(reset).code, codes::Changed);
  EXPECT_EQ(value_at(Path(3303, 0, 5601)), Value(15.0));
  EXPECT_EQ(value_at(Path(3303, 0, 5602)), Value(15.0));
}

// Device hooks decide the answer to Reboot / Factory Reset; the events follow an Ok only.
TEST(DmDeviceHooks, RebootAndFactoryResetHooks) {
  ClientHarness h;
  int reboots = 0;
  Outcome factory_reset = Outcome::Unavailable;
  DeviceHooks hooks;
  hooks.reboot = [&] {
    ++reboots;
    return Outcome::Ok;
  };
  hooks.factory_reset = [&] { return factory_reset; };
  ASSERT_TRUE(h.client.add_object(3).has_value());
  ASSERT_TRUE(h.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}, hooks), h.now)
                  .has_value());
  h.add_account();
  h.register_client();
  h.client_events();

  EXPECT_EQ(h.call(request(codes::Post, "/3/0/4")).code, codes::Changed);
  EXPECT_EQ(reboots, 1);
  EXPECT_EQ(h.events_of<Rebooting>().size(), 1u);
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/5")).code, codes::ServiceUnavailable);
  EXPECT_TRUE(h.events_of<FactoryReset>().empty()) << "refused by the hook: no event";
  factory_reset = Outcome::Ok;
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/5")).code, codes::Changed);
  EXPECT_EQ(h.events_of<FactoryReset>().size(), 1u);
  // Malformed arguments never reach the hook.
  Message bad = request(codes::Post, "/3/0/4");
  bad.set_payload("x");
  EXPECT_EQ(h.call(bad).code, codes::BadRequest);
  EXPECT_EQ(reboots, 1);
}

TEST_F(Dm, ExecuteErrors) {
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/0")).code, codes::MethodNotAllowed);  // not E
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/999")).code, codes::NotFound);
  EXPECT_EQ(h.call(request(codes::Post, "/3/2/4")).code, codes::NotFound);
  EXPECT_EQ(h.call(request(codes::Post, "/1/0/9")).code, codes::NotFound);  // no bootstrap account
  EXPECT_EQ(h.call(request(codes::Post, "/3/0/4/0")).code, codes::MethodNotAllowed);
  for (const auto* args : {"a", "1,1", "1=x", "1='x", "1,", ",1", "1='\"'"}) {
    Message m = request(codes::Post, "/3/0/4");
    m.set_payload(args);
    EXPECT_EQ(h.call(m).code, codes::BadRequest) << args;
  }
  EXPECT_TRUE(h.events_of<Rebooting>().empty());
}

// ---- Create and Delete

TEST_F(Dm, CreateInEveryFormat) {
  std::uint16_t iid = 10;
  for (const auto format : {ContentFormat::Tlv, ContentFormat::SenmlJson, ContentFormat::SenmlCbor,
                            ContentFormat::Lwm2mCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(format)));
    const std::vector<Record> records = {
        {Path(3311, iid, 5850), Value(true), std::nullopt},
        {Path(3311, iid, 5851), Value(std::int64_t{7}), std::nullopt}};
    const auto payload = encode(format, records, Path(3311));
    const auto r = h.call(with_payload(codes::Post, "/3311", format, payload));
    ASSERT_EQ(r.code, codes::Created);
    EXPECT_EQ(location_of(r), (std::vector<std::string>{"3311", std::to_string(iid)}));
    EXPECT_EQ(value_at(Path(3311, iid, 5851)), Value(std::int64_t{7}));
    // The object list changed: an Update carries it.
    const auto update = h.next_request();
    EXPECT_NE(update.request.payload_string().find("</3311/" + std::to_string(iid) + ">"),
              std::string_view::npos);
    h.respond(update, codes::Changed);
    ++iid;
  }
  const auto applied = h.events_of<WriteApplied>();
  ASSERT_EQ(applied.size(), 4u);
  EXPECT_EQ(applied[0].operation, Operation::Create);
  EXPECT_EQ(applied[0].paths, (std::vector<Path>{Path(3311, 10)}));
}

TEST_F(Dm, CreateWithoutInstanceIdPicksOne) {
  // TLV with the resources only: the client chooses the instance ID (the first free: 1).
  const std::vector<Record> records = {{Path(3311, 1, 5850), Value(false), std::nullopt}};
  std::vector<std::uint8_t> payload;
  ASSERT_FALSE(lwm2m::encode(ContentFormat::Tlv, records, Path(3311, 1), payload));
  const auto r = h.call(with_payload(codes::Post, "/3311", ContentFormat::Tlv, payload));
  ASSERT_EQ(r.code, codes::Created);
  EXPECT_EQ(location_of(r), (std::vector<std::string>{"3311", "1"}));
}

TEST_F(Dm, CreateErrors) {
  const auto tlv = [&](const std::vector<Record>& records) {
    return encode(ContentFormat::Tlv, records, Path(3311));
  };
  // Mandatory On/Off missing; an existing ID; read-only values are ignored, not refused.
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311", ContentFormat::Tlv,
                                tlv({{Path(3311, 4, 5851), Value(std::int64_t{1}), std::nullopt}})))
                .code,
            codes::BadRequest);
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311", ContentFormat::Tlv,
                                tlv({{Path(3311, 0, 5850), Value(true), std::nullopt}})))
                .code,
            codes::BadRequest);
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311", ContentFormat::Tlv,
                                tlv({{Path(3311, 4, 5850), Value(true), std::nullopt},
                                     {Path(3311, 4, 5805), Value(1.5), std::nullopt}})))
                .code,
            codes::Created);
  EXPECT_EQ(h.call(get("/3311/4/5805")).code, codes::NotFound);
  // Two instances at once; formats that cannot carry an instance; no factory; unknown object.
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311", ContentFormat::Tlv,
                                tlv({{Path(3311, 5, 5850), Value(true), std::nullopt},
                                     {Path(3311, 6, 5850), Value(true), std::nullopt}})))
                .code,
            codes::BadRequest);
  EXPECT_EQ(h.call(with_payload(codes::Post, "/3311", ContentFormat::Text,
                                std::vector<std::uint8_t>{'1'}))
                .code,
            codes::UnsupportedContentFormat);
  EXPECT_EQ(
      h.call(with_payload(codes::Post, "/3303", ContentFormat::Tlv,
                          encode(ContentFormat::Tlv,
                                 {{Path(3303, 1, 5750), Value("x"), std::nullopt}}, Path(3303))))
          .code,
      codes::MethodNotAllowed);
  EXPECT_EQ(
      h.call(with_payload(codes::Post, "/4", ContentFormat::Tlv, std::vector<std::uint8_t>{})).code,
      codes::NotFound);
  EXPECT_EQ(
      h.call(with_payload(codes::Post, "/0", ContentFormat::Tlv, std::vector<std::uint8_t>{})).code,
      codes::Unauthorized);
}

TEST_F(Dm, DeleteInstance) {
  EXPECT_EQ(h.call(request(codes::Delete, "/3311/0")).code, codes::Deleted);
  EXPECT_EQ(h.client.instance(3311, 0), nullptr);
  const auto update = h.next_request();
  EXPECT_EQ(update.request.payload_string().find("</3311/0>"), std::string_view::npos);
  EXPECT_NE(update.request.payload_string().find("</3311>"), std::string_view::npos);
  EXPECT_EQ(h.call(request(codes::Delete, "/3311/0")).code, codes::NotFound);
  EXPECT_EQ(h.call(request(codes::Delete, "/3/0")).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.call(request(codes::Delete, "/1/0")).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.call(request(codes::Delete, "/3303")).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.call(request(codes::Delete, "/3303/0/5700")).code, codes::MethodNotAllowed);
  EXPECT_EQ(h.call(request(codes::Delete, "/0/0")).code, codes::Unauthorized);
}

// ---- Composite

Message composite(coap::Code code, ContentFormat format, const std::vector<Record>& records) {
  Message m = request(code, "/");
  std::vector<std::uint8_t> payload;
  EXPECT_FALSE(lwm2m::encode(format, records, Path(), payload));
  lwm2m::set_content_format(m, format);
  m.set_payload(payload);
  return m;
}

TEST_F(Dm, ReadCompositeIsBestEffort) {
  const std::vector<Record> paths = {{Path(3303, 0, 5700), {}, std::nullopt},
                                     {Path(3, 0, 0), {}, std::nullopt},
                                     {Path(3, 0, 9), {}, std::nullopt},   // absent: left out
                                     {Path(0, 0, 0), {}, std::nullopt}};  // Security: left out
  for (const auto format : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor}) {
    const auto r = h.call(composite(coap::codes::Fetch, format, paths));
    ASSERT_EQ(r.code, codes::Content);
    EXPECT_EQ(r.uint_option(coap::options::ContentFormat), static_cast<std::uint32_t>(format));
    EXPECT_EQ(decode(r, Path()),
              (std::vector<Record>{{Path(3, 0, 0), Value("Drover"), std::nullopt},
                                   {Path(3303, 0, 5700), Value(20.0), std::nullopt}}));
  }
  // Accept picks the answer's format.
  Message m = composite(coap::codes::Fetch, ContentFormat::SenmlJson, paths);
  lwm2m::set_accept(m, ContentFormat::Lwm2mCbor);
  EXPECT_EQ(h.call(m).uint_option(coap::options::ContentFormat), 11544u);
  lwm2m::set_accept(m, ContentFormat::Tlv);
  EXPECT_EQ(h.call(m).code, codes::NotAcceptable);
  // Nothing readable at all.
  EXPECT_EQ(h.call(composite(coap::codes::Fetch, ContentFormat::SenmlJson,
                             {{Path(3, 7), {}, std::nullopt}}))
                .code,
            codes::NotFound);
  Message tlv = request(coap::codes::Fetch, "/");
  lwm2m::set_content_format(tlv, ContentFormat::Tlv);
  EXPECT_EQ(h.call(tlv).code, codes::UnsupportedContentFormat);
  EXPECT_EQ(h.call(request(coap::codes::Fetch, "/3")).code, codes::MethodNotAllowed);
}

TEST_F(Dm, WriteCompositeIsAtomic) {
  const std::vector<Record> good = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                    {Path(3, 0, 14), Value("+02:00"), std::nullopt}};
  for (const auto format : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor}) {
    EXPECT_EQ(h.call(composite(coap::codes::IPatch, format, good)).code, codes::Changed);
    EXPECT_EQ(value_at(Path(3311, 0, 5850)), Value(true));
    EXPECT_EQ(value_at(Path(3, 0, 14)), Value("+02:00"));
    ASSERT_TRUE(h.client.set_value(Path(3311, 0, 5850), Value(false), h.now).has_value());
  }
  const std::vector<Record> bad = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                   {Path(3, 0, 0), Value("x"), std::nullopt}};
  EXPECT_EQ(h.call(composite(coap::codes::IPatch, ContentFormat::SenmlJson, bad)).code,
            codes::MethodNotAllowed);
  EXPECT_EQ(value_at(Path(3311, 0, 5850)), Value(false));
  const std::vector<Record> missing = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                       {Path(3311, 8, 5850), Value(true), std::nullopt}};
  EXPECT_EQ(h.call(composite(coap::codes::IPatch, ContentFormat::SenmlCbor, missing)).code,
            codes::NotFound);
  EXPECT_EQ(value_at(Path(3311, 0, 5850)), Value(false));
  const std::vector<Record> security = {{Path(0, 0, 0), Value("coap://x"), std::nullopt}};
  EXPECT_EQ(h.call(composite(coap::codes::IPatch, ContentFormat::SenmlCbor, security)).code,
            codes::Unauthorized);
}

TEST_F(Dm, HostileInputGetsErrorCodes) {
  // Paths that are no LwM2M paths: too deep, leading zeros, the reserved ID, not numbers.
  Message deep = request(codes::Get, "/3/0/0/0/0");
  EXPECT_EQ(h.call(deep).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/03/0")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/0/65535")).code, codes::NotFound);
  EXPECT_EQ(h.call(get("/3/x")).code, codes::NotFound);
  // A truncated SenML body, a huge Execute argument list, a Write-Attributes flood of repeats.
  Message fetch = request(coap::codes::Fetch, "/");
  lwm2m::set_content_format(fetch, ContentFormat::SenmlCbor);
  fetch.set_payload(std::vector<std::uint8_t>{0x9f, 0xa1, 0x00});
  EXPECT_EQ(h.call(fetch).code, codes::BadRequest);
  Message exec = request(codes::Post, "/3/0/4");
  exec.set_payload(std::string(2000, '1'));
  EXPECT_EQ(h.call(exec).code, codes::BadRequest);
  Message wa = request(codes::Put, "/3/0");
  wa.add_uri_queries("pmin=1&pmin=2");
  EXPECT_EQ(h.call(wa).code, codes::BadRequest);
  // Garbage datagrams are dropped (a CON among them gets RST from the engine); nothing breaks.
  for (std::uint8_t b = 0; b < 64; ++b) {
    const std::vector<std::uint8_t> junk = {
        static_cast<std::uint8_t>(0x40 | (b & 0x0f)), b, 0x12, 0x34, 0xff, b};
    h.client.receive(kServerAddr, junk, h.now);
  }
  h.pump();
  EXPECT_EQ(h.call(get("/3/0/0")).code, codes::Content);
  EXPECT_EQ(h.client.state(1), RegistrationState::Registered);
}

TEST_F(Dm, UnsupportedMethodIs405) {
  EXPECT_EQ(h.call(request(coap::codes::Patch, "/3/0")).code, codes::MethodNotAllowed);
}

// ---- LwM2M 1.0 defaults

class Dm10 : public RegisteredClient {
 protected:
  static ClientConfig config10() {
    ClientConfig c = test_config();
    c.version = lwm2m::Lwm2mVersion::V1_0;
    return c;
  }
  Dm10() : RegisteredClient(config10()) {}
};

TEST_F(Dm10, InstancesDefaultToTlvAndOmaJsonIsAllowed) {
  const auto r = h.call(get("/3/0"));
  EXPECT_EQ(r.uint_option(coap::options::ContentFormat), 11542u);
  EXPECT_EQ(h.call(get("/3/0", ContentFormat::OmaJson)).code, codes::Content);
}

}  // namespace
}  // namespace drover::client::testing

namespace drover::client::testing {
namespace {

// A Write the transport cut short reaches the engine: the client answers 4.13 with Size1 instead
// of dropping it, so the server can retry in blocks.
TEST_F(Dm, TruncatedWriteIsAnsweredRequestEntityTooLarge) {
  Message m;
  m.type = coap::Type::Con;
  m.code = codes::Put;
  m.message_id = 0x1717;
  m.set_uri_path("/3/0/14");
  m.set_payload(std::string(5000, '+'));
  std::vector<std::uint8_t> bytes;
  coap::serialize(m, bytes);
  h.client.receive_truncated(kServerAddr, std::span(bytes).first(400), h.now);
  coap::Transmit t;
  ASSERT_TRUE(h.client.poll_transmit(t));
  Message reply;
  ASSERT_FALSE(coap::parse(t.bytes, reply).has_value());
  EXPECT_EQ(reply.message_id, 0x1717);
  EXPECT_EQ(reply.code, codes::RequestEntityTooLarge);
  EXPECT_TRUE(reply.uint_option(coap::options::Size1).has_value());
}

}  // namespace
}  // namespace drover::client::testing

namespace drover::client::testing {
namespace {

// The client's CoAP engine is bounded for a device by default (device_engine_config): a Write
// whose body passes 64 KiB is refused with 4.13 as its blocks arrive; one below the bound is
// reassembled and reaches the object checks.
TEST_F(Dm, WriteBodiesPastTheDeviceBoundAreRefusedAsTooLarge) {
  const auto write = [&](std::size_t size) {
    Message m = request(codes::Put, "/3/0/14");
    m.set_uint_option(coap::options::ContentFormat, 0);  // text/plain
    m.set_payload(std::string(size, '+'));
    return h.send(std::move(m));
  };
  const auto small = write(60 * 1024);
  const auto response = h.take_response(small);
  ASSERT_TRUE(response.has_value());
  EXPECT_NE(response->code, codes::RequestEntityTooLarge);

  const auto large = write(65 * 1024);
  bool refused = false;
  for (const auto& event : h.server().events) {
    if (const auto* f = std::get_if<coap::RequestFailed>(&event); f && f->request == large)
      refused = f->reason == coap::FailureReason::RequestTooLarge;
    if (const auto* r = std::get_if<coap::ResponseReceived>(&event); r && r->request == large)
      refused = r->response.code == codes::RequestEntityTooLarge;
  }
  EXPECT_TRUE(refused);
}

}  // namespace
}  // namespace drover::client::testing
