// What the LwM2M version of a client changes, end to end: 1.2 clients get LwM2M CBOR by default and
// Discover with depth; the server refuses what a client's version lacks (composite operations
// before 1.1, depth before 1.2) instead of sending it.
#include <array>

#include "e2e_harness.hpp"

namespace drover::e2e {
namespace {

// Links of a Discover answer counted by level: objects, instances, resources, resource instances.
using LinkLevels = std::array<std::size_t, 4>;
LinkLevels levels(const std::vector<lwm2m::Link>& links) {
  LinkLevels out{};
  for (const auto& link : links) {
    const auto path = Path::parse(link.target);
    EXPECT_TRUE(path.has_value()) << link.target;
    if (path && path->depth() >= 1) ++out[path->depth() - 1];
  }
  return out;
}

class Lwm2m12 : public E2e {
 protected:
  Lwm2m12() : E2e(E2eOptions{.version = lwm2m::Lwm2mVersion::V1_2}) {}
  // The resources of /3/0 (all listed by Discover) and the one resource instance (/3/0/11/0).
  std::size_t device_resources() { return client().instance(3, 0)->resources().size(); }
};

TEST_F(Lwm2m12, Lwm2mCborByDefault) {
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0].registration.version, lwm2m::Lwm2mVersion::V1_2);
  EXPECT_TRUE(registered[0].registration.announced(ContentFormat::Lwm2mCbor));

  const auto device = result(server().read(ep, Path(3, 0), {}, now));
  ASSERT_EQ(device.status, OperationStatus::Success) << device.diagnostic;
  EXPECT_EQ(device.format, ContentFormat::Lwm2mCbor);
  EXPECT_EQ(device.records, client_read(Path(3, 0)));

  const std::vector<Record> light = {{Path(3311, 0, 5706), Value("amber"), std::nullopt},
                                     {Path(3311, 0, 5851), Value(std::int64_t{64}), std::nullopt}};
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0), light, WriteMode::PartialUpdate, {}, now)).status,
      OperationStatus::Success);
  EXPECT_EQ(last_request_format(), ContentFormat::Lwm2mCbor);
  EXPECT_EQ(client_read(Path(3311, 0, 5706))[0].value, Value("amber"));

  const std::vector<Record> created = {{Path(3311, 3, 5850), Value(true), std::nullopt}};
  const auto made = result(server().create(ep, 3311, 3, created, {}, now));
  EXPECT_EQ(made.status, OperationStatus::Success) << made.diagnostic;
  EXPECT_EQ(last_request_format(), ContentFormat::Lwm2mCbor);

  EXPECT_EQ(result(server().write_composite(ep, light, {}, now)).status, OperationStatus::Success);
  EXPECT_EQ(last_request_format(), ContentFormat::Lwm2mCbor);

  // Read-Composite: the path list in SenML CBOR, the answer in LwM2M CBOR.
  const std::vector<Path> paths = {Path(3303, 0, 5700), Path(3311, 0, 5706)};
  const auto composite = result(server().read_composite(ep, paths, {}, now));
  ASSERT_EQ(composite.status, OperationStatus::Success) << composite.diagnostic;
  EXPECT_EQ(last_request_format(), ContentFormat::SenmlCbor);
  EXPECT_EQ(composite.format, ContentFormat::Lwm2mCbor);
  EXPECT_EQ(composite.records,
            (std::vector<Record>{{Path(3303, 0, 5700), Value(20.0), std::nullopt},
                                 {Path(3311, 0, 5706), Value("amber"), std::nullopt}}));

  const auto id = server().observe(ep, Path(3303, 0), {}, now);
  const auto first = result(id);
  ASSERT_TRUE(first.observing);
  EXPECT_EQ(first.format, ContentFormat::Lwm2mCbor);
  set_temperature(23.5);
  const auto n = notifications(*id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].format, ContentFormat::Lwm2mCbor);
  EXPECT_EQ(n[0].records, client_read(Path(3303, 0)));
}

// depth 0..3 on an object, an instance and a resource, and what no depth means.
TEST_F(Lwm2m12, DiscoverDepth) {
  const std::size_t n = device_resources();
  struct Case {
    Path path;
    std::optional<unsigned> depth;
    LinkLevels expected;
  };
  const Case cases[] = {
      {Path(3), 0u, {1, 0, 0, 0}},         {Path(3), 1u, {1, 1, 0, 0}},
      {Path(3), 2u, {1, 1, n, 0}},         {Path(3), 3u, {1, 1, n, 1}},
      {Path(3), std::nullopt, {1, 1, n, 0}},  // default 2
      {Path(3, 0), 0u, {0, 1, 0, 0}},      {Path(3, 0), 1u, {0, 1, n, 0}},
      {Path(3, 0), 2u, {0, 1, n, 1}},      {Path(3, 0), 3u, {0, 1, n, 1}},
      {Path(3, 0), std::nullopt, {0, 1, n, 0}},  // default 1
      {Path(3, 0, 11), 0u, {0, 0, 1, 0}},  {Path(3, 0, 11), 1u, {0, 0, 1, 1}},
      {Path(3, 0, 11), 2u, {0, 0, 1, 1}},  {Path(3, 0, 11), 3u, {0, 0, 1, 1}},
      {Path(3, 0, 11), std::nullopt, {0, 0, 1, 1}},  // default 1
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path.to_string() + " depth " + (c.depth ? std::to_string(*c.depth) : "-"));
    const auto r = result(server().discover(ep, c.path, c.depth, {}, now));
    ASSERT_EQ(r.status, OperationStatus::Success) << r.diagnostic;
    EXPECT_EQ(levels(r.links), c.expected);
    ASSERT_FALSE(r.links.empty());
    EXPECT_EQ(r.links[0].target, c.path.to_string()) << "the target comes first";
  }
  // A multiple resource reports its instance count.
  const auto resource = result(server().discover(ep, Path(3, 0, 11), 0u, {}, now));
  ASSERT_EQ(resource.links.size(), 1u);
  EXPECT_EQ(resource.links[0].dim(), 1);
}

