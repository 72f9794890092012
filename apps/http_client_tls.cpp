#include "http_client_tls.hpp"

#include <openssl/ssl.h>

#include <boost/asio/ssl/host_name_verification.hpp>

namespace drover::apps {

std::unique_ptr<boost::asio::ssl::context> client_tls_context(const std::string& ca_file) {
  auto tls = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  tls->set_verify_mode(boost::asio::ssl::verify_peer);
  if (ca_file.empty())
    tls->set_default_verify_paths();
  else
    tls->load_verify_file(ca_file);
  return tls;
}

bool expect_host(TlsStream& stream, const std::string& host) {
  // SSL_set_tlsext_host_name is a macro with a C cast: its function, called as it does.
  if (!SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                const_cast<char*>(host.c_str())))
    return false;
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return true;
}

}  // namespace drover::apps
