// Message layer of the engine: retransmission, deduplication, separate responses, ping, NSTART.
#include <set>

#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

struct Transmission {
  TimePoint at;
  Message msg;
};

// Runs `e` against a peer that never answers, until the request fails or `limit` passes.
std::vector<Transmission> run_into_void(Engine& e, TimePoint t0,
                                        std::optional<RequestFailed>& failed, TimePoint& failed_at,
                                        Duration limit = 600s) {
  std::vector<Transmission> sent;
  for (auto& s : drain(e)) sent.push_back({t0, s.msg});
  while (auto next = e.next_expiry()) {
    if (*next > t0 + limit) break;
    e.on_timer(*next);
    for (auto& s : drain(e)) sent.push_back({*next, s.msg});
    for (auto& f : only<RequestFailed>(events_of(e))) {
      failed = f;
      failed_at = *next;
    }
    if (failed) break;
  }
  return sent;
}

TEST(Reliability, RetransmitsWithExponentialBackoffThenGivesUp) {
  Engine e({}, 7);
  TimePoint t0 = start_time();
  auto id = e.send_request(kServerAddr, get_request("/a"), t0);
  ASSERT_TRUE(id);
  std::optional<RequestFailed> failed;
  TimePoint failed_at;
  auto sent = run_into_void(e, t0, failed, failed_at);

  ASSERT_EQ(sent.size(), 5u);  // the original and MAX_RETRANSMIT = 4 retransmissions
  for (const auto& s : sent) {
    EXPECT_EQ(s.msg.type, Type::Con);
    EXPECT_EQ(s.msg.message_id, sent[0].msg.message_id);
    EXPECT_EQ(s.msg.token, sent[0].msg.token);
  }
  Duration first = sent[1].at - sent[0].at;  // ACK_TIMEOUT * random [1, ACK_RANDOM_FACTOR]
  EXPECT_GE(first, 2s);
  EXPECT_LE(first, 3s);
  EXPECT_EQ(sent[2].at - sent[1].at, 2 * first);
  EXPECT_EQ(sent[3].at - sent[2].at, 4 * first);
  EXPECT_EQ(sent[4].at - sent[3].at, 8 * first);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->request, *id);
  EXPECT_EQ(failed->reason, FailureReason::Timeout);
  EXPECT_EQ(failed_at - sent[4].at, 16 * first);  // gives up after the last timeout
}

TEST(Reliability, InitialTimeoutIsRandomWithinTheWindow) {
  std::set<Duration::rep> seen;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Engine e({}, seed);
    TimePoint t0 = start_time();
    ASSERT_TRUE(e.send_request(kServerAddr, get_request("/a"), t0));
    drain(e);
    auto next = e.next_expiry();
    ASSERT_TRUE(next);
    EXPECT_GE(*next - t0, 2s);
    EXPECT_LE(*next - t0, 3s);
    seen.insert((*next - t0).count());
  }
  EXPECT_GT(seen.size(), 10u);
}

TEST(Reliability, TransmissionParametersAreConfigurable) {
  EngineConfig c;
  c.ack_timeout = 1s;
  c.ack_random_factor = 1.0;
  c.max_retransmit = 2;
  Engine e(c, 3);
  TimePoint t0 = start_time();
  ASSERT_TRUE(e.send_request(kServerAddr, get_request("/a"), t0));
  std::optional<RequestFailed> failed;
  TimePoint failed_at;
  auto sent = run_into_void(e, t0, failed, failed_at);
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].at - t0, 1s);
  EXPECT_EQ(sent[2].at - t0, 3s);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed_at - t0, 7s);
}

TEST(Reliability, AckStopsRetransmission) {
  Link link;
  ASSERT_TRUE(link.client.send_request(kServerAddr, get_request("/a"), link.now));
  link.run();
  link.advance(100s);  // the server application has not answered; its empty ACK went out after 1 s
  auto from_client = link.sent_by(true);
  ASSERT_EQ(from_client.size(), 1u);
  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 1u);
  EXPECT_EQ(from_server[0].type, Type::Ack);
  EXPECT_TRUE(from_server[0].code.is_empty());
  EXPECT_EQ(from_server[0].message_id, from_client[0].message_id);
}

TEST(Reliability, DuplicateConRequestGetsTheCachedPiggybackedResponse) {
  Engine server({}, 1);
  TimePoint now = start_time();
  Message req = make_message(Type::Con, codes::Get, 100, {1, 2});
  req.set_uri_path("/x");
  auto bytes = to_bytes(req);
  server.receive(kClientAddr, bytes, now);
  auto events = events_of(server);
  ASSERT_EQ(only<RequestReceived>(events).size(), 1u);
  Message resp;
  resp.code = codes::Content;
  resp.set_payload("hello");
  ASSERT_TRUE(server.respond(only<RequestReceived>(events)[0].exchange, std::move(resp), now));
  Transmit t;
  ASSERT_TRUE(server.poll_transmit(t));
  std::vector<std::uint8_t> first(t.bytes.begin(), t.bytes.end());
  Message ack = parse_ok(first);
  EXPECT_EQ(ack.type, Type::Ack);
  EXPECT_EQ(ack.message_id, 100);
  EXPECT_EQ(ack.code, codes::Content);

  server.receive(kClientAddr, bytes, now + 5s);
  ASSERT_TRUE(server.poll_transmit(t));
  EXPECT_EQ(std::vector<std::uint8_t>(t.bytes.begin(), t.bytes.end()), first);
  EXPECT_TRUE(events_of(server).empty());  // not delivered twice
  EXPECT_EQ(server.stats().duplicates, 1u);
}

