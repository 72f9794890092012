// `drover fleet`: the load generator's simulated clients (one socket for all, each from its own
// 127.x.y.z address, 72 bytes each) against a server running elsewhere: they register, optionally
// wait, send one Update each, and de-register. Each step prints one line of counts, and the exit
// status says whether every request succeeded: a check of a server across a restart (the Updates
// after it must find their registrations), or a quick load of a real deployment on loopback.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "command.hpp"
#include "drover/loadgen/drivers.hpp"
#include "drover/log/log.hpp"
#include "drover/transport/coap_uri.hpp"
#include "log_options.hpp"

namespace drover::apps {
namespace {

struct FleetOptions {
  std::string server;
  std::uint32_t clients = 1000;
  std::string prefix = "fleet-";
  std::uint32_t lifetime = 86400;
  std::size_t window = 256;
  double hold = 0;
  std::string hold_file;
  double hold_timeout = 120;
  double updates_for = 0;
  bool deregister = false;
  double limit = 120;
};

coap::Duration seconds(double s) {
  return std::chrono::duration_cast<coap::Duration>(std::chrono::duration<double>(s));
}

// "update: 100000 of 100000 answered 2.xx, 0 with an error code, 0 timed out in 2.31 s"
bool report(const loadgen::PhaseResult& r, loadgen::Op op, std::uint64_t expected) {
  const loadgen::OpStats& s = r.stats.of(op);
  char seconds_text[32];
  std::snprintf(seconds_text, sizeof seconds_text, "%.2f", r.seconds);
  std::printf(
      "%s: %llu of %llu answered 2.xx, %llu with an error code, %llu reset, %llu timed out "
      "in %s s\n",
      std::string(loadgen::to_string(op)).c_str(), static_cast<unsigned long long>(s.succeeded),
      static_cast<unsigned long long>(expected), static_cast<unsigned long long>(s.error_code),
      static_cast<unsigned long long>(s.reset), static_cast<unsigned long long>(s.timed_out),
      seconds_text);
  std::fflush(stdout);
  return s.succeeded == expected;
}

int run_fleet(const FleetOptions& o) {
  std::string error;
  const auto uri = transport::parse_coap_uri(o.server, error);
  const auto server = uri ? transport::resolve(*uri, error) : std::nullopt;
  if (!server || uri->scheme != "coap") {
    log::error(log::Component::Bench, {"config_error"},
               "--server: " + (error.empty() ? std::string("coap:// only") : error));
    return 2;
  }
  loadgen::FleetConfig config;
  config.clients = o.clients;
  config.server = *server;
  config.endpoint_prefix = o.prefix;
  config.lifetime = o.lifetime;
  loadgen::LoadDriver driver(config, o.window);
  if (auto ec = driver.open()) {
    log::error(log::Component::Bench, {"socket_error"},
               "cannot open the fleet's socket: " + ec.message());
    return 1;
  }
  loadgen::Phase phase;
  phase.limit = seconds(o.limit);
  phase.kind = loadgen::Phase::Kind::RegisterAll;
  phase.name = "register";
  const auto registered = driver.run({phase});
  if (registered.empty() || !report(registered[0], loadgen::Op::Register, o.clients)) return 1;

  // Holding runs the driver idle, so that the clients go on answering what the server asks.
  loadgen::Phase idle;
  idle.kind = loadgen::Phase::Kind::Idle;
  idle.name = "hold";
  if (o.hold > 0) {
    std::printf("holding for %g s\n", o.hold);
    std::fflush(stdout);
    idle.duration = seconds(o.hold);
    driver.run({idle});
  }
  if (!o.hold_file.empty()) {
    std::printf("waiting for %s\n", o.hold_file.c_str());
    std::fflush(stdout);
    const auto give_up = std::chrono::steady_clock::now() + seconds(o.hold_timeout);
    idle.duration = std::chrono::milliseconds(50);
    while (!std::filesystem::exists(o.hold_file)) {
      if (std::chrono::steady_clock::now() > give_up) {
        char timeout[32];
        std::snprintf(timeout, sizeof timeout, "%g", o.hold_timeout);
        log::error(log::Component::Bench, {"hold_timeout"},
                   o.hold_file + " did not appear within " + timeout + " s");
        return 1;
      }
      driver.run({idle});
    }
  }
  bool ok = true;
  if (o.updates_for > 0) {
    // "updates: 812345 answered 2.xx in 5.00 s (162469/s), 0 with an error code, ..."
    loadgen::Phase timed;
    timed.kind = loadgen::Phase::Kind::Timed;
    timed.name = "updates";
    timed.duration = seconds(o.updates_for);
    timed.weights[static_cast<std::size_t>(loadgen::Op::Update)] = 1;
    const auto r = driver.run({timed});
    if (r.empty()) return 1;
    const auto& s = r[0].stats.of(loadgen::Op::Update);
    const auto answered = r[0].succeeded[static_cast<std::size_t>(loadgen::Op::Update)];
    std::printf(
        "updates: %llu answered 2.xx in %.2f s (%.0f/s), %llu with an error code, %llu reset, "
        "%llu timed out\n",
        static_cast<unsigned long long>(answered), r[0].seconds,
        r[0].seconds > 0 ? static_cast<double>(answered) / r[0].seconds : 0.0,
        static_cast<unsigned long long>(s.error_code), static_cast<unsigned long long>(s.reset),
        static_cast<unsigned long long>(s.timed_out));
    std::fflush(stdout);
    ok = s.error_code == 0 && s.reset == 0 && s.timed_out == 0;
  }
  phase.kind = loadgen::Phase::Kind::UpdateAll;
  phase.name = "update";
  const auto updated = driver.run({phase});
  ok = !updated.empty() && report(updated[0], loadgen::Op::Update, o.clients) && ok;
  if (o.deregister) {
    phase.kind = loadgen::Phase::Kind::DeregisterAll;
    phase.name = "deregister";
    const auto gone = driver.run({phase});
    ok = !gone.empty() && report(gone[0], loadgen::Op::Deregister, o.clients) && ok;
  }
  return ok ? 0 : 1;
}

const RegisterCommand register_fleet([](CLI::App& app, int& exit_code) {
  auto o = std::make_shared<FleetOptions>();
  auto* cmd = app.add_subcommand(
      "fleet", "Simulated clients on one socket against a running server: register, update, ...");
  cmd->footer(
      "Client i sends from 127.1.0.0 + i (loopback only). Steps: every client registers; with "
      "--hold the fleet stays registered for that long, with --hold-file until that file exists, "
      "answering what the server asks; with --updates-for Updates for that long, counted; every "
      "client sends one Update; "
      "with --deregister every client de-registers. One line of counts per step; exit status 0 "
      "when every request of every step was answered 2.xx.\n"
      "Example: drover fleet --server coap://127.0.0.1:5683 --clients 100000");
  cmd->add_option("--server", o->server, "LwM2M server URI, coap://HOST[:PORT]")->required();
  cmd->add_option("--clients", o->clients, "Simulated clients")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4000000u));
  cmd->add_option("--prefix", o->prefix, "Endpoint names: PREFIX0000000 ...")
      ->capture_default_str();
  cmd->add_option("--lifetime", o->lifetime, "Registration lifetime in seconds")
      ->capture_default_str()
      ->check(CLI::Range(1u, 0xFFFFFFFFu));
  cmd->add_option("--window", o->window, "Requests in flight at most")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_option("--hold", o->hold, "Seconds to stay registered before the Updates")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--hold-file", o->hold_file,
                  "Between the registrations and the Updates, wait until this file exists");
  cmd->add_option("--hold-timeout", o->hold_timeout, "Seconds to wait for --hold-file")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--updates-for", o->updates_for,
                  "Before the one Update each, send Updates (clients in turn, as fast as "
                  "--window allows) for this many seconds and print their rate")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_flag("--deregister", o->deregister, "De-register every client at the end");
  cmd->add_option("--limit", o->limit, "Seconds each step may take")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  add_log_options(*cmd);
  cmd->callback([o, &exit_code] { exit_code = run_fleet(*o); });
});

}  // namespace
}  // namespace drover::apps
