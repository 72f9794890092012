// The update of one device and campaigns, end to end in memory with a fake clock.
#include "unit/firmware/firmware_harness.hpp"

namespace drover::firmware::testing {
namespace {

using Update = FirmwareHarness;

TEST_F(Update, PushWritesThePackageBlockWiseAndEndsWithTheNewVersion) {
  const Image& image = add_image(5000);
  Device& d = add_device("dev1");
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_EQ(s.method, Method::Push);
  EXPECT_EQ(d.firmware->package, *image.bytes);
  EXPECT_EQ(d.firmware->executed, 1);
  EXPECT_EQ(s.version_before, "1.0");
  EXPECT_EQ(s.version_after, "2.0");
  EXPECT_EQ(service_->updater().counts().pushed, 1u);
  // Every step was told, in order.
  std::vector<Step> steps;
  for (const auto& e : update_events)
    if (steps.empty() || steps.back() != e.step) steps.push_back(e.step);
  EXPECT_EQ(steps, (std::vector<Step>{Step::Checking, Step::Delivering, Step::Downloading,
                                      Step::Updating, Step::Done}));
}

TEST_F(Update, PullFetchesTheImageOverCoapBlock2) {
  const Image& image = add_image(5000);
  Device& d = add_device("dev1");
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
  EXPECT_EQ(d.firmware->uri, "coap://127.0.0.1:5683/fw/" + image.sha256);
  EXPECT_EQ(d.firmware->package, *image.bytes);
  EXPECT_EQ(service_->updater().counts().pulled, 1u);
}

TEST_F(Update, AutoPullsWhenTheDevicePullsAndPushesWhenItOnlyTakesPushes) {
  const Image& image = add_image(3000);
  add_device("both");
  Device& push_only = add_device("push-only");
  push_only.firmware->delivery = 1;
  ASSERT_TRUE(service_->updater().start("both", image.sha256, Method::Auto, now).has_value());
  ASSERT_TRUE(service_->updater().start("push-only", image.sha256, Method::Auto, now).has_value());
  EXPECT_EQ(run_update("both").method, Method::Pull);
  const auto& s = run_update("push-only");
  EXPECT_EQ(s.method, Method::Push);
  EXPECT_EQ(s.outcome, Outcome::Succeeded) << s.message;
}

TEST_F(Update, AMethodTheDeviceDoesNotTakeIsRefusedBeforeAnythingIsSent) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->delivery = 0;  // pull only
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_NE(s.message.find("pull only"), std::string::npos) << s.message;
  EXPECT_EQ(d.firmware->state, 0);
}

struct ResultCase {
  std::int64_t code;
  std::string_view meaning;
};

class DownloadFailure : public FirmwareHarness, public ::testing::WithParamInterface<ResultCase> {};

TEST_P(DownloadFailure, IsReportedWithTheDeviceCodeAndItsMeaning) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->fail_download = GetParam().code;
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.result, GetParam().code);
  EXPECT_NE(s.message.find(GetParam().meaning), std::string::npos) << s.message;
  EXPECT_EQ(d.firmware->executed, 0);
}

INSTANTIATE_TEST_SUITE_P(Codes, DownloadFailure,
                         ::testing::Values(ResultCase{2, "not enough flash"},
                                           ResultCase{3, "out of RAM"},
                                           ResultCase{5, "integrity check failure"},
                                           ResultCase{6, "unsupported package type"}));

TEST_F(Update, AnInvalidUriAndAnUnsupportedProtocolAreTheDevicesToReport) {
  const Image& image = add_image(3000);
  add_device("dev1");
  service_->updater().set_pull_bases("coap://127.0.0.1:9/elsewhere", "");
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  auto s = run_update("dev1");
  EXPECT_EQ(s.result, 7);
  EXPECT_NE(s.message.find("invalid URI"), std::string::npos) << s.message;

  service_->updater().set_pull_bases("", "http://127.0.0.1:8080");
  devices_[0]->firmware->protocols = {0, 2};
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  s = run_update("dev1");
  EXPECT_EQ(s.result, 9);
  EXPECT_NE(s.message.find("unsupported protocol"), std::string::npos) << s.message;
}

TEST_F(Update, AConnectionLostDuringThePullIsReported) {
  const Image& image = add_image(20000);
  Device& d = add_device("dev1");
  // The downloader loses the server after 3 blocks: its engine gives up.
  d.downloader_lose_after = 3;
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.result, 4);
  EXPECT_NE(s.message.find("connection lost"), std::string::npos) << s.message;
}

TEST_F(Update, AFailedUpdateIsReportedAfterTheDeviceComesBack) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->fail_update = 8;
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_EQ(s.result, 8);
  EXPECT_NE(s.message.find("firmware update failed"), std::string::npos) << s.message;
}

TEST_F(Update, APushToADeviceThatStopsAnsweringIsAbortedAndReported) {
  const Image& image = add_image(20000);
  Device& d = add_device("dev1");
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  d.lose_after = 8;  // Read, Read, Observe, Observe, then blocks of the Write
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_NE(s.message.find("stopped answering during the push"), std::string::npos) << s.message;
}

