// Block-wise transfers (RFC 7959) through the engine, both roles.
#include "drover/coap/block_option.hpp"
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

BlockOption block_of(const Message& m, std::uint16_t number) {
  BlockOption b;
  EXPECT_EQ(read_block(m, number, b), BlockRead::Valid);
  return b;
}

// A server answering every request with `code` and `body`, recording the requests' payloads.
void answering_server(Link& link, Code code, std::vector<std::uint8_t> body) {
  link.on_server_event = [&link, code, body = std::move(body)](Event& e) {
    if (auto* r = std::get_if<RequestReceived>(&e)) {
      Message resp;
      resp.code = code;
      resp.set_payload(body);
      ASSERT_TRUE(link.server.respond(r->exchange, std::move(resp), link.now));
    }
  };
}

Message put_request(std::string_view path, std::vector<std::uint8_t> body) {
  Message m;
  m.code = codes::Put;
  m.set_uri_path(path);
  m.set_payload(body);
  return m;
}

Message block1_request(std::uint16_t mid, std::uint32_t num, bool more, std::uint8_t szx,
                       std::size_t payload_size, std::string_view path = "/up") {
  Message m = make_message(Type::Con, codes::Put, mid, {7});
  m.set_uri_path(path);
  write_block(m, options::Block1, BlockOption{num, more, szx});
  m.set_payload(body_of(payload_size));
  return m;
}

TEST(BlockOptionCodec, RoundTripsAndRejectsBert) {
  Message m;
  write_block(m, options::Block2, BlockOption{1000, true, 3});
  BlockOption b;
  ASSERT_EQ(read_block(m, options::Block2, b), BlockRead::Valid);
  EXPECT_EQ(b.num, 1000u);
  EXPECT_TRUE(b.more);
  EXPECT_EQ(b.szx, 3);
  EXPECT_EQ(b.size(), 128u);
  EXPECT_EQ(b.offset(), 128000u);
  EXPECT_EQ(read_block(m, options::Block1, b), BlockRead::Absent);
  m.set_uint_option(options::Block1, 0x17);  // SZX 7 is BERT, not for UDP
  EXPECT_EQ(read_block(m, options::Block1, b), BlockRead::Invalid);
}

TEST(Blockwise, LargeResponseIsReassembled) {
  Link link;
  auto body = body_of(5000);
  answering_server(link, codes::Content, body);
  auto id = link.client.send_request(kServerAddr, get_request("/big"), link.now);
  ASSERT_TRUE(id);
  link.run();
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, *id);
  EXPECT_EQ(payload_of(responses[0].response), body);
  EXPECT_FALSE(responses[0].response.has_option(options::Block2));
  EXPECT_FALSE(responses[0].response.has_option(options::Size2));
  EXPECT_EQ(only<RequestReceived>(link.server_events).size(),
            1u);  // follow-ups served from the cache

  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 5u);  // 4 * 1024 + 904
  for (std::uint32_t i = 0; i < 5; ++i) {
    BlockOption b = block_of(from_server[i], options::Block2);
    EXPECT_EQ(b.num, i);
    EXPECT_EQ(b.more, i < 4);
    EXPECT_EQ(from_server[i].uint_option(options::Size2), 5000u);
    EXPECT_TRUE(from_server[i].has_option(options::ETag));
  }
  EXPECT_EQ(link.server.counts().block_transfers, 0u);
  EXPECT_EQ(link.client.counts().block_transfers, 0u);
}

TEST(Blockwise, LargeRequestIsSentInBlocksAndReassembled) {
  Link link;
  answering_server(link, codes::Changed, {});
  auto body = body_of(5000);
  auto id = link.client.send_request(kServerAddr, put_request("/up", body), link.now);
  ASSERT_TRUE(id);
  link.run();

  auto requests = only<RequestReceived>(link.server_events);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(payload_of(requests[0].request), body);
  EXPECT_FALSE(requests[0].request.has_option(options::Block1));
  EXPECT_FALSE(requests[0].request.has_option(options::Size1));
  EXPECT_EQ(requests[0].request.uri_path(), "/up");

  auto from_client = link.sent_by(true);
  ASSERT_EQ(from_client.size(), 5u);
  EXPECT_EQ(from_client[0].uint_option(options::Size1), 5000u);
  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(block_of(from_client[i], options::Block1).num, i);
    BlockOption echo = block_of(from_server[i], options::Block1);
    EXPECT_EQ(echo.num, i);
    EXPECT_EQ(from_server[i].code, i < 4 ? codes::Continue : codes::Changed);
    EXPECT_EQ(echo.more, i < 4);
  }
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response.code, codes::Changed);
  EXPECT_EQ(link.server.counts().block_transfers, 0u);
}

