// Serving Device Management and Information Reporting requests: Read, Discover, Write (Replace and
// Partial Update), Write-Attributes, Execute, Create, Delete, Read-/Write-Composite, Observe and
// Observe-Composite, with the Core TS error codes.
#include <algorithm>

#include "client_impl.hpp"
#include "drover/lwm2m/formats/link_format.hpp"
#include "drover/lwm2m/model/number_text.hpp"
#include "drover/lwm2m/model/validator.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client {

namespace {

using coap::Code;
using coap::Message;
using lwm2m::ContentFormat;
using lwm2m::Path;
using lwm2m::Record;
namespace codes = coap::codes;

// Execute arguments (Core TS): arg *("," arg), arg = DIGIT ["=" "'" *CHAR "'"], CHAR printable
// ASCII except '"', '\'' and '\\'; argument digits unique (1.2.1).
bool valid_execute_arguments(std::string_view text) {
  if (text.empty()) return true;
  unsigned seen = 0;
  std::size_t i = 0;
  while (true) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return false;
    const unsigned bit = 1u << (text[i] - '0');
    if (seen & bit) return false;
    seen |= bit;
    ++i;
    if (i < text.size() && text[i] == '=') {
      if (++i >= text.size() || text[i] != '\'') return false;
      ++i;
      while (i < text.size() && text[i] != '\'') {
        const char c = text[i];
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') return false;
        ++i;
      }
      if (i >= text.size()) return false;  // no closing quote
      ++i;
    }
    if (i == text.size()) return true;
    if (text[i] != ',') return false;
    ++i;
  }
}

bool is_security(const Path& p) {
  return p.has_object() && (p.object_id() == 0 || p.object_id() == 21);
}

bool has_resource(const ObjectInstance& inst, std::uint16_t rid) {
  const auto present = inst.resources();
  return std::binary_search(present.begin(), present.end(), rid);
}

bool is_senml_or_cbor(ContentFormat f) {
  return f == ContentFormat::SenmlJson || f == ContentFormat::SenmlCbor ||
         f == ContentFormat::Lwm2mCbor;
}

// Sorts records by path and drops repeats (overlapping composite paths).
void sort_unique(std::vector<Record>& records) {
  std::stable_sort(records.begin(), records.end(),
                   [](const Record& a, const Record& b) { return a.path < b.path; });
  records.erase(std::unique(records.begin(), records.end(),
                            [](const Record& a, const Record& b) { return a.path == b.path; }),
                records.end());
}

struct Refusal {
  Code code;
  std::string diagnostic;
};

// Checks written records against the model: types and shapes, writability, mandatory resources
// (Create), and the declared ranges of values. Writing a non-writable resource is 4.05, unknown
// objects or resources 4.04 (4.00 on Create), anything else 4.00.
std::optional<Refusal> check_records(const lwm2m::ObjectRegistry& registry,
                                     std::span<const Record> records, bool create) {
  lwm2m::ValidationOptions options;
  options.require_writable = true;
  options.require_mandatory = create;
  const auto problems = lwm2m::Validator(registry).check(records, options);
  if (!problems.empty()) {
    using Kind = lwm2m::Problem::Kind;
    const auto any = [&](Kind k) {
      return std::any_of(problems.begin(), problems.end(),
                         [k](const lwm2m::Problem& p) { return p.kind == k; });
    };
    Code code = codes::BadRequest;
    if (any(Kind::NotWritable))
      code = codes::MethodNotAllowed;
    else if (!create && (any(Kind::UnknownObject) || any(Kind::UnknownResource)))
      code = codes::NotFound;
    return Refusal{code, problems.front().to_string()};
  }
  return std::nullopt;
}

}  // namespace

// One request being served.
class DmRequest {
 public:
  DmRequest(Client::Impl& c, Account& a, coap::RequestReceived& r, TimePoint t)
      : c_(c), a_(a), r_(r), req_(r.request), t_(t) {}

  void serve();

 private:
  void read(const Path& path, Operation op);
  void observe(const Path& path);
  void discover(const Path& path);
  void write(const Path& path, bool replace);
  void write_attributes(const Path& path);
  void execute(const Path& path);
  void create(const Path& path);
  void remove(const Path& path);
  void composite(bool observe);
  void write_composite();

