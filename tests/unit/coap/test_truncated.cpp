// Datagrams the transport cut short (longer than its receive buffer): Engine::receive_truncated.
#include "drover/coap/block_option.hpp"
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes first(const Message& m, std::size_t n) {
  Bytes b = to_bytes(m);
  EXPECT_GT(b.size(), n);
  b.resize(n);
  return b;
}

Message put_of(Type type, std::uint16_t mid, std::size_t body) {
  Message m = make_message(type, codes::Put, mid, {0x11, 0x22});
  m.set_uri_path("/up");
  m.set_payload(body_of(body));
  return m;
}

TEST(Truncated, ConRequestGetsTooLargeWithSize1AndDuplicatesTheSameAnswer) {
  EngineConfig c;
  c.max_body_size = 50000;
  Engine e(c, 1);
  const Message put = put_of(Type::Con, 0x0102, 600);
  e.receive_truncated(kClientAddr, first(put, 200), start_time());
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Ack);
  EXPECT_EQ(sent[0].msg.message_id, 0x0102);
  EXPECT_EQ(sent[0].msg.token, put.token);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
  EXPECT_EQ(sent[0].msg.uint_option(options::Size1), 50000u);
  EXPECT_FALSE(sent[0].msg.has_option(options::Block1));  // it asked for no blocks
  EXPECT_TRUE(events_of(e).empty());

  e.receive_truncated(kClientAddr, first(put, 200), start_time());  // its retransmission
  auto again = drain(e);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].msg, sent[0].msg);
  EXPECT_EQ(e.stats().duplicates, 1u);
  EXPECT_EQ(e.stats().truncated, 2u);
  EXPECT_EQ(e.stats().malformed, 0u);
}

TEST(Truncated, NonRequestGetsNonTooLarge) {
  Engine e({}, 1);
  const Message put = put_of(Type::Non, 7, 600);
  e.receive_truncated(kClientAddr, first(put, 100), start_time());
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Non);
  EXPECT_EQ(sent[0].msg.token, put.token);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
}

TEST(Truncated, Block1RequestGetsABlockSizeThatFits) {
  Engine e({}, 1);
  Message block = put_of(Type::Con, 9, 1024);
  write_block(block, options::Block1, BlockOption{0, true, 6});
  // Header 4, token 2, Uri-Path "up" 3, Block1 3, marker 1: 13 bytes before the payload.
  for (auto [cut, szx] : {std::pair<std::size_t, std::uint8_t>{300, 4}, {200, 3}, {30, 0}}) {
    SCOPED_TRACE(cut);
    block.message_id = static_cast<std::uint16_t>(block.message_id + 1);
    e.receive_truncated(kClientAddr, first(block, cut), start_time());
    auto sent = drain(e);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
    BlockOption hint;
    ASSERT_EQ(read_block(sent[0].msg, options::Block1, hint), BlockRead::Valid);
    EXPECT_EQ(hint.szx, szx);
  }
  // With no room even for 16 bytes, no hint.
  block.message_id = static_cast<std::uint16_t>(block.message_id + 1);
  e.receive_truncated(kClientAddr, first(block, 20), start_time());
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_FALSE(sent[0].msg.has_option(options::Block1));
  EXPECT_EQ(e.counts().block_transfers, 0u);
}

TEST(Truncated, ConThatCannotBeAnsweredGetsResetOthersAreDropped) {
  Engine e({}, 1);
  TimePoint now = start_time();
  Message response = make_message(Type::Con, codes::Content, 0x0a0b, {1, 2, 3});
  response.set_payload(body_of(300));
  e.receive_truncated(kServerAddr, first(response, 50), now);  // answers nothing we sent
  Message long_token = put_of(Type::Con, 0x0c0d, 100);
  long_token.token = Token(Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  e.receive_truncated(kClientAddr, first(long_token, 8), now);  // the token is cut
  auto sent = drain(e);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].msg.type, Type::Rst);
  EXPECT_EQ(sent[0].msg.message_id, 0x0a0b);
  EXPECT_EQ(sent[1].msg.type, Type::Rst);
  EXPECT_EQ(sent[1].msg.message_id, 0x0c0d);

  response.type = Type::Non;
  e.receive_truncated(kServerAddr, first(response, 50), now);
  response.type = Type::Ack;
  e.receive_truncated(kServerAddr, first(response, 50), now);
  Message non_request = put_of(Type::Non, 0x0e0f, 100);
  non_request.token = Token(Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  e.receive_truncated(kClientAddr, first(non_request, 8), now);
  e.receive_truncated(kClientAddr, Bytes{0x80, 0x01, 0x00, 0x01}, now);  // version 2
  EXPECT_TRUE(drain(e).empty());
  EXPECT_TRUE(events_of(e).empty());
  EXPECT_EQ(e.stats().truncated, 6u);
}

TEST(Truncated, ResponseFailsTheRequestItAnswers) {
  EngineConfig c;
  c.nstart = 2;
  Engine client(c, 1);
  TimePoint now = start_time();
  auto piggybacked = client.send_request(kServerAddr, get_request("/a"), now);
  RequestOptions non;
  non.confirmable = false;
  auto separate = client.send_request(kServerAddr, get_request("/b"), now, non);
  ASSERT_TRUE(piggybacked && separate);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 2u);

  Message ack = make_message(Type::Ack, codes::Content, sent[0].msg.message_id);
  ack.token = sent[0].msg.token;
  ack.set_payload(body_of(3000));
  client.receive_truncated(kServerAddr, first(ack, 1500), now);
  EXPECT_TRUE(drain(client).empty());
  Message con = make_message(Type::Con, codes::Content, 0x7777);
  con.token = sent[1].msg.token;
  con.set_payload(body_of(3000));
  client.receive_truncated(kServerAddr, first(con, 1500), now);
  auto rst = drain(client);
  ASSERT_EQ(rst.size(), 1u);
  EXPECT_EQ(rst[0].msg.type, Type::Rst);
  EXPECT_EQ(rst[0].msg.message_id, 0x7777);

  auto failed = only<RequestFailed>(events_of(client));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].request, *piggybacked);
  EXPECT_EQ(failed[0].reason, FailureReason::BodyTooLarge);
  EXPECT_EQ(failed[1].request, *separate);
  EXPECT_EQ(failed[1].reason, FailureReason::BodyTooLarge);
  EXPECT_EQ(client.counts().client_requests, 0u);
}

TEST(Truncated, NonNotificationIsLostTheObservationGoesOn) {
  Engine client({}, 1);
  TimePoint now = start_time();
  Message observe = get_request("/obs");
  observe.add_uint_option(options::Observe, 0);
  auto id = client.send_request(kServerAddr, std::move(observe), now);
  ASSERT_TRUE(id);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  Message accepted = make_message(Type::Ack, codes::Content, sent[0].msg.message_id);
  accepted.token = sent[0].msg.token;
  accepted.add_uint_option(options::Observe, 1);
  client.receive(kServerAddr, to_bytes(accepted), now);
  ASSERT_EQ(only<ResponseReceived>(events_of(client)).size(), 1u);

  Message notification = make_message(Type::Non, codes::Content, 0x4000);
  notification.token = sent[0].msg.token;
  notification.add_uint_option(options::Observe, 2);
  notification.set_payload(body_of(3000));
  client.receive_truncated(kServerAddr, first(notification, 1500), now);
  EXPECT_TRUE(drain(client).empty());
  EXPECT_TRUE(events_of(client).empty());
  EXPECT_EQ(client.counts().client_requests, 1u);
}

}  // namespace
}  // namespace drover::coap::testing
