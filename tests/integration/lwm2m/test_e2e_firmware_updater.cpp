// The server's firmware updates (firmware::FirmwareService: the Updater, the /fw resource)
// against the real client and its Firmware Update object, end to end in memory: push with Block1,
// pull with Block2 from the server's own /fw/<sha256>, the device's restart into the new version
// told by a registration Update, and the failures the Updater must report with their meaning.
#include <string>

#include "drover/firmware/coap_resource.hpp"
#include "drover/firmware/service.hpp"
#include "firmware_fixture.hpp"

namespace drover::e2e {
namespace {

using firmware::Method;
using firmware::Outcome;
using firmware::Step;
using firmware::UpdateStatus;

class FirmwareUpdater : public Firmware, public E2e::Beside {
 protected:
  void SetUp() override {
    Firmware::SetUp();
    make_service({});
    firmware::serve_images(server(), images_);
    beside = this;
  }
  void make_service(firmware::UpdaterConfig config) {
    config.coap_base = "coap://127.0.0.1:5683";  // the server's own endpoint
    service_ = std::make_unique<firmware::FirmwareService>(server(), images_, config);
  }

  void on_event(const server::ServerEvent& event, TimePoint at) override {
    service_->on_event(event, at);
  }
  void on_timer(TimePoint at) override { service_->on_timer(at); }
  std::optional<TimePoint> next_expiry() const override { return service_->next_expiry(); }

  const firmware::Image& add_image(const std::vector<std::uint8_t>& bytes) {
    auto added = images_.add("fw", "2.0", bytes, 0);
    EXPECT_TRUE(added.has_value());
    return **added;
  }

  // Runs the update of the device until it ends (or `limit` passes), in steps of a second. The
  // device restarts into the new firmware in the step after Execute: its Firmware Version
  // becomes the package's, the update succeeded, and it tells the server with an Update.
  const UpdateStatus& run(coap::Duration limit = std::chrono::hours(1)) {
    const TimePoint end = now + limit;
    while (now < end) {
      const auto* s = service_->updater().status(ep);
      if (s && s->outcome != Outcome::Running) break;
      advance(std::chrono::seconds(1));
      if (restart && client().firmware_state() == FirmwareState::Updating) {
        client().instance_as<client::Device>(3, 0)->set_firmware_version(updated_versions.back());
        EXPECT_TRUE(client().firmware_update_finished(UpdateResult::Success, now).has_value());
        EXPECT_TRUE(client().trigger_update(std::nullopt, now).has_value());
        pump();
      }
    }
    const auto* s = service_->updater().status(ep);
    EXPECT_NE(s, nullptr);
    static const UpdateStatus none;
    return s ? *s : none;
  }

  std::string read_version() {
    const auto r = result(server().read(ep, Path(3, 0, 3), {}, now));
    return r.records.size() == 1 ? r.records[0].value.get<std::string>() : "";
  }

  // Block2 responses the server sent for the image (the pull's blocks).
  std::size_t blocks_served() const {
    std::size_t n = 0;
    for (const auto& m : to_client) {
      coap::BlockOption b;
      if (m.code == coap::codes::Content &&
          coap::read_block(m, coap::options::Block2, b) == coap::BlockRead::Valid)
        ++n;
    }
    return n;
  }
  // Block1 requests the server sent (the push's blocks), retransmissions included.
  std::size_t blocks_pushed() const {
    std::size_t n = 0;
    for (const auto& m : to_client) {
      coap::BlockOption b;
      if (m.code.is_request() &&
          coap::read_block(m, coap::options::Block1, b) == coap::BlockRead::Valid)
        ++n;
    }
    return n;
  }

