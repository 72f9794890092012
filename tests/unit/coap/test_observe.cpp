// Observe (RFC 7641) through the engine, both roles.
#include "drover/coap/block_option.hpp"
#include "unit/coap/test_engine_harness.hpp"

namespace drover::coap::testing {
namespace {

Message observe_request(std::string_view path) {
  Message m = get_request(path);
  m.add_uint_option(options::Observe, 0);
  return m;
}

Message content(std::string_view text, Code code = codes::Content) {
  Message m;
  m.code = code;
  m.set_payload(text);
  return m;
}

// A link with an established observation of /obs.
struct Observed {
  explicit Observed(EngineConfig client_config = {}, EngineConfig server_config = {})
      : link(client_config, server_config) {
    link.on_server_event = content_server(link, {'v', '0'}, &observers);
    auto r = link.client.send_request(kServerAddr, observe_request("/obs"), link.now);
    EXPECT_TRUE(r);
    id = *r;
    link.run();
    EXPECT_EQ(observers.size(), 1u);
  }
  ObserverId observer() const { return observers.at(0); }
  void notify(std::string_view text, NotifyOptions options = {}) {
    ASSERT_TRUE(link.server.notify(observer(), content(text), link.now, options));
    link.run();
  }

  Link link;
  std::vector<ObserverId> observers;
  RequestId id;
};

TEST(Observe, RegistrationThenNotificationsInOrder) {
  Observed o;
  auto responses = only<ResponseReceived>(o.link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].request, o.id);
  EXPECT_TRUE(responses[0].response.has_option(options::Observe));
  EXPECT_EQ(responses[0].response.payload_string(), "v0");

  for (std::string text : {"v1", "v2", "v3"}) o.notify(text);
  auto notes = only<NotificationReceived>(o.link.client_events);
  ASSERT_EQ(notes.size(), 3u);
  std::uint32_t last = *responses[0].response.uint_option(options::Observe);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(notes[i].request, o.id);
    EXPECT_EQ(notes[i].notification.payload_string(), "v" + std::to_string(i + 1));
    EXPECT_FALSE(notes[i].last);
    std::uint32_t seq = *notes[i].notification.uint_option(options::Observe);
    EXPECT_GT(seq, last);
    last = seq;
  }
  // Notifications are NON by default and carry the registration's token.
  auto from_server = o.link.sent_by(false);
  auto token = o.link.sent_by(true)[0].token;
  for (std::size_t i = 1; i < from_server.size(); ++i) {
    EXPECT_EQ(from_server[i].type, Type::Non);
    EXPECT_EQ(from_server[i].token, token);
  }
  EXPECT_EQ(o.link.server.counts().observers, 1u);
  EXPECT_EQ(o.link.client.counts().client_requests, 1u);
}

TEST(Observe, StaleNotificationsAreDropped) {
  Engine client({}, 3);
  TimePoint now = start_time();
  auto id = client.send_request(kServerAddr, observe_request("/o"), now);
  ASSERT_TRUE(id);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  auto token_bytes = sent[0].msg.token.bytes();
  std::vector<std::uint8_t> token(token_bytes.begin(), token_bytes.end());

  Message first = make_message(Type::Ack, codes::Content, sent[0].msg.message_id, token);
  first.add_uint_option(options::Observe, 0xfffff0);
  client.receive(kServerAddr, to_bytes(first), now);
  ASSERT_EQ(only<ResponseReceived>(events_of(client)).size(), 1u);

  std::uint16_t mid = 500;
  auto notify = [&](std::uint32_t seq, TimePoint at) {
    Message n = make_message(Type::Non, codes::Content, mid++, token);
    n.add_uint_option(options::Observe, seq);
    client.receive(kServerAddr, to_bytes(n), at);
    return only<NotificationReceived>(events_of(client)).size();
  };
  EXPECT_EQ(notify(0xfffff5, now + 1s), 1u);
  EXPECT_EQ(notify(0xfffff3, now + 2s), 0u);  // older
  EXPECT_EQ(notify(2, now + 3s), 1u);         // newer across the 24-bit wrap
  EXPECT_EQ(notify(0xfffffe, now + 4s), 0u);  // older across the wrap
  EXPECT_EQ(notify(1, now + 140s), 1u);       // older, but more than 128 s later
  EXPECT_EQ(client.stats().stale_notifications, 2u);
}

