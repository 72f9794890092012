// The LwM2M readers of a request's CoAP options: Register/Update and Bootstrap queries,
// notification attributes and the Uri-Path as an LwM2M path. They never crash; what they accept
// writes back and reads again to the same value.
#include <cstdint>
#include <cstdlib>

#include "drover/coap/message.hpp"
#include "drover/lwm2m/protocol/attributes.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/lwm2m/protocol/registration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace drover;
  static coap::Message msg;
  if (coap::parse({data, size}, msg)) return 0;

  lwm2m::RegisterParams reg;
  if (!lwm2m::parse_register_query(msg, reg)) {
    coap::Message out;
    lwm2m::add_register_queries(reg, out);
    lwm2m::RegisterParams again;
    if (lwm2m::parse_register_query(out, again)) std::abort();
    // Writing drops a 1.0 client's "Q" spelling differences and unknown parameters, not values.
    if (again.endpoint != reg.endpoint || again.lifetime != reg.lifetime ||
        again.version != reg.version || again.queue_mode != reg.queue_mode || again.sms != reg.sms)
      std::abort();
  }
  lwm2m::UpdateParams update;
  if (!lwm2m::parse_update_query(msg, update)) {
    // 1.0 folds Q into the binding, 1.1 sends it alone: both read back the same.
    for (const auto version : {lwm2m::Lwm2mVersion::V1_0, lwm2m::Lwm2mVersion::V1_1}) {
      coap::Message out;
      lwm2m::add_update_queries(update, version, out);
      lwm2m::UpdateParams again;
      if (lwm2m::parse_update_query(out, again)) std::abort();
      if (again.lifetime != update.lifetime || again.queue_mode != update.queue_mode ||
          again.sms != update.sms)
        std::abort();
    }
  }
  lwm2m::BootstrapParams bootstrap;
  if (!lwm2m::parse_bootstrap_query(msg, bootstrap)) {
    coap::Message out;
    lwm2m::add_bootstrap_queries(bootstrap, out);
    lwm2m::BootstrapParams again;
    if (lwm2m::parse_bootstrap_query(out, again) || !(again == bootstrap)) std::abort();
  }
  lwm2m::AttributeUpdate attributes;
  if (!lwm2m::parse_attribute_queries(msg, attributes)) {
    coap::Message out;
    lwm2m::add_attribute_queries(attributes, out);
    lwm2m::AttributeUpdate again;
    if (lwm2m::parse_attribute_queries(out, again)) std::abort();
    if (!(again.set == attributes.set)) std::abort();
    (void)lwm2m::check_attributes(attributes.set);
  }
  if (const auto path = lwm2m::path_of(msg)) {
    coap::Message out;
    lwm2m::set_path(out, *path);
    if (lwm2m::path_of(out) != path) std::abort();
  }
  (void)lwm2m::path_of(msg, "/lwm2m");
  (void)lwm2m::content_format_of(msg);
  (void)lwm2m::accept_of(msg);
  return 0;
}
