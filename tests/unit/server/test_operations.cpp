// Device Management operations: the requests the server sends (method, path, options, format)
// and how answers, errors and failures come back as OperationCompleted.
#include "drover/lwm2m/formats/content_format.hpp"
#include "server_harness.hpp"

namespace drover::server::testing {
namespace {

using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

std::vector<std::uint8_t> encoded(ContentFormat format, const std::vector<Record>& records,
                                  const Path& base) {
  std::vector<std::uint8_t> out;
  auto error = lwm2m::encode(format, records, base, out);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return out;
}

std::vector<Record> decoded(ContentFormat format, std::span<const std::uint8_t> payload,
                            const Path& base) {
  std::vector<Record> out;
  auto error = lwm2m::decode(format, payload, base, {}, out);
  EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
  return out;
}

std::optional<ContentFormat> format_of(const coap::Message& m) {
  return lwm2m::content_format_of(m).format;
}

// A 1.1 client announcing SenML JSON.
struct Operations : ::testing::Test {
  Harness h;
  void SetUp() override {
    h.register_device();
    h.events.clear();
  }
  Result<OperationId> ok(Result<OperationId> r) {
    EXPECT_TRUE(r.has_value()) << to_string(r.error());
    h.pump();
    return r;
  }
};

TEST_F(Operations, ReadSendsGetAndDecodesWithTheObjectModel) {
  auto id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Get);
  EXPECT_EQ(req.request.uri_path(), "/3/0");
  EXPECT_FALSE(req.request.has_option(coap::options::Accept)) << "the client picks its format";
  EXPECT_FALSE(req.request.has_option(coap::options::Observe));

  // TLV carries no types: the server's object registry gives them.
  const std::vector<Record> device = {{Path(3, 0, 0), Value("ACME"), {}},
                                      {Path(3, 0, 9), Value(std::int64_t{87}), {}}};
  h.answer_bytes(req, coap::codes::Content, 11542, encoded(ContentFormat::Tlv, device, Path(3, 0)));
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_EQ(r.code, coap::codes::Content);
  EXPECT_EQ(r.format, ContentFormat::Tlv);
  EXPECT_EQ(r.records, device);
  EXPECT_EQ(h.server.counts().operations, 0u);
}

TEST_F(Operations, ResultAsValueTree) {
  auto id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  // Error Code (/3/0/11) is a multiple resource: its instances nest under it.
  const std::vector<Record> device = {{Path(3, 0, 0), Value("ACME"), {}},
                                      {Path(3, 0, 11, 0), Value(std::int64_t{2}), {}},
                                      {Path(3, 0, 11, 1), Value(std::int64_t{5}), {}}};
  h.answer_bytes(h.take_request(), coap::codes::Content, 11542,
                 encoded(ContentFormat::Tlv, device, Path(3, 0)));
  const OperationResult r = h.result_of(*id);
  ASSERT_EQ(r.status, OperationStatus::Success);
  const auto tree = r.value_tree(&h.server.objects());
  ASSERT_TRUE(tree.has_value()) << tree.error().to_string();
  const auto& resources = tree.value().objects.at(3).instances.at(0).resources;
  EXPECT_EQ(resources.at(0).value, Value("ACME"));
  EXPECT_TRUE(resources.at(11).multiple);
  EXPECT_EQ(
      resources.at(11).instances,
      (std::map<std::uint16_t, Value>{{0, Value(std::int64_t{2})}, {1, Value(std::int64_t{5})}}));
  EXPECT_EQ(lwm2m::tree_to_records(*tree), device);

  // Records that do not form a tree (a value above resource level) say why.
  OperationResult bad;
  bad.records = {{Path(3, 0), Value("x"), {}}};
  EXPECT_FALSE(bad.value_tree().has_value());
  EXPECT_EQ(bad.value_tree().error().path, Path(3, 0));
}

TEST_F(Operations, ReadWithAcceptAndPlainTextWithoutContentFormat) {
  RequestParams params;
  params.accept = ContentFormat::SenmlJson;
  auto id = ok(h.server.read("dev1", Path(3, 0, 9), params, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 110u);
  h.answer(req, coap::codes::Content, 110, R"([{"n":"/3/0/9","v":55}])");
  OperationResult r = h.result_of(*id);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].value, Value(std::int64_t{55}));

