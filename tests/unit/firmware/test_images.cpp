// Firmware images: content addressing, bounds, persistence; their CoAP blocks; their HTTP ranges
// and routes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>

#include "drover/coap/block_option.hpp"
#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/images.hpp"
#include "drover/firmware/service.hpp"
#include "drover/http/api.hpp"
#include "drover/http/firmware_routes.hpp"
#include "support/temp_dir.hpp"

namespace drover::firmware {
namespace {

namespace json = boost::json;

class MemoryTable final : public DocumentTable {
 public:
  std::map<std::string, std::string> docs;
  void put(std::string_view k, std::string_view d) override { docs[std::string(k)] = d; }
  void erase(std::string_view k) override { docs.erase(std::string(k)); }
  std::vector<std::pair<std::string, std::string>> load() override {
    return {docs.begin(), docs.end()};
  }
};

std::vector<std::uint8_t> bytes_of(std::size_t n, std::uint8_t seed = 3) {
  std::vector<std::uint8_t> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 13 + seed);
  return b;
}

TEST(Images, AreNamedByTheirSha256AndStoredOnce) {
  Images images({}, {}, nullptr);
  const auto data = std::vector<std::uint8_t>{'a', 'b', 'c'};
  auto a = images.add("fw", "1.0", data, 10);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto again = images.add("other", "2.0", data, 11);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *a);
  EXPECT_EQ((*again)->name, "fw");
  EXPECT_EQ(images.count(), 1u);
  EXPECT_EQ(images.total_bytes(), 3u);
  EXPECT_TRUE(is_sha256_hex((*a)->sha256));
  EXPECT_FALSE(is_sha256_hex("ABC"));
}

TEST(Images, AreBoundedInSizeTotalAndNumber) {
  Images images({.max_image_bytes = 100, .max_total_bytes = 150, .max_images = 2}, {}, nullptr);
  EXPECT_EQ(images.add("fw", "1", bytes_of(101), 0).error().kind, ImageError::Kind::TooLarge);
  EXPECT_EQ(images.add("fw", "1", {}, 0).error().kind, ImageError::Kind::Invalid);
  EXPECT_EQ(images.add("", "1", bytes_of(5), 0).error().kind, ImageError::Kind::Invalid);
  ASSERT_TRUE(images.add("fw", "1", bytes_of(100, 1), 0).has_value());
  EXPECT_EQ(images.add("fw", "2", bytes_of(60, 2), 0).error().kind, ImageError::Kind::Full);
  ASSERT_TRUE(images.add("fw", "2", bytes_of(50, 2), 0).has_value());
  EXPECT_EQ(images.add("fw", "3", bytes_of(1, 3), 0).error().kind, ImageError::Kind::Full);
}

TEST(Images, ComeBackAfterARestartAndDamagedOnesAreDropped) {
  drover::testing::TempDir dir("firmware-images");
  MemoryTable table;
  std::string kept, damaged;
  {
    Images images({}, dir.path(), &table);
    kept = (*images.add("fw", "1.0", bytes_of(3000, 1), 42))->sha256;
    damaged = (*images.add("fw", "2.0", bytes_of(2000, 2), 43))->sha256;
  }
  std::ofstream(dir.path() / damaged, std::ios::binary | std::ios::trunc) << "changed";
  Images restarted({}, dir.path(), &table);
  const auto errors = restarted.load();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(damaged), std::string::npos);
  ASSERT_NE(restarted.find(kept), nullptr);
  EXPECT_EQ(*restarted.find(kept)->bytes, bytes_of(3000, 1));
  EXPECT_EQ(restarted.find(kept)->version, "1.0");
  EXPECT_EQ(restarted.find(kept)->created, 42);
  EXPECT_EQ(restarted.find(damaged), nullptr);
  EXPECT_FALSE(table.docs.contains(damaged));
  ASSERT_TRUE(restarted.erase(kept));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / kept));
  EXPECT_TRUE(table.docs.empty());
}

