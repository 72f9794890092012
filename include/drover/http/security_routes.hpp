// /api/security: the DTLS credentials each endpoint may register with (list, get, put, delete;
// PSK keys never answered), and the DTLS server's counters in GET /metrics. The store is the one
// the DTLS server asks during handshakes, on the same thread as the API (`drover server` runs
// both on one event loop), so a change holds from the next handshake on, and a credential that a
// PUT or DELETE takes away ends the live sessions it authenticated. docs/http-api.md describes it.
#pragma once

#include <string>
#include <string_view>

#include "drover/dtls/dtls_server.hpp"
#include "drover/dtls/security_store.hpp"
#include "drover/http/routes.hpp"

namespace drover::http {

class SecurityRoutes final : public RouteFamily {
 public:
  // `store` must outlive the routes.
  explicit SecurityRoutes(dtls::MemorySecurityStore& store) : store_(store) {}
  // The DTLS server whose counters /metrics shows and whose sessions a credential taken away
  // ends (null: none); it must outlive the routes.
  void set_dtls_server(dtls::DtlsServer* server) { dtls_ = server; }

  bool takes(const RouteRequest& request) const override;
  Reply handle(RouteRequest& request) override;
  std::string_view openapi_paths() const override;
  std::string prometheus_metrics() const override;

 private:
  dtls::MemorySecurityStore& store_;
  dtls::DtlsServer* dtls_ = nullptr;

  // Ends the sessions of the credentials in `before` that the endpoint's entry no longer has.
  void revoke_removed(const std::vector<dtls::BoundCredential>& before, std::string_view endpoint,
                      coap::TimePoint now);
};

}  // namespace drover::http
