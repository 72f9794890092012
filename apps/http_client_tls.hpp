// The TLS side of the programs' HTTP clients (firmware downloads of the simulated devices, pushes
// to a server's API): a context that checks servers' certificates against the system's CAs or a
// given file, and a stream that names the host it connects to (SNI) and checks the certificate
// names it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

namespace drover::apps {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// `ca_file`: PEM certificates servers' certificates must lead to; empty: the system's. Throws
// when the file does not load.
std::unique_ptr<boost::asio::ssl::context> client_tls_context(const std::string& ca_file);

// Sets SNI to `host` and the check that the certificate names it, before the handshake; false
// when SNI cannot be set.
bool expect_host(TlsStream& stream, const std::string& host);

}  // namespace drover::apps
