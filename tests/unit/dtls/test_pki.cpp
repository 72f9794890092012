// Test keys and certificates, made with GnuTLS.
#include <gnutls/x509.h>

#include <memory>
#include <stdexcept>

#include "dtls_harness.hpp"

namespace drover::dtls::testing {
namespace {

void check(int code) {
  if (code < 0) throw std::runtime_error(gnutls_strerror(code));
}

using Key = std::unique_ptr<gnutls_x509_privkey_int, void (*)(gnutls_x509_privkey_t)>;
using Crt = std::unique_ptr<gnutls_x509_crt_int, void (*)(gnutls_x509_crt_t)>;

Key new_key() {
  gnutls_x509_privkey_t k = nullptr;
  check(gnutls_x509_privkey_init(&k));
  check(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0));
  return {k, gnutls_x509_privkey_deinit};
}

Key import_key(const std::string& pem) {
  gnutls_x509_privkey_t k = nullptr;
  check(gnutls_x509_privkey_init(&k));
  Key key(k, gnutls_x509_privkey_deinit);
  const gnutls_datum_t d{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                         static_cast<unsigned>(pem.size())};
  check(gnutls_x509_privkey_import(k, &d, GNUTLS_X509_FMT_PEM));
  return key;
}

std::string pem(gnutls_x509_privkey_t k) {
  gnutls_datum_t out{};
  check(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &out));
  std::string text(reinterpret_cast<char*>(out.data), out.size);
  gnutls_free(out.data);
  return text;
}

std::string pem(gnutls_x509_crt_t c) {
  gnutls_datum_t out{};
  check(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &out));
  std::string text(reinterpret_cast<char*>(out.data), out.size);
  gnutls_free(out.data);
  return text;
}

Crt import_crt(const std::string& text) {
  gnutls_x509_crt_t c = nullptr;
  check(gnutls_x509_crt_init(&c));
  Crt crt(c, gnutls_x509_crt_deinit);
  const gnutls_datum_t d{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                         static_cast<unsigned>(text.size())};
  check(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM));
  return crt;
}

Crt new_crt(gnutls_x509_privkey_t key, const std::string& cn, unsigned serial,
            time_t not_after = time(nullptr) + 86400) {
  gnutls_x509_crt_t c = nullptr;
  check(gnutls_x509_crt_init(&c));
  Crt crt(c, gnutls_x509_crt_deinit);
  check(gnutls_x509_crt_set_version(c, 3));
  const unsigned char serial_bytes[] = {static_cast<unsigned char>(serial)};
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

TestPki make_ca(const std::string& name) {
  auto key = new_key();
  auto crt = new_crt(key.get(), name, 1);
  check(gnutls_x509_crt_set_basic_constraints(crt.get(), 1, -1));
  check(gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_KEY_CERT_SIGN));
  check(gnutls_x509_crt_sign2(crt.get(), crt.get(), key.get(), GNUTLS_DIG_SHA256, 0));
  return {pem(crt.get()), pem(key.get())};
}

CertificateCredential make_certificate(const TestPki& ca, const std::string& common_name) {
  return make_certificate_until(ca, common_name, time(nullptr) + 86400);
}

CertificateCredential make_certificate_until(const TestPki& ca, const std::string& common_name,
                                             time_t not_after) {
  static unsigned serial = 2;
  auto key = new_key();
  auto crt = new_crt(key.get(), common_name, ++serial, not_after);
  check(gnutls_x509_crt_set_basic_constraints(crt.get(), 0, -1));
  check(gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_DNSNAME, common_name.data(),
                                             static_cast<unsigned>(common_name.size()),
                                             GNUTLS_FSAN_SET));
  check(gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_DIGITAL_SIGNATURE));
  auto ca_crt = import_crt(ca.ca_certificate);
  auto ca_key = import_key(ca.ca_key);
  check(gnutls_x509_crt_sign2(crt.get(), ca_crt.get(), ca_key.get(), GNUTLS_DIG_SHA256, 0));
  return {pem(crt.get()), pem(key.get()), ca.ca_certificate};
}

std::vector<std::uint8_t> der_of(const std::string& pem) {
  const gnutls_datum_t in{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                          static_cast<unsigned>(pem.size())};
  gnutls_datum_t out{};
  check(gnutls_pem_base64_decode2(nullptr, &in, &out));
  std::vector<std::uint8_t> bytes(out.data, out.data + out.size);
  gnutls_free(out.data);
  return bytes;
}

}  // namespace drover::dtls::testing
