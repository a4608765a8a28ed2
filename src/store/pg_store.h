#pragma once
// The PostgreSQL implementation of store.h (pg_store.cpp): several qblink instances on one
// database. libpq stays out of this header.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

namespace qblink::store {

namespace pg {
class Connection;
}

class PostgresStore final : public Store {
 public:
  // Connections at most, per instance (QBLINK_PG_POOL overrides): begin() waits for a free one.
  static constexpr int kDefaultPoolSize = 16;

  // `uri`: a postgresql:// connection string (libpq). Connects once (so a wrong URI fails here)
  // and, by default, applies pending migrations.
  explicit PostgresStore(const std::string& uri, OpenOptions options = {});
  ~PostgresStore() override;

  Engine engine() const override { return Engine::Postgres; }
  // write: READ COMMITTED, serialised per tenant by transaction-scoped advisory locks (see
  // Tx::lock_tenant); read: REPEATABLE READ, one snapshot like SQLite's read transaction.
  std::unique_ptr<Tx> begin(bool write) override;
  int schema_version() override;
  int migrate() override;
  std::optional<std::string> check() override;
  std::string describe() const override { return shown_; }
  PruneCounts prune_log(std::int64_t before, int batch = 1000) override;
  void set_fault_injector(std::shared_ptr<FaultInjector> faults) override;

  // Internal to pg_store.cpp: a connection goes back to the pool, or is dropped when broken.
  void give_back(std::unique_ptr<pg::Connection> conn, bool healthy);

 private:
  std::unique_ptr<pg::Connection> take();
  int migrate_on(pg::Connection& conn, bool apply);

  std::string uri_, shown_;
  int pool_size_ = kDefaultPoolSize;
  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<pg::Connection>> idle_;
  int open_ = 0;  // connections handed out or idle
  std::shared_ptr<FaultInjector> faults_;
};

}  // namespace qblink::store
