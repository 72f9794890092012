// Firmware Update (object 5): the state machine, push (streamed Block1 blocks or a whole Write),
// pull (CoAP Block2, one request per block, or the application's download) and the package's
// checks. Client::enable_firmware_update is defined here so that a client that never calls it
// does not link any of this.
#include "drover/client/firmware.hpp"

#include <algorithm>

#include "client_impl.hpp"
#include "drover/coap/block_option.hpp"
#include "drover/coap/uri.hpp"
#include "drover/lwm2m/formats/content_format.hpp"
#include "drover/lwm2m/protocol/coap_mapping.hpp"

namespace drover::client {

bool MemoryStorage::begin(std::optional<std::size_t> size) {
  bytes_.clear();
  if (size && *size > capacity_) return false;
  if (size) bytes_.reserve(*size);
  return true;
}

bool MemoryStorage::append(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > capacity_ - bytes_.size()) return false;
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return true;
}

void MemoryStorage::discard() {
  std::vector<std::uint8_t>().swap(bytes_);  // gives the memory back
}

std::size_t MemoryStorage::read(std::size_t offset, std::span<std::uint8_t> out) const {
  if (offset >= bytes_.size()) return 0;
  const std::size_t n = std::min(out.size(), bytes_.size() - offset);
  std::copy_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
  return n;
}

void allow_firmware_push(coap::EngineConfig& engine, std::size_t package_capacity) {
  const std::size_t blocks = package_capacity / 512 + 1;
  engine.max_dedup_entries_per_peer = std::max(engine.max_dedup_entries_per_peer, blocks + 64);
  engine.max_dedup_entries =
      std::max(engine.max_dedup_entries, engine.max_dedup_entries_per_peer + 64);
}

namespace {

using coap::BlockOption;
using coap::Message;
namespace codes = coap::codes;

// The scheme of a URI, lowercase ("coap" of "CoAP://..."); nullopt when there is none.
std::optional<std::string> scheme_of(std::string_view uri) {
  const auto colon = uri.find("://");
  if (colon == 0 || colon == std::string_view::npos) return std::nullopt;
  std::string scheme;
  for (const char c : uri.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '-' || c == '.'))
      return std::nullopt;
    scheme += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return scheme;
}

std::optional<FirmwareProtocol> protocol_of(std::string_view scheme) {
  if (scheme == "coap") return FirmwareProtocol::Coap;
  if (scheme == "coaps") return FirmwareProtocol::Coaps;
  if (scheme == "http") return FirmwareProtocol::Http;
  if (scheme == "https") return FirmwareProtocol::Https;
  if (scheme == "coap+tcp") return FirmwareProtocol::CoapTcp;
  if (scheme == "coaps+tcp") return FirmwareProtocol::CoapTls;
  return std::nullopt;
}

// The Package written as "no package": empty, or one NUL byte (the object's description).
bool is_reset(std::span<const std::uint8_t> package) {
  return package.empty() || (package.size() == 1 && package[0] == 0);
}

Message answer(coap::Code code) {
  Message m;
  m.code = code;
  return m;
}

class FirmwareObject final : public ObjectInstance, public FirmwareUpdater {
 public:
  FirmwareObject(Client::Impl& c, FirmwareConfig config, bool has_cancel)
      : c_(c),
        config_(std::move(config)),
        storage_(config_.storage ? std::move(config_.storage)
                                 : std::make_unique<MemoryStorage>(default_package_capacity)),
        has_cancel_(has_cancel) {}

  FirmwareState state() const { return state_; }
  UpdateResult result() const { return result_; }
  FirmwareConfig& config() { return config_; }

  // ---- ObjectInstance
  std::vector<std::uint16_t> resources() const override {
    std::vector<std::uint16_t> out = {0, 1, 2, 3, 5, 6, 7, 8, 9};
    if (has_cancel_) out.push_back(10);
    return out;
  }

