// Accounts from outside a bootstrap session: factory bootstrap and a saved state taken back
// (Client::provision), and the instances to save (Client::provisioned).
#include <algorithm>

#include "client_impl.hpp"

namespace drover::client {

namespace {
constexpr std::uint16_t provisioned_objects[] = {0, 1, 2};
}  // namespace

Status Client::provision(std::span<const lwm2m::Record> records, TimePoint now) {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  for (const auto& r : records)
    if (!r.path.has_instance() || r.path.object_id() > 2 || r.path.has_reserved_id())
      return Error::InvalidArgument;
  switch (c.write_instances(lwm2m::Path(), records)) {
    case Outcome::Ok:
      break;
    case Outcome::Unavailable:
      return Error::TooManyInstances;
    default:
      return Error::InvalidArgument;
  }
  if (!c.bootstrap)
    if (ObjectEntry* security = c.object(0))
      for (const auto& [iid, inst] : security->instances) {
        if (!c.is_bootstrap_account(0, iid)) continue;
        const auto uri = single_value(inst.get(), 0);
        const auto* text = uri ? uri->get_if<std::string>() : nullptr;
        const auto peer = text ? c.resolve(*text) : std::nullopt;
        if (!peer) return Error::InvalidArgument;
        c.set_bootstrap_account(*peer, iid);
        break;
      }
  std::vector<AccountPair> pairs;
  if (c.account_pairs(pairs)) return Error::InvalidArgument;
  if (pairs.empty() && !c.bootstrap) return Error::InvalidArgument;
  if (c.accounts.size() + pairs.size() > c.config.max_servers) return Error::TooManyServers;
  (void)c.open_accounts(pairs, now);
  c.settle(now);
  return std::monostate{};
}

std::vector<lwm2m::Record> Client::provisioned() {
  Impl& c = *impl_;
  std::vector<lwm2m::Record> out;
  for (const auto oid : provisioned_objects) {
    ObjectEntry* entry = c.object(oid);
    const auto* def = c.definition(oid);
    if (!entry || !def) continue;
    for (auto& [iid, inst] : entry->instances)
      for (const std::uint16_t rid : inst->resources()) {
        // Every value, readable by servers or not (Security's are not); executables have none.
        const auto* rdef = def->resource(rid);
        if (rdef && !lwm2m::is_executable(rdef->operations))
          (void)c.read_resource(oid, iid, *inst, *rdef, std::nullopt, out);
      }
  }
  // A multiple resource without instances has nothing to carry.
  std::erase_if(out, [](const lwm2m::Record& r) { return r.value.is_none(); });
  return out;
}

}  // namespace drover::client
