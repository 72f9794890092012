// Firmware updates end to end in memory: a server core with the firmware service, and devices
// (client cores with FakeFirmwareDevice as /5/0) that pull with a CoAP engine of their own, all
// wired back to back and driven by a fake clock.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "drover/client/client.hpp"
#include "drover/coap/engine.hpp"
#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/service.hpp"
#include "drover/server/server.hpp"
#include "support/fake_firmware_device.hpp"

namespace drover::firmware::testing {

using namespace std::chrono_literals;
using drover::testing::FakeFirmwareDevice;

inline const coap::PeerAddress kServer = coap::PeerAddress::loopback_v4(5683);

struct Device {
  std::string endpoint;
  coap::PeerAddress address;     // its LwM2M client
  coap::PeerAddress downloader;  // its engine for pulls
  std::unique_ptr<client::Client> client;
  std::unique_ptr<coap::Engine> engine;
  FakeFirmwareDevice* firmware = nullptr;
  client::ValueInstance* info = nullptr;  // /3/0
  bool connected = true;                  // false: every datagram to and from it is lost
  std::optional<int> lose_after;  // datagrams from the server it still gets before it is lost
  std::optional<int> downloader_lose_after;  // the same for its downloader alone
  bool restart_pending = false;
  std::string next_version = "2.0";
  std::vector<lwm2m::Path> changed;
  std::optional<coap::RequestId> download;
};

class FirmwareHarness : public ::testing::Test {
 protected:
  FirmwareHarness() {
    server::ServerConfig sc;
    sc.random_seed = 42;
    server_ = std::make_unique<server::Server>(std::move(sc));
    UpdaterConfig config;
    config.coap_base = "coap://127.0.0.1:5683";
    config.check_timeout = 93s;
    config.deliver_timeout = 10min;
    config.download_timeout = 10min;
    config.update_timeout = 10min;
    config.poll_interval = 30s;
    service_ = std::make_unique<FirmwareService>(*server_, images_, config);
    serve_images(*server_, images_);
  }

