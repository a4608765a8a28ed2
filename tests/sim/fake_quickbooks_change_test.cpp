// FakeQuickBooks: CustomerAdd, VendorAdd, CustomerMod, VendorMod and QuickBooks' naming rules.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <pugixml.hpp>
#include <regex>
#include <string>

#include "sim/fake_quickbooks.h"
#include "sim/qb_test_support.h"
#include "sim/qb_time.h"
#include "sim/xsd_validator.h"
#include "support/test_support.h"

namespace qblink::sim {
namespace {

using test_support::message_set;
using test_support::qbxml_schema;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string add(std::string_view list, std::string_view name, std::string_view more = "") {
  return fmt::format("<{0}AddRq requestID=\"add\"><{0}Add><Name>{1}</Name>{2}</{0}Add></{0}AddRq>",
                     list, name, more);
}

std::string add_job(std::string_view name, std::string_view parent_full_name) {
  return add("Customer", name,
             fmt::format("<ParentRef><FullName>{}</FullName></ParentRef>", parent_full_name));
}

std::string mod(std::string_view list, const Entity& e, std::string_view fields) {
  return fmt::format(
      "<{0}ModRq requestID=\"mod\"><{0}Mod><ListID>{1}</ListID><EditSequence>{2}</EditSequence>{3}"
      "</{0}Mod></{0}ModRq>",
      list, e.list_id, e.edit_sequence, fields);
}

constexpr const char* kCompany = R"({
  "customers": [
    {"name": "Acme Corporation"},
    {"full_name": "Acme Corporation:Kitchen"},
    {"name": "Old Customer", "is_active": false}
  ],
  "vendors": [{"name": "Northwind Supply"}],
  "employees": [{"name": "Pat Lee"}],
  "other_names": [{"name": "Otto Other"}]
})";

const std::string k41 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno";  // 41 characters

class FakeQuickBooksChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::has_reference()) {
      FAIL() << "the reference folder " << test::reference_dir()
             << " is missing; configure with -DQBLINK_REFERENCE_DIR=<path to shared/reference>";
    }
    company_ = parse_company_json(kCompany);
    FakeQuickBooksOptions options;
    options.validator = qbxml_schema();
    qb_ = std::make_unique<FakeQuickBooks>(company_, options);
  }

  // Runs a message set and returns its first Rs; the response must validate against the XSD.
  pugi::xml_node run(std::string_view body, FakeQuickBooks* qb = nullptr) {
    const ProcessOutcome outcome = (qb != nullptr ? qb : qb_.get())->process(message_set(body));
    EXPECT_EQ(outcome.hresult, "") << outcome.detail;
    raw_ = outcome.response;
    const auto valid = qbxml_schema()->validate(raw_);
    EXPECT_TRUE(valid.valid) << valid.error << "\n" << raw_;
    EXPECT_TRUE(doc_.load_string(raw_.c_str()));
    return doc_.child("QBXML").child("QBXMLMsgsRs").first_child();
  }

  // Expects an error Rs with `code` and returns its message.
  std::string expect_error(const pugi::xml_node& rs, int code) {
    EXPECT_EQ(rs.attribute("statusCode").as_int(), code) << raw_;
    EXPECT_STREQ(rs.attribute("statusSeverity").value(), "Error");
    EXPECT_FALSE(rs.first_child()) << "an error returns no Ret";
    return rs.attribute("statusMessage").value();
  }
  void expect_ok(const pugi::xml_node& rs) {
    EXPECT_EQ(rs.attribute("statusCode").as_int(), 0) << raw_;
    EXPECT_STREQ(rs.attribute("statusMessage").value(), "Status OK");
  }

  const Entity& find(const std::vector<Entity>& list, std::string_view full_name) const {
    for (const auto& e : list) {
      if (e.full_name == full_name) return e;
    }
    throw std::runtime_error("no entry " + std::string(full_name));
  }
  const Entity& customer(std::string_view full_name) const {
    return find(company_.customers, full_name);
  }

  Company company_;
  std::unique_ptr<FakeQuickBooks> qb_;
  pugi::xml_document doc_;
  std::string raw_;
};

