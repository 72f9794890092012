#include "coap_demo_server.hpp"

#include <algorithm>
#include <cstdio>

#include "coap_console.hpp"
#include "drover/log/log.hpp"

namespace drover::apps {

namespace codes = coap::codes;
namespace options = coap::options;

namespace {

constexpr std::uint32_t kTextPlain = 0;
constexpr std::uint32_t kLinkFormat = 40;

coap::Message reply(coap::Code code, std::string_view text = {}, bool text_plain = false) {
  coap::Message m;
  m.code = code;
  if (text_plain) m.add_uint_option(options::ContentFormat, kTextPlain);
  if (!text.empty()) m.set_payload(text);
  return m;
}

}  // namespace

DemoCoapServer::DemoCoapServer(boost::asio::io_context& io, transport::CoapUdpEndpoint& endpoint,
                               bool log_requests, std::chrono::milliseconds tick_interval)
    : endpoint_(endpoint), timer_(io), tick_interval_(tick_interval), log_(log_requests) {
  endpoint_.set_event_handler(
      [this](transport::CoapUdpEndpoint&, coap::Event& ev) { on_event(ev); });
  tick();
}

std::string DemoCoapServer::large_body() {
  std::string body;
  body.reserve(5000);
  for (int i = 0; i < 100; ++i) {
    char head[16];
    std::snprintf(head, sizeof head, "line %04d ", i);
    body += head;
    body.append(39, static_cast<char>('a' + i % 26));
    body += '\n';
  }
  return body;
}

void DemoCoapServer::tick() {
  timer_.expires_after(tick_interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    ++counter_;
    for (auto id : observers_) {
      auto st = endpoint_.notify(id, reply(codes::Content, std::to_string(counter_), true));
      if (!st && log_)
        log::warn(log::Component::Coap, {"notify_failed"},
                  "notify failed: " + std::string(coap::to_string(st.error())));
    }
    tick();
  });
}

void DemoCoapServer::on_event(coap::Event& event) {
  if (auto* req = std::get_if<coap::RequestReceived>(&event)) {
    on_request(*req);
  } else if (auto* gone = std::get_if<coap::ObserverRemoved>(&event)) {
    std::erase(observers_, gone->observer);
    if (log_) {
      log::info(log::Component::Coap, {"observer_removed"},
                "observer " + gone->peer.to_string() +
                    " removed: " + std::string(coap::to_string(gone->reason)));
    }
  }
}

void DemoCoapServer::on_request(coap::RequestReceived& req) {
  bool accept_observe = false;
  coap::Message response = handle(req, accept_observe);
  if (accept_observe) response.add_uint_option(options::Observe, 0);
  const std::string summary = describe(response);
  auto result = endpoint_.respond(req.exchange, std::move(response));
  if (!result) {
    log::error(log::Component::Coap, {"respond_failed"},
               "cannot respond: " + std::string(coap::to_string(result.error())));
    return;
  }
  if (result.value()) observers_.push_back(*result.value());
  if (log_) {
    log::info(log::Component::Coap, {"request"},
              req.peer.to_string() + " " + describe(req.request) + " -> " + summary +
                  (result.value() ? " (observing)" : ""));
  }
}

coap::Message DemoCoapServer::handle(const coap::RequestReceived& req, bool& accept_observe) {
  const coap::Message& in = req.request;
  const std::string path = in.uri_path();
  const coap::Code method = in.code;
  const std::string_view body = in.payload_string();

  if (path == "/.well-known/core") {
    if (method != codes::Get) return reply(codes::MethodNotAllowed);
    coap::Message m =
        reply(codes::Content,
              "</test>;title=\"stored text\",</large>;sz=5000,"
              "</counter>;obs;title=\"ticks every second\",</upload>;title=\"block-wise PUT\"");
    m.add_uint_option(options::ContentFormat, kLinkFormat);
    return m;
  }
  if (path == "/test") {
    if (method == codes::Get) {
      return test_body_ ? reply(codes::Content, *test_body_, true) : reply(codes::NotFound);
    }
    if (method == codes::Put || method == codes::Post) {
      const bool created = method == codes::Post || !test_body_;
      test_body_ = std::string(body);
      return reply(created ? codes::Created : codes::Changed);
    }
    if (method == codes::Delete) {
      test_body_.reset();
      return reply(codes::Deleted);
    }
    return reply(codes::MethodNotAllowed);
  }
  if (path == "/large") {
    if (method != codes::Get) return reply(codes::MethodNotAllowed);
    return reply(codes::Content, large_body(), true);
  }
  if (path == "/counter") {
    if (method != codes::Get) return reply(codes::MethodNotAllowed);
    accept_observe = in.uint_option(options::Observe) == 0u;
    return reply(codes::Content, std::to_string(counter_), true);
  }
  if (path == "/upload") {
    if (method == codes::Get) {
      return reply(codes::Content, "last upload: " + std::to_string(last_upload_) + " bytes", true);
    }
    if (method == codes::Put || method == codes::Post) {
      last_upload_ = body.size();
      return reply(codes::Changed, "received " + std::to_string(last_upload_) + " bytes", true);
    }
    return reply(codes::MethodNotAllowed);
  }
  return reply(codes::NotFound);
}

}  // namespace drover::apps
