// Design rule 6: adds wait for the admin's approval on a tenant's first run that has any, and
// whenever one run would add more than the tenant's limit. Driven through the real sync service,
// SQLite store and the fake QuickBooks; decisions through the admin service the CLI and API use.
#include <gtest/gtest.h>

#include "admin/service.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/service.h"

namespace qblink::sync {
namespace {

using reconcile::AccountKind;
using store::AddState;

class ApprovalTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  Service service{store};
  admin::Service admin{store};
  sim::Company company;
  std::string owner;
  std::string summary;

  void seed(int accounts, int limit) {
    company = sim::parse_company_json(R"({"customers": [{"name": "Existing Ltd"}]})");
    sim::normalize_company(company);
    std::vector<store::AccountRow> rows;
    for (int i = 0; i < accounts; ++i)
      rows.push_back(test::customer("C" + std::to_string(i), "New Customer " + std::to_string(i)));
    owner = test::seed_tenant(store, "acme", "secret-pw", rows, limit);
  }

  // One whole session; returns how many CustomerAdd requests QuickBooks received.
  std::size_t run() {
    sim::FakeQuickBooks qb(company);
    const auto auth = service.authenticate("acme", "secret-pw");
    qb.begin_session(owner);
    SendRequestArgs s;
    s.ticket = auth[0];
    s.hcp_response = qb.hcp_response();
    s.qbxml_major = 13;
    std::size_t adds = 0;
    for (int i = 0; i < 2000; ++i) {
      const auto rq = service.send_request_xml(s);
      s.hcp_response.clear();
      if (rq.empty()) break;
      for (std::size_t p = rq.find("<CustomerAddRq"); p != std::string::npos;
           p = rq.find("<CustomerAddRq", p + 1))
        ++adds;
      const auto out = qb.process(rq);
      const int pct = service.receive_response_xml({auth[0], out.response, "", ""});
      if (pct == 100 || pct < 0) break;
    }
    qb.end_session();
    summary = service.close_connection(auth[0]);
    company = qb.company();
    return adds;
  }
  std::int64_t count(AddState state) {
    auto tx = store.begin(false);
    return tx->count_adds(tx->tenant_by_name("acme")->id, state);
  }
};

TEST_F(ApprovalTest, TheFirstRunProposesItsAddsAndApprovedOnesGoOnTheNextRun) {
  seed(3, store::kDefaultAutoAddLimit);
  EXPECT_EQ(run(), 0u) << "no add before approval";
  EXPECT_EQ(count(AddState::Proposed), 3);
  EXPECT_NE(summary.find("3 adds await approval"), std::string::npos) << summary;
  const auto waiting = admin.adds_awaiting("acme");
  ASSERT_EQ(waiting.size(), 3u);
  EXPECT_FALSE(waiting[0].reason.empty()) << "each says why it is new";
  const auto acc = admin.review_queue("acme");
  EXPECT_TRUE(acc.empty()) << "waiting adds are not review items";

  // A second run before any decision proposes nothing twice and sends nothing.
  EXPECT_EQ(run(), 0u);
  EXPECT_EQ(count(AddState::Proposed), 3);

  EXPECT_EQ(admin.approve_adds("acme", {waiting[0].id, waiting[1].id}), 2u);
  EXPECT_EQ(admin.reject_adds("acme", {waiting[2].id}), 1u);
  EXPECT_EQ(run(), 2u);
  EXPECT_EQ(count(AddState::Confirmed), 2);
  auto tx = store.begin(false);
  const auto t = tx->tenant_by_name("acme")->id;
  EXPECT_EQ(tx->account(t, AccountKind::Customer, waiting[0].account_id)->status, "linked");
  const auto rejected = tx->account(t, AccountKind::Customer, waiting[2].account_id);
  EXPECT_EQ(rejected->status, "review");
  EXPECT_EQ(rejected->reason, "add rejected");
}

TEST_F(ApprovalTest, UnderTheLimitALaterRunAddsAtOnceAndOverItWaits) {
  seed(1, 2);
  EXPECT_EQ(run(), 0u) << "the first run with adds always waits";
  admin.approve_adds("acme", {}, true);
  EXPECT_EQ(run(), 1u);

  auto add_accounts = [&](int from, int n) {
    std::vector<store::AccountRow> rows;
    for (int i = from; i < from + n; ++i)
      rows.push_back(test::customer("D" + std::to_string(i), "Later " + std::to_string(i)));
    admin.upsert_accounts("acme", AccountKind::Customer, rows);
  };
  add_accounts(0, 2);
  EXPECT_EQ(run(), 2u) << "within the limit of 2: sent at once";
  add_accounts(10, 3);
  EXPECT_EQ(run(), 0u) << "3 is over the limit of 2: all wait";
  EXPECT_EQ(count(AddState::Proposed), 3);
}

TEST_F(ApprovalTest, LimitZeroMakesEveryAddWaitAndUnlimitedNone) {
  seed(2, 0);
  admin.set_auto_add_limit("acme", store::kUnlimitedAdds);
  EXPECT_EQ(run(), 2u) << "unlimited: even the first run adds";
  admin.set_auto_add_limit("acme", 0);
  admin.upsert_accounts("acme", AccountKind::Customer, {test::customer("Z", "Zed Ltd")});
  EXPECT_EQ(run(), 0u);
  EXPECT_EQ(count(AddState::Proposed), 1);
}

TEST_F(ApprovalTest, AFiftyThousandListSendsNoAddUntilApproved) {
#if defined(__SANITIZE_ADDRESS__)
  const int n = 5'000;  // the sanitizer build is about five times slower
#else
  const int n = 50'000;
#endif
  seed(n, store::kDefaultAutoAddLimit);
  EXPECT_EQ(run(), 0u);
  EXPECT_EQ(count(AddState::Proposed), n);
}

TEST_F(ApprovalTest, RejectRefusesANameQuickBooksAlreadyUsesAtOnce) {
  company = sim::parse_company_json(
      R"({"customers": [{"name": "Existing Ltd"}], "employees": [{"name": "Pat Smith"}]})");
  sim::normalize_company(company);
  owner = test::seed_tenant(store, "acme", "secret-pw", {test::customer("C1", "Pat Smith")});
  run();
  auto queue = admin.review_queue("acme");
  ASSERT_EQ(queue.size(), 1u);
  try {
    admin.reject("acme", AccountKind::Customer, "C1");
    FAIL() << "declaring it new would only bring it back to review";
  } catch (const admin::Error& e) {
    EXPECT_EQ(e.kind, admin::ErrorKind::Conflict);
    EXPECT_NE(std::string(e.what()).find("employee"), std::string::npos) << e.what();
  }
}

TEST_F(ApprovalTest, ASecondRunSaysWhatChangedAndTheTotals) {
  company = sim::parse_company_json(R"({"customers": [{"name": "Acme Ltd"}]})");
  sim::normalize_company(company);
  owner = test::seed_tenant(store, "acme", "secret-pw", {test::customer("C1", "Acme Ltd")});
  run();
  EXPECT_NE(summary.find("Linked 1"), std::string::npos) << summary;
  run();
  EXPECT_NE(summary.find("Linked 0"), std::string::npos) << summary;
  EXPECT_NE(summary.find("1 of 1 accounts linked"), std::string::npos) << summary;
}

}  // namespace
}  // namespace qblink::sync