TEST(Reliability, DuplicateBeforeTheAnswerIsIgnoredThenGetsTheEmptyAck) {
  Engine server({}, 1);
  TimePoint now = start_time();
  auto bytes = to_bytes(make_message(Type::Con, codes::Get, 7, {9}));
  server.receive(kClientAddr, bytes, now);
  auto requests = only<RequestReceived>(events_of(server));
  ASSERT_EQ(requests.size(), 1u);
  server.receive(kClientAddr, bytes, now + 500ms);
  EXPECT_TRUE(drain(server).empty());  // still with the application

  server.on_timer(now + 1s);  // piggyback_delay passed: empty ACK
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Ack);
  EXPECT_TRUE(sent[0].msg.code.is_empty());
  EXPECT_EQ(sent[0].msg.message_id, 7);

  server.receive(kClientAddr, bytes, now + 3s);
  sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].msg.code.is_empty());
  EXPECT_TRUE(events_of(server).empty());
}

TEST(Reliability, DuplicateNonRequestIsDroppedSilently) {
  Engine server({}, 1);
  TimePoint now = start_time();
  auto bytes = to_bytes(make_message(Type::Non, codes::Get, 8, {1}));
  server.receive(kClientAddr, bytes, now);
  server.receive(kClientAddr, bytes, now + 1s);
  EXPECT_EQ(only<RequestReceived>(events_of(server)).size(), 1u);
  EXPECT_TRUE(drain(server).empty());
}

TEST(Reliability, SeparateResponseIsConfirmableAndAcknowledged) {
  Link link;
  auto id = link.client.send_request(kServerAddr, get_request("/slow"), link.now);
  ASSERT_TRUE(id);
  link.advance(5s);
  auto request = link.last_request();
  ASSERT_EQ(link.sent_by(false).size(), 1u);  // the empty ACK
  Message resp;
  resp.code = codes::Content;
  resp.set_payload("late");
  auto r = link.server.respond(request.exchange, std::move(resp), link.now);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r.value().has_value());
  link.run();

  auto from_server = link.sent_by(false);
  ASSERT_EQ(from_server.size(), 2u);
  EXPECT_EQ(from_server[1].type, Type::Con);
  EXPECT_EQ(from_server[1].code, codes::Content);
  EXPECT_NE(from_server[1].message_id, from_server[0].message_id);
  auto from_client = link.sent_by(true);
  ASSERT_EQ(from_client.size(), 2u);
  EXPECT_EQ(from_client[1].type, Type::Ack);  // the client acknowledges the separate response
  EXPECT_EQ(from_client[1].message_id, from_server[1].message_id);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, *id);
  EXPECT_EQ(responses[0].response.payload_string(), "late");
  EXPECT_EQ(link.server.counts().server_exchanges, 0u);
  EXPECT_EQ(link.server.counts().retransmissions, 0u);
}

TEST(Reliability, AcceptSendsTheEmptyAckAtOnce) {
  Engine server({}, 1);
  TimePoint now = start_time();
  server.receive(kClientAddr, to_bytes(make_message(Type::Con, codes::Post, 11, {4})), now);
  auto requests = only<RequestReceived>(events_of(server));
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_TRUE(server.accept(requests[0].exchange, now));
  auto sent = drain(server);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.type, Type::Ack);
  EXPECT_TRUE(sent[0].msg.code.is_empty());
}

TEST(Reliability, ResponseWhoseAckWasLostAlsoAcknowledgesTheRequest) {
  Engine client({}, 5);
  TimePoint now = start_time();
  auto id = client.send_request(kServerAddr, get_request("/a"), now);
  ASSERT_TRUE(id);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  Message resp = make_message(Type::Con, codes::Content, 999);
  resp.token = sent[0].msg.token;
  client.receive(kServerAddr, to_bytes(resp), now + 1s);
  auto acks = drain(client);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].msg.type, Type::Ack);
  EXPECT_EQ(acks[0].msg.message_id, 999);
  EXPECT_EQ(only<ResponseReceived>(events_of(client)).size(), 1u);
  client.on_timer(now + 60s);
  EXPECT_TRUE(drain(client).empty());  // no retransmission of the answered request
}