  id = ok(h.server.read("dev1", Path(3, 0, 9), {}, h.now));
  h.answer(h.take_request(), coap::codes::Content, std::nullopt, "42");
  r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_EQ(r.format, ContentFormat::Text);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].value, Value(std::int64_t{42})) << "typed as Integer by the Device model";
}

TEST_F(Operations, ReadErrorsAndUndecodablePayloads) {
  auto id = ok(h.server.read("dev1", Path(3, 0, 77), {}, h.now));
  h.answer(h.take_request(), coap::codes::NotFound, std::nullopt, "no such resource");
  OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::NotFound);
  EXPECT_EQ(r.code, coap::codes::NotFound);
  EXPECT_EQ(r.diagnostic, "no such resource");

  id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  h.answer(h.take_request(), coap::codes::Content, 110, "[{\"n\":");
  r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::DecodeFailed);
  EXPECT_TRUE(r.records.empty());
  EXPECT_FALSE(r.diagnostic.empty());

  id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  h.answer(h.take_request(), coap::codes::Content, 9999, "x");
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::DecodeFailed);

  const std::pair<coap::Code, OperationStatus> mapping[] = {
      {coap::codes::BadRequest, OperationStatus::BadRequest},
      {coap::codes::Unauthorized, OperationStatus::Unauthorized},
      {coap::codes::MethodNotAllowed, OperationStatus::MethodNotAllowed},
      {coap::codes::NotAcceptable, OperationStatus::NotAcceptable},
      {coap::codes::UnsupportedContentFormat, OperationStatus::UnsupportedFormat},
      {coap::codes::InternalServerError, OperationStatus::InternalServerError},
      {coap::codes::NotImplemented, OperationStatus::NotImplemented},
      {coap::codes::BadGateway, OperationStatus::BadGateway},
      {coap::codes::ServiceUnavailable, OperationStatus::ServiceUnavailable},
      {coap::codes::GatewayTimeout, OperationStatus::GatewayTimeout},
      {coap::Code(5, 5), OperationStatus::ProxyingNotSupported},
      {coap::Code(5, 6), OperationStatus::ServerError},
      {coap::Code(5, 31), OperationStatus::ServerError},
      {coap::Code(4, 7), OperationStatus::OtherError},
  };
  for (const auto& [code, status] : mapping) {
    id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
    h.answer(h.take_request(), code);
    EXPECT_EQ(h.result_of(*id).status, status) << code.to_string();
  }
}

TEST_F(Operations, CallsThatFailUpFront) {
  EXPECT_EQ(h.server.read("nobody", Path(3, 0), {}, h.now).error(), Error::UnknownEndpoint);
  EXPECT_EQ(h.server.read("dev1", Path(), {}, h.now).error(), Error::InvalidPath);
  EXPECT_EQ(h.server.execute("dev1", Path(3, 0), "", {}, h.now).error(), Error::InvalidPath);
  EXPECT_EQ(h.server.execute("dev1", Path(3, 0, 4), "bad\x01", {}, h.now).error(),
            Error::InvalidArgument);
  EXPECT_EQ(h.server.delete_("dev1", Path(3303), {}, h.now).error(), Error::InvalidPath);
  EXPECT_EQ(h.server
                .write("dev1", Path(3), std::vector<Record>{{Path(3, 0, 1), Value("x"), {}}},
                       WriteMode::Replace, {}, h.now)
                .error(),
            Error::InvalidPath);
  EXPECT_EQ(h.server
                .write("dev1", Path(3, 0), std::vector<Record>{{Path(4, 0, 1), Value("x"), {}}},
                       WriteMode::Replace, {}, h.now)
                .error(),
            Error::InvalidArgument);
  EXPECT_EQ(h.server.write("dev1", Path(3, 0), std::vector<Record>{}, WriteMode::Replace, {}, h.now)
                .error(),
            Error::InvalidArgument);
  EXPECT_EQ(h.server.discover("dev1", Path(3, 0), 4, {}, h.now).error(), Error::InvalidArgument);
  EXPECT_EQ(h.server.read_composite("dev1", std::vector<Path>{}, {}, h.now).error(),
            Error::InvalidArgument);
  RequestParams tlv;
  tlv.format = ContentFormat::Tlv;
  EXPECT_EQ(h.server.read_composite("dev1", std::vector<Path>{Path(3, 0)}, tlv, h.now).error(),
            Error::UnsupportedFormat);
  RequestParams senml;
  senml.format = ContentFormat::SenmlJson;
  EXPECT_EQ(h.server
                .create("dev1", 3303, std::nullopt,
                        std::vector<Record>{{Path(3303, 0, 5700), Value(1.0), {}}}, senml, h.now)
                .error(),
            Error::UnsupportedFormat);
  RequestParams text;
  text.format = ContentFormat::Text;
  EXPECT_EQ(h.server
                .write("dev1", Path(3, 0),
                       std::vector<Record>{{Path(3, 0, 14), Value("a"), {}},
                                           {Path(3, 0, 15), Value("b"), {}}},
                       WriteMode::PartialUpdate, text, h.now)
                .error(),
            Error::EncodeFailed);
  h.pump();
  EXPECT_TRUE(h.requests.empty()) << "nothing was sent";
}

