// FakeQuickBooks: CustomerQuery, VendorQuery, EmployeeQuery, OtherNameQuery.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <pugixml.hpp>
#include <regex>
#include <string>
#include <vector>

#include "sim/fake_quickbooks.h"
#include "sim/qb_test_support.h"
#include "sim/xsd_validator.h"
#include "support/test_support.h"

namespace qblink::sim {
namespace {

using test_support::message_set;
using test_support::qbxml_schema;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The same query with a different body, the way a sync builds them.
std::string customer_query(std::string_view inside, std::string_view attributes = "") {
  return fmt::format("<CustomerQueryRq requestID=\"q\"{}>{}</CustomerQueryRq>", attributes, inside);
}

constexpr const char* kCompany = R"({
  "customers": [
    {"name": "Acme Corporation", "company_name": "Acme Corporation", "first_name": "Jane",
     "last_name": "Doe", "phone": "650-555-0100", "email": "ap@acme.example", "balance": 100,
     "address": {"addr1": "100 Main St", "city": "Mountain View", "state": "CA", "postal_code": "94043"},
     "time_modified": "2024-01-10T09:00:00-08:00"},
    {"full_name": "Acme Corporation:Kitchen Remodel", "balance": 25.5,
     "time_modified": "2024-01-15T09:00:00-08:00"},
    {"name": "Acme Corporation Two", "time_modified": "2024-01-20T00:00:00-08:00"},
    {"name": "acme west", "time_modified": "2024-02-01T00:00:00-08:00"},
    {"name": "Beta LLC", "time_modified": "2024-02-01T00:00:01-08:00"},
    {"name": "Café Olé", "time_modified": "2024-03-01T12:00:00-08:00"},
    {"name": "Zeta Inactive", "is_active": false, "time_modified": "2024-01-01T00:00:00-08:00"}
  ],
  "vendors": [
    {"name": "Northwind Supply", "company_name": "Northwind Supply LLC",
     "address": {"addr1": "4600 N. 1st St.", "city": "San Jose"}},
    {"name": "Old Vendor Supply", "is_active": false}
  ],
  "employees": [{"name": "Pat Employee", "first_name": "Pat", "last_name": "Employee"}],
  "other_names": [{"name": "Otto Other", "company_name": "Otto Co"}]
})";

const std::vector<std::string> kActiveCustomers = {"Acme Corporation",
                                                   "Acme Corporation:Kitchen Remodel",
                                                   "Acme Corporation Two",
                                                   "acme west",
                                                   "Beta LLC",
                                                   "Café Olé"};

class FakeQuickBooksQueryTest : public ::testing::Test {
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

  // Runs a request document; expects a response that validates against the qbXML schema and
  // returns its QBXMLMsgsRs.
  pugi::xml_node run_document(const std::string& request) {
    const ProcessOutcome outcome = qb_->process(request);
    EXPECT_EQ(outcome.hresult, "") << outcome.detail;
    raw_ = outcome.response;
    const auto valid = qbxml_schema()->validate(raw_);
    EXPECT_TRUE(valid.valid) << valid.error << "\n" << raw_;
    EXPECT_TRUE(doc_.load_string(raw_.c_str()));
    return doc_.child("QBXML").child("QBXMLMsgsRs");
  }
  pugi::xml_node run(std::string_view body) { return run_document(message_set(body)); }
  pugi::xml_node run_sample(const std::string& name) {
    return run_document(test::read_file(test::reference_dir() / "samples/qbxml" / name));
  }

  // FullName (or Name, for lists without FullName) of every Ret in an Rs.
  static std::vector<std::string> names(const pugi::xml_node& rs) {
    std::vector<std::string> out;
    for (const auto& ret : rs.children()) {
      out.push_back(ret.child("FullName") ? ret.child_value("FullName") : ret.child_value("Name"));
    }
    return out;
  }
  static std::vector<std::string> element_names(const pugi::xml_node& node) {
    std::vector<std::string> out;
    for (const auto& child : node.children()) out.push_back(child.name());
    return out;
  }
  const Entity& customer(std::string_view full_name) const {
    for (const auto& e : company_.customers) {
      if (e.full_name == full_name) return e;
    }
    throw std::runtime_error("no customer " + std::string(full_name));
  }

