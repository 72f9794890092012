// The SQLite store of the server's state (store::ServerStateStore): how fast its writer commits
// registrations and renewals, how long a server's start takes to read them back, and what a
// registration costs on disk. Each benchmark works in a fresh folder under the system's temporary
// directory (on the same disk as a data folder would be, unless TMPDIR says otherwise).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "drover/store/server_state_store.hpp"

namespace {

using namespace drover;
using namespace std::chrono_literals;

class Folder {
 public:
  Folder()
      : path_(std::filesystem::temp_directory_path() /
              ("drover_bench_store_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~Folder() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::uintmax_t bytes() const {
    std::uintmax_t total = 0;
    for (const auto& f : std::filesystem::directory_iterator(path_))
      if (f.is_regular_file()) total += f.file_size();
    return total;
  }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<store::ServerStateStore> open(const Folder& folder) {
  auto dir = store::DataDir::open(folder.path());
  if (!dir) throw std::runtime_error(dir.error().message);
  auto s = store::ServerStateStore::open(dir.value(), 0, 1);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s).value();
}

// A typical sensor's registration; `i` makes the endpoint, location and address its own.
server::Registration registration(
    std::uint32_t i, coap::TimePoint now,
    const std::shared_ptr<const lwm2m::RegistrationPayload>& objects) {
  server::Registration r;
  r.endpoint = "bench-" + std::to_string(1000000 + i);
  r.location = "x" + std::to_string(i * 2654435761u);  // random-looking, as the server's are
  r.peer = coap::PeerAddress::v4({127, static_cast<std::uint8_t>(1 + (i >> 16)),
                                  static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                                 56830);
  r.version = lwm2m::Lwm2mVersion::V1_1;
  r.lifetime = 86400;
  r.objects = objects;
  r.registered_at = now;
  r.updated_at = now;
  r.expires_at = now + 86400s;
  return r;
}

std::shared_ptr<const lwm2m::RegistrationPayload> sensor_objects() {
  auto p = std::make_shared<lwm2m::RegistrationPayload>();
  p->objects = {{1, {}, {0}}, {3, {}, {0}}, {4, {}, {0}}, {3303, {}, {0, 1, 2, 3}}};
  return p;
}

// Registrations committed per second (Register storms), and bytes on disk per registration.
void BM_StoreRegistrations(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto objects = sensor_objects();
  for (auto _ : state) {
    Folder folder;
    auto store = open(folder);
    store->start();
    const auto now = coap::Clock::now();
    for (std::uint32_t i = 0; i < n; ++i) store->registration_added(registration(i, now, objects));
    if (store->flush()) state.SkipWithError("a batch failed");
    state.PauseTiming();
    store.reset();
    state.counters["bytes_per_registration"] =
        static_cast<double>(folder.bytes()) / static_cast<double>(n);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_StoreRegistrations)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Renewals (Updates that only renew a lifetime) committed per second, on a store of `n`.
void BM_StoreRenewals(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto objects = sensor_objects();
  Folder folder;
  auto store = open(folder);
  store->start();
  auto now = coap::Clock::now();
  for (std::uint32_t i = 0; i < n; ++i) store->registration_added(registration(i, now, objects));
  (void)store->flush();
  for (auto _ : state) {
    now += 1s;
    for (std::uint32_t i = 0; i < n; ++i) {
      auto r = registration(i, now, objects);
      // The Update before was an hour ago: this renewal is written.
      store->registration_updated(r, server::UpdateChange::None, now - 1h);
    }
    if (store->flush()) state.SkipWithError("a batch failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_StoreRenewals)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

// A server's start: reading `n` registrations back (Server::restore is measured by drover bench).
void BM_StoreLoad(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto objects = sensor_objects();
  Folder folder;
  {
    auto store = open(folder);
    const auto now = coap::Clock::now();
    for (std::uint32_t i = 0; i < n; ++i) store->registration_added(registration(i, now, objects));
  }
  for (auto _ : state) {
    auto store = open(folder);
    auto loaded = store->load(coap::Clock::now(), 1.8e9);
    if (!loaded || loaded.value().registrations.size() != n) state.SkipWithError("load failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
}
BENCHMARK(BM_StoreLoad)->Arg(100000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
