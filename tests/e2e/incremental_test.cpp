// Incremental runs end to end (issue 13): a run with no changes asks QuickBooks once, for every
// list in one message set; a run with changes, even more than a page of them, still converges.
#include <gtest/gtest.h>

#include <algorithm>

#include "e2e/harness.h"

namespace qblink::test {
namespace {

using reconcile::AccountKind;

constexpr const char* kCompany = R"({
  "customers": [
    {"name": "Acme Plumbing Ltd"},
    {"name": "Bright Spark Electrical"},
    {"name": "Coastal HVAC Services"}
  ],
  "vendors": [{"name": "Harbor Supply Co"}],
  "employees": [{"name": "Sam Ortiz"}]
})";

std::size_t entries_of(Harness& h, reconcile::QbList list) {
  auto tx = h.store->begin(false);
  std::size_t n = 0;
  for (const auto& e : tx->entries(tx->tenant_by_name("acme")->id)) n += e.list == list;
  return n;
}

sim::Entity named(const std::string& name, const std::string& modified) {
  sim::Entity e;
  e.name = e.full_name = name;
  e.time_created = e.time_modified = modified;
  return e;
}

TEST(Incremental, ARunWithNoChangesIsOneQbxmlExchange) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer,
                 {{"C1", "Acme", "Acme Plumbing Ltd"}, {"C2", "Bright Spark Electrical", ""}});
  h.add_accounts("acme", AccountKind::Supplier, {{"S1", "Harbor Supply Co", ""}});
  auto company = company_from(kCompany);
  sim::FakeQuickBooks qb(company, strict_qb());
  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto first = wc.run_session();
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_GE(first.requests_sent, 4u) << "a first (full) sync asks list by list, in pages";

  const auto second = wc.run_session();
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.requests_sent, 1u) << "every list in one message set";
  EXPECT_EQ(h.runs("acme")[0].outcome, "ok");
  EXPECT_EQ(h.account("acme", "C1").status, "linked");
  EXPECT_EQ(h.account("acme", "C2").status, "linked");
  EXPECT_EQ(h.account("acme", "S1", AccountKind::Supplier).status, "linked");
}

TEST(Incremental, MoreThanAPageOfChangesInSeveralListsStillConverges) {
  sync::ServiceOptions o;
  o.page_size = 2;  // a handful of changes is already more than a page
  Harness h(false, o);
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme", "Acme Plumbing Ltd"}});
  auto company = company_from(kCompany);
  sim::FakeQuickBooks qb(company, strict_qb());
  sim::WebConnector wc(h.wc_options("acme"), qb);
  ASSERT_TRUE(wc.run_session().ok);

  // Later changes in QuickBooks: five customers and three vendors, both beyond one page, and an
  // employee; then accounts that can only link to the new names.
  for (int i = 0; i < 5; ++i)
    company.customers.push_back(named("Later Customer " + std::to_string(i),
                                      "2031-01-0" + std::to_string(i + 1) + "T10:00:00-08:00"));
  for (int i = 0; i < 3; ++i)
    company.vendors.push_back(named("Later Vendor " + std::to_string(i),
                                    "2031-02-0" + std::to_string(i + 1) + "T10:00:00-08:00"));
  company.employees.push_back(named("Later Employee", "2031-03-01T10:00:00-08:00"));
  sim::normalize_company(company);
  qb.reindex();
  h.add_accounts("acme", AccountKind::Customer, {{"C9", "Later Customer 4", ""}});
  h.add_accounts("acme", AccountKind::Supplier, {{"S9", "Later Vendor 2", ""}});

  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.requests_sent, 1u) << "the long lists were paged after the first message set";
  EXPECT_EQ(entries_of(h, reconcile::QbList::Customer), company.customers.size());
  EXPECT_EQ(entries_of(h, reconcile::QbList::Vendor), company.vendors.size());
  EXPECT_EQ(entries_of(h, reconcile::QbList::Employee), company.employees.size());
  EXPECT_EQ(h.account("acme", "C9").status, "linked") << h.account("acme", "C9").detail;
  EXPECT_EQ(h.account("acme", "S9", AccountKind::Supplier).status, "linked");
  EXPECT_EQ(count_named(company.customers, "Later Customer 4"), 1u) << "linked, never added";
  EXPECT_EQ(count_named(company.vendors, "Later Vendor 2"), 1u);

  // Converged: the next run has nothing new and asks once.
  const auto after = wc.run_session();
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.requests_sent, 1u);
}

bool has_event(Harness& h, store::RunId run, const std::string& kind) {
  for (const auto& e : h.events(run))
    if (e.kind == kind) return true;
  return false;
}

TEST(Incremental, ReconciliationIsSkippedOnlyWhenNothingItReadsChanged) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme", "Acme Plumbing Ltd"}});
  auto company = company_from(kCompany);
  sim::FakeQuickBooks qb(company, strict_qb());
  sim::WebConnector wc(h.wc_options("acme"), qb);
  ASSERT_TRUE(wc.run_session().ok);  // links C1 ("exact accounting name")
  ASSERT_TRUE(wc.run_session().ok);  // reconciles: "still linked"
  ASSERT_TRUE(wc.run_session().ok);  // reconciles, changes nothing
  EXPECT_FALSE(has_event(h, h.runs("acme")[0].id, "reconcile"));
  ASSERT_TRUE(wc.run_session().ok);
  EXPECT_TRUE(has_event(h, h.runs("acme")[0].id, "reconcile")) << "nothing changed: skipped";

  // A new account (import, API) is reconciled on the next run.
  h.add_accounts("acme", AccountKind::Customer, {{"C2", "Bright Spark Electrical", ""}});
  ASSERT_TRUE(wc.run_session().ok);
  EXPECT_EQ(h.account("acme", "C2").status, "linked");

  // A rename in QuickBooks whose TimeModified does not pass the newest one seen (same second,
  // or QuickBooks' daylight-saving offset) still reaches reconciliation: its content changed.
  ASSERT_TRUE(wc.run_session().ok);
  std::string newest;
  for (const auto& e : company.customers) newest = std::max(newest, e.time_modified);
  const auto list_id = h.account("acme", "C1").list_id;
  for (auto& e : company.customers)
    if (e.list_id == list_id) {
      e.name = e.full_name = "Acme Plumbing & Heating Ltd";
      e.time_modified = newest;
      e.edit_sequence = std::to_string(std::stoll(e.edit_sequence) + 1);
    }
  qb.reindex();
  ASSERT_TRUE(wc.run_session().ok);
  EXPECT_FALSE(has_event(h, h.runs("acme")[0].id, "reconcile"));
  EXPECT_EQ(h.account("acme", "C1").accounting_name, "Acme Plumbing & Heating Ltd");
  EXPECT_EQ(h.account("acme", "C1").list_id, list_id);
}

}  // namespace
}  // namespace qblink::test