  Company company_;
  std::unique_ptr<FakeQuickBooks> qb_;
  pugi::xml_document doc_;
  std::string raw_;
};

TEST_F(FakeQuickBooksQueryTest, ByFullNameReturnsOnlyTheIncludedElementsInCaptureShape) {
  const auto rs = run_sample("CustomerQueryRq_by-FullName.xml").child("CustomerQueryRs");
  EXPECT_THAT(
      raw_,
      ::testing::StartsWith(
          "<?xml version=\"1.0\" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<CustomerQueryRs requestID=\"1\" "
          "statusCode=\"0\" statusSeverity=\"Info\" statusMessage=\"Status OK\">\n<CustomerRet>\n"
          "<ListID>"));
  EXPECT_THAT(names(rs), ElementsAre("Acme Corporation", "Acme Corporation:Kitchen Remodel"));
  EXPECT_THAT(element_names(rs.first_child()),
              ElementsAre("ListID", "EditSequence", "FullName", "IsActive"));
  EXPECT_EQ(raw_.find("encoding"), std::string::npos) << "QuickBooks declares no encoding";
  EXPECT_EQ(qb_->records_returned(), 2u);
}

TEST_F(FakeQuickBooksQueryTest, MissingFullNameWarns500LikeTheCapture) {
  run("<CustomerQueryRq><FullName>bleech</FullName></CustomerQueryRq>");  // no requestID, as
                                                                          // captured
  const std::string capture =
      test::read_file(test::reference_dir() /
                      "captures/qbxml-responses/qbwc-gem_CustomerQueryRs-statusCode500-Warn.xml");
  const std::string expected =
      "<CustomerQueryRs statusCode=\"500\" statusSeverity=\"Warn\" statusMessage=\"The query "
      "request has not been "
      "fully completed. There was a required element (&quot;bleech&quot;) that could not be found "
      "in QuickBooks.\" />";
  EXPECT_THAT(capture, HasSubstr(expected));
  EXPECT_THAT(raw_, HasSubstr(expected + "\n"));
}

TEST_F(FakeQuickBooksQueryTest, SomeFullNamesMissingWarns500AndReturnsTheOthers) {
  const auto rs =
      run(customer_query("<FullName>acme CORPORATION</FullName><FullName>Nobody</FullName>"
                         "<FullName>Zeta Inactive</FullName>"))
          .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 500);
  EXPECT_STREQ(rs.attribute("statusSeverity").value(), "Warn");
  EXPECT_THAT(rs.attribute("statusMessage").value(), HasSubstr("(\"Nobody\")"));
  // Case-insensitive, and a name lookup ignores ActiveStatus.
  EXPECT_THAT(names(rs), ElementsAre("Acme Corporation", "Zeta Inactive"));
}

TEST_F(FakeQuickBooksQueryTest, FullNameOfAnotherListIsNotFound) {
  const auto rs =
      run(customer_query("<FullName>Northwind Supply</FullName>")).child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 500);
}

TEST_F(FakeQuickBooksQueryTest, MissingListIdIsError3120LikeTheCapture) {
  run("<CustomerQueryRq><ListID>8000001B-1405768916</ListID></CustomerQueryRq>");
  const std::string capture =
      test::read_file(test::reference_dir() /
                      "captures/qbxml-responses/qbwc-gem_CustomerQueryRs-statusCode3120-Error.xml");
  const std::string expected =
      "<CustomerQueryRs statusCode=\"3120\" statusSeverity=\"Error\" statusMessage=\"Object "
      "&quot;8000001B-1405768916&quot; specified in the request cannot be found.  QuickBooks error "
      "message: "
      "Invalid argument.  The specified record does not exist in the list.\" />";
  EXPECT_THAT(capture, HasSubstr(expected));
  EXPECT_THAT(raw_, HasSubstr(expected));
}

