#include "store/store.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "store/database.h"
#include "store/pg.h"
#include "support/pg_support.h"
#include "support/test_support.h"

namespace qblink::store {
namespace {

using reconcile::AccountKind;
using reconcile::QbList;

// Every test here runs on both engines (PostgreSQL when QBLINK_TEST_PG is set), each on a
// fresh database.
class StoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    QBLINK_SKIP_WITHOUT_PG(GetParam());
    db_.emplace(GetParam());
    path = db_->db();
    store = open(path);
  }

  std::optional<test::TestDatabase> db_;
  std::string path;  // a file or a URI
  std::unique_ptr<Store> store;

  TenantId add_tenant(const std::string& name) {
    auto tx = store->begin(true);
    Tenant t;
    t.username = name;
    t.password_hash = "hash";
    t.file_id = "{F}";
    const auto id = tx->add_tenant(t);
    tx->commit();
    return id;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values(Engine::Sqlite, Engine::Postgres),
                         [](const auto& info) { return test::engine_name(info.param); });

TEST_P(StoreTest, MigrationsAreVersionedAndReopeningKeepsData) {
  EXPECT_EQ(store->schema_version(), latest_schema_version());
  EXPECT_GE(latest_schema_version(), 3);
  EXPECT_EQ(store->check(), std::nullopt);
  add_tenant("alice");
  auto again = open(path);
  auto tx = again->begin(false);
  EXPECT_TRUE(tx->tenant_by_name("alice").has_value());
}

TEST(StoreOpen, TwoProcessesOpeningAFreshFileAtOnceBothSucceed) {
  test::TempDir dir;
  const std::string path = (dir / "fresh.db").string();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      SqliteStore s(path);  // separate connections race on WAL mode and the first migration
      if (s.schema_version() == latest_schema_version()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(StoreOpen, InstancesStartingOnAnEmptyPostgresDatabaseAtOnceMigrateItOnce) {
  QBLINK_SKIP_WITHOUT_PG(Engine::Postgres);
  test::TestDatabase db(Engine::Postgres);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto s = open(db.db());
      if (s->schema_version() == latest_schema_version()) ++ok;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST_P(StoreTest, RefusesADatabaseFromANewerQblink) {
  store.reset();
  if (GetParam() == Engine::Sqlite) {
    Database db(path);
    db.exec("PRAGMA user_version = 99");
  } else {
    pg::Connection c(path, "test");
    c.exec("UPDATE qblink_schema SET version = 99");
  }
  try {
    open(path);
    ADD_FAILURE() << "opened a schema newer than this build";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this qblink"), std::string::npos) << e.what();
  }
}

TEST_P(StoreTest, OwnerIdIsGeneratedOnceAndStable) {
  std::string first;
  {
    auto tx = store->begin(true);
    first = tx->owner_id();
    tx->commit();
  }
  auto again = open(path);
  auto tx = again->begin(true);
  EXPECT_EQ(tx->owner_id(), first);
  EXPECT_EQ(first.size(), 38u);
  EXPECT_EQ(first.front(), '{');
}

TEST_P(StoreTest, UncommittedWorkRollsBack) {
  {
    auto tx = store->begin(true);
    Tenant t;
    t.username = "ghost";
    t.password_hash = "h";
    t.file_id = "{F}";
    tx->add_tenant(t);
  }
  auto tx = store->begin(false);
  EXPECT_FALSE(tx->tenant_by_name("ghost").has_value());
}

TEST_P(StoreTest, SupersedingMarksOnlyThatTenantsOpenSessions) {
  const auto a = add_tenant("a"), b = add_tenant("b");
  auto tx = store->begin(true);
  for (auto [ticket, tenant] : {std::pair{"t1", a}, {"t2", b}}) {
    SessionRow r;
    r.ticket = ticket;
    r.tenant_id = tenant;
    tx->create_session(r);
  }
  EXPECT_EQ(tx->supersede_sessions(a), std::vector<std::string>{"t1"});
  EXPECT_EQ(tx->session("t1")->status, SessionStatus::Superseded);
  EXPECT_EQ(tx->session("t2")->status, SessionStatus::Open);
}

TEST_P(StoreTest, AnAccountIsQueuedToAddAtMostOnceWhileAnAddIsOutstanding) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  OutboxRow r;
  r.kind = AccountKind::Customer;
  r.account_id = "C1";
  r.name = "Acme";
  EXPECT_TRUE(tx->enqueue_add(t, r));
  EXPECT_FALSE(tx->enqueue_add(t, r));
  const auto queued = tx->outbox(t, AddState::Queued, 10);
  ASSERT_EQ(queued.size(), 1u);
  tx->set_add_state(t, queued[0].id, AddState::Sent, 1, "", "");
  EXPECT_FALSE(tx->enqueue_add(t, r)) << "sent but unanswered is still outstanding";
  EXPECT_EQ(tx->mark_sent_in_doubt(t), 1);
  EXPECT_EQ(tx->count_adds(t, AddState::InDoubt), 1);
  EXPECT_FALSE(tx->enqueue_add(t, r));
  tx->set_add_state(t, queued[0].id, AddState::Confirmed, 1, "80000001-1", "");
  EXPECT_TRUE(tx->enqueue_add(t, r)) << "a confirmed add no longer blocks";
}

TEST_P(StoreTest, SnapshotUpsertFollowsRenamesAndDeleteUnseenRemovesTheRest) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  tx->upsert_entries(t,
                     {{QbList::Customer, "L1", "Acme", "Acme", "", "1", "", true},
                      {QbList::Customer, "L2", "Bolt", "Bolt", "", "1", "", true}},
                     1);
  tx->upsert_entries(t, {{QbList::Customer, "L1", "Acme Ltd", "Acme Ltd", "", "2", "", true}}, 2);
  EXPECT_EQ(tx->delete_unseen(t, QbList::Customer, 2), 1);
  const auto rows = tx->entries(t);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].full_name, "Acme Ltd");
}