  Outcome read(std::uint16_t rid, lwm2m::ResourceNode& out) override {
    using lwm2m::Value;
    switch (rid) {
      case 1:
        out.value = Value(uri_);
        return Outcome::Ok;
      case 3:
        out.value = Value(static_cast<std::int64_t>(state_));
        return Outcome::Ok;
      case 5:
        out.value = Value(static_cast<std::int64_t>(result_));
        return Outcome::Ok;
      case 6:
        out.value = Value(name_);
        return Outcome::Ok;
      case 7:
        out.value = Value(version_);
        return Outcome::Ok;
      case 8:
        out.multiple = true;
        for (std::size_t i = 0; i < config_.protocols.size(); ++i)
          out.instances[static_cast<std::uint16_t>(i)] =
              Value(static_cast<std::int64_t>(config_.protocols[i]));
        return Outcome::Ok;
      case 9: {
        const bool pull = !config_.protocols.empty();
        const auto delivery = pull && config_.push ? lwm2m::FirmwareDelivery::Both
                              : config_.push       ? lwm2m::FirmwareDelivery::Push
                                                   : lwm2m::FirmwareDelivery::Pull;
        out.value = Value(static_cast<std::int64_t>(delivery));
        return Outcome::Ok;
      }
      default:
        return Outcome::MethodNotAllowed;
    }
  }

  Outcome write(std::uint16_t rid, const lwm2m::ResourceNode& node, bool) override {
    if (rid == 0) {
      const auto* package = node.value.get_if<lwm2m::Opaque>();
      return package ? write_package(*package, c_.now) : Outcome::BadRequest;
    }
    if (rid == 1) {
      const auto* uri = node.value.get_if<std::string>();
      return uri ? write_uri(*uri, c_.now) : Outcome::BadRequest;
    }
    return Outcome::MethodNotAllowed;
  }

  Outcome execute(std::uint16_t rid, std::string_view) override {
    if (rid == 2) return update(c_.now);
    if (rid == 10 && has_cancel_) {
      if (state_ != FirmwareState::Downloading && state_ != FirmwareState::Downloaded)
        return Outcome::MethodNotAllowed;
      to_idle(UpdateResult::Cancelled, c_.now);
      return Outcome::Ok;
    }
    return Outcome::MethodNotAllowed;
  }

  // ---- FirmwareUpdater
  Message package_block(const Message& request, TimePoint t) override {
    BlockOption b;
    if (coap::read_block(request, coap::options::Block1, b) != coap::BlockRead::Valid)
      return answer(codes::BadOption);
    const auto payload = request.payload();
    if (b.num == 0) {
      // The first block: a new package, or the same push started again by its server.
      if (state_ == FirmwareState::Updating) return answer(codes::MethodNotAllowed);
      if (!b.more && is_reset(payload)) {
        const Outcome outcome = write_package(payload, t);
        return answer(outcome == Outcome::Ok ? codes::Changed : to_code(outcome));
      }
      if (state_ != FirmwareState::Idle && delivery_ != Delivery::Push)
        return answer(codes::BadRequest);
      abandon_download();
      const auto size1 = request.uint_option(coap::options::Size1);
      set(FirmwareState::Downloading, UpdateResult::Initial, t);
      delivery_ = Delivery::Push;
      if (!begin_storage(size1 ? std::optional<std::size_t>(*size1) : std::nullopt, t))
        return answer(codes::RequestEntityTooLarge);
    } else if (delivery_ != Delivery::Push || b.offset() != storage_->size()) {
      return answer(codes::RequestEntityIncomplete);  // RFC 7959 §2.3: out of order
    }
    if (b.more && payload.size() != b.size()) return answer(codes::BadRequest);
    if (!append(payload, t)) return answer(codes::RequestEntityTooLarge);
    if (b.more) return answer(codes::Continue);
    complete(t);
    return answer(codes::Changed);
  }

