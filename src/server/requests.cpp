// Requests of server-side cores and the meaning of their answers (requests.hpp).
#include "drover/server/requests.hpp"

#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::server {

using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;

std::string_view to_string(OperationStatus s) {
  switch (s) {
    case OperationStatus::Success:
      return "success";
    case OperationStatus::BadRequest:
      return "bad request";
    case OperationStatus::Unauthorized:
      return "unauthorized";
    case OperationStatus::BadOption:
      return "bad option";
    case OperationStatus::Forbidden:
      return "forbidden";
    case OperationStatus::NotFound:
      return "not found";
    case OperationStatus::MethodNotAllowed:
      return "method not allowed";
    case OperationStatus::NotAcceptable:
      return "not acceptable";
    case OperationStatus::RequestEntityIncomplete:
      return "request entity incomplete";
    case OperationStatus::Conflict:
      return "conflict";
    case OperationStatus::PreconditionFailed:
      return "precondition failed";
    case OperationStatus::RequestEntityTooLarge:
      return "request entity too large";
    case OperationStatus::UnsupportedFormat:
      return "unsupported content format";
    case OperationStatus::InternalServerError:
      return "client internal error";
    case OperationStatus::NotImplemented:
      return "not implemented";
    case OperationStatus::BadGateway:
      return "bad gateway";
    case OperationStatus::ServiceUnavailable:
      return "service unavailable";
    case OperationStatus::GatewayTimeout:
      return "gateway timeout";
    case OperationStatus::ProxyingNotSupported:
      return "proxying not supported";
    case OperationStatus::ServerError:
      return "server error";
    case OperationStatus::OtherError:
      return "error";
    case OperationStatus::DecodeFailed:
      return "undecodable payload";
    case OperationStatus::Timeout:
      return "timeout";
    case OperationStatus::Reset:
      return "reset";
    case OperationStatus::TransferFailed:
      return "block-wise transfer failed";
    case OperationStatus::QueueTimeout:
      return "client slept past the deadline";
    case OperationStatus::ClientGone:
      return "registration ended";
  }
  return "?";
}

namespace {

namespace codes = coap::codes;
constexpr std::pair<coap::Code, OperationStatus> kStatusOfCode[] = {
    {codes::BadRequest, OperationStatus::BadRequest},
    {codes::Unauthorized, OperationStatus::Unauthorized},
    {codes::BadOption, OperationStatus::BadOption},
    {codes::Forbidden, OperationStatus::Forbidden},
    {codes::NotFound, OperationStatus::NotFound},
    {codes::MethodNotAllowed, OperationStatus::MethodNotAllowed},
    {codes::NotAcceptable, OperationStatus::NotAcceptable},
    {codes::RequestEntityIncomplete, OperationStatus::RequestEntityIncomplete},
    {codes::Conflict, OperationStatus::Conflict},
    {codes::PreconditionFailed, OperationStatus::PreconditionFailed},
    {codes::RequestEntityTooLarge, OperationStatus::RequestEntityTooLarge},
    {codes::UnsupportedContentFormat, OperationStatus::UnsupportedFormat},
    {codes::InternalServerError, OperationStatus::InternalServerError},
    {codes::NotImplemented, OperationStatus::NotImplemented},
    {codes::BadGateway, OperationStatus::BadGateway},
    {codes::ServiceUnavailable, OperationStatus::ServiceUnavailable},
    {codes::GatewayTimeout, OperationStatus::GatewayTimeout},
    {coap::Code(5, 5), OperationStatus::ProxyingNotSupported},
};

}  // namespace

OperationStatus status_of(coap::Code code) {
  if (code.is_success()) return OperationStatus::Success;
  for (const auto& [c, status] : kStatusOfCode)
    if (c == code) return status;
  return code.cls() == 5 ? OperationStatus::ServerError : OperationStatus::OtherError;
}