TEST_F(Update, AnImageLargerThanTheDeviceTakesIsRefusedWithItsAnswer) {
  const Image& image = add_image(100000);  // the device's engine takes 64 KiB bodies
  add_device("dev1");
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  const auto& s = run_update("dev1");
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_NE(s.message.find("Write /5/0/0"), std::string::npos) << s.message;
}

TEST_F(Update, CancelWhileDownloadingPutsTheDeviceBackToIdle) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->pull = [](const std::string&) {};  // a download that never ends
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  while (service_->updater().status("dev1")->step != Step::Downloading) advance(100ms);
  EXPECT_EQ(d.firmware->state, 1);
  ASSERT_TRUE(service_->updater().cancel("dev1", now));
  pump();
  EXPECT_EQ(service_->updater().status("dev1")->outcome, Outcome::Cancelled);
  EXPECT_EQ(d.firmware->state, 0);
  EXPECT_TRUE(d.firmware->uri.empty());
  EXPECT_FALSE(service_->updater().cancel("dev1", now));  // nothing runs any more
}

TEST_F(Update, CancelWhenDownloadedDropsTheImage) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->restart = [] {};  // never comes back
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Push, now).has_value());
  while (service_->updater().status("dev1")->step != Step::Updating) advance(100ms);
  EXPECT_FALSE(service_->updater().cancel("dev1", now));  // Update was executed: too late
}

TEST_F(Update, AStepThatMakesNoProgressFailsAtItsDeadline) {
  const Image& image = add_image(3000);
  Device& d = add_device("dev1");
  d.firmware->pull = [](const std::string&) {};
  ASSERT_TRUE(service_->updater().start("dev1", image.sha256, Method::Pull, now).has_value());
  const auto started = now;
  const auto& s = run_update("dev1", 2h);
  EXPECT_EQ(s.outcome, Outcome::Failed);
  EXPECT_NE(s.message.find("deadline of step downloading"), std::string::npos) << s.message;
  EXPECT_GE(now - started, 10min);
  EXPECT_LT(now - started, 12min);
}

TEST_F(Update, StartIsRefusedForUnknownDevicesImagesAndASecondUpdate) {
  const Image& image = add_image(3000);
  add_device("dev1");
  auto& u = service_->updater();
  EXPECT_EQ(u.start("nobody", image.sha256, Method::Auto, now).error(),
            StartError::UnknownEndpoint);
  EXPECT_EQ(u.start("dev1", std::string(64, 'a'), Method::Auto, now).error(),
            StartError::UnknownImage);
  ASSERT_TRUE(u.start("dev1", image.sha256, Method::Auto, now).has_value());
  EXPECT_EQ(u.start("dev1", image.sha256, Method::Auto, now).error(), StartError::AlreadyRunning);
}

TEST_F(Update, ACampaignKeepsToItsConcurrencyAndStopsAtItsFailureThreshold) {
  const Image& image = add_image(3000);
  for (int i = 0; i < 8; ++i) {
    Device& d = add_device("node-" + std::to_string(i));
    if (i % 2) d.firmware->fail_download = 5;
  }
  add_device("other");
  CampaignSpec spec;
  spec.image = image.sha256;
  spec.prefix = "node-";
  spec.concurrency = 2;
  spec.max_failures = 2;
  const auto id = service_->campaigns().create(spec, now);
  ASSERT_TRUE(id.has_value());
  advance(1h);
  const Campaign& c = *service_->campaigns().get(*id);
  EXPECT_EQ(c.devices.size(), 8u);  // "other" is not in it
  EXPECT_EQ(c.state, CampaignState::Stopped);
  EXPECT_EQ(c.totals.failed, 2u);
  EXPECT_GE(c.totals.succeeded, 1u);
  EXPECT_GT(c.totals.waiting, 0u);  // never started
  EXPECT_EQ(c.totals.running, 0u);
  EXPECT_LE(max_running, 2u);
  EXPECT_EQ(service_->updater().status("other"), nullptr);
  for (const auto& d : c.devices) {
    if (d.state == DeviceState::Failed) {
      EXPECT_NE(d.message.find("integrity check failure"), std::string::npos) << d.message;
    }
  }
}