  // The format of a read answer (Accept, else the default); nullopt after answering an error.
  std::optional<ContentFormat> answer_format(Operation op, const Path& path,
                                             const std::vector<Record>& records);
  // Encodes and answers 2.05; `observe` adds the Observe option. Returns the new observer.
  std::optional<coap::ObserverId> answer_content(Operation op, const Path& path,
                                                 const std::vector<Record>& records,
                                                 ContentFormat format, bool observe);
  std::optional<coap::ObserverId> reply(Operation op, const Path& path, Message response);
  void fail(Operation op, const Path& path, Code code, std::string_view diagnostic = {});
  // The request's Content-Format; nullopt after answering 4.00 (absent) or 4.15 (unknown).
  std::optional<ContentFormat> request_format(Operation op, const Path& path);
  // Decodes the payload below `base`; false after answering 4.00.
  bool decode(Operation op, const Path& path, ContentFormat format, const Path& base,
              std::vector<Record>& out);
  void written(Operation op, std::vector<Path> paths);

  Client::Impl& c_;
  Account& a_;
  coap::RequestReceived& r_;
  const Message& req_;
  TimePoint t_;
};

void Client::Impl::handle_request(coap::RequestReceived& request, TimePoint t) {
  if (serve_bootstrap(request, t)) return;
  Account* a = account_by_peer(request.peer);
  // DM requests are ignored until the Register succeeded (Core TS), and from unknown addresses.
  if (!a || !a->registered()) {
    ++stats.requests_ignored;
    (void)engine.drop(request.exchange);
    return;
  }
  DmRequest(*this, *a, request, t).serve();
}

lwm2m::ContentFormat Client::Impl::multi_value_format(lwm2m::Lwm2mVersion version) const {
  using lwm2m::Lwm2mVersion;
  const auto in_version = [version](ContentFormat f) {
    if (!lwm2m::format_built_in(f)) return false;
    switch (f) {
      case ContentFormat::Tlv:
        return true;
      case ContentFormat::OmaJson:  // 1.1 replaced it with SenML JSON
        return version == Lwm2mVersion::V1_0;
      case ContentFormat::SenmlJson:
      case ContentFormat::SenmlCbor:
        return version != Lwm2mVersion::V1_0;
      case ContentFormat::Lwm2mCbor:
        return version == Lwm2mVersion::V1_2;
      default:  // single-value formats and link format
        return false;
    }
  };
  if (config.preferred_format && in_version(*config.preferred_format))
    return *config.preferred_format;
  // Each version's own format first (TLV for 1.0, SenML CBOR for 1.1, LwM2M CBOR for 1.2), then
  // what a build that left it out has.
  if (version != Lwm2mVersion::V1_0) {
    for (const ContentFormat f :
         {ContentFormat::Lwm2mCbor, ContentFormat::SenmlCbor, ContentFormat::SenmlJson}) {
      if (in_version(f)) return f;
    }
  }
  return in_version(ContentFormat::Tlv) ? ContentFormat::Tlv : ContentFormat::OmaJson;
}

void DmRequest::serve() {
  const auto observe_option = req_.uint_option(coap::options::Observe);
  const auto path = lwm2m::path_of(req_);
  Operation op = Operation::Read;
  if (req_.code == codes::Put)
    op = Operation::Write;
  else if (req_.code == codes::Post)
    op = Operation::Execute;
  else if (req_.code == codes::Delete)
    op = Operation::Delete;
  else if (req_.code == codes::Fetch)
    op = Operation::ReadComposite;
  else if (req_.code == codes::IPatch)
    op = Operation::WriteComposite;
  if (!path) return fail(op, Path(), codes::NotFound, "not an LwM2M path");
  // Only the engine's streamed requests keep Block1: the blocks of a firmware package. The Write
  // is reported once, with its final answer.
  if (c_.firmware && req_.has_option(coap::options::Block1)) {
    auto answer = c_.firmware->package_block(req_, t_);
    if (answer.code == codes::Continue)
      return void(c_.engine.respond(r_.exchange, std::move(answer), t_));
    return void(reply(Operation::Write, *path, std::move(answer)));
  }
  // Security (and OSCORE) are out of reach of Device Management.
  if (is_security(*path)) return fail(op, *path, codes::Unauthorized);

  if (req_.code == codes::Get) {
    const auto accept = lwm2m::accept_of(req_);
    if (accept.format == ContentFormat::LinkFormat) return discover(*path);
    if (observe_option == 0u) return observe(*path);
    return read(*path, observe_option == 1u ? Operation::CancelObservation : Operation::Read);
  }
  if (req_.code == codes::Fetch) {
    if (!path->is_root()) return fail(op, *path, codes::MethodNotAllowed, "FETCH targets the root");
    return composite(observe_option == 0u);
  }
  if (req_.code == codes::IPatch) {
    if (!path->is_root())
      return fail(op, *path, codes::MethodNotAllowed, "iPATCH targets the root");
    return write_composite();
  }
  if (req_.code == codes::Put) {
    if (req_.payload().empty() && !req_.has_option(coap::options::ContentFormat))
      return write_attributes(*path);
    return write(*path, true);
  }
  if (req_.code == codes::Post) {
    switch (path->level()) {
      case Path::Level::Object:
        return create(*path);
      case Path::Level::Instance:
        return write(*path, false);
      case Path::Level::Resource: {
        // Partial Update of a multiple resource, or Execute (which answers 4.05 for a resource
        // that is not executable).
        const auto* object_def = c_.definition(path->object_id());
        const auto* def = object_def ? object_def->resource(path->resource_id()) : nullptr;
        if (def && def->multiple && lwm2m::is_writable(def->operations) &&
            req_.has_option(coap::options::ContentFormat))
          return write(*path, false);
        return execute(*path);
      }
      default:
        return fail(op, *path, codes::MethodNotAllowed);
    }
  }
  if (req_.code == codes::Delete) return remove(*path);
  fail(op, *path, codes::MethodNotAllowed);
}

