// The DTLS credentials of `drover server`, shared by the single-loop and the sharded runtimes:
// the command line's, then those the data folder keeps (/api/security, the "security" table of
// its documents), which replace them for their endpoints.
#pragma once

#include <memory>
#include <string>

#include "drover/dtls/security_store.hpp"
#include "drover/store/data_dir.hpp"
#include "drover/store/document_store.hpp"
#include "security_options.hpp"

namespace drover::apps {

// Opens the data folder's documents (none: nothing kept) and loads the kept credentials into
// `store`, which writes through to the table from then on; the exit code (0: done).
int load_kept_credentials(const std::shared_ptr<store::DataDir>& dir,
                          dtls::MemorySecurityStore& store,
                          std::unique_ptr<store::DocumentStore>& documents,
                          std::unique_ptr<DocumentTable>& table);

// What coaps takes, for the "listening on coaps://" line: "3 credentials, X.509", ...
std::string credentials_summary(const ServerSecurityOptions& options,
                                const dtls::MemorySecurityStore& store);

}  // namespace drover::apps