TEST(Blockwise, ServerAsksForSmallerRequestBlocks) {
  EngineConfig server_config;
  server_config.block_szx = 4;  // 256 bytes
  Link link({}, server_config);
  answering_server(link, codes::Changed, {});
  auto body = body_of(3000);
  ASSERT_TRUE(link.client.send_request(kServerAddr, put_request("/up", body), link.now));
  link.run();
  auto requests = only<RequestReceived>(link.server_events);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(payload_of(requests[0].request), body);
  auto from_client = link.sent_by(true);
  BlockOption first = block_of(from_client[0], options::Block1);
  EXPECT_EQ(first.szx, 6);
  BlockOption second = block_of(from_client[1], options::Block1);
  EXPECT_EQ(second.szx, 4);
  EXPECT_EQ(second.num, 4u);  // byte offset 1024 in 256-byte blocks
  ASSERT_EQ(from_client.size(), 1u + (3000 - 1024 + 255) / 256);
}

TEST(Blockwise, ClientAsksForSmallerResponseBlocksEarly) {
  Link link;
  auto body = body_of(300);
  answering_server(link, codes::Content, body);
  RequestOptions small;
  small.block_szx = 2;
  ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/r"), link.now, small));
  link.run();
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(payload_of(responses[0].response), body);
  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 5u);  // 64-byte blocks
  for (const auto& m : from_server) {
    EXPECT_LE(m.payload().size(), 64u);
    EXPECT_EQ(block_of(m, options::Block2).szx, 2);
  }
}

TEST(Blockwise, ClientAsksForSmallerResponseBlocksLate) {
  EngineConfig client_config;
  client_config.block_szx = 4;
  Link link(client_config, {});
  auto body = body_of(2000);
  answering_server(link, codes::Content, body);
  ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/r"), link.now));
  link.run();
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(payload_of(responses[0].response), body);
  auto from_client = link.sent_by(true);
  ASSERT_GE(from_client.size(), 2u);
  BlockOption second = block_of(from_client[1], options::Block2);
  EXPECT_EQ(second.szx, 4);
  EXPECT_EQ(second.num, 4u);
}

TEST(Blockwise, LargeRequestAndLargeResponse) {
  Link link;
  auto answer = body_of(3000);
  answer[5] = 1;
  answering_server(link, codes::Changed, answer);
  auto body = body_of(2500);
  Message post = put_request("/both", body);
  post.code = codes::Post;
  ASSERT_TRUE(link.client.send_request(kServerAddr, std::move(post), link.now));
  link.run();
  auto requests = only<RequestReceived>(link.server_events);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(payload_of(requests[0].request), body);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(payload_of(responses[0].response), answer);
  EXPECT_EQ(responses[0].response.code, codes::Changed);
}

TEST(Blockwise, BlocksSurviveLoss) {
  Link link;
  auto body = body_of(4000);
  answering_server(link, codes::Content, body);
  int n = 0;
  link.deliver = [&n](bool, const Message&) { return ++n % 3 != 0; };  // every third datagram lost
  ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/lossy"), link.now));
  link.advance(120s);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(payload_of(responses[0].response), body);
}

TEST(Blockwise, MissingFirstBlockGetsRequestEntityIncomplete) {
  Engine server({}, 1);
  TimePoint now = start_time();
  server.receive(kClientAddr, to_bytes(block1_request(1, 1, true, 6, 1024)), now);
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityIncomplete);
  EXPECT_TRUE(events_of(server).empty());
}

