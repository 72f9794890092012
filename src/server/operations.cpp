// Device Management and Information Reporting requests: building them, queueing them for sleeping
// clients, sending them through the engine, and turning the answers into events.
#include <algorithm>

#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"
#include "drover/server/requests.hpp"
#include "server_impl.hpp"

namespace drover::server {
namespace {

using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;

// A request to the registered client, below its root.
coap::Message request_to(coap::Engine& engine, coap::Code code, const Registration& registration,
                         const Path& path) {
  return make_request(engine.take_message(), code, path, registration.objects->root);
}

bool all_under(const Path& base, std::span<const Record> records) {
  return std::all_of(records.begin(), records.end(),
                     [&](const Record& r) { return base.is_prefix_of(r.path); });
}

bool is_composite_format(ContentFormat f) {
  return f == ContentFormat::SenmlJson || f == ContentFormat::SenmlCbor ||
         f == ContentFormat::Lwm2mCbor;
}

// The path list of a composite request: one record without value per path.
std::vector<Record> path_records(std::span<const Path> paths) {
  std::vector<Record> out;
  out.reserve(paths.size());
  for (const Path& p : paths) out.push_back(Record{p, {}, std::nullopt});
  return out;
}

Operation new_operation(lwm2m::Operation kind, const Path& path,
                        std::optional<ContentFormat> accept = std::nullopt) {
  Operation op;
  op.kind = kind;
  op.path = path;
  op.accept = accept;
  return op;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Submission, queueing and sending.

OperationId Server::Impl::new_operation_id() {
  const OperationId id{next_operation};
  next_operation += config.operation_id_step;
  // Reserved in blocks, so that a restarted server never hands out an id twice.
  if (persistence && next_operation > reserved_operations) {
    reserved_operations = next_operation + 4096 * config.operation_id_step;
    persistence->operation_ids_reserved(reserved_operations);
  }
  return id;
}

PersistedOperation Server::Impl::persisted(OperationId id, const Operation& op,
                                           coap::Message request) const {
  return PersistedOperation{id,      op.endpoint, op.location,       op.kind,
                            op.path, op.accept,   std::move(request)};
}

Result<OperationId> Server::Impl::submit(const Registration& registration, Operation op,
                                         coap::Message message, const RequestParams& params,
                                         TimePoint now) {
  if (operations.size() - observation_count >= config.max_operations && !op.is_observation())
    return Error::TooManyOperations;
  op.endpoint = registration.endpoint;
  op.location = registration.location;
  op.timeout = params.timeout.value_or(config.request_timeout);
  OperationId id;
  const auto session_it = sessions.find(registration.location);
  const Session* session = session_it == sessions.end() ? nullptr : &session_it->second;

  if (registration.queue_mode && !(session && session->awake_until)) {
    const auto queued =
        session ? std::count_if(session->operations.begin(), session->operations.end(),
                                [&](OperationId o) { return !operations.at(o).request; })
                : 0;
    if (static_cast<std::size_t>(queued) >= config.max_queued_requests_per_client)
      return Error::QueueFull;
    id = new_operation_id();
    op.deadline = now + op.timeout;
    op.message = std::move(message);
    queue_deadlines.emplace(op.deadline, id);
    ++queued_count;
    if (persistence)
      persistence->request_queued(
          PersistedRequest{persisted(id, op, op.message), op.timeout, op.deadline});
  } else {
    coap::RequestOptions options;
    options.timeout = op.timeout;
    auto sent = engine.send_request(registration.peer, std::move(message), now, options);
    if (!sent) return Error::Busy;
    id = new_operation_id();
    op.request = *sent;
    request_index_nodes.emplace(by_request, *sent)->second = id;
  }
  if (op.is_observation()) ++observation_count;
  session_of(registration.location)->second.operations.push_back(id);
  operation_nodes.emplace(operations, id)->second = std::move(op);
  return id;
}

void Server::Impl::flush_queue(const std::string& location, TimePoint now) {
  const auto session = sessions.find(location);
  const Registration* registration = store().find_by_location(location);
  if (session == sessions.end() || !registration) return;
  for (const OperationId id : session->second.operations) {
    Operation& op = operations.at(id);
    if (op.request) continue;
    coap::RequestOptions options;
    options.timeout = op.timeout;
    auto sent = engine.send_request(registration->peer, op.message, now, options);
    if (!sent) break;  // the engine's per-peer queue is full: the rest wait for the next wake-up
    op.request = *sent;
    op.message = coap::Message{};
    request_index_nodes.emplace(by_request, *sent)->second = id;
    queue_deadlines.erase({op.deadline, id});
    --queued_count;
    if (persistence) persistence->request_dequeued(id);
  }
}

Operation Server::Impl::take(OperationId id) {
  const auto it = operations.find(id);
  Operation op = std::move(it->second);
  operation_nodes.erase(operations, it);
  if (op.request) {
    request_index_nodes.erase(by_request, *op.request);
    if (op.established && persistence) persistence->observation_removed(id);
  } else {
    queue_deadlines.erase({op.deadline, id});
    --queued_count;
    if (persistence) persistence->request_dequeued(id);
  }
  if (op.is_observation()) --observation_count;
  if (const auto s = sessions.find(op.location); s != sessions.end()) {
    std::erase(s->second.operations, id);
    if (s->second.empty()) session_nodes.erase(sessions, s);
  }
  return op;
}

void Server::Impl::complete(OperationId id, Operation op, OperationResult result) {
  events.emplace_back(OperationCompleted{id, std::move(op.endpoint), std::move(result)});
}

// ---------------------------------------------------------------------------------------------
// Answers.

void Server::Impl::on_response(OperationId id, const coap::Message& response, TimePoint now) {
  touch(operations.at(id).location, now);
  Operation& op = operations.at(id);
  const Registration* registration = store().find_by_location(op.location);
  const RegistrationTypes types(self.objects_, registration);
  OperationResult result = result_of(op.kind, op.path, op.accept, response, types, wall_time(),
                                     registration ? registration->objects->root : "/");
  if (result.observing) {
    op.established = true;
    if (persistence) {
      if (auto state = engine.observation_request(*op.request)) {
        persistence->observation_added(
            PersistedObservation{persisted(id, op, std::move(state->request)), state->peer});
      }
    }
    events.emplace_back(OperationCompleted{id, op.endpoint, std::move(result)});
    return;
  }
  complete(id, take(id), std::move(result));
}

void Server::Impl::on_notification(OperationId id, const coap::Message& notification, bool last) {
  const Operation& op = operations.at(id);
  Notification n{id, op.endpoint, notification.code, std::nullopt, {}, {}};
  if (notification.code.is_success()) {
    const RegistrationTypes types(self.objects_, store().find_by_location(op.location));
    if (auto error = decode_records(notification, op.path, op.accept, types, wall_time(), n.format,
                                    n.records))
      n.diagnostic = std::move(*error);
  } else {
    n.diagnostic = diagnostic_of(notification);
  }
  events.emplace_back(std::move(n));
  if (last) {
    Operation ended = take(id);
    events.emplace_back(
        ObservationEnded{id, std::move(ended.endpoint), ObservationEndReason::ClientEnded});
  }
}

void Server::Impl::on_failure(OperationId id, coap::FailureReason reason) {
  Operation op = take(id);
  if (op.established) {
    events.emplace_back(ObservationEnded{id, std::move(op.endpoint), ObservationEndReason::Failed});
    return;
  }
  OperationResult result;
  result.status = status_of(reason);
  complete(id, std::move(op), std::move(result));
}

// ---------------------------------------------------------------------------------------------
// The operations.

Result<OperationId> Server::read(std::string_view endpoint, const lwm2m::Path& path,
                                 const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (!path.has_object()) return Error::InvalidPath;
  auto m = request_to(impl_->engine, coap::codes::Get, *r, path);
  if (params.accept) lwm2m::set_accept(m, *params.accept);
  return impl_->submit(*r, new_operation(lwm2m::Operation::Read, path, params.accept), std::move(m),
                       params, now);
}

Result<OperationId> Server::discover(std::string_view endpoint, const lwm2m::Path& path,
                                     std::optional<unsigned> depth, const RequestParams& params,
                                     TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (!path.has_object() || path.has_resource_instance()) return Error::InvalidPath;
  if (depth && *depth > 3) return Error::InvalidArgument;
  if (depth && r->version < lwm2m::Lwm2mVersion::V1_2) return Error::UnsupportedByVersion;
  auto m = request_to(impl_->engine, coap::codes::Get, *r, path);
  lwm2m::set_accept(m, ContentFormat::LinkFormat);
  if (depth) m.add_option(coap::options::UriQuery, "depth=" + std::to_string(*depth));
  return impl_->submit(*r, new_operation(lwm2m::Operation::Discover, path), std::move(m), params,
                       now);
}

Result<OperationId> Server::write(std::string_view endpoint, const lwm2m::Path& path,
                                  std::span<const lwm2m::Record> records, WriteMode mode,
                                  const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (!path.has_instance()) return Error::InvalidPath;
  if (records.empty() || !all_under(path, records)) return Error::InvalidArgument;
  ContentFormat format;
  if (params.format) {
    format = *params.format;
  } else if (path.has_resource() && records.size() == 1 && records[0].path == path &&
             !records[0].value.is_none()) {
    format = records[0].value.type() == lwm2m::DataType::Opaque ? ContentFormat::OctetStream
                                                                : ContentFormat::Text;
  } else {
    format = multi_value_format(*r);
  }
  if (format == ContentFormat::LinkFormat) return Error::UnsupportedFormat;
  auto m = request_to(impl_->engine,
                      mode == WriteMode::Replace ? coap::codes::Put : coap::codes::Post, *r, path);
  if (!set_records(m, format, records, path)) return Error::EncodeFailed;
  return impl_->submit(*r, new_operation(lwm2m::Operation::Write, path), std::move(m), params, now);
}

Result<OperationId> Server::write_attributes(std::string_view endpoint, const lwm2m::Path& path,
                                             const lwm2m::AttributeUpdate& update,
                                             const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (!path.has_object()) return Error::InvalidPath;
  if (update.set.empty() && update.cleared.empty()) return Error::InvalidArgument;
  auto m = request_to(impl_->engine, coap::codes::Put, *r, path);
  lwm2m::add_attribute_queries(update, m);
  return impl_->submit(*r, new_operation(lwm2m::Operation::WriteAttributes, path), std::move(m),
                       params, now);
}

Result<OperationId> Server::execute(std::string_view endpoint, const lwm2m::Path& path,
                                    std::string_view arguments, const RequestParams& params,
                                    TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (path.level() != Path::Level::Resource) return Error::InvalidPath;
  if (!std::all_of(arguments.begin(), arguments.end(),
                   [](char c) { return c >= 0x20 && c <= 0x7e; }))
    return Error::InvalidArgument;
  auto m = request_to(impl_->engine, coap::codes::Post, *r, path);
  if (!arguments.empty()) {
    lwm2m::set_content_format(m, ContentFormat::Text);
    m.set_payload(arguments);
  }
  return impl_->submit(*r, new_operation(lwm2m::Operation::Execute, path), std::move(m), params,
                       now);
}

Result<OperationId> Server::create(std::string_view endpoint, std::uint16_t object_id,
                                   std::optional<std::uint16_t> instance_id,
                                   std::span<const lwm2m::Record> records,
                                   const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (object_id > lwm2m::max_id || (instance_id && *instance_id > lwm2m::max_id))
    return Error::InvalidPath;
  // Every record sits under one instance: the one asked for, or (client-chosen ID) any one,
  // whose ID is not sent.
  const Path instance = instance_id       ? Path(object_id, *instance_id)
                        : records.empty() ? Path(object_id, 0)
                                          : records[0].path.truncated(2);
  if (instance.level() != Path::Level::Instance || instance.object_id() != object_id ||
      !all_under(instance, records))
    return Error::InvalidArgument;
  const ContentFormat format =
      params.format.value_or(instance_id ? multi_value_format(*r) : ContentFormat::Tlv);
  if (!instance_id && format != ContentFormat::Tlv) return Error::UnsupportedFormat;
  if (format == ContentFormat::LinkFormat) return Error::UnsupportedFormat;
  auto m = request_to(impl_->engine, coap::codes::Post, *r, Path(object_id));
  // TLV under the instance path gives bare resources; under the object path, an instance entry.
  if (!set_records(m, format, records, instance_id ? Path(object_id) : instance))
    return Error::EncodeFailed;
  const Path target = instance_id ? instance : Path(object_id);
  return impl_->submit(*r, new_operation(lwm2m::Operation::Create, target), std::move(m), params,
                       now);
}

Result<OperationId> Server::delete_(std::string_view endpoint, const lwm2m::Path& path,
                                    const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (path.level() != Path::Level::Instance && path.level() != Path::Level::ResourceInstance)
    return Error::InvalidPath;
  auto m = request_to(impl_->engine, coap::codes::Delete, *r, path);
  return impl_->submit(*r, new_operation(lwm2m::Operation::Delete, path), std::move(m), params,
                       now);
}

namespace {

// FETCH on the root with the path list (Read-Composite, Observe-Composite).
std::optional<Error> composite_fetch(coap::Engine& engine, const Registration& r,
                                     std::span<const Path> paths, const RequestParams& params,
                                     coap::Message& m, ContentFormat& accept) {
  if (r.version < lwm2m::Lwm2mVersion::V1_1) return Error::UnsupportedByVersion;
  if (paths.empty()) return Error::InvalidArgument;
  const ContentFormat format = params.format.value_or(composite_format(r));
  if (!is_composite_format(format)) return Error::UnsupportedFormat;
  accept = params.accept.value_or(params.format ? format : composite_values_format(r));
  m = request_to(engine, coap::codes::Fetch, r, Path());
  const auto records = path_records(paths);
  if (!set_records(m, format, records, Path())) return Error::EncodeFailed;
  lwm2m::set_accept(m, accept);
  return std::nullopt;
}

}  // namespace

Result<OperationId> Server::read_composite(std::string_view endpoint,
                                           std::span<const lwm2m::Path> paths,
                                           const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  coap::Message m;
  ContentFormat accept{};
  if (auto error = composite_fetch(impl_->engine, *r, paths, params, m, accept)) return *error;
  return impl_->submit(*r, new_operation(lwm2m::Operation::ReadComposite, Path(), accept),
                       std::move(m), params, now);
}

Result<OperationId> Server::write_composite(std::string_view endpoint,
                                            std::span<const lwm2m::Record> records,
                                            const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (r->version < lwm2m::Lwm2mVersion::V1_1) return Error::UnsupportedByVersion;
  if (records.empty()) return Error::InvalidArgument;
  const ContentFormat format = params.format.value_or(composite_values_format(*r));
  if (!is_composite_format(format)) return Error::UnsupportedFormat;
  auto m = request_to(impl_->engine, coap::codes::IPatch, *r, Path());
  if (!set_records(m, format, records, Path())) return Error::EncodeFailed;
  return impl_->submit(*r, new_operation(lwm2m::Operation::WriteComposite, Path()), std::move(m),
                       params, now);
}

std::optional<Error> Server::Impl::observation_room(const Registration& r) const {
  if (observation_count >= config.max_observations) return Error::TooManyObservations;
  const auto s = sessions.find(r.location);
  if (s == sessions.end()) return std::nullopt;
  const auto count =
      std::count_if(s->second.operations.begin(), s->second.operations.end(),
                    [&](OperationId id) { return operations.at(id).is_observation(); });
  if (static_cast<std::size_t>(count) >= config.max_observations_per_client)
    return Error::TooManyObservations;
  return std::nullopt;
}

Result<OperationId> Server::observe(std::string_view endpoint, const lwm2m::Path& path,
                                    const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (!path.has_object()) return Error::InvalidPath;
  if (auto error = impl_->observation_room(*r)) return *error;
  auto m = request_to(impl_->engine, coap::codes::Get, *r, path);
  m.add_uint_option(coap::options::Observe, 0);
  if (params.accept) lwm2m::set_accept(m, *params.accept);
  return impl_->submit(*r, new_operation(lwm2m::Operation::Observe, path, params.accept),
                       std::move(m), params, now);
}

Result<OperationId> Server::observe_composite(std::string_view endpoint,
                                              std::span<const lwm2m::Path> paths,
                                              const RequestParams& params, TimePoint now) {
  const Registration* r = store_->find_by_endpoint(endpoint);
  if (!r) return Error::UnknownEndpoint;
  if (auto error = impl_->observation_room(*r)) return *error;
  coap::Message m;
  ContentFormat accept{};
  if (auto error = composite_fetch(impl_->engine, *r, paths, params, m, accept)) return *error;
  m.add_uint_option(coap::options::Observe, 0);
  return impl_->submit(*r, new_operation(lwm2m::Operation::ObserveComposite, Path(), accept),
                       std::move(m), params, now);
}

std::vector<Server::ObservationInfo> Server::observations() const {
  std::vector<ObservationInfo> out;
  for (const auto& [id, op] : impl_->operations) {
    if (!op.is_observation()) continue;
    ObservationInfo info{id, op.endpoint, op.path, {}};
    if (op.kind == lwm2m::Operation::ObserveComposite) {
      // The paths are those of the FETCH request: kept while queued, by the engine once sent.
      std::optional<coap::Engine::ObservationState> sent;
      if (op.request) sent = impl_->engine.observation_request(*op.request);
      const coap::Message& request = op.request ? (sent ? sent->request : op.message) : op.message;
      std::optional<ContentFormat> format;
      std::vector<lwm2m::Record> records;
      const RegistrationTypes types(objects_, store_->find_by_location(op.location));
      if (!decode_records(request, Path(), std::nullopt, types, 0, format, records))
        for (const auto& r : records) info.paths.push_back(r.path);
    }
    out.push_back(std::move(info));
  }
  return out;
}

Status Server::cancel_observation(OperationId observation, CancelMode mode, TimePoint now) {
  const auto it = impl_->operations.find(observation);
  if (it == impl_->operations.end() || !it->second.is_observation())
    return Error::UnknownObservation;
  Operation op = impl_->take(observation);
  if (!op.request) return std::monostate{};  // still queued: never sent
  if (mode == CancelMode::Active && op.established && impl_->engine.deregister(*op.request, now))
    return std::monostate{};
  (void)impl_->engine.cancel(*op.request);
  return std::monostate{};
}

}  // namespace drover::server
