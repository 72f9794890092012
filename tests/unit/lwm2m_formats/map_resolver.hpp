// A TypeResolver over a fixed table, for codec tests.
#pragma once

#include <map>
#include <utility>

#include "drover/lwm2m/model/value.hpp"

namespace drover::lwm2m::testing {

class MapResolver : public TypeResolver {
 public:
  MapResolver& set(std::uint16_t object_id, std::uint16_t resource_id, DataType type,
                   bool multiple = false) {
    shapes_[{object_id, resource_id}] = ResourceShape{type, multiple};
    return *this;
  }

  std::optional<ResourceShape> lookup(std::uint16_t object_id,
                                      std::uint16_t resource_id) const override {
    const auto it = shapes_.find({object_id, resource_id});
    if (it == shapes_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::pair<std::uint16_t, std::uint16_t>, ResourceShape> shapes_;
};

}  // namespace drover::lwm2m::testing
