#include "server_credentials.hpp"

#include "drover/log/log.hpp"

namespace drover::apps {

using log::Component;

int load_kept_credentials(const std::shared_ptr<store::DataDir>& dir,
                          dtls::MemorySecurityStore& store,
                          std::unique_ptr<store::DocumentStore>& documents,
                          std::unique_ptr<DocumentTable>& table) {
  if (!dir) return 0;
  auto opened = store::DocumentStore::open(dir);
  if (!opened) {
    log::error(Component::Store, {"store_error"},
               "cannot open the DTLS credentials' store: " + opened.error().message);
    return 1;
  }
  documents = std::move(opened).value();
  table = documents->table("security");
  store.set_table(table.get());
  for (const auto& why : store.load())
    log::warn(Component::Dtls, {"credentials_skipped"}, "skipped " + why);
  documents->start();
  return 0;
}

std::string credentials_summary(const ServerSecurityOptions& options,
                                const dtls::MemorySecurityStore& store) {
  std::string kinds;
  const auto add = [&](const std::string& kind) { kinds += (kinds.empty() ? "" : ", ") + kind; };
  if (store.size()) add(std::to_string(store.size()) + " credentials");
  if (options.psk_master.size())
    add("PSKs derived for endpoints \"" + options.psk_master_prefix + "...\"");
  if (options.certificate_file.size()) add("X.509");
  if (options.rpk_key_file.size()) add("raw public key");
  return kinds.empty() ? "no credentials yet: PUT /api/security/{endpoint}" : kinds;
}

}  // namespace drover::apps
