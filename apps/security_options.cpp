#include "security_options.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <sstream>

#include "app_support.hpp"

namespace drover::apps {

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

std::optional<std::string> load_psk_file(const std::string& path,
                                         dtls::MemorySecurityStore& store) {
  std::ifstream in(path);
  if (!in) return "--psk-file: cannot read " + path;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream fields(line);
    std::string endpoint, identity, hex, extra;
    if (!(fields >> endpoint)) continue;
    const auto where = "--psk-file " + path + " line " + std::to_string(number) + ": ";
    if (!(fields >> identity >> hex) || (fields >> extra))
      return where + "expected \"endpoint identity hexkey\"";
    auto key = dtls::parse_hex(hex);
    if (!key || key->empty()) return where + "the key is not hexadecimal";
    store.add_psk(endpoint, identity, std::move(*key));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> load_server_security(const ServerSecurityOptions& o,
                                                dtls::MemorySecurityStore& store,
                                                dtls::ServerCredentials& credentials) {
  credentials.store = &store;
  if (!o.psk_file.empty())
    if (auto error = load_psk_file(o.psk_file, store)) return error;
  if (!o.psk_master.empty()) {
    auto master = dtls::parse_hex(o.psk_master);
    if (!master || master->size() < 16) return "--psk-master: at least 16 bytes, hexadecimal";
    store.derive_psks(std::move(*master), o.psk_master_prefix);
  }
  if (o.certificate_file.empty() != o.key_file.empty()) return "X.509 needs both --cert and --key";
  if (!o.certificate_file.empty()) {
    dtls::CertificateCredential c;
    const auto cert = read_text_file(o.certificate_file);
    const auto key = read_text_file(o.key_file);
    if (!cert || !key) return "cannot read --cert or --key";
    c.certificate = *cert;
    c.private_key = *key;
    if (!o.ca_file.empty()) {
      const auto ca = read_text_file(o.ca_file);
      if (!ca) return "cannot read --ca " + o.ca_file;
      c.trust_anchors = *ca;
    }
    credentials.certificate = std::move(c);
  }
  if (!o.rpk_key_file.empty()) {
    const auto key = read_text_file(o.rpk_key_file);
    if (!key) return "cannot read --rpk-key " + o.rpk_key_file;
    credentials.raw_public_key = *key;
  }
  for (const auto& entry : o.rpk_clients) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) return "--rpk-client: expected endpoint=public-key.pem";
    const auto pem = read_text_file(entry.substr(eq + 1));
    const auto name = pem ? dtls::public_key_name(*pem) : std::nullopt;
    if (!name) return "--rpk-client: no public key in " + entry.substr(eq + 1);
    store.bind(dtls::CredentialKind::RawPublicKey, *name, entry.substr(0, eq));
  }
  return std::nullopt;
}

