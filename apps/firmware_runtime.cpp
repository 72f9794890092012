#include "firmware_runtime.hpp"

#include <chrono>

#include "drover/log/log.hpp"
#include "drover/transport/datagram_loop.hpp"
#include "server_runtime.hpp"

namespace drover::apps {

namespace {

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log_firmware_event(const firmware::FirmwareEvent& event) {
  if (const auto* u = std::get_if<firmware::UpdateEvent>(&event)) {
    const auto& s = u->status;
    if (s.outcome == firmware::Outcome::Running) {
      log::info(log::Component::Server, {"firmware", s.endpoint},
                "firmware " + s.endpoint + ": " + std::string(firmware::to_string(s.step)) + " (" +
                    std::string(firmware::to_string(s.method)) + ")");
    } else {
      log::info(log::Component::Server, {"firmware", s.endpoint},
                "firmware " + s.endpoint + ": " + std::string(firmware::to_string(s.outcome)) +
                    (s.message.empty() ? "" : ": " + s.message) +
                    (s.version_after.empty() ? "" : ", version " + s.version_after));
    }
    return;
  }
  const auto& c = std::get<firmware::CampaignEvent>(event);
  if (!c.endpoint.empty()) return;  // each device's end is logged with its update
  log::info(log::Component::Server, {"campaign"},
            "campaign " + std::to_string(c.campaign) + ": " +
                std::string(firmware::to_string(c.state)) + ", " +
                std::to_string(c.totals.succeeded) + " succeeded, " +
                std::to_string(c.totals.failed) + " failed, " + std::to_string(c.totals.running) +
                " running, " + std::to_string(c.totals.waiting) + " waiting");
}

}  // namespace

FirmwareRuntime::FirmwareRuntime(boost::asio::io_context& io, server::Server& core,
                                 FirmwareOptions options)
    : core_(core), options_(std::move(options)), timer_(io) {
  images_ = std::make_unique<firmware::Images>(options_.images, std::filesystem::path(), nullptr);
  make_service();
}

void FirmwareRuntime::make_service() {
  routes_.reset();
  firmware::UpdaterConfig updates;
  updates.poll_interval = std::chrono::duration_cast<coap::Duration>(
      std::chrono::duration<double>(options_.poll_interval));
  service_ = std::make_unique<firmware::FirmwareService>(core_, *images_, updates);
  routes_ = std::make_unique<http::FirmwareRoutes>(*images_, *service_, unix_seconds);
}

FirmwareRuntime::~FirmwareRuntime() = default;

int FirmwareRuntime::open_store(std::shared_ptr<store::DataDir> dir) {
  if (dir) {
    auto documents = store::DocumentStore::open(dir);
    if (!documents) {
      log::error(log::Component::Store, {"store_error"},
                 "cannot open the firmware images' store: " + documents.error().message);
      return 1;
    }
    documents_ = std::move(documents).value();
    table_ = documents_->table("firmware");
    images_ =
        std::make_unique<firmware::Images>(options_.images, dir->file("firmware"), table_.get());
    make_service();
    for (const auto& why : images_->load())
      log::warn(log::Component::Store, {"firmware_skipped"}, "skipped " + why);
    documents_->start();
    log::info(log::Component::Store, {"firmware_images"},
              "firmware images: " + std::to_string(images_->count()) + " (" +
                  std::to_string(images_->total_bytes()) + " bytes) from the store");
  }
  return 0;
}

void FirmwareRuntime::start(std::string_view coap_scheme, std::uint16_t coap_port,
                            std::string http_base, std::function<void()> flush,
                            std::function<void(const http::StreamEvent&)> stream) {
  service_->updater().set_pull_bases(
      std::string(coap_scheme) + "://" + options_.host + ":" + std::to_string(coap_port),
      std::move(http_base));
  firmware::serve_images(core_, *images_);
  flush_ = std::move(flush);
  stream_ = std::move(stream);
  tick();
}

void FirmwareRuntime::on_event(const server::ServerEvent& event) {
  service_->on_event(event, transport::DatagramLoop::now());
  drain();
}

void FirmwareRuntime::drain() {
  firmware::FirmwareEvent event;
  while (service_->poll_event(event)) {
    log_firmware_event(event);
    if (stream_) stream_(http::stream_event(event));
  }
}

void FirmwareRuntime::tick() {
  service_->on_timer(transport::DatagramLoop::now());
  drain();
  if (flush_) flush_();
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const boost::system::error_code& e) {
    if (!e) tick();
  });
}

void FirmwareRuntime::log_stopped() {
  timer_.cancel();
  if (documents_)
    if (auto error = documents_->flush())
      log::error(log::Component::Store, {"store_error"}, "store: " + error->message);
}

}  // namespace drover::apps
