#include <gtest/gtest.h>

#include "drover/transport/coap_uri.hpp"

namespace drover::transport {
namespace {

CoapUri parse_ok(std::string_view text) {
  std::string error;
  auto uri = parse_coap_uri(text, error);
  EXPECT_TRUE(uri.has_value()) << text << ": " << error;
  return uri.value_or(CoapUri{});
}

std::string parse_error(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_coap_uri(text, error).has_value()) << text;
  return error;
}

TEST(CoapUri, ParsesHostPortPathAndQuery) {
  auto uri = parse_ok("coap://127.0.0.1:5700/a/b%20c?x=1&y");
  EXPECT_EQ(uri.scheme, "coap");
  EXPECT_EQ(uri.host, "127.0.0.1");
  EXPECT_EQ(uri.port, 5700);
  EXPECT_EQ(uri.path, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(uri.query, (std::vector<std::string>{"x=1", "y"}));
}

TEST(CoapUri, DefaultsAndIpv6Literals) {
  auto plain = parse_ok("coap://[::1]");
  EXPECT_EQ(plain.host, "::1");
  EXPECT_EQ(plain.port, 5683);
  EXPECT_TRUE(plain.path.empty());
  EXPECT_EQ(parse_ok("COAPS://[::1]:7/").port, 7);
  EXPECT_EQ(parse_ok("coaps://example.org/").port, 5684);
  EXPECT_TRUE(parse_ok("coap://h/").path.empty());  // "/" is no Uri-Path (RFC 7252 §6.4)
  EXPECT_EQ(parse_ok("coap://h/a/").path, (std::vector<std::string>{"a", ""}));
}

TEST(CoapUri, RejectsWhatIsNotACoapUri) {
  EXPECT_NE(parse_error("http://h/").find("scheme"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.1/x").find("scheme"), std::string::npos);
  EXPECT_NE(parse_error("coap://h/x#frag").find("fragment"), std::string::npos);
  EXPECT_NE(parse_error("coap://:5683/").find("host"), std::string::npos);
  EXPECT_NE(parse_error("coap://h:70000/").find("port"), std::string::npos);
  EXPECT_NE(parse_error("coap://h:0/").find("port"), std::string::npos);
  EXPECT_NE(parse_error("coap://[::1/").find("IPv6"), std::string::npos);
  EXPECT_NE(parse_error("coap://h/a%2").find("percent"), std::string::npos);
  EXPECT_NE(parse_error("coap://h/a%zz").find("percent"), std::string::npos);
}

TEST(CoapUri, AppliesPathAndQueryOptionsInOrder) {
  coap::Message m;
  parse_ok("coap://h/x/y%2Fz?k=v").apply_to(m);
  std::vector<std::string> paths;
  m.for_each(coap::options::UriPath,
             [&](coap::OptionView o) { paths.emplace_back(o.as_string()); });
  EXPECT_EQ(paths, (std::vector<std::string>{"x", "y/z"}));
  ASSERT_TRUE(m.find(coap::options::UriQuery));
  EXPECT_EQ(m.find(coap::options::UriQuery)->as_string(), "k=v");
}

TEST(CoapUri, ResolvesLiterals) {
  std::string error;
  auto v4 = resolve(parse_ok("coap://127.0.0.1:1234/"), error);
  ASSERT_TRUE(v4) << error;
  EXPECT_EQ(*v4, coap::PeerAddress::loopback_v4(1234));
  auto v6 = resolve(parse_ok("coap://[::1]/"), error);
  ASSERT_TRUE(v6) << error;
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->port, 5683);
}

}  // namespace
}  // namespace drover::transport