  const Image& add_image(std::size_t size, std::uint8_t seed = 1) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + seed);
    auto added = images_.add("fw", "2.0", bytes, 0);
    EXPECT_TRUE(added.has_value());
    return **added;
  }

  Device& add_device(const std::string& endpoint, bool queue_mode = false) {
    auto d = std::make_unique<Device>();
    const auto n = static_cast<std::uint16_t>(devices_.size());
    d->endpoint = endpoint;
    d->address = coap::PeerAddress::loopback_v4(static_cast<std::uint16_t>(40000 + n));
    d->downloader = coap::PeerAddress::loopback_v4(static_cast<std::uint16_t>(41000 + n));
    client::ClientConfig cc;
    cc.endpoint = endpoint;
    cc.random_seed = 7 + n;
    d->client = std::make_unique<client::Client>(std::move(cc));
    d->engine = std::make_unique<coap::Engine>(coap::EngineConfig{}, 99u + n);
    auto& c = *d->client;
    auto info = std::make_unique<client::ValueInstance>();
    info->set(0, lwm2m::Value("drover"));
    info->set(3, lwm2m::Value("1.0"));
    info->set_executable(4, [](std::string_view) { return client::Outcome::Ok; });
    info->set_multiple(11, {{0, lwm2m::Value(std::int64_t{0})}});
    info->set(16, lwm2m::Value("U"));
    d->info = info.get();
    EXPECT_TRUE(c.add_object(3).has_value());
    EXPECT_TRUE(c.add_instance(3, 0, std::move(info), now).has_value());
    auto fw = std::make_unique<FakeFirmwareDevice>();
    d->firmware = fw.get();
    Device* raw = d.get();
    fw->changed = [raw](const lwm2m::Path& p) { raw->changed.push_back(p); };
    fw->pull = [this, raw](const std::string& uri) { start_download(*raw, uri); };
    fw->restart = [raw] { raw->restart_pending = true; };
    EXPECT_TRUE(c.add_object(5).has_value());
    EXPECT_TRUE(c.add_instance(5, 0, std::move(fw), now).has_value());
    client::ServerAccount account;
    account.uri = "coap://127.0.0.1:5683";
    account.lifetime = 600;
    account.queue_mode = queue_mode;
    EXPECT_TRUE(c.add_server(account, now).has_value());
    c.start(now);
    devices_.push_back(std::move(d));
    pump();
    return *raw;
  }

  // The device's pull: coap://host:port/fw/<sha> fetched block-wise by its own engine.
  void start_download(Device& d, const std::string& uri) {
    const std::string prefix = "coap://127.0.0.1:5683/";
    if (!uri.starts_with("coap://")) return d.firmware->download_failed(9);
    if (!uri.starts_with(prefix)) return d.firmware->download_failed(7);
    coap::Message get;
    get.code = coap::codes::Get;
    std::string_view rest = std::string_view(uri).substr(prefix.size());
    while (!rest.empty()) {
      const auto slash = rest.find('/');
      get.add_option(coap::options::UriPath, rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    auto id = d.engine->send_request(kServer, std::move(get), now);
    if (!id) return d.firmware->download_failed(4);
    d.download = *id;
  }

  Device* device_at(const coap::PeerAddress& peer, bool& downloader) {
    for (auto& d : devices_) {
      if (d->address == peer) return downloader = false, d.get();
      if (d->downloader == peer) return downloader = true, d.get();
    }
    return nullptr;
  }

  void pump() {
    for (int round = 0; round < 100000; ++round) {
      bool moved = false;
      coap::Transmit tx;
      for (auto& d : devices_) {
        while (d->client->poll_transmit(tx)) {
          moved = true;
          if (d->connected) server_->receive(d->address, copy(tx.bytes), now);
        }
        while (d->engine->poll_transmit(tx)) {
          moved = true;
          if (d->connected) server_->receive(d->downloader, copy(tx.bytes), now);
        }
      }
      while (server_->poll_transmit(tx)) {
        moved = true;
        bool downloader = false;
        Device* d = device_at(tx.peer, downloader);
        if (!d || !d->connected) continue;
        if (d->lose_after && (*d->lose_after)-- == 0) {
          d->connected = false;
          continue;
        }
        if (downloader && d->downloader_lose_after) {
          if (*d->downloader_lose_after <= 0) continue;  // lost from now on
          --*d->downloader_lose_after;
        }
        if (downloader) {
          d->engine->receive(kServer, copy(tx.bytes), now);
        } else {
          d->client->receive(kServer, copy(tx.bytes), now);
        }
      }
      server::ServerEvent ev;
      while (server_->poll_event(ev)) {
        moved = true;
        service_->on_event(ev, now);
      }
      FirmwareEvent fe;
      while (service_->poll_event(fe)) {
        moved = true;
        if (const auto* u = std::get_if<UpdateEvent>(&fe)) {
          max_running = std::max(max_running, service_->updater().counts().running);
          update_events.push_back(u->status);
        } else {
          campaign_events.push_back(std::get<CampaignEvent>(fe));
        }
      }
      for (auto& d : devices_) {
        client::ClientEvent cev;
        while (d->client->poll_event(cev)) moved = true;
        coap::Event eev;
        while (d->engine->poll_event(eev)) {
          moved = true;
          if (auto* r = std::get_if<coap::ResponseReceived>(&eev); r && r->request == d->download) {
            const auto body = r->response.payload();
            d->download.reset();
            if (r->response.code == coap::codes::Content)
              d->firmware->downloaded({body.begin(), body.end()});
            else
              d->firmware->download_failed(r->response.code == coap::codes::NotFound ? 7 : 4);
          } else if (auto* f = std::get_if<coap::RequestFailed>(&eev);
                     f && f->request == d->download) {
            d->download.reset();
            d->firmware->download_failed(4);
          }
        }
        for (const auto& p : d->changed) d->client->value_changed(p, now);
        if (!d->changed.empty()) moved = true;
        d->changed.clear();
        if (d->restart_pending) {  // the new firmware runs and tells the server with an Update
          d->restart_pending = false;
          if (!d->firmware->fail_update) d->info->set(3, lwm2m::Value(d->next_version));
          d->firmware->updated();
          (void)d->client->trigger_update(std::nullopt, now);
          moved = true;
        }
      }
      if (!moved) return;
    }
    ADD_FAILURE() << "pump did not settle";
  }

  void advance(coap::Duration by) {
    const coap::TimePoint target = now + by;
    for (int i = 0; i < 100000; ++i) {
      std::optional<coap::TimePoint> next = server_->next_expiry();
      const auto consider = [&](std::optional<coap::TimePoint> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      consider(service_->next_expiry());
      for (auto& d : devices_) {
        consider(d->client->next_expiry());
        consider(d->engine->next_expiry());
      }
      if (!next || *next > target) break;
      now = std::max(now, *next);
      tick();
    }
    now = target;
    tick();
  }

  void tick() {
    server_->on_timer(now);
    service_->on_timer(now);
    for (auto& d : devices_) {
      d->client->on_timer(now);
      d->engine->on_timer(now);
    }
    pump();
  }

  // Runs until the update of `endpoint` has ended (or `limit` passed).
  const UpdateStatus& run_update(const std::string& endpoint, coap::Duration limit = 1h) {
    const coap::TimePoint end = now + limit;
    while (now < end) {
      const auto* s = service_->updater().status(endpoint);
      if (s && s->outcome != Outcome::Running) break;
      advance(1s);
    }
    const auto* s = service_->updater().status(endpoint);
    EXPECT_NE(s, nullptr);
    return *s;
  }

  static std::vector<std::uint8_t> copy(std::span<const std::uint8_t> bytes) {
    return {bytes.begin(), bytes.end()};
  }

  coap::TimePoint now = coap::TimePoint{} + std::chrono::hours(1000);
  Images images_{ImagesConfig{}, {}, nullptr};
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<FirmwareService> service_;
  std::vector<std::unique_ptr<Device>> devices_;
  std::vector<UpdateStatus> update_events;
  std::vector<CampaignEvent> campaign_events;
  std::size_t max_running = 0;
};

}  // namespace drover::firmware::testing