TEST(Observe, PassiveCancelAnswersTheNextNotificationWithReset) {
  Observed o;
  ASSERT_TRUE(o.link.client.cancel(o.id));
  o.notify("v1");
  EXPECT_TRUE(only<NotificationReceived>(o.link.client_events).empty());
  auto removed = only<ObserverRemoved>(o.link.server_events);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].observer, o.observer());
  EXPECT_EQ(removed[0].reason, ObserverRemovalReason::Reset);
  EXPECT_EQ(o.link.server.counts().observers, 0u);
  EXPECT_FALSE(o.link.server.notify(o.observer(), content("v2"), o.link.now));
}

// A notification the application does not admit (from a session of another credential, say) is
// answered with RST and not delivered; the observation stays.
TEST(Observe, NotificationNotAdmittedGetsResetAndKeepsTheObservation) {
  Observed o;
  bool admit = true;
  o.link.client.admit_notifications([&](const PeerAddress& peer, RequestId observation) {
    EXPECT_EQ(peer, kServerAddr);
    EXPECT_EQ(observation, o.id);
    return admit;
  });
  o.notify("v1");
  EXPECT_EQ(only<NotificationReceived>(o.link.client_events).size(), 1u);
  admit = false;
  o.notify("v2");
  EXPECT_EQ(only<NotificationReceived>(o.link.client_events).size(), 1u);
  EXPECT_EQ(o.link.client.stats().refused_notifications, 1u);
  const auto removed = only<ObserverRemoved>(o.link.server_events);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, ObserverRemovalReason::Reset);
  EXPECT_EQ(o.link.client.counts().client_requests, 1u);
}

TEST(Observe, ActiveCancelSendsObserveOne) {
  Observed o;
  auto dereg = o.link.client.deregister(o.id, o.link.now);
  ASSERT_TRUE(dereg);
  o.link.run();
  auto from_client = o.link.sent_by(true);
  const Message& last = from_client.back();
  EXPECT_EQ(last.code, codes::Get);
  EXPECT_EQ(last.uint_option(options::Observe), 1u);
  EXPECT_EQ(last.token, from_client[0].token);
  EXPECT_EQ(last.uri_path(), "/obs");

  auto removed = only<ObserverRemoved>(o.link.server_events);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, ObserverRemovalReason::Deregistered);
  auto responses = only<ResponseReceived>(o.link.client_events);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[1].request, *dereg);
  EXPECT_FALSE(responses[1].response.has_option(options::Observe));
  EXPECT_EQ(o.link.client.counts().client_requests, 0u);
  EXPECT_EQ(o.link.server.counts().observers, 0u);
}

TEST(Observe, EveryNthNotificationIsConfirmable) {
  EngineConfig server_config;
  server_config.notification_con_every = 3;
  Observed o({}, server_config);
  for (int i = 1; i <= 6; ++i) o.notify("v" + std::to_string(i));
  std::vector<Type> types;
  auto from_server = o.link.sent_by(false);
  for (std::size_t i = 1; i < from_server.size(); ++i) types.push_back(from_server[i].type);
  EXPECT_EQ(types,
            (std::vector<Type>{Type::Non, Type::Non, Type::Con, Type::Non, Type::Non, Type::Con}));
  EXPECT_EQ(o.link.server.counts().retransmissions, 0u);  // acknowledged
  EXPECT_EQ(only<NotificationReceived>(o.link.client_events).size(), 6u);
}

