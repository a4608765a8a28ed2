// qblink copy (store::copy_installation): SQLite -> PostgreSQL -> SQLite keeps every row and id,
// new rows continue after the copied ids, and a target with data is refused.
#include <gtest/gtest.h>

#include "store/store.h"
#include "support/pg_support.h"

namespace qblink::store {
namespace {

using reconcile::AccountKind;

// A small installation touching every table.
void fill(Store& s) {
  auto tx = s.begin(true);
  tx->owner_id();
  for (const char* name : {"alpha", "beta"}) {
    Tenant t;
    t.username = name;
    t.password_hash = "hash";
    t.file_id = "{F}";
    const auto id = tx->add_tenant(t);
    SessionRow session;
    session.ticket = std::string("ticket-") + name;
    session.tenant_id = id;
    tx->create_session(session);
    const auto run = tx->start_run(id, 100);
    EventRow e;
    e.run_id = run;
    e.at = 100;
    e.level = "info";
    e.kind = "linked";
    e.message = "Café \"quoted\" 'x'";
    tx->add_event(id, e);
    AccountRow a;
    a.account_id = "C1";
    a.name = "Acme";
    tx->upsert_account(id, a);
    tx->upsert_entries(id, {{reconcile::QbList::Customer, "L1", "Acme", "Acme", "", "1", "", true}},
                       run);
    tx->set_list_mark(id, reconcile::QbList::Customer, {"2026-01-01T00:00:00", 5});
    OutboxRow o;
    o.account_id = "C2";
    o.name = "Bolt";
    tx->enqueue_add(id, o);
    ApiToken token;
    token.tenant_id = id;
    token.name = "t";
    token.hash = std::string("hash-") + name;
    tx->add_api_token(token);
  }
  ApiToken admin;
  admin.name = "admin";
  admin.hash = "hash-admin";
  tx->add_api_token(admin);
  tx->commit();
}

std::int64_t total(const std::vector<TableCount>& counts) {
  std::int64_t n = 0;
  for (const auto& c : counts) n += c.rows;
  return n;
}

TEST(CopyTest, SqliteToPostgresAndBackKeepsEveryRowAndId) {
  QBLINK_SKIP_WITHOUT_PG(Engine::Postgres);
  test::TestDatabase sqlite(Engine::Sqlite), pg(Engine::Postgres), back(Engine::Sqlite);
  auto from = open(sqlite.db());
  fill(*from);
  // A gap in the ids, so that "ids preserved" means something.
  {
    auto tx = from->begin(true);
    tx->remove_tenant(tx->tenant_by_name("alpha")->id);
    tx->commit();
  }
  auto to = open(pg.db());
  const auto counts = copy_installation(*from, *to);
  EXPECT_EQ(counts.size(), 10u);
  EXPECT_GT(total(counts), 10);

  auto src = from->begin(false);
  auto dst = to->begin(true);
  const auto beta = src->tenant_by_name("beta");
  ASSERT_TRUE(beta);
  EXPECT_EQ(dst->tenant_by_name("beta")->id, beta->id);
  EXPECT_EQ(dst->owner_id(), src->owner_id());
  EXPECT_EQ(dst->runs(beta->id, 10).at(0).id, src->runs(beta->id, 10).at(0).id);
  EXPECT_EQ(dst->tenant_events(beta->id, src->runs(beta->id, 10).at(0).id).at(0).message,
            "Café \"quoted\" 'x'");
  EXPECT_EQ(dst->api_tokens(std::nullopt).size(), 1u);
  EXPECT_EQ(dst->session("ticket-beta")->tenant_id, beta->id);
  // New rows continue after the copied ids (the sequences were moved).
  Tenant t;
  t.username = "gamma";
  t.password_hash = "h";
  t.file_id = "{F}";
  EXPECT_GT(dst->add_tenant(t), beta->id);
  dst.reset();  // rolled back: gamma was only a probe
  src.reset();

  auto again = open(back.db());
  const auto counts_back = copy_installation(*to, *again);
  ASSERT_EQ(counts_back.size(), counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts_back[i].table, counts[i].table);
    EXPECT_EQ(counts_back[i].rows, counts[i].rows) << counts[i].table;
  }
  auto tx = again->begin(false);
  EXPECT_EQ(tx->account(beta->id, AccountKind::Customer, "C1")->name, "Acme");
  EXPECT_EQ(tx->outbox(beta->id, AddState::Queued, 10).size(), 1u);
}

TEST(CopyTest, ATargetWithDataIsRefusedAndLeftAlone) {
  test::TestDatabase one(Engine::Sqlite), two(Engine::Sqlite);
  auto from = open(one.db());
  auto to = open(two.db());
  fill(*from);
  fill(*to);
  try {
    copy_installation(*from, *to);
    ADD_FAILURE() << "copied into a database with data";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not empty"), std::string::npos) << e.what();
  }
  auto tx = to->begin(false);
  EXPECT_EQ(tx->tenants().size(), 2u);
}

}  // namespace
}  // namespace qblink::store