TEST_F(FakeQuickBooksChangeTest, AddReturnsTheNewRecordLikeTheCapture) {
  const long long clock_before = company_.clock;
  const auto rs = run(add("Customer", "Shannon Daniels",
                          "<FirstName>Shannon</FirstName><Phone>1.860.634.1602</Phone>"));
  EXPECT_THAT(raw_,
              HasSubstr("<CustomerAddRs requestID=\"add\" statusCode=\"0\" statusSeverity=\"Info\" "
                        "statusMessage=\"Status OK\">\n<CustomerRet>\n<ListID>"));
  const auto ret = rs.child("CustomerRet");
  EXPECT_TRUE(std::regex_match(ret.child_value("ListID"), std::regex("8[0-9A-F]{7}-[0-9]{10}")))
      << ret.child_value("ListID");
  EXPECT_EQ(company_.clock, clock_before + 1) << "each change advances the simulated clock";
  const std::string now = format_qb_datetime(kClockEpoch + company_.clock);
  EXPECT_STREQ(ret.child_value("TimeCreated"), now.c_str());
  EXPECT_STREQ(ret.child_value("TimeModified"), now.c_str());
  EXPECT_THAT(now, ::testing::EndsWith("-08:00"));
  EXPECT_STREQ(ret.child_value("EditSequence"),
               std::to_string(kClockEpoch + company_.clock).c_str());
  EXPECT_STREQ(ret.child_value("FullName"), "Shannon Daniels");
  EXPECT_STREQ(ret.child_value("Sublevel"), "0");
  EXPECT_STREQ(ret.child_value("FirstName"), "Shannon");
  const Entity& added = customer("Shannon Daniels");
  EXPECT_EQ(added.list_id, ret.child_value("ListID"));
  EXPECT_EQ(added.phone, "1.860.634.1602");
  EXPECT_EQ(qb_->requests_processed(), 1u);
  EXPECT_EQ(qb_->records_returned(), 0u) << "only query results count";
}

TEST_F(FakeQuickBooksChangeTest, AddSampleHonoursIncludeRetElement) {
  const auto outcome =
      qb_->process(test::read_file(test::reference_dir() / "samples/qbxml/CustomerAddRq.xml"));
  ASSERT_EQ(outcome.hresult, "") << outcome.detail;
  // "Acme Corporation" exists: the sample is refused with 3100, so rename the fixture first.
  EXPECT_THAT(outcome.response, HasSubstr("statusCode=\"3100\""));
  company_.customers[0].name = company_.customers[0].full_name = "Acme Holdings";
  company_.customers[1].full_name = "Acme Holdings:Kitchen";
  qb_->reindex();
  const auto again =
      qb_->process(test::read_file(test::reference_dir() / "samples/qbxml/CustomerAddRq.xml"));
  ASSERT_TRUE(doc_.load_string(again.response.c_str()));
  const auto ret =
      doc_.child("QBXML").child("QBXMLMsgsRs").child("CustomerAddRs").child("CustomerRet");
  std::vector<std::string> elements;
  for (const auto& child : ret.children()) elements.emplace_back(child.name());
  EXPECT_THAT(elements, ElementsAre("ListID", "EditSequence", "Name", "FullName"));
  const Entity& acme = customer("Acme Corporation");
  EXPECT_EQ(acme.notes, "Café account; created by integration");
  EXPECT_EQ(acme.address.addr2, "100 Main St. & 2nd Ave");
}

TEST_F(FakeQuickBooksChangeTest, NameOf41CharactersIsAccepted) {
  expect_ok(run(add("Customer", k41)));
}

TEST_F(FakeQuickBooksChangeTest, NameOf42CharactersFailsTheSchema) {
  const auto outcome = qb_->process(message_set(add("Customer", k41 + "p")));
  EXPECT_EQ(outcome.hresult, "0x80040400");
  EXPECT_THAT(outcome.detail, HasSubstr("Name"));
}