TEST_F(FakeQuickBooksQueryTest, ByListIdReturnsTheFullRetWithParentAndTotals) {
  const Entity& job = customer("Acme Corporation:Kitchen Remodel");
  const Entity& acme = customer("Acme Corporation");
  const auto rs = run(customer_query(fmt::format("<ListID>{}</ListID><ListID>{}</ListID>",
                                                 job.list_id, acme.list_id)))
                      .child("CustomerQueryRs");
  ASSERT_EQ(rs.attribute("statusCode").as_int(), 0);
  const auto job_ret = rs.first_child();
  EXPECT_THAT(
      element_names(job_ret),
      ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName",
                  "IsActive", "ParentRef", "Sublevel", "Balance", "TotalBalance", "JobStatus"));
  EXPECT_STREQ(job_ret.child("ParentRef").child_value("ListID"), acme.list_id.c_str());
  EXPECT_STREQ(job_ret.child("ParentRef").child_value("FullName"), "Acme Corporation");
  EXPECT_STREQ(job_ret.child_value("Name"), "Kitchen Remodel");
  EXPECT_STREQ(job_ret.child_value("Sublevel"), "1");
  EXPECT_STREQ(job_ret.child_value("TimeModified"), "2024-01-15T09:00:00-08:00");
  const auto acme_ret = job_ret.next_sibling();
  EXPECT_THAT(
      element_names(acme_ret),
      ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName",
                  "IsActive", "Sublevel", "CompanyName", "FirstName", "LastName", "BillAddress",
                  "Phone", "Email", "Balance", "TotalBalance", "JobStatus"));
  EXPECT_STREQ(acme_ret.child_value("Balance"), "100.00");
  EXPECT_STREQ(acme_ret.child_value("TotalBalance"), "125.50");
  EXPECT_THAT(element_names(acme_ret.child("BillAddress")),
              ElementsAre("Addr1", "City", "State", "PostalCode"));
}

TEST_F(FakeQuickBooksQueryTest, EmptyFilteredResultIsStatus1Info) {
  run(customer_query(
      "<NameFilter><MatchCriterion>StartsWith</MatchCriterion><Name>Nobody</Name></NameFilter>"));
  EXPECT_THAT(
      raw_,
      HasSubstr(
          "<CustomerQueryRs requestID=\"q\" statusCode=\"1\" statusSeverity=\"Info\" "
          "statusMessage=\"A query request did not find a matching object in QuickBooks\" />\n"));
}

TEST_F(FakeQuickBooksQueryTest, ActiveStatusDefaultsToActiveOnly) {
  EXPECT_EQ(names(run(customer_query("")).child("CustomerQueryRs")), kActiveCustomers);
  auto all = kActiveCustomers;
  all.push_back("Zeta Inactive");
  EXPECT_EQ(names(run(customer_query("<ActiveStatus>All</ActiveStatus>")).child("CustomerQueryRs")),
            all);
  EXPECT_THAT(names(run(customer_query("<ActiveStatus>InactiveOnly</ActiveStatus>"))
                        .child("CustomerQueryRs")),
              ElementsAre("Zeta Inactive"));
}

TEST_F(FakeQuickBooksQueryTest, RecordsComeInFullNameOrderIgnoringCaseWithJobsAfterTheirParent) {
  // Added in an unsorted order on purpose; "a" < "Acme" ignoring case, jobs follow the parent.
  run("<CustomerAddRq><CustomerAdd><Name>zz top</Name></CustomerAdd></CustomerAddRq>"
      "<CustomerAddRq><CustomerAdd><Name>a</Name></CustomerAdd></CustomerAddRq>"
      "<CustomerAddRq><CustomerAdd><Name>ACME CORPORATION "
      "THREE</Name></CustomerAdd></CustomerAddRq>"
      "<CustomerAddRq><CustomerAdd><Name>Bathroom</Name>"
      "<ParentRef><FullName>Acme Corporation</FullName></ParentRef></CustomerAdd></CustomerAddRq>");
  EXPECT_THAT(names(run(customer_query("")).child("CustomerQueryRs")),
              ElementsAre("a", "Acme Corporation", "Acme Corporation:Bathroom",
                          "Acme Corporation:Kitchen Remodel", "ACME CORPORATION THREE",
                          "Acme Corporation Two", "acme west", "Beta LLC", "Café Olé", "zz top"));
}