TEST(Blockwise, OutOfOrderBlockGetsRequestEntityIncomplete) {
  Engine server({}, 1);
  TimePoint now = start_time();
  server.receive(kClientAddr, to_bytes(block1_request(1, 0, true, 6, 1024)), now);
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::Continue);
  server.receive(kClientAddr, to_bytes(block1_request(2, 2, true, 6, 1024)), now);
  sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityIncomplete);
  EXPECT_EQ(server.counts().block_transfers, 0u);  // the transfer is dropped
  EXPECT_TRUE(events_of(server).empty());
}

TEST(Blockwise, DeclaredSizeAboveTheLimitGetsTooLargeWithSize1) {
  EngineConfig c;
  c.max_body_size = 4096;
  Engine server(c, 1);
  Message m = block1_request(1, 0, true, 6, 1024);
  m.set_uint_option(options::Size1, 1u << 20);
  server.receive(kClientAddr, to_bytes(m), start_time());
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
  EXPECT_EQ(sent[0].msg.uint_option(options::Size1), 4096u);
  EXPECT_EQ(server.counts().block_transfers, 0u);
}

TEST(Blockwise, GrowingPastTheLimitGetsTooLarge) {
  EngineConfig c;
  c.max_body_size = 2048;
  Engine server(c, 1);
  TimePoint now = start_time();
  for (std::uint16_t i = 0; i < 2; ++i) {
    server.receive(kClientAddr,
                   to_bytes(block1_request(static_cast<std::uint16_t>(i + 1), i, true, 6, 1024)),
                   now);
    auto sent = drain(server);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].msg.code, codes::Continue);
  }
  server.receive(kClientAddr, to_bytes(block1_request(3, 2, false, 6, 10)), now);
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::RequestEntityTooLarge);
  EXPECT_EQ(sent[0].msg.uint_option(options::Size1), 2048u);
  EXPECT_EQ(server.counts().block_transfers, 0u);
}

TEST(Blockwise, ShortNonFinalBlockIsRejected) {
  Engine server({}, 1);
  server.receive(kClientAddr, to_bytes(block1_request(1, 0, true, 6, 100)), start_time());
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::BadRequest);
}

TEST(Blockwise, AbandonedUploadExpires) {
  Engine server({}, 1);
  TimePoint now = start_time();
  server.receive(kClientAddr, to_bytes(block1_request(1, 0, true, 6, 1024)), now);
  drain(server);
  EXPECT_EQ(server.counts().block_transfers, 1u);
  auto next = server.next_expiry();
  ASSERT_TRUE(next);
  server.on_timer(now + server.config().block_transfer_lifetime);
  EXPECT_EQ(server.counts().block_transfers, 0u);
}

TEST(Blockwise, ConcurrentUploadsAreBounded) {
  EngineConfig c;
  c.max_block_transfers = 1;
  Engine server(c, 1);
  TimePoint now = start_time();
  server.receive(kClientAddr, to_bytes(block1_request(1, 0, true, 6, 1024, "/a")), now);
  server.receive(kClientAddr, to_bytes(block1_request(2, 0, true, 6, 1024, "/b")), now);
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].msg.code, codes::Continue);
  EXPECT_EQ(sent[1].msg.code, codes::ServiceUnavailable);
  EXPECT_EQ(server.counts().block_transfers, 1u);
}

TEST(Blockwise, ResponseBodyAboveTheClientLimitFails) {
  EngineConfig client_config;
  client_config.max_body_size = 2000;
  Link link(client_config, {});
  answering_server(link, codes::Content, body_of(5000));
  auto id = link.client.send_request(kServerAddr, get_request("/big"), link.now);
  link.run();
  auto failed = only<RequestFailed>(link.client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, *id);
  EXPECT_EQ(failed[0].reason, FailureReason::BodyTooLarge);
  EXPECT_EQ(link.client.counts().block_transfers, 0u);
}

TEST(Blockwise, RequestBodyAboveTheLimitIsRefused) {
  EngineConfig c;
  c.max_body_size = 100;
  Engine client(c, 1);
  auto r = client.send_request(kServerAddr, put_request("/x", body_of(101)), start_time());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::BodyTooLarge);
}