TEST_F(FakeQuickBooksChangeTest, NameOf42CharactersWithoutSchemaIs3070) {
  FakeQuickBooks lenient(company_);  // no XSD: QuickBooks' own length check answers
  const auto rs = run(add("Customer", k41 + "p"), &lenient);
  EXPECT_EQ(expect_error(rs, 3070),
            fmt::format("The string \"{}p\" in the field \"Name\" is too long.", k41));
}

TEST_F(FakeQuickBooksChangeTest, OverlongOtherFieldWithoutSchemaIs3070) {
  FakeQuickBooks lenient(company_);
  const auto rs = run(add("Vendor", "V", "<CompanyName>" + k41 + "p</CompanyName>"), &lenient);
  EXPECT_EQ(expect_error(rs, 3070),
            fmt::format("The string \"{}p\" in the field \"CompanyName\" is too long.", k41));
}

TEST_F(FakeQuickBooksChangeTest, ColonInNameIsRefused) {
  const std::string message = expect_error(run(add("Customer", "Acme:Roof")), 3090);
  EXPECT_THAT(message, HasSubstr("\"Acme:Roof\""));
  EXPECT_THAT(message, HasSubstr("':'"));
}

TEST_F(FakeQuickBooksChangeTest, NameOutsideLatin1IsRefused) {
  const std::string message = expect_error(run(add("Vendor", "Zoë 北京")), 3090);
  EXPECT_THAT(message, HasSubstr("ISO-8859-1"));
  EXPECT_THAT(raw_, HasSubstr("Zo&#235; &#21271;&#20140;")) << "echoed as character references";
}

TEST_F(FakeQuickBooksChangeTest, Latin1NameIsAcceptedAndEchoedAsReferences) {
  expect_ok(run(add("Customer", "Zoë Ñandú")));
  EXPECT_THAT(raw_, HasSubstr("<Name>Zo&#235; &#209;and&#250;</Name>"));
  EXPECT_EQ(company_.customers.back().name, "Zoë Ñandú");
}

TEST_F(FakeQuickBooksChangeTest, NameInUseIs3100WithQuickBooksText) {
  EXPECT_EQ(expect_error(run(add("Customer", "Acme Corporation")), 3100),
            "The name \"Acme Corporation\" of the list element is already in use.");
  EXPECT_THAT(
      raw_,
      HasSubstr("statusMessage=\"The name &quot;Acme Corporation&quot; of the list element is "
                "already in use.\" />"));
}

TEST_F(FakeQuickBooksChangeTest, NamesCollideIgnoringCaseAcrossAllFourListsIncludingInactive) {
  struct Case {
    const char* list;
    const char* name;
  };
  for (const Case& c : {Case{"Customer", "ACME CORPORATION"}, Case{"Vendor", "acme corporation"},
                        Case{"Customer", "northwind SUPPLY"}, Case{"Vendor", "PAT LEE"},
                        Case{"Customer", "otto other"}, Case{"Vendor", "old customer"}}) {
    SCOPED_TRACE(fmt::format("{} {}", c.list, c.name));
    EXPECT_EQ(expect_error(run(add(c.list, c.name)), 3100),
              fmt::format("The name \"{}\" of the list element is already in use.", c.name));
  }
  EXPECT_EQ(company_.customers.size(), 3u);
  EXPECT_EQ(company_.vendors.size(), 1u);
}

TEST_F(FakeQuickBooksChangeTest, JobsAreUniqueByFullName) {
  expect_ok(run(add("Customer", "Beta LLC")));
  expect_ok(run(add_job("Kitchen", "Beta LLC")));  // same Name as Acme's job, other parent
  EXPECT_EQ(customer("Beta LLC:Kitchen").sublevel, 1);
  EXPECT_EQ(customer("Beta LLC:Kitchen").parent_list_id, customer("Beta LLC").list_id);
  expect_error(run(add_job("KITCHEN", "acme corporation")), 3100);
  // A job may share its Name with a top-level name: its FullName differs.
  expect_ok(run(add_job("Northwind Supply", "Acme Corporation")));
  expect_ok(run(add_job("Tile", "Acme Corporation:Kitchen")));
  EXPECT_EQ(customer("Acme Corporation:Kitchen:Tile").sublevel, 2);
}

