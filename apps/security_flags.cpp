#include "security_flags.hpp"

namespace drover::apps {

void add_server_security_flags(CLI::App& command, ServerSecurityOptions& o) {
  command
      .add_option("--psk-file", o.psk_file,
                  "Pre-shared keys of the clients: lines \"endpoint identity hexkey\"")
      ->check(CLI::ExistingFile);
  command.add_option(
      "--psk-master", o.psk_master,
      "A fleet's master key, hexadecimal: a client whose PSK identity is its endpoint "
      "name may use the first 16 bytes of HMAC-SHA256(master, endpoint) as its key "
      "(drover client --psk-master); such endpoints may not use NoSec");
  command.add_option("--psk-master-prefix", o.psk_master_prefix,
                     "Only endpoints whose names start with this get derived keys");
  command
      .add_option("--cert", o.certificate_file,
                  "DTLS X.509: the server's PEM certificate chain (with --key)")
      ->check(CLI::ExistingFile);
  command.add_option("--key", o.key_file, "DTLS X.509: the PEM private key of --cert")
      ->check(CLI::ExistingFile);
  command
      .add_option("--ca", o.ca_file,
                  "DTLS X.509: PEM CA certificates that clients' certificates must lead to; a "
                  "client is the endpoint its certificate's common name names")
      ->check(CLI::ExistingFile);
  command
      .add_option("--rpk-key", o.rpk_key_file,
                  "DTLS raw public key (RFC 7250): the server's PEM private key; with --cert "
                  "too, clients that authenticate with a raw public key are shown this key, "
                  "others the certificate")
      ->check(CLI::ExistingFile);
  command.add_option("--rpk-client", o.rpk_clients,
                     "A client's raw public key: ENDPOINT=public-key.pem (repeatable)");
}

}  // namespace drover::apps
