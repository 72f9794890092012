// Every operation in every content format it allows, server core against client core: the tests
// are parameterised by format, and a format that cannot carry a payload must fail the spec's way
// (4.06 from the client for an answer, EncodeFailed or UnsupportedFormat from the server for a
// request) rather than succeed.
#include "e2e_harness.hpp"

namespace drover::e2e {
namespace {

bool is_record_format(ContentFormat f) {
  return f == ContentFormat::Tlv || f == ContentFormat::SenmlJson || f == ContentFormat::SenmlCbor ||
         f == ContentFormat::Lwm2mCbor || f == ContentFormat::OmaJson;
}

std::string format_name(const ::testing::TestParamInfo<ContentFormat>& param) {
  switch (param.param) {
    case ContentFormat::Text:
      return "Text";
    case ContentFormat::OctetStream:
      return "Opaque";
    case ContentFormat::Cbor:
      return "Cbor";
    case ContentFormat::Tlv:
      return "Tlv";
    case ContentFormat::SenmlJson:
      return "SenmlJson";
    case ContentFormat::SenmlCbor:
      return "SenmlCbor";
    case ContentFormat::Lwm2mCbor:
      return "Lwm2mCbor";
    case ContentFormat::OmaJson:
      return "OmaJson";
    case ContentFormat::LinkFormat:
      break;
  }
  return "Format" + std::to_string(static_cast<unsigned>(param.param));
}

const auto kAllFormats = ::testing::Values(
    ContentFormat::Text, ContentFormat::OctetStream, ContentFormat::Cbor, ContentFormat::Tlv,
    ContentFormat::SenmlJson, ContentFormat::SenmlCbor, ContentFormat::Lwm2mCbor);
const auto kRecordFormats = ::testing::Values(ContentFormat::Tlv, ContentFormat::SenmlJson,
                                              ContentFormat::SenmlCbor, ContentFormat::Lwm2mCbor);
// What composite operations and Send take.
const auto kCompositeFormats =
    ::testing::Values(ContentFormat::SenmlJson, ContentFormat::SenmlCbor, ContentFormat::Lwm2mCbor);

class Formats : public E2e, public ::testing::WithParamInterface<ContentFormat> {
 protected:
  ContentFormat format() const { return GetParam(); }
  RequestParams accept() const {
    RequestParams p;
    p.accept = GetParam();
    return p;
  }
  RequestParams content() const {
    RequestParams p;
    p.format = GetParam();
    return p;
  }
  // Whether the format can answer a Read or Observe of `path` here: single-value formats carry
  // one value, octet-stream only an Opaque one (none is readable here).
  bool carries_answer(const Path& path) const {
    return is_record_format(format()) ||
           (path.has_resource() && format() != ContentFormat::OctetStream);
  }
  // A small number that differs per format, so that each run writes values of its own (within
  // the ranges of the resources written: ACL 0..31, Dimmer 0..100).
  std::int64_t tag() const { return static_cast<std::int64_t>(GetParam()) % 31; }
};

class AllFormats : public Formats {};
class RecordFormats : public Formats {};
class CompositeFormats : public Formats {};

INSTANTIATE_TEST_SUITE_P(E2e, AllFormats, kAllFormats, format_name);
INSTANTIATE_TEST_SUITE_P(E2e, RecordFormats, kRecordFormats, format_name);
INSTANTIATE_TEST_SUITE_P(E2e, CompositeFormats, kCompositeFormats, format_name);

// ---- Read

TEST_P(AllFormats, ReadOfObjectInstanceResourceAndResourceInstance) {
  for (const Path& path : {Path(3303), Path(3303, 0), Path(3303, 0, 5700), Path(3, 0, 11, 0)}) {
    SCOPED_TRACE(path.to_string());
    const auto r = result(server().read(ep, path, accept(), now));
    if (!carries_answer(path)) {
      EXPECT_EQ(r.status, OperationStatus::NotAcceptable);
      continue;
    }
    ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
    EXPECT_EQ(r.format, format());
    EXPECT_EQ(r.records, client_read(path));
    EXPECT_FALSE(r.records.empty());
  }
}

// ---- Write

TEST_P(AllFormats, WriteReplaceOfOneResource) {
  const std::string name = format_name({format(), 0});
  struct Case {
    Path path;
    Value value;
  };
  const Case cases[] = {
      {Path(3311, 0, 5706), Value("colour in " + name)},
      {Path(3311, 0, 5851), Value(tag())},
      {Path(5, 0, 0), Value(lwm2m::Opaque{0x00, 0xff, static_cast<std::uint8_t>(tag())})},
      {Path(2, 0, 2, 1), Value(tag())},  // one instance of a multiple resource
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path.to_string());
    const std::vector<Record> records = {{c.path, c.value, std::nullopt}};
    const auto id = server().write(ep, c.path, records, WriteMode::Replace, content(), now);
    if (format() == ContentFormat::OctetStream && c.value.type() != lwm2m::DataType::Opaque) {
      EXPECT_EQ(id.error(), Error::EncodeFailed) << "octet-stream carries Opaque values only";
      continue;
    }
    const auto r = result(id);
    ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
    EXPECT_EQ(last_request_format(), format());
    if (c.path.object_id() == 5) {  // write-only: seen on the instance
      const auto* package = client().instance_as<client::ValueInstance>(5, 0)->value(0);
      ASSERT_NE(package, nullptr);
      EXPECT_EQ(*package, c.value);
    } else {
      EXPECT_EQ(client_read(c.path), records);
    }
  }
  // Replacing one instance of a multiple resource keeps the others.
  EXPECT_EQ(client_read(Path(2, 0, 2)).size(), 1u);
}

TEST_P(RecordFormats, WriteReplaceOfAnInstance) {
  ASSERT_TRUE(client().set_value(Path(3311, 0, 5706), Value("red"), now).has_value());
  const std::vector<Record> values = {{Path(3311, 0, 5850), Value(true), std::nullopt},
                                      {Path(3311, 0, 5851), Value(tag()), std::nullopt}};
  const auto r = result(server().write(ep, Path(3311, 0), values, WriteMode::Replace, content(), now));
  ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
  EXPECT_EQ(last_request_format(), format());
  // The optional writable resources left out (colour, on time, application type) are gone.
  EXPECT_EQ(client_read(Path(3311, 0)), values);
}

TEST_P(RecordFormats, WritePartialUpdateOfAnInstanceAndAMultipleResource) {
  const std::string colour = "colour " + std::to_string(tag());
  const std::vector<Record> instance = {{Path(3311, 0, 5706), Value(colour), std::nullopt}};
  auto r = result(server().write(ep, Path(3311, 0), instance, WriteMode::PartialUpdate, content(), now));
  ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
  EXPECT_EQ(last_request_format(), format());
  EXPECT_EQ(client_read(Path(3311, 0, 5706))[0].value, Value(colour));
  EXPECT_EQ(client_read(Path(3311, 0, 5851))[0].value, Value(std::int64_t{100}));  // kept

  // POST /2/0/2 adds an ACL instance and keeps the one there.
  const std::vector<Record> acl = {{Path(2, 0, 2, 3), Value(tag()), std::nullopt}};
  r = result(server().write(ep, Path(2, 0, 2), acl, WriteMode::PartialUpdate, content(), now));
  ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
  EXPECT_EQ(client_read(Path(2, 0, 2)),
            (std::vector<Record>{{Path(2, 0, 2, 1), Value(std::int64_t{15}), std::nullopt},
                                 {Path(2, 0, 2, 3), Value(tag()), std::nullopt}}));
}

// ---- Create

TEST_P(RecordFormats, CreateWithAndWithoutInstanceId) {
  const auto iid = static_cast<std::uint16_t>(10 + tag());
  const std::vector<Record> light = {
      {Path(3311, iid, 5706), Value("made in " + format_name({format(), 0})), std::nullopt},
      {Path(3311, iid, 5850), Value(true), std::nullopt}};
  const auto created = result(server().create(ep, 3311, iid, light, content(), now));
  ASSERT_EQ(created.status, OperationStatus::Success) << created.diagnostic;
  EXPECT_EQ(last_request_format(), format());
  EXPECT_EQ(created.created, Path(3311, iid));
  EXPECT_EQ(client_read(Path(3311, iid)), light);
  EXPECT_FALSE(take<server::Updated>().empty()) << "the new instance is announced";

  // Without an ID only TLV can leave the instance out; the client picks the first free one.
  const std::vector<Record> unnamed = {{Path(3311, 0, 5850), Value(false), std::nullopt}};
  const auto id = server().create(ep, 3311, std::nullopt, unnamed, content(), now);
  if (format() != ContentFormat::Tlv) {
    EXPECT_EQ(id.error(), Error::UnsupportedFormat);
    return;
  }
  const auto picked = result(id);
  ASSERT_EQ(picked.status, OperationStatus::Success) << picked.diagnostic;
  EXPECT_EQ(picked.created, Path(3311, 1));
  EXPECT_EQ(client_read(Path(3311, 1, 5850))[0].value, Value(false));
}

// ---- Composite

TEST_P(CompositeFormats, WriteComposite) {
  const std::vector<Record> values = {{Path(3311, 0, 5851), Value(tag()), std::nullopt},
                                      {Path(3311, 0, 5706), Value("composite"), std::nullopt},
                                      {Path(2, 0, 2, 1), Value(std::int64_t{7}), std::nullopt}};
  const auto r = result(server().write_composite(ep, values, content(), now));
  ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
  EXPECT_EQ(last_request_format(), format());
  for (const auto& v : values) EXPECT_EQ(client_read(v.path), (std::vector<Record>{v}));
}

TEST_P(CompositeFormats, ReadCompositeAnsweredInTheAcceptedFormat) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3311, 0), Path(3, 0, 11, 0)};
  std::vector<Record> expected;
  for (const auto& p : paths)
    for (auto& r : client_read(p)) expected.push_back(std::move(r));
  std::sort(expected.begin(), expected.end(),
            [](const Record& a, const Record& b) { return a.path < b.path; });
  for (const auto request : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor}) {
    SCOPED_TRACE(std::string(lwm2m::to_string(request)));
    RequestParams p;
    p.format = request;
    p.accept = format();
    const auto r = result(server().read_composite(ep, paths, p, now));
    ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
    EXPECT_EQ(r.format, format());
    EXPECT_EQ(r.records, expected);
  }
}