// Pages of hundreds of entries (written in multi-row statements on PostgreSQL), a repeated
// ListID in one page (the last one wins), then a second run updating them all.
TEST_P(StoreTest, LargeSnapshotPagesAreWrittenWholeAndTheLastOfARepeatedListIdWins) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  std::vector<QbRow> page;
  for (int i = 0; i < 620; ++i) {
    const auto id = "L" + std::to_string(i);
    page.push_back({QbList::Customer, id, "Name " + id, "Name " + id, "", "1", "", true});
  }
  page[300].list_id = page[299].list_id;  // the same entry twice in one page
  page[300].full_name = "Renamed";
  tx->upsert_entries(t, page, 1);
  auto rows = tx->entries(t);
  ASSERT_EQ(rows.size(), 619u);
  for (const auto& r : rows) {
    if (r.list_id == "L299") {
      EXPECT_EQ(r.full_name, "Renamed");
    }
  }
  for (auto& r : page) r.edit_sequence = "2";
  tx->upsert_entries(t, page, 2);
  EXPECT_EQ(tx->delete_unseen(t, QbList::Customer, 2), 0);
  rows = tx->entries(t);
  ASSERT_EQ(rows.size(), 619u);
  for (const auto& r : rows) EXPECT_EQ(r.edit_sequence, "2");
}

TEST_P(StoreTest, AccountTextRoundTripsByteExact) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  AccountRow a;
  a.account_id = "C1";
  a.name = "  Café & <Co> \"Ltd\" 'x'  ";
  a.accounting_name = "Café  &  Co";
  tx->upsert_account(t, a);
  const auto back = tx->account(t, AccountKind::Customer, "C1");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->name, a.name);
  EXPECT_EQ(back->accounting_name, a.accounting_name);
}

