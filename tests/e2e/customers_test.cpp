// Linking customers end to end: the real server, the simulated Web Connector and a fake
// QuickBooks that enforces QuickBooks' naming rules and validates every request.
#include <gtest/gtest.h>

#include <thread>

#include "e2e/harness.h"

namespace qblink::test {
namespace {

using reconcile::AccountKind;

class Customers : public ::testing::Test {
 protected:
  Harness h;
  sim::Company company = company_from(kSeedCompany);
  sim::FakeQuickBooks qb{company, strict_qb()};

  void SetUp() override { h.add_tenant("acme"); }

  sim::SessionResult sync(sim::WebConnectorOptions o) {
    sim::WebConnector wc(std::move(o), qb);
    return wc.run_session();
  }
  sim::SessionResult sync() { return sync(h.wc_options("acme")); }

  void accounts(const std::vector<Acct>& a) { h.add_accounts("acme", AccountKind::Customer, a); }
  store::AccountRow account(const std::string& id) { return h.account("acme", id); }
  std::size_t in_qb(const std::string& full_name) {
    return count_named(company.customers, full_name);
  }

  void expect_review(const std::string& id, const std::string& reason, const std::string& kind) {
    const auto a = account(id);
    EXPECT_EQ(a.status, "review") << id << ": " << a.reason << " / " << a.detail;
    EXPECT_EQ(a.reason, reason) << a.detail;
    if (!kind.empty()) {
      EXPECT_NE(a.detail.find(kind), std::string::npos) << a.detail;
    }
  }
};

TEST_F(Customers, SeedCaseLinksThreeExactAccountingNamesAndAddsTheTwoNewOnce) {
  accounts({{"C1", "Acme", "Acme Plumbing Ltd"},
            {"C2", "Bright Spark", "Bright Spark Electrical"},
            {"C3", "Coastal", "Coastal HVAC Services"},
            {"C4", "Greenway Pest Control", ""},
            {"C5", "Summit Roofing", ""}});
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  for (auto id : {"C1", "C2", "C3", "C4", "C5"}) EXPECT_EQ(account(id).status, "linked") << id;
  EXPECT_EQ(account("C1").qb_full_name, "Acme Plumbing Ltd");
  EXPECT_EQ(in_qb("Greenway Pest Control"), 1u);
  EXPECT_EQ(in_qb("Summit Roofing"), 1u);
  EXPECT_EQ(company.customers.size(), 11u);
  EXPECT_EQ(qb.invalid_requests(), 0u);
  EXPECT_EQ(r.close_message,
            "Linked 3, added 2, 0 need review (5 of 5 accounts linked) - see qblink log");
  const auto runs = h.runs("acme");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].linked, 3);
  EXPECT_EQ(runs[0].added, 2);
  EXPECT_FALSE(h.events(runs[0].id).empty()) << "every decision is in the log";
}

TEST_F(Customers, ASecondRunAddsNothing) {
  accounts({{"C1", "Acme", "Acme Plumbing Ltd"}, {"C4", "Greenway Pest Control", ""}});
  ASSERT_TRUE(sync().ok);
  const auto size = company.customers.size();
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(company.customers.size(), size);
  EXPECT_EQ(h.runs("acme")[0].added, 0);
  EXPECT_EQ(in_qb("Greenway Pest Control"), 1u);
}