TEST(Observe, ANotificationIsConfirmableAtLeastEveryDay) {
  Observed o;
  o.notify("v1");
  o.link.advance(std::chrono::hours(24));
  o.notify("v2");
  auto from_server = o.link.sent_by(false);
  ASSERT_EQ(from_server.size(), 3u);
  EXPECT_EQ(from_server[1].type, Type::Non);
  EXPECT_EQ(from_server[2].type, Type::Con);
}

TEST(Observe, UnacknowledgedConNotificationRemovesTheObserver) {
  Observed o;
  o.link.deliver = [](bool from_client, const Message&) {
    return !from_client;
  };  // the client's ACKs are lost
  o.notify("v1", NotifyOptions{.confirmable = true});
  o.link.advance(100s);
  auto removed = only<ObserverRemoved>(o.link.server_events);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, ObserverRemovalReason::Timeout);
  EXPECT_EQ(o.link.server.counts().observers, 0u);
  // The client saw the notification once, though it was retransmitted four times.
  EXPECT_EQ(only<NotificationReceived>(o.link.client_events).size(), 1u);
  // An ACK arriving after the server gave up matches nothing.
  auto notifications = o.link.sent_by(false);
  ASSERT_FALSE(notifications.empty());
  const std::uint16_t mid = notifications.back().message_id;
  o.link.server.receive(kClientAddr, to_bytes(make_message(Type::Ack, codes::Empty, mid)),
                        o.link.now);
  EXPECT_EQ(o.link.server.stats().unmatched, 1u);
  EXPECT_TRUE(drain(o.link.server).empty());
}

TEST(Observe, NotificationDownloadWhileTheReregistrationWaitsIsQueuedOnce) {
  Engine client({}, 1);  // NSTART 1
  TimePoint now = start_time();
  auto obs = client.send_request(kServerAddr, observe_request("/obs"), now);
  ASSERT_TRUE(obs);
  auto sent = drain(client);
  ASSERT_EQ(sent.size(), 1u);
  const Message reg = sent[0].msg;
  Message accepted = make_message(Type::Ack, codes::Content, reg.message_id);
  accepted.token = reg.token;
  accepted.add_uint_option(options::Observe, 1);
  client.receive(kServerAddr, to_bytes(accepted), now);
  ASSERT_EQ(only<ResponseReceived>(events_of(client)).size(), 1u);

  ASSERT_TRUE(client.send_request(kServerAddr, get_request("/other"), now));  // takes the slot
  const Message other = drain(client).at(0).msg;
  ASSERT_TRUE(client.reregister(*obs, now));
  EXPECT_TRUE(drain(client).empty());
  EXPECT_EQ(client.counts().queued_requests, 1u);

  // A notification in blocks: fetching the rest waits in the re-registration's place in line.
  Message first_block = make_message(Type::Non, codes::Content, 0x100);
  first_block.token = reg.token;
  first_block.add_uint_option(options::Observe, 2);
  write_block(first_block, options::Block2, BlockOption{0, true, 2});
  first_block.set_payload(body_of(64));
  client.receive(kServerAddr, to_bytes(first_block), now);
  EXPECT_EQ(client.counts().queued_requests, 1u);

  Message answer = make_message(Type::Ack, codes::Content, other.message_id);
  answer.token = other.token;
  client.receive(kServerAddr, to_bytes(answer), now);  // frees the slot
  auto follow_up = drain(client);
  ASSERT_EQ(follow_up.size(), 1u);
  BlockOption asked;
  ASSERT_EQ(read_block(follow_up[0].msg, options::Block2, asked), BlockRead::Valid);
  EXPECT_EQ(asked.num, 1u);
  EXPECT_EQ(client.counts().queued_requests, 0u);

  Message last_block = make_message(Type::Ack, codes::Content, follow_up[0].msg.message_id);
  last_block.token = follow_up[0].msg.token;
  write_block(last_block, options::Block2, BlockOption{1, false, 2});
  last_block.set_payload(body_of(10));
  client.receive(kServerAddr, to_bytes(last_block), now);
  auto notifications = only<NotificationReceived>(events_of(client));
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0].notification.payload().size(), 74u);
  EXPECT_TRUE(drain(client).empty());
  EXPECT_EQ(client.counts().queued_requests, 0u);
  ASSERT_TRUE(client.cancel(*obs));
  EXPECT_EQ(client.counts().client_requests, 0u);
  EXPECT_EQ(client.counts().queued_requests, 0u);
}

