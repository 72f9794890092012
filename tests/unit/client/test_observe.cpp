// Information reporting: Observe, notification attributes and their firing rules, cancellation,
// Observe-Composite.
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

namespace codes = coap::codes;

class Observe : public RegisteredClient {
 protected:
  explicit Observe(ClientConfig config = test_config()) : RegisteredClient(std::move(config)) {}

  // Write-Attributes on `path` with `query` ("pmin=10&pmax=60").
  void attributes(std::string_view path, std::string_view query) {
    Message m = request(codes::Put, path);
    m.add_uri_queries(query);
    ASSERT_EQ(h.call(m).code, codes::Changed);
  }
  // Starts observing `path`; the first answer must accept.
  coap::RequestId observe(std::string_view path,
                          std::optional<ContentFormat> accept = std::nullopt) {
    Message m = get(path, accept);
    m.add_uint_option(coap::options::Observe, 0);
    const auto id = h.send(m);
    const auto first = h.take_response(id);
    EXPECT_TRUE(first.has_value());
    if (first) {
      EXPECT_EQ(first->code, codes::Content);
      EXPECT_TRUE(first->has_option(coap::options::Observe));
    }
    return id;
  }
  // The values carried by the notifications of `id` so far.
  std::vector<double> notified(coap::RequestId id) {
    std::vector<double> out;
    for (const auto& n : h.notifications(id)) {
      const auto records = decode(n, Path(3303, 0, 5700));
      if (records.size() == 1 && records[0].value.get_if<double>())
        out.push_back(records[0].value.get<double>());
    }
    return out;
  }
};

TEST_F(Observe, NotifiesEveryChangeWithoutAttributes) {
  const auto id = observe("/3303/0/5700");
  EXPECT_EQ(h.client.observation_count(), 1u);
  set_temperature(21);
  set_temperature(21);  // unchanged: nothing
  set_temperature(22);
  EXPECT_EQ(notified(id), (std::vector<double>{21, 22}));
  const auto served = h.events_of<RequestServed>();
  ASSERT_FALSE(served.empty());
  EXPECT_EQ(served.front().operation, Operation::Observe);
}

TEST_F(Observe, NotificationsKeepTheObservedFormat) {
  const auto id = observe("/3303/0", ContentFormat::SenmlJson);
  set_temperature(23);
  const auto n = h.notifications(id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].uint_option(coap::options::ContentFormat), 110u);
  const auto records = decode(n[0], Path(3303, 0));
  EXPECT_TRUE(std::any_of(records.begin(), records.end(), [](const Record& r) {
    return r.path == Path(3303, 0, 5700) && r.value == Value(23.0);
  }));
}

TEST_F(Observe, PminHoldsChangesUntilItExpires) {
  attributes("/3303/0/5700", "pmin=10");
  const auto id = observe("/3303/0/5700");
  h.advance(2s);
  set_temperature(21);
  h.advance(5s);
  set_temperature(22);
  EXPECT_TRUE(notified(id).empty());
  h.advance(2s);  // 9 s after the Observe
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);  // pmin expired: the latest value goes out
  EXPECT_EQ(notified(id), (std::vector<double>{22}));
  // The next change waits for pmin after that notification.
  set_temperature(23);
  h.advance(9s);
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{23}));
}

TEST_F(Observe, HeldChangeThatWentBackIsNotSent) {
  attributes("/3303/0/5700", "pmin=10");
  const auto id = observe("/3303/0/5700");
  set_temperature(25);
  set_temperature(20);
  h.advance(20s);
  EXPECT_TRUE(notified(id).empty());
}

TEST_F(Observe, PmaxNotifiesWithoutChange) {
  attributes("/3303/0/5700", "pmax=30");
  const auto id = observe("/3303/0/5700");
  h.advance(29s);
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{20}));
  h.advance(10s);
  set_temperature(21);  // a change restarts the pmax period
  EXPECT_EQ(notified(id), (std::vector<double>{21}));
  h.advance(29s);
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{21}));
}

