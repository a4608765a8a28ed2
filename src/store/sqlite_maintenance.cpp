// Store maintenance (issue 12): online backup and restore, the server's database lock, sync-log
// retention, and the failure-injection seam for tests.
#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "store/database.h"
#include "store/maintenance.h"
#include "store/store.h"

namespace qblink::store {
namespace {

// A raw connection for the backup API's far end (not a Database: no WAL switch, no pragmas).
struct RawDb {
  sqlite3* db = nullptr;
  RawDb(const std::string& path, int flags) {
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close_v2(db);
      throw Error("cannot open " + path + ": " + why);
    }
    sqlite3_busy_timeout(db, 30'000);
  }
  ~RawDb() { sqlite3_close_v2(db); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      throw Error(std::string("SQL failed: ") + why);
    }
  }
  std::string text(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      throw Error(std::string("SQL failed: ") + sqlite3_errmsg(db));
    std::string out;
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(s, 0);
      if (p) out = reinterpret_cast<const char*>(p);
    }
    const std::string why = sqlite3_errmsg(db);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) throw Error("SQL failed: " + why);
    return out;
  }
};

// Copies all of `from` into `to` in one step (one read transaction on the source: a consistent
// snapshot; WAL writers carry on). Retries while either side is busy. Returns the pages copied.
std::int64_t copy_database(sqlite3* to, sqlite3* from) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (!b) throw Error(std::string("cannot start the backup: ") + sqlite3_errmsg(to));
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 600; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::int64_t pages = sqlite3_backup_pagecount(b);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw Error(std::string("backup failed: ") + sqlite3_errstr(rc));
  return pages;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// Creates `path` empty with mode 0600 (the database holds password hashes).
void create_private(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw Error("cannot create " + path + ": " + std::strerror(errno));
  ::close(fd);
}

// --- failure injection ---
// The statement chosen to fail is remembered per thread: SQLite runs the trace and the progress
// callbacks on the thread that steps the statement, within the same sqlite3_step.
struct Failing {
  sqlite3* db = nullptr;
  FaultInjector* faults = nullptr;
};
thread_local Failing t_failing;

int on_statement(unsigned mask, void* ctx, void* stmt, void* sql) {
  if (mask != SQLITE_TRACE_STMT) return 0;
  const auto* text = static_cast<const char*>(sql);
  if (text && text[0] == '-' && text[1] == '-') return 0;  // a trigger's sub-program
  auto* faults = static_cast<FaultInjector*>(ctx);
  const auto n = ++faults->statements;
  if (n == faults->fail_at.load())
    t_failing = {sqlite3_db_handle(static_cast<sqlite3_stmt*>(stmt)), faults};
  return 0;
}

int on_progress(void* ctx) {
  if (t_failing.db == nullptr || t_failing.db != static_cast<sqlite3*>(ctx)) return 0;
  ++t_failing.faults->failures;
  t_failing = {};
  return 1;  // SQLITE_INTERRUPT: the statement fails and Statement/exec throw store::Error
}

}  // namespace

void arm_fault_injector(Database& db, FaultInjector* faults) {
  sqlite3* h = db.handle();
  if (faults == nullptr) {
    sqlite3_trace_v2(h, 0, nullptr, nullptr);
    sqlite3_progress_handler(h, 0, nullptr, nullptr);
    return;
  }
  sqlite3_trace_v2(h, SQLITE_TRACE_STMT, on_statement, faults);
  sqlite3_progress_handler(h, 1, on_progress, h);
}

void SqliteStore::set_fault_injector(std::shared_ptr<FaultInjector> faults) {
  faults_ = std::move(faults);
}

std::int64_t SqliteStore::backup_to(const std::string& dest, bool overwrite) {
  if (dest.empty() || dest == path_) throw Error("backup: the destination must be another file");
  if (!overwrite && file_exists(dest))
    throw Error("backup: " + dest + " exists (remove it, or use --force)");
  // Written beside the destination, then renamed: a reader never sees half a backup.
  const std::string tmp = dest + ".partial";
  ::unlink(tmp.c_str());
  create_private(tmp);
  try {
    std::int64_t pages = 0;
    {
      RawDb from(path_, SQLITE_OPEN_READONLY);
      RawDb to(tmp, SQLITE_OPEN_READWRITE);
      pages = copy_database(to.db, from.db);
      // One self-contained file: no -wal beside it to forget.
      to.exec("PRAGMA journal_mode=DELETE");
      const auto verdict = to.text("PRAGMA quick_check(1)");
      if (verdict != "ok") throw Error("backup: the copy does not check: " + verdict);
    }
    if (::rename(tmp.c_str(), dest.c_str()) != 0)
      throw Error("backup: cannot rename to " + dest + ": " + std::strerror(errno));
    return pages;
  } catch (...) {
    ::unlink(tmp.c_str());
    ::unlink((tmp + "-journal").c_str());
    throw;
  }
}

