// The HTTP API's router driven without sockets: a Server core with a fake device (the server
// tests' harness) and an Api on top.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "drover/http/api.hpp"
#include "unit/server/server_harness.hpp"

namespace drover::http::testing {

using namespace std::chrono_literals;
using server::testing::Harness;

struct ApiHarness : Harness {
  explicit ApiHarness(server::ServerConfig config = server::testing::test_config(),
                      ApiConfig api_config = {})
      : Harness(std::move(config)), api(server, api_config) {}

  Api api;

  // A request answered at once.
  Response call(std::string_view method, std::string_view target, std::string_view body = {}) {
    auto reply = api.handle({method, target, body}, now);
    auto* response = std::get_if<Response>(&reply);
    EXPECT_NE(response, nullptr) << method << " " << target << " is pending";
    return response ? *response : Response{};
  }

  // A request that waits for the device; the device then has the CoAP request.
  server::OperationId start(std::string_view method, std::string_view target,
                            std::string_view body = {}) {
    auto reply = api.handle({method, target, body}, now);
    auto* pending = std::get_if<Pending>(&reply);
    EXPECT_NE(pending, nullptr) << method << " " << target << " answered "
                                << (pending ? "" : std::get<Response>(reply).body);
    pump();
    return pending ? pending->id : server::OperationId{};
  }

  // Hands the drained server events to the Api; the completion of `id`.
  std::optional<Completion> completion(server::OperationId id) {
    std::optional<Completion> out;
    for (const auto& e : events) {
      if (auto c = api.on_event(e, now); c && c->id == id) out = std::move(c);
    }
    events.clear();
    return out;
  }

  // The device accepts the observation request `r` with a first text/plain value; the observer
  // to notify (nullopt, and a test failure, if the engine refused).
  std::optional<coap::ObserverId> accept_observe(const coap::RequestReceived& r,
                                                 std::string_view text) {
    coap::Message first;
    first.code = coap::codes::Content;
    first.add_uint_option(coap::options::Observe, 1);
    first.add_uint_option(coap::options::ContentFormat, 0);
    first.set_payload(text);
    auto observer = device.respond(r.exchange, std::move(first), now);
    EXPECT_TRUE(observer.has_value() && observer.value().has_value());
    pump();
    if (!observer.has_value()) return std::nullopt;
    return observer.value();
  }

  // The device notifies a text/plain value.
  void notify_text(coap::ObserverId observer, std::string_view text) {
    coap::Message note;
    note.code = coap::codes::Content;
    note.add_uint_option(coap::options::ContentFormat, 0);
    note.set_payload(text);
    EXPECT_TRUE(device.notify(observer, std::move(note), now).has_value());
    pump();
  }

  Response finish(server::OperationId id) {
    auto c = completion(id);
    EXPECT_TRUE(c.has_value()) << "operation " << id.value << " did not complete";
    return c ? c->response : Response{};
  }
};

inline boost::json::value body_of(const Response& r) { return boost::json::parse(r.body); }

inline std::string error_code(const Response& r) {
  auto v = body_of(r);
  return std::string(v.at("error").at("code").as_string());
}

}  // namespace drover::http::testing