TEST_F(Observe, PmaxBelowPminIsIgnored) {
  attributes("/3303/0/5700", "pmin=20&pmax=20");
  attributes("/3303/0/5700", "pmax");
  attributes("/3303/0", "pmax=5");  // inherited, below pmin: ignored
  const auto id = observe("/3303/0/5700");
  h.advance(60s);
  EXPECT_TRUE(notified(id).empty());
}

TEST_F(Observe, GreaterThanFiresOnUpwardCrossing) {
  attributes("/3303/0/5700", "gt=25");
  const auto id = observe("/3303/0/5700");
  set_temperature(24);  // below: nothing
  set_temperature(26);  // crosses upwards
  set_temperature(30);  // stays above
  set_temperature(20);  // crosses downwards: not for gt
  set_temperature(27);  // from the last notified 26: no crossing
  EXPECT_EQ(notified(id), (std::vector<double>{26}));
}

TEST_F(Observe, LessThanFiresOnDownwardCrossing) {
  attributes("/3303/0/5700", "lt=10");
  const auto id = observe("/3303/0/5700");
  set_temperature(11);
  set_temperature(9);
  set_temperature(12);  // upwards: not for lt
  set_temperature(5);   // still below the last notified 9
  EXPECT_EQ(notified(id), (std::vector<double>{9}));
}

class ObserveEither : public Observe {
 protected:
  static ClientConfig either() {
    ClientConfig c = test_config();
    c.threshold_crossing = ThresholdCrossing::Either;
    return c;
  }
  ObserveEither() : Observe(either()) {}
};

TEST_F(ObserveEither, ThresholdsFireInBothDirections) {
  attributes("/3303/0/5700", "gt=25&lt=10");
  const auto id = observe("/3303/0/5700");
  set_temperature(26);  // up through gt
  set_temperature(24);  // down through gt
  set_temperature(9);   // down through lt
  set_temperature(11);  // up through lt
  set_temperature(12);
  EXPECT_EQ(notified(id), (std::vector<double>{26, 24, 9, 11}));
}

TEST_F(Observe, TransportSpecExamplesForThresholds) {
  // The Transport TS examples with gt=45, st=10: 45 -> 50 fires (gt), 38 -> 49 fires (gt),
  // 48 -> 42 does not.
  attributes("/3303/0/5700", "gt=45&st=10");
  set_temperature(45);
  auto id = observe("/3303/0/5700");
  set_temperature(50);
  EXPECT_EQ(notified(id), (std::vector<double>{50}));
  set_temperature(38);  // |38 - 50| >= 10: st fires
  EXPECT_EQ(notified(id), (std::vector<double>{38}));
  set_temperature(49);
  EXPECT_EQ(notified(id), (std::vector<double>{49}));
  set_temperature(48);
  set_temperature(42);
  EXPECT_TRUE(notified(id).empty());
}

TEST_F(Observe, StepFiresFromTheLastNotifiedValue) {
  attributes("/3303/0/5700", "st=2");
  const auto id = observe("/3303/0/5700");
  set_temperature(21);
  set_temperature(21.9);
  set_temperature(22);  // 2 away from 20
  set_temperature(20.5);
  EXPECT_EQ(notified(id), (std::vector<double>{22}));
}

TEST_F(Observe, AttributesAreInheritedFromInstanceAndObject) {
  attributes("/3303", "pmin=10");
  attributes("/3303/0", "pmax=40");
  const auto id = observe("/3303/0/5700");
  set_temperature(21);
  h.advance(9s);
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{21}));
  h.advance(40s);
  EXPECT_EQ(notified(id), (std::vector<double>{21}));
  // The resource's own pmin wins over the object's.
  attributes("/3303/0/5700", "pmin=0");
  set_temperature(22);
  EXPECT_EQ(notified(id), (std::vector<double>{22}));
}

