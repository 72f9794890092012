// Operations started through the API: registered when started, answered, counted and timed when
// the core completes them.
#include <algorithm>
#include <boost/json.hpp>

#include "api_impl.hpp"
#include "errors.hpp"
#include "views.hpp"

namespace drover::http {

namespace json = boost::json;
using server::OperationStatus;

Reply Api::Impl::started(const RouteRequest& request, const server::Result<server::OperationId>& id,
                         Operation kind, const std::string& endpoint, const lwm2m::Path& path) {
  if (!id) {
    ++counted.operations[static_cast<std::size_t>(kind)][kRefused];
    return error_of(id.error());
  }
  const auto* r = core.registration(endpoint);
  const bool queued = r && r->queue_mode && !core.is_awake(endpoint);
  pending[*id] = PendingOp{kind, endpoint, path, request.now, request.names, queued};
  if (queued) return ok(202, json::object{{"id", (*id).value}, {"queued", true}});
  return Pending{*id};
}

std::optional<Completion> Api::Impl::completed(const server::OperationCompleted& done,
                                               coap::TimePoint now) {
  auto it = pending.find(done.id);
  if (it == pending.end()) return std::nullopt;
  const PendingOp op = std::move(it->second);
  pending.erase(it);
  const auto kind = static_cast<std::size_t>(op.kind);
  ++counted.operations[kind][static_cast<std::size_t>(done.result.status)];
  counted.latency[kind].add(std::max(0.0, std::chrono::duration<double>(now - op.started).count()));
  const bool observe = op.kind == Operation::Observe || op.kind == Operation::ObserveComposite;
  if (observe && !done.result.observing) forget_observation(done.id);
  return Completion{done.id, result_response(op, done.id, done.result), op.queued};
}

Response Api::Impl::result_response(const PendingOp& op, server::OperationId id,
                                    const server::OperationResult& result) const {
  if (result.status != OperationStatus::Success) return error_of(result);
  json::object body{{"id", id.value}, {"code", result.code.to_string()}};
  const lwm2m::ObjectRegistry* names = op.names ? &core.objects() : nullptr;
  switch (op.kind) {
    case Operation::Read:
    case Operation::ReadComposite:
    case Operation::Observe:
    case Operation::ObserveComposite:
      if (result.format) body["format"] = lwm2m::to_string(*result.format);
      body["values"] = records_json(result.records, names);
      if (op.kind == Operation::Observe || op.kind == Operation::ObserveComposite)
        body["observing"] = result.observing;
      break;
    case Operation::Discover:
      body["links"] = links_json(result.links);
      break;
    case Operation::Create:
      if (result.created) body["created"] = result.created->to_string();
      return ok(201, body);
    case Operation::Write:
    case Operation::WriteAttributes:
    case Operation::Execute:
    case Operation::Delete:
    case Operation::WriteComposite:
      break;
  }
  return ok(200, body);
}

std::optional<Completion> Api::on_event(const server::ServerEvent& event, coap::TimePoint now) {
  auto& i = *impl_;
  if (const auto* ended = std::get_if<server::ObservationEnded>(&event)) {
    i.forget_observation(ended->observation);
    return std::nullopt;
  }
  if (std::holds_alternative<server::Registered>(event)) ++i.counted.registered;
  if (std::holds_alternative<server::Updated>(event)) ++i.counted.updated;
  if (std::holds_alternative<server::Deregistered>(event)) ++i.counted.deregistered;
  if (std::holds_alternative<server::Expired>(event)) ++i.counted.expired;
  if (std::holds_alternative<server::Notification>(event)) ++i.counted.notifications;
  if (std::holds_alternative<server::SendReceived>(event)) ++i.counted.sends;
  const auto* done = std::get_if<server::OperationCompleted>(&event);
  if (!done) return std::nullopt;
  return i.completed(*done, now);
}

}  // namespace drover::http
