#include "drover/coap/names.hpp"

#include <array>

namespace drover::coap {

std::string_view type_name(Type type) {
  constexpr std::array<std::string_view, 4> names{"CON", "NON", "ACK", "RST"};
  return names[static_cast<std::size_t>(type) & 3];
}

std::string_view code_name(Code code) {
  struct Name {
    Code code;
    std::string_view name;
  };
  static constexpr std::array<Name, 31> names{{
      {codes::Get, "GET"},
      {codes::Post, "POST"},
      {codes::Put, "PUT"},
      {codes::Delete, "DELETE"},
      {codes::Fetch, "FETCH"},
      {codes::Patch, "PATCH"},
      {codes::IPatch, "iPATCH"},
      {codes::Created, "Created"},
      {codes::Deleted, "Deleted"},
      {codes::Valid, "Valid"},
      {codes::Changed, "Changed"},
      {codes::Content, "Content"},
      {codes::Continue, "Continue"},
      {codes::BadRequest, "Bad Request"},
      {codes::Unauthorized, "Unauthorized"},
      {codes::BadOption, "Bad Option"},
      {codes::Forbidden, "Forbidden"},
      {codes::NotFound, "Not Found"},
      {codes::MethodNotAllowed, "Method Not Allowed"},
      {codes::NotAcceptable, "Not Acceptable"},
      {codes::RequestEntityIncomplete, "Request Entity Incomplete"},
      {codes::Conflict, "Conflict"},
      {codes::PreconditionFailed, "Precondition Failed"},
      {codes::RequestEntityTooLarge, "Request Entity Too Large"},
      {codes::UnsupportedContentFormat, "Unsupported Content-Format"},
      {codes::InternalServerError, "Internal Server Error"},
      {codes::NotImplemented, "Not Implemented"},
      {codes::BadGateway, "Bad Gateway"},
      {codes::ServiceUnavailable, "Service Unavailable"},
      {codes::GatewayTimeout, "Gateway Timeout"},
      {Code{5, 5}, "Proxying Not Supported"},
  }};
  for (const auto& n : names)
    if (n.code == code) return n.name;
  return {};
}

namespace {

struct OptionInfo {
  std::uint16_t number;
  std::string_view name;
  OptionFormat format;
};
constexpr std::array<OptionInfo, 21> kOptions{{
    {options::IfMatch, "If-Match", OptionFormat::Opaque},
    {options::UriHost, "Uri-Host", OptionFormat::String},
    {options::ETag, "ETag", OptionFormat::Opaque},
    {options::IfNoneMatch, "If-None-Match", OptionFormat::Empty},
    {options::Observe, "Observe", OptionFormat::Uint},
    {options::UriPort, "Uri-Port", OptionFormat::Uint},
    {options::LocationPath, "Location-Path", OptionFormat::String},
    {options::Oscore, "OSCORE", OptionFormat::Opaque},
    {options::UriPath, "Uri-Path", OptionFormat::String},
    {options::ContentFormat, "Content-Format", OptionFormat::Uint},
    {options::MaxAge, "Max-Age", OptionFormat::Uint},
    {options::UriQuery, "Uri-Query", OptionFormat::String},
    {options::Accept, "Accept", OptionFormat::Uint},
    {options::LocationQuery, "Location-Query", OptionFormat::String},
    {options::Block2, "Block2", OptionFormat::Block},
    {options::Block1, "Block1", OptionFormat::Block},
    {options::Size2, "Size2", OptionFormat::Uint},
    {options::ProxyUri, "Proxy-Uri", OptionFormat::String},
    {options::ProxyScheme, "Proxy-Scheme", OptionFormat::String},
    {options::Size1, "Size1", OptionFormat::Uint},
    {options::NoResponse, "No-Response", OptionFormat::Uint},
}};

const OptionInfo* find_option(std::uint16_t number) {
  for (const auto& o : kOptions)
    if (o.number == number) return &o;
  return nullptr;
}

}  // namespace

std::string_view option_name(std::uint16_t number) {
  const auto* o = find_option(number);
  return o ? o->name : std::string_view();
}

OptionFormat option_format(std::uint16_t number) {
  const auto* o = find_option(number);
  return o ? o->format : OptionFormat::Opaque;
}

std::string block_text(std::uint32_t value) {
  return std::to_string(value >> 4) + ((value & 8) != 0 ? "+" : "") + "/" +
         std::to_string(1u << ((value & 7) + 4));
}

}  // namespace drover::coap