TEST(Blockwise, LargeFetchBodyCannotBeRepeatedForBlock2) {
  Link link;
  answering_server(link, codes::Content, body_of(3000));
  Message fetch = put_request("/composite", body_of(1500));  // goes out in Block1 blocks
  fetch.code = codes::Fetch;
  auto id = link.client.send_request(kServerAddr, std::move(fetch), link.now);
  ASSERT_TRUE(id);
  link.run();
  auto failed = only<RequestFailed>(link.client_events);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, *id);
  EXPECT_EQ(failed[0].reason, FailureReason::Resources);
  for (const auto& m : link.sent_by(true)) EXPECT_LE(m.payload().size(), 1024u);
  EXPECT_EQ(link.client.counts().block_transfers, 0u);
}

TEST(Blockwise, ChangedETagBreaksTheDownload) {
  Engine client({}, 1);
  TimePoint now = start_time();
  auto id = client.send_request(kServerAddr, get_request("/r"), now);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  auto token = sent[0].msg.token;
  auto answer = [&](std::uint16_t mid, std::uint32_t num, std::string_view etag) {
    Message m = make_message(Type::Ack, codes::Content, mid);
    m.token = token;
    m.add_option(options::ETag, etag);
    write_block(m, options::Block2, BlockOption{num, true, 6});
    m.set_payload(body_of(1024));
    client.receive(kServerAddr, to_bytes(m), now);
  };
  answer(sent[0].msg.message_id, 0, "A");
  sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(block_of(sent[0].msg, options::Block2).num, 1u);
  answer(sent[0].msg.message_id, 1, "B");
  auto failed = only<RequestFailed>(events_of(client));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, *id);
  EXPECT_EQ(failed[0].reason, FailureReason::BlockTransfer);
}

TEST(Blockwise, BlockPastTheEndGetsBadOption) {
  Engine server({}, 1);
  TimePoint now = start_time();
  Message m = make_message(Type::Con, codes::Get, 1, {1});
  write_block(m, options::Block2, BlockOption{10, false, 6});
  server.receive(kClientAddr, to_bytes(m), now);
  auto requests = only<RequestReceived>(events_of(server));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].request.has_option(options::Block2));
  Message resp;
  resp.code = codes::Content;
  resp.set_payload(body_of(100));
  ASSERT_TRUE(server.respond(requests[0].exchange, std::move(resp), now));
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::BadOption);
}

TEST(Blockwise, AnApplicationCuttingItsOwnBlocksIsToldTheBlockAndItsAnswerSentAsItIs) {
  Engine server({}, 1);
  TimePoint now = start_time();
  Message m = make_message(Type::Con, codes::Get, 1, {1});
  write_block(m, options::Block2, BlockOption{3, false, 4});
  server.receive(kClientAddr, to_bytes(m), now);
  auto requests = only<RequestReceived>(events_of(server));
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_TRUE(requests[0].block2.has_value());
  EXPECT_EQ(requests[0].block2->num, 3u);
  EXPECT_EQ(requests[0].block2->szx, 4);
  // Block 3 of a 100-byte body in 16-byte blocks, cut by the application.
  Message resp;
  resp.code = codes::Content;
  const auto body = body_of(100);
  resp.set_payload(std::span(body).subspan(48, 16));
  write_block(resp, options::Block2, BlockOption{3, true, 4});
  ASSERT_TRUE(server.respond(requests[0].exchange, std::move(resp), now));
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.code, codes::Content);
  EXPECT_EQ(block_of(sent[0].msg, options::Block2).num, 3u);
  EXPECT_TRUE(std::equal(sent[0].msg.payload().begin(), sent[0].msg.payload().end(),
                         body.begin() + 48, body.begin() + 64));
  EXPECT_EQ(server.counts().block_transfers, 0u);  // nothing cached for the follow-ups
}

TEST(Blockwise, FollowUpWithoutCacheIsAnsweredFromTheApplication) {
  Engine server({}, 1);
  TimePoint now = start_time();
  Message m = make_message(Type::Con, codes::Get, 1, {1});
  m.set_uri_path("/r");
  write_block(m, options::Block2, BlockOption{2, false, 6});
  server.receive(kClientAddr, to_bytes(m), now);
  auto requests = only<RequestReceived>(events_of(server));
  ASSERT_EQ(requests.size(), 1u);
  auto body = body_of(3000);
  Message resp;
  resp.code = codes::Content;
  resp.set_payload(body);
  ASSERT_TRUE(server.respond(requests[0].exchange, std::move(resp), now));
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  BlockOption b = block_of(sent[0].msg, options::Block2);
  EXPECT_EQ(b.num, 2u);
  EXPECT_FALSE(b.more);
  EXPECT_EQ(payload_of(sent[0].msg), std::vector<std::uint8_t>(body.begin() + 2048, body.end()));
}

