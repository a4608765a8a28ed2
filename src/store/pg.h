#pragma once
// RAII over libpq: a connection, its cached prepared statements, and results. libpq-fe.h stays
// out of this header; errors surface as store::Error (never with a password in them). Query
// reads like store::Statement (bind, step, text, integer), so SQL code looks alike on both
// engines: `?` and `?N` placeholders are rewritten to PostgreSQL's `$N`.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/error.h"

struct pg_conn;
struct pg_result;

namespace qblink::store {
struct FaultInjector;
}

namespace qblink::store::pg {

// `sql` with `?` (numbered in order) and `?N` placeholders as `$N`, quoted text left alone; sets
// `params` to the number of parameters.
std::string to_dollar_params(std::string_view sql, int& params);

class Result {
 public:
  Result() = default;
  explicit Result(pg_result* r);
  int rows() const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  bool is_null(int row, int column) const;
  std::int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> r_;
};

class Connection;

// One prepared statement of one connection, with its parameters (bound as text).
class Query {
 public:
  Query(Connection& conn, std::string name, int params);

  // Binders are 1-based like SQLite's.
  Query& bind(int index, std::string_view text);
  Query& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Query& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Query& bind(int index, std::int64_t value);
  Query& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Query& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Query& bind_null(int index);
  template <typename... Args>
  Query& bind_all(const Args&... args) {
    return bind_from(1, args...);
  }
  // Binds parameters `first`, `first` + 1, ... (one row of a multi-row statement).
  template <typename... Args>
  Query& bind_from(int first, const Args&... args) {
    int i = first - 1;
    (bind(++i, args), ...);
    return *this;
  }

  bool step();  // runs the statement on the first call; true while a row is available
  void run();   // runs it, for statements without rows
  void reset();

  std::string text(int column) const { return result_.text(row_, column); }
  std::int64_t integer(int column) const { return result_.integer(row_, column); }
  bool is_null(int column) const { return result_.is_null(row_, column); }

 private:
  Connection* conn_;
  std::string name_;
  std::vector<std::optional<std::string>> params_;
  Result result_;
  int row_ = -1;
  bool executed_ = false;
};

class Connection {
 public:
  // `conninfo`: a postgresql:// URI; `shown` is what errors may name (redacted).
  Connection(const std::string& conninfo, const std::string& shown);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters.
  void exec(std::string_view sql);
  // Runs one statement with text parameters, unprepared.
  Result query(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // A prepared statement kept for the life of the connection, reset and ready to bind. The same
  // SQL text must not be in use twice at once.
  Query& cached(std::string_view sql);
  std::int64_t changes() const { return changes_; }
  // The server went away (restart, terminated backend, network): the connection is useless.
  bool broken() const;
  // Failure injection (Store::set_fault_injector): every statement counts; nullptr = off.
  void set_faults(FaultInjector* faults) { faults_ = faults; }

  // Internal to Query.
  Result run_prepared(const std::string& name,
                      const std::vector<std::optional<std::string>>& params);

 private:
  void count_statement();
  Result check(pg_result* r, std::string_view what);

  struct Finish {
    void operator()(pg_conn* c) const;
  };
  std::unique_ptr<pg_conn, Finish> conn_;
  std::map<std::string, std::unique_ptr<Query>, std::less<>> cache_;
  std::int64_t changes_ = 0;
  FaultInjector* faults_ = nullptr;
};

}  // namespace qblink::store::pg