TEST_F(FakeQuickBooksChangeTest, JobSampleLandsUnderItsParent) {
  company_.customers[1].name = "Kitchen Remodel";
  company_.customers[1].full_name = "Acme Corporation:Kitchen Remodel";
  qb_->reindex();
  auto outcome = qb_->process(
      test::read_file(test::reference_dir() / "samples/qbxml/CustomerAddRq_job-under-parent.xml"));
  EXPECT_THAT(outcome.response, HasSubstr("statusCode=\"3100\"")) << "that job already exists";
  company_.customers[1].name = "Kitchen";
  company_.customers[1].full_name = "Acme Corporation:Kitchen";
  qb_->reindex();
  outcome = qb_->process(
      test::read_file(test::reference_dir() / "samples/qbxml/CustomerAddRq_job-under-parent.xml"));
  EXPECT_THAT(outcome.response, HasSubstr("<FullName>Acme Corporation:Kitchen Remodel</FullName>"));
}

TEST_F(FakeQuickBooksChangeTest, MissingParentIs3130) {
  EXPECT_EQ(expect_error(run(add_job("Roof", "NONEXISTENT-PARENT-CUSTOMER")), 3130),
            "There is an invalid reference to a parent \"NONEXISTENT-PARENT-CUSTOMER\" in the "
            "Customers list.  "
            "QuickBooks error message: Invalid argument.  The specified record does not exist in "
            "the list.");
  // A vendor is not a parent either.
  expect_error(run(add_job("Roof", "Northwind Supply")), 3130);
}

TEST_F(FakeQuickBooksChangeTest, ParentByListId) {
  const std::string parent = customer("Acme Corporation").list_id;
  expect_ok(run(
      add("Customer", "Roof", fmt::format("<ParentRef><ListID>{}</ListID></ParentRef>", parent))));
  EXPECT_EQ(customer("Acme Corporation:Roof").parent_list_id, parent);
}

TEST_F(FakeQuickBooksChangeTest, JobsNestAtMostFiveLevels) {
  std::string parent = "Acme Corporation";
  for (const char* level : {"L1", "L2", "L3"}) {
    expect_ok(run(add_job(level, parent)));
    parent += std::string(":") + level;
  }
  expect_ok(run(add_job("L4", parent)));  // sublevel 4: the fifth level
  expect_error(run(add_job("L5", parent + ":L4")), 3130);
}

TEST_F(FakeQuickBooksChangeTest, ModChangesFieldsAndMovesEditSequenceAndTime) {
  const Entity before = customer("Acme Corporation");
  const auto rs =
      run(mod("Customer", before, "<CompanyName>Acme Corp</CompanyName><Phone>555-0199</Phone>"));
  expect_ok(rs);
  const auto ret = rs.child("CustomerRet");
  EXPECT_STREQ(ret.child_value("CompanyName"), "Acme Corp");
  EXPECT_STRNE(ret.child_value("EditSequence"), before.edit_sequence.c_str());
  EXPECT_STREQ(ret.child_value("TimeCreated"), before.time_created.c_str());
  EXPECT_GT(*parse_qb_datetime(ret.child_value("TimeModified")),
            *parse_qb_datetime(before.time_modified));
  EXPECT_EQ(customer("Acme Corporation").phone, "555-0199");
}

TEST_F(FakeQuickBooksChangeTest, ModWithStaleEditSequenceIs3200) {
  Entity stale = customer("Acme Corporation");
  expect_ok(run(mod("Customer", stale, "<Phone>1</Phone>")));
  EXPECT_EQ(expect_error(run(mod("Customer", stale, "<Phone>2</Phone>")), 3200),
            fmt::format("The provided edit sequence \"{}\" is out-of-date.", stale.edit_sequence));
  EXPECT_EQ(customer("Acme Corporation").phone, "1");
}