// ---------------------------------------------------------------------------------------------------------
// 4.13 Request Entity Too Large answering the client (RFC 7959 §2.9.3), Size2 asked by the client.

TEST(Blockwise, TooLargeWithSmallerBlock1RestartsTheUploadWithThoseBlocks) {
  Link link;
  answering_server(link, codes::Changed, {});
  // The server's transport takes datagrams of 300 bytes: longer ones arrive cut.
  link.deliver = [&link](bool from_client, const Message& m) {
    if (!from_client || m.wire_size() <= 300) return true;
    auto bytes = to_bytes(m);
    bytes.resize(300);
    link.server.receive_truncated(kClientAddr, bytes, link.now);
    return false;
  };
  auto body = body_of(3000);
  auto id = link.client.send_request(kServerAddr, put_request("/up", body), link.now);
  ASSERT_TRUE(id);
  link.run();

  auto requests = only<RequestReceived>(link.server_events);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(payload_of(requests[0].request), body);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, *id);
  EXPECT_EQ(responses[0].response.code, codes::Changed);

  auto from_client = link.sent_by(true);
  ASSERT_EQ(from_client.size(), 1u + (3000 + 255) / 256);
  EXPECT_EQ(block_of(from_client[0], options::Block1).szx, 6);
  BlockOption restart = block_of(from_client[1], options::Block1);
  EXPECT_EQ(restart.num, 0u);  // from the start, in 256-byte blocks
  EXPECT_EQ(restart.szx, 4);
  EXPECT_EQ(from_client[1].uint_option(options::Size1), 3000u);
  EXPECT_EQ(link.sent_by(false)[0].code, codes::RequestEntityTooLarge);
}

// A client engine with a PUT of `size` bytes in flight (a Block1 upload of 3000 bytes by default,
// sent whole when it fits one block), and its first datagram.
struct Upload {
  Engine client{{}, 1};
  RequestId id;
  Message block;
  explicit Upload(std::size_t size = 3000) {
    auto r = client.send_request(kServerAddr, put_request("/up", body_of(size)), start_time());
    EXPECT_TRUE(r);
    if (r) id = *r;
    auto sent = drain(client);
    EXPECT_EQ(sent.size(), 1u);
    if (!sent.empty()) block = sent[0].msg;
  }
  std::vector<Sent> answer(Message reply) {
    reply.type = Type::Ack;
    reply.message_id = block.message_id;
    reply.token = block.token;
    client.receive(kServerAddr, to_bytes(reply), start_time());
    return drain(client);
  }
};

TEST(Blockwise, TooLargeWithoutASmallerBlockIsTheAnswer) {
  Upload up;
  Message reply = make_message(Type::Ack, codes::RequestEntityTooLarge, 0);
  write_block(reply, options::Block1, BlockOption{0, false, 6});  // not smaller: no restart
  EXPECT_TRUE(up.answer(reply).empty());
  auto responses = only<ResponseReceived>(events_of(up.client));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response.code, codes::RequestEntityTooLarge);
}