TEST(Observe, NewerNotificationReplacesAnUnacknowledgedOne) {
  Observed o;
  o.link.deliver = [](bool from_client, const Message&) { return !from_client; };
  o.notify("v1", NotifyOptions{.confirmable = true});
  o.link.advance(2500ms);
  o.notify("v2");  // must be CON as well, and replaces v1's retransmission
  o.link.deliver = [](bool, const Message&) { return true; };
  o.link.advance(60s);
  std::size_t v1 = 0, v2 = 0;
  for (const auto& m : o.link.sent_by(false)) {
    v1 += m.payload_string() == "v1" ? 1u : 0u;
    if (m.payload_string() == "v2") {
      ++v2;
      EXPECT_EQ(m.type, Type::Con);
    }
  }
  EXPECT_LE(v1, 2u);  // at most one retransmission before v2 took over
  EXPECT_GE(v2, 1u);
  EXPECT_EQ(o.link.server.counts().retransmissions, 0u);
  EXPECT_EQ(o.link.server.counts().observers, 1u);
}

TEST(Observe, ErrorNotificationEndsTheObservation) {
  Observed o;
  ASSERT_TRUE(o.link.server.notify(o.observer(), content("", codes::NotFound), o.link.now));
  o.link.run();
  auto notes = only<NotificationReceived>(o.link.client_events);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(notes[0].last);
  EXPECT_EQ(notes[0].notification.code, codes::NotFound);
  EXPECT_FALSE(notes[0].notification.has_option(options::Observe));
  EXPECT_EQ(o.link.client.counts().client_requests, 0u);
  EXPECT_EQ(o.link.server.counts().observers, 0u);
}

TEST(Observe, ReregistrationKeepsTheObserver) {
  Observed o;
  o.notify("v1");
  ASSERT_TRUE(o.link.client.reregister(o.id, o.link.now));
  o.link.run();
  ASSERT_EQ(o.observers.size(), 2u);
  EXPECT_EQ(o.observers[1], o.observers[0]);
  auto notes = only<NotificationReceived>(o.link.client_events);
  ASSERT_EQ(notes.size(), 2u);  // v1, then the answer to the re-registration
  EXPECT_GT(*notes[1].notification.uint_option(options::Observe),
            *notes[0].notification.uint_option(options::Observe));
  EXPECT_EQ(o.link.server.counts().observers, 1u);
}

TEST(Observe, DeclinedRegistrationIsAnOrdinaryResponse) {
  Link link;
  link.on_server_event = [&link](Event& e) {
    if (auto* r = std::get_if<RequestReceived>(&e)) {
      auto result = link.server.respond(r->exchange, content("plain"), link.now);
      ASSERT_TRUE(result);
      EXPECT_FALSE(result.value().has_value());
    }
  };
  ASSERT_TRUE(link.client.send_request(kServerAddr, observe_request("/o"), link.now));
  link.run();
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_FALSE(responses[0].response.has_option(options::Observe));
  EXPECT_EQ(link.client.counts().client_requests, 0u);
  EXPECT_EQ(link.server.counts().observers, 0u);
}

