#include "drover/store/document_store.hpp"

#include <optional>
#include <string>
#include <vector>

#include "sqlite.hpp"
#include "writer.hpp"

namespace drover::store {
namespace {

constexpr std::string_view kSchema[] = {
    // 1
    "CREATE TABLE documents (kind TEXT NOT NULL, key TEXT NOT NULL, document TEXT NOT NULL,"
    "  PRIMARY KEY (kind, key)) WITHOUT ROWID;",
};

// A put, or an erase (no document).
struct Change {
  std::string kind;
  std::string key;
  std::optional<std::string> document;
};

}  // namespace

struct DocumentStore::Impl {
  Impl(std::shared_ptr<DataDir> d, sqlite::Database database)
      : dir(std::move(d)), db(std::move(database)) {}

  std::shared_ptr<DataDir> dir;
  sqlite::Database db;
  std::optional<sqlite::Statement> put;
  std::optional<sqlite::Statement> erase;
  std::unique_ptr<WriteBehind<Change>> writer;  // last: stops before the members above go

  std::optional<Error> commit(std::span<const Change> batch) {
    sqlite::Transaction tx(db);
    if (auto e = tx.begin()) return e;
    for (const Change& c : batch) {
      sqlite::Statement& s = c.document ? *put : *erase;
      s.bind(1, std::string_view(c.kind));
      s.bind(2, std::string_view(c.key));
      if (c.document) s.bind(3, std::string_view(*c.document));
      if (!s.run()) return db.error("cannot write");
    }
    return tx.commit();
  }
};

namespace {

class Table final : public DocumentTable {
 public:
  Table(DocumentStore::Impl& store, std::string_view kind) : store_(store), kind_(kind) {}

  void put(std::string_view key, std::string_view document) override {
    store_.writer->tell(Change{kind_, std::string(key), std::string(document)});
  }
  void erase(std::string_view key) override {
    store_.writer->tell(Change{kind_, std::string(key), std::nullopt});
  }
  std::vector<std::pair<std::string, std::string>> load() override {
    std::vector<std::pair<std::string, std::string>> out;
    auto q = store_.db.prepare("SELECT key, document FROM documents WHERE kind=?1 ORDER BY key");
    if (!q) return out;
    auto& s = q.value();
    s.bind(1, std::string_view(kind_));
    while (s.step() == SQLITE_ROW) out.emplace_back(s.text(0), s.text(1));
    return out;
  }

 private:
  DocumentStore::Impl& store_;
  std::string kind_;
};

}  // namespace

DocumentStore::DocumentStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<DocumentStore>> DocumentStore::open(std::shared_ptr<DataDir> dir,
                                                           WriteBehindConfig config) {
  auto db = sqlite::Database::open(dir->file("documents.db"));
  if (!db) return db.error();
  if (auto e = sqlite::migrate(db.value(), kSchema)) return *e;
  auto impl = std::make_unique<Impl>(std::move(dir), std::move(db).value());
  auto put = impl->db.prepare("INSERT OR REPLACE INTO documents VALUES (?1, ?2, ?3)");
  if (!put) return put.error();
  auto erase = impl->db.prepare("DELETE FROM documents WHERE kind=?1 AND key=?2");
  if (!erase) return erase.error();
  impl->put.emplace(std::move(put).value());
  impl->erase.emplace(std::move(erase).value());
  impl->writer = std::make_unique<WriteBehind<Change>>(
      std::move(config), impl->db.file().string(),
      [d = impl.get()](std::span<const Change> batch) { return d->commit(batch); });
  return std::unique_ptr<DocumentStore>(new DocumentStore(std::move(impl)));
}

DocumentStore::~DocumentStore() {
  impl_->writer->stop();
}

std::unique_ptr<DocumentTable> DocumentStore::table(std::string_view kind) {
  return std::make_unique<Table>(*impl_, kind);
}

void DocumentStore::start() {
  impl_->writer->start();
}

std::optional<Error> DocumentStore::flush() {
  return impl_->writer->flush();
}

StoreStats DocumentStore::stats() const {
  return impl_->writer->stats();
}

}  // namespace drover::store