  void on_response(const Message& response, TimePoint t) override {
    request_.reset();
    if (delivery_ != Delivery::Coap) return;
    if (!response.code.is_success()) {
      // As Anjay: a file that is not there is a wrong URI; other refusals end the download.
      return to_idle(response.code == codes::NotFound ? UpdateResult::InvalidUri
                                                      : UpdateResult::ConnectionLost,
                     t);
    }
    BlockOption b;
    const auto read = coap::read_block(response, coap::options::Block2, b);
    if (read == coap::BlockRead::Invalid) return to_idle(UpdateResult::ConnectionLost, t);
    if (read == coap::BlockRead::Absent) b = BlockOption{0, false, BlockOption::max_szx};
    const auto etag = response.find(coap::options::ETag);
    const std::vector<std::uint8_t> tag =
        etag ? std::vector<std::uint8_t>(etag->value.begin(), etag->value.end())
             : std::vector<std::uint8_t>{};
    if (b.num == 0 && next_num_ == 0) {
      const auto size2 = response.uint_option(coap::options::Size2);
      if (!begin_storage(size2 ? std::optional<std::size_t>(*size2) : std::nullopt, t)) return;
      etag_ = tag;
    } else if (b.offset() != storage_->size() || tag != etag_) {
      // Not the block asked for, or the file changed under way (RFC 7959 §2.4).
      return to_idle(UpdateResult::ConnectionLost, t);
    }
    if (!append(response.payload(), t)) return;
    attempts_ = 0;
    if (!b.more) return complete(t);
    szx_ = std::min(szx_, b.szx);  // the server may give smaller blocks than asked for
    next_num_ = static_cast<std::uint32_t>(storage_->size() / BlockOption::size_of(szx_));
    request_block(t);
  }

  void on_failure(coap::FailureReason, TimePoint t) override {
    request_.reset();
    if (delivery_ != Delivery::Coap) return;
    // The same block again: a download resumes where it stopped.
    if (++attempts_ < config_.max_block_attempts) return request_block(t);
    to_idle(UpdateResult::ConnectionLost, t);
  }

  // ---- The application's side
  Status update_finished(UpdateResult r, TimePoint t) {
    if (state_ != FirmwareState::Updating) return Error::InvalidArgument;
    switch (r) {
      case UpdateResult::Success:
      case UpdateResult::IntegrityFailure:
        to_idle(r, t);
        return std::monostate{};
      case UpdateResult::UpdateFailed:
        set(FirmwareState::Downloaded, r, t);
        return std::monostate{};
      default:
        return Error::InvalidArgument;
    }
  }

  Status data(std::span<const std::uint8_t> bytes, TimePoint t) {
    if (delivery_ != Delivery::Application) return Error::InvalidArgument;
    if (!append(bytes, t)) return Error::InvalidArgument;
    return std::monostate{};
  }

  Status download_ended(UpdateResult r, TimePoint t) {
    if (delivery_ == Delivery::None ||
        (r == UpdateResult::Initial && delivery_ != Delivery::Application))
      return Error::InvalidArgument;
    if (r == UpdateResult::Initial)
      complete(t);
    else
      to_idle(r, t);
    return std::monostate{};
  }

  std::size_t received() const { return storage_->size(); }

 private:
  enum class Delivery : std::uint8_t { None, Push, Coap, Application };

  void set(FirmwareState state, UpdateResult result, TimePoint t) {
    if (state == state_ && result == result_) return;
    state_ = state;
    result_ = result;
    c_.push_event(FirmwareChanged{state, result});
    c_.observations_changed(lwm2m::Path(5, 0), t);
  }

  // Back to Idle with `result`: a download under way is abandoned, the package dropped.
  void to_idle(UpdateResult result, TimePoint t) {
    abandon_download();
    delivery_ = Delivery::None;
    storage_->discard();
    name_.clear();
    version_.clear();
    set(FirmwareState::Idle, result, t);
  }

  void abandon_download() {
    if (request_) {
      (void)c_.engine.cancel(*request_);
      c_.pending.erase(*request_);
      request_.reset();
    }
  }

  bool begin_storage(std::optional<std::size_t> size, TimePoint t) {
    hash_.reset();
    if (storage_->begin(size)) return true;
    to_idle(UpdateResult::NotEnoughStorage, t);
    return false;
  }

  bool append(std::span<const std::uint8_t> bytes, TimePoint t) {
    if (!storage_->append(bytes)) {
      to_idle(UpdateResult::NotEnoughStorage, t);
      return false;
    }
    hash_.update(bytes);
    return true;
  }