TEST_F(Customers, TwoSpacesOrALeadingSpaceGoToReviewNotAdd) {
  accounts({{"C1", "Acme", "Acme  Plumbing Ltd"}, {"C2", " Bright Spark Electrical", ""}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "spaces");
  expect_review("C2", "near match", "spaces");
  EXPECT_EQ(company.customers.size(), 9u) << "nothing added";
}

TEST_F(Customers, CaseOnlyGoesToReview) {
  accounts({{"C1", "acme plumbing ltd", ""}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "case");
  EXPECT_EQ(company.customers.size(), 9u);
}

TEST_F(Customers, PunctuationGoesToReview) {
  accounts({{"C1", "ONeil Builders", ""}, {"C2", "Acme Plumbing Ltd.", ""}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "punctuation");
  expect_review("C2", "near match", "punctuation");
}

TEST_F(Customers, AmpersandVersusAndGoesToReview) {
  company.customers.push_back({});
  company.customers.back().name = "Smith & Sons";
  sim::normalize_company(company);
  qb.reindex();
  accounts({{"C1", "Smith and Sons", ""}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "& vs and");
}

TEST_F(Customers, WordOrderAndAccentsGoToReview) {
  accounts({{"C1", "Mike Smith", ""}, {"C2", "Muller Haustechnik", ""}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "word order");
  expect_review("C2", "near match", "accents");
  EXPECT_EQ(company.customers.size(), 9u);
}

TEST_F(Customers, AccountingNameNotFoundGoesToReviewWithoutGuessing) {
  accounts({{"C1", "Zephyr", "Zephyr Window Cleaning"}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "not found in QuickBooks", "");
  EXPECT_EQ(company.customers.size(), 9u);
}

TEST_F(Customers, AnAccountingNameWithAnotherLegalSuffixIsHeldWithItsEvidence) {
  accounts({{"C1", "Acme", "Acme Plumbing Limited"}});
  ASSERT_TRUE(sync().ok);
  expect_review("C1", "near match", "legal suffix");
  EXPECT_NE(account("C1").candidates.find("\"score\""), std::string::npos);
  EXPECT_EQ(company.customers.size(), 9u);
}

TEST_F(Customers, AJobAccountingNameLinksToTheJob) {
  accounts({{"C1", "Riverside", "Dunmore Property Management:Riverside Flats"}});
  ASSERT_TRUE(sync().ok);
  const auto a = account("C1");
  EXPECT_EQ(a.status, "linked");
  EXPECT_EQ(a.qb_full_name, "Dunmore Property Management:Riverside Flats");
}

TEST_F(Customers, AnInactiveExactMatchIsLinkedNotAdded) {
  accounts({{"C1", "Evergreen Landscaping", ""}});
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(account("C1").status, "linked");
  EXPECT_EQ(company.customers.size(), 9u);
}

TEST_F(Customers, ANameUsedByAVendorGoesToReviewWithoutA3100Loop) {
  accounts({{"C1", "Harbor Supply Co", ""}});
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  expect_review("C1", "name used by another QuickBooks list", "");
  EXPECT_EQ(company.customers.size(), 9u);
  for (const auto& c : r.calls) EXPECT_EQ(c.outcome.find("3100"), std::string::npos) << c.outcome;
}

TEST_F(Customers, IllegalNamesGoToReviewAndAreNeverTruncated) {
  accounts({{"C1", std::string(42, 'A'), ""},
            {"C2", "North:South Ltd", ""},
            {"C3", "Tokyo 東京 Trading", ""},
            {"C4", "Euro € Services", ""}});
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  for (auto id : {"C1", "C2", "C3", "C4"}) expect_review(id, "illegal name", "");
  EXPECT_EQ(company.customers.size(), 9u);
  EXPECT_EQ(qb.invalid_requests(), 0u);
}

TEST_F(Customers, MarkupCharactersAndAccentsRoundTripIntact) {
  const std::string name = "Café \"Le Bon\" & <Fils> 'Ltd'";
  accounts({{"C1", name, ""}, {"C2", "Ærøskøbing Façades", ""}});
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(in_qb(name), 1u);
  EXPECT_EQ(in_qb("Ærøskøbing Façades"), 1u);
  EXPECT_EQ(account("C1").qb_full_name, name);
  EXPECT_EQ(account("C1").status, "linked");
}

TEST_F(Customers, ARenameInQuickBooksIsFollowedByListId) {
  accounts({{"C1", "Acme", "Acme Plumbing Ltd"}});
  ASSERT_TRUE(sync().ok);
  const auto list_id = account("C1").list_id;
  for (auto& c : company.customers)
    if (c.list_id == list_id) {
      c.name = c.full_name = "Acme Plumbing & Heating Ltd";
      c.time_modified = "2030-01-01T00:00:00-08:00";
    }
  qb.reindex();
  ASSERT_TRUE(sync().ok);
  const auto a = account("C1");
  EXPECT_EQ(a.status, "linked");
  EXPECT_EQ(a.list_id, list_id);
  EXPECT_EQ(a.accounting_name, "Acme Plumbing & Heating Ltd");
  bool logged = false;
  for (const auto& e : h.events(h.runs("acme")[0].id)) logged |= e.kind == "renamed";
  EXPECT_TRUE(logged);
}

TEST_F(Customers, ALostAddResponseIsResolvedWithoutADuplicate) {
  accounts({{"C4", "Greenway Pest Control", ""}});
  auto o = h.wc_options("acme");
  o.drop_response_at =
      5;  // 4 list queries, then the add batch: QuickBooks applies it, the answer is lost
  const auto lost = sync(o);
  EXPECT_FALSE(lost.ok);
  EXPECT_EQ(in_qb("Greenway Pest Control"), 1u) << "QuickBooks did apply the add";
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(in_qb("Greenway Pest Control"), 1u) << "no duplicate";
  EXPECT_EQ(account("C4").status, "linked");
}

TEST_F(Customers, AnAddProvenAbsentIsSentAgainOnce) {
  accounts({{"C4", "Greenway Pest Control", ""}});
  auto o = h.wc_options("acme");
  o.drop_response_at = 5;
  sync(o);
  // The add never reached QuickBooks after all (e.g. QuickBooks crashed before saving).
  std::erase_if(company.customers, [](const auto& c) { return c.name == "Greenway Pest Control"; });
  qb.reindex();
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(in_qb("Greenway Pest Control"), 1u);
  EXPECT_EQ(account("C4").status, "linked");
}

TEST(Snapshot, AnIncrementalRunAsksForAlmostNothingAndAFullRefreshNoticesDeletions) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer,
                 {{"C1", "Acme", "Acme Plumbing Ltd"}, {"C2", "Bright Spark Electrical", ""}});
  auto company = company_from(kSeedCompany);
  // Customers last touched long ago, an hour apart.
  for (std::size_t i = 0; i < company.customers.size(); ++i)
    company.customers[i].time_modified =
        "2024-03-0" + std::to_string(1 + i % 9) + "T1" + std::to_string(i % 10) + ":00:00-08:00";
  sim::FakeQuickBooks qb(company);
  sim::WebConnector wc(h.wc_options("acme"), qb);
  ASSERT_TRUE(wc.run_session().ok);
  const auto first = h.runs("acme")[0].records_fetched;
  ASSERT_TRUE(wc.run_session().ok);
  const auto second = h.runs("acme")[0].records_fetched;
  EXPECT_GE(first, 9);
  EXPECT_LE(second, 4) << "at most each list's newest entry (FromModifiedDate is inclusive)";

  // Bright Spark is deleted in QuickBooks; an incremental run cannot see a deletion, the
  // periodic full refresh does, and the account goes to review instead of staying linked.
  std::erase_if(company.customers,
                [](const auto& c) { return c.name == "Bright Spark Electrical"; });
  qb.reindex();
  sync::ServiceOptions full;
  full.full_refresh_seconds = 0;
  Harness h2(false, full, h.db_path);
  auto o2 = h.wc_options("acme");
  o2.url = h2.url;
  sim::WebConnector wc2(o2, qb);
  ASSERT_TRUE(wc2.run_session().ok);
  const auto gone = h.account("acme", "C2");
  EXPECT_EQ(gone.status, "review");
  EXPECT_EQ(gone.reason, "linked entry gone");
  EXPECT_EQ(h.account("acme", "C1").status, "linked");
}

TEST(ManyTenants, TwentyTenantsSyncAtOnceAndNothingCrosses) {
  Harness h;
  constexpr int kTenants = 20;
  std::vector<sim::Company> companies(kTenants);
  for (int i = 0; i < kTenants; ++i) {
    const auto user = "tenant" + std::to_string(i);
    h.add_tenant(user);
    h.add_accounts(user, AccountKind::Customer,
                   {{"C1", "Shared Name Ltd", ""}, {"C2", "Only For " + user, ""}});
    companies[i] = company_from(R"({"customers": [{"name": "Shared Name Ltd"}]})");
  }
  std::vector<sim::SessionResult> results(kTenants);
  std::vector<std::thread> threads;
  for (int i = 0; i < kTenants; ++i)
    threads.emplace_back([&, i] {
      sim::FakeQuickBooks qb(companies[i]);
      sim::WebConnector wc(h.wc_options("tenant" + std::to_string(i)), qb);
      results[i] = wc.run_session();
    });
  for (auto& t : threads) t.join();
  for (int i = 0; i < kTenants; ++i) {
    const auto user = "tenant" + std::to_string(i);
    ASSERT_TRUE(results[i].ok) << user << ": " << results[i].error;
    ASSERT_EQ(companies[i].customers.size(), 2u) << user;
    EXPECT_EQ(count_named(companies[i].customers, "Only For " + user), 1u) << user;
    EXPECT_EQ(h.account(user, "C1").status, "linked");
    EXPECT_EQ(h.account(user, "C1").list_id, companies[i].customers[0].list_id);
  }
}

}  // namespace
}  // namespace qblink::test
