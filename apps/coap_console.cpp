#include "coap_console.hpp"

#include "drover/coap/names.hpp"

namespace drover::apps {

namespace {
// "GET", "2.05 Content"; the code alone for codes without a registered name.
std::string code_text(coap::Code code) {
  const std::string_view name = coap::code_name(code);
  if (code.is_request()) return std::string(name.empty() ? code.to_string() : name);
  return name.empty() ? code.to_string() : code.to_string() + " " + std::string(name);
}
}  // namespace

std::string request_line(const coap::Message& request) {
  std::string line = code_text(request.code) + " " + request.uri_path();
  char sep = '?';
  request.for_each(coap::options::UriQuery, [&](coap::OptionView o) {
    line += sep;
    line += o.as_string();
    sep = '&';
  });
  return line;
}

namespace {
std::string preview(std::span<const std::uint8_t> payload) {
  constexpr std::size_t limit = 48;
  std::string out;
  for (std::size_t i = 0; i < payload.size() && i < limit; ++i) {
    const auto c = static_cast<char>(payload[i]);
    out += (c >= 0x20 && c < 0x7f) ? c : (c == '\n' ? ' ' : '.');
  }
  if (payload.size() > limit) out += "...";
  return out;
}
}  // namespace

std::string describe(const coap::Message& msg) {
  std::string out = msg.code.is_request() ? request_line(msg) : code_text(msg.code);
  if (auto v = msg.uint_option(coap::options::Observe)) out += ", Observe " + std::to_string(*v);
  if (auto v = msg.uint_option(coap::options::Block1)) out += ", Block1 " + coap::block_text(*v);
  if (auto v = msg.uint_option(coap::options::Block2)) out += ", Block2 " + coap::block_text(*v);
  if (auto v = msg.uint_option(coap::options::ContentFormat))
    out += ", Content-Format " + std::to_string(*v);
  msg.for_each(coap::options::LocationPath, [&](coap::OptionView o) {
    out += ", Location-Path ";
    out += o.as_string();
  });
  if (!msg.payload().empty()) {
    out +=
        ", " + std::to_string(msg.payload().size()) + " bytes \"" + preview(msg.payload()) + "\"";
  }
  return out;
}

}  // namespace drover::apps