// ---- Answers

std::optional<coap::ObserverId> DmRequest::reply(Operation op, const Path& path, Message response) {
  const Code code = response.code;
  const auto observer = c_.engine.respond(r_.exchange, std::move(response), t_);
  c_.push_event(RequestServed{a_.ssid, op, path, code});
  return observer ? *observer : std::nullopt;
}

void DmRequest::fail(Operation op, const Path& path, Code code, std::string_view diagnostic) {
  reply(op, path, error_response(code, diagnostic));
}

std::optional<ContentFormat> DmRequest::answer_format(Operation op, const Path& path,
                                                      const std::vector<Record>& records) {
  const auto accept = lwm2m::accept_of(req_);
  if (accept.present) {
    if (!accept.format || *accept.format == ContentFormat::LinkFormat ||
        !lwm2m::format_built_in(*accept.format) ||
        (*accept.format == ContentFormat::OmaJson &&
         a_.form.version != lwm2m::Lwm2mVersion::V1_0)) {
      fail(op, path, codes::NotAcceptable, "this format is not available");
      return std::nullopt;
    }
    return *accept.format;
  }
  if (path.has_resource() && records.size() == 1 && records[0].path == path &&
      !records[0].value.is_none())
    return records[0].value.type() == lwm2m::DataType::Opaque ? ContentFormat::OctetStream
                                                              : ContentFormat::Text;
  return c_.multi_value_format(a_.form.version);
}

std::optional<coap::ObserverId> DmRequest::answer_content(Operation op, const Path& path,
                                                          const std::vector<Record>& records,
                                                          ContentFormat format, bool observe) {
  std::vector<std::uint8_t> payload;
  if (const auto error = lwm2m::encode(format, records, path, payload)) {
    // The format cannot carry this answer (text/plain for an instance...).
    fail(op, path,
         lwm2m::accept_of(req_).present ? codes::NotAcceptable : codes::InternalServerError,
         error->message);
    return std::nullopt;
  }
  Message m;
  m.code = codes::Content;
  lwm2m::set_content_format(m, format);
  if (observe) m.add_uint_option(coap::options::Observe, 0);
  m.set_payload(payload);
  return reply(op, path, std::move(m));
}

// ---- Read, Observe, Discover

void DmRequest::read(const Path& path, Operation op) {
  if (path.is_root()) return fail(op, path, codes::MethodNotAllowed, "Read of the root");
  std::vector<Record> records;
  const Outcome outcome = c_.read_path(path, records, &a_);
  if (outcome != Outcome::Ok) return fail(op, path, to_code(outcome));
  if (const auto format = answer_format(op, path, records))
    answer_content(op, path, records, *format, false);
}

void DmRequest::observe(const Path& path) {
  constexpr Operation op = Operation::Observe;
  if (path.is_root()) return fail(op, path, codes::MethodNotAllowed, "Observe of the root");
  lwm2m::AttributeUpdate query;  // LwM2M 1.2 observation attributes
  if (auto error = lwm2m::parse_attribute_queries(req_, query))
    return fail(op, path, codes::BadRequest, *error);
  std::vector<Record> records;
  const Outcome outcome = c_.read_path(path, records, &a_);
  if (outcome != Outcome::Ok) return fail(op, path, to_code(outcome));
  const auto format = answer_format(op, path, records);
  if (!format) return;
  // A full observation table declines (answers without Observe) rather than fails.
  const bool accept = c_.can_observe(a_);
  const auto observer = answer_content(op, path, records, *format, accept);
  if (observer)
    c_.add_observation(a_, *observer, {path}, false, *format, query.set, std::move(records), t_);
}

