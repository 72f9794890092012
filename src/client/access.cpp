// Access Control (object 2, Core TS "Access Control"): which server may do what on which object
// instance. Each instance /o/i may have an Access Control instance naming it (/2/x/0 = o,
// /2/x/1 = i) with an ACL (/2/x/2: resource instance ID a Short Server ID, 0 the default for
// servers without their own, value the rights) and an owner (/2/x/3). A server's rights on /o/i:
// its own ACL entry; else full rights when it owns the Access Control instance; else the default
// entry; else none. Create on /o needs the C right in /o's own Access Control instance
// (instance ID 65535, made by the bootstrap server). Access Control instances themselves are
// governed by their owner: every server may read them, only the owner change or delete them.
//
// When a server's account goes (unbootstrapping, Core TS E.1.3/"Unbootstrapping"), its ACL
// entries go with it; an Access Control instance it owned passes to the server with the most
// rights on that instance (ties: the lowest Short Server ID), and when no other server has
// rights there, the instance it governed is orphaned and deleted with its Access Control
// instance.
//
// Access Control applies to a client with more than one server account that has the object
// (the application added it, or the bootstrap server wrote instances of it). With one server,
// that server may do everything (Core TS: the object need not even exist then); a client without
// the object leaves its servers unrestricted, as a device built without Access Control does.
#include <bit>

#include "client_impl.hpp"

namespace drover::client {

bool Client::Impl::access_control_enabled() const {
  return accounts.size() > 1 && objects.contains(2);
}

std::optional<std::uint16_t> Client::Impl::acl_instance(std::uint16_t oid, std::uint16_t iid) {
  ObjectEntry* acl = object(2);
  if (!acl) return std::nullopt;
  for (auto& [aiid, inst] : acl->instances)
    if (integer_value(inst.get(), 0) == oid && integer_value(inst.get(), 1) == iid) return aiid;
  return std::nullopt;
}

std::uint8_t Client::Impl::rights(const Account& a, std::uint16_t oid, std::uint16_t iid) {
  if (oid == 0 || oid == 21) return 0;  // Security and OSCORE: never a server's
  if (!access_control_enabled()) return access::all;
  if (oid == 2) {
    // An Access Control instance: its owner manages it, the others may read it.
    const auto owner =
        iid == lwm2m::reserved_id ? std::nullopt : integer_value(find_instance(2, iid), 3);
    return owner == a.ssid ? access::read | access::write | access::remove : access::read;
  }
  const auto aiid = acl_instance(oid, iid);
  if (!aiid) return 0;
  ObjectInstance* inst = find_instance(2, *aiid);
  lwm2m::ResourceNode acl;
  if (inst->read(2, acl) != Outcome::Ok) acl = {};
  const auto entry = [&](std::uint16_t key) -> std::optional<std::uint8_t> {
    const auto it = acl.instances.find(key);
    if (it == acl.instances.end() || !is_numeric(it->second)) return std::nullopt;
    return static_cast<std::uint8_t>(static_cast<std::int64_t>(numeric_value(it->second)) &
                                     access::all);
  };
  if (const auto own = entry(a.ssid)) return *own;
  if (iid != lwm2m::reserved_id && integer_value(inst, 3) == a.ssid) return access::all;
  return entry(0).value_or(0);
}

void Client::Impl::instance_created(const Account& a, std::uint16_t oid, std::uint16_t iid) {
  // With one server there is no Access Control to keep; the bootstrap server provisions it
  // before a second server comes (the Core TS has the change happen in a bootstrap session).
  if (oid == 2 || !access_control_enabled() || acl_instance(oid, iid)) return;
  const auto aiid = free_instance_id(2);
  if (!aiid || instance_count >= config.max_instances) return;
  auto inst = std::make_unique<ValueInstance>();
  inst->set(0, lwm2m::Value(std::int64_t{oid}));
  inst->set(1, lwm2m::Value(std::int64_t{iid}));
  inst->set_multiple(2);  // the owner without an entry of its own has every right
  inst->set(3, lwm2m::Value(std::int64_t{a.ssid}));
  objects[2].instances.emplace(*aiid, std::move(inst));
  ++instance_count;
}

void Client::Impl::delete_instance(std::uint16_t oid, std::uint16_t iid, TimePoint t) {
  const lwm2m::Path path(oid, iid);
  observations_deleted(path, t);
  for (auto& [ssid, account] : accounts)
    std::erase_if(account.attributes, [&](const auto& e) { return path.is_prefix_of(e.first); });
  objects[oid].instances.erase(iid);
  --instance_count;
  instance_deleted(oid, iid);
}

void Client::Impl::instance_deleted(std::uint16_t oid, std::uint16_t iid) {
  if (oid == 2) return;
  const auto aiid = acl_instance(oid, iid);
  if (!aiid) return;
  objects[2].instances.erase(*aiid);
  --instance_count;
  for (auto& [ssid, a] : accounts)
    std::erase_if(a.attributes,
                  [&](const auto& e) { return lwm2m::Path(2, *aiid).is_prefix_of(e.first); });
}

void Client::Impl::server_account_removed(std::uint16_t ssid, TimePoint t) {
  ObjectEntry* acl = object(2);
  if (!acl) return;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> orphans;  // (object, instance)
  for (auto& [aiid, inst] : acl->instances) {
    lwm2m::ResourceNode entries;
    if (inst->read(2, entries) != Outcome::Ok) entries = {};
    if (entries.instances.erase(ssid)) {
      entries.multiple = true;
      (void)inst->write(2, entries, true);
    }
    if (integer_value(inst.get(), 3) != ssid) continue;
    std::optional<std::uint16_t> heir;
    int most = -1;
    for (const auto& [other, value] : entries.instances) {
      if (other == 0 || !is_numeric(value)) continue;
      const int sum = std::popcount(
          static_cast<unsigned>(static_cast<std::int64_t>(numeric_value(value)) & access::all));
      if (sum > most) most = sum, heir = other;  // ascending IDs: the lowest wins a tie
    }
    if (heir) {
      lwm2m::ResourceNode owner;
      owner.value = lwm2m::Value(std::int64_t{*heir});
      (void)inst->write(3, owner, true);
    } else {
      const auto oid = integer_value(inst.get(), 0);
      const auto iid = integer_value(inst.get(), 1);
      if (oid && iid) orphans.emplace_back(*oid, *iid);
    }
  }
  for (const auto& [oid, iid] : orphans) {
    // Security, Server and Device instances are not a server's to take along; an ACL for a
    // whole object (65535) only loses its Access Control instance.
    if (oid > 2 && oid != 3 && !keeps_instance(oid) && find_instance(oid, iid))
      delete_instance(oid, iid, t);
    else
      instance_deleted(oid, iid);
  }
}

}  // namespace drover::client