TEST(Observe, ObserverTableIsBounded) {
  EngineConfig server_config;
  server_config.max_observers = 1;
  Link link({}, server_config);
  std::vector<ObserverId> observers;
  link.on_server_event = content_server(link, {'x'}, &observers);
  ASSERT_TRUE(link.client.send_request(kServerAddr, observe_request("/a"), link.now));
  ASSERT_TRUE(link.client.send_request(kServerAddr, observe_request("/b"), link.now));
  link.run();
  EXPECT_EQ(observers.size(), 1u);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_TRUE(responses[0].response.has_option(options::Observe));
  EXPECT_FALSE(responses[1].response.has_option(options::Observe));  // answered, not observed
  EXPECT_EQ(link.client.counts().client_requests, 1u);
}

TEST(Observe, ClientObservationsAreBounded) {
  EngineConfig c;
  c.max_observations = 1;
  Engine client(c, 1);
  ASSERT_TRUE(client.send_request(kServerAddr, observe_request("/a"), start_time()));
  auto r = client.send_request(kServerAddr, observe_request("/b"), start_time());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Error::TooManyObservations);
}

TEST(Observe, LargeNotificationsArriveWhole) {
  Link link;
  std::vector<ObserverId> observers;
  auto big = body_of(3000);
  link.on_server_event = content_server(link, big, &observers);
  auto id = link.client.send_request(kServerAddr, observe_request("/big"), link.now);
  ASSERT_TRUE(id);
  link.run();
  ASSERT_EQ(observers.size(), 1u);
  auto responses = only<ResponseReceived>(link.client_events);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(payload_of(responses[0].response), big);
  EXPECT_TRUE(responses[0].response.has_option(options::Observe));

  auto bigger = body_of(2500);
  bigger[0] = 0x42;
  Message n;
  n.code = codes::Content;
  n.set_payload(bigger);
  ASSERT_TRUE(link.server.notify(observers[0], std::move(n), link.now));
  link.run();
  auto notes = only<NotificationReceived>(link.client_events);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(payload_of(notes[0].notification), bigger);
  EXPECT_FALSE(notes[0].notification.has_option(options::Block2));
  // The follow-up blocks came from the server's cache, not from the application.
  EXPECT_EQ(only<RequestReceived>(link.server_events).size(), 1u);
  EXPECT_EQ(link.client.counts().block_transfers, 0u);
}

TEST(Observe, StateReturnsToZeroAfterCancel) {
  Observed o;
  o.notify("v1");
  ASSERT_TRUE(o.link.client.deregister(o.id, o.link.now));
  o.link.run();
  o.link.advance(o.link.client.config().exchange_lifetime + 1s);
  EXPECT_TRUE(all_zero(o.link.client.counts()));
  EXPECT_TRUE(all_zero(o.link.server.counts()));
}

}  // namespace
}  // namespace drover::coap::testing

namespace drover::coap::testing {
namespace {

// Observations are bounded by max_observations, not by max_exchanges: an engine observing more
// peers than it may have exchanges under way still takes requests and makes new ones.
TEST(Observe, EstablishedObservationsDoNotUseTheExchangeBudget) {
  EngineConfig client_config;
  client_config.max_exchanges = 2;
  client_config.max_observations = 8;
  Link link(client_config, {});
  std::vector<ObserverId> observers;
  link.on_server_event = content_server(link, {'v', '0'}, &observers);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(link.client.send_request(kServerAddr, observe_request("/obs" + std::to_string(i)),
                                         link.now));
    link.run();
  }
  EXPECT_EQ(observers.size(), 6u);
  // A plain request still goes out, and a request from another peer is still taken.
  EXPECT_TRUE(link.client.send_request(kServerAddr, get_request("/x"), link.now));
  link.client.receive(PeerAddress::loopback_v4(7777),
                      to_bytes(make_message(Type::Con, codes::Get, 42, {9})), link.now);
  EXPECT_EQ(only<RequestReceived>(events_of(link.client)).size(), 1u);
}

}  // namespace
}  // namespace drover::coap::testing