  // The package is whole: its digest, then the device maker's check.
  void complete(TimePoint t) {
    delivery_ = Delivery::None;
    digest_ = hash_.finish();
    if (config_.expected_sha256 && *config_.expected_sha256 != digest_)
      return to_idle(UpdateResult::IntegrityFailure, t);
    FirmwarePackage package{*storage_, digest_, uri_, {}, {}};
    const UpdateResult verdict = config_.check ? config_.check(package) : UpdateResult::Initial;
    if (verdict != UpdateResult::Initial) return to_idle(verdict, t);
    name_ = std::move(package.name);
    version_ = std::move(package.version);
    set(FirmwareState::Downloaded, UpdateResult::Initial, t);
  }

  Outcome write_package(std::span<const std::uint8_t> package, TimePoint t) {
    if (is_reset(package)) {
      if (state_ == FirmwareState::Updating) return Outcome::MethodNotAllowed;
      uri_.clear();
      to_idle(UpdateResult::Initial, t);
      return Outcome::Ok;
    }
    if (state_ != FirmwareState::Idle) return Outcome::BadRequest;
    set(FirmwareState::Downloading, UpdateResult::Initial, t);
    delivery_ = Delivery::Push;
    if (!begin_storage(package.size(), t) || !append(package, t)) return Outcome::InternalError;
    complete(t);
    return Outcome::Ok;
  }

  Outcome write_uri(const std::string& text, TimePoint t) {
    if (text.empty()) {
      if (state_ == FirmwareState::Updating) return Outcome::MethodNotAllowed;
      uri_.clear();
      to_idle(UpdateResult::Initial, t);
      return Outcome::Ok;
    }
    if (state_ != FirmwareState::Idle) return Outcome::BadRequest;
    uri_ = text;
    set(FirmwareState::Downloading, UpdateResult::Initial, t);
    const auto scheme = scheme_of(text);
    if (!scheme) {
      to_idle(UpdateResult::InvalidUri, t);
      return Outcome::Ok;
    }
    const auto protocol = protocol_of(*scheme);
    if (!protocol || std::find(config_.protocols.begin(), config_.protocols.end(), *protocol) ==
                         config_.protocols.end()) {
      to_idle(UpdateResult::UnsupportedProtocol, t);
      return Outcome::Ok;
    }
    if (*protocol != FirmwareProtocol::Coap && *protocol != FirmwareProtocol::Coaps) {
      // The application's to fetch.
      if (!begin_storage(std::nullopt, t)) return Outcome::Ok;
      delivery_ = Delivery::Application;
      c_.push_event(FirmwareDownload{text});
      return Outcome::Ok;
    }
    std::string error;
    auto uri = coap::parse_coap_uri(text, error);
    // The address as the client resolves server URIs: a coap:// URI of the same host and port.
    const auto peer =
        uri ? c_.resolve(
                  "coap://" +
                  (uri->host.find(':') != std::string::npos ? "[" + uri->host + "]" : uri->host) +
                  ":" + std::to_string(uri->port))
            : std::nullopt;
    if (!peer) {
      to_idle(UpdateResult::InvalidUri, t);
      return Outcome::Ok;
    }
    peer_ = *peer;
    uri_parts_ = std::move(*uri);
    delivery_ = Delivery::Coap;
    next_num_ = 0;
    szx_ = std::min(config_.block_szx, BlockOption::max_szx);
    attempts_ = 0;
    request_block(t);
    return Outcome::Ok;
  }

  Outcome update(TimePoint t) {
    if (state_ != FirmwareState::Downloaded) return Outcome::MethodNotAllowed;
    const FirmwarePackage package{*storage_, digest_, uri_, name_, version_};
    switch (config_.update ? config_.update(package) : UpdateResult::Initial) {
      case UpdateResult::Initial:
        set(FirmwareState::Updating, UpdateResult::Initial, t);
        break;
      case UpdateResult::Deferred:
        set(FirmwareState::Downloaded, UpdateResult::Deferred, t);
        break;
      case UpdateResult::IntegrityFailure:
        to_idle(UpdateResult::IntegrityFailure, t);
        break;
      default:
        set(FirmwareState::Downloaded, UpdateResult::UpdateFailed, t);
        break;
    }
    return Outcome::Ok;
  }

