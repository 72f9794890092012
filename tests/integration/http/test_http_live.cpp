// The HTTP API against a running server: the server runtime of `drover server` (LwM2M server,
// HTTP API, message log) and simulated devices (the client core of `drover client`) on real
// loopback sockets, on one event loop in a thread of their own. The test thread talks HTTP only,
// as any API client would: every route, success and error paths, and the event stream.
//
// Bounded: every wait polls with a deadline, every socket is on 127.0.0.1 with a port the OS
// picks.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client_device.hpp"
#include "drover/coap/message.hpp"
#include "server_runtime.hpp"

namespace drover::apps {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

struct HttpReply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  json::value json() const {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << body;
    return v;
  }
  std::string error() const {
    const auto v = json();
    const auto* e = v.is_object() ? v.as_object().if_contains("error") : nullptr;
    return e ? std::string(e->at("code").as_string()) : std::string("(no error)");
  }
};

// One HTTP/1.1 exchange on a connection of its own, bounded by a deadline.
HttpReply call(const tcp::endpoint& server, bhttp::verb method, const std::string& target,
               const std::string& body = {}) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  bhttp::request<bhttp::string_body> request{method, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  request.keep_alive(false);
  if (!body.empty()) {
    request.set(bhttp::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  bhttp::response<bhttp::string_body> response;
  beast::flat_buffer buffer;
  beast::error_code error;
  stream.expires_after(20s);  // above the device timeouts the tests ask for
  stream.async_connect(server, [&](beast::error_code ec) {
    if (ec) {
      error = ec;
      return;
    }
    bhttp::async_write(stream, request, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        error = wec;
        return;
      }
      bhttp::async_read(stream, buffer, response,
                        [&](beast::error_code rec, std::size_t) { error = rec; });
    });
  });
  io.run();
  EXPECT_FALSE(error) << target << ": " << error.message();
  return {response.result_int(), std::string(response[bhttp::field::content_type]),
          response.body()};
}

// A client of GET /api/events: reads the stream as it comes and parses it into events.
class EventStream {
 public:
  struct Event {
    std::string type;
    json::value data;
  };