TEST_F(FakeQuickBooksQueryTest, NameFilterMatchesIgnoringCase) {
  const auto filter = [&](std::string_view criterion, std::string_view name) {
    return names(
        run(customer_query(fmt::format(
                "<NameFilter><MatchCriterion>{}</MatchCriterion><Name>{}</Name></NameFilter>",
                criterion, name)))
            .child("CustomerQueryRs"));
  };
  EXPECT_THAT(filter("StartsWith", "ACME"),
              ElementsAre("Acme Corporation", "Acme Corporation:Kitchen Remodel",
                          "Acme Corporation Two", "acme west"));
  EXPECT_THAT(filter("StartsWith", "acme corporation:"),
              ElementsAre("Acme Corporation:Kitchen Remodel"));
  EXPECT_THAT(filter("Contains", "REMODEL"), ElementsAre("Acme Corporation:Kitchen Remodel"));
  EXPECT_THAT(filter("Contains", "CAFÉ"), ElementsAre("Café Olé")) << "Latin-1 letters fold too";
  EXPECT_THAT(filter("EndsWith", "llc"), ElementsAre("Beta LLC"));
}

TEST_F(FakeQuickBooksQueryTest, NameRangeFilterIsInclusive) {
  EXPECT_THAT(
      names(run(customer_query(
                    "<NameRangeFilter><FromName>beta llc</FromName><ToName>Café Olé</ToName>"
                    "</NameRangeFilter>"))
                .child("CustomerQueryRs")),
      ElementsAre("Beta LLC", "Café Olé"));
  EXPECT_THAT(names(run(customer_query("<NameRangeFilter><FromName>B</FromName></NameRangeFilter>"))
                        .child("CustomerQueryRs")),
              ElementsAre("Beta LLC", "Café Olé"));
}

TEST_F(FakeQuickBooksQueryTest, NameRangeSampleWithTotalBalanceFilterAndRetCount) {
  const auto rs = run_sample("CustomerQueryRq_NameRangeFilter.xml").child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("retCount").as_int(), 2);
  EXPECT_THAT(names(rs), ElementsAre("Acme Corporation", "Acme Corporation:Kitchen Remodel"));
}

TEST_F(FakeQuickBooksQueryTest, ModifiedDateBoundsAreInclusive) {
  const auto query = [&](std::string_view filters) {
    return names(run(customer_query(filters)).child("CustomerQueryRs"));
  };
  EXPECT_THAT(query("<FromModifiedDate>2024-02-01T00:00:00-08:00</FromModifiedDate>"),
              ElementsAre("acme west", "Beta LLC", "Café Olé"));
  // No offset: the company's local time (-08:00).
  EXPECT_THAT(query("<FromModifiedDate>2024-01-20T00:00:00</FromModifiedDate>"
                    "<ToModifiedDate>2024-02-01T00:00:01</ToModifiedDate>"),
              ElementsAre("Acme Corporation Two", "acme west", "Beta LLC"));
  // Another offset naming the same instant as acme west's TimeModified.
  EXPECT_THAT(query("<FromModifiedDate>2024-02-01T08:00:00+00:00</FromModifiedDate>"
                    "<ToModifiedDate>2024-02-01T08:00:00+00:00</ToModifiedDate>"),
              ElementsAre("acme west"));
  // A date alone ends at the end of that day.
  EXPECT_THAT(query("<FromModifiedDate>2024-01-15</FromModifiedDate><ToModifiedDate>2024-01-15</"
                    "ToModifiedDate>"),
              ElementsAre("Acme Corporation:Kitchen Remodel"));
}

