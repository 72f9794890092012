#include "drover/lwm2m/model/builtin_objects.hpp"

#include <algorithm>

#include "builtin_tables.hpp"

namespace drover::lwm2m {
namespace {

ObjectDef make_object(const detail::ObjectRow& row) {
  ObjectDef def;
  def.id = row.id;
  def.name = row.name;
  def.version = row.version;
  def.urn = row.urn;
  def.lwm2m_version = row.lwm2m_version;
  def.multiple = row.multiple;
  def.mandatory = row.mandatory;
  def.resources.reserve(row.resources.size());
  for (const auto& r : row.resources) {
    def.resources.push_back(ResourceDef{r.id,
                                        std::string(r.name),
                                        r.operations,
                                        r.multiple,
                                        r.mandatory,
                                        r.type,
                                        std::string(r.range),
                                        std::string(r.units),
                                        {}});
  }
  std::sort(def.resources.begin(), def.resources.end(),
            [](const ResourceDef& a, const ResourceDef& b) { return a.id < b.id; });
  return def;
}

// Every row of the tables: the core objects', then the IPSO ones.
template <typename F>
void for_each_row(F&& f) {
  for (auto rows : {detail::core_object_rows(), detail::ipso_object_rows()}) {
    for (const auto& row : rows) f(row);
  }
}

std::vector<ObjectDef> build() {
  std::vector<ObjectDef> out;
  for_each_row([&](const detail::ObjectRow& row) { out.push_back(make_object(row)); });
  std::sort(out.begin(), out.end(), [](const ObjectDef& a, const ObjectDef& b) {
    return std::pair{a.id, a.version} < std::pair{b.id, b.version};
  });
  return out;
}

}  // namespace

const std::vector<ObjectDef>& builtin_objects() {
  static const std::vector<ObjectDef> defs = build();
  return defs;
}

void add_builtin_objects(ObjectRegistry& registry) {
  for (const auto& def : builtin_objects()) registry.add(def);
}

void add_builtin_objects(ObjectRegistry& registry, std::span<const std::uint16_t> object_ids) {
  for_each_row([&](const detail::ObjectRow& row) {
    if (std::find(object_ids.begin(), object_ids.end(), row.id) != object_ids.end())
      registry.add(make_object(row));
  });
}

}  // namespace drover::lwm2m
