// Firmware Update (object 5): its state machine, the package's storage and the hooks a device
// maker gives, for Client::enable_firmware_update.
//
// Delivery both ways object 5 allows:
//  * push: a Write of Package (/5/0/0). With Block1 in application/octet-stream each block goes
//    to the storage as it arrives (the CoAP engine holds none of it, Engine::stream_block1); a
//    whole-body Write (one block, or another format, reassembled within the engine's bounds)
//    goes the same way in one piece.
//  * pull: a Write of Package URI (/5/0/1). coap:// (and coaps:// when the application says its
//    transport secures that address) is fetched by the client's own CoAP engine, one Block2
//    request per block written out as it arrives; a block whose request fails is asked for
//    again (max_block_attempts) before the download ends with Connection lost. Schemes the
//    client does not fetch itself (http, https) are the application's: a FirmwareDownload event
//    asks for them, and Client::firmware_data / firmware_download_ended bring the bytes and the
//    end. A scheme not in FirmwareConfig::protocols ends with Unsupported protocol, a URI that
//    does not parse or resolve with Invalid URI.
// Whatever the way, the package's SHA-256 is computed as it arrives and compared with
// expected_sha256, then the check hook (a signature, the package type) decides: the state is
// Downloaded only for a package that passed. Execute Update (/5/0/2) in Downloaded calls the
// update hook and goes to Updating (a FirmwareChanged event says so); the application ends it
// with Client::firmware_update_finished (success: Idle with result 1; failure: Downloaded with
// 8, or Idle with 5 for an integrity failure). Writing an empty Package (or one NUL byte) or an
// empty Package URI resets to Idle with result 0 from Idle, Downloading and Downloaded (a download
// under way is abandoned, the stored package discarded); in Updating it is refused with 4.05, as
// Anjay does. Cancel (/5/0/10, LwM2M 1.1) does the same from Downloading and Downloaded with result
// 10. A new package or URI in a state other than Idle is 4.00; Update outside Downloaded 4.05.
// State and Update Result are observable: every change notifies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drover/client/sha256.hpp"
#include "drover/coap/engine.hpp"
#include "drover/lwm2m/protocol/firmware_update.hpp"

namespace drover::client {

// State (/5/0/3), Update Result (/5/0/5), Protocol Support (/5/0/8): the protocol's tables.
using lwm2m::FirmwareProtocol;
using lwm2m::FirmwareState;
using lwm2m::to_string;
using lwm2m::UpdateResult;

// Where a package goes as it arrives. Bounded: append refuses what does not fit, and the update
// ends with Not enough storage.
class PackageStorage {
 public:
  virtual ~PackageStorage() = default;
  // Starts a new package, dropping any previous one. `size`: the size announced (Size1 or Size2),
  // when known. False: it cannot fit.
  virtual bool begin(std::optional<std::size_t> size) = 0;
  // The next bytes; false when they do not fit (or cannot be written).
  virtual bool append(std::span<const std::uint8_t> bytes) = 0;
  // Drops the package (the state machine went back to Idle).
  virtual void discard() = 0;
  virtual std::size_t size() const = 0;
  // Copies up to out.size() bytes from `offset`; returns how many.
  virtual std::size_t read(std::size_t offset, std::span<std::uint8_t> out) const = 0;
};

// In memory, at most `capacity` bytes, held only while a package is.
class MemoryStorage final : public PackageStorage {
 public:
  explicit MemoryStorage(std::size_t capacity) : capacity_(capacity) {}
  bool begin(std::optional<std::size_t> size) override;
  bool append(std::span<const std::uint8_t> bytes) override;
  void discard() override;
  std::size_t size() const override { return bytes_.size(); }
  std::size_t read(std::size_t offset, std::span<std::uint8_t> out) const override;
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  std::size_t capacity_;
  std::vector<std::uint8_t> bytes_;
};

// A package, downloaded: what the hooks see.
struct FirmwarePackage {
  const PackageStorage& storage;
  Sha256Digest sha256{};
  std::string uri;  // where it was pulled from; empty for push
  // PkgName (/5/0/6) and PkgVersion (/5/0/7): the check hook fills them from the package.
  std::string name;
  std::string version;
};

inline constexpr std::size_t default_package_capacity = 256 * 1024;

// Raises the engine's deduplication bounds (ClientConfig::engine) to what a push of a package of
// `package_capacity` bytes needs: every block is a CON the engine remembers for EXCHANGE_LIFETIME
// (about 110 bytes each, only while they last), and device_engine_config() keeps 64 a server,
// that is a 64 KiB push in 1 KiB blocks. Sized for 512-byte blocks (Californium's default).
void allow_firmware_push(coap::EngineConfig& engine, std::size_t package_capacity);

struct FirmwareConfig {
  // Null: a MemoryStorage of default_package_capacity.
  std::unique_ptr<PackageStorage> storage;
  // /5/0/8: the URI schemes taken for pull. coap is fetched by the client; coaps by the client
  // too, for addresses the application's transport secures; http and https by the application
  // (FirmwareDownload). Empty: pull is not offered.
  std::vector<FirmwareProtocol> protocols = {FirmwareProtocol::Coap};
  bool push = true;  // with `protocols`, /5/0/9 (0 pull, 1 push, 2 both)
  // The package's digest, when the application knows it (a manifest, a test): another one ends
  // the download with Integrity check failure. Client::expect_firmware_digest changes it.
  std::optional<Sha256Digest> expected_sha256;
  // Called once a package is whole and its digest matches: UpdateResult::Initial accepts it;
  // IntegrityFailure (a bad signature) or UnsupportedPackage (not for this device) refuses it.
  // It may fill the package's name and version. Null: every package is accepted.
  std::function<UpdateResult(FirmwarePackage&)> check;
  // Execute Update in Downloaded: Initial starts the update (Updating; the application calls
  // Client::firmware_update_finished when done, e.g. after its reboot), Deferred keeps the
  // package for later (Downloaded, result 11), UpdateFailed or IntegrityFailure fail it at once.
  // Null: Initial.
  std::function<UpdateResult(const FirmwarePackage&)> update;
  // Pull over CoAP: the block size asked for (2^(szx+4) bytes) and the attempts per block
  // (each a CoAP request with its own retransmissions) before Connection lost.
  std::uint8_t block_szx = 6;
  unsigned max_block_attempts = 3;
};

}  // namespace drover::client
