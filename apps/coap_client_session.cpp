#include "coap_client_session.hpp"

namespace drover::apps {

CoapClientSession::CoapClientSession(boost::asio::io_context& io,
                                     transport::CoapUdpEndpoint& endpoint)
    : io_(io), endpoint_(endpoint) {
  endpoint_.set_event_handler(
      [this](transport::CoapUdpEndpoint&, coap::Event& ev) { on_event(ev); });
}

bool CoapClientSession::run_until(const std::function<bool()>& done) {
  while (!done()) {
    if (io_.stopped() || io_.run_one() == 0) return false;
  }
  return true;
}

void CoapClientSession::on_event(coap::Event& event) {
  if (auto* r = std::get_if<coap::ResponseReceived>(&event)) {
    if (waiting_ && r->request == *waiting_) {
      if (observing_ && *observing_ == r->request && !on_update_(r->response, false))
        observation_over_ = true;
      outcome_.response = std::move(r->response);
      answered_ = true;
    }
  } else if (auto* n = std::get_if<coap::NotificationReceived>(&event)) {
    if (observing_ && n->request == *observing_ && !observation_over_) {
      if (!on_update_(n->notification, true) || n->last) observation_over_ = true;
      if (n->last) observing_.reset();  // the server ended it: nothing to deregister
    }
  } else if (auto* f = std::get_if<coap::RequestFailed>(&event)) {
    if (waiting_ && f->request == *waiting_) {
      outcome_.failure = std::string(coap::to_string(f->reason));
      answered_ = true;
    }
    if (observing_ && f->request == *observing_) {
      observation_over_ = true;
      observing_.reset();
    }
  }
}

CoapOutcome CoapClientSession::call(const coap::PeerAddress& peer, coap::Message request,
                                    const coap::RequestOptions& options) {
  outcome_ = {};
  answered_ = false;
  auto id = endpoint_.send_request(peer, std::move(request), options);
  if (!id) return {std::nullopt, "request refused: " + std::string(coap::to_string(id.error()))};
  waiting_ = *id;
  if (!run_until([this] { return answered_; })) outcome_.failure = "interrupted";
  waiting_.reset();
  return std::move(outcome_);
}

CoapOutcome CoapClientSession::observe(const coap::PeerAddress& peer, coap::Message request,
                                       const coap::RequestOptions& options,
                                       UpdateHandler on_update) {
  request.set_uint_option(coap::options::Observe, 0);
  on_update_ = std::move(on_update);
  observation_over_ = false;
  outcome_ = {};
  answered_ = false;
  auto id = endpoint_.send_request(peer, std::move(request), options);
  if (!id) return {std::nullopt, "request refused: " + std::string(coap::to_string(id.error()))};
  waiting_ = *id;
  observing_ = *id;
  const bool registered = run_until([this] { return answered_; });
  waiting_.reset();
  CoapOutcome result = std::move(outcome_);
  if (!registered) result.failure = "interrupted";
  // Without an Observe option in the response, the server declined: the exchange is over.
  if (registered && result.ok() && result.response->has_option(coap::options::Observe)) {
    run_until([this] { return observation_over_; });
  }
  if (observing_) {
    auto dereg = endpoint_.deregister(*observing_);
    observing_.reset();
    if (dereg && !io_.stopped()) {
      outcome_ = {};
      answered_ = false;
      waiting_ = *dereg;
      run_until([this] { return answered_; });
      waiting_.reset();
    } else {
      endpoint_.cancel(*id);
    }
  }
  on_update_ = nullptr;
  return result;
}

}  // namespace drover::apps