TEST(OperationsDiscover, SendsAcceptLinkFormatAndDepth) {
  Harness h;
  h.register_device("ep=dev1&lt=300&lwm2m=1.2", "</1/0>,</3/0>");
  auto id = h.server.discover("dev1", Path(3), 1, {}, h.now);
  ASSERT_TRUE(id.has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Get);
  EXPECT_EQ(req.request.uri_path(), "/3");
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 40u);
  EXPECT_EQ(queries_of(req.request), std::vector<std::string>{"depth=1"});
  h.answer(req, coap::codes::Content, 40, "</3>;ver=1.1,</3/0>;pmin=10,</3/0/0>,</3/0/6>;dim=2");
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  ASSERT_EQ(r.links.size(), 4u);
  EXPECT_EQ(r.links[1].target, "/3/0");
  EXPECT_EQ(r.links[1].pmin(), 10u);
  EXPECT_EQ(r.links[3].dim(), 2);

  id = h.server.discover("dev1", Path(3, 0), std::nullopt, {}, h.now);
  ASSERT_TRUE(id.has_value());
  h.pump();
  req = h.take_request();
  EXPECT_TRUE(queries_of(req.request).empty());
  h.answer(req, coap::codes::Content, 40, "</3/0");
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::DecodeFailed);
}

// Operations a client's LwM2M version lacks are refused before anything is sent.
TEST(OperationsVersion, RefusedWhenTheVersionLacksThem) {
  const std::vector<Path> paths = {Path(3, 0, 0)};
  const std::vector<Record> values = {{Path(3, 0, 14), Value("+01"), {}}};

  Harness v10;
  v10.register_device("ep=old", "</1/0>,</3/0>");
  EXPECT_EQ(v10.server.read_composite("old", paths, {}, v10.now).error(),
            Error::UnsupportedByVersion);
  EXPECT_EQ(v10.server.write_composite("old", values, {}, v10.now).error(),
            Error::UnsupportedByVersion);
  EXPECT_EQ(v10.server.observe_composite("old", paths, {}, v10.now).error(),
            Error::UnsupportedByVersion);
  EXPECT_EQ(v10.server.discover("old", Path(3), 1, {}, v10.now).error(),
            Error::UnsupportedByVersion);
  // What 1.0 has goes out.
  EXPECT_TRUE(v10.server.discover("old", Path(3), std::nullopt, {}, v10.now).has_value());
  v10.pump();
  EXPECT_EQ(v10.requests.size(), 1u);

  Harness v11;
  v11.register_device();
  for (unsigned depth = 0; depth <= 3; ++depth)
    EXPECT_EQ(v11.server.discover("dev1", Path(3, 0), depth, {}, v11.now).error(),
              Error::UnsupportedByVersion);
  EXPECT_TRUE(v11.server.read_composite("dev1", paths, {}, v11.now).has_value());
  v11.pump();
  EXPECT_EQ(v11.requests.size(), 1u);
}

// A 1.2 client that announced LwM2M CBOR gets it for composite values; the path list stays SenML.
TEST(OperationsVersion, Lwm2mCborForComposite12Clients) {
  Harness h;
  h.register_device("ep=new&lwm2m=1.2", "</>;rt=\"oma.lwm2m\";ct=\"112 11544\",</3/0>");
  const std::vector<Path> paths = {Path(3, 0, 0)};
  ASSERT_TRUE(h.server.read_composite("new", paths, {}, h.now).has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlCbor);
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 11544u);
  h.answer(req, coap::codes::NotFound);  // NSTART 1: the next request waits for this one
  const std::vector<Record> values = {{Path(3, 0, 14), Value("+01"), {}}};
  ASSERT_TRUE(h.server.write_composite("new", values, {}, h.now).has_value());
  h.pump();
  req = h.take_request();
  EXPECT_EQ(format_of(req.request), ContentFormat::Lwm2mCbor);
  EXPECT_EQ(decoded(ContentFormat::Lwm2mCbor, req.request.payload(), Path()), values);
}

