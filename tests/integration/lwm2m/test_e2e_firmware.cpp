// Firmware Update (object 5) end to end: the server core pushes packages with Block1 and executes
// Update; the client pulls from an in-memory CoAP file server with Block2. Every Update Result a
// download or an update can end with, and the reset of each state.
#include "firmware_fixture.hpp"

namespace drover::e2e {
namespace {

// Push: a package larger than the client engine's whole-body bound (64 KiB) goes to storage block
// by block; the server observes State and Update Result through the round trip.
TEST_F(Firmware, PushUpdateRoundTripNotifiesStateAndResult) {
  const auto package = image(100 * 1024 + 17);
  ASSERT_GT(package.size(), client().engine().config().max_body_size);
  const auto state_obs = server().observe(ep, Path(5, 0, 3), {}, now);
  const auto result_obs = server().observe(ep, Path(5, 0, 5), {}, now);
  ASSERT_EQ(result(state_obs).status, OperationStatus::Success);
  ASSERT_EQ(result(result_obs).status, OperationStatus::Success);

  client().expect_firmware_digest(client::Sha256::of(package));
  EXPECT_EQ(push(package), OperationStatus::Success);
  ASSERT_EQ(checked, (std::vector<std::size_t>{package.size()}));
  EXPECT_TRUE(std::equal(storage_->bytes().begin(), storage_->bytes().end(), package.begin(),
                         package.end()));
  EXPECT_EQ(client().engine().counts().block_transfers, 0u);  // nothing reassembled
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  const auto version = result(server().read(ep, Path(5, 0, 7), {}, now));
  ASSERT_EQ(version.records.size(), 1u);
  EXPECT_EQ(version.records[0].value, Value("2.0.102417"));

  EXPECT_EQ(execute(2), OperationStatus::Success);
  EXPECT_EQ(updated_versions, (std::vector<std::string>{"2.0.102417"}));
  expect_state(FirmwareState::Updating, UpdateResult::Initial);
  ASSERT_TRUE(client().firmware_update_finished(UpdateResult::Success, now).has_value());
  pump();
  expect_state(FirmwareState::Idle, UpdateResult::Success);
  EXPECT_EQ(storage_->size(), 0u);  // the image is dropped once installed

  std::vector<std::int64_t> states, results;
  for (const auto& n : take<server::Notification>())
    for (const auto& r : n.records)
      (n.observation == *state_obs ? states : results).push_back(r.value.get<std::int64_t>());
  EXPECT_EQ(states, (std::vector<std::int64_t>{1, 2, 3, 0}));
  EXPECT_EQ(results, (std::vector<std::int64_t>{1}));
  const auto changes = take_client<client::FirmwareChanged>();
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[2].state, FirmwareState::Updating);
}

TEST_F(Firmware, SmallPushInOneBlock) {
  const auto package = image(300);
  EXPECT_EQ(push(package), OperationStatus::Success);
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  EXPECT_EQ(checked, (std::vector<std::size_t>{300}));
}

TEST_F(Firmware, PullOverCoapBlock2) {
  const auto package = image(70 * 1024 + 5, 9);
  serve_files({{"/fw/v2.bin", package}});
  client().expect_firmware_digest(client::Sha256::of(package));
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/fw/v2.bin"), OperationStatus::Success);
  pump();
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  EXPECT_TRUE(std::equal(storage_->bytes().begin(), storage_->bytes().end(), package.begin(),
                         package.end()));
  EXPECT_EQ(asked().size(), 71u);  // each 1 KiB block asked for once
  const auto uri = result(server().read(ep, Path(5, 0, 1), {}, now));
  ASSERT_EQ(uri.records.size(), 1u);
  EXPECT_EQ(uri.records[0].value, Value("coap://127.0.0.1:5699/fw/v2.bin"));
}

// A block whose request gets no answer is asked for again; the blocks before it are not.
TEST_F(Firmware, PullResumesAtTheBlockThatFailed) {
  const auto package = image(10 * 1024, 3);
  serve_files({{"/fw", package}});
  lose_block(5);
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/fw"), OperationStatus::Success);
  pump();
  EXPECT_EQ(client().firmware_state(), FirmwareState::Downloading);
  advance(std::chrono::seconds(100));  // the request's retransmissions run out
  passes = true;
  advance(std::chrono::seconds(100));  // the same block again
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  EXPECT_EQ(asked()[4], 1u);
  EXPECT_EQ(asked()[5], 2u);
  EXPECT_EQ(asked().size(), 10u);
  EXPECT_TRUE(std::equal(storage_->bytes().begin(), storage_->bytes().end(), package.begin(),
                         package.end()));
}

TEST_F(Firmware, ConnectionLostAfterTheRetries) {
  serve_files({{"/fw", image(4096)}});
  side->connected = false;
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/fw"), OperationStatus::Success);
  advance(std::chrono::seconds(100));  // past the first request's retransmissions
  EXPECT_EQ(client().firmware_state(), FirmwareState::Downloading);  // still trying
  advance(std::chrono::minutes(10));
  expect_state(FirmwareState::Idle, UpdateResult::ConnectionLost);
  EXPECT_EQ(client().engine().counts().client_requests, 0u);
}

TEST_F(Firmware, IntegrityFailure) {
  const auto package = image(5000);
  auto wrong = client::Sha256::of(package);
  wrong[0] ^= 1;
  client().expect_firmware_digest(wrong);
  EXPECT_EQ(push(package), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::IntegrityFailure);
  EXPECT_TRUE(checked.empty());  // the digest comes first
  EXPECT_EQ(execute(2), OperationStatus::MethodNotAllowed);
}

TEST_F(Firmware, SignatureHookRefusesThePackage) {
  reconfigure({.verdict = UpdateResult::IntegrityFailure});
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::IntegrityFailure);
}