void DmRequest::discover(const Path& path) {
  constexpr Operation op = Operation::Discover;
  if (path.is_root()) return fail(op, path, codes::MethodNotAllowed, "Discover of the root");
  std::optional<unsigned> depth;
  bool bad_query = false;
  req_.for_each(coap::options::UriQuery, [&](const coap::OptionView& q) {
    const std::string_view text = q.as_string();
    if (text.substr(0, 6) != "depth=") return;
    const auto n = lwm2m::parse_uint64(text.substr(6));
    if (!n || *n > 3)
      bad_query = true;
    else
      depth = static_cast<unsigned>(*n);
  });
  if (bad_query) return fail(op, path, codes::BadRequest, "depth must be 0 to 3");

  ObjectEntry* entry = c_.object(path.object_id());
  if (!entry) return fail(op, path, codes::NotFound);
  ObjectInstance* inst =
      path.has_instance() ? c_.find_instance(path.object_id(), path.instance_id()) : nullptr;
  if (path.has_instance() && !inst) return fail(op, path, codes::NotFound);
  // A server discovers the instances it has some right on.
  if (path.has_instance() && !c_.rights(a_, path.object_id(), path.instance_id()))
    return fail(op, path, codes::Unauthorized);
  const auto* object_def = c_.definition(path.object_id());
  if (path.has_resource() &&
      (!object_def->resource(path.resource_id()) || !has_resource(*inst, path.resource_id())))
    return fail(op, path, codes::NotFound);
  if (!depth) {
    // Core TS defaults: an object down to its resources, an instance its resources; a resource
    // lists its instances from 1.2 on (1.0/1.1 Discover has no resource instance links).
    switch (path.level()) {
      case Path::Level::Object:
        depth = 2;
        break;
      case Path::Level::Instance:
        depth = 1;
        break;
      case Path::Level::Resource:
        depth = a_.form.version == lwm2m::Lwm2mVersion::V1_2 ? 1 : 0;
        break;
      default:
        depth = 0;
        break;
    }
  }

  std::vector<lwm2m::Link> links;
  // The resource instances of a multiple resource (nullopt: not multiple or not readable now).
  const auto resource_instances =
      [&](ObjectInstance& i, std::uint16_t rid) -> std::optional<std::vector<std::uint16_t>> {
    const auto* def = object_def->resource(rid);
    if (!def || !def->multiple) return std::nullopt;
    lwm2m::ResourceNode node;
    if (i.read(rid, node) != Outcome::Ok) return std::nullopt;
    std::vector<std::uint16_t> ids;
    for (const auto& [riid, v] : node.instances) ids.push_back(riid);
    return ids;
  };
  const auto own_attributes = [&](const Path& p, lwm2m::Link& link) {
    if (const auto it = a_.attributes.find(p); it != a_.attributes.end()) it->second.add_to(link);
  };
  // The target carries its inherited attributes, the links below it their own ones.
  const auto add_link = [&](const Path& p, bool target) {
    lwm2m::Link link(p);
    if (p.level() == Path::Level::Resource) {
      if (const auto ids = resource_instances(*c_.find_instance(p.object_id(), p.instance_id()),
                                              p.resource_id()))
        link.add("dim", static_cast<std::uint64_t>(ids->size()));
    }
    if (target)
      c_.effective_attributes(a_, p).add_to(link);
    else
      own_attributes(p, link);
    links.push_back(std::move(link));
  };
  const auto add_resource = [&](ObjectInstance& i, const Path& rp, unsigned left) {
    add_link(rp, rp == path);
    if (left == 0) return;
    if (const auto ids = resource_instances(i, rp.resource_id()))
      for (const auto riid : *ids) add_link(rp.child(riid), false);
  };
  const auto add_instance = [&](std::uint16_t iid, ObjectInstance& i, unsigned left) {
    const Path ip(path.object_id(), iid);
    add_link(ip, ip == path);
    if (left == 0) return;
    for (const auto rid : i.resources())
      if (object_def->resource(rid)) add_resource(i, ip.child(rid), left - 1);
  };
  switch (path.level()) {
    case Path::Level::Object:
      add_link(path, true);
      if (*depth > 0)
        for (auto& [iid, i] : entry->instances)
          if (c_.rights(a_, path.object_id(), iid)) add_instance(iid, *i, *depth - 1);
      break;
    case Path::Level::Instance:
      add_instance(path.instance_id(), *inst, *depth);
      break;
    case Path::Level::Resource:
      add_resource(*inst, path, *depth);
      break;
    default: {
      const auto ids = resource_instances(*inst, path.resource_id());
      if (!ids || !std::binary_search(ids->begin(), ids->end(), path.resource_instance_id()))
        return fail(op, path, ids ? codes::NotFound : codes::MethodNotAllowed);
      add_link(path, true);
      break;
    }
  }
  std::string text;
  if (const auto error = lwm2m::serialize_link_format(links, text))
    return fail(op, path, codes::InternalServerError, error->message);
  Message m;
  m.code = codes::Content;
  lwm2m::set_content_format(m, ContentFormat::LinkFormat);
  m.set_payload(text);
  reply(op, path, std::move(m));
}