std::optional<dtls::ClientCredentials> client_credentials(const ClientSecurityOptions& o,
                                                          std::string& error) {
  dtls::ClientCredentials c;
  int kinds = 0;
  if (!o.psk_identity.empty() || !o.psk_key.empty()) {
    ++kinds;
    auto key = dtls::parse_hex(o.psk_key);
    if (o.psk_identity.empty() || !key || key->empty()) {
      error = "PSK needs --psk-identity and --psk-key (hexadecimal)";
      return std::nullopt;
    }
    c.psk = dtls::PskCredential{o.psk_identity, std::move(*key)};
  }
  if (!o.psk_master.empty()) {
    ++kinds;
    auto master = dtls::parse_hex(o.psk_master);
    if (!master || master->size() < 16) {
      error = "--psk-master: at least 16 bytes, hexadecimal";
      return std::nullopt;
    }
    c.psk = dtls::PskCredential{"", std::move(*master)};  // for_endpoint derives the key
  }
  if (!o.certificate_file.empty() || !o.key_file.empty()) {
    ++kinds;
    const auto cert = read_text_file(o.certificate_file);
    const auto key = read_text_file(o.key_file);
    const auto ca = o.ca_file.empty() ? std::optional<std::string>("") : read_text_file(o.ca_file);
    if (!cert || !key || !ca) {
      error = "X.509 needs readable --cert, --key (and --ca)";
      return std::nullopt;
    }
    c.certificate = dtls::CertificateCredential{*cert, *key, *ca};
    c.server_name = o.server_name;
    if (!o.server_certificate_file.empty()) {
      const auto given = read_text_file(o.server_certificate_file);
      if (!given) {
        error = "cannot read --server-cert " + o.server_certificate_file;
        return std::nullopt;
      }
      c.server_certificate = *given;
      if (o.certificate_usage >= 0)
        c.certificate_usage = static_cast<dtls::CertificateUsage>(o.certificate_usage);
    } else if (o.certificate_usage >= 0) {
      error = "--cert-usage needs --server-cert";
      return std::nullopt;
    }
  }
  if (!o.rpk_key_file.empty() || !o.server_public_key_file.empty()) {
    ++kinds;
    const auto key = read_text_file(o.rpk_key_file);
    const auto server_key = read_text_file(o.server_public_key_file);
    if (!key || !server_key) {
      error = "a raw public key needs readable --rpk-key and --server-public-key";
      return std::nullopt;
    }
    c.raw_public_key = dtls::RawPublicKeyCredential{*key, *server_key};
  }
  if (kinds != 1) {
    error =
        "give one credential type: --psk-identity/--psk-key, --psk-master, --cert/--key/--ca, "
        "or --rpk-key/--server-public-key";
    return std::nullopt;
  }
  return c;
}

void add_client_security_options(CLI::App& cmd, ClientSecurityOptions& o) {
  cmd.add_option("--psk-identity", o.psk_identity, "coaps: the PSK identity");
  cmd.add_option("--psk-key", o.psk_key, "coaps: the pre-shared key, hexadecimal");
  cmd.add_option("--cert", o.certificate_file,
                 "coaps X.509: the device's PEM certificate (with --key)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--key", o.key_file, "coaps X.509: its PEM private key")->check(CLI::ExistingFile);
  cmd.add_option("--ca", o.ca_file,
                 "coaps X.509: PEM CA certificates the server's certificate must lead to")
      ->check(CLI::ExistingFile);
  cmd.add_option("--server-name", o.server_name,
                 "coaps X.509: the name the server's certificate must carry (default: the URI's "
                 "host, unless an IP address)");
  cmd.add_option("--server-cert", o.server_certificate_file,
                 "coaps X.509: the server's certificate as the Security object gives it (Server "
                 "Public Key, PEM), checked as --cert-usage says")
      ->check(CLI::ExistingFile);
  cmd.add_option("--cert-usage", o.certificate_usage,
                 "coaps X.509: Certificate Usage of --server-cert (RFC 6698): 0 CA constraint "
                 "(with --ca), 1 service certificate (with --ca), 2 trust anchor, 3 "
                 "domain-issued certificate (the default: that certificate exactly, no chain, "
                 "no name)")
      ->check(CLI::Range(0, 3));
  cmd.add_option("--rpk-key", o.rpk_key_file,
                 "coaps raw public key (RFC 7250): the device's PEM private key")
      ->check(CLI::ExistingFile);
  cmd.add_option("--server-public-key", o.server_public_key_file,
                 "coaps raw public key: the server's PEM public key")
      ->check(CLI::ExistingFile);
}

void name_the_server(dtls::ClientCredentials& credentials, const std::string& host) {
  if (credentials.certificate && credentials.server_name.empty() && !bind_address(host, 0))
    credentials.server_name = host;
}

