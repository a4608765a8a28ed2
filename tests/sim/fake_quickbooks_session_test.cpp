// FakeQuickBooks: sessions and the HCP response, message sets (onError, requestID), refused
// requests (hresult 0x80040400), counters and paging speed.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
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

#define REQUIRE_REFERENCE()                                                                    \
  if (!test::has_reference()) {                                                                \
    FAIL() << "the reference folder " << test::reference_dir()                                 \
           << " is missing; configure with -DQBLINK_REFERENCE_DIR=<path to shared/reference>"; \
  }

constexpr std::string_view kOwner = "{68b5925b-4347-4784-e58d-35a2d190962f}";
const std::regex kGuid(R"(\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\})");

// Element paths below `node` in document order ("HostRet/ProductName", ...), with runs of the
// same repeated element collapsed: the shape of a response, not its values.
void collect_shape(const pugi::xml_node& node, const std::string& prefix,
                   std::vector<std::string>& out) {
  for (const auto& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    const std::string path = prefix + child.name();
    if (out.empty() || out.back() != path) out.push_back(path);
    collect_shape(child, path + "/", out);
  }
}
std::vector<std::string> shape(const pugi::xml_node& node) {
  std::vector<std::string> out;
  collect_shape(node, "", out);
  return out;
}

class FakeQuickBooksSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_REFERENCE();
    company_ = parse_company_json(
        R"({"customers":[{"name":"Acme"},{"name":"Beta"}],"vendors":[{"name":"Vee"}]})");
    FakeQuickBooksOptions options;
    options.validator = qbxml_schema();
    qb_ = std::make_unique<FakeQuickBooks>(company_, options);
  }

  // The Rs elements of a processed message set (which must validate against the XSD).
  std::vector<pugi::xml_node> run(std::string_view body,
                                  std::string_view on_error = "stopOnError") {
    const ProcessOutcome outcome = qb_->process(message_set(body, on_error));
    EXPECT_EQ(outcome.hresult, "") << outcome.detail;
    raw_ = outcome.response;
    const auto valid = qbxml_schema()->validate(raw_);
    EXPECT_TRUE(valid.valid) << valid.error << "\n" << raw_;
    EXPECT_TRUE(doc_.load_string(raw_.c_str()));
    std::vector<pugi::xml_node> out;
    for (const auto& rs : doc_.child("QBXML").child("QBXMLMsgsRs").children()) out.push_back(rs);
    return out;
  }

  void expect_refused(const ProcessOutcome& outcome) {
    EXPECT_EQ(outcome.hresult, "0x80040400");
    EXPECT_EQ(outcome.message,
              "QuickBooks found an error when parsing the provided XML text stream.");
    EXPECT_EQ(outcome.response, "");
    EXPECT_NE(outcome.detail, "");
  }

  static std::vector<std::string> summary(const std::vector<pugi::xml_node>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) {
      out.push_back(fmt::format("{} {} {}", r.name(), r.attribute("requestID").value(),
                                r.attribute("statusCode").value()));
    }
    return out;
  }

  Company company_;
  std::unique_ptr<FakeQuickBooks> qb_;
  pugi::xml_document doc_;
  std::string raw_;
};

TEST_F(FakeQuickBooksSessionTest, BeginSessionCreatesTheFileIdOnceAndKeepsIt) {
  EXPECT_FALSE(qb_->in_session());
  qb_->begin_session(std::string(kOwner));
  EXPECT_TRUE(qb_->in_session());
  ASSERT_TRUE(company_.file_ids.contains(std::string(kOwner)));
  const std::string file_id = company_.file_ids.at(std::string(kOwner));
  EXPECT_TRUE(std::regex_match(file_id, kGuid)) << file_id;
  qb_->end_session();
  qb_->begin_session(std::string(kOwner));
  EXPECT_EQ(company_.file_ids.at(std::string(kOwner)), file_id);
  qb_->begin_session("");
  EXPECT_EQ(company_.file_ids.size(), 1u);
}