// ---- Write, Write-Attributes, Execute, Create, Delete

std::optional<ContentFormat> DmRequest::request_format(Operation op, const Path& path) {
  const auto cf = lwm2m::content_format_of(req_);
  if (!cf.present) {
    fail(op, path, codes::BadRequest, "Content-Format missing");
    return std::nullopt;
  }
  if (!cf.format || *cf.format == ContentFormat::LinkFormat ||
      !lwm2m::format_built_in(*cf.format)) {
    fail(op, path, codes::UnsupportedContentFormat);
    return std::nullopt;
  }
  return *cf.format;
}

bool DmRequest::decode(Operation op, const Path& path, ContentFormat format, const Path& base,
                       std::vector<Record>& out) {
  lwm2m::DecodeOptions options;
  options.types = &c_.registry;
  options.now = c_.config.wall_clock ? c_.config.wall_clock() : 0;
  if (const auto error = lwm2m::decode(format, req_.payload(), base, options, out)) {
    fail(op, path, codes::BadRequest, error->message);
    return false;
  }
  return true;
}

void DmRequest::written(Operation op, std::vector<Path> paths) {
  for (const auto& p : paths) {
    c_.observations_changed(p, t_);
    if (p.object_id() == 1) c_.server_object_written(p.instance_id(), t_);  // lifetime, binding
  }
  c_.push_event(WriteApplied{a_.ssid, op, std::move(paths)});
}

void DmRequest::write(const Path& path, bool replace) {
  constexpr Operation op = Operation::Write;
  if (!path.has_instance())
    return fail(op, path, codes::MethodNotAllowed, "Write needs an instance");
  if (!c_.find_instance(path.object_id(), path.instance_id()))
    return fail(op, path, codes::NotFound);
  if (!c_.may(a_, path.object_id(), path.instance_id(), access::write))
    return fail(op, path, codes::Unauthorized);
  if (path.has_resource()) {
    const auto* def = c_.definition(path.object_id())->resource(path.resource_id());
    if (!def) return fail(op, path, codes::NotFound);
    if (!lwm2m::is_writable(def->operations)) return fail(op, path, codes::MethodNotAllowed);
    if (path.has_resource_instance() && !def->multiple)
      return fail(op, path, codes::MethodNotAllowed, "not a multiple resource");
  }
  const auto format = request_format(op, path);
  if (!format) return;
  std::vector<Record> records;
  if (!decode(op, path, *format, path, records)) return;
  if (const auto refusal = check_records(c_.registry, records, false))
    return fail(op, path, refusal->code, refusal->diagnostic);
  std::vector<Path> paths;
  const Outcome outcome = c_.apply_write(path, records, replace, paths);
  if (outcome != Outcome::Ok) return fail(op, path, to_code(outcome));
  reply(op, path, error_response(codes::Changed, {}));
  written(op, std::move(paths));
}