TEST(Blockwise, TooLargeWithBlock1ToAWholeRequestSendsItAgainInThoseBlocks) {
  Link link;
  // The server answers the first request 4.13 asking for 256-byte blocks (Block1 SZX 4), and the
  // next, reassembled by its engine, 2.04.
  int requests_seen = 0;
  link.on_server_event = [&link, &requests_seen](Event& e) {
    auto* r = std::get_if<RequestReceived>(&e);
    if (!r) return;
    Message resp;
    resp.code = requests_seen++ == 0 ? codes::RequestEntityTooLarge : codes::Changed;
    if (resp.code == codes::RequestEntityTooLarge)
      write_block(resp, options::Block1, BlockOption{0, false, 4});
    ASSERT_TRUE(link.server.respond(r->exchange, std::move(resp), link.now));
  };
  auto body = body_of(700);  // one 1024-byte block: sent whole at first
  auto id = link.client.send_request(kServerAddr, put_request("/up", body), link.now);
  ASSERT_TRUE(id);
  link.run();

  auto from_client = link.sent_by(true);
  ASSERT_EQ(from_client.size(), 1u + 3u);
  EXPECT_FALSE(from_client[0].has_option(options::Block1));
  for (std::uint32_t i = 0; i < 3; ++i) {
    BlockOption b = block_of(from_client[1 + i], options::Block1);
    EXPECT_EQ(b.num, i);
    EXPECT_EQ(b.szx, 4);
    EXPECT_EQ(b.more, i < 2);
  }
  EXPECT_EQ(from_client[1].uint_option(options::Size1), 700u);
  auto requests = only<RequestReceived>(link.server_events);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(payload_of(requests[1].request), body);  // reassembled by the server's engine
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response.code, codes::Changed);
}

TEST(Blockwise, TooLargeWithoutBlock1ToAWholeRequestIsTheAnswer) {
  Upload whole(700);
  EXPECT_FALSE(whole.block.has_option(options::Block1));
  Message reply = make_message(Type::Ack, codes::RequestEntityTooLarge, 0);
  EXPECT_TRUE(whole.answer(reply).empty());  // not sent again
  auto responses = only<ResponseReceived>(events_of(whole.client));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, whole.id);
  EXPECT_EQ(responses[0].response.code, codes::RequestEntityTooLarge);
}

TEST(Blockwise, TooLargeWithSize1BelowTheBodyFails) {
  Upload up;
  Message reply = make_message(Type::Ack, codes::RequestEntityTooLarge, 0);
  reply.set_uint_option(options::Size1, 2999);
  write_block(reply, options::Block1, BlockOption{0, false, 2});  // no use: the body is too large
  EXPECT_TRUE(up.answer(reply).empty());
  auto failed = only<RequestFailed>(events_of(up.client));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, up.id);
  EXPECT_EQ(failed[0].reason, FailureReason::RequestTooLarge);
  EXPECT_EQ(up.client.counts().client_requests, 0u);
}

TEST(Blockwise, BodyAboveTheServerLimitFailsTheRequest) {
  EngineConfig server_config;
  server_config.max_body_size = 200;
  Link link({}, server_config);
  answering_server(link, codes::Changed, {});
  // One without blocks (past max_body_size at once) and one with (its Size1 is too large).
  auto small = link.client.send_request(kServerAddr, put_request("/a", body_of(500)), link.now);
  auto large = link.client.send_request(kServerAddr, put_request("/b", body_of(3000)), link.now);
  ASSERT_TRUE(small && large);
  link.run();
  auto failed = only<RequestFailed>(link.client_events);
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].request, *small);
  EXPECT_EQ(failed[0].reason, FailureReason::RequestTooLarge);
  EXPECT_EQ(failed[1].request, *large);
  EXPECT_EQ(failed[1].reason, FailureReason::RequestTooLarge);
  EXPECT_TRUE(only<RequestReceived>(link.server_events).empty());
}

TEST(Blockwise, Size2InARequestGetsTheBodySize) {
  Link link;
  answering_server(link, codes::Content, body_of(300));  // fits one block
  Message get = get_request("/r");
  get.add_uint_option(options::Size2, 0);
  ASSERT_TRUE(link.client.send_request(kServerAddr, std::move(get), link.now));
  ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/r"), link.now));
  link.run();
  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 2u);
  EXPECT_EQ(from_server[0].uint_option(options::Size2), 300u);
  EXPECT_FALSE(from_server[0].has_option(options::Block2));
  EXPECT_FALSE(from_server[1].has_option(options::Size2));  // not asked
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].response.uint_option(options::Size2), 300u);
}

