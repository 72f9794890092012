#include "drover/dtls/pki.hpp"

#include <gnutls/x509.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>

namespace drover::dtls {
namespace {

void check(int code) {
  if (code < 0) throw std::runtime_error(gnutls_strerror(code));
}

using Key = std::unique_ptr<gnutls_x509_privkey_int, void (*)(gnutls_x509_privkey_t)>;
using Crt = std::unique_ptr<gnutls_x509_crt_int, void (*)(gnutls_x509_crt_t)>;

gnutls_datum_t datum(const std::string& text) {
  return {reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
          static_cast<unsigned>(text.size())};
}

Key new_key() {
  gnutls_x509_privkey_t k = nullptr;
  check(gnutls_x509_privkey_init(&k));
  Key key(k, gnutls_x509_privkey_deinit);
  check(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
  return key;
}

Key import_key(const std::string& pem) {
  gnutls_x509_privkey_t k = nullptr;
  check(gnutls_x509_privkey_init(&k));
  Key key(k, gnutls_x509_privkey_deinit);
  const auto d = datum(pem);
  check(gnutls_x509_privkey_import(k, &d, GNUTLS_X509_FMT_PEM));
  return key;
}

Crt import_crt(const std::string& pem) {
  gnutls_x509_crt_t c = nullptr;
  check(gnutls_x509_crt_init(&c));
  Crt crt(c, gnutls_x509_crt_deinit);
  const auto d = datum(pem);
  check(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM));
  return crt;
}

std::string take(gnutls_datum_t out) {
  std::string text(reinterpret_cast<char*>(out.data), out.size);
  gnutls_free(out.data);
  return text;
}

std::string pem(gnutls_x509_privkey_t k) {
  gnutls_datum_t out{};
  check(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &out));
  return take(out);
}

std::string pem(gnutls_x509_crt_t c) {
  gnutls_datum_t out{};
  check(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &out));
  return take(out);
}

Crt new_crt(gnutls_x509_privkey_t key, const std::string& cn, time_t not_after) {
  static std::atomic<std::uint32_t> serial{1};
  gnutls_x509_crt_t c = nullptr;
  check(gnutls_x509_crt_init(&c));
  Crt crt(c, gnutls_x509_crt_deinit);
  check(gnutls_x509_crt_set_version(c, 3));
  const std::uint32_t n = serial++;
  const unsigned char serial_bytes[] = {
      static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
      static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  check(gnutls_x509_crt_set_serial(c, serial_bytes, sizeof serial_bytes));
  check(gnutls_x509_crt_set_activation_time(c, std::min(time(nullptr), not_after) - 3600));
  check(gnutls_x509_crt_set_expiration_time(c, not_after));
  check(gnutls_x509_crt_set_dn_by_oid(c, GNUTLS_OID_X520_COMMON_NAME, 0, cn.data(),
                                      static_cast<unsigned>(cn.size())));
  check(gnutls_x509_crt_set_key(c, key));
  return crt;
}

}  // namespace

std::string make_private_key() {
  return pem(new_key().get());
}

CertificateAuthority make_ca(const std::string& name) {
  const auto key = new_key();
  const auto crt = new_crt(key.get(), name, time(nullptr) + 365 * 86400);
  check(gnutls_x509_crt_set_basic_constraints(crt.get(), 1, -1));
  check(gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_KEY_CERT_SIGN));
  check(gnutls_x509_crt_sign2(crt.get(), crt.get(), key.get(), GNUTLS_DIG_SHA256, 0));
  return {pem(crt.get()), pem(key.get())};
}

CertificateCredential make_certificate(const CertificateAuthority& ca,
                                       const std::string& common_name, time_t not_after,
                                       const std::string& private_key) {
  const auto key = private_key.empty() ? new_key() : import_key(private_key);
  const auto crt = new_crt(key.get(), common_name, not_after);
  check(gnutls_x509_crt_set_basic_constraints(crt.get(), 0, -1));
  check(gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_DNSNAME, common_name.data(),
                                             static_cast<unsigned>(common_name.size()),
                                             GNUTLS_FSAN_SET));
  check(gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_DIGITAL_SIGNATURE));
  const auto ca_crt = import_crt(ca.certificate);
  const auto ca_key = import_key(ca.private_key);
  check(gnutls_x509_crt_sign2(crt.get(), ca_crt.get(), ca_key.get(), GNUTLS_DIG_SHA256, 0));
  return {pem(crt.get()), private_key.empty() ? pem(key.get()) : private_key, ca.certificate};
}

}  // namespace drover::dtls