void DmRequest::write_attributes(const Path& path) {
  constexpr Operation op = Operation::WriteAttributes;
  if (path.is_root()) return fail(op, path, codes::MethodNotAllowed);
  // The target must exist.
  if (!c_.object(path.object_id())) return fail(op, path, codes::NotFound);
  const lwm2m::ResourceDef* def = nullptr;
  if (path.has_instance()) {
    ObjectInstance* inst = c_.find_instance(path.object_id(), path.instance_id());
    if (!inst) return fail(op, path, codes::NotFound);
    if (!c_.may(a_, path.object_id(), path.instance_id(), access::read))
      return fail(op, path, codes::Unauthorized);
    if (path.has_resource()) {
      def = c_.definition(path.object_id())->resource(path.resource_id());
      if (!def || !has_resource(*inst, path.resource_id())) return fail(op, path, codes::NotFound);
      std::vector<Record> probe;
      if (path.has_resource_instance() && c_.read_path(path, probe) != Outcome::Ok)
        return fail(op, path, codes::NotFound);
    }
  }
  lwm2m::AttributeUpdate update;
  if (auto error = lwm2m::parse_attribute_queries(req_, update))
    return fail(op, path, codes::BadRequest, *error);
  using lwm2m::Attribute;
  const bool value_conditions = update.set.has(Attribute::Gt) || update.set.has(Attribute::Lt) ||
                                update.set.has(Attribute::St) || update.set.has(Attribute::Edge);
  if (value_conditions) {
    if (!def) return fail(op, path, codes::BadRequest, "gt, lt, st and edge apply to resources");
    const bool numeric = def->type == lwm2m::DataType::Integer ||
                         def->type == lwm2m::DataType::UnsignedInteger ||
                         def->type == lwm2m::DataType::Float || def->type == lwm2m::DataType::Time;
    if (update.set.has(Attribute::Edge) ? def->type != lwm2m::DataType::Boolean : !numeric)
      return fail(op, path, codes::BadRequest,
                  "gt, lt and st need a numeric resource, edge a Boolean one");
  }
  const auto existing = a_.attributes.find(path);
  lwm2m::AttributeSet own =
      existing == a_.attributes.end() ? lwm2m::AttributeSet{} : existing->second;
  update.apply_to(own);
  const lwm2m::AttributeSet effective =
      path.depth() > 1 ? own.inherit(c_.effective_attributes(a_, path.parent())) : own;
  if (auto error = lwm2m::check_attributes(effective))
    return fail(op, path, codes::BadRequest, *error);
  if (own.empty()) {
    if (existing != a_.attributes.end()) a_.attributes.erase(existing);
  } else if (existing != a_.attributes.end()) {
    existing->second = own;
  } else {
    if (a_.attributes.size() >= c_.config.max_attribute_sets_per_server)
      return fail(op, path, codes::ServiceUnavailable, "attribute table full");
    a_.attributes.emplace(path, own);
  }
  reply(op, path, error_response(codes::Changed, {}));
}

void DmRequest::execute(const Path& path) {
  constexpr Operation op = Operation::Execute;
  if (path.level() != Path::Level::Resource) return fail(op, path, codes::MethodNotAllowed);
  ObjectInstance* inst = c_.find_instance(path.object_id(), path.instance_id());
  if (!c_.object(path.object_id()) || !inst) return fail(op, path, codes::NotFound);
  if (!c_.may(a_, path.object_id(), path.instance_id(), access::execute))
    return fail(op, path, codes::Unauthorized);
  const auto* def = c_.definition(path.object_id())->resource(path.resource_id());
  if (!def) return fail(op, path, codes::NotFound);
  if (!lwm2m::is_executable(def->operations))
    return fail(op, path, codes::MethodNotAllowed, "not an executable resource");
  if (!has_resource(*inst, path.resource_id())) return fail(op, path, codes::NotFound);
  const std::string_view arguments = req_.payload_string();
  if (!valid_execute_arguments(arguments))
    return fail(op, path, codes::BadRequest, "malformed Execute arguments");

  const std::uint16_t oid = path.object_id();
  const std::uint16_t rid = path.resource_id();
  if (oid == 1 && rid == 9) {
    // Bootstrap-Request Trigger: the answer first, then a client-initiated bootstrap.
    if (!c_.bootstrap) return fail(op, path, codes::NotFound, "no bootstrap server account");
    reply(op, path, error_response(codes::Changed, {}));
    return c_.start_bootstrap(t_);
  }
  if (oid == 1 && (rid == 4 || rid == 8)) {
    // Disable and Registration Update Trigger act on the account of that Server instance, after
    // the response went out.
    reply(op, path, error_response(codes::Changed, {}));
    for (auto& [ssid, account] : c_.accounts) {
      if (account.server_iid != path.instance_id()) continue;
      if (rid == 4) {
        c_.disable(account, t_);
      } else if (account.registered()) {
        account.update_at = t_;
        if (account.state == RegistrationState::Updating) account.update_wanted = true;
      }
    }
    return;
  }
  const Outcome outcome = inst->execute(rid, arguments);
  if (outcome != Outcome::Ok) return fail(op, path, to_code(outcome));
  reply(op, path, error_response(codes::Changed, {}));
  if (oid == 3 && rid == 4) c_.push_event(Rebooting{});
  if (oid == 3 && rid == 5) c_.push_event(FactoryReset{});
  c_.observations_changed(path.parent(), t_);  // executing may change values (a reset...)
}