// A GET as the engine hands it over: Block2 taken out of the message.
coap::RequestReceived get_block(const std::string& sha, std::optional<coap::BlockOption> block) {
  coap::RequestReceived r;
  r.request.code = coap::codes::Get;
  r.request.add_option(coap::options::UriPath, "fw");
  r.request.add_option(coap::options::UriPath, sha);
  r.block2 = block;
  return r;
}

TEST(CoapResource, AnswersTheAskedBlockFromTheImagesBytes) {
  Images images({}, {}, nullptr);
  const Image& image = **images.add("fw", "1", bytes_of(2500), 0);
  coap::Message response;
  answer_block(images, get_block(image.sha256, coap::BlockOption{1, false, 5}), response);
  EXPECT_EQ(response.code, coap::codes::Content);
  coap::BlockOption b;
  ASSERT_EQ(coap::read_block(response, coap::options::Block2, b), coap::BlockRead::Valid);
  EXPECT_EQ(b.num, 1u);
  EXPECT_EQ(b.szx, 5);
  EXPECT_TRUE(b.more);
  EXPECT_EQ(response.uint_option(coap::options::Size2), 2500u);
  const auto payload = response.payload();
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), image.bytes->begin() + 512,
                         image.bytes->begin() + 1024));
  // The last block, at the largest size the server serves.
  answer_block(images, get_block(image.sha256, coap::BlockOption{2, false, 6}), response);
  ASSERT_EQ(coap::read_block(response, coap::options::Block2, b), coap::BlockRead::Valid);
  EXPECT_FALSE(b.more);
  EXPECT_EQ(response.payload().size(), 2500u - 2048u);
  // A first request without Block2 gets block 0.
  answer_block(images, get_block(image.sha256, std::nullopt), response);
  EXPECT_EQ(response.payload().size(), 1024u);
  answer_block(images, get_block(image.sha256, coap::BlockOption{3, false, 6}), response);
  EXPECT_EQ(response.code, coap::codes::BadRequest);
  answer_block(images, get_block(std::string(64, '0'), std::nullopt), response);
  EXPECT_EQ(response.code, coap::codes::NotFound);
}

TEST(HttpRange, GivesOneRangeOrTheWholeImage) {
  Images images({}, {}, nullptr);
  const Image& image = **images.add("fw", "1", bytes_of(1000), 0);
  auto r = http::image_bytes(image, "");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body.size(), 1000u);
  EXPECT_TRUE(r.accept_ranges);
  r = http::image_bytes(image, "bytes=10-19");
  EXPECT_EQ(r.status, 206u);
  EXPECT_EQ(r.content_range, "bytes 10-19/1000");
  EXPECT_EQ(r.body, std::string(image.bytes->begin() + 10, image.bytes->begin() + 20));
  r = http::image_bytes(image, "bytes=990-");
  EXPECT_EQ(r.content_range, "bytes 990-999/1000");
  r = http::image_bytes(image, "bytes=-5");
  EXPECT_EQ(r.content_range, "bytes 995-999/1000");
  EXPECT_EQ(r.body.size(), 5u);
  r = http::image_bytes(image, "bytes=900-5000");
  EXPECT_EQ(r.content_range, "bytes 900-999/1000");
  r = http::image_bytes(image, "bytes=1000-");
  EXPECT_EQ(r.status, 416u);
  EXPECT_EQ(r.content_range, "bytes */1000");
  EXPECT_EQ(http::image_bytes(image, "bytes=0-1,5-6").status, 200u);
  EXPECT_EQ(http::image_bytes(image, "items=0-1").status, 200u);
}

struct Routes : ::testing::Test {
  server::Server core{server::ServerConfig{}};
  Images images{{.max_image_bytes = 10000}, {}, nullptr};
  FirmwareService service{core, images};
  http::FirmwareRoutes routes{images, service, [] { return std::int64_t{1700000000}; }};
  http::Api api{core};
  Routes() { api.add_routes(routes); }

  http::Response call(std::string_view method, std::string_view target, std::string_view body = {},
                      std::string_view range = {}) {
    auto reply = api.handle({method, target, body, range}, coap::TimePoint{});
    return std::get<http::Response>(reply);
  }
};

