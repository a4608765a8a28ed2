// Store maintenance (issue 12): online backup while writers run, restore refused while a server
// holds the lock, retention in batches, and the failure-injection seam.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/database.h"  // store::Error
#include "store/store.h"
#include "support/pg_support.h"
#include "support/test_support.h"

namespace qblink::store {
namespace {

class MaintenanceTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::string path = (dir / "qblink.db").string();
  SqliteStore store{path};

  // The store the helpers write to: `store` here, the engine's store in EngineMaintenanceTest.
  Store* active = &store;

  TenantId add_tenant(const std::string& name) {
    auto tx = active->begin(true);
    Tenant t;
    t.username = name;
    t.password_hash = "hash";
    t.file_id = "{F}";
    const auto id = tx->add_tenant(t);
    tx->commit();
    return id;
  }

  // One finished run started at `at` with `events` events at the same time.
  RunId add_run(TenantId tenant, std::int64_t at, int events) {
    auto tx = active->begin(true);
    const auto run = tx->start_run(tenant, at);
    for (int i = 0; i < events; ++i) {
      EventRow e;
      e.run_id = run;
      e.at = at;
      e.level = "info";
      e.kind = "linked";
      e.message = "event " + std::to_string(i);
      tx->add_event(tenant, e);
    }
    RunRow r;
    r.id = run;
    r.tenant_id = tenant;
    r.started_at = at;
    r.ended_at = at + 10;
    r.outcome = "ok";
    tx->finish_run(r);
    tx->commit();
    return run;
  }

