#include "drover/client/object.hpp"

#include <algorithm>

namespace drover::client {

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::Ok:
      return "ok";
    case Outcome::BadRequest:
      return "bad request";
    case Outcome::Unauthorized:
      return "unauthorized";
    case Outcome::NotFound:
      return "not found";
    case Outcome::MethodNotAllowed:
      return "method not allowed";
    case Outcome::InternalError:
      return "internal error";
    case Outcome::Unavailable:
      return "unavailable";
  }
  return "?";
}

coap::Code to_code(Outcome o) {
  switch (o) {
    case Outcome::Ok:
      return coap::codes::Content;
    case Outcome::BadRequest:
      return coap::codes::BadRequest;
    case Outcome::Unauthorized:
      return coap::codes::Unauthorized;
    case Outcome::NotFound:
      return coap::codes::NotFound;
    case Outcome::MethodNotAllowed:
      return coap::codes::MethodNotAllowed;
    case Outcome::InternalError:
      return coap::codes::InternalServerError;
    case Outcome::Unavailable:
      return coap::codes::ServiceUnavailable;
  }
  return coap::codes::InternalServerError;
}

Outcome ObjectInstance::write(std::uint16_t, const lwm2m::ResourceNode&, bool) {
  return Outcome::MethodNotAllowed;
}
Outcome ObjectInstance::remove(std::uint16_t) {
  return Outcome::Ok;
}
Outcome ObjectInstance::remove_resource_instance(std::uint16_t, std::uint16_t) {
  return Outcome::MethodNotAllowed;
}
Outcome ObjectInstance::execute(std::uint16_t, std::string_view) {
  return Outcome::MethodNotAllowed;
}

// ---------------------------------------------------------------------------------------------
void ValueInstance::set(std::uint16_t rid, lwm2m::Value value) {
  auto& node = values_[rid];
  node.multiple = false;
  node.instances.clear();
  node.value = std::move(value);
}

void ValueInstance::set(std::uint16_t rid, std::uint16_t riid, lwm2m::Value value) {
  auto& node = values_[rid];
  node.multiple = true;
  node.value = {};
  node.instances[riid] = std::move(value);
}

void ValueInstance::set_multiple(std::uint16_t rid,
                                 std::map<std::uint16_t, lwm2m::Value> instances) {
  auto& node = values_[rid];
  node.multiple = true;
  node.value = {};
  node.instances = std::move(instances);
}

void ValueInstance::set_executable(std::uint16_t rid, ExecuteHandler handler) {
  executables_[rid] = std::move(handler);
}

void ValueInstance::erase(std::uint16_t rid) {
  values_.erase(rid);
  executables_.erase(rid);
}

const lwm2m::ResourceNode* ValueInstance::find(std::uint16_t rid) const {
  const auto it = values_.find(rid);
  return it == values_.end() ? nullptr : &it->second;
}

const lwm2m::Value* ValueInstance::value(std::uint16_t rid) const {
  const auto* node = find(rid);
  return node && !node->multiple ? &node->value : nullptr;
}

std::vector<std::uint16_t> ValueInstance::resources() const {
  std::vector<std::uint16_t> out;
  out.reserve(values_.size() + executables_.size());
  for (const auto& [rid, node] : values_) out.push_back(rid);
  for (const auto& [rid, handler] : executables_) out.push_back(rid);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Outcome ValueInstance::read(std::uint16_t rid, lwm2m::ResourceNode& out) {
  const auto* node = find(rid);
  if (!node) return Outcome::NotFound;
  out = *node;
  return Outcome::Ok;
}

Outcome ValueInstance::write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool replace) {
  auto& node = values_[rid];
  if (!value.multiple) {
    node = value;
    return Outcome::Ok;
  }
  node.multiple = true;
  node.value = {};
  if (replace) node.instances.clear();
  for (const auto& [riid, v] : value.instances) node.instances[riid] = v;
  return Outcome::Ok;
}

Outcome ValueInstance::remove(std::uint16_t rid) {
  values_.erase(rid);
  return Outcome::Ok;
}

Outcome ValueInstance::remove_resource_instance(std::uint16_t rid, std::uint16_t riid) {
  const auto it = values_.find(rid);
  if (it == values_.end() || !it->second.multiple) return Outcome::NotFound;
  return it->second.instances.erase(riid) ? Outcome::Ok : Outcome::NotFound;
}

Outcome ValueInstance::execute(std::uint16_t rid, std::string_view arguments) {
  const auto it = executables_.find(rid);
  if (it == executables_.end()) return Outcome::NotFound;
  return it->second ? it->second(arguments) : Outcome::Ok;
}

}  // namespace drover::client