TEST_F(Firmware, UnsupportedPackage) {
  reconfigure({.verdict = UpdateResult::UnsupportedPackage});
  serve_files({{"/fw", image(3000)}});
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/fw"), OperationStatus::Success);
  pump();
  expect_state(FirmwareState::Idle, UpdateResult::UnsupportedPackage);
}

TEST_F(Firmware, InvalidUri) {
  serve_files({{"/fw", image(3000)}});
  for (const char* uri : {"coap//127.0.0.1/fw", "coap:///fw", "coap://example.invalid/fw",
                          "coap://127.0.0.1:5699/f%zz", "coap://127.0.0.1:5699/missing"}) {
    EXPECT_EQ(write_uri(uri), OperationStatus::Success) << uri;
    pump();
    expect_state(FirmwareState::Idle, UpdateResult::InvalidUri);
  }
  EXPECT_EQ(asked().size(), 1u);  // only the last one reached the file server (4.04)
}

TEST_F(Firmware, UnsupportedProtocol) {
  for (const char* uri : {"ftp://127.0.0.1/fw", "http://127.0.0.1/fw", "coaps://127.0.0.1/fw"}) {
    EXPECT_EQ(write_uri(uri), OperationStatus::Success) << uri;
    expect_state(FirmwareState::Idle, UpdateResult::UnsupportedProtocol);
  }
  const auto support = result(server().read(ep, Path(5, 0, 8), {}, now));
  EXPECT_EQ(support.records,
            (std::vector<Record>{{Path(5, 0, 8, 0), Value(std::int64_t{0}), std::nullopt}}));
  const auto method = result(server().read(ep, Path(5, 0, 9), {}, now));
  ASSERT_EQ(method.records.size(), 1u);
  EXPECT_EQ(method.records[0].value, Value(std::int64_t{2}));  // push and pull
}

TEST_F(Firmware, OutOfStorage) {
  reconfigure({.capacity = 8 * 1024});
  // Push: the Block1 transfer is refused at the block that does not fit... or at once when the
  // server announces the size (Size1).
  EXPECT_EQ(push(image(20 * 1024)), OperationStatus::RequestEntityTooLarge);
  expect_state(FirmwareState::Idle, UpdateResult::NotEnoughStorage);
  // Pull: the file server announces the size with the first block (Size2).
  serve_files({{"/big", image(9 * 1024)}});
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/big"), OperationStatus::Success);
  pump();
  expect_state(FirmwareState::Idle, UpdateResult::NotEnoughStorage);
  EXPECT_EQ(asked().size(), 1u);
  // One that fits still does.
  EXPECT_EQ(push(image(8 * 1024)), OperationStatus::Success);
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
}