// ---- Observe

TEST_P(AllFormats, ObserveAnsweredInTheAcceptedFormat) {
  double temperature = 30.0 + static_cast<double>(tag()) / 4;  // a new value each time
  for (const Path& path : {Path(3303, 0, 5700), Path(3303, 0)}) {
    SCOPED_TRACE(path.to_string());
    const auto id = server().observe(ep, path, accept(), now);
    const auto first = result(id);
    if (!carries_answer(path)) {
      EXPECT_EQ(first.status, OperationStatus::NotAcceptable);
      continue;
    }
    ASSERT_EQ(first.status, OperationStatus::Success) << first.diagnostic;
    EXPECT_TRUE(first.observing);
    EXPECT_EQ(first.format, format());
    EXPECT_EQ(first.records, client_read(path));
    set_temperature(temperature += 1);
    const auto n = notifications(*id);
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].format, format());
    EXPECT_EQ(n[0].records, client_read(path));
    ASSERT_TRUE(server().cancel_observation(*id, server::CancelMode::Active, now).has_value());
    pump();
  }
}

TEST_P(CompositeFormats, ObserveCompositeAnsweredInTheAcceptedFormat) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3311, 0, 5850)};
  const auto id = server().observe_composite(ep, paths, accept(), now);
  const auto first = result(id);
  ASSERT_EQ(first.status, OperationStatus::Success) << first.diagnostic;
  EXPECT_TRUE(first.observing);
  EXPECT_EQ(first.format, format());
  ASSERT_TRUE(client().set_value(Path(3311, 0, 5850), Value(true), now).has_value());
  pump();
  const auto n = notifications(*id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].format, format());
  EXPECT_EQ(n[0].records,
            (std::vector<Record>{{Path(3303, 0, 5700), Value(20.0), std::nullopt},
                                 {Path(3311, 0, 5850), Value(true), std::nullopt}}));
}

