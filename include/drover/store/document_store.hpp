// The documents of the layers above the protocol cores (util/document_table.hpp) in one SQLite
// database of the data folder, `documents.db`, written behind like the server's state
// (write_behind.hpp): one table of documents per kind, read back when their owners start.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "drover/store/data_dir.hpp"
#include "drover/store/write_behind.hpp"
#include "drover/util/document_table.hpp"

namespace drover::store {

class DocumentStore {
 public:
  // Opens (creating) documents.db of `dir`; refused like the server's databases (damaged, newer).
  static Result<std::unique_ptr<DocumentStore>> open(std::shared_ptr<DataDir> dir,
                                                     WriteBehindConfig config = {});
  ~DocumentStore();  // writes what is left, then stops the writer
  DocumentStore(const DocumentStore&) = delete;
  DocumentStore& operator=(const DocumentStore&) = delete;

  // The table of documents of kind `kind` ("security", "bootstrap" ...). Its load() reads the
  // database: call it before start(). The table must not outlive the store.
  std::unique_ptr<DocumentTable> table(std::string_view kind);
  // Starts the writer thread; changes told before are written then.
  void start();
  std::optional<Error> flush();
  StoreStats stats() const;

  struct Impl;

 private:
  explicit DocumentStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover::store