TEST_F(Observe, ServerDefaultPeriodsApply) {
  Message put = request(codes::Put, "/1/0/3");
  lwm2m::set_content_format(put, ContentFormat::Text);
  put.set_payload("15");
  ASSERT_EQ(h.call(put).code, codes::Changed);
  const auto id = observe("/3303/0/5700");
  h.advance(15s);
  EXPECT_EQ(notified(id), (std::vector<double>{20}));
}

TEST_F(Observe, EpmaxEvaluatesValuesChangedBehindTheClientsBack) {
  attributes("/3303/0/5700", "epmax=5");
  const auto id = observe("/3303/0/5700");
  h.client.instance_as<TemperatureSensor>(3303, 0)->record(30);  // no value_changed call
  h.advance(4s);
  EXPECT_TRUE(notified(id).empty());
  h.advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{30}));
}

TEST_F(Observe, EpminLimitsEvaluations) {
  attributes("/3303/0/5700", "epmin=10");
  const auto id = observe("/3303/0/5700");
  h.advance(3s);
  set_temperature(21);  // evaluated at 10 s
  EXPECT_TRUE(notified(id).empty());
  h.advance(7s);
  EXPECT_EQ(notified(id), (std::vector<double>{21}));
}

TEST_F(Observe, ObserveOfInstanceFiresOnAnyResource) {
  const auto id = observe("/3311/0");
  ASSERT_TRUE(h.client.set_value(Path(3311, 0, 5851), Value(std::int64_t{55}), h.now).has_value());
  h.pump();
  const auto n = h.notifications(id);
  ASSERT_EQ(n.size(), 1u);
  const auto records = decode(n[0], Path(3311, 0));
  EXPECT_EQ(records.size(), 5u);
  // A server Write fires it too.
  Message put = request(codes::Put, "/3311/0/5850");
  lwm2m::set_content_format(put, ContentFormat::Text);
  put.set_payload("1");
  ASSERT_EQ(h.call(put).code, codes::Changed);
  EXPECT_EQ(h.notifications(id).size(), 1u);
}

TEST_F(Observe, CancelWithObserveOneAndReset) {
  const auto id = observe("/3303/0/5700");
  Message cancel = get("/3303/0/5700");
  cancel.add_uint_option(coap::options::Observe, 1);
  // The engine's deregister sends GET Observe=1 with the same token.
  const auto dereg = h.server().engine.deregister(id, h.now);
  ASSERT_TRUE(dereg.has_value());
  h.pump();
  const auto answer = h.take_response(*dereg);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code, codes::Content);
  EXPECT_EQ(h.client.observation_count(), 0u);
  set_temperature(30);
  EXPECT_TRUE(h.notifications(id).empty());

  // Passive cancel: the server forgets it and resets the next notification.
  const auto id2 = observe("/3303/0/5700");
  ASSERT_TRUE(h.server().engine.cancel(id2).has_value());
  set_temperature(31);
  EXPECT_EQ(h.client.observation_count(), 0u);
}

TEST_F(Observe, DeletedInstanceEndsObservationWith404) {
  const auto id = observe("/3311/0/5851");
  ASSERT_EQ(h.call(request(codes::Delete, "/3311/0")).code, codes::Deleted);
  const auto n = h.notifications(id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].code, codes::NotFound);
  EXPECT_EQ(h.client.observation_count(), 0u);
}

TEST_F(Observe, ObserveErrorsAndLimits) {
  Message m = get("/3303/0/4444");
  m.add_uint_option(coap::options::Observe, 0);
  EXPECT_EQ(h.call(m).code, codes::NotFound);
  Message attrs = get("/3303/0/5700");
  attrs.add_uint_option(coap::options::Observe, 0);
  attrs.add_uri_queries("pmin=x");
  EXPECT_EQ(h.call(attrs).code, codes::BadRequest);
  EXPECT_EQ(h.client.observation_count(), 0u);
}

