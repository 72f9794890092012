// The fleet's devices pulling a firmware image block by block from the server core's /fw resource
// (firmware::serve_images, as drover server serves it), in memory with a fake clock.
#include <algorithm>

#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/images.hpp"
#include "drover/loadgen/image_pull.hpp"
#include "fleet_harness.hpp"

namespace drover::loadgen::testing {
namespace {

Phase register_all() {
  Phase p;
  p.kind = Phase::Kind::RegisterAll;
  p.name = "register";
  return p;
}

Phase pulls(Duration duration) {
  Phase p;
  p.kind = Phase::Kind::Timed;
  p.name = "pull";
  p.duration = duration;
  p.weights[static_cast<std::size_t>(Op::Block)] = 1;
  return p;
}

// A server core serving `image` at /fw/<sha256> and a fleet that pulls it, registered.
struct PullHarness {
  PullHarness(std::uint32_t clients, std::vector<std::uint8_t> bytes, std::uint8_t asked_szx,
              std::uint8_t server_szx, std::uint64_t expected_checksum)
      : image(std::move(bytes)),
        h(pulling(clients, asked_szx, expected_checksum), serving(server_szx)) {
    EXPECT_TRUE(images.add("bench", "1", image, 0).has_value());
    firmware::serve_images(h.server, images);
    Workload w(8);
    h.run(w, register_all());
    EXPECT_EQ(h.fleet.registered_count(), clients);
    h.fleet.reset_stats();
    h.max_in_flight_seen = 0;
  }

  FleetConfig pulling(std::uint32_t clients, std::uint8_t szx, std::uint64_t checksum) const {
    FleetConfig c = fleet_config(clients);
    c.image_path = "fw/" + firmware::sha256_hex(image);
    c.block_szx = szx;
    c.image_checksum = checksum;
    return c;
  }
  static server::ServerConfig serving(std::uint8_t szx) {
    server::ServerConfig c = server_config();
    c.engine.block_szx = szx;
    return c;
  }

  // Blocks of the transfers under way, at `block` bytes each.
  std::uint64_t partial_blocks(std::size_t block) const {
    std::uint64_t n = 0;
    for (std::uint32_t i = 0; i < h.fleet.size(); ++i) {
      EXPECT_EQ(h.fleet.image_offset(i) % block, 0u);
      n += h.fleet.image_offset(i) / block;
    }
    return n;
  }

  std::vector<std::uint8_t> image;
  firmware::Images images{{}, "", nullptr};
  FleetHarness h;
};

TEST(ImagePull, ChecksumOfTheBlocksInTurnIsTheImages) {
  const auto image = bench_image(4096 + 5);
  const std::uint64_t whole = fold_checksum(kChecksumSeed, image);
  std::uint64_t blocks = kChecksumSeed;
  for (std::size_t at = 0; at < image.size(); at += 1024)
    blocks = fold_checksum(
        blocks, std::span(image).subspan(at, std::min<std::size_t>(1024, image.size() - at)));
  EXPECT_EQ(blocks, whole);

  auto changed = image;
  changed[2000] ^= 1;
  EXPECT_NE(fold_checksum(kChecksumSeed, changed), whole);
  auto longer = image;
  longer.push_back(0);
  EXPECT_NE(fold_checksum(kChecksumSeed, longer), whole);
  // Two blocks swapped.
  auto swapped = image;
  std::swap_ranges(swapped.begin(), swapped.begin() + 1024, swapped.begin() + 1024);
  EXPECT_NE(fold_checksum(kChecksumSeed, swapped), whole);
}

TEST(ImagePull, EveryDeviceReassemblesTheImageBlockByBlock) {
  // 16 blocks of 1,024 bytes and one of 100; fewer in flight than devices.
  auto bytes = bench_image(16 * 1024 + 100);
  const std::uint64_t checksum = fold_checksum(kChecksumSeed, bytes);
  PullHarness p(3, std::move(bytes), 6, 6, checksum);
  Workload w(2);
  p.h.run(w, pulls(200ms), 1ms);

  const FleetStats& s = p.h.fleet.stats();
  const OpStats& blocks = s.of(Op::Block);
  EXPECT_GE(s.images_pulled, 3u);
  EXPECT_EQ(s.images_corrupt, 0u);
  EXPECT_EQ(blocks.error_code + blocks.timed_out + blocks.reset, 0u);
  EXPECT_EQ(blocks.succeeded, blocks.started);
  EXPECT_LE(p.h.max_in_flight_seen, 2u);
  // Every block answered went into a whole image or into a transfer under way.
  EXPECT_EQ(blocks.succeeded, s.images_pulled * 17 + p.partial_blocks(1024));
}

TEST(ImagePull, FollowsTheSmallerBlocksTheServerAnswers) {
  auto bytes = bench_image(4096);
  const std::uint64_t checksum = fold_checksum(kChecksumSeed, bytes);
  PullHarness p(2, std::move(bytes), 6, 4, checksum);  // 1,024 asked, 256 answered
  Workload w(2);
  p.h.run(w, pulls(100ms), 1ms);

  const FleetStats& s = p.h.fleet.stats();
  EXPECT_GE(s.images_pulled, 2u);
  EXPECT_EQ(s.images_corrupt, 0u);
  EXPECT_EQ(s.of(Op::Block).succeeded, s.images_pulled * 16 + p.partial_blocks(256));
}

TEST(ImagePull, AnotherImageThanExpectedIsCountedCorrupt) {
  auto bytes = bench_image(2048);
  auto other = bytes;
  other[100] ^= 0x80;
  PullHarness p(2, std::move(bytes), 6, 6, fold_checksum(kChecksumSeed, other));
  Workload w(2);
  p.h.run(w, pulls(50ms), 1ms);

  const FleetStats& s = p.h.fleet.stats();
  EXPECT_EQ(s.images_pulled, 0u);
  EXPECT_GE(s.images_corrupt, 2u);
  EXPECT_EQ(s.of(Op::Block).succeeded, s.images_corrupt * 2 + p.partial_blocks(1024));
}

TEST(ImagePull, DevicesWithoutAnImagePullNothing) {
  FleetHarness h(2);
  Workload w(2);
  h.run(w, register_all());
  EXPECT_FALSE(h.fleet.start(Op::Block, 0, h.now));
  h.run(w, pulls(10ms), 1ms);
  EXPECT_EQ(h.fleet.stats().of(Op::Block).started, 0u);
}

}  // namespace
}  // namespace drover::loadgen::testing
