#include "drover/coap/uri.hpp"

namespace drover::coap {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// Splits `text` at `sep` into percent-decoded items.
bool split_decoded(std::string_view text, char sep, std::vector<std::string>& out) {
  for (;;) {
    auto pos = text.find(sep);
    auto item = percent_decode(text.substr(0, pos));
    if (!item) return false;
    out.push_back(std::move(*item));
    if (pos == std::string_view::npos) return true;
    text.remove_prefix(pos + 1);
  }
}

}  // namespace

std::optional<CoapUri> parse_coap_uri(std::string_view text, std::string& error) {
  CoapUri uri;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    error = "missing scheme (expected coap://host[:port]/path)";
    return std::nullopt;
  }
  uri.scheme = std::string(text.substr(0, scheme_end));
  for (auto& c : uri.scheme) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (uri.scheme == "coap" || uri.scheme == "coap+tcp") {
    uri.port = 5683;
  } else if (uri.scheme == "coaps" || uri.scheme == "coaps+tcp") {
    uri.port = 5684;
  } else {
    error = "unsupported scheme '" + uri.scheme + "'";
    return std::nullopt;
  }
  text.remove_prefix(scheme_end + 3);
  if (text.find('#') != std::string_view::npos) {
    error = "a CoAP URI has no fragment";
    return std::nullopt;
  }

  auto authority_end = text.find_first_of("/?");
  std::string_view authority = text.substr(0, authority_end);
  text = authority_end == std::string_view::npos ? std::string_view{} : text.substr(authority_end);
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 literal";
      return std::nullopt;
    }
    uri.host = std::string(authority.substr(1, close - 1));
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        error = "unexpected text after the IPv6 literal";
        return std::nullopt;
      }
      port_text = rest.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    uri.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (uri.host.empty()) {
    error = "missing host";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    unsigned port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) {
        error = "bad port '" + std::string(port_text) + "'";
        return std::nullopt;
      }
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) {
      error = "bad port '" + std::string(port_text) + "'";
      return std::nullopt;
    }
    uri.port = static_cast<std::uint16_t>(port);
  }

  auto query_start = text.find('?');
  std::string_view path = text.substr(0, query_start);
  // RFC 7252 §6.4 step 8: an empty path or "/" gives no Uri-Path option.
  if (!path.empty() && path != "/" && !split_decoded(path.substr(1), '/', uri.path)) {
    error = "bad percent-encoding in the path";
    return std::nullopt;
  }
  if (query_start != std::string_view::npos && query_start + 1 < text.size() &&
      !split_decoded(text.substr(query_start + 1), '&', uri.query)) {
    error = "bad percent-encoding in the query";
    return std::nullopt;
  }
  return uri;
}

void CoapUri::apply_to(Message& request) const {
  for (const auto& segment : path) request.add_option(options::UriPath, segment);
  for (const auto& item : query) request.add_option(options::UriQuery, item);
}

}  // namespace drover::coap