TEST_F(Operations, WriteSingleValuesAsTextOrOpaque) {
  auto id = ok(h.server.write("dev1", Path(3, 0, 14),
                              std::vector<Record>{{Path(3, 0, 14), Value("+02"), {}}},
                              WriteMode::Replace, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Put);
  EXPECT_EQ(req.request.uri_path(), "/3/0/14");
  EXPECT_EQ(format_of(req.request), ContentFormat::Text);
  EXPECT_EQ(req.request.payload_string(), "+02");
  h.answer(req, coap::codes::Changed);
  OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_EQ(r.code, coap::codes::Changed);

  id = ok(h.server.write("dev1", Path(5, 0, 0),
                         std::vector<Record>{{Path(5, 0, 0), Value(lwm2m::Opaque{1, 2, 3}), {}}},
                         WriteMode::Replace, {}, h.now));
  req = h.take_request();
  EXPECT_EQ(format_of(req.request), ContentFormat::OctetStream);
  EXPECT_EQ(req.request.payload().size(), 3u);
  h.answer(req, coap::codes::MethodNotAllowed);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::MethodNotAllowed);
}

TEST_F(Operations, WriteInstancesInTheNegotiatedFormat) {
  const std::vector<Record> values = {{Path(1, 0, 1), Value(std::int64_t{600}), {}},
                                      {Path(1, 0, 2), Value(std::int64_t{1}), {}}};
  // The client announced ct=110 (SenML JSON).
  auto id = ok(h.server.write("dev1", Path(1, 0), values, WriteMode::PartialUpdate, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uri_path(), "/1/0");
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlJson);
  EXPECT_EQ(decoded(ContentFormat::SenmlJson, req.request.payload(), Path(1, 0)), values);
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Success);

  // The caller's choice wins.
  RequestParams cbor;
  cbor.format = ContentFormat::SenmlCbor;
  id = ok(h.server.write("dev1", Path(1, 0), values, WriteMode::Replace, cbor, h.now));
  req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Put);
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlCbor);
}

TEST(OperationsFormat, A10ClientGetsTlvAnd12ClientLwm2mCbor) {
  Harness h;
  h.register_device("ep=old", "</1/0>,</3/0>");
  const std::vector<Record> values = {{Path(1, 0, 1), Value(std::int64_t{600}), {}}};
  ASSERT_TRUE(h.server.write("old", Path(1, 0), values, WriteMode::Replace, {}, h.now).has_value());
  h.pump();
  auto req = h.take_request();
  EXPECT_EQ(format_of(req.request), ContentFormat::Tlv);
  EXPECT_EQ(decoded(ContentFormat::Tlv, req.request.payload(), Path(1, 0)).size(), 1u);

  Harness h2;
  h2.register_device("ep=new&lwm2m=1.2", "</>;rt=\"oma.lwm2m\";ct=\"110 112 11544\",</1/0>");
  ASSERT_TRUE(
      h2.server.write("new", Path(1, 0), values, WriteMode::Replace, {}, h2.now).has_value());
  h2.pump();
  EXPECT_EQ(format_of(h2.take_request().request), ContentFormat::Lwm2mCbor);

  Harness h3;
  h3.register_device("ep=plain&lwm2m=1.1", "</1/0>");
  ASSERT_TRUE(
      h3.server.write("plain", Path(1, 0), values, WriteMode::Replace, {}, h3.now).has_value());
  h3.pump();
  EXPECT_EQ(format_of(h3.take_request().request), ContentFormat::Tlv) << "nothing announced";
}

TEST(OperationsFormat, AlternateRootIsUsedOnTheWire) {
  Harness h;
  h.register_device("ep=alt&lwm2m=1.1", "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/3/0>");
  ASSERT_TRUE(h.server.read("alt", Path(3, 0, 0), {}, h.now).has_value());
  h.pump();
  EXPECT_EQ(h.take_request().request.uri_path(), "/lwm2m/3/0/0");
}

