#include "drover/loadgen/image_pull.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <random>
#include <thread>

#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/images.hpp"
#include "drover/transport/threads.hpp"
#include "scenario_parts.hpp"

namespace drover::loadgen {

using namespace parts;

namespace {

FleetConfig pulling_fleet(const BenchConfig& config, const ImagePullConfig& pull,
                          const coap::PeerAddress& server, std::span<const std::uint8_t> image) {
  FleetConfig f = fleet_config(config, server);
  f.image_path = std::string(firmware::kResource) + "/" + firmware::sha256_hex(image);
  f.block_szx = pull.block_szx;
  f.image_checksum = fold_checksum(kChecksumSeed, image);
  return f;
}

// The row of the blocks of a pull phase, and a note of the images the devices checked.
Row block_row(const std::string& name, const PhaseResult& r, double cpu_seconds,
              BenchReport& report) {
  Row row = row_of(name, r, Op::Block);
  row.server_us_per_op = per_op(cpu_seconds, r.stats.of(Op::Block).succeeded);
  note_failures(report, row);
  report.notes.push_back(name + ": " + std::to_string(r.stats.images_pulled) +
                         " images pulled whole with the image's checksum, " +
                         std::to_string(r.stats.images_corrupt) + " corrupt");
  return row;
}

std::string mebibytes(std::uint64_t bytes) {
  return fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1) + " MiB";
}

// Bytes per device of the growth from `before` to `after` (negative when it shrank).
std::string per_device(std::uint64_t before, std::uint64_t after, std::uint32_t devices) {
  if (devices == 0) return "-";
  return fixed((static_cast<double>(after) - static_cast<double>(before)) / devices, 0);
}

}  // namespace

std::vector<std::uint8_t> bench_image(std::size_t size) {
  std::vector<std::uint8_t> image(size);
  std::mt19937_64 bits(0xf1a5e);
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = bits();
    for (std::size_t j = 0; j < 8 && i + j < size; ++j)
      image[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  return image;
}

ImagePullReport run_image_pull(const BenchConfig& config, const ImagePullConfig& pull) {
  ImagePullReport out;
  BenchReport& report = out.bench;
  ServerProcess server([&] {
    firmware::ImagesConfig limits;
    limits.max_image_bytes = std::max(limits.max_image_bytes, pull.image_size);
    auto images = std::make_shared<firmware::Images>(limits, "", nullptr);
    if (!images->add("bench", "1", bench_image(pull.image_size), 0)) std::abort();
    multicore::ShardedServerConfig c = host_config(config, config.clients);
    // The setup keeps the images as long as the server.
    c.setup = [images](unsigned, server::Server& s) { firmware::serve_images(s, *images); };
    return c;
  });
  if (server.port() == 0) {
    report.notes.push_back(server.error());
    return out;
  }
  // Made after the fork, so that the server's RSS holds its own copy only.
  const std::vector<std::uint8_t> image = bench_image(pull.image_size);
  transport::pin_this_thread(config.load_cpu);
  const Phase pulls = timed("pull", config.duration, config.rate, only(Op::Block));

  {
    IdealResponder responder;
    if (auto ec =
            responder.start(coap::PeerAddress::loopback_v4(0), config.server_cpus.at(0), image)) {
      report.notes.push_back("ideal: cannot bind: " + ec.message());
      return out;
    }
    LoadDriver driver(pulling_fleet(config, pull, responder.address(), image), config.window);
    if (auto ec = driver.open()) {
      report.notes.push_back("ideal: cannot bind the fleet's socket: " + ec.message());
      return out;
    }
    driver.fleet().assume_registered("ideal");
    const double cpu_before = responder.cpu_seconds();
    const auto results = driver.run({pulls});
    const double cpu = responder.cpu_seconds() - cpu_before;
    responder.stop();
    if (!results.empty()) {
      Row row = block_row("ideal/fw", results[0], cpu, report);
      report.ideal_rate = row.rate();
      report.rows.push_back(std::move(row));
    }
  }

  LoadDriver driver(
      pulling_fleet(config, pull, coap::PeerAddress::loopback_v4(server.port()), image),
      config.window);
  if (auto ec = driver.open()) {
    report.notes.push_back("fleet: cannot bind: " + ec.message());
    return out;
  }
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(500)); };
  settle();
  out.rss_idle = resident_bytes(server.pid());
  const auto registered = driver.run({register_all(config.registration_limit, 0, config.rate)});
  if (!registered.empty()) note_failures(report, row_of("register", registered[0], Op::Register));
  out.registered = driver.fleet().registered_count();
  if (out.registered < config.clients)
    report.notes.push_back("only " + std::to_string(out.registered) + " of " +
                           std::to_string(config.clients) + " devices registered");
  settle();
  out.rss_registered = resident_bytes(server.pid());

  std::atomic<bool> pulling{true};
  std::uint64_t peak = 0;
  std::thread sampler([&] {
    while (pulling.load()) {
      peak = std::max(peak, resident_bytes(server.pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const double cpu_before = process_cpu_seconds(server.pid());
  const auto results = driver.run({pulls});
  const double cpu = process_cpu_seconds(server.pid()) - cpu_before;
  pulling.store(false);
  sampler.join();
  out.rss_pulling = std::max(peak, resident_bytes(server.pid()));
  if (!results.empty()) report.rows.push_back(block_row("firmware", results[0], cpu, report));

  report.notes.push_back(
      "server RSS: idle " + mebibytes(out.rss_idle) + ", " + std::to_string(out.registered) +
      " devices registered " + mebibytes(out.rss_registered) + " (" +
      per_device(out.rss_idle, out.rss_registered, out.registered) + " bytes/device), pulling " +
      mebibytes(out.rss_pulling) + " (" +
      per_device(out.rss_registered, out.rss_pulling, out.registered) + " bytes/device more)");
  return out;
}

}  // namespace drover::loadgen