drover::Result<lwm2m::ValueTree, lwm2m::TreeError> OperationResult::value_tree(
    const lwm2m::TypeResolver* types) const {
  lwm2m::ValueTree tree;
  if (auto error = lwm2m::records_to_tree(records, tree, types)) return std::move(*error);
  return tree;
}

coap::Message make_request(coap::Message m, coap::Code code, const Path& path,
                           std::string_view root) {
  m.code = code;
  lwm2m::set_path(m, path, root);
  return m;
}

bool set_records(coap::Message& m, ContentFormat format, std::span<const Record> records,
                 const Path& base) {
  std::vector<std::uint8_t> bytes;
  if (lwm2m::encode(format, records, base, bytes)) return false;
  lwm2m::set_content_format(m, format);
  m.set_payload(bytes);
  return true;
}

namespace {

// The instance a Create answer names in its Location-Path ("/3303/1", below the client's root).
std::optional<Path> created_path(const coap::Message& response, std::string_view root) {
  std::string text;
  response.for_each(coap::options::LocationPath, [&](const coap::OptionView& segment) {
    text += '/';
    text += segment.as_string();
  });
  if (text.empty()) return std::nullopt;
  if (root != "/" && text.starts_with(root)) text.erase(0, root.size());
  auto path = Path::parse(text);
  if (!path || path->level() != Path::Level::Instance) return std::nullopt;
  return path;
}

}  // namespace

OperationStatus status_of(coap::FailureReason reason) {
  switch (reason) {
    case coap::FailureReason::Timeout:
      return OperationStatus::Timeout;
    case coap::FailureReason::Reset:
      return OperationStatus::Reset;
    case coap::FailureReason::RequestTooLarge:
      return OperationStatus::RequestEntityTooLarge;
    case coap::FailureReason::BodyTooLarge:
    case coap::FailureReason::BlockTransfer:
    case coap::FailureReason::Resources:
    case coap::FailureReason::BadResponse:
      return OperationStatus::TransferFailed;
  }
  return OperationStatus::TransferFailed;
}

OperationResult result_of(lwm2m::Operation kind, const Path& path,
                          std::optional<ContentFormat> accept, const coap::Message& response,
                          const lwm2m::TypeResolver& types, double wall_time,
                          std::string_view root) {
  OperationResult result;
  result.code = response.code;
  result.status = status_of(response.code);
  if (!response.code.is_success()) {
    result.diagnostic = diagnostic_of(response);
    return result;
  }
  switch (kind) {
    case lwm2m::Operation::Read:
    case lwm2m::Operation::ReadComposite:
    case lwm2m::Operation::Observe:
    case lwm2m::Operation::ObserveComposite:
      if (auto error = decode_records(response, path, accept, types, wall_time, result.format,
                                      result.records)) {
        result.status = OperationStatus::DecodeFailed;
        result.diagnostic = std::move(*error);
      }
      result.observing =
          (kind == lwm2m::Operation::Observe || kind == lwm2m::Operation::ObserveComposite) &&
          response.has_option(coap::options::Observe);
      break;
    case lwm2m::Operation::Discover: {
      const auto cf = lwm2m::content_format_of(response);
      if (cf.present && cf.format != ContentFormat::LinkFormat) {
        result.status = OperationStatus::DecodeFailed;
        result.diagnostic = "Discover answered with a format other than link-format";
        break;
      }
      result.format = ContentFormat::LinkFormat;
      if (auto error = lwm2m::parse_link_format(response.payload_string(), result.links)) {
        result.status = OperationStatus::DecodeFailed;
        result.diagnostic = "link-format: " + error->message;
      }
      break;
    }
    case lwm2m::Operation::Create:
      result.created = created_path(response, root);
      if (!result.created && path.has_instance()) result.created = path;
      break;
    case lwm2m::Operation::Write:
    case lwm2m::Operation::WriteAttributes:
    case lwm2m::Operation::Execute:
    case lwm2m::Operation::Delete:
    case lwm2m::Operation::WriteComposite:
    case lwm2m::Operation::CancelObservation:
      break;
  }
  return result;
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
