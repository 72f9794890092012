// A thin RAII layer over the SQLite C API: a connection and prepared statements, with errors that
// name the database file.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "drover/store/data_dir.hpp"

namespace drover::store::sqlite {

class Statement;

class Database {
 public:
  // Opens (creating) `file` in WAL mode with synchronous=FULL: a commit is on disk when it
  // returns. Fails with the file's name and SQLite's reason (not a database, locked, read-only).
  static Result<Database> open(const std::filesystem::path& file);
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  ~Database();

  // Runs statements without results; the error says which file and why.
  std::optional<Error> exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  // The error of the last failed call on this connection, naming the file.
  Error error(std::string_view doing) const;
  // SQLITE_FULL, SQLITE_CORRUPT ...: the primary code of the last failure.
  int last_code() const { return sqlite3_errcode(db_) & 0xff; }
  const std::filesystem::path& file() const { return file_; }
  sqlite3* handle() const { return db_; }

 private:
  Database(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Parameters are numbered from 1, as in SQL (?1, ?2 ...).
  void bind(int index, std::int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  void bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void bind(int index, std::span<const std::uint8_t> blob) {
    sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  void bind_null(int index) { sqlite3_bind_null(stmt_, index); }
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value)
      bind(index, *value);
    else
      bind_null(index);
  }

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int step() { return sqlite3_step(stmt_); }
  // Runs a statement without results and resets it; false on failure (see Database::error).
  bool run();
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string_view text(int column) const;
  std::span<const std::uint8_t> blob(int column) const;

 private:
  friend class Database;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// A transaction rolled back unless committed.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  std::optional<Error> begin() { return db_.exec("BEGIN IMMEDIATE"); }
  std::optional<Error> commit();
  ~Transaction();

 private:
  Database& db_;
  bool open_ = true;
};

// The schema's version (PRAGMA user_version). Migrations run in one transaction from the
// database's version up to `steps.size()`; a database from a newer version is refused, as is one
// that cannot be read.
std::optional<Error> migrate(Database& db, std::span<const std::string_view> steps);

}  // namespace drover::store::sqlite