TEST_F(FakeQuickBooksQueryTest, BadDatesAreErrors) {
  auto rs = run(customer_query("<FromModifiedDate>2024-13-01</FromModifiedDate>"))
                .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 3020);
  EXPECT_STREQ(rs.attribute("statusSeverity").value(), "Error");
  EXPECT_THAT(rs.attribute("statusMessage").value(),
              HasSubstr("\"2024-13-01\" in the field \"FromModifiedDate\""));
  rs = run(customer_query("<FromModifiedDate>2024-02-02</"
                          "FromModifiedDate><ToModifiedDate>2024-02-01</ToModifiedDate>"))
           .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 3030);
}

TEST_F(FakeQuickBooksQueryTest, MaxReturnedLimitsAPlainQuery) {
  EXPECT_THAT(names(run(customer_query("<MaxReturned>2</MaxReturned>")).child("CustomerQueryRs")),
              ElementsAre("Acme Corporation", "Acme Corporation:Kitchen Remodel"));
}

TEST_F(FakeQuickBooksQueryTest, MetaDataOnlyCountsWithoutReturning) {
  const auto rs = run(customer_query("", " metaData=\"MetaDataOnly\"")).child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("retCount").as_int(), 6);
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 0);
  EXPECT_FALSE(rs.first_child());
  EXPECT_EQ(qb_->records_returned(), 0u);
}

TEST_F(FakeQuickBooksQueryTest, IteratorPagesWithRemainingCounts) {
  qb_->begin_session("");
  auto rs = run(customer_query("<MaxReturned>2</MaxReturned><ActiveStatus>All</ActiveStatus>"
                               "<IncludeRetElement>FullName</IncludeRetElement>",
                               " iterator=\"Start\""))
                .child("CustomerQueryRs");
  const std::string id = rs.attribute("iteratorID").value();
  EXPECT_TRUE(std::regex_match(
      id, std::regex(R"(\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\})")))
      << id;
  std::vector<std::string> seen = names(rs);
  std::vector<int> remaining = {rs.attribute("iteratorRemainingCount").as_int()};
  while (remaining.back() > 0) {
    rs = run(customer_query("<MaxReturned>2</MaxReturned>",
                            fmt::format(" iterator=\"Continue\" iteratorID=\"{}\"", id)))
             .child("CustomerQueryRs");
    EXPECT_EQ(rs.attribute("statusCode").as_int(), 0);
    EXPECT_STREQ(rs.attribute("iteratorID").value(), id.c_str());
    EXPECT_THAT(element_names(rs.first_child()), ElementsAre("FullName"))
        << "the Start's IncludeRetElement holds";
    for (auto& name : names(rs)) seen.push_back(name);
    remaining.push_back(rs.attribute("iteratorRemainingCount").as_int());
  }
  EXPECT_THAT(remaining, ElementsAre(5, 3, 1, 0));
  auto all = kActiveCustomers;
  all.push_back("Zeta Inactive");
  EXPECT_EQ(seen, all);
  EXPECT_EQ(qb_->records_returned(), 7u);

  // Past the end: nothing more, and the iterator still answers.
  rs = run(customer_query("<MaxReturned>2</MaxReturned>",
                          fmt::format(" iterator=\"Continue\" iteratorID=\"{}\"", id)))
           .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 1);
  EXPECT_EQ(rs.attribute("iteratorRemainingCount").as_int(), 0);
}

TEST_F(FakeQuickBooksQueryTest, IteratorDiesWithTheSession) {
  qb_->begin_session("");
  auto rs = run(customer_query("<MaxReturned>2</MaxReturned>", " iterator=\"Start\""))
                .child("CustomerQueryRs");
  const std::string id = rs.attribute("iteratorID").value();
  qb_->end_session();
  qb_->begin_session("");
  rs = run(customer_query("<MaxReturned>2</MaxReturned>",
                          fmt::format(" iterator=\"Continue\" iteratorID=\"{}\"", id)))
           .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 3391);
  EXPECT_STREQ(rs.attribute("statusSeverity").value(), "Error");
  EXPECT_EQ(rs.attribute("statusMessage").value(),
            fmt::format("The iteratorID \"{}\" is not valid.", id));
  EXPECT_FALSE(rs.first_child());
}

