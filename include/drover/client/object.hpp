// The client's object framework: how an application exposes its data to LwM2M servers.
//
// An object instance is an ObjectInstance: it lists the resources it has and reads, writes and
// executes them by resource ID. The Client checks every server request against the object's
// definition (operations R/W/E, data types, single/multiple, mandatory resources on Create) before
// it calls the instance, so an instance only deals with values of the right shape and type.
//
// ValueInstance is the ready-made instance: values kept in memory, set by the application (and
// written by servers), and executable resources bound to handlers. Applications with live data
// (a sensor read on demand) derive from ObjectInstance, or from ValueInstance and override read.
// After changing a value behind the Client's back, call Client::value_changed so that
// observations see it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

#include "drover/coap/message.hpp"
#include "drover/lwm2m/model/tree.hpp"
#include "drover/lwm2m/model/value.hpp"

namespace drover::client {

// What an instance callback answers; the Client turns it into the response code.
enum class Outcome : std::uint8_t {
  Ok,
  BadRequest,        // 4.00: e.g. a value out of the resource's range, malformed Execute arguments
  Unauthorized,      // 4.01
  NotFound,          // 4.04: the instance does not have this (optional) resource
  MethodNotAllowed,  // 4.05: the instance does not support this operation on the resource
  InternalError,     // 5.00
  Unavailable,       // 5.03: temporarily unable (e.g. a sensor is off)
};
std::string_view to_string(Outcome);
coap::Code to_code(Outcome);

class ObjectInstance {
 public:
  virtual ~ObjectInstance() = default;

  // The IDs of the resources this instance has now (readable, writable and executable ones), in
  // ascending order. Reads of an object or instance cover the readable ones; Discover lists all.
  virtual std::vector<std::uint16_t> resources() const = 0;

  // A single resource's value in `out.value`, a multiple resource's instances in `out.instances`
  // (`out.multiple` set). `out` comes cleared.
  virtual Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) = 0;

  // Writes one resource. `replace`: its value becomes `value` (a multiple resource: exactly the
  // instances given). Otherwise (Partial Update of a multiple resource) the instances given are
  // added or overwritten and the others kept. Default: MethodNotAllowed.
  virtual Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool replace);

  // Removes an optional writable resource: a Replace of the whole instance that does not give it.
  // Default: Ok (nothing to remove).
  virtual Outcome remove(std::uint16_t rid);

  // Deletes one instance of a multiple resource (Delete /o/i/r/ri). Default: MethodNotAllowed.
  virtual Outcome remove_resource_instance(std::uint16_t rid, std::uint16_t riid);

  // Executes a resource with the Execute arguments as received (syntax already checked, e.g.
  // "0='U',1"). Default: MethodNotAllowed.
  virtual Outcome execute(std::uint16_t rid, std::string_view arguments);
};

// An instance whose values live in memory.
class ValueInstance : public ObjectInstance {
 public:
  using ExecuteHandler = std::function<Outcome(std::string_view arguments)>;

  // A single resource.
  void set(std::uint16_t rid, lwm2m::Value value);
  // One instance of a multiple resource (the resource is created when absent).
  void set(std::uint16_t rid, std::uint16_t riid, lwm2m::Value value);
  // A multiple resource with exactly these instances (possibly none).
  void set_multiple(std::uint16_t rid, std::map<std::uint16_t, lwm2m::Value> instances = {});
  // An executable resource.
  void set_executable(std::uint16_t rid, ExecuteHandler handler);
  void erase(std::uint16_t rid);

  // The stored resource, or null.
  const lwm2m::ResourceNode* find(std::uint16_t rid) const;
  // The value of a single resource, or null.
  const lwm2m::Value* value(std::uint16_t rid) const;

  std::vector<std::uint16_t> resources() const override;
  Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override;
  Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& value, bool replace) override;
  Outcome remove(std::uint16_t rid) override;
  Outcome remove_resource_instance(std::uint16_t rid, std::uint16_t riid) override;
  Outcome execute(std::uint16_t rid, std::string_view arguments) override;

 private:
  std::map<std::uint16_t, lwm2m::ResourceNode> values_;
  std::map<std::uint16_t, ExecuteHandler> executables_;
};

}  // namespace drover::client