TEST(Reliability, ResetFailsTheRequest) {
  Engine client({}, 5);
  TimePoint now = start_time();
  auto id = client.send_request(kServerAddr, get_request("/a"), now);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  client.receive(kServerAddr,
                 to_bytes(make_message(Type::Rst, codes::Empty, sent[0].msg.message_id)), now);
  auto failed = only<RequestFailed>(events_of(client));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].request, *id);
  EXPECT_EQ(failed[0].reason, FailureReason::Reset);
}

TEST(Reliability, PiggybackedResponseWithAnotherTokenIsIgnored) {
  Engine client({}, 5);
  TimePoint now = start_time();
  ASSERT_TRUE(client.send_request(kServerAddr, get_request("/a"), now));
  auto sent = drain(client);
  Message resp = make_message(Type::Ack, codes::Content, sent[0].msg.message_id, {0xde, 0xad});
  client.receive(kServerAddr, to_bytes(resp), now);
  EXPECT_TRUE(events_of(client).empty());
  EXPECT_EQ(client.stats().unmatched, 1u);
}

TEST(Reliability, NonRequestGetsNonResponse) {
  Link link;
  link.on_server_event = content_server(link, {'o', 'k'});
  RequestOptions non;
  non.confirmable = false;
  auto id = link.client.send_request(kServerAddr, get_request("/n"), link.now, non);
  ASSERT_TRUE(id);
  link.run();
  for (const auto& s : link.wire) EXPECT_EQ(s.msg.type, Type::Non);
  ASSERT_EQ(link.wire.size(), 2u);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].response.payload_string(), "ok");
}

TEST(Reliability, PingIsAnsweredWithReset) {
  Link link;
  auto id = link.client.ping(kServerAddr, link.now);
  ASSERT_TRUE(id);
  link.run();
  ASSERT_EQ(link.wire.size(), 2u);
  EXPECT_EQ(link.wire[0].msg.type, Type::Con);
  EXPECT_TRUE(link.wire[0].msg.code.is_empty());
  EXPECT_EQ(link.wire[1].msg.type, Type::Rst);
  EXPECT_EQ(link.wire[1].msg.message_id, link.wire[0].msg.message_id);
  auto pongs = only<PongReceived>(link.client_events);
  ASSERT_EQ(pongs.size(), 1u);
  EXPECT_EQ(pongs[0].ping, *id);
  EXPECT_TRUE(link.server_events.empty());
}

TEST(Reliability, PingWithoutAnswerTimesOut) {
  Engine e({}, 9);
  TimePoint t0 = start_time();
  auto id = e.ping(kServerAddr, t0);
  ASSERT_TRUE(id);
  std::optional<RequestFailed> failed;
  TimePoint failed_at;
  run_into_void(e, t0, failed, failed_at);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->request, *id);
  EXPECT_EQ(failed->reason, FailureReason::Timeout);
}

TEST(Reliability, NstartKeepsFurtherRequestsQueued) {
  EngineConfig c;
  c.max_queued_requests_per_peer = 2;
  Engine client(c, 4);
  TimePoint now = start_time();
  auto a = client.send_request(kServerAddr, get_request("/a"), now);
  auto b = client.send_request(kServerAddr, get_request("/b"), now);
  auto d = client.send_request(kServerAddr, get_request("/c"), now);
  ASSERT_TRUE(a && b && d);
  auto full = client.send_request(kServerAddr, get_request("/d"), now);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error(), Error::QueueFull);
  EXPECT_EQ(client.counts().queued_requests, 2u);
  // Another peer has its own slot.
  EXPECT_TRUE(client.send_request(PeerAddress::loopback_v4(9999), get_request("/e"), now));

  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].msg.uri_path(), "/a");
  // The empty ACK ends the outstanding interaction: the next request goes.
  client.receive(kServerAddr,
                 to_bytes(make_message(Type::Ack, codes::Empty, sent[0].msg.message_id)), now);
  sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.uri_path(), "/b");
  // A piggybacked response does too.
  Message resp = make_message(Type::Ack, codes::Content, sent[0].msg.message_id);
  resp.token = sent[0].msg.token;
  client.receive(kServerAddr, to_bytes(resp), now);
  sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].msg.uri_path(), "/c");
  EXPECT_EQ(client.counts().queued_requests, 0u);
}

TEST(Reliability, CancellingAQueuedRequestFreesItsPlace) {
  Engine client({}, 4);
  TimePoint now = start_time();
  auto a = client.send_request(kServerAddr, get_request("/a"), now);
  auto b = client.send_request(kServerAddr, get_request("/b"), now);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(client.cancel(*b));
  EXPECT_EQ(client.counts().queued_requests, 0u);
  ASSERT_TRUE(client.cancel(*a));
  EXPECT_FALSE(client.cancel(*a));
  EXPECT_EQ(client.counts().client_requests, 0u);
  EXPECT_TRUE(events_of(client).empty());
}

}  // namespace
}  // namespace drover::coap::testing
