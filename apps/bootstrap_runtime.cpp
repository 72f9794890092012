#include "bootstrap_runtime.hpp"

#include <fstream>
#include <sstream>

#include "app_support.hpp"
#include "drover/coap/names.hpp"
#include "drover/log/log.hpp"
#include "server_runtime.hpp"

namespace drover::apps {

namespace {

using log::Component;

bootstrap::BootstrapServerConfig bootstrap_config() {
  bootstrap::BootstrapServerConfig config;
  config.random_seed = os_random_seed();
  return config;
}

}  // namespace

void log_bootstrap_event(const bootstrap::BootstrapEvent& event) {
  std::visit(
      [](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, bootstrap::Started>) {
          log::info(Component::Bootstrap, {"started", e.endpoint},
                    "bootstrap " + e.endpoint + ": started (" +
                        (e.server_initiated ? "server-initiated, to " : "Bootstrap-Request from ") +
                        e.peer.to_string() + ", " + std::string(lwm2m::to_string(e.format)) + ")");
        } else if constexpr (std::is_same_v<T, bootstrap::StepDone>) {
          log::info(Component::Bootstrap, {"step", e.endpoint},
                    "bootstrap " + e.endpoint + ": " + std::string(bootstrap::to_string(e.step)) +
                        " " + (e.step == bootstrap::Step::Finish ? "/bs" : e.path.to_string()) +
                        " -> " + e.result.code.to_string());
        } else if constexpr (std::is_same_v<T, bootstrap::Finished>) {
          log::info(Component::Bootstrap, {"finished", e.endpoint},
                    "bootstrap " + e.endpoint + ": finished");
        } else if constexpr (std::is_same_v<T, bootstrap::Failed>) {
          log::warn(Component::Bootstrap, {"failed", e.endpoint},
                    "bootstrap " + e.endpoint + ": failed at " +
                        std::string(bootstrap::to_string(e.step)) + " " + e.path.to_string() +
                        (e.code.is_empty() ? "" : " (" + e.code.to_string() + ")") + ": " +
                        e.reason);
        } else if constexpr (std::is_same_v<T, bootstrap::PackServed>) {
          log::info(Component::Bootstrap, {"pack", e.endpoint},
                    "bootstrap " + e.endpoint + ": Bootstrap-Pack to " + e.peer.to_string() + " (" +
                        std::string(lwm2m::to_string(e.format)) + ")");
        }
      },
      event);
}

const std::string* provisioned_endpoint(const bootstrap::BootstrapEvent& event) {
  if (const auto* started = std::get_if<bootstrap::Started>(&event)) return &started->endpoint;
  if (const auto* pack = std::get_if<bootstrap::PackServed>(&event)) return &pack->endpoint;
  return nullptr;
}

BootstrapRuntime::BootstrapRuntime(boost::asio::io_context& io)
    : io_(io),
      core_(bootstrap_config(), configs_),
      loop_(io, front_, loop_config()),
      routes_(configs_, &core_) {
  loop_.set_error_handler([](std::string_view what, std::error_code ec) {
    log::error(Component::Bootstrap, {"socket_error"},
               "bootstrap " + std::string(what) + " error: " + ec.message());
  });
  routes_.set_wake([this] { loop_.flush_soon(); });
  loop_.set_after_input([this] { drain_events(); });
}

void BootstrapRuntime::drain_events() {
  bootstrap::BootstrapEvent event;
  while (core_.poll_event(event)) {
    log_bootstrap_event(event);
    if (sink_) sink_(event);
  }
}

BootstrapRuntime::~BootstrapRuntime() = default;

int BootstrapRuntime::open_store(const StoreOptions& options, std::shared_ptr<store::DataDir> dir) {
  if (options.kind == "memory") return 0;
  if (!dir) {
    const auto path = options.data_dir.empty() ? store::default_data_dir()
                                               : std::filesystem::path(options.data_dir);
    auto opened = store::DataDir::open(path);
    if (!opened) {
      log::error(Component::Store, {"store_error"},
                 "cannot use the data folder: " + opened.error().message);
      return 1;
    }
    dir = opened.value();
  }
  auto documents = store::DocumentStore::open(dir);
  if (!documents) {
    log::error(Component::Store, {"store_error"},
               "cannot open the bootstrap configurations: " + documents.error().message);
    return 1;
  }
  documents_ = std::move(documents).value();
  table_ = documents_->table("bootstrap");
  configs_ = bootstrap::BootstrapConfigs(table_.get());
  for (const auto& why : configs_.load())
    log::warn(Component::Bootstrap, {"config_skipped"}, "skipped " + why);
  documents_->start();
  log::info(
      Component::Bootstrap, {"configs"},
      "bootstrap configurations: " + std::to_string(configs_.all().size()) + " from the store");
  return 0;
}

int BootstrapRuntime::load_configs(const std::string& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    log::error(Component::Bootstrap, {"config_error"}, "--config: cannot read " + file);
    return 2;
  }
  if (auto why = configs_.put_all_json(text.str())) {
    log::error(Component::Bootstrap, {"config_error"}, "--config " + file + ": " + *why);
    return 2;
  }
  log::info(
      Component::Bootstrap, {"configs"},
      "bootstrap configurations: " + std::to_string(configs_.all().size()) + " after " + file);
  return 0;
}

int BootstrapRuntime::open_coap(const std::string& address, std::uint16_t port) {
  if (int code = open_coap_with(address, port,
                                [this](const coap::PeerAddress& a) { return loop_.open(a); }))
    return code;
  log::info(Component::Bootstrap, {"listening"},
            "LwM2M bootstrap server listening on coap://" + loop_.local_address().to_string());
  return 0;
}

int BootstrapRuntime::open_coaps(const std::string& address, const ServerSecurityOptions& options) {
  core_.set_security_lookup(dtls_security_lookup(dtls_), [this](std::string_view endpoint) {
    return security_store_.secures(endpoint);
  });
  if (!options.any()) return 0;
  dtls::ServerCredentials credentials;
  if (auto error = load_server_security(options, command_line_, credentials)) {
    log::error(Component::Dtls, {"config_error"}, *error);
    return 2;
  }
  credentials.store = &security_store_;
  if (int code = open_coaps_with(
          io_, core_, std::move(credentials), front_, loop_, address, options.coaps_port,
          [this] { drain_events(); }, dtls_, coaps_loop_))
    return code;
  log::info(
      Component::Bootstrap, {"listening"},
      "LwM2M bootstrap server listening on coaps://" + coaps_loop_->local_address().to_string() +
          " (DTLS 1.2: the configurations' bootstrap credentials" +
          (command_line_.size() ? ", " + std::to_string(command_line_.size()) + " more" : "") +
          (options.certificate_file.empty() ? "" : ", X.509") +
          (options.rpk_key_file.empty() ? "" : ", raw public key") + ")");
  return 0;
}

void BootstrapRuntime::log_stopped() {
  const auto& s = core_.stats();
  log::info(Component::Bootstrap, {"stopped"},
            "bootstrap server stopped: " + std::to_string(s.finished) + " finished, " +
                std::to_string(s.failed) + " failed, " + std::to_string(s.packs) + " packs");
  if (documents_) {
    if (auto error = documents_->flush())
      log::error(Component::Store, {"store_error"}, "store: " + error->message);
  }
}

}  // namespace drover::apps