  EventStream(const tcp::endpoint& server, const std::string& query) : socket_(io_) {
    socket_.connect(server);
    asio::write(socket_,
                asio::buffer("GET /api/events" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    read();
    EXPECT_TRUE(wait([this] { return received_.find("\r\n\r\n") != std::string::npos; }))
        << "no event stream";
    EXPECT_EQ(received_.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received_;
  }

  // Reads until `done()` holds or the deadline passes; false then.
  bool wait(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_for(20ms);
    }
    return true;
  }

  // Waits for an event of `type` that `match` takes; its data, or null after the deadline.
  json::value wait_for(std::string_view type,
                       const std::function<bool(const json::value&)>& match = {}) {
    json::value found;
    wait([&] {
      for (const auto& e : events())
        if (e.type == type && (!match || match(e.data))) {
          found = e.data;
          return true;
        }
      return false;
    });
    EXPECT_FALSE(found.is_null()) << "no " << type << " event; got:\n" << received_;
    return found;
  }

  // Every complete event so far (the HTTP header and comment lines left out).
  std::vector<Event> events() const {
    std::vector<Event> out;
    std::size_t pos = received_.find("\r\n\r\n");
    if (pos == std::string::npos) return out;
    pos += 4;
    for (;;) {
      const auto end = received_.find("\n\n", pos);
      if (end == std::string::npos) break;
      const std::string block = received_.substr(pos, end - pos);
      pos = end + 2;
      if (block.rfind("event: ", 0) != 0) continue;  // a comment
      const auto newline = block.find('\n');
      const auto data = block.find("data: ", newline);
      EXPECT_EQ(data, newline + 1) << block;
      Event e{block.substr(7, newline - 7), json::parse(block.substr(data + 6))};
      out.push_back(std::move(e));
    }
    return out;
  }

  std::size_t count(std::string_view type) const {
    std::size_t n = 0;
    for (const auto& e : events()) n += e.type == type;
    return n;
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(chunk_), [this](beast::error_code ec, std::size_t n) {
      received_.append(chunk_.data(), n);
      if (!ec) read();
    });
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::array<char, 8192> chunk_{};
  std::string received_;
};

// The server runtime and a fleet of devices on their own thread.
struct LiveServer : ::testing::Test {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<ServerRuntime> runtime;
  std::unique_ptr<DeviceFleet> fleet;
  std::thread thread;
  tcp::endpoint http;
  coap::PeerAddress coap_address;

  void SetUp() override {
    runtime = std::make_unique<ServerRuntime>(io);
    ASSERT_EQ(runtime->open_coap("127.0.0.1", 0), 0);
    HttpOptions options;
    options.port = 0;
    ASSERT_EQ(runtime->open_http(options), 0);
    http = runtime->http_endpoint();
    coap_address = runtime->coap_address();
    fleet = std::make_unique<DeviceFleet>(io, 0.05);  // temperature samples every 50 ms
    thread = std::thread([this] { io.run(); });
  }

  void TearDown() override {
    if (thread.joinable()) {
      on_loop([this] { fleet->close(); });
      work.reset();
      io.stop();
      thread.join();
    }
    fleet.reset();
    runtime.reset();
  }

  // Runs `f` on the loop's thread and waits for it.
  void on_loop(const std::function<void()>& f) {
    std::promise<void> done;
    asio::post(io, [&] {
      f();
      done.set_value();
    });
    ASSERT_EQ(done.get_future().wait_for(kDeadline), std::future_status::ready);
  }

  // Starts devices live-0 ... live-{n-1}; with `send_interval` they Send their temperature.
  void add_devices(unsigned n, double send_interval = 0) {
    on_loop([&] {
      const auto objects = client::make_object_registry(lwm2m::Lwm2mVersion::V1_1);
      for (unsigned i = 0; i < n; ++i) {
        DeviceOptions d;
        d.endpoint = "live-" + std::to_string(i);
        d.server_uri = "coap://" + coap_address.to_string();
        d.server = coap_address;
        d.send_interval = send_interval;
        d.seed = 1000 + i;
        d.objects = objects;
        EXPECT_FALSE(fleet->add(std::move(d)));
      }
    });
  }

  HttpReply get(const std::string& target) { return call(http, bhttp::verb::get, target); }
  HttpReply put(const std::string& target, const std::string& body = {}) {
    return call(http, bhttp::verb::put, target, body);
  }
  HttpReply post(const std::string& target, const std::string& body = {}) {
    return call(http, bhttp::verb::post, target, body);
  }
  HttpReply del(const std::string& target, const std::string& body = {}) {
    return call(http, bhttp::verb::delete_, target, body);
  }

  // Polls GET /api/clients until `n` clients are registered.
  void wait_registered(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    for (;;) {
      const auto r = get("/api/clients");
      if (r.status == 200 && r.json().at("total").to_number<std::size_t>() == n) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "registered: " << r.body;
      std::this_thread::sleep_for(20ms);  // polling, bounded by the deadline
    }
  }

  // The values of a successful read-like answer, by path.
  static json::value value_at(const HttpReply& r, std::string_view path) {
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) return nullptr;
    const auto body = r.json();
    for (const auto& v : body.at("values").as_array())
      if (v.at("path").as_string() == path) return v.at("value");
    ADD_FAILURE() << "no " << path << " in " << r.body;
    return nullptr;
  }
};

TEST_F(LiveServer, ClientsModelsAndRefusals) {
  add_devices(3);
  wait_registered(3);

  const auto all = get("/api/clients").json();
  ASSERT_EQ(all.at("clients").as_array().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(all.at("clients").at(i).at("endpoint").as_string(), "live-" + std::to_string(i));
  const auto page = get("/api/clients?offset=1&limit=1").json();
  EXPECT_EQ(page.at("total").to_number<int>(), 3);
  ASSERT_EQ(page.at("clients").as_array().size(), 1u);
  EXPECT_EQ(page.at("clients").at(0).at("endpoint").as_string(), "live-1");
  const auto prefixed = get("/api/clients?prefix=live-2").json();
  ASSERT_EQ(prefixed.at("total").to_number<int>(), 1);
  EXPECT_EQ(prefixed.at("clients").at(0).at("endpoint").as_string(), "live-2");
  const auto filtered = get("/api/clients?endpoint=ve-2").json();
  EXPECT_TRUE(filtered.at("total").is_null());  // a filter that scans does not count
  ASSERT_EQ(filtered.at("clients").as_array().size(), 1u);
  EXPECT_EQ(filtered.at("clients").at(0).at("endpoint").as_string(), "live-2");
  // Walking by cursor.
  const auto first = get("/api/clients?limit=2").json();
  ASSERT_EQ(first.at("next").as_string(), "live-1");
  const auto rest = get("/api/clients?limit=2&after=live-1").json();
  EXPECT_EQ(rest.at("clients").at(0).at("endpoint").as_string(), "live-2");
  EXPECT_TRUE(rest.at("next").is_null());
  EXPECT_EQ(get("/api/clients?limit=0").error(), "bad_query");

  const auto one = get("/api/clients/live-0");
  ASSERT_EQ(one.status, 200u);
  const auto c = one.json();
  EXPECT_EQ(c.at("lwm2m_version").as_string(), "1.1");
  EXPECT_EQ(c.at("lifetime").to_number<int>(), 300);
  EXPECT_EQ(std::string(c.at("address").as_string()).rfind("127.1.0.0:", 0), 0u);  // its own
  bool temperature = false;
  for (const auto& o : c.at("objects").as_array())
    temperature |= o.at("id").to_number<int>() == 3303;
  EXPECT_TRUE(temperature) << one.body;

  const auto models = get("/api/models");
  ASSERT_EQ(models.status, 200u);
  EXPECT_FALSE(models.json().as_array().empty());
  const auto model = get("/api/models/3303");
  ASSERT_EQ(model.status, 200u);
  EXPECT_EQ(model.json().at("name").as_string(), "Temperature");

  // Refusals: nothing reaches a device.
  auto r = get("/api/clients/nobody");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.error(), "unknown_client");
  r = get("/api/clients/nobody/3/0/0");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.error(), "unknown_client");
  r = get("/api/clients/live-0/3/zero/0");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error(), "invalid_path");
  r = put("/api/clients/live-0/3311/0/5850",
          R"({"values":[{"path":"/3311/0/5850","value":"yes"}]})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error(), "bad_value");
  r = put("/api/clients/live-0/3311/0/5850", R"({"values":[)");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error(), "bad_json");
  r = get("/api/models/99999");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(get("/api/nothing").status, 404u);

  const auto openapi = get("/api/openapi.json");
  ASSERT_EQ(openapi.status, 200u);
  EXPECT_TRUE(
      openapi.json().at("paths").as_object().contains("/api/clients/{endpoint}/composite/observe"));
}

