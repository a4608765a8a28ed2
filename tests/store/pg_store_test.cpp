// What only the PostgreSQL store has to prove: several stores (instances) on one database
// serialise each tenant, a dropped connection costs one call and no more, the pool has a bound,
// and passwords never reach a message. Skipped without QBLINK_TEST_PG.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "store/pg.h"
#include "store/store.h"
#include "support/pg_support.h"

namespace qblink::store {
namespace {

using namespace std::chrono_literals;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QBLINK_SKIP_WITHOUT_PG(Engine::Postgres);
    db_.emplace(Engine::Postgres);
    a = open(db_->db());
    b = open(db_->db());  // a second instance on the same database
  }

  TenantId add_tenant(Store& s, const std::string& name) {
    auto tx = s.begin(true);
    Tenant t;
    t.username = name;
    t.password_hash = "hash";
    t.file_id = "{F}";
    const auto id = tx->add_tenant(t);
    tx->commit();
    return id;
  }

  std::optional<test::TestDatabase> db_;
  std::unique_ptr<Store> a, b;
};

TEST_F(PgStoreTest, ATenantsLockHoldsOffAnotherInstanceUntilCommitAndOnlyForThatTenant) {
  const auto t1 = add_tenant(*a, "one"), t2 = add_tenant(*a, "two");
  auto holder = a->begin(true);
  holder->lock_tenant(t1);
  std::atomic<bool> other_tenant_done{false}, same_tenant_done{false};
  std::thread other([&] {
    auto tx = b->begin(true);
    tx->lock_tenant(t2);
    tx->set_auto_add_limit(t2, 7);
    tx->commit();
    other_tenant_done = true;
  });
  std::thread same([&] {
    auto tx = b->begin(true);
    tx->lock_tenant(t1);
    tx->commit();
    same_tenant_done = true;
  });
  other.join();
  EXPECT_TRUE(other_tenant_done) << "another tenant never waits";
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(same_tenant_done) << "the same tenant waits for the holder's commit";
  holder->commit();
  same.join();
  EXPECT_TRUE(same_tenant_done);
}

// upsert_account's change number is read-then-written: two instances upserting one tenant's
// accounts at once must still give every change its own number (what the API's polling reads).
TEST_F(PgStoreTest, ConcurrentWritesOfOneTenantFromTwoInstancesAreSerialised) {
  const auto t = add_tenant(*a, "acme");
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      Store& s = i % 2 ? *a : *b;
      for (int k = 0; k < 10; ++k) {
        auto tx = s.begin(true);
        AccountRow row;
        row.account_id = "C" + std::to_string(i) + "-" + std::to_string(k);
        row.name = "Customer " + row.account_id;
        tx->upsert_account(t, row);
        tx->record_login_failure(t, 1);
        tx->commit();
      }
    });
  for (auto& th : threads) th.join();
  auto tx = a->begin(false);
  const auto rows = tx->accounts(t, reconcile::AccountKind::Customer);
  ASSERT_EQ(rows.size(), 80u);
  std::set<std::int64_t> numbers;
  for (const auto& r : rows) numbers.insert(r.changed_at);
  EXPECT_EQ(numbers.size(), 80u) << "every change has its own number";
  EXPECT_EQ(tx->tenant(t)->failed_logins, 80);
}

TEST_F(PgStoreTest, ADroppedConnectionFailsOnlyTheCallInFlightAndTheNextCallReconnects) {
  const auto t = add_tenant(*a, "acme");
  {
    auto tx = a->begin(true);
    EXPECT_TRUE(tx->tenant(t).has_value());
    EXPECT_GE(db_->pg()->kill_connections(), 1);
    EXPECT_THROW(tx->set_auto_add_limit(t, 3), Error) << "the call in flight fails";
  }
  {
    auto tx = a->begin(true);  // a fresh connection
    tx->set_auto_add_limit(t, 3);
    tx->commit();
  }
  // Idle pooled connections killed (the server restarted between calls): nobody notices.
  EXPECT_GE(db_->pg()->kill_connections(), 1);
  auto tx = a->begin(false);
  EXPECT_EQ(tx->tenant(t)->auto_add_limit, 3);
}

TEST_F(PgStoreTest, ReadinessNamesASchemaThisBuildDoesNotExpect) {
  EXPECT_EQ(a->check(), std::nullopt);
  pg::Connection c(db_->db(), "test");
  c.exec("UPDATE qblink_schema SET version = 2");
  const auto verdict = a->check();
  ASSERT_TRUE(verdict.has_value());
  EXPECT_NE(verdict->find("schema version 2"), std::string::npos) << *verdict;
}

TEST(PgStoreOpen, APasswordNeverAppearsInAnError) {
  const std::string uri = "postgresql://qblink:s3cr3t-pw@/qblink?host=/nonexistent-socket-dir";
  EXPECT_EQ(redact(uri), "postgresql://qblink:***@/qblink?host=/nonexistent-socket-dir");
  EXPECT_EQ(redact("postgresql:///q?host=/x&password=s3cr3t-pw&sslmode=disable"),
            "postgresql:///q?host=/x&password=***&sslmode=disable");
  EXPECT_EQ(redact("/var/lib/qblink/qblink.db"), "/var/lib/qblink/qblink.db");
  try {
    open(uri);
    ADD_FAILURE() << "connected to nowhere";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find("s3cr3t-pw"), std::string::npos) << what;
    EXPECT_NE(what.find("cannot connect"), std::string::npos) << what;
  }
}

TEST_F(PgStoreTest, ThePoolHasABoundAndAWaiterGetsTheNextFreeConnection) {
  ::setenv("QBLINK_PG_POOL", "2", 1);
  auto small = open(db_->db());
  ::unsetenv("QBLINK_PG_POOL");
  auto one = small->begin(false);
  auto two = small->begin(false);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    auto three = small->begin(false);
    got = true;
  });
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(got) << "a third connection waits";
  one.reset();
  waiter.join();
  EXPECT_TRUE(got);
}

}  // namespace
}  // namespace qblink::store