void DmRequest::create(const Path& path) {
  constexpr Operation op = Operation::Create;
  ObjectEntry* entry = c_.object(path.object_id());
  if (!entry) return fail(op, path, codes::NotFound);
  if (!c_.may(a_, path.object_id(), lwm2m::reserved_id, access::create))
    return fail(op, path, codes::Unauthorized);
  if (!entry->factory)
    return fail(op, path, codes::MethodNotAllowed, "this object takes no Create");
  const auto format = request_format(op, path);
  if (!format) return;
  if (*format != ContentFormat::Tlv && !is_senml_or_cbor(*format) &&
      !(*format == ContentFormat::OmaJson && a_.form.version == lwm2m::Lwm2mVersion::V1_0))
    return fail(op, path, codes::UnsupportedContentFormat, "Create takes TLV, SenML or LwM2M CBOR");
  const auto* object_def = c_.definition(path.object_id());
  const auto free_id = c_.free_instance_id(path.object_id());
  std::vector<Record> records;
  lwm2m::DecodeOptions options;
  options.types = &c_.registry;
  auto error = lwm2m::decode(*format, req_.payload(), path, options, records);
  if (error && *format == ContentFormat::Tlv && free_id) {
    // TLV may carry the new instance's resources without an instance wrapper: the client picks
    // the ID then.
    records.clear();
    error = lwm2m::decode(*format, req_.payload(), path.child(*free_id), options, records);
  }
  if (error) return fail(op, path, codes::BadRequest, error->message);
  std::optional<std::uint16_t> iid;
  for (const auto& r : records) {
    if (!r.path.has_instance())
      return fail(op, path, codes::BadRequest, "a value above instance level");
    if (iid && *iid != r.path.instance_id())
      return fail(op, path, codes::BadRequest, "Create makes one instance");
    iid = r.path.instance_id();
  }
  if (!iid) iid = object_def->multiple ? free_id : std::optional<std::uint16_t>(0);
  if (!iid) return fail(op, path, codes::ServiceUnavailable, "no free instance ID");
  if (entry->instances.contains(*iid)) return fail(op, path, codes::BadRequest, "instance exists");
  if (!object_def->multiple && !entry->instances.empty())
    return fail(op, path, codes::BadRequest, "single-instance object");
  if (c_.instance_count >= c_.config.max_instances)
    return fail(op, path, codes::ServiceUnavailable, "instance table full");
  // Values of read-only resources are ignored; the writable mandatory ones must be there.
  std::erase_if(records, [&](const Record& r) {
    const auto* def = r.path.has_resource() ? object_def->resource(r.path.resource_id()) : nullptr;
    return def && !lwm2m::is_writable(def->operations);
  });
  if (records.empty()) records.push_back(Record{Path(path.object_id(), *iid), {}, std::nullopt});
  if (const auto refusal = check_records(c_.registry, records, true))
    return fail(op, path, refusal->code, refusal->diagnostic);
  auto instance = entry->factory(*iid);
  if (!instance) return fail(op, path, codes::InternalServerError, "the instance was not made");
  entry->instances.emplace(*iid, std::move(instance));
  ++c_.instance_count;
  const Path created(path.object_id(), *iid);
  std::vector<Path> paths;
  const Outcome outcome = c_.apply_write(created, records, true, paths);
  if (outcome != Outcome::Ok) {
    entry->instances.erase(*iid);
    --c_.instance_count;
    return fail(op, path, to_code(outcome));
  }
  Message m;
  m.code = codes::Created;
  std::string segment;
  lwm2m::append_uint64(segment, path.object_id());
  m.add_option(coap::options::LocationPath, segment);
  segment.clear();
  lwm2m::append_uint64(segment, *iid);
  m.add_option(coap::options::LocationPath, segment);
  c_.instance_created(a_, path.object_id(), *iid);
  reply(op, path, std::move(m));
  c_.push_event(WriteApplied{a_.ssid, op, {created}});
  c_.observations_changed(path, t_);
  c_.objects_changed(t_);
}

void DmRequest::remove(const Path& path) {
  constexpr Operation op = Operation::Delete;
  const std::uint16_t oid = path.has_object() ? path.object_id() : 0;
  switch (path.level()) {
    case Path::Level::Instance: {
      ObjectEntry* entry = c_.object(oid);
      if (!entry || !entry->instances.contains(path.instance_id()))
        return fail(op, path, codes::NotFound);
      if (!c_.may(a_, oid, path.instance_id(), access::remove))
        return fail(op, path, codes::Unauthorized);
      // The Device instance is never deleted, nor Firmware Update's; Server instances only
      // through bootstrap.
      if (oid == 1 || oid == 3 || c_.keeps_instance(oid))
        return fail(op, path, codes::MethodNotAllowed);
      c_.delete_instance(oid, path.instance_id(), t_);
      reply(op, path, error_response(codes::Deleted, {}));
      c_.observations_changed(lwm2m::Path(oid), t_);
      c_.objects_changed(t_);
      return;
    }
    case Path::Level::ResourceInstance: {
      ObjectInstance* inst = c_.find_instance(oid, path.instance_id());
      if (!inst) return fail(op, path, codes::NotFound);
      if (!c_.may(a_, oid, path.instance_id(), access::remove))
        return fail(op, path, codes::Unauthorized);
      const auto* def = c_.definition(oid)->resource(path.resource_id());
      if (!def) return fail(op, path, codes::NotFound);
      if (!def->multiple || !lwm2m::is_writable(def->operations))
        return fail(op, path, codes::MethodNotAllowed);
      const Outcome outcome =
          inst->remove_resource_instance(path.resource_id(), path.resource_instance_id());
      if (outcome != Outcome::Ok) return fail(op, path, to_code(outcome));
      reply(op, path, error_response(codes::Deleted, {}));
      c_.observations_changed(path.parent(), t_);
      return;
    }
    default:
      return fail(op, path, codes::MethodNotAllowed);
  }
}