// A device whose update fails in a way that may not recur (Connection lost) is tried again, up to
// `retries` times; one that failed its integrity check is not.
TEST_F(Update, ACampaignRetriesTransientFailuresOnly) {
  const Image& image = add_image(20000);
  Device& flaky = add_device("node-0");
  Device& broken = add_device("node-1");
  Device& gone = add_device("node-2");
  flaky.downloader_lose_after = 3;  // its first pull loses the server: Connection lost
  broken.firmware->fail_download = 5;
  gone.downloader_lose_after = 3;  // every pull
  CampaignSpec spec;
  spec.image = image.sha256;
  spec.prefix = "node-";
  spec.concurrency = 3;
  spec.retries = 1;
  const auto id = service_->campaigns().create(spec, now);
  ASSERT_TRUE(id.has_value());
  const Campaign& c = *service_->campaigns().get(*id);
  for (int i = 0; i < 3600 && c.devices[0].attempts < 2; ++i) advance(1s);
  ASSERT_EQ(c.devices[0].attempts, 2u);
  EXPECT_EQ(c.devices[0].state, DeviceState::Running);
  flaky.downloader_lose_after.reset();  // the link is back for the retry
  advance(2h);
  EXPECT_EQ(c.state, CampaignState::Finished);
  EXPECT_EQ(c.devices[0].state, DeviceState::Succeeded);
  ASSERT_NE(flaky.info->value(3), nullptr);
  EXPECT_EQ(*flaky.info->value(3), lwm2m::Value("2.0"));
  EXPECT_EQ(c.devices[1].state, DeviceState::Failed);
  EXPECT_EQ(c.devices[1].attempts, 1u);
  EXPECT_NE(c.devices[1].message.find("integrity check failure"), std::string::npos);
  EXPECT_EQ(c.devices[2].state, DeviceState::Failed);
  EXPECT_EQ(c.devices[2].attempts, 2u);
  EXPECT_NE(c.devices[2].message.find("connection lost"), std::string::npos);
  EXPECT_EQ(c.totals.succeeded, 1u);
  EXPECT_EQ(c.totals.failed, 2u);
  EXPECT_EQ(c.totals.waiting + c.totals.running, 0u);
}

TEST_F(Update, ACampaignFinishesWhenEveryDeviceIsUpdatedAndCanBePausedAndResumed) {
  const Image& image = add_image(3000);
  for (int i = 0; i < 4; ++i) add_device("node-" + std::to_string(i));
  CampaignSpec spec;
  spec.image = image.sha256;
  spec.endpoints = {"node-0", "node-1", "node-2", "node-3"};
  spec.concurrency = 1;
  auto& campaigns = service_->campaigns();
  const auto id = campaigns.create(spec, now);
  ASSERT_TRUE(id.has_value());
  ASSERT_TRUE(campaigns.pause(*id));
  advance(1h);
  const Campaign& c = *campaigns.get(*id);
  EXPECT_EQ(c.totals.succeeded, 1u);  // the one started before the pause
  EXPECT_EQ(c.state, CampaignState::Paused);
  ASSERT_TRUE(campaigns.resume(*id, now));
  advance(1h);
  EXPECT_EQ(c.state, CampaignState::Finished);
  EXPECT_EQ(c.totals.succeeded, 4u);
  ASSERT_FALSE(campaign_events.empty());
  EXPECT_EQ(campaign_events.back().state, CampaignState::Finished);
}

TEST_F(Update, ACancelledCampaignCancelsWhatItHasUnderWay) {
  const Image& image = add_image(3000);
  for (int i = 0; i < 3; ++i) {
    Device& d = add_device("node-" + std::to_string(i));
    d.firmware->pull = [](const std::string&) {};
  }
  CampaignSpec spec;
  spec.image = image.sha256;
  spec.prefix = "node-";
  spec.method = Method::Pull;
  spec.concurrency = 2;
  const auto id = service_->campaigns().create(spec, now);
  ASSERT_TRUE(id.has_value());
  advance(5s);
  ASSERT_TRUE(service_->campaigns().cancel(*id, now));
  pump();
  const Campaign& c = *service_->campaigns().get(*id);
  EXPECT_EQ(c.state, CampaignState::Cancelled);
  EXPECT_EQ(c.totals.cancelled, 3u);
  for (const auto& d : devices_) EXPECT_EQ(d->firmware->state, 0) << d->endpoint;
}

}  // namespace
}  // namespace drover::firmware::testing

namespace drover::firmware::testing {
namespace {

TEST_F(Update, ACampaignUpdatesASleepingDeviceWhenItWakes) {
  const Image& image = add_image(3000);
  Device& d = add_device("sleepy", /*queue_mode=*/true);
  advance(100s);  // past its awake window
  ASSERT_FALSE(server_->is_awake("sleepy"));
  CampaignSpec spec;
  spec.image = image.sha256;
  spec.endpoints = {"sleepy"};
  const auto id = service_->campaigns().create(spec, now);
  ASSERT_TRUE(id.has_value());
  advance(10s);
  const Campaign& c = *service_->campaigns().get(*id);
  EXPECT_EQ(c.totals.waiting, 1u);
  EXPECT_EQ(service_->updater().status("sleepy"), nullptr);  // nothing queued for it
  (void)d.client->trigger_update(std::nullopt, now);         // it wakes and says so
  pump();
  advance(1min);
  EXPECT_EQ(c.state, CampaignState::Finished);
  EXPECT_EQ(c.totals.succeeded, 1u);
}

}  // namespace
}  // namespace drover::firmware::testing
