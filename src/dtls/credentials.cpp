#include "drover/dtls/credentials.hpp"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

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

// What a GnuTLS export2 call gave (freed here); nullopt when it failed.
std::optional<std::string> exported(int code, gnutls_datum_t& out) {
  if (code < 0) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(out.data), out.size);
  gnutls_free(out.data);
  return text;
}

std::optional<std::string> export_key(gnutls_pubkey_t key, gnutls_x509_crt_fmt_t format) {
  gnutls_datum_t out{};
  return exported(gnutls_pubkey_export2(key, format, &out), out);
}

gnutls_datum_t datum(std::span<const std::uint8_t> bytes) {
  return {const_cast<unsigned char*>(bytes.data()), static_cast<unsigned>(bytes.size())};
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

std::optional<std::string> certificate_pem(std::span<const std::uint8_t> der) {
  gnutls_x509_crt_t raw = nullptr;
  if (gnutls_x509_crt_init(&raw) < 0) return std::nullopt;
  const std::unique_ptr<gnutls_x509_crt_int, void (*)(gnutls_x509_crt_t)> crt(
      raw, gnutls_x509_crt_deinit);
  const auto data = datum(der);
  gnutls_datum_t out{};
  if (gnutls_x509_crt_import(crt.get(), &data, GNUTLS_X509_FMT_DER) < 0) return std::nullopt;
  return exported(gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_PEM, &out), out);
}

std::optional<std::string> public_key_pem(std::span<const std::uint8_t> spki) {
  const auto key = new_public_key();
  const auto data = datum(spki);
  if (!key || gnutls_pubkey_import(key.get(), &data, GNUTLS_X509_FMT_DER) < 0) return std::nullopt;
  return export_key(key.get(), GNUTLS_X509_FMT_PEM);
}

std::optional<std::string> private_key_pem(std::span<const std::uint8_t> der) {
  gnutls_x509_privkey_t raw = nullptr;
  if (gnutls_x509_privkey_init(&raw) < 0) return std::nullopt;
  const std::unique_ptr<gnutls_x509_privkey_int, void (*)(gnutls_x509_privkey_t)> key(
      raw, gnutls_x509_privkey_deinit);
  const auto data = datum(der);
  gnutls_datum_t out{};
  if (gnutls_x509_privkey_import2(key.get(), &data, GNUTLS_X509_FMT_DER, nullptr,
                                  GNUTLS_PKCS_PLAIN) < 0)
    return std::nullopt;
  return exported(gnutls_x509_privkey_export2_pkcs8(key.get(), GNUTLS_X509_FMT_PEM, nullptr,
                                                    GNUTLS_PKCS_PLAIN, &out),
                  out);
}

}  // namespace drover::dtls
