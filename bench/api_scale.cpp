// The HTTP API of a server holding a fleet of a million: what a page of GET /api/clients costs the
// protocol loop, what walking the whole fleet page by page costs the devices, and whether one
// address holding many idle connections locks another out. On loopback, bounded in time.
//
//   bench_api_scale [--registrations 1000000] [--clients 10000] [--duration 5] [--idle 1000]
//
// The server (a Server core on a DatagramLoop, its Api and HttpServer on one io_context and one
// thread, as `drover server` runs them) is filled in process (Server::restore) with
// registrations - clients names "fill-NNNNNNN"; `clients` simulated devices of the load generator
// (loadgen::LoadDriver) register over CoAP and send Updates as fast as their window allows.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "drover/http/api.hpp"
#include "drover/http/http_server.hpp"
#include "drover/loadgen/drivers.hpp"
#include "drover/loadgen/scenarios.hpp"
#include "drover/server/server.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "drover/transport/threads.hpp"

namespace {

using namespace drover;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string fill_name(std::size_t i) {
  char name[24];
  std::snprintf(name, sizeof name, "fill-%07zu", i);
  return name;
}

// A blocking HTTP/1.1 client with a keep-alive connection from a local address of its own.
class HttpClient {
 public:
  HttpClient(const char* local, const tcp::endpoint& to) : stream_(io_) {
    stream_.socket().open(tcp::v4());
    stream_.socket().bind({asio::ip::make_address(local), 0});
    stream_.connect(to);
  }
  // The status and body of GET `target`; status 0 when the connection failed.
  std::pair<unsigned, std::string> get(const std::string& target) {
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.keep_alive(true);
    beast::error_code ec;
    bhttp::write(stream_, request, ec);
    bhttp::response<bhttp::string_body> response;
    if (!ec) bhttp::read(stream_, buffer_, response, ec);
    if (ec) return {0, {}};
    return {response.result_int(), std::move(response.body())};
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct Options {
  std::size_t registrations = 1000000;
  std::uint32_t clients = 10000;
  double duration = 5;
  std::size_t idle = 1000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--registrations") o.registrations = std::stoul(value);
    if (key == "--clients") o.clients = static_cast<std::uint32_t>(std::stoul(value));
    if (key == "--duration") o.duration = std::stod(value);
    if (key == "--idle") o.idle = std::stoul(value);
  }
  o.clients = static_cast<std::uint32_t>(std::min<std::size_t>(o.clients, o.registrations));
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::size_t filled = o.registrations - o.clients;

  // The server, filled as a restart would fill it.
  asio::io_context io;
  server::Server core(loadgen::bench_server_config(static_cast<std::uint32_t>(o.registrations)));
  {
    static const auto objects = std::make_shared<const lwm2m::RegistrationPayload>(
        lwm2m::RegistrationPayload{"/", {}, {{1, {}, {0}}, {3, {}, {0}}, {3303, {}, {0}}}});
    const auto now = transport::DatagramLoop::now();
    server::ServerState state;
    state.registrations.reserve(filled);
    for (std::size_t i = 0; i < filled; ++i) {
      server::Registration r;
      r.endpoint = fill_name(i);
      r.location = "f" + std::to_string(i);
      r.peer =
          coap::PeerAddress::v4({10, static_cast<std::uint8_t>(i >> 16),
                                 static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)},
                                5683);
      r.objects = objects;
      r.lifetime = 86400;
      r.registered_at = r.updated_at = now;
      r.expires_at = now + std::chrono::seconds(r.lifetime);
      state.registrations.push_back(std::move(r));
    }
    const auto started = Clock::now();
    core.restore(std::move(state), now);
    const auto& store = core.registrations();
    std::printf("filled %zu registrations in %.0f ms; endpoint order: %zu bytes, %.2f bytes each\n",
                store.size(), ms_since(started), store.order_bytes(),
                static_cast<double>(store.order_bytes()) / static_cast<double>(store.size()));
  }
  transport::DatagramLoopConfig loop_config;
  loop_config.socket = loadgen::bench_socket_options(false);
  transport::DatagramLoop loop(io, core, loop_config);
  if (auto ec = loop.open(coap::PeerAddress::loopback_v4(0))) {
    std::fprintf(stderr, "cannot bind CoAP: %s\n", ec.message().c_str());
    return 1;
  }
  http::Api api(core);
  http::HttpServer httpd(io, api, [&loop] { loop.flush_soon(); });
  loop.set_after_input([&] {
    server::ServerEvent event;
    while (core.poll_event(event)) httpd.on_event(event);
  });
  if (auto ec = httpd.open({asio::ip::make_address("127.0.0.1"), 0})) {
    std::fprintf(stderr, "cannot listen: %s\n", ec.message().c_str());
    return 1;
  }
  const auto http_at = httpd.local_endpoint();
  auto work = asio::make_work_guard(io);
  // As `drover bench` places them: the server on CPU 0, the devices on CPU 1. The pager shares
  // the server's core (the server's loop has room; the load generator has none to spare).
  std::thread server_thread([&io] {
    transport::pin_this_thread(0);
    io.run();
  });
  transport::pin_this_thread(1);