  static std::int64_t count_tenants(Store& s) {
    auto tx = s.begin(false);
    return static_cast<std::int64_t>(tx->tenants().size());
  }
};

TEST_F(MaintenanceTest, BackupWhileAnotherThreadWritesIsConsistentAndSelfContained) {
  add_tenant("seed");
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto tx = store.begin(true);
      Tenant t;
      t.username = "w" + std::to_string(i);
      t.password_hash = "hash";
      t.file_id = "{F}";
      tx->add_tenant(t);
      tx->commit();
      ++written;
    }
  });
  while (written < 20) std::this_thread::yield();
  std::vector<std::string> copies;
  for (int i = 0; i < 5; ++i) {
    const auto copy = (dir / ("backup" + std::to_string(i) + ".db")).string();
    EXPECT_GT(store.backup_to(copy), 0);
    copies.push_back(copy);
  }
  stop = true;
  writer.join();

  for (const auto& copy : copies) {
    // Self-contained: no WAL beside it, owner-only, intact, and openable as a store.
    EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
    struct stat st {};
    ASSERT_EQ(::stat(copy.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    SqliteStore restored(copy);
    EXPECT_EQ(restored.check(), std::nullopt);
    const auto n = count_tenants(restored);
    EXPECT_GE(n, 21);  // the seed and at least the 20 written before the first backup
    EXPECT_LE(n, written + 1);
  }
  EXPECT_FALSE(std::filesystem::exists(copies.front() + ".partial"));
}

TEST_F(MaintenanceTest, BackupRefusesToOverwriteUnlessAsked) {
  const auto copy = (dir / "b.db").string();
  store.backup_to(copy);
  EXPECT_THROW(store.backup_to(copy), Error);
  EXPECT_NO_THROW(store.backup_to(copy, true));
  EXPECT_THROW(store.backup_to(path), Error);
}

TEST_F(MaintenanceTest, RestoreBringsBackTheBackupAndIsRefusedWhileAServerHoldsTheLock) {
  add_tenant("before");
  const auto copy = (dir / "b.db").string();
  store.backup_to(copy);
  add_tenant("after");
  ASSERT_EQ(count_tenants(store), 2);

  {
    DatabaseLock serving(path, DatabaseLock::Mode::Shared);
    DatabaseLock another_server(path, DatabaseLock::Mode::Shared);  // servers share it
    try {
      restore_database(copy, path);
      FAIL() << "restore ran while a server held the lock";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("server"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count_tenants(store), 2);  // untouched
  }

  EXPECT_EQ(restore_database(copy, path), store.schema_version());
  EXPECT_EQ(count_tenants(store), 1);  // the live store sees the restored data
  auto tx = store.begin(false);
  EXPECT_TRUE(tx->tenant_by_name("before"));
  EXPECT_FALSE(tx->tenant_by_name("after"));
}

TEST_F(MaintenanceTest, RestoreRefusesWhatIsNotAQblinkBackup) {
  const auto junk = (dir / "junk.db").string();
  test::write_file(junk, "not a database at all, just text that is long enough to be a header");
  EXPECT_THROW(restore_database(junk, path), Error);
  EXPECT_THROW(restore_database((dir / "missing.db").string(), path), Error);
  EXPECT_EQ(store.check(), std::nullopt);
}

TEST_F(MaintenanceTest, ServerLockIsRefusedWhileARestoreHoldsIt) {
  DatabaseLock restoring(path, DatabaseLock::Mode::Exclusive);
  EXPECT_THROW(DatabaseLock(path, DatabaseLock::Mode::Shared), Error);
}

// Retention and failure injection work alike on both engines.
class EngineMaintenanceTest : public MaintenanceTest, public ::testing::WithParamInterface<Engine> {
 protected:
  void SetUp() override {
    QBLINK_SKIP_WITHOUT_PG(GetParam());
    db_.emplace(GetParam());
    owned_ = open(db_->db());
    active = owned_.get();
  }
  std::optional<test::TestDatabase> db_;
  std::unique_ptr<Store> owned_;
};

INSTANTIATE_TEST_SUITE_P(Engines, EngineMaintenanceTest,
                         ::testing::Values(Engine::Sqlite, Engine::Postgres),
                         [](const auto& info) { return test::engine_name(info.param); });

TEST_P(EngineMaintenanceTest, PruneDeletesOldEventsAndRunsInBatchesAndKeepsEachTenantsNewestRun) {
  Store& store = *active;
  const auto a = add_tenant("a");
  const auto b = add_tenant("b");
  const std::int64_t day = 86400, now = 1'000 * day;
  for (int i = 0; i < 3; ++i) add_run(a, now - 400 * day + i, 1000);  // old
  const auto recent = add_run(a, now - 10 * day, 5);
  const auto b_only = add_run(b, now - 500 * day, 2500);  // old, but b's newest run

  const auto counts = store.prune_log(now - 180 * day, 1000);
  EXPECT_EQ(counts.events, 3 * 1000 + 2500);
  EXPECT_EQ(counts.runs, 3);
  EXPECT_GE(counts.batches, 6);  // 5,500 events at 1,000 per transaction, then the runs

  auto tx = store.begin(false);
  const auto runs_a = tx->runs(a, 100);
  ASSERT_EQ(runs_a.size(), 1u);
  EXPECT_EQ(runs_a[0].id, recent);
  EXPECT_EQ(tx->events(recent).size(), 5u);
  ASSERT_EQ(tx->runs(b, 100).size(), 1u);
  EXPECT_EQ(tx->runs(b, 100)[0].id, b_only);
  EXPECT_TRUE(tx->events(b_only).empty());
  tx.reset();

  const auto again = store.prune_log(now - 180 * day, 1000);
  EXPECT_EQ(again.events, 0);
  EXPECT_EQ(again.runs, 0);
}

TEST_P(EngineMaintenanceTest, TheNthStatementFailsOnceAndTheStoreCarriesOn) {
  Store& store = *active;
  add_tenant("a");
  auto faults = std::make_shared<FaultInjector>();
  store.set_fault_injector(faults);
  {
    auto tx = store.begin(false);
    tx->tenants();
  }
  const auto per_read = faults->statements.load();
  ASSERT_GT(per_read, 0);
  for (std::int64_t n = 1; n <= per_read; ++n) {
    faults->statements = 0;
    faults->fail_at = n;
    EXPECT_THROW(
        {
          auto tx = store.begin(false);
          tx->tenants();
          tx->commit();
        },
        Error)
        << "statement " << n;
  }
  EXPECT_EQ(faults->failures.load(), per_read);
  faults->fail_at = 0;
  auto tx = store.begin(false);
  EXPECT_EQ(tx->tenants().size(), 1u);
  store.set_fault_injector(nullptr);
}

}  // namespace
}  // namespace qblink::store
