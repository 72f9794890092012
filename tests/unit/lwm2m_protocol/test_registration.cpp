#include <gtest/gtest.h>

#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/lwm2m/protocol/registration.hpp"

namespace drover::lwm2m {
namespace {

coap::Message with_queries(std::string_view queries) {
  coap::Message m;
  m.code = coap::codes::Post;
  m.set_uri_path("/rd");
  m.add_uri_queries(queries);
  return m;
}

std::vector<std::string> queries_of(const coap::Message& m) {
  std::vector<std::string> out;
  m.for_each(coap::options::UriQuery,
             [&](const coap::OptionView& o) { out.emplace_back(o.as_string()); });
  return out;
}

TEST(RegisterQuery, ParsesEveryParameter) {
  RegisterParams p;
  ASSERT_FALSE(
      parse_register_query(with_queries("ep=dev-1&lt=300&lwm2m=1.1&b=U&Q&sms=4912345&pid=x"), p));
  EXPECT_EQ(p.endpoint, "dev-1");
  EXPECT_EQ(p.lifetime, 300u);
  EXPECT_EQ(p.version, Lwm2mVersion::V1_1);
  EXPECT_EQ(p.binding, "U");
  EXPECT_TRUE(p.queue_mode);
  EXPECT_EQ(p.sms, "4912345");
}

TEST(RegisterQuery, Lwm2m10ClientsMayOmitVersionAndPutQInTheBinding) {
  RegisterParams p;
  ASSERT_FALSE(parse_register_query(with_queries("ep=old&b=UQ"), p));
  EXPECT_FALSE(p.version);
  EXPECT_FALSE(p.lifetime);
  EXPECT_TRUE(p.queue_mode);
  ASSERT_FALSE(parse_register_query(with_queries("ep=new&lwm2m=1.2.1"), p));
  EXPECT_EQ(p.version, Lwm2mVersion::V1_2);
  EXPECT_FALSE(p.queue_mode);
}

TEST(RegisterQuery, RejectsBadParameters) {
  RegisterParams p;
  for (const auto* q :
       {"lt=60", "ep=", "ep", "ep=a&ep=b", "ep=a&lt=0", "ep=a&lt=-5", "ep=a&lt=4294967296",
        "ep=a&lt=x", "ep=a&b=X", "ep=a&b=", "ep=a&b=UU", "ep=a&Q=1", "ep=a&lt=1&lt=2"}) {
    const auto error = parse_register_query(with_queries(q), p);
    ASSERT_TRUE(error) << q;
    EXPECT_FALSE(error->version_unsupported) << q;
  }
  EXPECT_EQ(parse_register_query(with_queries("lt=60"), p)->message,
            "ep (endpoint client name) is missing");
  const auto v = parse_register_query(with_queries("ep=a&lwm2m=2.0"), p);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->version_unsupported);
  EXPECT_TRUE(parse_register_query(with_queries("ep=" + std::string(257, 'x')), p));
  EXPECT_FALSE(parse_register_query(with_queries("ep=" + std::string(256, 'x')), p));
}

TEST(RegisterQuery, WritesWhatItReads) {
  RegisterParams p{"dev", 120, Lwm2mVersion::V1_1, std::string("U"), true, std::nullopt};
  coap::Message m;
  add_register_queries(p, m);
  EXPECT_EQ(queries_of(m), (std::vector<std::string>{"ep=dev", "lwm2m=1.1", "lt=120", "b=U", "Q"}));
  RegisterParams back;
  ASSERT_FALSE(parse_register_query(m, back));
  EXPECT_EQ(back, p);

  RegisterParams old{"dev", std::nullopt, Lwm2mVersion::V1_0, std::nullopt, true, std::nullopt};
  coap::Message m10;
  add_register_queries(old, m10);
  EXPECT_EQ(queries_of(m10), (std::vector<std::string>{"ep=dev", "lwm2m=1.0", "b=UQ"}));
}

TEST(UpdateQuery, OnlyChangedParameters) {
  UpdateParams p;
  ASSERT_FALSE(parse_update_query(with_queries(""), p));
  EXPECT_EQ(p, UpdateParams{});
  ASSERT_FALSE(parse_update_query(with_queries("lt=90&Q&ep=ignored"), p));
  EXPECT_EQ(p.lifetime, 90u);
  EXPECT_TRUE(p.queue_mode);
  EXPECT_TRUE(parse_update_query(with_queries("lt=0"), p));
  coap::Message m;
  add_update_queries(UpdateParams{60, std::nullopt, false, std::nullopt}, Lwm2mVersion::V1_1, m);
  EXPECT_EQ(queries_of(m), (std::vector<std::string>{"lt=60"}));
  // Queue mode restated: a bare Q from 1.1 on, folded into the binding for a 1.0 registration.
  const UpdateParams queue{std::nullopt, "U", true, std::nullopt};
  coap::Message m11;
  add_update_queries(queue, Lwm2mVersion::V1_1, m11);
  EXPECT_EQ(queries_of(m11), (std::vector<std::string>{"b=U", "Q"}));
  coap::Message m10;
  add_update_queries(queue, Lwm2mVersion::V1_0, m10);
  EXPECT_EQ(queries_of(m10), (std::vector<std::string>{"b=UQ"}));
}

TEST(Lwm2mVersion, Parsing) {
  EXPECT_EQ(lwm2m_version_from_string("1.0"), Lwm2mVersion::V1_0);
  EXPECT_EQ(lwm2m_version_from_string("1.1.1"), Lwm2mVersion::V1_1);
  for (const auto* bad : {"", "1", "1.3", "2.0", "1.1.", "1.1x", "1.1.a", "01.1"})
    EXPECT_FALSE(lwm2m_version_from_string(bad)) << bad;
  EXPECT_EQ(to_string(Lwm2mVersion::V1_2), "1.2");
}

TEST(CoapMapping, PathsUnderRoots) {
  coap::Message m;
  set_path(m, Path(3, 0, 13));
  EXPECT_EQ(m.uri_path(), "/3/0/13");
  EXPECT_EQ(path_of(m), Path(3, 0, 13));
  set_path(m, Path());
  EXPECT_EQ(m.uri_path(), "/");
  EXPECT_EQ(path_of(m), Path());
  set_path(m, Path(5, 0), "/lwm2m");
  EXPECT_EQ(m.uri_path(), "/lwm2m/5/0");
  EXPECT_EQ(path_of(m, "/lwm2m"), Path(5, 0));
  EXPECT_FALSE(path_of(m));  // "lwm2m" is not an ID
  set_path(m, Path(), "/lwm2m");
  EXPECT_EQ(path_of(m, "/lwm2m"), Path());

  for (const auto* bad : {"/3/0/1/2/3", "/65535", "/03", "/-1", "/x", "/3//1"}) {
    coap::Message b;
    b.set_uri_path(bad);
    if (std::string_view(bad) == "/3//1") b.add_option(coap::options::UriPath, "");
    EXPECT_FALSE(path_of(b)) << bad;
  }
}

TEST(CoapMapping, FormatOptions) {
  coap::Message m;
  EXPECT_FALSE(content_format_of(m).present);
  set_content_format(m, ContentFormat::SenmlCbor);
  set_accept(m, ContentFormat::Tlv);
  EXPECT_EQ(content_format_of(m).format, ContentFormat::SenmlCbor);
  EXPECT_EQ(accept_of(m).format, ContentFormat::Tlv);
  m.set_uint_option(coap::options::Accept, 9999);
  EXPECT_TRUE(accept_of(m).present);
  EXPECT_FALSE(accept_of(m).format);
}

TEST(BootstrapQuery, ReadsEndpointAndPreferredFormat) {
  BootstrapParams p;
  ASSERT_FALSE(parse_bootstrap_query(with_queries("ep=dev-1&pct=112&other=1"), p));
  EXPECT_EQ(p.endpoint, "dev-1");
  EXPECT_EQ(p.pct, 112);
  ASSERT_FALSE(parse_bootstrap_query(with_queries("ep=dev-2"), p));
  EXPECT_FALSE(p.pct.has_value());
  coap::Message out;
  add_bootstrap_queries(BootstrapParams{"dev-3", 11542}, out);
  ASSERT_FALSE(parse_bootstrap_query(out, p));
  EXPECT_EQ(p, (BootstrapParams{"dev-3", 11542}));
}

TEST(BootstrapQuery, RefusesWhatIsWrongWithTheReason) {
  BootstrapParams p;
  const std::pair<const char*, const char*> cases[] = {
      {"pct=112", "ep (endpoint client name) is missing"},
      {"ep=", "ep must name the endpoint"},
      {"ep=a&ep=b", "parameter ep given twice"},
      {"ep=a&pct=x", "pct must be a Content-Format number, got \"x\""},
      {"ep=a&pct=70000", "pct must be a Content-Format number, got \"70000\""},
      {"ep=a&pct=112&pct=110", "parameter pct given twice"},
  };
  for (const auto& [query, reason] : cases) {
    const auto error = parse_bootstrap_query(with_queries(query), p);
    ASSERT_TRUE(error.has_value()) << query;
    EXPECT_EQ(error->message, reason) << query;
    EXPECT_EQ(p, BootstrapParams{}) << query;
  }
}

}  // namespace
}  // namespace drover::lwm2m