Store::PruneCounts SqliteStore::prune_log(std::int64_t before, int batch) {
  if (batch < 1) batch = 1;
  PruneCounts counts;
  Database db(path_);
  const auto batched = [&](const char* sql) {
    std::int64_t total = 0;
    for (;;) {
      Transaction tx(db);
      db.prepare(sql).bind_all(before, batch).run();
      const int n = db.changes();
      tx.commit();
      ++counts.batches;
      total += n;
      if (n < batch) return total;
    }
  };
  counts.events = batched(
      "DELETE FROM events WHERE id IN "
      "(SELECT id FROM events WHERE at < ?1 ORDER BY id LIMIT ?2)");
  counts.runs = batched(
      "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE outcome <> 'running' "
      "AND (CASE WHEN ended_at > 0 THEN ended_at ELSE started_at END) < ?1 "
      "AND id NOT IN (SELECT MAX(id) FROM runs GROUP BY tenant_id) ORDER BY id LIMIT ?2)");
  return counts;
}

DatabaseLock::DatabaseLock(const std::string& db_path, Mode mode) {
  if (db_path.empty() || db_path == ":memory:") return;
  lock_path_ = db_path + ".lock";
  // Readable by all: a restore run by another user than the server's can still take it.
  fd_ = ::open(lock_path_.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error("cannot open the lock file " + lock_path_ + ": " + std::strerror(errno));
  const int how = (mode == Mode::Shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
  int rc = 0;
  do {
    rc = ::flock(fd_, how);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw Error(mode == Mode::Shared
                      ? "the database " + db_path + " is being restored (" + lock_path_ + ")"
                      : "a qblink server is using " + db_path + " (it holds " + lock_path_ +
                            "): stop it first");
    throw Error("cannot lock " + lock_path_ + ": " + std::strerror(err));
  }
}

DatabaseLock::~DatabaseLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

int restore_database(const std::string& backup_path, const std::string& db_path) {
  if (!file_exists(backup_path)) throw Error("restore: no such file " + backup_path);
  DatabaseLock lock(db_path, DatabaseLock::Mode::Exclusive);
  {
    RawDb check(backup_path, SQLITE_OPEN_READONLY);
    const auto verdict = check.text("PRAGMA quick_check(1)");
    if (verdict != "ok") throw Error("restore: " + backup_path + " is damaged: " + verdict);
    if (check.text("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                   "name IN ('tenants', 'runs', 'events', 'meta')") != "4")
      throw Error("restore: " + backup_path + " is not a qblink database");
  }
  // Staged beside the target and migrated there: a backup from a newer qblink is refused before
  // the live file is touched, an older one arrives upgraded.
  const std::string staged = db_path + ".restoring";
  ::unlink(staged.c_str());
  ::unlink((staged + "-wal").c_str());
  ::unlink((staged + "-shm").c_str());
  const auto cleanup = [&] {
    ::unlink(staged.c_str());
    ::unlink((staged + "-wal").c_str());
    ::unlink((staged + "-shm").c_str());
    ::unlink((staged + "-journal").c_str());
  };
  try {
    create_private(staged);
    {
      RawDb from(backup_path, SQLITE_OPEN_READONLY);
      RawDb to(staged, SQLITE_OPEN_READWRITE);
      copy_database(to.db, from.db);
    }
    int version = 0;
    {
      SqliteStore migrated(staged);  // throws for a schema newer than this build
      version = migrated.schema_version();
    }
    {
      Database target(db_path);  // WAL, as the server expects; created 0600 if missing
      RawDb from(staged, SQLITE_OPEN_READONLY);
      copy_database(target.handle(), from.db);
    }
    cleanup();
    return version;
  } catch (...) {
    cleanup();
    throw;
  }
}

}  // namespace qblink::store