TEST_P(StoreTest, RemovingATenantRemovesItsData) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  AccountRow a;
  a.account_id = "C1";
  a.name = "X";
  tx->upsert_account(t, a);
  EXPECT_TRUE(tx->remove_tenant(t));
  EXPECT_EQ(tx->account_count(t), 0);
}

// Security finding 1: an outbox id alone must never reach another tenant's row.
TEST_P(StoreTest, OutboxRowsAreReachedOnlyThroughTheirOwnTenant) {
  const auto a = add_tenant("a");
  const auto b = add_tenant("b");
  auto tx = store->begin(true);
  OutboxRow r;
  r.kind = AccountKind::Customer;
  r.account_id = "C1";
  r.name = "Acme";
  ASSERT_TRUE(tx->enqueue_add(b, r));
  const auto bs = tx->outbox(b, AddState::Queued, 10);
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_FALSE(tx->outbox_row(a, bs[0].id).has_value());
  EXPECT_FALSE(tx->set_add_state(a, bs[0].id, AddState::Confirmed, 1, "X", ""));
  const auto still = tx->outbox_row(b, bs[0].id);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->state, AddState::Queued);
  EXPECT_EQ(still->list_id, "");
}

// Security finding 6: concurrent failures must all count (no read-modify-write race).
TEST_P(StoreTest, LoginFailuresCountAtomicallyAcrossConnections) {
  const auto t = add_tenant("a");
  std::vector<std::thread> threads;
  for (int i = 0; i < 40; ++i)
    threads.emplace_back([&] {
      auto tx = store->begin(true);
      tx->record_login_failure(t, 100);
      tx->commit();
    });
  for (auto& th : threads) th.join();
  auto tx = store->begin(false);
  EXPECT_EQ(tx->tenant(t)->failed_logins, 40);
}

TEST(SqliteStoreFile, TheDatabaseFileIsReadableByItsOwnerOnly) {
  test::TempDir dir;
  const std::string path = (dir / "qblink.db").string();
  SqliteStore store(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "it holds password hashes";
}

TEST_P(StoreTest, UpsertSaysWhatItDidAndANewAccountingNameDropsTheOldLink) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  AccountRow a;
  a.kind = AccountKind::Customer;
  a.account_id = "C1";
  a.name = "Acme";
  a.accounting_name = "Acme Ltd";
  EXPECT_EQ(tx->upsert_account(t, a), UpsertResult::Added);
  EXPECT_EQ(tx->upsert_account(t, a), UpsertResult::Unchanged);
  tx->link_account(t, AccountKind::Customer, "C1", "L1", "Acme Ltd", "exact", "");
  const auto linked = *tx->account(t, AccountKind::Customer, "C1");
  a.phone = "555";
  EXPECT_EQ(tx->upsert_account(t, a), UpsertResult::Updated);
  EXPECT_EQ(tx->account(t, AccountKind::Customer, "C1")->status, "linked") << "contact only";
  a.accounting_name = "Acme Limited";
  EXPECT_EQ(tx->upsert_account(t, a), UpsertResult::Updated);
  const auto after = *tx->account(t, AccountKind::Customer, "C1");
  EXPECT_EQ(after.status, "pending") << "a new accounting name is reconciled afresh";
  EXPECT_EQ(after.list_id, "");
  EXPECT_NE(after.detail.find("Acme Limited"), std::string::npos);
  EXPECT_GT(after.changed_at, linked.changed_at) << "the API's changed_since sees it";
}

TEST_P(StoreTest, RunsLeftRunningAreAbandoned) {
  const auto t = add_tenant("a");
  auto tx = store->begin(true);
  const auto run = tx->start_run(t, 100);
  EXPECT_EQ(tx->abandon_runs(t, 200), 1);
  EXPECT_EQ(tx->run(run)->outcome, "abandoned");
  EXPECT_EQ(tx->run(run)->ended_at, 200);
}

}  // namespace
}  // namespace qblink::store
