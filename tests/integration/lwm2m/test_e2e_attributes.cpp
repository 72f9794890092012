// Notification attributes end to end: the server writes them (Write-Attributes), then observes;
// the client's notifications follow lt, st, epmin, epmax and the attributes inherited from the
// object and the instance.
#include "e2e_harness.hpp"

namespace drover::e2e {
namespace {

using lwm2m::Attribute;

const Path kSensor(3303, 0, 5700);

class Attributes : public E2e {
 protected:
  void write_attributes(const Path& path, std::initializer_list<std::pair<Attribute, double>> set) {
    lwm2m::AttributeUpdate update;
    for (const auto& [attribute, value] : set) update.set.set(attribute, value);
    const auto r = result(server().write_attributes(ep, path, update, {}, now));
    ASSERT_EQ(r.status, OperationStatus::Success) << path.to_string() << ": " << r.diagnostic;
  }
  server::OperationId observe(const Path& path = kSensor) {
    const auto id = server().observe(ep, path, {}, now);
    EXPECT_TRUE(result(id).observing);
    return id ? *id : server::OperationId{};
  }
  // The values the notifications of `id` carried since the last call.
  std::vector<double> notified(server::OperationId id) {
    std::vector<double> out;
    for (const auto& n : notifications(id)) {
      EXPECT_EQ(n.records.size(), 1u);
      if (n.records.size() == 1) out.push_back(n.records[0].value.get<double>());
    }
    return out;
  }
};

TEST_F(Attributes, LessThanFiresOnDownwardCrossings) {
  write_attributes(kSensor, {{Attribute::Lt, 15}});
  const auto id = observe();
  // Crossings count from the last notified value (the Transport TS examples): 20 -> 16 stays
  // above, -> 14 crosses, then 13 stays below 15 and 16 goes up, neither a downward crossing of 14.
  for (const double v : {16.0, 14.0, 13.0, 16.0, 14.5}) set_temperature(v);
  EXPECT_EQ(notified(id), (std::vector<double>{14.0}));
  // With st as well, the upward move is reported, and the next downward crossing counts again.
  write_attributes(kSensor, {{Attribute::St, 3}});
  set_temperature(17.5);  // 3.5 from 14: st
  set_temperature(14.9);  // crosses lt from 17.5
  EXPECT_EQ(notified(id), (std::vector<double>{17.5, 14.9}));
}

TEST_F(Attributes, StepFiresOnChangesOfAtLeastSt) {
  write_attributes(kSensor, {{Attribute::St, 2}});
  const auto id = observe();
  // Steps are measured from the last notified value (20).
  for (const double v : {21.0, 21.9, 22.0, 23.5, 19.9}) set_temperature(v);
  EXPECT_EQ(notified(id), (std::vector<double>{22.0, 19.9}));
}

TEST_F(Attributes, EpminDefersTheEvaluationOfAChange) {
  write_attributes(kSensor, {{Attribute::Epmin, 10}});
  const auto id = observe();
  advance(2s);
  set_temperature(25);  // 2 s after the last evaluation (the Observe)
  EXPECT_TRUE(notified(id).empty());
  advance(7s);
  EXPECT_TRUE(notified(id).empty());
  advance(1s);  // 10 s after the Observe: evaluated, reported
  EXPECT_EQ(notified(id), (std::vector<double>{25.0}));
}

TEST_F(Attributes, EpmaxEvaluatesWithoutBeingTold) {
  write_attributes(kSensor, {{Attribute::Epmax, 30}});
  const auto id = observe();
  // The sensor changes behind the client's back (no value_changed): only epmax finds out.
  client().instance_as<client::TemperatureSensor>(3303, 0)->record(27);
  advance(29s);
  EXPECT_TRUE(notified(id).empty());
  advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{27.0}));
  // No change at the next evaluation: nothing.
  advance(30s);
  EXPECT_TRUE(notified(id).empty());
}

// Object -> instance -> resource: each level adds or overrides what the one above set.
TEST_F(Attributes, InheritedFromObjectAndInstance) {
  write_attributes(Path(3303), {{Attribute::Pmin, 5}, {Attribute::Pmax, 100}});
  write_attributes(Path(3303, 0), {{Attribute::Pmax, 40}});  // overrides the object's pmax
  write_attributes(kSensor, {{Attribute::Gt, 25}});
  const auto id = observe();
  advance(1s);
  set_temperature(24);  // below gt: not reportable
  advance(1s);
  set_temperature(26);  // crosses gt at +2 s; the object's pmin (5 s) holds it back
  EXPECT_TRUE(notified(id).empty());
  advance(3s);
  EXPECT_EQ(notified(id), (std::vector<double>{26.0}));
  advance(39s);  // the instance's pmax (40 s), not the object's 100 s
  EXPECT_TRUE(notified(id).empty());
  advance(1s);
  EXPECT_EQ(notified(id), (std::vector<double>{26.0}));

  // Discover shows the inherited set on the target and each level's own below it.
  const auto r = result(server().discover(ep, kSensor, std::nullopt, {}, now));
  ASSERT_EQ(r.status, OperationStatus::Success);
  ASSERT_EQ(r.links.size(), 1u);
  EXPECT_EQ(r.links[0].pmin(), 5u);
  EXPECT_EQ(r.links[0].pmax(), 40u);

  // An observation of the instance inherits from the object and the instance only.
  const auto instance = observe(Path(3303, 0));
  advance(40s);
  EXPECT_EQ(notifications(instance).size(), 1u) << "the instance's pmax";
}

TEST_F(Attributes, ResourceLevelOverridesAndClearing) {
  write_attributes(Path(3303), {{Attribute::Pmax, 30}});
  write_attributes(kSensor, {{Attribute::Pmax, 80}});
  const auto id = observe();
  advance(79s);
  EXPECT_TRUE(notified(id).empty());
  advance(1s);
  EXPECT_EQ(notified(id).size(), 1u);
  // Clearing the resource's pmax lets the object's apply again.
  lwm2m::AttributeUpdate clear;
  clear.cleared.push_back(Attribute::Pmax);
  ASSERT_EQ(result(server().write_attributes(ep, kSensor, clear, {}, now)).status,
            OperationStatus::Success);
  advance(30s);
  EXPECT_EQ(notified(id).size(), 1u);
}

}  // namespace
}  // namespace drover::e2e