TEST_F(Operations, WriteAttributesSendsQueriesWithoutPayload) {
  lwm2m::AttributeUpdate update;
  update.set.set(lwm2m::Attribute::Pmin, 10);
  update.set.set(lwm2m::Attribute::Gt, 20.5);
  update.cleared.push_back(lwm2m::Attribute::Pmax);
  auto id = ok(h.server.write_attributes("dev1", Path(3303, 0, 5700), update, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Put);
  EXPECT_EQ(req.request.uri_path(), "/3303/0/5700");
  EXPECT_FALSE(req.request.has_option(coap::options::ContentFormat));
  EXPECT_TRUE(req.request.payload().empty());
  lwm2m::AttributeUpdate sent;
  EXPECT_FALSE(lwm2m::parse_attribute_queries(req.request, sent).has_value());
  EXPECT_EQ(sent.set, update.set);
  EXPECT_EQ(sent.cleared, update.cleared);
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Success);
  EXPECT_EQ(h.server.write_attributes("dev1", Path(3), {}, {}, h.now).error(),
            Error::InvalidArgument);
}

TEST_F(Operations, ExecuteWithAndWithoutArguments) {
  auto id = ok(h.server.execute("dev1", Path(1, 0, 8), "0='U'", {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uri_path(), "/1/0/8");
  EXPECT_EQ(req.request.payload_string(), "0='U'");
  EXPECT_EQ(format_of(req.request), ContentFormat::Text);
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Success);

  id = ok(h.server.execute("dev1", Path(3, 0, 4), "", {}, h.now));
  req = h.take_request();
  EXPECT_TRUE(req.request.payload().empty());
  EXPECT_FALSE(req.request.has_option(coap::options::ContentFormat));
  h.answer(req, coap::codes::BadRequest, std::nullopt, "bad args");
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::BadRequest);
  EXPECT_EQ(r.diagnostic, "bad args");
}

TEST_F(Operations, CreateWithInstanceId) {
  const std::vector<Record> values = {{Path(3303, 7, 5700), Value(21.5), {}},
                                      {Path(3303, 7, 5701), Value("Cel"), {}}};
  auto id = ok(h.server.create("dev1", 3303, 7, values, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Post);
  EXPECT_EQ(req.request.uri_path(), "/3303");
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlJson);
  EXPECT_EQ(decoded(ContentFormat::SenmlJson, req.request.payload(), Path(3303)), values);
  coap::Message created;
  created.code = coap::codes::Created;
  EXPECT_TRUE(h.device.respond(req.exchange, created, h.now).has_value());
  h.pump();
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  EXPECT_EQ(r.created, Path(3303, 7)) << "no Location-Path: the instance asked for";
}

TEST_F(Operations, CreateWithoutInstanceIdSendsBareTlvResources) {
  const std::vector<Record> values = {{Path(3303, 0, 5700), Value(21.5), {}}};
  auto id = ok(h.server.create("dev1", 3303, std::nullopt, values, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.uri_path(), "/3303");
  EXPECT_EQ(format_of(req.request), ContentFormat::Tlv);
  // A bare resource entry (type bits 11), no object-instance wrapper.
  ASSERT_FALSE(req.request.payload().empty());
  EXPECT_EQ(req.request.payload()[0] & 0xC0, 0xC0);
  coap::Message created;
  created.code = coap::codes::Created;
  created.add_option(coap::options::LocationPath, "3303");
  created.add_option(coap::options::LocationPath, "12");
  EXPECT_TRUE(h.device.respond(req.exchange, created, h.now).has_value());
  h.pump();
  EXPECT_EQ(h.result_of(*id).created, Path(3303, 12));
}

TEST_F(Operations, Delete) {
  auto id = ok(h.server.delete_("dev1", Path(3303, 1), {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Delete);
  EXPECT_EQ(req.request.uri_path(), "/3303/1");
  EXPECT_TRUE(req.request.payload().empty());
  h.answer(req, coap::codes::Deleted);
  EXPECT_EQ(h.result_of(*id).code, coap::codes::Deleted);
  EXPECT_TRUE(h.server.delete_("dev1", Path(3, 0, 6, 1), {}, h.now).has_value());
}

TEST_F(Operations, ReadCompositeFetchesAPathList) {
  const std::vector<Path> paths = {Path(3, 0, 9), Path(3303, 0)};
  auto id = ok(h.server.read_composite("dev1", paths, {}, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::Fetch);
  EXPECT_EQ(req.request.uri_path(), "/");
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlJson);
  EXPECT_EQ(req.request.uint_option(coap::options::Accept), 110u);
  const auto listed = decoded(ContentFormat::SenmlJson, req.request.payload(), Path());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].path, paths[0]);
  EXPECT_TRUE(listed[0].value.is_none());
  EXPECT_EQ(listed[1].path, paths[1]);

  h.answer(req, coap::codes::Content, 110,
           R"([{"n":"/3/0/9","v":80},{"n":"/3303/0/5700","v":21.5}])");
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::Success);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].value, Value(std::int64_t{80}));
  EXPECT_EQ(r.records[1].value, Value(21.5));
}