  // The fleet registers over CoAP.
  loadgen::FleetConfig fleet;
  fleet.clients = o.clients;
  fleet.server = loop.local_address();
  loadgen::LoadDriver driver(fleet, 256);
  if (auto ec = driver.open()) {
    std::fprintf(stderr, "cannot bind the fleet: %s\n", ec.message().c_str());
    return 1;
  }
  loadgen::Phase register_all;
  register_all.kind = loadgen::Phase::Kind::RegisterAll;
  register_all.name = "register";
  register_all.limit = std::chrono::seconds(120);
  driver.run({register_all});
  std::printf("fleet: %u of %u registered; the server holds %zu\n",
              driver.fleet().registered_count(), o.clients, core.registrations().size());

  // What a request holds the loop for: Api::handle timed on the loop's thread, and the whole
  // round trip over loopback HTTP.
  HttpClient client("127.0.0.1", http_at);
  const auto on_loop = [&](const std::string& target) {
    std::promise<double> took;
    asio::post(io, [&] {
      const auto t = Clock::now();
      api.handle({"GET", target, {}}, transport::DatagramLoop::now());
      took.set_value(ms_since(t));
    });
    return took.get_future().get();
  };
  std::printf("\n%-52s %12s %12s\n", "request (limit=100)", "loop ms", "HTTP ms");
  const std::vector<std::pair<std::string, std::string>> pages{
      {"first page", "/api/clients?limit=100"},
      {"middle page (after=)", "/api/clients?limit=100&after=" + fill_name(filled / 2)},
      {"last page (after=)", "/api/clients?limit=100&after=" + fill_name(filled - 101)},
      {"prefix search (100 matches)", "/api/clients?limit=100&prefix=fill-01234"},
      {"middle page of 1000 (after=)", "/api/clients?limit=1000&after=" + fill_name(filled / 2)},
      {"offset=500000", "/api/clients?limit=100&offset=500000"},
      {"offset=" + std::to_string(o.registrations - 100),
       "/api/clients?limit=100&offset=" + std::to_string(o.registrations - 100)},
      {"filter, no match (scans 10,000)", "/api/clients?limit=100&object=9999"},
      {"/metrics", "/metrics"},
  };
  for (const auto& [name, target] : pages) {
    std::vector<double> loop_ms, http_ms;
    for (int i = 0; i < 21; ++i) {
      loop_ms.push_back(on_loop(target));
      const auto t = Clock::now();
      const auto [status, body] = client.get(target);
      http_ms.push_back(ms_since(t));
      if (status != 200) std::printf("  %s: status %u\n", name.c_str(), status);
    }
    std::printf("%-52s %12.3f %12.3f\n", name.c_str(), median(loop_ms), median(http_ms));
  }