  firmware::Images images_{firmware::ImagesConfig{}, {}, nullptr};
  std::unique_ptr<firmware::FirmwareService> service_;
  bool restart = true;  // the device restarts into the new firmware after Execute
};

TEST_F(FirmwareUpdater, PushToTheRealClientEndsWithTheNewVersion) {
  const auto package = image(100 * 1024 + 17);
  const auto& img = add_image(package);
  client().expect_firmware_digest(client::Sha256::of(package));
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_EQ(s.method, Method::Push);
  EXPECT_EQ(s.version_before, "0.1.0");
  EXPECT_EQ(s.version_after, "2.0.102417");
  EXPECT_EQ(s.result, 1);
  EXPECT_EQ(checked, (std::vector<std::size_t>{package.size()}));
  EXPECT_GE(blocks_pushed(), 100u);  // 1 KiB blocks, the client's choice
  EXPECT_EQ(blocks_served(), 0u);
  EXPECT_EQ(read_version(), "2.0.102417");
  EXPECT_EQ(client().firmware_result(), UpdateResult::Success);
  EXPECT_EQ(take<server::Updated>().size(), 1u);  // the device told of its new firmware
  EXPECT_EQ(service_->updater().counts().pushed, 1u);
  EXPECT_EQ(service_->updater().counts().succeeded, 1u);
}

TEST_F(FirmwareUpdater, PullOverBlock2FromTheServersFwResource) {
  const auto package = image(70 * 1024 + 5, 9);
  const auto& img = add_image(package);
  client().expect_firmware_digest(client::Sha256::of(package));
  // Auto: the client takes coap:// pulls (/5/0/8) and both deliveries (/5/0/9), so it pulls.
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Auto, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_EQ(s.method, Method::Pull);
  EXPECT_EQ(s.version_after, "2.0.71685");
  EXPECT_EQ(blocks_served(), 71u);  // 1 KiB blocks from /fw/<sha256>, each once
  EXPECT_EQ(blocks_pushed(), 0u);
  EXPECT_EQ(read_version(), "2.0.71685");
  const auto uri = result(server().read(ep, Path(5, 0, 1), {}, now));
  ASSERT_EQ(uri.records.size(), 1u);
  EXPECT_EQ(uri.records[0].value, Value("coap://127.0.0.1:5683/fw/" + img.sha256));
  EXPECT_EQ(service_->updater().counts().pulled, 1u);
}

// A device that pulls nothing is pushed to under Auto.
TEST_F(FirmwareUpdater, AutoPushesToADeviceThatPullsNothing) {
  reconfigure({.protocols = {}});
  const auto& img = add_image(image(5000));
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Auto, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_EQ(s.method, Method::Push);
  EXPECT_EQ(read_version(), "2.0.5000");
}

// The package the device gets is not the one it expects (its digest, or its signature check):
// Update Result 5, told with its meaning, and the device keeps its firmware.
TEST_F(FirmwareUpdater, IntegrityFailureIsReportedWithItsMeaning) {
  for (const Method method : {Method::Push, Method::Pull}) {
    const auto package = image(6000, method == Method::Push ? 1 : 2);
    const auto& img = add_image(package);
    auto wrong = client::Sha256::of(package);
    wrong[0] ^= 1;
    client().expect_firmware_digest(wrong);
    ASSERT_TRUE(service_->updater().start(ep, img.sha256, method, now).has_value());
    const auto& s = run();
    EXPECT_EQ(s.outcome, Outcome::Failed) << firmware::to_string(method);
    EXPECT_EQ(s.result, 5);
    EXPECT_EQ(s.message, "Update Result 5: integrity check failure for the new package");
    EXPECT_FALSE(s.transient);  // the same package fails again: a campaign does not retry it
    EXPECT_TRUE(checked.empty());
    EXPECT_EQ(read_version(), "0.1.0");
  }
  reconfigure({.verdict = UpdateResult::IntegrityFailure});  // a signature that does not verify
  const auto& img = add_image(image(7000));
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Auto, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.message, "Update Result 5: integrity check failure for the new package");
  EXPECT_EQ(s.step, Step::Done);
}

// The device goes silent in the middle of a push: the Block1 transfer times out and the update
// fails saying so; once back, the next update resets the half package and succeeds.
TEST_F(FirmwareUpdater, ADeviceSilentDuringThePushFailsAndTheNextUpdateResetsItsHalfPackage) {
  const auto package = image(40 * 1024);
  const auto& img = add_image(package);
  lose = [](bool, const coap::Message& m) {
    coap::BlockOption b;
    return m.code.is_request() &&
           coap::read_block(m, coap::options::Block1, b) == coap::BlockRead::Valid && b.num >= 20;
  };
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.step, Step::Done);
  EXPECT_TRUE(s.message.starts_with("the device stopped answering during the push: timeout"))
      << s.message;
  EXPECT_TRUE(s.transient);
  EXPECT_EQ(client().firmware_state(), FirmwareState::Downloading);  // half a package

  lose = nullptr;
  // The next update finds the half package of the one that failed: it resets the device first.
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  const auto& again = run();
  EXPECT_EQ(again.outcome, Outcome::Succeeded) << again.message;
  EXPECT_EQ(read_version(), "2.0.40960");
  EXPECT_EQ(checked, (std::vector<std::size_t>{40960}));  // the whole package, once
}