TEST(ObserveLimits, FullTableAnswersWithoutObserve) {
  ClientConfig config = test_config();
  config.max_observations_per_server = 1;
  ClientHarness h(config);
  ASSERT_TRUE(h.client.add_object(3303).has_value());
  ASSERT_TRUE(
      h.client.add_instance(3303, 0, std::make_unique<TemperatureSensor>(1.0), h.now).has_value());
  h.add_account();
  h.register_client();
  Message m = request(codes::Get, "/3303/0/5700");
  m.add_uint_option(coap::options::Observe, 0);
  EXPECT_TRUE(h.call(m).has_option(coap::options::Observe));
  const auto second = h.call(m);
  EXPECT_EQ(second.code, codes::Content);
  EXPECT_FALSE(second.has_option(coap::options::Observe));
  EXPECT_EQ(h.client.observation_count(), 1u);
}

TEST_F(Observe, ObservationAttributesInTheRequest) {
  // LwM2M 1.2: attributes in the Observe request apply to that observation only.
  Message m = get("/3303/0/5700");
  m.add_uint_option(coap::options::Observe, 0);
  m.add_uri_queries("pmax=7");
  const auto id = h.send(m);
  ASSERT_TRUE(h.take_response(id).has_value());
  h.advance(7s);
  EXPECT_EQ(notified(id), (std::vector<double>{20}));
}

TEST_F(Observe, ConfirmableWhenConIsSet) {
  attributes("/3303/0/5700", "con=1");
  const auto id = observe("/3303/0/5700");
  h.server().connected = false;  // the CON notification is not acknowledged
  set_temperature(25);
  h.advance(100s);  // retransmissions give up: the observation ends
  EXPECT_EQ(h.client.observation_count(), 0u);
  (void)id;
}

TEST_F(Observe, CompositeObservationNotifiesAllPaths) {
  Message m = request(coap::codes::Fetch, "/");
  const std::vector<Record> paths = {{Path(3303, 0, 5700), {}, std::nullopt},
                                     {Path(3311, 0, 5850), {}, std::nullopt}};
  std::vector<std::uint8_t> payload;
  ASSERT_FALSE(lwm2m::encode(ContentFormat::SenmlCbor, paths, Path(), payload));
  lwm2m::set_content_format(m, ContentFormat::SenmlCbor);
  m.set_payload(payload);
  m.add_uint_option(coap::options::Observe, 0);
  m.add_uri_queries("pmin=5");
  const auto id = h.send(m);
  const auto first = h.take_response(id);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->has_option(coap::options::Observe));
  EXPECT_EQ(decode(*first, Path()).size(), 2u);
  EXPECT_EQ(h.events_of<RequestServed>().back().operation, Operation::ObserveComposite);

  ASSERT_TRUE(h.client.set_value(Path(3311, 0, 5850), Value(true), h.now).has_value());
  h.pump();
  EXPECT_TRUE(h.notifications(id).empty());  // pmin
  h.advance(5s);
  const auto n = h.notifications(id);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(decode(n[0], Path()),
            (std::vector<Record>{{Path(3303, 0, 5700), Value(20.0), std::nullopt},
                                 {Path(3311, 0, 5850), Value(true), std::nullopt}}));
  // Value conditions are refused in a composite observation.
  m.remove_option(coap::options::UriQuery);
  m.add_uri_queries("gt=3");
  EXPECT_EQ(h.call(m).code, codes::BadRequest);
}

TEST_F(Observe, ReRegistrationDropsObservations) {
  observe("/3303/0/5700");
  ASSERT_TRUE(h.client.trigger_update(1, h.now).has_value());
  h.pump();
  h.respond(h.next_request(), codes::NotFound);  // registration lost: Register again
  h.accept_register("new");
  EXPECT_EQ(h.client.observation_count(), 0u);
}

}  // namespace
}  // namespace drover::client::testing
