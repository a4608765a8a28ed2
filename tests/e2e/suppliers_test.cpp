// Suppliers (QuickBooks vendors) end to end, the one name space shared with customers, and the
// company-file and qbXML-version checks of the first sendRequestXML.
#include <gtest/gtest.h>

#include "cli/commands.h"
#include "e2e/harness.h"

namespace qblink::test {
namespace {

using reconcile::AccountKind;

constexpr const char* kCompany = R"({
  "company_name": "Harbor Field Services",
  "customers": [{"name": "Acme Ltd"}, {"name": "Bright Spark Electrical"}],
  "vendors": [
    {"name": "Harbor Supply Co"},
    {"name": "Metro Pipe & Fittings"},
    {"name": "Northwind Tools"},
    {"name": "Old Parts Depot", "is_active": false}
  ]
})";

int run_cli(const Harness& h, std::vector<std::string> args) {
  std::vector<std::string> all = {"qblink", "--db", h.db_path};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  return cli::run(static_cast<int>(argv.size()), argv.data());
}

class Suppliers : public ::testing::Test {
 protected:
  Harness h;
  sim::Company company = company_from(kCompany);
  sim::FakeQuickBooks qb{company, strict_qb()};

  void SetUp() override { h.add_tenant("acme"); }
  sim::SessionResult sync() {
    sim::WebConnector wc(h.wc_options("acme"), qb);
    return wc.run_session();
  }
  void suppliers(const std::vector<Acct>& a) { h.add_accounts("acme", AccountKind::Supplier, a); }
  store::AccountRow supplier(const std::string& id) {
    return h.account("acme", id, AccountKind::Supplier);
  }
};

TEST_F(Suppliers, SeedCaseLinksThreeAndAddsTheTwoNewVendorsOnce) {
  suppliers({{"S1", "Harbor", "Harbor Supply Co"},
             {"S2", "Metro", "Metro Pipe & Fittings"},
             {"S3", "Northwind Tools", ""},
             {"S4", "Quarry Stone Supply", ""},
             {"S5", "Pinecrest Lumber", ""}});
  const auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  for (auto id : {"S1", "S2", "S3", "S4", "S5"}) EXPECT_EQ(supplier(id).status, "linked") << id;
  EXPECT_EQ(count_named(company.vendors, "Quarry Stone Supply"), 1u);
  EXPECT_EQ(count_named(company.vendors, "Pinecrest Lumber"), 1u);
  EXPECT_EQ(company.customers.size(), 2u) << "suppliers never become customers";
  EXPECT_EQ(qb.invalid_requests(), 0u);
  EXPECT_EQ(r.close_message,
            "Linked 3, added 2, 0 need review (5 of 5 accounts linked) - see qblink log");
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(company.vendors.size(), 6u) << "a second run adds nothing";
}

TEST_F(Suppliers, InactiveVendorIsLinkedNotAdded) {
  suppliers({{"S1", "Old Parts Depot", ""}});
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(supplier("S1").status, "linked");
  EXPECT_EQ(company.vendors.size(), 4u);
}

TEST_F(Suppliers, ASupplierNamedLikeACustomerIsHeldThenAddedOnceUnderTheAdminsName) {
  suppliers({{"S1", "Acme Ltd", ""}});
  auto r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(supplier("S1").status, "review");
  EXPECT_EQ(supplier("S1").reason, "name used by another QuickBooks list");
  EXPECT_EQ(company.vendors.size(), 4u) << "no VendorAdd, so no 3100 loop";

  ASSERT_EQ(run_cli(h, {"suppliers", "link", "acme", "S1", "Acme Ltd (supplier)"}), 0);
  ASSERT_EQ(run_cli(h, {"review", "reject", "acme", "supplier", "S1"}), 0);
  r = sync();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(supplier("S1").status, "linked");
  EXPECT_EQ(supplier("S1").qb_full_name, "Acme Ltd (supplier)");
  EXPECT_EQ(count_named(company.vendors, "Acme Ltd (supplier)"), 1u);
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(count_named(company.vendors, "Acme Ltd (supplier)"), 1u) << "added once";
}