// ---- Send

class SendFormats : public E2e, public ::testing::WithParamInterface<ContentFormat> {
 protected:
  SendFormats() : E2e(E2eOptions{.send_format = GetParam()}) {}
};
INSTANTIATE_TEST_SUITE_P(E2e, SendFormats, kCompositeFormats, format_name);

TEST_P(SendFormats, SendIsDecodedByTheServer) {
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3, 0, 11), Path(3311, 0, 5850)};
  ASSERT_TRUE(client().send(paths, now).has_value());
  pump();
  const auto sent = take<server::SendReceived>();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].format, GetParam());
  EXPECT_EQ(sent[0].records,
            (std::vector<Record>{{Path(3, 0, 11, 0), Value(std::int64_t{0}), std::nullopt},
                                 {Path(3303, 0, 5700), Value(20.0), std::nullopt},
                                 {Path(3311, 0, 5850), Value(false), std::nullopt}}));
  const auto done = take_client<client::SendCompleted>();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].code, coap::codes::Changed);
}

// ---- Execute

class Execute : public E2e {};

TEST_F(Execute, ArgumentsReachTheHandler) {
  EXPECT_EQ(result(server().execute(ep, Path(5, 0, 2), "0='fw.bin',1", {}, now)).status,
            OperationStatus::Success);
  EXPECT_EQ(result(server().execute(ep, Path(5, 0, 2), "", {}, now)).status,
            OperationStatus::Success);
  // Malformed arguments are the client's 4.00, and never reach the handler.
  EXPECT_EQ(result(server().execute(ep, Path(5, 0, 2), "0=fw", {}, now)).status,
            OperationStatus::BadRequest);
  EXPECT_EQ(executed, (std::vector<std::string>{"0='fw.bin',1", ""}));
}

// ---- OMA JSON (11543): LwM2M 1.0 only

class OmaJson10 : public E2e {
 protected:
  OmaJson10() : E2e(E2eOptions{.version = lwm2m::Lwm2mVersion::V1_0}) {}
};

TEST_F(OmaJson10, ReadsAtEveryLevel) {
  RequestParams p;
  p.accept = ContentFormat::OmaJson;
  for (const Path& path : {Path(3303), Path(3303, 0), Path(3303, 0, 5700), Path(3, 0, 11, 0)}) {
    SCOPED_TRACE(path.to_string());
    const auto r = result(server().read(ep, path, p, now));
    ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
    EXPECT_EQ(r.format, ContentFormat::OmaJson);
    EXPECT_EQ(r.records, client_read(path));
  }
}

class OmaJson11 : public E2e {};

TEST_F(OmaJson11, IsNotAcceptableFromLaterClients) {
  RequestParams p;
  p.accept = ContentFormat::OmaJson;
  EXPECT_EQ(result(server().read(ep, Path(3303, 0), p, now)).status,
            OperationStatus::NotAcceptable);
}

}  // namespace
}  // namespace drover::e2e