TEST_F(LiveServer, DeviceManagementOnASimulatedDevice) {
  add_devices(1);
  wait_registered(1);
  const std::string ep = "/api/clients/live-0";

  // Read, with names.
  auto r = get(ep + "/3/0/0?names=1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("values").at(0).at("name").as_string(), "Manufacturer");
  EXPECT_EQ(r.json().at("values").at(0).at("type").as_string(), "string");
  EXPECT_EQ(value_at(get(ep + "/3/0/9"), "/3/0/9"), json::value(87));
  r = get(ep + "/3303/0?format=senml-json");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("format").as_string(), lwm2m::to_string(lwm2m::ContentFormat::SenmlJson));
  EXPECT_EQ(get(ep + "/3/0/99").error(), "device_not_found");

  // Discover.
  r = get(ep + "/3303/0/discover");
  ASSERT_EQ(r.status, 200u) << r.body;
  bool sensor_value = false;
  const auto links = r.json();
  for (const auto& link : links.at("links").as_array())
    sensor_value |= link.at("target").as_string() == "/3303/0/5700";
  EXPECT_TRUE(sensor_value) << r.body;

  // Write: replace, then partial update; read back.
  r = put(ep + "/3311/0/5850", R"({"values":[{"path":"/3311/0/5850","value":true}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("code").as_string(), "2.04");
  EXPECT_EQ(value_at(get(ep + "/3311/0/5850"), "/3311/0/5850"), json::value(true));
  r = post(ep + "/3311/0", R"({"values":[{"path":"/3311/0/5851","value":40}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(value_at(get(ep + "/3311/0/5851"), "/3311/0/5851"), json::value(40));
  EXPECT_EQ(value_at(get(ep + "/3311/0/5850"), "/3311/0/5850"), json::value(true))
      << "a partial update keeps the rest";

  // Write-Attributes (the API's own options stay out of the query).
  r = put(ep + "/3303/0/5700/attributes?pmin=0&pmax=30&timeout=10");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = get(ep + "/3303/0/5700/discover");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("links").at(0).at("attributes").at("pmax").as_string(), "30") << r.body;
  EXPECT_EQ(put(ep + "/3303/0/5700/attributes?bogus=1").error(), "bad_attributes");

  // Execute with arguments.
  r = post(ep + "/3/0/4/execute", "0='now',1");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(post(ep + "/3/0/4/execute", "\x01").error(), "invalid_argument");
  EXPECT_EQ(post(ep + "/3/0/0/execute").error(), "device_method_not_allowed");

  // Create an instance, read it, delete it.
  r = post(ep + "/3311", R"({"instance":7,"values":[{"path":"/3311/7/5850","value":true}]})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.json().at("created").as_string(), "/3311/7");
  EXPECT_EQ(value_at(get(ep + "/3311/7/5850"), "/3311/7/5850"), json::value(true));
  r = del(ep + "/3311/7");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(get(ep + "/3311/7").error(), "device_not_found");
  EXPECT_EQ(del(ep + "/3311").error(), "invalid_path");

  // Composite: write two resources, read them back together.
  r = post(
      ep + "/composite/write",
      R"({"values":[{"path":"/3311/0/5851","value":70},{"path":"/3311/0/5850","value":false}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = post(ep + "/composite/read", R"({"paths":["/3311/0/5851","/3311/0/5850","/3/0/0"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(value_at(r, "/3311/0/5851"), json::value(70));
  EXPECT_EQ(value_at(r, "/3311/0/5850"), json::value(false));
  EXPECT_TRUE(value_at(r, "/3/0/0").is_string());
  EXPECT_EQ(post(ep + "/composite/read", R"({"paths":"x"})").error(), "bad_body");

  // Metrics count it all, with latencies.
  r = get("/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find("\ndrover_registrations 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("drover_api_operations_total{operation=\"create\",result=\"success\"} 1\n"),
            std::string::npos);
  EXPECT_NE(r.body.find("drover_api_operation_duration_seconds_count{operation=\"create\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      r.body.find(
          "drover_api_operation_duration_seconds_bucket{operation=\"execute\",le=\"+Inf\"} 2\n"),
      std::string::npos);
}

TEST_F(LiveServer, EventsObserveAndCancel) {
  EventStream all(http, "");
  EventStream named(http, "?endpoint=live-1&names=1");
  add_devices(2, 0.3);

  // Registration of each, each on its stream.
  for (const char* ep : {"live-0", "live-1"})
    all.wait_for("registration", [&](const json::value& d) { return d.at("endpoint") == ep; });
  named.wait_for("registration");
  wait_registered(2);

  // Send, from the devices' schedule.
  const auto send = named.wait_for("send");
  EXPECT_EQ(send.at("endpoint").as_string(), "live-1");
  EXPECT_EQ(send.at("values").at(0).at("path").as_string(), "/3303/0/5700");
  EXPECT_EQ(send.at("values").at(0).at("name").as_string(), "Sensor Value");
  all.wait_for("send", [](const json::value& d) { return d.at("endpoint") == "live-0"; });

  // Observe: the first value answers the request, notifications follow on the stream.
  const std::string ep = "/api/clients/live-1";
  auto r = post(ep + "/3303/0/5700/observe");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.json().at("observing").as_bool());
  const auto observation = r.json().at("id").to_number<std::uint64_t>();
  const auto of_it = [observation](const json::value& d) {
    return d.at("observation").to_number<std::uint64_t>() == observation;
  };
  const auto note = named.wait_for("notification", of_it);
  EXPECT_EQ(note.at("values").at(0).at("path").as_string(), "/3303/0/5700");
  EXPECT_EQ(note.at("values").at(0).at("name").as_string(), "Sensor Value");
  EXPECT_EQ(post(ep + "/3303/0/5700/observe").error(), "already_observed");
  // Passive cancel: the server forgets it; the device's next notification is reset.
  r = del(ep + "/3303/0/5700/observe");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("cancelled").to_number<std::uint64_t>(), observation);
  EXPECT_EQ(del(ep + "/3303/0/5700/observe").error(), "unknown_observation");

  // Active cancel, on a new observation.
  r = post(ep + "/3303/0/5700/observe");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto second = r.json().at("id").to_number<std::uint64_t>();
  named.wait_for("notification", [second](const json::value& d) {
    return d.at("observation").to_number<std::uint64_t>() == second;
  });
  r = del(ep + "/3303/0/5700/observe?mode=active");
  ASSERT_EQ(r.status, 200u) << r.body;

  // Observe-Composite, and both cancels.
  r = post(ep + "/composite/observe", R"({"paths":["/3303/0/5700","/3/0/9"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_TRUE(r.json().at("observing").as_bool());
  EXPECT_EQ(r.json().at("values").as_array().size(), 2u);
  const auto composite = r.json().at("id").to_number<std::uint64_t>();
  named.wait_for("notification", [composite](const json::value& d) {
    return d.at("observation").to_number<std::uint64_t>() == composite;
  });
  r = del(ep + "/composite/observe?mode=active", R"({"paths":["/3/0/9","/3303/0/5700"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("cancelled").to_number<std::uint64_t>(), composite);
  r = post(ep + "/composite/observe", R"({"paths":["/3303/0/5700"]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = del(ep + "/composite/observe", R"({"paths":["/3303/0/5700"]})");
  EXPECT_EQ(r.status, 200u) << r.body;

  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("drover_observations 0\n"), std::string::npos) << metrics;
  EXPECT_EQ(named.count("registration"), 1u) << "the endpoint filter";
  for (const auto& e : named.events())
    EXPECT_EQ(e.data.at("endpoint").as_string(), "live-1") << e.type;
  EXPECT_EQ(all.count("coap"), 0u) << "no message log unless asked";
}

TEST_F(LiveServer, CoapMessageLogOfOneClient) {
  add_devices(2);
  wait_registered(2);
  EventStream log(http, "?endpoint=live-0&coap=1");
  ASSERT_EQ(get("/api/clients/live-1/3/0/0").status, 200u);  // not logged
  ASSERT_EQ(get("/api/clients/live-0/3/0/1?format=text").status, 200u);

  const auto request = log.wait_for("coap", [](const json::value& d) {
    return d.at("direction") == "out" && d.at("code_name") == "GET";
  });
  EXPECT_EQ(request.at("type").as_string(), "CON");
  EXPECT_EQ(request.at("endpoint").as_string(), "live-0");
  const auto& options = request.at("options").as_array();
  std::vector<std::string> path;
  for (const auto& o : options)
    if (o.at("name") == "Uri-Path") path.emplace_back(o.at("value").as_string());
  EXPECT_EQ(path, (std::vector<std::string>{"3", "0", "1"}));
  EXPECT_NE(std::find(options.begin(), options.end(),
                      json::value(json::object{{"name", "Accept"}, {"value", 0}})),
            options.end())
      << request;
  const auto token = request.at("token");
  const auto answer = log.wait_for("coap", [&](const json::value& d) {
    return d.at("direction") == "in" && d.at("token") == token;
  });
  EXPECT_EQ(answer.at("code").as_string(), "2.05");
  EXPECT_GT(answer.at("payload_size").to_number<int>(), 0);
  for (const auto& e : log.events()) {
    EXPECT_EQ(e.data.at("endpoint").as_string(), "live-0");
    if (e.type == "coap") {
      EXPECT_NE(e.data.at("peer"), json::value(coap_address.to_string()));
    }
  }

  // The client de-registers: the stream shows its De-register and the answer.
  on_loop([this] { fleet->stop(5s, [](bool) {}); });
  log.wait_for("coap", [](const json::value& d) { return d.at("code_name") == "DELETE"; });
  log.wait_for("coap", [](const json::value& d) {
    return d.at("direction") == "out" && d.at("code") == "2.02";
  });
  log.wait_for("deregistration");
  EXPECT_EQ(get("/api/events?coap=1").status, 400u) << "the log is of one client";
}

TEST_F(LiveServer, SilentDeviceIs504) {
  // A device that registers and then answers nothing: a bare UDP socket.
  asio::io_context udp_io;
  asio::ip::udp::socket device(udp_io, {asio::ip::make_address("127.0.0.1"), 0});
  coap::Message reg;
  reg.code = coap::codes::Post;
  reg.message_id = 1;
  reg.set_uri_path("/rd");
  reg.add_uri_queries("ep=silent&lt=60&lwm2m=1.1");
  reg.add_uint_option(coap::options::ContentFormat, 40);
  reg.set_payload(std::string_view("</3/0>"));
  std::vector<std::uint8_t> bytes;
  coap::serialize(reg, bytes);
  const asio::ip::udp::endpoint server(asio::ip::make_address("127.0.0.1"), coap_address.port);
  device.send_to(asio::buffer(bytes), server);
  std::array<std::uint8_t, 1500> in{};
  std::size_t got = 0;
  device.async_receive(asio::buffer(in), [&](beast::error_code ec, std::size_t n) {
    if (!ec) got = n;
  });
  udp_io.run_for(kDeadline);
  coap::Message ack;
  ASSERT_GT(got, 0u) << "no answer to the Register";
  ASSERT_FALSE(coap::parse(std::span<const std::uint8_t>(in.data(), got), ack).has_value());
  ASSERT_EQ(ack.code, coap::codes::Created);

  const auto r = get("/api/clients/silent/3/0/0?timeout=1");
  EXPECT_EQ(r.status, 504u) << r.body;
  EXPECT_EQ(r.error(), "device_timeout");
  const auto metrics = get("/metrics").body;
  EXPECT_NE(metrics.find("drover_api_operations_total{operation=\"read\",result=\"timeout\"} 1\n"),
            std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace drover::apps