TEST(Blockwise, Size2InARequestForALargeBodyIsInTheFirstBlock) {
  Link link;
  answering_server(link, codes::Content, body_of(5000));
  Message get = get_request("/r");
  get.add_uint_option(options::Size2, 0);
  ASSERT_TRUE(link.client.send_request(kServerAddr, std::move(get), link.now));
  link.run();
  auto from_server = link.sent_by(false);
  ASSERT_FALSE(from_server.empty());
  EXPECT_EQ(block_of(from_server[0], options::Block2).num, 0u);
  EXPECT_EQ(from_server[0].uint_option(options::Size2), 5000u);
  ASSERT_EQ(only<ResponseReceived>(link.client_events).size(), 1u);
}

}  // namespace
}  // namespace drover::coap::testing

namespace drover::coap::testing {
namespace {

// Engine::stream_block1: the chosen requests reach the application block by block, each answered
// by it (2.31 Continue gets the Block1 echo with M set); max_body_size does not apply to them.
TEST(BlockwiseStreaming, ChosenBlock1RequestsArriveBlockByBlock) {
  EngineConfig server_config;
  server_config.max_body_size = 2048;
  server_config.block_szx = 5;  // asks the client for 512-byte blocks in its first Continue
  Link link({}, server_config);
  link.server.stream_block1([](const Message& m) { return m.uri_path() == "/stream"; });
  std::vector<std::uint8_t> received;
  std::vector<BlockOption> blocks;
  link.on_server_event = [&](Event& e) {
    auto* r = std::get_if<RequestReceived>(&e);
    if (!r) return;
    BlockOption b;
    ASSERT_EQ(read_block(r->request, options::Block1, b), BlockRead::Valid);
    blocks.push_back(b);
    received.insert(received.end(), r->request.payload().begin(), r->request.payload().end());
    Message resp;
    resp.code = b.more ? codes::Continue : codes::Changed;
    ASSERT_TRUE(link.server.respond(r->exchange, std::move(resp), link.now));
  };
  const auto body = body_of(5000);
  ASSERT_TRUE(link.client.send_request(kServerAddr, put_request("/stream", body), link.now));
  link.run();
  EXPECT_EQ(received, body);
  ASSERT_EQ(blocks.size(), 1u + (5000 - 1024 + 511) / 512);
  EXPECT_EQ(blocks[1].szx, 5);
  auto from_server = link.sent_by(false);
  for (std::size_t i = 0; i + 1 < from_server.size(); ++i) {
    EXPECT_EQ(from_server[i].code, codes::Continue);
    EXPECT_TRUE(block_of(from_server[i], options::Block1).more);
    EXPECT_EQ(block_of(from_server[i], options::Block1).szx, 5);
  }
  EXPECT_EQ(from_server.back().code, codes::Changed);
  EXPECT_FALSE(block_of(from_server.back(), options::Block1).more);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response.code, codes::Changed);
  EXPECT_EQ(link.server.counts().block_transfers, 0u);

  // Another path is reassembled, within max_body_size as before.
  link.client_events.clear();
  ASSERT_TRUE(link.client.send_request(kServerAddr, put_request("/other", body), link.now));
  link.run();
  const auto failures = only<RequestFailed>(link.client_events);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].reason, FailureReason::RequestTooLarge);  // 4.13 with Size1 2048
}

// RequestOptions::block_by_block: the caller gets each Block2 response as it is and asks for the
// next block itself.
TEST(BlockwiseStreaming, BlockByBlockDownloadIsLeftToTheCaller) {
  Link link;
  const auto body = body_of(2500);
  answering_server(link, codes::Content, body);
  RequestOptions options;
  options.block_by_block = true;
  std::vector<std::uint8_t> got;
  for (std::uint32_t num = 0;; ++num) {
    Message m = get_request("/big");
    write_block(m, options::Block2, BlockOption{num, false, 6});
    link.client_events.clear();
    ASSERT_TRUE(link.client.send_request(kServerAddr, std::move(m), link.now, options));
    link.run();
    auto responses = only<ResponseReceived>(link.client_events);
    ASSERT_EQ(responses.size(), 1u);
    const BlockOption b = block_of(responses[0].response, options::Block2);
    EXPECT_EQ(b.num, num);
    got.insert(got.end(), responses[0].response.payload().begin(),
               responses[0].response.payload().end());
    if (!b.more) break;
  }
  EXPECT_EQ(got, body);
  EXPECT_EQ(link.client.counts().block_transfers, 0u);
}

}  // namespace
}  // namespace drover::coap::testing
