// Format choice for requests and decoding of responses, notifications and Send payloads.
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "server_impl.hpp"

namespace drover::server {

using lwm2m::ContentFormat;

std::optional<lwm2m::ResourceShape> RegistrationTypes::lookup(std::uint16_t object_id,
                                                              std::uint16_t resource_id) const {
  // The version the client announced (ver=) decides the shape; unversioned objects, or versions
  // the registry does not know, fall back to the registry's active definition.
  if (registration_) {
    if (const auto* announced = registration_->object(object_id); announced && announced->version) {
      if (const auto version = lwm2m::Version::parse(*announced->version)) {
        if (const auto* def = objects_.find(object_id, *version)) {
          const auto* resource = def->resource(resource_id);
          if (!resource) return std::nullopt;
          return resource->shape();
        }
      }
    }
  }
  return objects_.lookup(object_id, resource_id);
}

namespace {

bool lwm2m_cbor_client(const Registration& registration) {
  return registration.version == lwm2m::Lwm2mVersion::V1_2 &&
         registration.announced(ContentFormat::Lwm2mCbor);
}

}  // namespace

ContentFormat multi_value_format(const Registration& registration) {
  if (lwm2m_cbor_client(registration)) return ContentFormat::Lwm2mCbor;
  if (registration.version != lwm2m::Lwm2mVersion::V1_0) {
    if (registration.announced(ContentFormat::SenmlCbor)) return ContentFormat::SenmlCbor;
    if (registration.announced(ContentFormat::SenmlJson)) return ContentFormat::SenmlJson;
  }
  return ContentFormat::Tlv;
}

ContentFormat composite_format(const Registration& registration) {
  if (registration.announced(ContentFormat::SenmlJson) &&
      !registration.announced(ContentFormat::SenmlCbor))
    return ContentFormat::SenmlJson;
  return ContentFormat::SenmlCbor;
}

ContentFormat composite_values_format(const Registration& registration) {
  return lwm2m_cbor_client(registration) ? ContentFormat::Lwm2mCbor
                                         : composite_format(registration);
}

}  // namespace drover::server