TEST_F(FakeQuickBooksSessionTest, HcpResponseHasTheShapeOfTheCaptureAndValidates) {
  qb_->begin_session(std::string(kOwner));
  const std::string hcp = qb_->hcp_response();
  const auto valid = qbxml_schema()->validate(hcp);
  EXPECT_TRUE(valid.valid) << valid.error;

  pugi::xml_document ours;
  ASSERT_TRUE(ours.load_string(hcp.c_str()));
  pugi::xml_document capture;
  ASSERT_TRUE(
      capture.load_file((test::reference_dir() /
                         "captures/qbxml-responses/"
                         "QBPro2006_strHCPResponse_HostQuery-CompanyQuery-PreferencesQuery.xml")
                            .c_str()));
  const auto our_msgs = ours.child("QBXML").child("QBXMLMsgsRs");
  const auto their_msgs = capture.child("QBXML").child("QBXMLMsgsRs");
  EXPECT_EQ(shape(our_msgs), shape(their_msgs));
  for (const auto& [ours_rs, theirs_rs] :
       {std::pair{our_msgs.child("HostQueryRs"), their_msgs.child("HostQueryRs")},
        std::pair{our_msgs.child("CompanyQueryRs"), their_msgs.child("CompanyQueryRs")},
        std::pair{our_msgs.child("PreferencesQueryRs"), their_msgs.child("PreferencesQueryRs")}}) {
    EXPECT_STREQ(ours_rs.attribute("requestID").value(), theirs_rs.attribute("requestID").value());
  }
  EXPECT_THAT(hcp,
              ::testing::StartsWith(
                  "<?xml version=\"1.0\" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<HostQueryRs requestID=\"0\" "
                  "statusCode=\"0\" statusSeverity=\"Info\" statusMessage=\"Status OK\">\n"));

  const auto host = our_msgs.child("HostQueryRs").child("HostRet");
  EXPECT_STREQ(host.child_value("ProductName"), "QuickBooks Pro 2014");
  EXPECT_STREQ(host.child_value("MajorVersion"), "24");
  EXPECT_STREQ(host.child_value("Country"), "US");
  std::vector<std::string> versions;
  for (const auto& v : host.children("SupportedQBXMLVersion"))
    versions.emplace_back(v.text().get());
  EXPECT_EQ(versions.front(), "1.0");
  EXPECT_EQ(versions.back(), "13.0") << "the highest is the company's";
  EXPECT_EQ(versions.size(), 16u);

  const auto company = our_msgs.child("CompanyQueryRs").child("CompanyRet");
  EXPECT_STREQ(company.child_value("CompanyName"), "Sample Company");
  bool found = false;
  for (const auto& ext : company.children("DataExtRet")) {
    EXPECT_STREQ(ext.child_value("OwnerID"), std::string(kOwner).c_str());
    if (std::string_view(ext.child_value("DataExtName")) == "FileID") {
      found = true;
      EXPECT_EQ(ext.child_value("DataExtValue"), company_.file_ids.at(std::string(kOwner)));
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(FakeQuickBooksSessionTest, HcpListsOnlyVersionsUpToTheCompanys) {
  company_.qbxml_major = 5;
  company_.product_name = "QuickBooks Pro 2006";
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(qb_->hcp_response().c_str()));
  const auto host = doc.child("QBXML").child("QBXMLMsgsRs").child("HostQueryRs").child("HostRet");
  std::vector<std::string> versions;
  for (const auto& v : host.children("SupportedQBXMLVersion"))
    versions.emplace_back(v.text().get());
  EXPECT_THAT(versions,
              ElementsAre("1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0"));  // as captured
  EXPECT_STREQ(host.child_value("MajorVersion"), "16");
  EXPECT_FALSE(doc.child("QBXML")
                   .child("QBXMLMsgsRs")
                   .child("CompanyQueryRs")
                   .child("CompanyRet")
                   .child("DataExtRet"))
      << "no session, no owner";
}

TEST_F(FakeQuickBooksSessionTest, HostCompanyAndPreferencesQueriesAlsoRunAsRequests) {
  const auto rs =
      run("<HostQueryRq requestID=\"h\"/><CompanyQueryRq requestID=\"c\"/><PreferencesQueryRq "
          "requestID=\"p\"/>");
  EXPECT_THAT(summary(rs),
              ElementsAre("HostQueryRs h 0", "CompanyQueryRs c 0", "PreferencesQueryRs p 0"));
}

TEST_F(FakeQuickBooksSessionTest, StopOnErrorStopsAtTheFirstError) {
  const auto rs = run(
      "<CustomerAddRq requestID=\"1\"><CustomerAdd><Name>New</Name></CustomerAdd></CustomerAddRq>"
      "<CustomerAddRq requestID=\"2\"><CustomerAdd><Name>ACME</Name></CustomerAdd></CustomerAddRq>"
      "<CustomerAddRq "
      "requestID=\"3\"><CustomerAdd><Name>Later</Name></CustomerAdd></CustomerAddRq>");
  EXPECT_THAT(summary(rs), ElementsAre("CustomerAddRs 1 0", "CustomerAddRs 2 3100"));
  EXPECT_EQ(company_.customers.size(), 3u) << "Later was never added";
  EXPECT_EQ(qb_->requests_processed(), 2u);
}

TEST_F(FakeQuickBooksSessionTest, WarningsAndInfoDoNotStopAMessageSet) {
  const auto rs =
      run("<CustomerQueryRq requestID=\"1\"><FullName>Nobody</FullName></CustomerQueryRq>"
          "<VendorQueryRq requestID=\"2\"><ActiveStatus>InactiveOnly</ActiveStatus></VendorQueryRq>"
          "<CustomerQueryRq requestID=\"3\"><FullName>Acme</FullName></CustomerQueryRq>");
  EXPECT_THAT(summary(rs),
              ElementsAre("CustomerQueryRs 1 500", "VendorQueryRs 2 1", "CustomerQueryRs 3 0"));
}

TEST_F(FakeQuickBooksSessionTest, ContinueOnErrorAnswersEveryRequestInOrder) {
  const auto rs =
      run("<CustomerAddRq "
          "requestID=\"ext-mix-1\"><CustomerAdd><Name>New</Name></CustomerAdd></CustomerAddRq>"
          "<CustomerAddRq "
          "requestID=\"ext-mix-2\"><CustomerAdd><Name>new</Name></CustomerAdd></CustomerAddRq>"
          "<CustomerAddRq "
          "requestID=\"ext-mix-4\"><CustomerAdd><Name>Job</Name><ParentRef><FullName>Nope"
          "</FullName></ParentRef></CustomerAdd></CustomerAddRq>"
          "<ItemQueryRq requestID=\"item\"/>"
          "<CustomerAddRq "
          "requestID=\"ext-mix-5\"><CustomerAdd><Name>Last</Name></CustomerAdd></CustomerAddRq>",
          "continueOnError");
  EXPECT_THAT(summary(rs), ElementsAre("CustomerAddRs ext-mix-1 0", "CustomerAddRs ext-mix-2 3100",
                                       "CustomerAddRs ext-mix-4 3130", "ItemQueryRs item 1030",
                                       "CustomerAddRs ext-mix-5 0"));
  EXPECT_EQ(qb_->requests_processed(), 5u);
}

TEST_F(FakeQuickBooksSessionTest, RequestIdIsEchoedOnlyWhenSent) {
  const auto rs =
      run("<CustomerQueryRq requestID=\"Q3VzdG9tZXJBZGR8MTU=\"/><CustomerQueryRq/>"
          "<CustomerQueryRq requestID=\"&lt;&amp;&quot;\"><ListID>nope</ListID></CustomerQueryRq>",
          "continueOnError");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_STREQ(rs[0].attribute("requestID").value(), "Q3VzdG9tZXJBZGR8MTU=");
  EXPECT_FALSE(rs[1].attribute("requestID"));
  EXPECT_STREQ(rs[2].attribute("requestID").value(), "<&\"");
  EXPECT_THAT(raw_, HasSubstr("requestID=\"&lt;&amp;&quot;\" statusCode=\"3120\""));
}

TEST_F(FakeQuickBooksSessionTest, EveryInvalidSampleIsRefusedWithoutRunning) {
  const auto before = company_;
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(test::reference_dir() / "samples/qbxml/invalid")) {
    SCOPED_TRACE(entry.path().filename().string());
    expect_refused(qb_->process(test::read_file(entry.path())));
    ++files;
  }
  EXPECT_EQ(files, 5u);
  EXPECT_EQ(qb_->invalid_requests(), 5u);
  EXPECT_EQ(qb_->requests_processed(), 0u);
  EXPECT_EQ(company_, before);
}

TEST_F(FakeQuickBooksSessionTest, OneBadRequestRefusesTheWholeSet) {
  const auto outcome = qb_->process(
      message_set("<CustomerAddRq><CustomerAdd><Name>Good</Name></CustomerAdd></CustomerAddRq>"
                  "<CustomerAddRq><CustomerAdd><Phone>1</Phone><Name>Bad</Name></CustomerAdd></"
                  "CustomerAddRq>"));
  expect_refused(outcome);
  EXPECT_EQ(company_.customers.size(), 2u);
}

TEST_F(FakeQuickBooksSessionTest, VersionAboveTheCompanysIsRefused) {
  expect_refused(qb_->process(message_set("<CustomerQueryRq/>", "stopOnError", "14.0")));
  expect_refused(qb_->process(message_set("<CustomerQueryRq/>", "stopOnError", "13.1")));
  EXPECT_EQ(qb_->process(message_set("<CustomerQueryRq/>", "stopOnError", "5.0")).hresult, "");
  company_.qbxml_major = 5;
  const auto outcome = qb_->process(message_set("<CustomerQueryRq/>", "stopOnError", "13.0"));
  expect_refused(outcome);
  EXPECT_THAT(outcome.detail, HasSubstr("13.0 is above the 5.0"));
  EXPECT_EQ(qb_->invalid_requests(), 3u);
}

TEST_F(FakeQuickBooksSessionTest, RefusesWhatIsNotAQbxmlRequestEvenWithoutTheSchema) {
  FakeQuickBooks lenient(company_);
  const std::string valid = message_set("<CustomerQueryRq/>");
  const std::vector<std::string> bad = {
      "",
      "not xml",
      valid.substr(0, valid.size() - 10),                         // truncated
      "<QBXML><QBXMLMsgsRq onError=\"stopOnError\"/></QBXML>",    // no <?qbxml?>
      "<?qbxml version=\"13.0\"?><QBXML><QBXMLMsgsRq/></QBXML>",  // no onError
      "<?qbxml version=\"13.0\"?><QBXML><QBXMLMsgsRq onError=\"sometimes\"/></QBXML>",
      "<?qbxml version=\"13.0\"?><Other/>",
      "<?qbxml version=\"thirteen\"?><QBXML><QBXMLMsgsRq onError=\"stopOnError\"/></QBXML>",
      "<?qbxml version=\"13.0\"?><!DOCTYPE QBXML [<!ENTITY x \"y\">]><QBXML><QBXMLMsgsRq "
      "onError=\"stopOnError\"/></QBXML>",
      message_set("<CustomerAddRq><CustomerAdd><Phone>1</Phone></CustomerAdd></"
                  "CustomerAddRq>"),  // no Name
      message_set("<CustomerModRq><CustomerMod><ListID>1</ListID></CustomerMod></"
                  "CustomerModRq>"),  // no EditSequence
      message_set("<CustomerQueryRq><MaxReturned>0</MaxReturned></CustomerQueryRq>"),
      message_set("<CustomerQueryRq iterator=\"Continue\"/>"),  // no iteratorID
  };
  for (const auto& request : bad) {
    SCOPED_TRACE(request);
    expect_refused(lenient.process(request));
  }
  EXPECT_EQ(lenient.invalid_requests(), bad.size());
  EXPECT_EQ(lenient.process(valid).hresult, "");
}

TEST_F(FakeQuickBooksSessionTest, LoadsTheSchemaFromXsdDir) {
  FakeQuickBooksOptions options;
  options.xsd_dir = test::reference_dir() / "qbxml/13.0";
  FakeQuickBooks strict(company_, options);
  expect_refused(strict.process(test::read_file(
      test::reference_dir() / "samples/qbxml/invalid/CustomerAddRq_out-of-order.xml")));
  options.xsd_dir = test::reference_dir() / "no-such-folder";
  EXPECT_THROW(FakeQuickBooks(company_, options), std::runtime_error);
}

TEST_F(FakeQuickBooksSessionTest, SeesEntriesTheCallerAddsDirectly) {
  Entity added;
  added.name = "Direct";
  added.notes = "ring\x07 twice\r\nthen stop";  // a control character XML cannot carry
  company_.customers.push_back(added);          // no list_id: the fake completes it
  const auto rs = run("<CustomerQueryRq><FullName>direct</FullName></CustomerQueryRq>");
  EXPECT_EQ(rs.at(0).attribute("statusCode").as_int(), 0);
  EXPECT_THAT(raw_, HasSubstr("<Notes>ring&#65533; twice&#13;\nthen stop</Notes>"));
  EXPECT_FALSE(company_.customers.back().list_id.empty());
}

TEST_F(FakeQuickBooksSessionTest, PagesTwentyThousandCustomersQuickly) {
  Company big;
  big.customers.reserve(20000);
  for (int i = 0; i < 20000; ++i) {
    Entity e;
    e.name = fmt::format("Customer {:05}", (i * 7919) % 20000);  // unsorted on purpose
    big.customers.push_back(std::move(e));
  }
  FakeQuickBooks qb(big);  // no schema: measure the fake, not libxml2
  qb.begin_session("");
  const auto started = std::chrono::steady_clock::now();
  std::string response =
      qb.process(message_set("<CustomerQueryRq iterator=\"Start\"><MaxReturned>500</MaxReturned>"
                             "<ActiveStatus>All</ActiveStatus></CustomerQueryRq>"))
          .response;
  std::size_t pages = 1;
  pugi::xml_document doc;
  std::string previous_last;
  for (;;) {
    ASSERT_TRUE(doc.load_string(response.c_str()));
    const auto rs = doc.child("QBXML").child("QBXMLMsgsRs").child("CustomerQueryRs");
    const std::string first = rs.first_child().child_value("Name");
    EXPECT_LT(previous_last, first) << "pages continue in order";
    previous_last = rs.last_child().child_value("Name");
    if (rs.attribute("iteratorRemainingCount").as_int() == 0) break;
    response = qb.process(message_set(fmt::format(
                              "<CustomerQueryRq iterator=\"Continue\" iteratorID=\"{}\">"
                              "<MaxReturned>500</MaxReturned></CustomerQueryRq>",
                              rs.attribute("iteratorID").value())))
                   .response;
    ++pages;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(pages, 40u);
  EXPECT_EQ(previous_last, "Customer 19999");
  EXPECT_EQ(qb.records_returned(), 20000u);
  // Generous: a sanitizer build is several times slower than a release one (~0.1 s).
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 3000);
}

}  // namespace
}  // namespace qblink::sim
