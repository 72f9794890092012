#include "sqlite.hpp"

#include <utility>

namespace drover::store::sqlite {

Result<Database> Database::open(const std::filesystem::path& file) {
  // Every connection is used by one thread at a time: no library-wide allocation statistics,
  // whose mutex every allocation would take. Before SQLite's initialisation, once per process.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Database database(db, file);
  if (rc != SQLITE_OK) return database.error("cannot open");
  // Several stores of one process write to documents.db, each from its writer thread: one waits
  // for the other's transaction instead of failing it.
  sqlite3_busy_timeout(db, 5000);
  // Pragmas read the file: a file that is no database fails here, not later.
  if (auto e = database.exec("PRAGMA journal_mode=WAL")) return *e;
  if (auto e = database.exec("PRAGMA synchronous=FULL")) return *e;
  if (auto e = database.exec("PRAGMA foreign_keys=ON")) return *e;
  if (auto e = database.exec("PRAGMA cache_size=-65536")) return *e;
  return database;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), file_(std::move(other.file_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    file_ = std::move(other.file_);
  }
  return *this;
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

std::optional<Error> Database::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return error(text.substr(0, text.find(' ', 8)));
  return std::nullopt;
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK)
    return error("cannot prepare a statement");
  return Statement(stmt);
}

Error Database::error(std::string_view doing) const {
  std::string reason = db_ ? sqlite3_errmsg(db_) : "out of memory";
  switch (db_ ? last_code() : SQLITE_NOMEM) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      reason +=
          " (the file is damaged or no Drover database: move it away to start afresh, or "
          "restore it from a backup)";
      break;
    case SQLITE_FULL:
      reason += " (the disk is full)";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      reason += " (another process holds the database)";
      break;
    default:
      break;
  }
  return Error{file_.string() + ": " + std::string(doing) + ": " + reason};
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

bool Statement::run() {
  const int rc = step();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

std::string_view Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

std::span<const std::uint8_t> Statement::blob(int column) const {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::span<const std::uint8_t>(p, static_cast<std::size_t>(n))
           : std::span<const std::uint8_t>();
}

std::optional<Error> Transaction::commit() {
  open_ = false;
  return db_.exec("COMMIT");
}

Transaction::~Transaction() {
  if (open_) (void)db_.exec("ROLLBACK");
}

std::optional<Error> migrate(Database& db, std::span<const std::string_view> steps) {
  auto version = db.prepare("PRAGMA user_version");
  if (!version) return version.error();
  Statement stmt = std::move(version).value();
  if (stmt.step() != SQLITE_ROW) return db.error("cannot read the schema version");
  const auto current = static_cast<std::size_t>(stmt.integer(0));
  stmt.reset();
  if (current > steps.size()) {
    return Error{db.file().string() + ": schema version " + std::to_string(current) +
                 " is newer than this program's (" + std::to_string(steps.size()) +
                 "): it was written by a newer Drover; run that, or give this one another "
                 "--data-dir"};
  }
  if (current == steps.size()) return std::nullopt;
  Transaction tx(db);
  if (auto e = tx.begin()) return e;
  for (std::size_t v = current; v < steps.size(); ++v)
    if (auto e = db.exec(steps[v])) return e;
  if (auto e = db.exec("PRAGMA user_version=" + std::to_string(steps.size()))) return e;
  return tx.commit();
}

}  // namespace drover::store::sqlite