  // Updates without and with a client walking the whole fleet, 1,000 a page, as fast as it can.
  std::atomic<bool> paging{false}, done{false};
  std::atomic<std::uint64_t> walked{0}, pages_read{0}, walks{0};
  std::vector<double> page_ms;
  std::thread pager([&] {
    transport::pin_this_thread(0);
    HttpClient walker("127.0.0.3", http_at);
    std::string after;
    while (!done) {
      if (!paging) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      const auto t = Clock::now();
      const auto [status, body] =
          walker.get("/api/clients?limit=1000" + (after.empty() ? "" : "&after=" + after));
      page_ms.push_back(ms_since(t));
      if (status != 200) break;
      // Read as a script in a hurry would: the clients counted, `next` taken from the text (the
      // bench's names need no escapes), so that the pager spends its CPU on asking.
      for (std::size_t at = 0; (at = body.find("{\"endpoint\":", at)) != std::string::npos; ++at)
        ++walked;
      ++pages_read;
      const auto next = body.find("\"next\":");
      if (next == std::string::npos || body.compare(next + 7, 4, "null") == 0) {
        after.clear();
        ++walks;
      } else {
        const auto from = next + 8;
        after = body.substr(from, body.find('"', from) - from);
      }
    }
  });
  loadgen::Phase updates;
  updates.kind = loadgen::Phase::Kind::Timed;
  updates.duration =
      std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(o.duration));
  updates.weights[static_cast<std::size_t>(loadgen::Op::Update)] = 1;
  std::vector<loadgen::Phase> phases;
  for (const char* name :
       {"updates", "updates + pager", "updates", "updates + pager", "updates", "updates + pager"}) {
    phases.push_back(updates);
    phases.back().name = name;
  }
  // The server thread's CPU time over each phase: when it is below the phase's length, the
  // server was not the bottleneck (the load generator, sharing its core with the pager, was).
  std::vector<double> server_cpu(phases.size());
  std::vector<Clock::time_point> began(phases.size());
  std::vector<double> wall(phases.size());
  const auto results = driver.run(
      phases,
      [&](std::size_t i, const loadgen::Phase& p) {
        paging = p.name != "updates";
        server_cpu[i] = -transport::cpu_seconds(server_thread);
        began[i] = Clock::now();
      },
      [&](std::size_t i, const loadgen::Phase&) {
        paging = false;
        server_cpu[i] += transport::cpu_seconds(server_thread);
        wall[i] = ms_since(began[i]) / 1000;
      });
  done = true;
  pager.join();
  std::printf("\n%-24s %14s %18s\n", "phase", "Updates/s", "server thread CPU");
  double alone = 0, paged = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const double rate =
        static_cast<double>(r.succeeded[static_cast<std::size_t>(loadgen::Op::Update)]) / r.seconds;
    (r.name == "updates" ? alone : paged) += rate / 3;
    std::printf("%-24s %14.0f %17.0f%%\n", r.name.c_str(), rate, 100 * server_cpu[i] / wall[i]);
  }
  double paged_seconds = 0;
  for (const auto& r : results)
    if (r.name != "updates") paged_seconds += r.seconds;
  std::vector<double> page_loop_ms;
  for (int i = 0; i < 11; ++i)
    page_loop_ms.push_back(on_loop("/api/clients?limit=1000&after=" + fill_name(filled / 3)));
  const double pages_per_second = static_cast<double>(pages_read.load()) / paged_seconds;
  std::printf(
      "with the pager / without: %.3f; the pager read %llu pages (%llu clients, %llu whole "
      "walks), %.1f ms a page over HTTP (median); %.0f pages/s of %.2f ms on the loop: "
      "the API held the loop %.1f %% of the time\n",
      alone > 0 ? paged / alone : 0, static_cast<unsigned long long>(pages_read.load()),
      static_cast<unsigned long long>(walked.load()), static_cast<unsigned long long>(walks.load()),
      median(page_ms), pages_per_second, median(page_loop_ms),
      pages_per_second * median(page_loop_ms) / 10);

  // One address holds `idle` connections that send nothing; another keeps asking.
  asio::io_context idle_io;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (std::size_t i = 0; i < o.idle; ++i) {
    auto s = std::make_unique<tcp::socket>(idle_io);
    beast::error_code ec;
    s->open(tcp::v4(), ec);
    s->bind({asio::ip::make_address("127.0.0.1"), 0}, ec);
    s->connect(http_at, ec);
    if (!ec) idle.push_back(std::move(s));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int answered = 0;
  std::vector<double> other_ms;
  for (int i = 0; i < 100; ++i) {
    const auto t = Clock::now();
    HttpClient other("127.0.0.2", http_at);  // a new connection each time
    if (other.get("/api/clients?limit=10").first == 200) ++answered;
    other_ms.push_back(ms_since(t));
  }
  std::promise<http::HttpServerStats> stats;
  asio::post(io, [&] { stats.set_value(httpd.stats()); });
  const auto s = stats.get_future().get();
  std::printf(
      "\n%zu idle connections from 127.0.0.1: 127.0.0.2 got %d of 100 answers (median %.2f "
      "ms, connection included); server: %llu refused, %llu idle closed to make room\n",
      idle.size(), answered, median(other_ms), static_cast<unsigned long long>(s.rejected),
      static_cast<unsigned long long>(s.evicted));

  work.reset();
  io.stop();
  server_thread.join();
  return 0;
}
