#pragma once
// RAII over sqlite3: a connection, prepared statements and scope-bound transactions.
// sqlite3.h stays out of this header; errors surface as store::Error.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace qblink::store {

class Statement;

class Database {
 public:
  // Opens (creating) the file with WAL, foreign keys and a busy timeout.
  explicit Database(const std::string& path);
  ~Database();
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;

  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  // A prepared statement kept for the life of the connection, reset and ready to bind. The same
  // SQL text must not be in use twice at once. Preparing costs more than running most of ours.
  Statement& cached(std::string_view sql);
  // Resets every cached statement, so none holds a read lock across COMMIT or ROLLBACK.
  void reset_cached();
  std::int64_t last_insert_id() const;
  int changes() const;
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::unique_ptr<std::map<std::string, Statement, std::less<>>> cache_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;

  // Binders are 1-based like SQLite's. Text is copied (SQLITE_TRANSIENT): no dangling.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind_null(int index);
  template <typename... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  bool step();  // true while a row is available
  void run();   // step to completion, for statements without rows
  void reset();

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
  };
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front so two writers never deadlock);
// rolls back in the destructor unless commit() ran. The destructor never throws.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace qblink::store