// ---- Composite operations

void DmRequest::composite(bool observe) {
  const Operation op = observe ? Operation::ObserveComposite : Operation::ReadComposite;
  const Path root;
  const auto cf = lwm2m::content_format_of(req_);
  if (!cf.format || !is_senml_or_cbor(*cf.format))
    return fail(op, root, codes::UnsupportedContentFormat, "composite requests take SenML");
  std::vector<Record> requested;
  if (!decode(op, root, *cf.format, root, requested)) return;
  if (requested.empty()) return fail(op, root, codes::BadRequest, "no paths");
  lwm2m::AttributeUpdate query;
  if (auto error = lwm2m::parse_attribute_queries(req_, query))
    return fail(op, root, codes::BadRequest, *error);
  for (const auto a : {lwm2m::Attribute::Gt, lwm2m::Attribute::Lt, lwm2m::Attribute::St,
                       lwm2m::Attribute::Edge, lwm2m::Attribute::Hqmax})
    if (query.set.has(a))
      return fail(op, root, codes::BadRequest,
                  "composite observations take pmin, pmax, epmin, epmax, con");

  auto format = *cf.format;
  if (const auto accept = lwm2m::accept_of(req_); accept.present) {
    if (!accept.format || !is_senml_or_cbor(*accept.format))
      return fail(op, root, codes::NotAcceptable);
    format = *accept.format;
  }
  // Best effort: paths that cannot be read are left out; it fails only when none can.
  std::vector<Path> paths;
  std::vector<Record> records;
  std::optional<Outcome> first_error;
  for (const auto& r : requested) {
    paths.push_back(r.path);
    const Outcome outcome =
        is_security(r.path) ? Outcome::Unauthorized : c_.read_path(r.path, records, &a_);
    if (outcome != Outcome::Ok && !first_error) first_error = outcome;
  }
  if (records.empty() && first_error) return fail(op, root, to_code(*first_error));
  sort_unique(records);
  const bool accept = observe && c_.can_observe(a_);
  const auto observer = answer_content(op, root, records, format, accept);
  if (observer)
    c_.add_observation(a_, *observer, std::move(paths), true, format, query.set, std::move(records),
                       t_);
}

void DmRequest::write_composite() {
  constexpr Operation op = Operation::WriteComposite;
  const Path root;
  const auto cf = lwm2m::content_format_of(req_);
  if (!cf.format || !is_senml_or_cbor(*cf.format))
    return fail(op, root, codes::UnsupportedContentFormat, "Write-Composite takes SenML");
  std::vector<Record> records;
  if (!decode(op, root, *cf.format, root, records)) return;
  if (records.empty()) return fail(op, root, codes::BadRequest, "no values");
  // All or nothing: every target is checked before anything is written.
  for (const auto& r : records) {
    if (is_security(r.path)) return fail(op, root, codes::Unauthorized);
    if (!r.path.has_resource()) return fail(op, root, codes::BadRequest, "values go to resources");
    if (!c_.find_instance(r.path.object_id(), r.path.instance_id()))
      return fail(op, root, codes::NotFound, r.path.to_string());
    if (!c_.may(a_, r.path.object_id(), r.path.instance_id(), access::write))
      return fail(op, root, codes::Unauthorized, r.path.to_string());
  }
  if (const auto refusal = check_records(c_.registry, records, false))
    return fail(op, root, refusal->code, refusal->diagnostic);
  std::vector<Path> paths;
  const Outcome outcome = c_.apply_write(root, records, false, paths);
  if (outcome != Outcome::Ok) return fail(op, root, to_code(outcome));
  reply(op, root, error_response(codes::Changed, {}));
  written(op, std::move(paths));
}

}  // namespace drover::client
