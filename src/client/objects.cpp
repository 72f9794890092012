// The object store: instances by object, reads into records, validated writes, the object list.
#include <algorithm>
#include <limits>

#include "client_impl.hpp"
#include "drover/lwm2m/formats/link_format.hpp"

namespace drover::client {

using lwm2m::DataType;
using lwm2m::Path;
using lwm2m::Record;
using lwm2m::Value;

namespace {

// Brings a value an instance returned to the resource's type when that loses nothing (an
// application may keep a Time as an integer, an Unsigned Integer as a signed one...).
Value coerce(Value v, DataType type) {
  if (v.type() == type) return v;
  const auto* i = v.get_if<std::int64_t>();
  const auto* u = v.get_if<std::uint64_t>();
  switch (type) {
    case DataType::Integer:
      if (u && *u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return Value(static_cast<std::int64_t>(*u));
      if (const auto* t = v.get_if<lwm2m::Time>()) return Value(t->seconds);
      break;
    case DataType::UnsignedInteger:
      if (i && *i >= 0) return Value(static_cast<std::uint64_t>(*i));
      break;
    case DataType::Float:
      if (i) return Value(static_cast<double>(*i));
      if (u) return Value(static_cast<double>(*u));
      break;
    case DataType::Time:
      if (i) return Value(lwm2m::Time{*i});
      break;
    case DataType::Corelnk:
      if (const auto* s = v.get_if<std::string>()) return Value(lwm2m::Corelnk{*s});
      break;
    default:
      break;
  }
  return v;
}

}  // namespace

ObjectEntry* Client::Impl::object(std::uint16_t oid) {
  const auto it = objects.find(oid);
  return it == objects.end() ? nullptr : &it->second;
}

ObjectInstance* Client::Impl::find_instance(std::uint16_t oid, std::uint16_t iid) {
  ObjectEntry* entry = object(oid);
  if (!entry) return nullptr;
  const auto it = entry->instances.find(iid);
  return it == entry->instances.end() ? nullptr : it->second.get();
}

const lwm2m::ObjectDef* Client::Impl::definition(std::uint16_t oid) const {
  return registry.active(oid);
}

Outcome Client::Impl::read_path(const Path& path, std::vector<Record>& out, const Account* as) {
  const auto readable = [&](std::uint16_t oid, std::uint16_t iid) {
    return !as || may(*as, oid, iid, access::read);
  };
  if (path.is_root()) {
    for (auto& [oid, entry] : objects) {
      if (oid == 0 || oid == 21) continue;  // never readable by a server
      for (auto& [iid, inst] : entry.instances)
        if (readable(oid, iid)) read_instance(oid, iid, *inst, out);
    }
    return Outcome::Ok;
  }
  const std::uint16_t oid = path.object_id();
  ObjectEntry* entry = object(oid);
  if (!entry) return Outcome::NotFound;
  if (!path.has_instance()) {
    bool any = entry->instances.empty();
    for (auto& [iid, inst] : entry->instances) {
      if (!readable(oid, iid)) continue;
      any = true;
      read_instance(oid, iid, *inst, out);
    }
    return any ? Outcome::Ok : Outcome::Unauthorized;
  }
  ObjectInstance* inst = find_instance(oid, path.instance_id());
  if (!inst) return Outcome::NotFound;
  if (!readable(oid, path.instance_id())) return Outcome::Unauthorized;
  if (!path.has_resource()) {
    read_instance(oid, path.instance_id(), *inst, out);
    return Outcome::Ok;
  }
  const auto* def = definition(oid)->resource(path.resource_id());
  if (!def) return Outcome::NotFound;
  if (!lwm2m::is_readable(def->operations)) return Outcome::MethodNotAllowed;
  std::optional<std::uint16_t> riid;
  if (path.has_resource_instance()) riid = path.resource_instance_id();
  return read_resource(oid, path.instance_id(), *inst, *def, riid, out);
}

void Client::Impl::read_instance(std::uint16_t oid, std::uint16_t iid, ObjectInstance& inst,
                                 std::vector<Record>& out) {
  const auto* object_def = definition(oid);
  for (const std::uint16_t rid : inst.resources()) {
    const auto* def = object_def->resource(rid);
    // Non-readable resources are left out of object and instance reads; so are resources the
    // instance cannot read right now.
    if (def && lwm2m::is_readable(def->operations))
      (void)read_resource(oid, iid, inst, *def, std::nullopt, out);
  }
}

Outcome Client::Impl::read_resource(std::uint16_t oid, std::uint16_t iid, ObjectInstance& inst,
                                    const lwm2m::ResourceDef& def,
                                    std::optional<std::uint16_t> riid, std::vector<Record>& out) {
  lwm2m::ResourceNode node;
  const Outcome outcome = inst.read(def.id, node);
  if (outcome != Outcome::Ok) return outcome;
  const Path path(oid, iid, def.id);
  if (!def.multiple) {
    if (riid) return Outcome::MethodNotAllowed;  // a resource instance of a single resource
    if (node.value.is_none()) return Outcome::NotFound;
    out.push_back(Record{path, coerce(std::move(node.value), def.type), std::nullopt});
    return Outcome::Ok;
  }
  if (riid) {
    const auto it = node.instances.find(*riid);
    if (it == node.instances.end()) return Outcome::NotFound;
    out.push_back(Record{path.child(*riid), coerce(std::move(it->second), def.type), std::nullopt});
    return Outcome::Ok;
  }
  if (node.instances.empty()) out.push_back(Record{path, Value{}, std::nullopt});
  for (auto& [id, v] : node.instances)
    out.push_back(Record{path.child(id), coerce(std::move(v), def.type), std::nullopt});
  return Outcome::Ok;
}

Outcome Client::Impl::apply_write(const Path& path, std::span<const Record> records, bool replace,
                                  std::vector<Path>& written) {
  lwm2m::ValueTree tree;
  if (lwm2m::records_to_tree(records, tree, &registry)) return Outcome::BadRequest;
  // One resource instance replaced is an update of its resource that keeps the other instances.
  const bool replace_resources = replace && !path.has_resource_instance();
  for (const auto& [oid, object_node] : tree.objects) {
    const auto* object_def = definition(oid);
    for (const auto& [iid, instance_node] : object_node.instances) {
      ObjectInstance* inst = find_instance(oid, iid);
      if (!inst) return Outcome::NotFound;
      for (const auto& [rid, resource_node] : instance_node.resources) {
        const Outcome outcome = inst->write(rid, resource_node, replace_resources);
        if (outcome != Outcome::Ok) return outcome;
        written.emplace_back(oid, iid, rid);
      }
      // Replacing an instance drops the optional writable resources the payload left out.
      if (replace && path.level() == Path::Level::Instance) {
        for (const std::uint16_t rid : inst->resources()) {
          const auto* def = object_def->resource(rid);
          if (def && lwm2m::is_writable(def->operations) && !def->mandatory &&
              !instance_node.resources.contains(rid)) {
            const Outcome outcome = inst->remove(rid);
            if (outcome != Outcome::Ok) return outcome;
            written.emplace_back(oid, iid, rid);
          }
        }
      }
    }
  }
  return Outcome::Ok;
}

std::optional<std::uint16_t> Client::Impl::free_instance_id(std::uint16_t oid) const {
  const auto it = objects.find(oid);
  if (it == objects.end()) return 0;
  std::uint16_t id = 0;
  for (const auto& [iid, inst] : it->second.instances) {
    if (iid != id) break;
    if (id == lwm2m::max_id) return std::nullopt;
    ++id;
  }
  return id;
}

std::string Client::Impl::registration_links(const RegisterForm& form) const {
  using lwm2m::ContentFormat;
  using lwm2m::Lwm2mVersion;
  const auto number = [](ContentFormat f) { return static_cast<std::uint16_t>(f); };
  lwm2m::RegistrationPayload payload;
  // 1.0 announces nothing: TLV, which every 1.0 server expects.
  if (form.version != Lwm2mVersion::V1_0 && !form.minimal_root_link) {
    const auto formats = config.root_link_formats.value_or(
        form.version == Lwm2mVersion::V1_2 ? RootLinkFormats::All : RootLinkFormats::Preferred);
    if (formats == RootLinkFormats::Preferred) {
      payload.content_formats = {number(multi_value_format(form.version))};
    } else {
      payload.content_formats = {number(ContentFormat::Cbor)};
      for (const ContentFormat f : {ContentFormat::SenmlJson, ContentFormat::SenmlCbor}) {
        if (lwm2m::format_built_in(f)) payload.content_formats.push_back(number(f));
      }
      if (form.version == Lwm2mVersion::V1_2 && lwm2m::format_built_in(ContentFormat::Lwm2mCbor))
        payload.content_formats.push_back(number(ContentFormat::Lwm2mCbor));
    }
  }
  for (const auto& [oid, entry] : objects) {
    if (oid == 0 || oid == 21) continue;  // Security and OSCORE are never announced
    lwm2m::RegisteredObject object;
    object.object_id = oid;
    const auto* def = registry.active(oid);
    if (def && def->version != lwm2m::Version{1, 0}) object.version = def->version.to_string();
    for (const auto& [iid, inst] : entry.instances) object.instances.push_back(iid);
    payload.objects.push_back(std::move(object));
  }
  std::string out;
  (void)lwm2m::serialize_link_format(lwm2m::registration_links(payload), out);
  return out;
}

// ---- The Server object of an account

std::optional<std::int64_t> Client::Impl::server_integer(const Account& a, std::uint16_t rid) {
  return integer_value(find_instance(1, a.server_iid), rid);
}

std::optional<std::string> Client::Impl::server_string(const Account& a, std::uint16_t rid) {
  const auto v = single_value(find_instance(1, a.server_iid), rid);
  if (const auto* s = v ? v->get_if<std::string>() : nullptr) return *s;
  return std::nullopt;
}

std::optional<bool> Client::Impl::server_bool(const Account& a, std::uint16_t rid) {
  const auto v = single_value(find_instance(1, a.server_iid), rid);
  if (const auto* b = v ? v->get_if<bool>() : nullptr) return *b;
  return std::nullopt;
}

}  // namespace drover::client
