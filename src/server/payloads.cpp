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

std::optional<std::string> decode_records(const coap::Message& message, const lwm2m::Path& base,
                                          std::optional<ContentFormat> accept,
                                          const lwm2m::TypeResolver& types, double now,
                                          std::optional<ContentFormat>& format,
                                          std::vector<lwm2m::Record>& records) {
  const auto cf = lwm2m::content_format_of(message);
  if (cf.present) {
    if (!cf.format) {
      return "unknown Content-Format " +
             std::to_string(message.uint_option(coap::options::ContentFormat).value_or(0));
    }
    format = cf.format;
  } else if (message.payload().empty()) {
    return std::nullopt;  // e.g. an object without instances
  } else if (accept) {
    format = accept;  // clients that omit the option answer in the format asked for
  } else if (base.has_resource()) {
    format = ContentFormat::Text;  // a single value without Content-Format: plain text
  } else {
    return std::string("payload without Content-Format");
  }
  if (*format == ContentFormat::LinkFormat)
    return std::string("link-format where values were expected");
  lwm2m::DecodeOptions options;
  options.types = &types;
  options.now = now;
  // One allocation for a typical answer instead of one per doubling (an instance of a few to a
  // few dozen resources).
  if (!base.has_resource()) records.reserve(16);
  if (auto error = lwm2m::decode(*format, message.payload(), base, options, records)) {
    records.clear();
    return std::string(lwm2m::to_string(*format)) + ": " + error->message + " at offset " +
           std::to_string(error->offset);
  }
  return std::nullopt;
}

std::string diagnostic_of(const coap::Message& message) {
  // RFC 7252 §5.5.2: UTF-8 text; control characters are masked for the logs it ends up in.
  constexpr std::size_t max_length = 256;
  std::string text(message.payload_string().substr(0, max_length));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

}  // namespace drover::server