TEST_F(Routes, UploadListGetPullAndDelete) {
  const auto data = bytes_of(4000);
  const std::string body(data.begin(), data.end());
  auto r = call("POST", "/api/firmware?name=sensor&version=2.1", body);
  ASSERT_EQ(r.status, 201u) << r.body;
  const auto image = json::parse(r.body).as_object();
  const std::string sha(image.at("sha256").as_string());
  EXPECT_EQ(image.at("size").as_int64(), 4000);
  EXPECT_EQ(image.at("created").as_int64(), 1700000000);
  EXPECT_EQ(call("POST", "/api/firmware?name=sensor&version=2.1", body).status, 200u);
  EXPECT_EQ(call("POST", "/api/firmware?name=sensor", body).status, 400u);
  EXPECT_EQ(call("POST", "/api/firmware?name=a&version=b", std::string(10001, 'x')).status, 413u);
  r = call("GET", "/api/firmware");
  EXPECT_EQ(json::parse(r.body).at("images").as_array().size(), 1u);
  EXPECT_EQ(json::parse(call("GET", "/api/firmware/" + sha).body).at("version").as_string(), "2.1");
  r = call("GET", "/fw/" + sha, {}, "bytes=100-199");
  EXPECT_EQ(r.status, 206u);
  EXPECT_EQ(r.body, body.substr(100, 100));
  EXPECT_EQ(r.content_type, "application/octet-stream");
  EXPECT_EQ(call("GET", "/fw/" + sha).body, body);
  EXPECT_EQ(call("DELETE", "/api/firmware/" + sha).status, 200u);
  EXPECT_EQ(call("GET", "/fw/" + sha).status, 404u);
  EXPECT_EQ(call("GET", "/api/firmware/" + sha).status, 404u);
}

TEST_F(Routes, UpdatesAndCampaignsAnswerWithTheirErrors) {
  const auto data = bytes_of(100);
  const auto up =
      call("POST", "/api/firmware?name=a&version=b", std::string(data.begin(), data.end()));
  const std::string sha(json::parse(up.body).at("sha256").as_string());
  EXPECT_EQ(call("POST", "/api/clients/nobody/firmware", R"({"image":")" + sha + "\"}").status,
            404u);
  EXPECT_EQ(call("POST", "/api/clients/nobody/firmware",
                 R"({"image":")" + sha + R"(","method":"carrier-pigeon"})")
                .status,
            400u);
  EXPECT_EQ(call("GET", "/api/clients/nobody/firmware").status, 404u);
  EXPECT_EQ(call("DELETE", "/api/clients/nobody/firmware").status, 404u);
  EXPECT_EQ(call("POST", "/api/campaigns", R"({"image":")" + sha + R"(","prefix":"x"})").status,
            400u);  // no device
  EXPECT_EQ(call("POST", "/api/campaigns", R"({"image":"nope","endpoints":["a"]})").status, 404u);
  const auto created =
      call("POST", "/api/campaigns",
           R"({"image":")" + sha + R"(","endpoints":["a","b"],"concurrency":1,"max_failures":1})");
  ASSERT_EQ(created.status, 201u) << created.body;
  const auto id = std::to_string(json::parse(created.body).at("id").as_int64());
  EXPECT_EQ(json::parse(call("GET", "/api/campaigns/" + id).body).at("devices").as_array().size(),
            2u);
  EXPECT_EQ(call("POST", "/api/campaigns/" + id + "/pause").status, 200u);
  EXPECT_EQ(call("POST", "/api/campaigns/" + id + "/pause").status, 409u);
  EXPECT_EQ(call("POST", "/api/campaigns/" + id + "/resume").status, 200u);
  EXPECT_EQ(call("DELETE", "/api/campaigns/" + id).status, 200u);
  EXPECT_EQ(json::parse(call("GET", "/api/campaigns").body).at("campaigns").as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/api/campaigns/99").status, 404u);
  const auto metrics = call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("drover_firmware_images 1\n"), std::string::npos);
}

}  // namespace
}  // namespace drover::firmware