TEST_F(FakeQuickBooksQueryTest, IteratorBelongsToItsList) {
  auto rs = run(customer_query("<MaxReturned>1</MaxReturned>", " iterator=\"Start\""))
                .child("CustomerQueryRs");
  const std::string id = rs.attribute("iteratorID").value();
  rs = run(fmt::format(
               "<VendorQueryRq iterator=\"Continue\" iteratorID=\"{}\"><MaxReturned>1</MaxReturned>"
               "</VendorQueryRq>",
               id))
           .child("VendorQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 3391);
}

TEST_F(FakeQuickBooksQueryTest, IteratorStopEndsIt) {
  auto rs = run(customer_query("<MaxReturned>1</MaxReturned>", " iterator=\"Start\""))
                .child("CustomerQueryRs");
  const std::string id = rs.attribute("iteratorID").value();
  rs = run(customer_query("", fmt::format(" iterator=\"Stop\" iteratorID=\"{}\"", id)))
           .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 0);
  EXPECT_EQ(rs.attribute("iteratorRemainingCount").as_int(), 0);
  rs = run(customer_query("", fmt::format(" iterator=\"Continue\" iteratorID=\"{}\"", id)))
           .child("CustomerQueryRs");
  EXPECT_EQ(rs.attribute("statusCode").as_int(), 3391);
}

TEST_F(FakeQuickBooksQueryTest, NonAsciiIsWrittenAsCharacterReferences) {
  const auto rs = run(customer_query("<FullName>CAFÉ OLÉ</FullName>")).child("CustomerQueryRs");
  EXPECT_THAT(raw_, HasSubstr("<Name>Caf&#233; Ol&#233;</Name>"));
  EXPECT_TRUE(std::all_of(raw_.begin(), raw_.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  EXPECT_STREQ(rs.first_child().child_value("Name"), "Café Olé");
}

TEST_F(FakeQuickBooksQueryTest, VendorQuerySampleReturnsFlatVendorRets) {
  const auto rs = run_sample("VendorQueryRq.xml").child("VendorQueryRs");
  EXPECT_EQ(rs.attribute("iteratorRemainingCount").as_int(), 0);
  EXPECT_THAT(names(rs), ElementsAre("Northwind Supply", "Old Vendor Supply"));
  const auto ret = rs.first_child();
  EXPECT_FALSE(ret.child("FullName")) << "VendorRet has no FullName";
  EXPECT_FALSE(ret.child("Sublevel"));
  EXPECT_STREQ(ret.child("VendorAddress").child_value("City"), "San Jose");
  EXPECT_STREQ(ret.child_value("Balance"), "0.00");
}

TEST_F(FakeQuickBooksQueryTest, EmployeeAndOtherNameQueries) {
  const auto msgs =
      run("<EmployeeQueryRq requestID=\"e\"/><OtherNameQueryRq requestID=\"o\">"
          "<FullName>otto other</FullName></OtherNameQueryRq>");
  const auto employees = msgs.child("EmployeeQueryRs");
  EXPECT_THAT(names(employees), ElementsAre("Pat Employee"));
  EXPECT_STREQ(employees.first_child().child_value("FirstName"), "Pat");
  const auto others = msgs.child("OtherNameQueryRs");
  EXPECT_THAT(names(others), ElementsAre("Otto Other"));
  EXPECT_STREQ(others.first_child().child_value("CompanyName"), "Otto Co");
}

TEST_F(FakeQuickBooksQueryTest, EveryValidSampleGetsAValidResponse) {
  for (const auto& entry :
       std::filesystem::directory_iterator(test::reference_dir() / "samples/qbxml")) {
    if (entry.path().extension() != ".xml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    const auto msgs = run_document(test::read_file(entry.path()));
    EXPECT_TRUE(msgs.first_child()) << raw_;
  }
}

}  // namespace
}  // namespace qblink::sim
