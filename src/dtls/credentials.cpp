#include "drover/dtls/credentials.hpp"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <memory>

namespace drover::dtls {
namespace {

using PrivateKey = std::unique_ptr<gnutls_privkey_st, void (*)(gnutls_privkey_t)>;
using PublicKey = std::unique_ptr<gnutls_pubkey_st, void (*)(gnutls_pubkey_t)>;

PublicKey new_public_key() {
  gnutls_pubkey_t key = nullptr;
  if (gnutls_pubkey_init(&key) < 0) return {nullptr, gnutls_pubkey_deinit};
  return {key, gnutls_pubkey_deinit};
}

gnutls_datum_t datum(std::string_view text) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
          static_cast<unsigned>(text.size())};
}

// The public key of `pem`: a public key, or the public half of a private key.
PublicKey load_public(std::string_view pem) {
  auto pub = new_public_key();
  if (!pub) return pub;
  const auto data = datum(pem);
  if (gnutls_pubkey_import(pub.get(), &data, GNUTLS_X509_FMT_PEM) == 0) return pub;
  gnutls_privkey_t raw = nullptr;
  if (gnutls_privkey_init(&raw) < 0) return {nullptr, gnutls_pubkey_deinit};
  PrivateKey priv(raw, gnutls_privkey_deinit);
  if (gnutls_privkey_import_x509_raw(priv.get(), &data, GNUTLS_X509_FMT_PEM, nullptr, 0) < 0 ||
      gnutls_pubkey_import_privkey(pub.get(), priv.get(), 0, 0) < 0)
    return {nullptr, gnutls_pubkey_deinit};
  return pub;
}

std::optional<std::string> export_key(gnutls_pubkey_t key, gnutls_x509_crt_fmt_t format) {
  gnutls_datum_t out{};
  if (gnutls_pubkey_export2(key, format, &out) < 0) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(out.data), out.size);
  gnutls_free(out.data);
  return text;
}

}  // namespace

std::string_view to_string(CredentialKind kind) {
  switch (kind) {
    case CredentialKind::Psk:
      return "psk";
    case CredentialKind::RawPublicKey:
      return "rpk";
    case CredentialKind::X509:
      return "x509";
  }
  return "?";
}

std::string PeerIdentity::text() const {
  return std::string(to_string(kind)) + ":" + name;
}

void MemorySecurityStore::add_psk(std::string endpoint, std::string identity,
                                  std::vector<std::uint8_t> key) {
  psk_keys_[identity] = std::move(key);
  bind(CredentialKind::Psk, std::move(identity), std::move(endpoint));
}

void MemorySecurityStore::bind(CredentialKind kind, std::string name, std::string endpoint) {
  ++bound_[endpoint];
  auto [it, added] = endpoints_.try_emplace({kind, std::move(name)}, endpoint);
  if (added) return;
  // Bound again: the endpoint it was bound to before loses it.
  if (const auto old = bound_.find(it->second); --old->second == 0) bound_.erase(old);
  it->second = std::move(endpoint);
}

bool MemorySecurityStore::secures(std::string_view endpoint) const {
  return bound_.contains(endpoint) || derives(endpoint);
}

std::optional<std::vector<std::uint8_t>> MemorySecurityStore::psk_key(
    std::string_view identity) const {
  const auto it = psk_keys_.find(identity);
  if (it != psk_keys_.end()) return it->second;
  if (derives(identity)) return derive_psk(master_, identity);
  return std::nullopt;
}

std::optional<std::string> MemorySecurityStore::endpoint_of(CredentialKind kind,
                                                            std::string_view name) const {
  const auto it = endpoints_.find(std::pair{kind, std::string(name)});
  if (it != endpoints_.end()) return it->second;
  // A derived PSK's identity is the endpoint name.
  if (kind == CredentialKind::Psk && derives(name) && !psk_keys_.contains(name))
    return std::string(name);
  return std::nullopt;
}

void MemorySecurityStore::derive_psks(std::vector<std::uint8_t> master, std::string prefix) {
  master_ = std::move(master);
  derived_prefix_ = std::move(prefix);
}

std::vector<std::uint8_t> derive_psk(std::span<const std::uint8_t> master,
                                     std::string_view endpoint) {
  std::uint8_t mac[32];
  gnutls_hmac_fast(GNUTLS_MAC_SHA256, master.data(), master.size(), endpoint.data(),
                   endpoint.size(), mac);
  return {mac, mac + 16};
}

std::string key_name(std::span<const std::uint8_t> spki) {
  std::uint8_t digest[32];
  gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data(), spki.size(), digest);
  return "sha256:" + to_hex(digest);
}

std::optional<std::string> public_key_name(std::string_view pem) {
  const auto key = load_public(pem);
  if (!key) return std::nullopt;
  const auto der = export_key(key.get(), GNUTLS_X509_FMT_DER);
  if (!der) return std::nullopt;
  return key_name({reinterpret_cast<const std::uint8_t*>(der->data()), der->size()});
}

std::optional<std::string> public_key_of(std::string_view private_key_pem) {
  const auto key = load_public(private_key_pem);
  if (!key) return std::nullopt;
  return export_key(key.get(), GNUTLS_X509_FMT_PEM);
}

}  // namespace drover::dtls
