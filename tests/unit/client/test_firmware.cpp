// Firmware Update (object 5) at the CoAP level: the blocks of a pushed package as a server's
// engine may send them (out of order, short, started again), answered block by block.
#include "drover/coap/block_option.hpp"
#include "unit/client/client_harness.hpp"

namespace drover::client::testing {
namespace {

using coap::BlockOption;
namespace codes = coap::codes;

class FirmwareBlocks : public RegisteredClient {
 protected:
  void SetUp() override {
    RegisteredClient::SetUp();
    FirmwareConfig config;
    auto storage = std::make_unique<MemoryStorage>(4096);
    storage_ = storage.get();
    config.storage = std::move(storage);
    ASSERT_TRUE(h.client.enable_firmware_update(std::move(config), h.now).has_value());
    h.pump();
    (void)h.next_request();  // the Update with the new object list
    h.client_events();
  }

  // One block of a Write of /5/0/0 in 256-byte blocks (SZX 4), `size` bytes of `fill`.
  Message block(std::uint32_t num, bool more, std::size_t size, std::uint8_t fill) {
    Message m = request(codes::Put, "/5/0/0");
    lwm2m::set_content_format(m, ContentFormat::OctetStream);
    coap::write_block(m, coap::options::Block1, BlockOption{num, more, 4});
    m.set_payload(std::vector<std::uint8_t>(size, fill));
    return m;
  }

  MemoryStorage* storage_ = nullptr;
};

TEST_F(FirmwareBlocks, BlocksAreCheckedAndStoredInOrder) {
  auto answer = h.call(block(0, true, 256, 1));
  EXPECT_EQ(answer.code, codes::Continue);
  BlockOption echo;
  ASSERT_EQ(coap::read_block(answer, coap::options::Block1, echo), coap::BlockRead::Valid);
  EXPECT_EQ(echo.num, 0u);
  EXPECT_TRUE(echo.more);
  EXPECT_EQ(h.client.firmware_state(), FirmwareState::Downloading);

  EXPECT_EQ(h.call(block(2, true, 256, 3)).code, codes::RequestEntityIncomplete);  // 1 is missing
  EXPECT_EQ(h.call(block(1, true, 100, 2)).code, codes::BadRequest);  // short, not the last
  EXPECT_EQ(h.call(block(1, true, 256, 2)).code, codes::Continue);
  answer = h.call(block(2, false, 10, 3));
  EXPECT_EQ(answer.code, codes::Changed);
  ASSERT_EQ(coap::read_block(answer, coap::options::Block1, echo), coap::BlockRead::Valid);
  EXPECT_EQ(echo.num, 2u);
  EXPECT_FALSE(echo.more);
  EXPECT_EQ(h.client.firmware_state(), FirmwareState::Downloaded);
  ASSERT_EQ(storage_->size(), 522u);
  EXPECT_EQ(storage_->bytes()[0], 1);
  EXPECT_EQ(storage_->bytes()[256], 2);
  EXPECT_EQ(storage_->bytes()[521], 3);
  // One Write reported, with its final answer.
  const auto served = h.events_of<RequestServed>();
  ASSERT_EQ(served.size(), 3u);  // 4.08, 4.00 and the final 2.04
  EXPECT_EQ(served.back().code, codes::Changed);
  EXPECT_EQ(served.back().path, Path(5, 0, 0));

  // A new package needs Idle first.
  EXPECT_EQ(h.call(block(0, true, 256, 9)).code, codes::BadRequest);
}

TEST_F(FirmwareBlocks, FirstBlockAgainStartsThePushOver) {
  EXPECT_EQ(h.call(block(0, true, 256, 1)).code, codes::Continue);
  EXPECT_EQ(h.call(block(1, true, 256, 1)).code, codes::Continue);
  EXPECT_EQ(h.call(block(0, true, 256, 7)).code, codes::Continue);
  EXPECT_EQ(h.call(block(1, false, 1, 8)).code, codes::Changed);
  ASSERT_EQ(storage_->size(), 257u);
  EXPECT_EQ(storage_->bytes()[0], 7);
}

TEST_F(FirmwareBlocks, AnnouncedSizeTooLargeIsRefusedAtOnce) {
  Message first = block(0, true, 256, 1);
  first.set_uint_option(coap::options::Size1, 5000);
  EXPECT_EQ(h.call(std::move(first)).code, codes::RequestEntityTooLarge);
  EXPECT_EQ(h.client.firmware_state(), FirmwareState::Idle);
  EXPECT_EQ(h.client.firmware_result(), UpdateResult::NotEnoughStorage);
  EXPECT_EQ(h.call(block(1, true, 256, 1)).code, codes::RequestEntityIncomplete);
}

// Requests from an address that is no registered server are not served, blocks or not.
TEST_F(FirmwareBlocks, BlocksFromStrangersAreIgnored) {
  h.add_fake_server(coap::PeerAddress::loopback_v4(6000));
  const auto id = h.send(block(0, true, 256, 1), 1);
  EXPECT_FALSE(h.take_response(id, 1).has_value());
  EXPECT_EQ(h.client.firmware_state(), FirmwareState::Idle);
  EXPECT_EQ(h.client.stats().requests_ignored, 1u);
}

}  // namespace
}  // namespace drover::client::testing
