// The server's security store: which credentials (a PSK identity and its key, a raw public key,
// an X.509 subject) each endpoint name may register with. The DTLS server asks it during every
// handshake, so a change is in force for the next handshake; sessions already up keep what their
// handshake proved.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drover/dtls/credentials.hpp"
#include "drover/util/document_table.hpp"

namespace drover::dtls {

// What the DTLS server asks: what a PSK identity's key is, and which endpoint name a proven
// identity may register as.
class SecurityStore {
 public:
  virtual ~SecurityStore() = default;
  // The key of a PSK identity; nullopt when the identity is unknown (the handshake then fails).
  virtual std::optional<std::vector<std::uint8_t>> psk_key(std::string_view identity) const = 0;
  // The endpoint `name` (as in PeerIdentity) is bound to; nullopt when unknown. A raw public key
  // the store does not know fails the handshake.
  virtual std::optional<std::string> endpoint_of(CredentialKind kind,
                                                 std::string_view name) const = 0;
  // Whether a credential of the store is bound to `endpoint` (which then may not use NoSec).
  virtual bool secures(std::string_view endpoint) const = 0;
};

// A fleet's PSKs from one master key: the key of the device whose endpoint name (and PSK
// identity) is `endpoint` is the first 16 bytes of HMAC-SHA256(master, endpoint), so that a
// factory, a simulator and the server compute it alike (with openssl: `printf %s ENDPOINT |
// openssl dgst -sha256 -mac HMAC -macopt hexkey:MASTER`, the first 32 hex digits).
std::vector<std::uint8_t> derive_psk(std::span<const std::uint8_t> master,
                                     std::string_view endpoint);

// The prefix of an X.509 binding by subjectAltName (a DNS name or URI): "san:dev1.example".
inline constexpr std::string_view kAltName = "san:";

// One credential bound to an endpoint, named as PeerIdentity::name: a PSK identity (with its
// key), a raw public key's key_name(), an X.509 certificate's subject DN, or kAltName and one of
// its subjectAltNames (asked when its subject is not bound).
struct BoundCredential {
  CredentialKind kind = CredentialKind::Psk;
  std::string name;
  std::vector<std::uint8_t> key;  // PSK only
  bool operator==(const BoundCredential&) const = default;
};

// Where an entry came from: the command line's are not kept in the table, the others are (an
// entry a bootstrap configuration provisioned is told apart from one put through the API).
enum class EntryOrigin : std::uint8_t { CommandLine, Api, Bootstrap };
std::string_view to_string(EntryOrigin);  // "command line", "api", "bootstrap"

struct SecurityEntry {
  std::vector<BoundCredential> credentials;
  EntryOrigin origin = EntryOrigin::CommandLine;
};

// The store in memory, indexed both ways (by endpoint, by credential). With a DocumentTable, the
// entries put() makes are written to it (behind) and load() reads them back at start-up; the
// command line's credentials (add_psk, bind, derive_psks) are not written. Used on one thread:
// the DTLS server's, which the HTTP API shares.
class MemorySecurityStore final : public SecurityStore {
 public:
  // `table` (may be null: nothing outlives the process) must outlive the store.
  explicit MemorySecurityStore(DocumentTable* table = nullptr) : table_(table) {}
  // The table, when it is had after the store was made (before load()).
  void set_table(DocumentTable* table) { table_ = table; }

  void add_psk(std::string endpoint, std::string identity, std::vector<std::uint8_t> key);
  // Endpoints named `prefix`... that the store has no PSK for use derive_psk(master, endpoint)
  // with their endpoint name as identity; they may not use NoSec either.
  void derive_psks(std::vector<std::uint8_t> master, std::string prefix);
  // `name` as PeerIdentity::name (for a raw public key, key_name() of it). A credential bound
  // before to another endpoint moves to this one.
  void bind(CredentialKind kind, std::string name, std::string endpoint);

  // Why put() refused: a credential bound to another endpoint (`taken`: that one keeps it), or
  // an entry that cannot be used (none given, an empty name, a key where none belongs or none
  // where one does, a credential twice).
  struct Refusal {
    bool taken = false;
    std::string reason;
  };
  // Replaces the credentials of `endpoint` with `credentials` (and writes them to the table);
  // nullopt when done. `origin` is Api or Bootstrap.
  std::optional<Refusal> put(const std::string& endpoint, std::vector<BoundCredential> credentials,
                             EntryOrigin origin = EntryOrigin::Api);
  // Removes the endpoint's credentials (from the table too); false when it has none.
  bool erase(std::string_view endpoint);
  // Reads the table's entries (after the command line's, which they replace); the reasons of
  // those that cannot be used (they are skipped).
  std::vector<std::string> load();

  const SecurityEntry* find(std::string_view endpoint) const;
  // By endpoint name: a listing walks it from a cursor.
  const std::map<std::string, SecurityEntry, std::less<>>& entries() const { return entries_; }
  // Credentials bound to endpoints.
  std::size_t size() const { return index_.size(); }

  std::optional<std::vector<std::uint8_t>> psk_key(std::string_view identity) const override;
  std::optional<std::string> endpoint_of(CredentialKind kind, std::string_view name) const override;
  bool secures(std::string_view endpoint) const override;

 private:
  DocumentTable* table_;
  std::map<std::string, SecurityEntry, std::less<>> entries_;
  std::map<std::pair<CredentialKind, std::string>, std::string, std::less<>> index_;
  std::vector<std::uint8_t> master_;  // empty: no derived PSKs
  std::string derived_prefix_;

  bool derives(std::string_view endpoint) const {
    return !master_.empty() && endpoint.starts_with(derived_prefix_);
  }
  const BoundCredential* credential(CredentialKind kind, std::string_view name) const;
  std::optional<Refusal> check(const std::string& endpoint,
                               const std::vector<BoundCredential>& credentials) const;
  void replace(const std::string& endpoint, std::vector<BoundCredential> credentials,
               EntryOrigin origin);
  void unbind(CredentialKind kind, const std::string& name);
};

// The table's document of an endpoint's stored entry, and back (nullopt: not one).
std::string to_document(const SecurityEntry& entry);
std::optional<SecurityEntry> from_document(std::string_view document);

}  // namespace drover::dtls
