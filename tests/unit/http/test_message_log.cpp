// The CoAP message log of the event stream: one datagram decoded as a "coap" event, and the
// MessageTap in front of the Server core logging one client's datagrams both ways, and nothing
// (not even a lookup) for anyone else.
#include <gtest/gtest.h>

#include "drover/http/message_log.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace json = boost::json;
using server::testing::request;

std::vector<std::uint8_t> wire(const coap::Message& m) {
  std::vector<std::uint8_t> out;
  coap::serialize(m, out);
  return out;
}

TEST(MessageEvent, DecodesHeaderOptionsAndPayloadSize) {
  coap::Message m;
  m.type = coap::Type::Con;
  m.code = coap::codes::Post;
  m.message_id = 0x1234;
  const std::uint8_t token[] = {0xa1, 0x0b};
  m.token = coap::Token(token);
  m.set_uri_path("/rd");
  m.add_uri_queries("ep=dev1&lt=300");
  m.add_uint_option(coap::options::ContentFormat, 40);
  m.add_uint_option(coap::options::Block1, (2u << 4) | 8u | 6u);
  const std::uint8_t etag[] = {0xde, 0xad};
  m.add_option(coap::options::ETag, etag);
  m.add_option(65000, std::string_view("x"));  // unknown: its number and hex
  m.set_payload(std::string_view("</3/0>"));
  const auto bytes = wire(m);

  const auto e = message_event("dev1", Direction::In, coap::PeerAddress::loopback_v4(40000), bytes);
  EXPECT_EQ(e.type, "coap");
  EXPECT_EQ(e.endpoint, "dev1");
  EXPECT_EQ(json::parse(e.data), json::parse(R"({
      "endpoint":"dev1","direction":"in","peer":"127.0.0.1:40000","size":)" +
                                             std::to_string(bytes.size()) + R"(,
      "type":"CON","code":"0.02","code_name":"POST","mid":4660,"token":"a10b",
      "options":[{"name":"ETag","value":"dead"},{"name":"Uri-Path","value":"rd"},
        {"name":"Content-Format","value":40},{"name":"Uri-Query","value":"ep=dev1"},
        {"name":"Uri-Query","value":"lt=300"},{"name":"Block1","value":"2+/1024"},
        {"name":65000,"value":"78"}],
      "payload_size":6})"))
      << e.data;

  coap::Message ack;
  ack.type = coap::Type::Ack;
  ack.code = coap::Code{2, 31};  // no name: the code alone
  const auto out = message_event("dev1", Direction::Out, coap::PeerAddress::loopback_v4(1), wire(ack));
  const auto o = json::parse(out.data);
  EXPECT_EQ(o.at("direction").as_string(), "out");
  EXPECT_EQ(o.at("type").as_string(), "ACK");
  EXPECT_EQ(o.at("code").as_string(), "2.31");
  EXPECT_EQ(o.at("code_name").as_string(), "Continue");
  EXPECT_EQ(o.at("token").as_string(), "");
  EXPECT_TRUE(o.at("options").as_array().empty());
}

TEST(MessageEvent, MalformedDatagramSaysWhy) {
  const std::uint8_t junk[] = {0x40, 0x01};
  const auto e = message_event("dev1", Direction::In, coap::PeerAddress::loopback_v4(1), junk);
  const auto o = json::parse(e.data);
  EXPECT_EQ(o.at("size").to_number<int>(), 2);
  EXPECT_EQ(o.at("malformed").as_string(), coap::to_string(coap::ParseError::TooShort));
  EXPECT_FALSE(o.as_object().contains("type"));
}

struct Tap : ::testing::Test {
  ApiHarness h;
  MessageTap tap{h.server};
  std::vector<StreamEvent> logged;

  void SetUp() override {
    h.front = &tap;
    tap.set_sink([this](const StreamEvent& e) { logged.push_back(e); });
  }
  std::vector<json::value> of(std::string_view endpoint) const {
    std::vector<json::value> out;
    for (const auto& e : logged)
      if (e.endpoint == endpoint) out.push_back(json::parse(e.data));
    return out;
  }
};

TEST_F(Tap, NobodyWatchingLogsNothing) {
  h.register_device();
  const auto id = h.start("GET", "/api/clients/dev1/3/0/0");
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  EXPECT_EQ(h.finish(id).status, 200u) << "everything passes through";
  EXPECT_TRUE(logged.empty());
}

TEST_F(Tap, WatchedClientIsLoggedBothWaysFromItsRegisterToItsDeregister) {
  tap.watch("dev1");
  const auto location = h.register_device();
  auto log = of("dev1");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].at("direction").as_string(), "in");
  EXPECT_EQ(log[0].at("code_name").as_string(), "POST");
  EXPECT_EQ(log[0].at("options").at(0), json::parse(R"({"name":"Uri-Path","value":"rd"})"));
  EXPECT_EQ(log[1].at("direction").as_string(), "out");
  EXPECT_EQ(log[1].at("type").as_string(), "ACK");
  EXPECT_EQ(log[1].at("code").as_string(), "2.01");
  EXPECT_EQ(log[1].at("mid"), log[0].at("mid"));
  EXPECT_EQ(log[1].at("peer").as_string(), "127.0.0.1:40000");

  // A request to the device and its answer.
  logged.clear();
  h.device_addr = coap::PeerAddress::loopback_v4(40001);
  h.register_device("ep=far&lt=60", "</3/0>");
  EXPECT_TRUE(logged.empty()) << "a client at another address is not logged";
  h.device_addr = server::testing::kDevice;
  const auto id = h.start("GET", "/api/clients/dev1/3/0/0");
  h.answer(h.take_request(), coap::codes::Content, 0, "ACME");
  EXPECT_EQ(h.finish(id).status, 200u);
  log = of("dev1");
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0].at("direction").as_string(), "out");
  EXPECT_EQ(log[0].at("code_name").as_string(), "GET");
  EXPECT_EQ(log[1].at("direction").as_string(), "in");
  EXPECT_EQ(log[1].at("code").as_string(), "2.05");
  EXPECT_EQ(log[1].at("payload_size").to_number<int>(), 4);

  // The De-register and its answer, though the registration is gone by then.
  logged.clear();
  h.device_request(request(coap::codes::Delete, location));
  log = of("dev1");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].at("code_name").as_string(), "DELETE");
  EXPECT_EQ(log[1].at("code").as_string(), "2.02");
}

TEST_F(Tap, WatchesAreCountedAndEnd) {
  tap.watch("dev1");
  tap.watch("dev1");
  EXPECT_EQ(tap.watched(), 1u);
  tap.unwatch("dev1");
  h.register_device();
  EXPECT_EQ(of("dev1").size(), 2u) << "one watcher left";
  tap.unwatch("dev1");
  EXPECT_EQ(tap.watched(), 0u);
  logged.clear();
  h.start("GET", "/api/clients/dev1/3/0/0");
  EXPECT_TRUE(logged.empty());
  tap.unwatch("nobody");  // harmless
}

}  // namespace
}  // namespace drover::http::testing
