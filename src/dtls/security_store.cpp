#include "drover/dtls/security_store.hpp"

#include <gnutls/crypto.h>

#include <algorithm>
#include <set>

namespace drover::dtls {
namespace {

// The line that marks a bootstrap entry; API entries have none, as they had before there were
// bootstrap ones.
constexpr std::string_view kFromBootstrap = "from bootstrap";

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::string text_of(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

std::optional<CredentialKind> kind_named(std::string_view name) {
  for (const auto kind : {CredentialKind::Psk, CredentialKind::RawPublicKey, CredentialKind::X509})
    if (to_string(kind) == name) return kind;
  return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> derive_psk(std::span<const std::uint8_t> master,
                                     std::string_view endpoint) {
  std::uint8_t mac[32];
  gnutls_hmac_fast(GNUTLS_MAC_SHA256, master.data(), master.size(), endpoint.data(),
                   endpoint.size(), mac);
  return {mac, mac + 16};
}

std::string_view to_string(EntryOrigin origin) {
  switch (origin) {
    case EntryOrigin::CommandLine:
      return "command line";
    case EntryOrigin::Api:
      return "api";
    case EntryOrigin::Bootstrap:
      return "bootstrap";
  }
  return "?";
}

// One line per credential: its kind, its name in hex (names may hold any byte, a DN spaces and
// commas) and, for a PSK, its key in hex; after them kFromBootstrap for a bootstrap entry.
std::string to_document(const SecurityEntry& entry) {
  std::string out;
  for (const auto& c : entry.credentials) {
    out.append(to_string(c.kind)).append(" ").append(to_hex(bytes_of(c.name)));
    if (c.kind == CredentialKind::Psk) out.append(" ").append(to_hex(c.key));
    out.append("\n");
  }
  if (entry.origin == EntryOrigin::Bootstrap) out.append(kFromBootstrap).append("\n");
  return out;
}

std::optional<SecurityEntry> from_document(std::string_view document) {
  SecurityEntry entry{{}, EntryOrigin::Api};
  auto& out = entry.credentials;
  while (!document.empty()) {
    const auto end = std::min(document.find('\n'), document.size());
    std::string_view line = document.substr(0, end);
    document.remove_prefix(std::min(end + 1, document.size()));
    if (line == kFromBootstrap && document.empty()) {
      entry.origin = EntryOrigin::Bootstrap;
      break;
    }
    std::vector<std::string_view> fields;
    for (std::size_t start = 0; start <= line.size();) {
      const auto space = std::min(line.find(' ', start), line.size());
      fields.push_back(line.substr(start, space - start));
      start = space + 1;
    }
    const auto kind = kind_named(fields[0]);
    if (!kind || fields.size() != (*kind == CredentialKind::Psk ? 3u : 2u)) return std::nullopt;
    const auto name = parse_hex(fields[1]);
    if (!name) return std::nullopt;
    BoundCredential c{*kind, text_of(*name), {}};
    if (*kind == CredentialKind::Psk) {
      auto key = parse_hex(fields[2]);
      if (!key) return std::nullopt;
      c.key = std::move(*key);
    }
    out.push_back(std::move(c));
  }
  return entry;
}

const BoundCredential* MemorySecurityStore::credential(CredentialKind kind,
                                                       std::string_view name) const {
  const auto it = index_.find(std::pair{kind, std::string(name)});
  if (it == index_.end()) return nullptr;
  for (const auto& c : entries_.find(it->second)->second.credentials)
    if (c.kind == kind && c.name == name) return &c;
  return nullptr;
}

void MemorySecurityStore::unbind(CredentialKind kind, const std::string& name) {
  const auto it = index_.find(std::pair{kind, name});
  if (it == index_.end()) return;
  const auto entry = entries_.find(it->second);
  auto& list = entry->second.credentials;
  std::erase_if(list, [&](const BoundCredential& c) { return c.kind == kind && c.name == name; });
  if (list.empty()) entries_.erase(entry);
  index_.erase(it);
}

void MemorySecurityStore::add_psk(std::string endpoint, std::string identity,
                                  std::vector<std::uint8_t> key) {
  unbind(CredentialKind::Psk, identity);
  index_[{CredentialKind::Psk, identity}] = endpoint;
  entries_[std::move(endpoint)].credentials.push_back(
      {CredentialKind::Psk, std::move(identity), std::move(key)});
}

void MemorySecurityStore::bind(CredentialKind kind, std::string name, std::string endpoint) {
  unbind(kind, name);
  index_[{kind, name}] = endpoint;
  entries_[std::move(endpoint)].credentials.push_back({kind, std::move(name), {}});
}

void MemorySecurityStore::derive_psks(std::vector<std::uint8_t> master, std::string prefix) {
  master_ = std::move(master);
  derived_prefix_ = std::move(prefix);
}

std::optional<MemorySecurityStore::Refusal> MemorySecurityStore::check(
    const std::string& endpoint, const std::vector<BoundCredential>& credentials) const {
  const auto invalid = [](std::string reason) { return Refusal{false, std::move(reason)}; };
  if (endpoint.empty()) return invalid("the endpoint name is empty");
  if (credentials.empty()) return invalid("no credentials");
  std::set<std::pair<CredentialKind, std::string_view>> seen;
  for (const auto& c : credentials) {
    const auto kind = std::string(to_string(c.kind));
    if (c.name.empty()) return invalid("a " + kind + " credential without a name");
    if ((c.kind == CredentialKind::Psk) == c.key.empty())
      return invalid(c.kind == CredentialKind::Psk ? "the PSK " + c.name + " has no key"
                                                   : "a " + kind + " credential carries a key");
    if (!seen.emplace(c.kind, c.name).second)
      return invalid(kind + ":" + c.name + " is given twice");
    const auto bound = index_.find(std::pair{c.kind, c.name});
    if (bound != index_.end() && bound->second != endpoint)
      return Refusal{true, kind + ":" + c.name + " is bound to another endpoint"};
  }
  return std::nullopt;
}

void MemorySecurityStore::replace(const std::string& endpoint,
                                  std::vector<BoundCredential> credentials, EntryOrigin origin) {
  if (const auto old = entries_.find(endpoint); old != entries_.end()) {
    for (const auto& c : old->second.credentials) index_.erase(std::pair{c.kind, c.name});
    entries_.erase(old);
  }
  for (const auto& c : credentials) index_[{c.kind, c.name}] = endpoint;
  entries_[endpoint] = SecurityEntry{std::move(credentials), origin};
}

std::optional<MemorySecurityStore::Refusal> MemorySecurityStore::put(
    const std::string& endpoint, std::vector<BoundCredential> credentials, EntryOrigin origin) {
  if (auto why = check(endpoint, credentials)) return why;
  SecurityEntry entry{std::move(credentials), origin};
  if (table_) table_->put(endpoint, to_document(entry));
  replace(endpoint, std::move(entry.credentials), origin);
  return std::nullopt;
}

bool MemorySecurityStore::erase(std::string_view endpoint) {
  const auto it = entries_.find(endpoint);
  if (it == entries_.end()) return false;
  if (table_) table_->erase(endpoint);
  for (const auto& c : it->second.credentials) index_.erase(std::pair{c.kind, c.name});
  entries_.erase(it);
  return true;
}

std::vector<std::string> MemorySecurityStore::load() {
  std::vector<std::string> skipped;
  if (!table_) return skipped;
  for (auto& [endpoint, document] : table_->load()) {
    auto entry = from_document(document);
    if (!entry) {
      skipped.push_back("the credentials of " + endpoint + ": not a credential list");
      continue;
    }
    // A credential the command line bound to another endpoint stays there.
    if (auto why = check(endpoint, entry->credentials)) {
      skipped.push_back("the credentials of " + endpoint + ": " + why->reason);
      continue;
    }
    replace(endpoint, std::move(entry->credentials), entry->origin);
  }
  return skipped;
}

const SecurityEntry* MemorySecurityStore::find(std::string_view endpoint) const {
  const auto it = entries_.find(endpoint);
  return it == entries_.end() ? nullptr : &it->second;
}

bool MemorySecurityStore::secures(std::string_view endpoint) const {
  return entries_.contains(endpoint) || derives(endpoint);
}

std::optional<std::vector<std::uint8_t>> MemorySecurityStore::psk_key(
    std::string_view identity) const {
  if (const auto* c = credential(CredentialKind::Psk, identity)) return c->key;
  if (derives(identity)) return derive_psk(master_, identity);
  return std::nullopt;
}

std::optional<std::string> MemorySecurityStore::endpoint_of(CredentialKind kind,
                                                            std::string_view name) const {
  const auto it = index_.find(std::pair{kind, std::string(name)});
  if (it != index_.end()) return it->second;
  // A derived PSK's identity is the endpoint name.
  if (kind == CredentialKind::Psk && derives(name)) return std::string(name);
  return std::nullopt;
}

}  // namespace drover::dtls
