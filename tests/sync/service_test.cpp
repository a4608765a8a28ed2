// The sync service driven in-process against the fake QuickBooks, for what the Web Connector
// simulator cannot stage: something changing in QuickBooks between a sendRequestXML and its
// response.
#include "sync/service.h"

#include <gtest/gtest.h>

#include <functional>

#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "support/tenant.h"
#include "support/test_support.h"
#include "sync/auth.h"

namespace qblink::sync {
namespace {

using reconcile::AccountKind;

class ServiceTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  Service service{store};
  sim::Company company;
  std::string owner;

  void SetUp() override {
    company = sim::parse_company_json(R"({"customers": [{"name": "Acme Ltd"}]})");
    sim::normalize_company(company);
    owner = test::seed_tenant(store, "acme", "secret-pw",
                              {test::customer("C1", "Greenway Pest Control")});
  }

  // One session; before_process runs just before QuickBooks executes each request.
  int run(sim::FakeQuickBooks& qb, const std::function<void(const std::string&)>& before_process) {
    const auto auth = service.authenticate("acme", "secret-pw");
    EXPECT_EQ(auth.size(), 2u);
    qb.begin_session(owner);
    SendRequestArgs s;
    s.ticket = auth[0];
    s.hcp_response = qb.hcp_response();
    s.company_file_name = company.file_path;
    s.country = "US";
    s.qbxml_major = 13;
    int pct = 0, round_trips = 0;
    for (;;) {
      const auto request = service.send_request_xml(s);
      s.hcp_response.clear();
      if (request.empty() || ++round_trips > 50) break;
      before_process(request);
      const auto out = qb.process(request);
      pct = service.receive_response_xml({auth[0], out.response, out.hresult, out.message});
      if (pct == 100 || pct < 0) break;
    }
    qb.end_session();
    service.close_connection(auth[0]);
    return pct;
  }

  store::AccountRow account() {
    auto tx = store.begin(false);
    return *tx->account(tx->tenant_by_name("acme")->id, AccountKind::Customer, "C1");
  }
  std::size_t adds_sent_for(const std::vector<std::string>& requests, const std::string& name) {
    std::size_t n = 0;
    for (const auto& r : requests)
      if (r.find("<CustomerAdd>") != std::string::npos &&
          r.find("<Name>" + name + "</Name>") != std::string::npos)
        ++n;
    return n;
  }
};

TEST_F(ServiceTest, A3100IsResolvedByQueryingTheNameNeverByRetrying) {
  sim::FakeQuickBooks qb(company);
  std::vector<std::string> requests;
  // Someone creates a vendor with the same name while our add is on its way: QuickBooks says 3100.
  const int pct = run(qb, [&](const std::string& rq) {
    requests.push_back(rq);
    if (rq.find("<CustomerAdd>") != std::string::npos) {
      sim::Entity v;
      v.name = "Greenway Pest Control";
      company.vendors.push_back(v);
      sim::normalize_company(company);
      qb.reindex();
    }
  });
  EXPECT_EQ(pct, 100);
  EXPECT_EQ(adds_sent_for(requests, "Greenway Pest Control"), 1u) << "no retry loop";
  const auto a = account();
  EXPECT_EQ(a.status, "review");
  EXPECT_EQ(a.reason, "name used by another QuickBooks list");
  EXPECT_EQ(company.customers.size(), 1u);
  // The next run does not send it again either.
  requests.clear();
  run(qb, [&](const std::string& rq) { requests.push_back(rq); });
  EXPECT_EQ(adds_sent_for(requests, "Greenway Pest Control"), 0u);
}

TEST_F(ServiceTest, A3100ForACustomerOfThatNameLinksIt) {
  sim::FakeQuickBooks qb(company);
  run(qb, [&](const std::string& rq) {
    if (rq.find("<CustomerAdd>") != std::string::npos) {
      sim::Entity c;
      c.name = "Greenway Pest Control";
      company.customers.push_back(c);
      sim::normalize_company(company);
      qb.reindex();
    }
  });
  const auto a = account();
  EXPECT_EQ(a.status, "linked");
  EXPECT_EQ(company.customers.size(), 2u);
}

TEST_F(ServiceTest, AnHresultFailsTheSessionAndLeavesTheBatchInDoubt) {
  sim::FakeQuickBooks qb(company);
  const auto auth = service.authenticate("acme", "secret-pw");
  qb.begin_session(owner);
  SendRequestArgs s;
  s.ticket = auth[0];
  s.hcp_response = qb.hcp_response();
  s.qbxml_major = 13;
  std::string rq = service.send_request_xml(s);
  ASSERT_FALSE(rq.empty());
  EXPECT_EQ(service.receive_response_xml({auth[0], "", "0x80040400",
                                          "QuickBooks found an error when parsing the provided "
                                          "XML text stream."}),
            -1);
  EXPECT_NE(service.get_last_error(auth[0]).find("0x80040400"), std::string::npos);
  EXPECT_NE(service.close_connection(auth[0]).find("Failed"), std::string::npos);
}

TEST_F(ServiceTest, PercentRisesAndEndsAtHundred) {
  sim::FakeQuickBooks qb(company);
  const auto auth = service.authenticate("acme", "secret-pw");
  qb.begin_session(owner);
  SendRequestArgs s;
  s.ticket = auth[0];
  s.hcp_response = qb.hcp_response();
  s.qbxml_major = 13;
  int last = 0;
  for (int i = 0; i < 20; ++i) {
    const auto rq = service.send_request_xml(s);
    s.hcp_response.clear();
    ASSERT_FALSE(rq.empty());
    const auto out = qb.process(rq);
    const int pct = service.receive_response_xml({auth[0], out.response, "", ""});
    EXPECT_GE(pct, last) << "percent never goes backwards";
    last = pct;
    if (pct == 100) break;
  }
  EXPECT_EQ(last, 100);
}

}  // namespace
}  // namespace qblink::sync