TEST_F(FakeQuickBooksChangeTest, ModOfMissingListIdIs3120) {
  Entity ghost;
  ghost.list_id = "80000099-1422671082";
  ghost.edit_sequence = "1422671082";
  EXPECT_THAT(expect_error(run(mod("Vendor", ghost, "")), 3120),
              HasSubstr("\"80000099-1422671082\""));
  // A customer's ListID is not a vendor's.
  expect_error(run(mod("Vendor", customer("Acme Corporation"), "")), 3120);
}

TEST_F(FakeQuickBooksChangeTest, RenameFollowsNamingRules) {
  const Entity acme = customer("Acme Corporation");
  EXPECT_EQ(expect_error(run(mod("Customer", acme, "<Name>pat lee</Name>")), 3100),
            "The name \"pat lee\" of the list element is already in use.");
  expect_error(run(mod("Customer", acme, "<Name>A:B</Name>")), 3090);
  expect_ok(run(mod("Customer", acme, "<Name>ACME CORPORATION</Name>")));  // its own name, new case
  EXPECT_EQ(customer("ACME CORPORATION").list_id, acme.list_id);
}

TEST_F(FakeQuickBooksChangeTest, RenamingAParentRenamesItsJobs) {
  const std::string job_id = customer("Acme Corporation:Kitchen").list_id;
  expect_ok(run(mod("Customer", customer("Acme Corporation"), "<Name>Acme Holdings</Name>")));
  const auto rs =
      run(fmt::format("<CustomerQueryRq><ListID>{}</ListID></CustomerQueryRq>", job_id));
  EXPECT_STREQ(rs.child("CustomerRet").child_value("FullName"), "Acme Holdings:Kitchen");
  EXPECT_STREQ(rs.child("CustomerRet").child("ParentRef").child_value("FullName"), "Acme Holdings");
  expect_ok(run(add("Customer", "Acme Corporation")));  // the old name is free again
  expect_error(run(add_job("Kitchen", "Acme Holdings")), 3100);
}

TEST_F(FakeQuickBooksChangeTest, ModMovesAJobAndRefusesCycles) {
  expect_ok(run(add("Customer", "Beta LLC")));
  expect_ok(run(mod("Customer", customer("Acme Corporation:Kitchen"),
                    "<ParentRef><FullName>Beta LLC</FullName></ParentRef>")));
  EXPECT_EQ(customer("Beta LLC:Kitchen").sublevel, 1);
  expect_error(run(mod("Customer", customer("Beta LLC"),
                       "<ParentRef><FullName>Beta LLC:Kitchen</FullName></ParentRef>")),
               3130);
}

TEST_F(FakeQuickBooksChangeTest, DeactivatedNamesLeaveActiveOnlyQueriesButStillCollide) {
  expect_ok(
      run(mod("Vendor", find(company_.vendors, "Northwind Supply"), "<IsActive>false</IsActive>")));
  const auto rs = run("<VendorQueryRq/>");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 1);
  expect_error(run(add("Customer", "Northwind Supply")), 3100);
}

TEST_F(FakeQuickBooksChangeTest, VendorAddSampleAndVendorMod) {
  company_.vendors[0].name = company_.vendors[0].full_name = "Southwind";
  qb_->reindex();
  const auto outcome =
      qb_->process(test::read_file(test::reference_dir() / "samples/qbxml/VendorAddRq.xml"));
  ASSERT_TRUE(doc_.load_string(outcome.response.c_str()));
  const auto ret = doc_.child("QBXML").child("QBXMLMsgsRs").child("VendorAddRs").child("VendorRet");
  EXPECT_STREQ(ret.child_value("Name"), "Northwind Supply");
  EXPECT_STREQ(ret.child("VendorAddress").child_value("Addr2"), "4600 N. 1st St.");
  EXPECT_FALSE(ret.child("FullName"));
  expect_ok(run(mod("Vendor", find(company_.vendors, "Northwind Supply"),
                    "<Name>Northwind Supply Co</Name>")));
  EXPECT_EQ(company_.vendors.back().full_name, "Northwind Supply Co");
  EXPECT_EQ(run("<VendorQueryRq><FullName>northwind supply co</FullName></VendorQueryRq>")
                .attribute("statusCode")
                .as_int(),
            0);
}

}  // namespace
}  // namespace qblink::sim