TEST_F(Suppliers, ACustomerNamedLikeAVendorIsHeldForReview) {
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Harbor Supply Co", ""}});
  ASSERT_TRUE(sync().ok);
  const auto c = h.account("acme", "C1");
  EXPECT_EQ(c.status, "review");
  EXPECT_EQ(c.reason, "name used by another QuickBooks list");
  EXPECT_EQ(company.customers.size(), 2u);
}

TEST_F(Suppliers, NearMatchAmpersandIsHeldAndAcceptLinksIt) {
  suppliers({{"S1", "Metro Pipe and Fittings", ""}});
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(supplier("S1").status, "review");
  ASSERT_EQ(run_cli(h, {"review", "accept", "acme", "supplier", "S1"}), 0);
  EXPECT_EQ(supplier("S1").status, "linked");
  ASSERT_TRUE(sync().ok);
  EXPECT_EQ(supplier("S1").status, "linked");
  EXPECT_EQ(supplier("S1").qb_full_name, "Metro Pipe & Fittings");
  EXPECT_EQ(company.vendors.size(), 4u);
}

TEST(CompanyFile, ADifferentCompanyFileGetsNoRequestAndAClearMessage) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Ltd", ""}});
  auto first = company_from(kCompany);
  {
    sim::FakeQuickBooks qb(first);
    sim::WebConnector wc(h.wc_options("acme"), qb);
    ASSERT_TRUE(wc.run_session().ok);
  }
  auto other = company_from(R"({"company_name": "Someone Else Inc",
    "file_path": "C:\\Other\\Someone Else.QBW", "customers": [{"name": "Zed"}]})");
  sim::FakeQuickBooks qb(other);
  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto r = wc.run_session();
  EXPECT_EQ(r.requests_sent, 0u) << "not a single request reaches the wrong company";
  EXPECT_NE(r.last_error.find("acme"), std::string::npos) << r.last_error;
  EXPECT_NE(r.last_error.find("Harbor Field Services"), std::string::npos) << r.last_error;
  EXPECT_NE(r.last_error.find("Someone Else Inc"), std::string::npos) << r.last_error;
  EXPECT_EQ(other.customers.size(), 1u);
  const auto runs = h.runs("acme");
  bool logged = false;
  for (const auto& e : h.events(runs[0].id)) logged |= e.kind == "company" && e.level == "error";
  EXPECT_TRUE(logged);
  EXPECT_EQ(runs[0].outcome, "failed");

  // An admin who really moved the file resets the record; the next run records the new one.
  ASSERT_EQ(run_cli(h, {"user", "reset-company", "acme"}), 0);
  EXPECT_GT(wc.run_session().requests_sent, 0u);
}

TEST(CompanyFile, AWebConnectorReportingAnOldQbxmlVersionIsRefusedClearly) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Customer, {{"C1", "Acme Ltd", ""}});
  auto company = company_from(kCompany);
  company.qbxml_major = 4;
  company.qbxml_minor = 0;
  company.product_name = "QuickBooks Pro 2005";
  sim::FakeQuickBooks qb(company);
  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto r = wc.run_session();
  EXPECT_EQ(r.requests_sent, 0u);
  EXPECT_NE(r.last_error.find("qbXML 4.0"), std::string::npos) << r.last_error;
  EXPECT_NE(r.last_error.find("5.0"), std::string::npos) << r.last_error;
}

TEST(CompanyFile, AnOlderSupportedQbxmlVersionIsUsedNotExceeded) {
  Harness h;
  h.add_tenant("acme");
  h.add_accounts("acme", AccountKind::Supplier, {{"S1", "New Vendor Co", ""}});
  auto company = company_from(kCompany);
  company.qbxml_major = 8;
  company.qbxml_minor = 0;
  sim::FakeQuickBooks qb(company, strict_qb());
  sim::WebConnector wc(h.wc_options("acme"), qb);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(qb.invalid_requests(), 0u) << "a request above 8.0 would be refused";
  EXPECT_EQ(count_named(company.vendors, "New Vendor Co"), 1u);
}

}  // namespace
}  // namespace qblink::test