  void request_block(TimePoint t) {
    Message m = c_.engine.take_message();
    m.code = codes::Get;
    uri_parts_.apply_to(m);
    coap::write_block(m, coap::options::Block2, BlockOption{next_num_, false, szx_});
    coap::RequestOptions options;
    options.block_by_block = true;
    options.block_szx = szx_;
    const auto id = c_.engine.send_request(peer_, std::move(m), t, options);
    if (!id) return to_idle(UpdateResult::OutOfMemory, t);  // the engine's tables are full
    request_ = *id;
    c_.pending[*id] = PendingRequest{PendingRequest::Kind::Firmware, 0};
  }

  Client::Impl& c_;
  FirmwareConfig config_;
  std::unique_ptr<PackageStorage> storage_;
  bool has_cancel_;
  FirmwareState state_ = FirmwareState::Idle;
  UpdateResult result_ = UpdateResult::Initial;
  std::string uri_;
  std::string name_;
  std::string version_;
  Sha256 hash_;
  Sha256Digest digest_{};
  Delivery delivery_ = Delivery::None;
  // Pull over CoAP.
  coap::PeerAddress peer_;
  coap::CoapUri uri_parts_;
  std::optional<coap::RequestId> request_;
  std::uint32_t next_num_ = 0;
  std::uint8_t szx_ = BlockOption::max_szx;
  unsigned attempts_ = 0;
  std::vector<std::uint8_t> etag_;
};

FirmwareObject* firmware_of(Client::Impl& c) {
  return static_cast<FirmwareObject*>(c.firmware);
}

// What the application tells object 5 at `now`; then the client settles.
template <typename Call>
Status tell_firmware(Client::Impl& c, TimePoint now, Call call) {
  if (!c.firmware) return Error::UnknownObject;
  c.now = std::max(c.now, now);
  auto status = call(*firmware_of(c));
  c.settle(now);
  return status;
}

}  // namespace

Status Client::enable_firmware_update(FirmwareConfig config, TimePoint now) {
  Impl& c = *impl_;
  if (c.firmware) return Error::InstanceExists;
  if (auto added = add_object(5); !added) return added;
  const auto* def = c.definition(5);
  auto object = std::make_unique<FirmwareObject>(c, std::move(config), def && def->resource(10));
  FirmwareObject* firmware = object.get();
  if (auto added = add_instance(5, 0, std::move(object), now); !added) return added;
  c.firmware = firmware;
  // A package written with Block1 reaches the object block by block (see firmware.hpp).
  c.engine.stream_block1([](const coap::Message& m) {
    return m.code == codes::Put && lwm2m::path_of(m) == lwm2m::Path(5, 0, 0) &&
           lwm2m::content_format_of(m).format == lwm2m::ContentFormat::OctetStream;
  });
  return std::monostate{};
}

FirmwareState Client::firmware_state() const {
  return impl_->firmware ? firmware_of(*impl_)->state() : FirmwareState::Idle;
}

UpdateResult Client::firmware_result() const {
  return impl_->firmware ? firmware_of(*impl_)->result() : UpdateResult::Initial;
}

void Client::expect_firmware_digest(std::optional<Sha256Digest> sha256) {
  if (impl_->firmware) firmware_of(*impl_)->config().expected_sha256 = sha256;
}

Status Client::firmware_update_finished(UpdateResult result, TimePoint now) {
  return tell_firmware(*impl_, now,
                       [&](FirmwareObject& f) { return f.update_finished(result, now); });
}

Status Client::firmware_data(std::span<const std::uint8_t> bytes, TimePoint now) {
  return tell_firmware(*impl_, now, [&](FirmwareObject& f) { return f.data(bytes, now); });
}

std::size_t Client::firmware_received() const {
  return impl_->firmware ? firmware_of(*impl_)->received() : 0;
}

Status Client::firmware_download_ended(UpdateResult result, TimePoint now) {
  return tell_firmware(*impl_, now,
                       [&](FirmwareObject& f) { return f.download_ended(result, now); });
}

}  // namespace drover::client
