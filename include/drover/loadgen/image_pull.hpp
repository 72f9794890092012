// The firmware scenario of `drover bench`: every simulated device, once registered, pulls one
// image from the server's own CoAP endpoint (GET /fw/<sha256>, Block2), one block at a time and
// the next on its answer, starting over when the image is whole, for the phase's duration. The
// same fleet pulls the same image from an IdealResponder in the same run, and the server's blocks
// per second are given as a ratio to it. Every device folds the blocks it gets into a checksum and
// compares it with the image's at the end of each transfer.
//
// The server under test runs in a child process (ServerProcess), serving the image as `drover
// server` does (firmware::serve_images through Server::add_resource), so that its RSS is its own:
// read idle, with the devices registered, and at its peak while they pull. Devices pull the image's
// URI directly; the campaign's own steps (Package URI written to /5/0/1, State observed, Execute)
// are not simulated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "drover/loadgen/scenarios.hpp"

namespace drover::loadgen {

struct ImagePullConfig {
  std::size_t image_size = 256 * 1024;
  std::uint8_t block_szx = 6;  // 1,024-byte blocks
};

struct ImagePullReport {
  // Rows "ideal/fw" and "firmware": blocks received in order; notes: images checked, RSS.
  BenchReport bench;
  std::uint32_t registered = 0;
  // The server process's RSS: idle (the image loaded), once the devices registered, and the
  // largest reading while they pulled (every 100 ms).
  std::uint64_t rss_idle = 0;
  std::uint64_t rss_registered = 0;
  std::uint64_t rss_pulling = 0;
};

// The benchmark's image: `size` pseudo-random bytes, the same in every process.
std::vector<std::uint8_t> bench_image(std::size_t size);

// Forks the server first: call it before anything else starts threads (as run_memory).
ImagePullReport run_image_pull(const BenchConfig& config, const ImagePullConfig& pull);

}  // namespace drover::loadgen
