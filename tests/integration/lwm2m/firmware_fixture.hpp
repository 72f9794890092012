// The end-to-end harness with a client whose Firmware Update object (5) is the real one
// (Client::enable_firmware_update), over memory storage, with check and update hooks a test sets.
#pragma once

#include <algorithm>
#include <map>
#include <set>

#include "drover/client/sha256.hpp"
#include "drover/coap/block_option.hpp"
#include "e2e_harness.hpp"

namespace drover::e2e {

using client::FirmwareState;
using client::UpdateResult;

inline const coap::PeerAddress kFileServerAddr = coap::PeerAddress::loopback_v4(5699);

inline std::vector<std::uint8_t> image(std::size_t size, std::uint8_t seed = 1) {
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i)
    out[i] = static_cast<std::uint8_t>((i * 31 + seed) ^ (i >> 8));
  return out;
}

struct FirmwareOptions {
  std::size_t capacity = client::default_package_capacity;
  std::vector<client::FirmwareProtocol> protocols = {client::FirmwareProtocol::Coap};
  UpdateResult verdict = UpdateResult::Initial;         // what the check hook says
  UpdateResult update_verdict = UpdateResult::Initial;  // what the update hook says
};

class Firmware : public E2e {
 protected:
  // The harness's client has a plain object 5: replaced by one with the Firmware Update object.
  void SetUp() override {
    E2e::SetUp();
    reconfigure({});
  }

  void enable(FirmwareOptions o) {
    client::FirmwareConfig config;
    auto storage = std::make_unique<client::MemoryStorage>(o.capacity);
    storage_ = storage.get();
    config.storage = std::move(storage);
    config.protocols = o.protocols;
    config.check = [this, o](client::FirmwarePackage& package) {
      checked.emplace_back(package.storage.size());
      package.version = "2.0." + std::to_string(package.storage.size());
      return o.verdict;
    };
    config.update = [this, o](const client::FirmwarePackage& package) {
      updated_versions.push_back(package.version);
      return o.update_verdict;
    };
    ASSERT_TRUE(client().enable_firmware_update(std::move(config), now).has_value());
  }

  // A fresh client with a Firmware Update object of these options, registered.
  void reconfigure(FirmwareOptions o) {
    client_ = std::make_unique<client::Client>([&] {
      client::ClientConfig cc;
      cc.endpoint = std::string(ep);
      cc.random_seed = 8;
      client::allow_firmware_push(cc.engine, o.capacity);
      return cc;
    }());
    ASSERT_TRUE(client().add_object(3).has_value());
    ASSERT_TRUE(client()
                    .add_instance(3, 0, std::make_unique<client::Device>(client::DeviceInfo{}), now)
                    .has_value());
    enable(o);
    client::ServerAccount account;
    account.uri = "coap://127.0.0.1:5683";
    account.lifetime = 600;
    ASSERT_TRUE(client().add_server(account, now).has_value());
    client().start(now);
    pump();
    ASSERT_EQ(client().state(1), client::RegistrationState::Registered);
    client_events.clear();
    events.clear();
  }

  // A CoAP file server with `files` by Uri-Path (its engine slices them in blocks).
  void serve_files(std::map<std::string, std::vector<std::uint8_t>> files) {
    files_ = std::move(files);
    side = std::make_unique<SidePeer>(
        SidePeer{kFileServerAddr, coap::Engine({}, 1234), {}, true, {}, {}});
    side->serve = [this](coap::RequestReceived& r) {
      coap::Message m;
      const auto it = files_.find(r.request.uri_path());
      if (it == files_.end()) {
        m.code = coap::codes::NotFound;
      } else {
        m.code = coap::codes::Content;
        m.set_payload(it->second);
      }
      (void)side->engine.respond(r.exchange, std::move(m), now);
    };
  }

  OperationStatus write_uri(std::string_view uri) {
    const std::vector<Record> records = {{Path(5, 0, 1), Value(std::string(uri)), std::nullopt}};
    return result(server().write(ep, Path(5, 0, 1), records, WriteMode::Replace, {}, now)).status;
  }
  OperationStatus push(const std::vector<std::uint8_t>& package) {
    const std::vector<Record> records = {
        {Path(5, 0, 0), Value(lwm2m::Opaque(package.begin(), package.end())), std::nullopt}};
    RequestParams params;
    params.format = ContentFormat::OctetStream;
    return result(server().write(ep, Path(5, 0, 0), records, WriteMode::Replace, params, now))
        .status;
  }
  OperationStatus execute(std::uint16_t rid) {
    return result(server().execute(ep, Path(5, 0, rid), "", {}, now)).status;
  }
  // State and Update Result as the server reads them.
  std::pair<std::int64_t, std::int64_t> read_state() {
    const auto state = result(server().read(ep, Path(5, 0, 3), {}, now));
    const auto update_result = result(server().read(ep, Path(5, 0, 5), {}, now));
    EXPECT_EQ(state.records.size(), 1u);
    EXPECT_EQ(update_result.records.size(), 1u);
    if (state.records.empty() || update_result.records.empty()) return {-1, -1};
    return {state.records[0].value.get<std::int64_t>(),
            update_result.records[0].value.get<std::int64_t>()};
  }
  void expect_state(FirmwareState state, UpdateResult r) {
    EXPECT_EQ(client().firmware_state(), state);
    EXPECT_EQ(client().firmware_result(), r) << client::to_string(client().firmware_result());
    EXPECT_EQ(read_state(), (std::pair<std::int64_t, std::int64_t>{static_cast<std::int64_t>(state),
                                                                   static_cast<std::int64_t>(r)}));
  }

  client::MemoryStorage* storage_ = nullptr;
  std::vector<std::size_t> checked;  // package sizes the check hook saw
  std::vector<std::string> updated_versions;
  std::map<std::string, std::vector<std::uint8_t>> files_;
  static std::uint32_t block_of(const coap::Message& m) {
    coap::BlockOption b;
    return coap::read_block(m, coap::options::Block2, b) == coap::BlockRead::Valid ? b.num : 0;
  }
  // Requests for each block (retransmissions of one request count once).
  std::map<std::uint32_t, unsigned> asked() const {
    std::map<std::uint32_t, std::set<std::uint64_t>> tokens;
    for (const auto& m : side->from_client) tokens[block_of(m)].insert(m.token.as_u64());
    std::map<std::uint32_t, unsigned> out;
    for (const auto& [num, t] : tokens) out[num] = static_cast<unsigned>(t.size());
    return out;
  }
  // Loses every datagram of the client asking for block `num` until `passes` is set.
  void lose_block(std::uint32_t num) {
    side->lose = [this, num](const coap::Message& m) { return block_of(m) == num && !passes; };
  }
  bool passes = false;
};

}  // namespace drover::e2e
