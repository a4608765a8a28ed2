#pragma once
// Tests on PostgreSQL: QBLINK_TEST_PG names a server (deploy/pg-test-cluster.sh prints one;
// deploy/test.sh and CI start it). Each test gets its own schema in that database, dropped
// afterwards, so tests never see each other's rows (and run in parallel).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "store/pg.h"
#include "store/store.h"
#include "support/test_support.h"

namespace qblink::test {

// The test server's URI, or nullopt when PostgreSQL tests are not wanted here.
inline std::optional<std::string> pg_uri() {
  const char* v = std::getenv("QBLINK_TEST_PG");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

// A schema of its own on the test server; uri() reaches it (search_path in the URI's options).
// Its connections carry the schema's name as application_name, so a test can find (and kill)
// exactly its own.
class PgSchema {
 public:
  explicit PgSchema(const std::string& base) : base_(base) {
    std::random_device rd;
    name_ = "qt_" + std::to_string(rd()) + "_" + std::to_string(rd() % 100000);
    store::pg::Connection c(base_, store::redact(base_));
    c.exec("CREATE SCHEMA " + name_);
    uri_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           name_ + "&application_name=" + name_;
  }
  ~PgSchema() {
    try {
      store::pg::Connection c(base_, store::redact(base_));
      c.exec("DROP SCHEMA " + name_ + " CASCADE");
    } catch (...) {
      // The server is gone (a test stopped it): the cluster is thrown away anyway.
    }
  }
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  const std::string& uri() const { return uri_; }
  const std::string& name() const { return name_; }
  // Terminates every server connection of this schema's stores (a crash or restart, as they see
  // it); returns how many.
  int kill_connections() const {
    store::pg::Connection c(base_, store::redact(base_));
    const auto r = c.query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?",
        {name_});
    // pg_terminate_backend only signals: wait until they are gone.
    for (int i = 0; i < 500; ++i) {
      if (c.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?", {name_})
              .integer(0, 0) == 0)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return static_cast<int>(r.integer(0, 0));
  }

 private:
  std::string base_, name_, uri_;
};

// A fresh database for one test on either engine: a SQLite file in a temporary folder, or a
// schema on the test server. `db()` is what store::open and --db take.
class TestDatabase {
 public:
  explicit TestDatabase(store::Engine engine) {
    if (engine == store::Engine::Postgres) {
      const auto base = pg_uri();
      if (!base) throw std::runtime_error("QBLINK_TEST_PG is not set");
      schema_.emplace(*base);
      db_ = schema_->uri();
    } else {
      db_ = (dir_ / "qblink.db").string();
    }
  }
  const std::string& db() const { return db_; }
  const TempDir& dir() const { return dir_; }
  // The PostgreSQL schema (nullptr on SQLite).
  const PgSchema* pg() const { return schema_ ? &*schema_ : nullptr; }

 private:
  TempDir dir_;
  std::optional<PgSchema> schema_;
  std::string db_;
};

// For parameterised tests: the engine's name in test names ("Sqlite", "Postgres").
inline std::string engine_name(store::Engine e) {
  return e == store::Engine::Postgres ? "Postgres" : "Sqlite";
}

}  // namespace qblink::test

// Skips the current test when it is to run on PostgreSQL and no test server is configured.
#define QBLINK_SKIP_WITHOUT_PG(engine)                                                    \
  do {                                                                                    \
    if ((engine) == ::qblink::store::Engine::Postgres && !::qblink::test::pg_uri())       \
      GTEST_SKIP() << "QBLINK_TEST_PG is not set (deploy/pg-test-cluster.sh starts one)"; \
  } while (0)
