// The object framework and the standard object instances.
#include "client_harness.hpp"

namespace drover::client::testing {
namespace {

TEST(ValueInstance, StoresSingleAndMultipleResources) {
  ValueInstance inst;
  inst.set(1, Value("a"));
  inst.set(2, 0, Value(std::int64_t{5}));
  inst.set(2, 3, Value(std::int64_t{6}));
  inst.set_executable(
      4, [](std::string_view args) { return args == "1" ? Outcome::Ok : Outcome::BadRequest; });
  EXPECT_EQ(inst.resources(), (std::vector<std::uint16_t>{1, 2, 4}));
  lwm2m::ResourceNode node;
  ASSERT_EQ(inst.read(2, node), Outcome::Ok);
  EXPECT_TRUE(node.multiple);
  EXPECT_EQ(node.instances.size(), 2u);
  EXPECT_EQ(inst.read(9, node), Outcome::NotFound);
  EXPECT_EQ(inst.execute(4, "1"), Outcome::Ok);
  EXPECT_EQ(inst.execute(4, "2"), Outcome::BadRequest);
  EXPECT_EQ(inst.execute(5, ""), Outcome::NotFound);

  lwm2m::ResourceNode partial;
  partial.multiple = true;
  partial.instances[7] = Value(std::int64_t{7});
  ASSERT_EQ(inst.write(2, partial, false), Outcome::Ok);
  EXPECT_EQ(inst.find(2)->instances.size(), 3u);
  ASSERT_EQ(inst.write(2, partial, true), Outcome::Ok);
  EXPECT_EQ(inst.find(2)->instances.size(), 1u);
  EXPECT_EQ(inst.remove_resource_instance(2, 7), Outcome::Ok);
  EXPECT_EQ(inst.remove_resource_instance(2, 7), Outcome::NotFound);
  EXPECT_EQ(inst.remove(1), Outcome::Ok);
  EXPECT_EQ(inst.value(1), nullptr);
}

TEST(StandardObjects, DeviceErrorCodesAndClock) {
  DeviceHooks hooks;
  std::int64_t wall = 1000;
  hooks.wall_clock = [&] { return wall; };
  hooks.battery_level = [] { return std::optional<std::int64_t>(150); };
  Device device(DeviceInfo{}, hooks);
  lwm2m::ResourceNode node;
  ASSERT_EQ(device.read(11, node), Outcome::Ok);
  EXPECT_EQ(node.instances, (std::map<std::uint16_t, Value>{{0, Value(std::int64_t{0})}}));
  device.add_error_code(2);
  device.add_error_code(7);
  node = {};
  ASSERT_EQ(device.read(11, node), Outcome::Ok);
  EXPECT_EQ(node.instances, (std::map<std::uint16_t, Value>{{0, Value(std::int64_t{2})},
                                                            {1, Value(std::int64_t{7})}}));
  EXPECT_EQ(device.execute(12, ""), Outcome::Ok);
  node = {};
  ASSERT_EQ(device.read(11, node), Outcome::Ok);
  EXPECT_EQ(node.instances.size(), 1u);
  // Current Time written by a server follows the wall clock afterwards.
  lwm2m::ResourceNode time;
  time.value = Value(lwm2m::Time{5000});
  ASSERT_EQ(device.write(13, time, true), Outcome::Ok);
  wall += 10;
  node = {};
  ASSERT_EQ(device.read(13, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(lwm2m::Time{5010}));
  node = {};
  ASSERT_EQ(device.read(9, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(std::int64_t{100}));  // clamped to 0..100
}

TEST(StandardObjects, DeviceRebootAndFactoryResetHooks) {
  Device plain(DeviceInfo{});
  EXPECT_EQ(plain.execute(4, ""), Outcome::Ok);
  EXPECT_EQ(plain.execute(5, ""), Outcome::Ok);
  std::vector<std::string> calls;
  DeviceHooks hooks;
  hooks.reboot = [&] {
    calls.emplace_back("reboot");
    return Outcome::Ok;
  };
  hooks.factory_reset = [&] {
    calls.emplace_back("factory reset");
    return Outcome::InternalError;
  };
  Device device(DeviceInfo{}, hooks);
  EXPECT_EQ(device.execute(4, ""), Outcome::Ok);
  EXPECT_EQ(device.execute(5, ""), Outcome::InternalError);
  EXPECT_EQ(device.execute(12, ""), Outcome::Ok);  // Reset Error Code: no hook
  EXPECT_EQ(calls, (std::vector<std::string>{"reboot", "factory reset"}));
}

TEST(StandardObjects, ConnectivityStatisticsCountsFromStart) {
  Traffic traffic;
  ConnectivityStatistics stats([&] { return traffic; });
  traffic.tx_bytes = 4096;
  traffic.tx_messages = 2;
  lwm2m::ResourceNode node;
  ASSERT_EQ(stats.read(2, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(std::int64_t{4}));
  ASSERT_EQ(stats.execute(6, ""), Outcome::Ok);  // Start: a new baseline
  traffic.rx_bytes = 2048;
  traffic.rx_messages = 1;
  node = {};
  ASSERT_EQ(stats.read(2, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(std::int64_t{0}));
  node = {};
  ASSERT_EQ(stats.read(3, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(std::int64_t{2}));
  ASSERT_EQ(stats.execute(7, ""), Outcome::Ok);  // Stop: frozen
  traffic.rx_bytes = 8192;
  node = {};
  ASSERT_EQ(stats.read(3, node), Outcome::Ok);
  EXPECT_EQ(node.value, Value(std::int64_t{2}));
}

TEST(StandardObjects, TemperatureTracksMinAndMax) {
  TemperatureSensor t(20);
  t.record(25);
  t.record(15);
  EXPECT_EQ(*t.value(5601), Value(15.0));
  EXPECT_EQ(*t.value(5602), Value(25.0));
  EXPECT_EQ(*t.value(5700), Value(15.0));
  EXPECT_EQ(t.execute(5605, ""), Outcome::Ok);
  EXPECT_EQ(*t.value(5602), Value(15.0));
}

TEST(ClientObjects, AddObjectAndInstanceChecks) {
  ClientHarness h;
  EXPECT_EQ(h.client.add_object(12345).error(), Error::UnknownObject);  // no definition
  EXPECT_EQ(h.client.add_object(1).error(), Error::InvalidArgument);    // accounts: add_server
  EXPECT_EQ(h.client.add_instance(3, 0, std::make_unique<ValueInstance>(), h.now).error(),
            Error::UnknownObject);  // not added
  ASSERT_TRUE(h.client.add_object(3).has_value());
  ASSERT_TRUE(
      h.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}), h.now).has_value());
  EXPECT_EQ(h.client.add_instance(3, 0, std::make_unique<ValueInstance>(), h.now).error(),
            Error::InstanceExists);
  EXPECT_EQ(h.client.add_instance(3, 1, std::make_unique<ValueInstance>(), h.now).error(),
            Error::TooManyInstances);  // Device is single-instance
  EXPECT_EQ(h.client.add_instance(1, 5, std::make_unique<ValueInstance>(), h.now).error(),
            Error::UnknownObject);  // accounts come through add_server
  EXPECT_EQ(h.client.remove_instance(3, 4, h.now).error(), Error::UnknownInstance);
  EXPECT_EQ(h.client.set_value(Path(3, 0), Value(1.0), h.now).error(), Error::InvalidArgument);
  EXPECT_NE(h.client.instance_as<Device>(3, 0), nullptr);
}

TEST(ClientObjects, InstanceTableIsBounded) {
  ClientConfig config = test_config();
  config.max_instances = 3;
  ClientHarness h(config);
  ASSERT_TRUE(h.client.add_object(3303).has_value());
  for (std::uint16_t i = 0; i < 3; ++i)
    ASSERT_TRUE(
        h.client.add_instance(3303, i, std::make_unique<TemperatureSensor>(1), h.now).has_value());
  EXPECT_EQ(h.client.add_instance(3303, 3, std::make_unique<TemperatureSensor>(1), h.now).error(),
            Error::TooManyInstances);
}

TEST(ClientObjects, EventsAreBounded) {
  ClientConfig config = test_config();
  config.max_pending_events = 2;
  ClientHarness h(config);
  ASSERT_TRUE(h.client.add_object(3).has_value());
  ASSERT_TRUE(
      h.client.add_instance(3, 0, std::make_unique<Device>(DeviceInfo{}), h.now).has_value());
  h.add_account();
  h.register_client();
  for (int i = 0; i < 5; ++i) (void)h.call(request(coap::codes::Get, "/3/0/0"));
  EXPECT_EQ(h.client_events().size(), 2u);
  EXPECT_EQ(h.client.stats().events_dropped, 4u);  // Registered + 5 RequestServed - 2 kept
}

TEST(ClientObjects, TrafficIsCounted) {
  ClientHarness h;
  h.add_account();
  h.register_client();
  const auto t = h.client.traffic();
  EXPECT_EQ(t.tx_messages, 1u);
  EXPECT_EQ(t.rx_messages, 1u);
  EXPECT_GT(t.tx_bytes, t.rx_bytes);
  EXPECT_EQ(t.max_message_size, t.tx_bytes);
}

TEST(ObjectRegistrySharing, ClientsShareOneRegistryChosenForTheirVersion) {
  const auto shared = make_object_registry(lwm2m::Lwm2mVersion::V1_0);
  ASSERT_NE(shared->active(1), nullptr);
  EXPECT_EQ(shared->active(1)->version, (lwm2m::Version{1, 1}));  // the oldest built in
  EXPECT_EQ(make_object_registry(lwm2m::Lwm2mVersion::V1_1)->active(1)->version,
            (lwm2m::Version{1, 1}));
  EXPECT_EQ(make_object_registry(lwm2m::Lwm2mVersion::V1_2)->active(1)->version,
            (lwm2m::Version{1, 2}));

  ClientConfig config;
  config.endpoint = "a";
  config.version = lwm2m::Lwm2mVersion::V1_0;
  config.objects = shared;
  Client a(config);
  config.endpoint = "b";
  Client b(config);
  EXPECT_EQ(&a.objects(), shared.get());
  EXPECT_EQ(&b.objects(), shared.get());
}

TEST(ObjectRegistrySharing, ADeviceRegistryHoldsItsObjectsAtTheSameVersions) {
  constexpr std::uint16_t served[] = {3, 3303};
  const auto device = make_object_registry(lwm2m::Lwm2mVersion::V1_1, served);
  const auto full = make_object_registry(lwm2m::Lwm2mVersion::V1_1);
  constexpr std::uint16_t present[] = {0, 1, 3, 3303};
  for (const std::uint16_t id : present) {
    ASSERT_NE(device->active(id), nullptr) << id;
    EXPECT_EQ(*device->active(id), *full->active(id)) << id;
    EXPECT_EQ(device->versions(id).size(), full->versions(id).size()) << id;
  }
  EXPECT_EQ(device->active(3304), nullptr);
  EXPECT_EQ(device->active(5), nullptr);

  ClientConfig config;
  config.endpoint = "device";
  config.objects = device;
  Client client(config);
  EXPECT_TRUE(client.add_object(3303));
  EXPECT_FALSE(client.add_object(3304));  // no definition
}

}  // namespace
}  // namespace drover::client::testing