// A device busy with a download the server did not leave behind is not touched.
TEST_F(FirmwareUpdater, ADeviceDownloadingSomethingElseIsRefusedAsNotIdle) {
  const auto& img = add_image(image(4000));
  lose = [](bool, const coap::Message& m) { return m.uri_path().starts_with("/fw/"); };
  ASSERT_EQ(write_uri("coap://127.0.0.1:5683/fw/" + img.sha256), OperationStatus::Success);
  ASSERT_EQ(client().firmware_state(), FirmwareState::Downloading);
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.message, "the device is not idle: its firmware update is Downloading");
  EXPECT_EQ(client().firmware_state(), FirmwareState::Downloading);
}

// The device's pull loses the server mid-transfer (its block requests go unanswered, the LwM2M
// link still works): the client gives up with Connection lost (4), which the Updater reports.
TEST_F(FirmwareUpdater, APullThatLosesTheServerEndsWithConnectionLost) {
  const auto& img = add_image(image(20 * 1024));
  lose = [](bool towards_client, const coap::Message& m) {
    coap::BlockOption b;
    return !towards_client && m.uri_path().starts_with("/fw/") &&
           coap::read_block(m, coap::options::Block2, b) == coap::BlockRead::Valid && b.num >= 8;
  };
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Pull, now).has_value());
  const auto& s = run();
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.result, 4);
  EXPECT_EQ(s.message, "Update Result 4: connection lost during the download");
  EXPECT_TRUE(s.transient);
  EXPECT_EQ(client().firmware_state(), FirmwareState::Idle);
  EXPECT_EQ(blocks_served(), 8u);
}

// The device stops answering altogether during the pull: nothing comes back, the download step
// runs out its deadline.
TEST_F(FirmwareUpdater, ADeviceGoneDuringThePullFailsAtTheDeadline) {
  const auto& img = add_image(image(30 * 1024));
  lose = [this](bool, const coap::Message&) { return blocks_served() > 10; };
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Pull, now).has_value());
  const TimePoint started = now;
  const auto& s = run(std::chrono::hours(2));
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_TRUE(s.message.starts_with("no progress within the deadline of step downloading"))
      << s.message;
  EXPECT_GE(s.finished - started, service_->updater().config().download_timeout);
  EXPECT_LT(blocks_served(), 30u);  // the image was never whole on the device
  EXPECT_EQ(client().firmware_result(), UpdateResult::ConnectionLost);  // which it could not tell
}

// Execute, then the device never comes back: the update step's deadline ends it, saying that the
// device's registration has ended meanwhile.
TEST_F(FirmwareUpdater, ADeviceThatNeverComesBackAfterExecuteFailsAtTheDeadline) {
  restart = false;
  const auto& img = add_image(image(3000));
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  advance(std::chrono::seconds(1));
  ASSERT_EQ(client().firmware_state(), FirmwareState::Updating);
  connected = false;
  const auto& s = run(std::chrono::hours(1));
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.message,
            "no progress within the deadline of step updating (device state Updating); the device "
            "is not registered");
  EXPECT_GE(s.finished - s.step_started, service_->updater().config().update_timeout);
}

// A device whose restart outlasts its registration's lifetime comes back with a Register: the
// update succeeds all the same (its registration's end is no failure while the deadline runs).
TEST_F(FirmwareUpdater, ADeviceBackWithARegisterAfterItsRegistrationExpiredSucceeds) {
  firmware::UpdaterConfig config;
  config.update_timeout = std::chrono::minutes(45);
  make_service(config);
  restart = false;
  const auto& img = add_image(image(3000));
  ASSERT_TRUE(service_->updater().start(ep, img.sha256, Method::Push, now).has_value());
  advance(std::chrono::seconds(1));
  ASSERT_EQ(client().firmware_state(), FirmwareState::Updating);
  connected = false;
  advance(std::chrono::minutes(15));  // past the lifetime (600 s)
  ASSERT_EQ(server().registration(ep), nullptr);
  EXPECT_EQ(service_->updater().status(ep)->outcome, Outcome::Running);
  connected = true;
  client().instance_as<client::Device>(3, 0)->set_firmware_version(updated_versions.back());
  ASSERT_TRUE(client().firmware_update_finished(UpdateResult::Success, now).has_value());
  // It registers again at its next attempt (a device restarting would at once).
  const auto& s = run(std::chrono::minutes(20));
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_FALSE(take<server::Registered>().empty());
  EXPECT_EQ(s.version_after, "2.0.3000");
}

}  // namespace
}  // namespace drover::e2e