bool credentials_for_uri(const std::string& scheme, const std::string& host,
                         const ClientSecurityOptions& options,
                         std::optional<dtls::ClientCredentials>& credentials, std::string& error) {
  credentials.reset();
  if (scheme != "coaps") {
    if (options.any()) error = "credentials are for coaps:// URIs";
    return !options.any();
  }
  credentials = client_credentials(options, error);
  if (!credentials) {
    error = "coaps: " + error;
    return false;
  }
  name_the_server(*credentials, host);
  return true;
}

dtls::ClientCredentials for_endpoint(dtls::ClientCredentials credentials,
                                     const ClientSecurityOptions& options,
                                     const std::string& endpoint) {
  if (!options.psk_master.empty() && credentials.psk)
    credentials.psk =
        dtls::PskCredential{endpoint, dtls::derive_psk(credentials.psk->key, endpoint)};
  return credentials;
}

std::optional<dtls::ClientCredentials> account_credentials(const lwm2m::SecurityAccount& a,
                                                           const std::string& host,
                                                           std::string& error) {
  using lwm2m::SecurityMode;
  dtls::ClientCredentials c;
  const auto& own = a.public_key_or_identity;
  switch (a.mode.value_or(SecurityMode::NoSec)) {
    case SecurityMode::Psk:
      if (own.empty() || a.secret_key.empty()) {
        error = "PSK needs an identity (/0/x/3) and a key (/0/x/5)";
        return std::nullopt;
      }
      c.psk = dtls::PskCredential{std::string(own.begin(), own.end()), a.secret_key};
      return c;
    case SecurityMode::Rpk: {
      // The public key sent is derived from the private one; /0/x/3 names it for the server.
      const auto key = dtls::private_key_pem(a.secret_key);
      const auto server_key = dtls::public_key_pem(a.server_public_key);
      if (!key || !server_key) {
        error =
            "a raw public key needs a private key (/0/x/5) and the server's public key (/0/x/4), "
            "DER";
        return std::nullopt;
      }
      c.raw_public_key = dtls::RawPublicKeyCredential{*key, *server_key};
      return c;
    }
    case SecurityMode::Certificate: {
      const auto certificate = dtls::certificate_pem(own);
      const auto key = dtls::private_key_pem(a.secret_key);
      const auto server = dtls::certificate_pem(a.server_public_key);
      const auto usage = static_cast<dtls::CertificateUsage>(a.certificate_usage.value_or(
          static_cast<std::uint8_t>(dtls::CertificateUsage::DomainIssued)));
      if (!certificate || !key || !server) {
        error =
            "X.509 needs a certificate (/0/x/3), its private key (/0/x/5) and the server's "
            "certificate (/0/x/4), DER";
        return std::nullopt;
      }
      // The Security object carries no other trust anchors than the server's certificate.
      if (usage != dtls::CertificateUsage::TrustAnchor &&
          usage != dtls::CertificateUsage::DomainIssued) {
        error = "certificate usage " + std::to_string(static_cast<int>(usage)) +
                " needs trust anchors the device does not have (2 or 3 do not)";
        return std::nullopt;
      }
      c.certificate = dtls::CertificateCredential{*certificate, *key, ""};
      c.server_certificate = *server;
      c.certificate_usage = usage;
      name_the_server(c, host);
      return c;
    }
    case SecurityMode::NoSec:
    case SecurityMode::Est:
      break;
  }
  error = a.mode ? "security mode " + std::string(to_string(*a.mode)) + " is not supported"
                 : std::string("no security mode (/0/x/2)");
  return std::nullopt;
}

std::string describe_credentials(const dtls::ClientCredentials& c) {
  if (c.psk) return "PSK identity " + c.psk->identity;
  if (c.raw_public_key)
    return "raw public key " +
           dtls::public_key_name(c.raw_public_key->private_key).value_or("(unreadable)");
  return "X.509 certificate (the server's checked with Certificate Usage " +
         std::to_string(static_cast<int>(c.certificate_usage)) + ")";
}

}  // namespace drover::apps