TEST_F(Operations, WriteCompositeUsesIpatch) {
  const std::vector<Record> values = {{Path(3, 0, 14), Value("+01"), {}},
                                      {Path(3303, 0, 5701), Value("K"), {}}};
  RequestParams cbor;
  cbor.format = ContentFormat::SenmlCbor;
  auto id = ok(h.server.write_composite("dev1", values, cbor, h.now));
  auto req = h.take_request();
  EXPECT_EQ(req.request.code, coap::codes::IPatch);
  EXPECT_EQ(req.request.uri_path(), "/");
  EXPECT_EQ(format_of(req.request), ContentFormat::SenmlCbor);
  EXPECT_EQ(decoded(ContentFormat::SenmlCbor, req.request.payload(), Path()), values);
  h.answer(req, coap::codes::Changed);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Success);
}

TEST_F(Operations, TimeoutWhenTheClientNeverAnswers) {
  h.drop_to_device = true;
  RequestParams params;
  params.timeout = 5s;
  auto id = ok(h.server.read("dev1", Path(3, 0), params, h.now));
  h.advance(4s);
  EXPECT_FALSE(h.completed(*id));
  h.advance(1s);
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Timeout);
  EXPECT_EQ(h.server.counts().operations, 0u);
}

TEST_F(Operations, ResetByTheClient) {
  h.drop_to_device = true;
  auto id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  ASSERT_FALSE(h.to_device.empty());
  coap::Message rst;
  rst.type = coap::Type::Rst;
  rst.message_id = h.to_device.back().message_id;
  std::vector<std::uint8_t> bytes;
  coap::serialize(rst, bytes);
  h.server.receive(kDevice, bytes, h.now);
  h.pump();
  EXPECT_EQ(h.result_of(*id).status, OperationStatus::Reset);
}

TEST_F(Operations, PendingOperationsEndWithTheRegistration) {
  auto id = ok(h.server.read("dev1", Path(3, 0), {}, h.now));
  EXPECT_EQ(h.server.counts().operations, 1u);
  h.register_device();  // replaces the registration
  const OperationResult r = h.result_of(*id);
  EXPECT_EQ(r.status, OperationStatus::ClientGone);
  EXPECT_EQ(h.server.counts().operations, 0u);
}

TEST(OperationsBounds, MaxOperations) {
  ServerConfig config = test_config();
  config.max_operations = 2;
  Harness h(config);
  h.register_device();
  EXPECT_TRUE(h.server.read("dev1", Path(3, 0), {}, h.now).has_value());
  EXPECT_TRUE(h.server.read("dev1", Path(3, 0), {}, h.now).has_value());
  EXPECT_EQ(h.server.read("dev1", Path(3, 0), {}, h.now).error(), Error::TooManyOperations);
}

TEST(OperationsBounds, EngineQueueFullIsBusy) {
  ServerConfig config = test_config();
  config.engine.max_queued_requests_per_peer = 1;  // NSTART 1 + one waiting
  Harness h(config);
  h.register_device();
  EXPECT_TRUE(h.server.read("dev1", Path(3, 0), {}, h.now).has_value());
  EXPECT_TRUE(h.server.read("dev1", Path(3, 0), {}, h.now).has_value());
  EXPECT_EQ(h.server.read("dev1", Path(3, 0), {}, h.now).error(), Error::Busy);
  EXPECT_EQ(h.server.counts().operations, 2u);
}

}  // namespace
}  // namespace drover::server::testing