// LwM2M 1.1 has no depth: the server refuses it; Discover without it lists the 1.1 levels.
// Every form of the Register's root link registers with the server, which then asks in the
// client's preferred format.
struct RootLinkCase {
  lwm2m::Lwm2mVersion version;
  std::optional<client::RootLinkFormats> formats;
  std::vector<std::uint16_t> announced;
  ContentFormat read_format;  // of a Read of an instance without Accept
};

class RootLinks : public E2e, public ::testing::WithParamInterface<RootLinkCase> {
 protected:
  RootLinks()
      : E2e(E2eOptions{.version = GetParam().version, .root_link_formats = GetParam().formats}) {}
};

TEST_P(RootLinks, RegisterAndReadDefaultFormat) {
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0].registration.version, GetParam().version);
  EXPECT_EQ(registered[0].registration.objects->content_formats, GetParam().announced);
  const auto device = result(server().read(ep, Path(3, 0), {}, now));
  ASSERT_EQ(device.status, OperationStatus::Success) << device.diagnostic;
  EXPECT_EQ(device.format, GetParam().read_format);
  EXPECT_EQ(device.records, client_read(Path(3, 0)));
}

using Formats = client::RootLinkFormats;
// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Forms, RootLinks,
    ::testing::Values(
        RootLinkCase{lwm2m::Lwm2mVersion::V1_0, std::nullopt, {}, ContentFormat::Tlv},
        RootLinkCase{lwm2m::Lwm2mVersion::V1_1, std::nullopt, {112}, ContentFormat::SenmlCbor},
        RootLinkCase{lwm2m::Lwm2mVersion::V1_1, Formats::All, {60, 110, 112},
                     ContentFormat::SenmlCbor},
        RootLinkCase{lwm2m::Lwm2mVersion::V1_2, std::nullopt, {60, 110, 112, 11544},
                     ContentFormat::Lwm2mCbor},
        RootLinkCase{lwm2m::Lwm2mVersion::V1_2, Formats::Preferred, {11544},
                     ContentFormat::Lwm2mCbor}));
// clang-format on

class Lwm2m11 : public E2e {};

TEST_F(Lwm2m11, DiscoverWithoutDepth) {
  const std::size_t n = client().instance(3, 0)->resources().size();
  for (const auto& path : {Path(3), Path(3, 0), Path(3, 0, 11)})
    for (unsigned depth = 0; depth <= 3; ++depth)
      EXPECT_EQ(server().discover(ep, path, depth, {}, now).error(), Error::UnsupportedByVersion);
  EXPECT_EQ(levels(result(server().discover(ep, Path(3), std::nullopt, {}, now)).links),
            (LinkLevels{1, 1, n, 0}));
  EXPECT_EQ(levels(result(server().discover(ep, Path(3, 0), std::nullopt, {}, now)).links),
            (LinkLevels{0, 1, n, 0}));
  const auto resource = result(server().discover(ep, Path(3, 0, 11), std::nullopt, {}, now));
  EXPECT_EQ(levels(resource.links), (LinkLevels{0, 0, 1, 0})) << "no resource instance links";
  ASSERT_EQ(resource.links.size(), 1u);
  EXPECT_EQ(resource.links[0].dim(), 1);
}

// LwM2M 1.0 has no composite operations: refused, nothing sent; the rest works.
class Lwm2m10Refusals : public E2e {
 protected:
  Lwm2m10Refusals() : E2e(E2eOptions{.version = lwm2m::Lwm2mVersion::V1_0}) {}
};

TEST_F(Lwm2m10Refusals, CompositeOperationsAndDepth) {
  const std::vector<Path> paths = {Path(3303, 0, 5700)};
  const std::vector<Record> values = {{Path(3311, 0, 5850), Value(true), std::nullopt}};
  const std::size_t sent = to_client.size();
  EXPECT_EQ(server().read_composite(ep, paths, {}, now).error(), Error::UnsupportedByVersion);
  EXPECT_EQ(server().write_composite(ep, values, {}, now).error(), Error::UnsupportedByVersion);
  EXPECT_EQ(server().observe_composite(ep, paths, {}, now).error(), Error::UnsupportedByVersion);
  EXPECT_EQ(server().discover(ep, Path(3), 2u, {}, now).error(), Error::UnsupportedByVersion);
  pump();
  EXPECT_EQ(to_client.size(), sent) << "nothing was sent";
  EXPECT_EQ(server().counts().operations, 0u);
  // The 1.0 operations on the same values go through.
  EXPECT_EQ(result(server().read(ep, Path(3303, 0, 5700), {}, now)).status,
            OperationStatus::Success);
  EXPECT_EQ(
      result(server().write(ep, Path(3311, 0), values, WriteMode::PartialUpdate, {}, now)).status,
      OperationStatus::Success);
  EXPECT_EQ(last_request_format(), ContentFormat::Tlv);
  EXPECT_TRUE(result(server().observe(ep, Path(3303, 0, 5700), {}, now)).observing);
}

}  // namespace
}  // namespace drover::e2e