// The application fetches the schemes the client does not speak (HTTP through Beast in `drover
// client`).
TEST_F(Firmware, ApplicationDownload) {
  reconfigure({.protocols = {client::FirmwareProtocol::Coap, client::FirmwareProtocol::Http}});
  EXPECT_EQ(write_uri("http://127.0.0.1:8080/fw.bin"), OperationStatus::Success);
  const auto asks = take_client<client::FirmwareDownload>();
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].uri, "http://127.0.0.1:8080/fw.bin");
  expect_state(FirmwareState::Downloading, UpdateResult::Initial);
  const auto package = image(3000);
  ASSERT_TRUE(client().firmware_data(std::span(package).first(1000), now).has_value());
  ASSERT_TRUE(client().firmware_data(std::span(package).subspan(1000), now).has_value());
  ASSERT_TRUE(client().firmware_download_ended(UpdateResult::Initial, now).has_value());
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  EXPECT_EQ(checked, (std::vector<std::size_t>{3000}));
  // A download the application reports lost.
  EXPECT_EQ(write_uri(""), OperationStatus::Success);
  EXPECT_EQ(write_uri("http://127.0.0.1:8080/fw.bin"), OperationStatus::Success);
  ASSERT_TRUE(client().firmware_download_ended(UpdateResult::ConnectionLost, now).has_value());
  expect_state(FirmwareState::Idle, UpdateResult::ConnectionLost);
  EXPECT_FALSE(client().firmware_data(package, now).has_value());  // nothing under way
}

TEST_F(Firmware, ResetInEachState) {
  const std::vector<std::uint8_t> nul = {0};
  // Idle: nothing to reset, still answered.
  EXPECT_EQ(write_uri(""), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::Initial);
  // Downloading (a pull whose block is not answered): the download is abandoned.
  serve_files({{"/fw", image(4096)}});
  lose_block(1);
  EXPECT_EQ(write_uri("coap://127.0.0.1:5699/fw"), OperationStatus::Success);
  pump();
  expect_state(FirmwareState::Downloading, UpdateResult::Initial);
  EXPECT_EQ(push(image(100)), OperationStatus::BadRequest);  // not Idle
  EXPECT_EQ(write_uri(""), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::Initial);
  EXPECT_EQ(client().engine().counts().client_requests, 0u);
  advance(std::chrono::minutes(10));
  expect_state(FirmwareState::Idle, UpdateResult::Initial);
  // Downloaded: a NUL Package.
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
  EXPECT_EQ(push(nul), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::Initial);
  EXPECT_EQ(storage_->size(), 0u);
  // Updating: refused.
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  EXPECT_EQ(execute(2), OperationStatus::Success);
  EXPECT_EQ(push(nul), OperationStatus::MethodNotAllowed);
  EXPECT_EQ(write_uri(""), OperationStatus::MethodNotAllowed);
  expect_state(FirmwareState::Updating, UpdateResult::Initial);
}

TEST_F(Firmware, CancelResource) {
  EXPECT_EQ(execute(10), OperationStatus::MethodNotAllowed);  // Idle
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  EXPECT_EQ(execute(10), OperationStatus::Success);
  expect_state(FirmwareState::Idle, UpdateResult::Cancelled);
  // A new download starts over from Idle with the result reset.
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  expect_state(FirmwareState::Downloaded, UpdateResult::Initial);
}

TEST_F(Firmware, UpdateFailuresAndDeferral) {
  EXPECT_EQ(execute(2), OperationStatus::MethodNotAllowed);  // nothing downloaded
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  EXPECT_EQ(execute(2), OperationStatus::Success);
  ASSERT_TRUE(client().firmware_update_finished(UpdateResult::UpdateFailed, now).has_value());
  pump();
  expect_state(FirmwareState::Downloaded, UpdateResult::UpdateFailed);  // kept for another try
  EXPECT_EQ(execute(2), OperationStatus::Success);
  ASSERT_TRUE(client().firmware_update_finished(UpdateResult::IntegrityFailure, now).has_value());
  pump();
  expect_state(FirmwareState::Idle, UpdateResult::IntegrityFailure);
  EXPECT_FALSE(client().firmware_update_finished(UpdateResult::Success, now).has_value());

  reconfigure({.update_verdict = UpdateResult::Deferred});
  EXPECT_EQ(push(image(2000)), OperationStatus::Success);
  EXPECT_EQ(execute(2), OperationStatus::Success);
  expect_state(FirmwareState::Downloaded, UpdateResult::Deferred);
}

TEST_F(Firmware, InstanceCannotBeDeleted) {
  EXPECT_EQ(result(server().delete_(ep, Path(5, 0), {}, now)).status,
            OperationStatus::MethodNotAllowed);
  EXPECT_FALSE(client().remove_instance(5, 0, now).has_value());
}

}  // namespace
}  // namespace drover::e2e
