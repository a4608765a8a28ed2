// MessageSetBuilder: schema order and validity (xmllint against qbxmlops130.xsd), the samples'
// exact shape, escaping, shortening, and what each qbXML version may contain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <pugixml.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "qbxml/qbxml.h"
#include "qbxml_test_util.h"
#include "support/test_support.h"

namespace qblink::qbxml {
namespace {

using test::ValidateDocument;
using test::ValidateDocuments;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr Version k13{13, 0};

AddFields full_fields() {
  AddFields f;
  f.name = "Acme Corporation";
  f.company_name = "Acme Corporation";
  f.first_name = "Jane";
  f.last_name = "Doe";
  f.addr1 = "Acme Corporation";
  f.addr2 = "100 Main St. & 2nd Ave";
  f.city = "Mountain View";
  f.state = "CA";
  f.postal_code = "94043";
  f.country = "US";
  f.phone = "650-555-0100";
  f.email = "ap@acme.example";
  return f;
}

std::string build(const ListQuery& q, Version v = k13, OnError e = OnError::StopOnError) {
  MessageSetBuilder b(v, e);
  b.add(q);
  return b.finish();
}

std::string build(const AddRequest& r, std::vector<Shortened>* shortened = nullptr,
                  Version v = k13) {
  MessageSetBuilder b(v, OnError::StopOnError);
  b.add(r, shortened);
  return b.finish();
}

// Element names of the children of the first element called `parent`, in order.
std::vector<std::string> children_of(const std::string& xml, const char* parent) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str()));
  std::vector<std::string> names;
  const auto node = doc.select_node((std::string("//") + parent).c_str()).node();
  for (auto c : node.children()) names.emplace_back(c.name());
  return names;
}

std::vector<std::string> include_ret_elements(const std::string& xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str()));
  std::vector<std::string> out;
  for (const auto& n : doc.select_nodes("//IncludeRetElement")) {
    out.emplace_back(n.node().child_value());
  }
  return out;
}

// ---- document frame --------------------------------------------------------------------------

TEST(MessageSetBuilderTest, WritesBothProcessingInstructionsAndOnError) {
  ListQuery q;
  q.full_names = {"A"};
  const std::string stop = build(q);
  EXPECT_EQ(stop.rfind("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<?qbxml version=\"13.0\"?>\n"
                       "<QBXML>\n  <QBXMLMsgsRq onError=\"stopOnError\">\n",
                       0),
            0u)
      << stop;
  EXPECT_THAT(build(q, k13, OnError::ContinueOnError),
              HasSubstr("<QBXMLMsgsRq onError=\"continueOnError\">"));
  EXPECT_THAT(stop, testing::EndsWith("  </QBXMLMsgsRq>\n</QBXML>\n"));
}

TEST(MessageSetBuilderTest, IsEmptyUntilSomethingIsAdded) {
  MessageSetBuilder b(k13, OnError::StopOnError);
  EXPECT_TRUE(b.empty());
  b.add(ListQuery{});
  EXPECT_FALSE(b.empty());
}

TEST(MessageSetBuilderTest, PutsARequestIdOnEveryRequestAndNumbersMissingOnes) {
  MessageSetBuilder b(k13, OnError::ContinueOnError);
  ListQuery q;
  q.full_names = {"X"};
  b.add(q);  // no id: numbered 1
  q.request_id = "mine";
  q.kind = ListKind::Vendor;
  b.add(q);
  AddRequest a;
  a.fields.name = "X";
  b.add(a);  // third request: 3
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(b.finish().c_str()));
  std::vector<std::string> ids;
  for (auto rq : doc.child("QBXML").child("QBXMLMsgsRq").children()) {
    ids.emplace_back(rq.attribute("requestID").value());
  }
  EXPECT_THAT(ids, ElementsAre("1", "mine", "3"));
}

// ---- the samples, byte for byte --------------------------------------------------------------

TEST(MessageSetBuilderTest, MatchesSampleQueryByListId) {
  ASSERT_TRUE(test::has_reference()) << test::reference_missing_message();
  ListQuery q;
  q.request_id = "5";
  q.list_ids = {"80000001-1422671082"};
  q.names_only = false;
  EXPECT_EQ(build(q), test::read_file(test::qbxml_samples() / "CustomerQueryRq_by-ListID.xml"));
}

TEST(MessageSetBuilderTest, MatchesSampleIteratorContinue) {
  ASSERT_TRUE(test::has_reference()) << test::reference_missing_message();
  ListQuery q;
  q.request_id = "3";
  q.iterator = Iterator::Continue;
  q.iterator_id = "{84ff5521-205d-46b6-9d44-7b6b9acb7165}";
  q.max_returned = 100;
  q.active_status_all = false;
  q.names_only = false;
  EXPECT_EQ(build(q),
            test::read_file(test::qbxml_samples() / "CustomerQueryRq_iterator-Continue.xml"));
}

TEST(MessageSetBuilderTest, MatchesSampleCustomerAndVendorMessageSet) {
  ASSERT_TRUE(test::has_reference()) << test::reference_missing_message();
  MessageSetBuilder b(k13, OnError::ContinueOnError);
  ListQuery q;
  q.request_id = "c-1";
  q.full_names = {"Northwind Supply"};
  q.names_only = false;
  b.add(q);
  q.kind = ListKind::Vendor;
  q.request_id = "v-1";
  b.add(q);
  EXPECT_EQ(b.finish(),
            test::read_file(test::qbxml_samples() /
                            "MessageSet_CustomerQuery-and-VendorQuery_continueOnError.xml"));
}

// ---- our goldens in qbxml/ ------------------------------------------------------------------

struct Golden {
  const char* file;
  std::string xml;
};

std::vector<Golden> goldens() {
  std::vector<Golden> out;
  {
    ListQuery q;
    q.request_id = "page-1";
    q.iterator = Iterator::Start;
    q.max_returned = 500;
    q.from_modified_date = "2024-03-10T01:30:00-08:00";
    out.push_back({"CustomerQueryRq_page-start.xml", build(q)});
    q.request_id = "page-2";
    q.iterator = Iterator::Continue;
    q.iterator_id = "{84ff5521-205d-46b6-9d44-7b6b9acb7165}";
    out.push_back({"CustomerQueryRq_page-continue.xml", build(q)});
  }
  {
    ListQuery q;
    q.kind = ListKind::Vendor;
    q.request_id = "vendors-1";
    q.iterator = Iterator::Start;
    q.max_returned = 500;
    out.push_back({"VendorQueryRq_page-start.xml", build(q)});
  }
  {
    // The name-collision check: one name against all four name lists.
    MessageSetBuilder b(k13, OnError::ContinueOnError);
    for (ListKind kind :
         {ListKind::Customer, ListKind::Vendor, ListKind::Employee, ListKind::OtherName}) {
      ListQuery q;
      q.kind = kind;
      q.request_id = "name-" + std::string(list_element(kind));
      q.full_names = {"Café Olé & Sons", "O'Brien \"Books\""};
      b.add(q);
    }
    out.push_back({"MessageSet_name-collision-check.xml", b.finish()});
  }
  {
    AddRequest a;
    a.request_id = "add-c-1";
    a.fields = full_fields();
    out.push_back({"CustomerAddRq_full.xml", build(a)});
  }
  {
    AddRequest a;
    a.request_id = "add-job-1";
    a.fields.name = "Kitchen Remodel";
    a.fields.parent_full_name = "Acme Corporation";
    out.push_back({"CustomerAddRq_job.xml", build(a)});
  }
  {
    AddRequest a;
    a.kind = ListKind::Vendor;
    a.request_id = "add-v-1";
    a.fields = full_fields();
    a.fields.name = "Northwind Supply";
    out.push_back({"VendorAddRq_full.xml", build(a)});
  }
  return out;
}

// Rewrite with QBLINK_UPDATE_GOLDEN=1 after an intended change, then review the diff.
TEST(MessageSetBuilderTest, MatchesOurGoldenRequests) {
  const bool update = std::getenv("QBLINK_UPDATE_GOLDEN") != nullptr;
  for (const auto& g : goldens()) {
    const auto path = test::qbxml_goldens() / g.file;
    if (update) test::write_file(path, g.xml);
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing (QBLINK_UPDATE_GOLDEN=1)";
    EXPECT_EQ(g.xml, test::read_file(path)) << g.file;
  }
}

TEST(MessageSetBuilderTest, OurGoldenRequestsValidate) {
  std::vector<std::filesystem::path> files;
  for (const auto& g : goldens()) files.push_back(test::qbxml_goldens() / g.file);
  EXPECT_TRUE(test::ValidateFiles(files));
}

// The validator must be able to fail, or every "validates" above proves nothing.
TEST(MessageSetBuilderTest, ValidatorRejectsTheInvalidSamples) {
  ASSERT_TRUE(test::has_reference()) << test::reference_missing_message();
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::qbxml_samples() / "invalid")) {
    EXPECT_FALSE(test::ValidateFiles({e.path()})) << e.path();
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

// ---- every kind of request validates -----------------------------------------------------------

TEST(MessageSetBuilderTest, EveryKindOfQueryValidates) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (ListKind kind :
       {ListKind::Customer, ListKind::Vendor, ListKind::Employee, ListKind::OtherName}) {
    const std::string k(list_element(kind));
    for (bool names_only : {true, false}) {
      const std::string suffix = k + (names_only ? "-names" : "-full");
      ListQuery q;
      q.kind = kind;
      q.names_only = names_only;
      docs.emplace_back("plain-" + suffix, build(q));
      q.full_names = {"A & B", "Zoë <Z>"};
      docs.emplace_back("by-name-" + suffix, build(q));
      q.full_names.clear();
      q.list_ids = {"80000001-1422671082", "8000001B-1405768916"};
      docs.emplace_back("by-id-" + suffix, build(q));
      q.list_ids.clear();
      q.max_returned = 100;
      q.from_modified_date = "2024-01-01T00:00:00";
      docs.emplace_back("filtered-" + suffix, build(q));
      q.active_status_all = false;
      docs.emplace_back("filtered-active-only-" + suffix, build(q));
      if (kind == ListKind::Customer || kind == ListKind::Vendor) {
        q.iterator = Iterator::Start;
        docs.emplace_back("start-" + suffix, build(q));
        q.iterator = Iterator::Continue;
        q.iterator_id = "{84ff5521-205d-46b6-9d44-7b6b9acb7165}";
        docs.emplace_back("continue-" + suffix, build(q));
      }
    }
  }
  EXPECT_TRUE(ValidateDocuments(docs));
}

TEST(MessageSetBuilderTest, EveryKindOfAddValidates) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (ListKind kind : {ListKind::Customer, ListKind::Vendor}) {
    const std::string k(list_element(kind));
    AddRequest a;
    a.kind = kind;
    a.fields.name = "Minimal";
    docs.emplace_back("minimal-" + k, build(a));
    a.fields = full_fields();
    docs.emplace_back("full-" + k, build(a));
    a.fields.addr1.clear();
    a.fields.addr2.clear();
    a.fields.city.clear();
    a.fields.state.clear();
    a.fields.postal_code.clear();
    a.fields.country.clear();
    docs.emplace_back("no-address-" + k, build(a));
    // Every optional field far over its limit: shortened into validity.
    AddFields& f = a.fields;
    for (std::string* s : {&f.company_name, &f.first_name, &f.last_name, &f.phone, &f.addr1,
                           &f.addr2, &f.city, &f.state, &f.postal_code, &f.country}) {
      *s = std::string(60, 'x') + "é";
    }
    f.email = std::string(1100, 'e');
    docs.emplace_back("over-long-" + k, build(a));
  }
  AddRequest job;
  job.fields.name = "Kitchen Remodel";
  job.fields.parent_full_name = "Acme Corporation:Phase 2";
  docs.emplace_back("job", build(job));
  // A mixed set, as sync sends it.
  MessageSetBuilder b(k13, OnError::ContinueOnError);
  b.add(job);
  ListQuery q;
  q.kind = ListKind::OtherName;
  q.full_names = {"Kitchen Remodel"};
  b.add(q);
  docs.emplace_back("mixed", b.finish());
  EXPECT_TRUE(ValidateDocuments(docs));
}

// ---- element order and content ------------------------------------------------------------------

TEST(MessageSetBuilderTest, CustomerAddFollowsSchemaOrder) {
  AddRequest a;
  a.fields = full_fields();
  a.fields.parent_full_name = "Parent";
  const std::string xml = build(a);
  EXPECT_THAT(children_of(xml, "CustomerAdd"),
              ElementsAre("Name", "ParentRef", "CompanyName", "FirstName", "LastName",
                          "BillAddress", "Phone", "Email"));
  EXPECT_THAT(children_of(xml, "BillAddress"),
              ElementsAre("Addr1", "Addr2", "City", "State", "PostalCode", "Country"));
  EXPECT_EQ(children_of(xml, "CustomerAddRq").front(), "CustomerAdd");
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, VendorAddUsesVendorAddress) {
  AddRequest a;
  a.kind = ListKind::Vendor;
  a.fields = full_fields();
  const std::string xml = build(a);
  EXPECT_THAT(children_of(xml, "VendorAdd"),
              ElementsAre("Name", "CompanyName", "FirstName", "LastName", "VendorAddress", "Phone",
                          "Email"));
  EXPECT_THAT(xml, Not(HasSubstr("BillAddress")));
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, FilteredQueryFollowsListFilterOrder) {
  ListQuery q;
  q.iterator = Iterator::Start;
  q.max_returned = 10;
  q.from_modified_date = "2024-01-01T00:00:00";
  const std::string xml = build(q);
  const auto names = children_of(xml, "CustomerQueryRq");
  ASSERT_GE(names.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 3),
              ElementsAre("MaxReturned", "ActiveStatus", "FromModifiedDate"));
  EXPECT_THAT(xml, HasSubstr("<CustomerQueryRq requestID=\"1\" iterator=\"Start\">"));
  EXPECT_THAT(xml, HasSubstr("<ActiveStatus>All</ActiveStatus>"));
}

TEST(MessageSetBuilderTest, ActiveOnlyIsLeftToQuickBooksDefault) {
  ListQuery q;
  q.active_status_all = false;
  EXPECT_THAT(build(q), Not(HasSubstr("ActiveStatus")));
}

TEST(MessageSetBuilderTest, EmptyFromModifiedDateIsLeftOut) {
  ListQuery q;
  q.from_modified_date = "";
  EXPECT_THAT(build(q), Not(HasSubstr("FromModifiedDate")));
}

TEST(MessageSetBuilderTest, ByNameQueryHasNoFilters) {
  ListQuery q;
  q.full_names = {"A", "B"};
  q.max_returned = 5;  // ignored: the schema's choice excludes filters here
  const auto names = children_of(build(q), "CustomerQueryRq");
  EXPECT_EQ(names.at(0), "FullName");
  EXPECT_EQ(names.at(1), "FullName");
  EXPECT_EQ(names.at(2), "IncludeRetElement");
}

TEST(MessageSetBuilderTest, NamesOnlyAsksForFieldsEachRetHas) {
  // Identity, then the contact fields that are evidence for matching, as each Ret has them
  // (qbxml130.xsd): EmployeeRet has no CompanyName; flat lists have no FullName/ParentRef.
  ListQuery q;
  EXPECT_THAT(include_ret_elements(build(q)),
              ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                          "FullName", "IsActive", "ParentRef", "Sublevel", "CompanyName",
                          "FirstName", "LastName", "BillAddress", "Phone", "AltPhone", "Email"));
  q.kind = ListKind::Vendor;
  EXPECT_THAT(include_ret_elements(build(q)),
              ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                          "IsActive", "CompanyName", "FirstName", "LastName", "VendorAddress",
                          "Phone", "AltPhone", "Email"));
  q.kind = ListKind::Employee;
  EXPECT_THAT(
      include_ret_elements(build(q)),
      ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "IsActive",
                  "FirstName", "LastName", "EmployeeAddress", "Phone", "AltPhone", "Email"));
  q.kind = ListKind::OtherName;
  EXPECT_THAT(include_ret_elements(build(q)),
              ElementsAre("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                          "IsActive", "CompanyName", "FirstName", "LastName", "OtherNameAddress",
                          "Phone", "AltPhone", "Email"));
  q.names_only = false;
  EXPECT_TRUE(include_ret_elements(build(q)).empty());
}

TEST(MessageSetBuilderTest, AddAsksForTheRecordFieldsBack) {
  AddRequest a;
  a.kind = ListKind::Vendor;
  a.fields.name = "V";
  EXPECT_THAT(include_ret_elements(build(a)), ElementsAre("ListID", "TimeCreated", "TimeModified",
                                                          "EditSequence", "Name", "IsActive"));
}

// ---- escaping ---------------------------------------------------------------------------------

TEST(MessageSetBuilderTest, EscapesMarkupInTextAndQuotesInAttributes) {
  ListQuery q;
  q.request_id = "id\"<&>'";
  q.full_names = {"A&B <C> \"D\" 'E'"};
  const std::string xml = build(q);
  EXPECT_THAT(xml, HasSubstr("requestID=\"id&quot;&lt;&amp;&gt;'\""));
  EXPECT_THAT(xml, HasSubstr("<FullName>A&amp;B &lt;C&gt; \"D\" 'E'</FullName>"));
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, KeepsUtf8AsIs) {
  ListQuery q;
  q.full_names = {"Café Zoë – 東京 🚀"};
  EXPECT_THAT(build(q), HasSubstr("<FullName>Café Zoë – 東京 🚀</FullName>"));
}

TEST(MessageSetBuilderTest, DropsControlCharactersAndRepairsInvalidUtf8) {
  ListQuery q;
  q.full_names = {std::string("A\x01"
                              "B\x1f"
                              "C\tD") +
                  "\xC3" + "E" + "\xFF"};
  const std::string xml = build(q);
  EXPECT_THAT(xml, HasSubstr("<FullName>AB"
                             "C\tD\xEF\xBF\xBD"
                             "E\xEF\xBF\xBD</FullName>"));
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, EscapedValuesRoundTripThroughAnXmlParser) {
  const std::vector<std::string> values = {"Tom & Jerry's <Cheese> \"Shop\"", "Jean-Sébastien",
                                           "]]> & &amp; &#233;", "Ünïcödé ñ 東京"};
  for (const auto& v : values) {
    AddRequest a;
    a.request_id = v;
    a.fields.name = v;
    a.fields.company_name = v;
    const std::string xml = build(a);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str())) << xml;
    const auto rq = doc.child("QBXML").child("QBXMLMsgsRq").child("CustomerAddRq");
    EXPECT_EQ(rq.attribute("requestID").value(), v);
    EXPECT_EQ(std::string(rq.child("CustomerAdd").child_value("Name")), v);
    EXPECT_EQ(std::string(rq.child("CustomerAdd").child_value("CompanyName")), v);
  }
}

// ---- shortening -------------------------------------------------------------------------------

TEST(MessageSetBuilderTest, ShortensOverLongFieldsAndReportsThem) {
  AddRequest a;
  a.request_id = "r1";
  a.fields.name = "N";
  a.fields.company_name = std::string(45, 'c');
  a.fields.city = std::string(31, 'y');  // exactly the limit: kept
  a.fields.postal_code = "12345-6789-0123";
  std::vector<Shortened> shortened;
  const std::string xml = build(a, &shortened);
  ASSERT_EQ(shortened.size(), 2u);
  EXPECT_EQ(shortened[0].request_id, "r1");
  EXPECT_EQ(shortened[0].field, "CompanyName");
  EXPECT_EQ(shortened[0].original_length, 45u);
  EXPECT_EQ(shortened[0].limit, 41u);
  EXPECT_EQ(shortened[1].field, "BillAddress/PostalCode");
  EXPECT_EQ(shortened[1].original_length, 15u);
  EXPECT_EQ(shortened[1].limit, 13u);
  EXPECT_THAT(xml, HasSubstr("<CompanyName>" + std::string(41, 'c') + "</CompanyName>"));
  EXPECT_THAT(xml, HasSubstr("<City>" + std::string(31, 'y') + "</City>"));
  EXPECT_THAT(xml, HasSubstr("<PostalCode>12345-6789-01</PostalCode>"));
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, CountsCharactersNotBytes) {
  AddRequest a;
  a.fields.name = "N";
  std::string twenty_five_accents;
  for (int i = 0; i < 25; ++i) twenty_five_accents += "é";  // 50 bytes, 25 characters
  a.fields.first_name = twenty_five_accents;
  a.fields.last_name = twenty_five_accents + "🚀";  // 26 characters, the last one 4 bytes
  std::vector<Shortened> shortened;
  const std::string xml = build(a, &shortened);
  ASSERT_EQ(shortened.size(), 1u);
  EXPECT_EQ(shortened[0].field, "LastName");
  EXPECT_EQ(shortened[0].original_length, 26u);
  EXPECT_THAT(xml, HasSubstr("<FirstName>" + twenty_five_accents + "</FirstName>"));
  EXPECT_THAT(xml, HasSubstr("<LastName>" + twenty_five_accents + "</LastName>"));
  EXPECT_TRUE(ValidateDocument(xml));
}

TEST(MessageSetBuilderTest, ShortensVendorAddressFieldsUnderTheirOwnPath) {
  AddRequest a;
  a.kind = ListKind::Vendor;
  a.fields.name = "V";
  a.fields.state = std::string(30, 's');
  std::vector<Shortened> shortened;
  build(a, &shortened);
  ASSERT_EQ(shortened.size(), 1u);
  EXPECT_EQ(shortened[0].field, "VendorAddress/State");
  EXPECT_EQ(shortened[0].limit, 21u);
}

TEST(MessageSetBuilderTest, NeverShortensTheNameOrTheParent) {
  AddRequest a;
  a.fields.name = std::string(50, 'n');
  a.fields.parent_full_name = std::string(100, 'p');
  std::vector<Shortened> shortened;
  const std::string xml = build(a, &shortened);
  EXPECT_TRUE(shortened.empty());
  EXPECT_THAT(xml, HasSubstr("<Name>" + std::string(50, 'n') + "</Name>"));
  EXPECT_THAT(xml, HasSubstr("<FullName>" + std::string(100, 'p') + "</FullName>"));
}

TEST(MessageSetBuilderTest, ShortensWithoutAReportVector) {
  AddRequest a;
  a.fields.name = "N";
  a.fields.phone = std::string(40, '5');
  EXPECT_THAT(build(a), HasSubstr("<Phone>" + std::string(21, '5') + "</Phone>"));
}

// ---- what the schema cannot express -------------------------------------------------------------

TEST(MessageSetBuilderErrorTest, RejectsQueriesTheSchemaCannotExpress) {
  MessageSetBuilder b(k13, OnError::StopOnError);
  ListQuery both;
  both.full_names = {"A"};
  both.list_ids = {"1-1"};
  EXPECT_THROW(b.add(both), std::invalid_argument);

  ListQuery named_iterator;
  named_iterator.full_names = {"A"};
  named_iterator.iterator = Iterator::Start;
  EXPECT_THROW(b.add(named_iterator), std::invalid_argument);

  ListQuery continue_without_id;
  continue_without_id.iterator = Iterator::Continue;
  EXPECT_THROW(b.add(continue_without_id), std::invalid_argument);

  for (ListKind kind : {ListKind::Employee, ListKind::OtherName}) {
    ListQuery q;
    q.kind = kind;
    q.iterator = Iterator::Start;
    EXPECT_THROW(b.add(q), std::invalid_argument) << list_element(kind);
  }
  ListQuery negative;
  negative.max_returned = -1;
  EXPECT_THROW(b.add(negative), std::invalid_argument);
  EXPECT_TRUE(b.empty());  // nothing half-written
}

TEST(MessageSetBuilderErrorTest, RejectsAddsTheSchemaCannotExpress) {
  MessageSetBuilder b(k13, OnError::StopOnError);
  AddRequest employee;
  employee.kind = ListKind::Employee;
  employee.fields.name = "E";
  EXPECT_THROW(b.add(employee), std::invalid_argument);
  AddRequest nameless;
  EXPECT_THROW(b.add(nameless), std::invalid_argument);
  AddRequest vendor_job;
  vendor_job.kind = ListKind::Vendor;
  vendor_job.fields.name = "V";
  vendor_job.fields.parent_full_name = "P";
  EXPECT_THROW(b.add(vendor_job), std::invalid_argument);
  EXPECT_TRUE(b.empty());
}

// ---- versions ---------------------------------------------------------------------------------

TEST(MessageSetBuilderTest, DeclaresTheVersionItWasGiven) {
  ListQuery q;
  EXPECT_THAT(build(q, Version{5, 0}), HasSubstr("<?qbxml version=\"5.0\"?>"));
  EXPECT_THAT(build(q, Version{12, 0}), HasSubstr("<?qbxml version=\"12.0\"?>"));
}

TEST(MessageSetBuilderTest, UsesIteratorsFromQbxml5) {
  ListQuery q;
  q.iterator = Iterator::Start;
  q.max_returned = 100;
  const std::string xml = build(q, Version{5, 0});
  EXPECT_THAT(xml, HasSubstr("iterator=\"Start\""));
  EXPECT_TRUE(ValidateDocument(xml));
  EXPECT_THROW(build(q, Version{4, 1}), std::invalid_argument);
}

TEST(MessageSetBuilderTest, LeavesIncludeRetElementOutBeforeQbxml4) {
  ListQuery q;
  EXPECT_FALSE(include_ret_elements(build(q, Version{4, 0})).empty());
  EXPECT_TRUE(include_ret_elements(build(q, Version{3, 0})).empty());
  AddRequest a;
  a.fields.name = "N";
  EXPECT_TRUE(include_ret_elements(build(a, nullptr, Version{3, 0})).empty());
}

TEST(VersionTest, PagesOnlyCustomersAndVendorsFromQbxml5) {
  EXPECT_TRUE(can_page(ListKind::Customer, Version{5, 0}));
  EXPECT_TRUE(can_page(ListKind::Vendor, Version{13, 0}));
  EXPECT_FALSE(can_page(ListKind::Customer, Version{4, 1}));
  EXPECT_FALSE(can_page(ListKind::Employee, Version{13, 0}));
  EXPECT_FALSE(can_page(ListKind::OtherName, Version{13, 0}));
}

TEST(VersionTest, ParsesAndPrints) {
  EXPECT_EQ(parse_version("13.0"), (Version{13, 0}));
  EXPECT_EQ(parse_version("4.1"), (Version{4, 1}));
  EXPECT_EQ(to_string(Version{5, 0}), "5.0");
  for (const char* bad : {"", "13", "CA3.0", "13.", ".0", "1.x", "-1.0", "13.0 "}) {
    EXPECT_EQ(parse_version(bad), std::nullopt) << bad;
  }
}

TEST(VersionTest, SupportsFiveThroughThirteen) {
  EXPECT_EQ(minimum_supported_version(), (Version{5, 0}));
  EXPECT_EQ(maximum_supported_version(), (Version{13, 0}));
}

TEST(VersionTest, ChoosesTheHighestListedVersionNotAboveTheReportedOne) {
  const std::vector<Version> pro2006 = {{1, 0}, {1, 1}, {2, 0}, {2, 1},
                                        {3, 0}, {4, 0}, {4, 1}, {5, 0}};
  EXPECT_EQ(choose_version(pro2006, {5, 0}), (Version{5, 0}));
  std::vector<Version> up_to_16 = pro2006;
  for (int m = 6; m <= 16; ++m) up_to_16.push_back({m, 0});
  EXPECT_EQ(choose_version(up_to_16, {16, 0}), (Version{13, 0}));  // our ceiling
  EXPECT_EQ(choose_version(up_to_16, {8, 0}), (Version{8, 0}));    // QBWC's report caps it
  EXPECT_EQ(choose_version({{13, 0}, {12, 0}, {7, 0}}, {12, 1}), (Version{12, 0}));
}

TEST(VersionTest, FallsBackToTheReportedVersionWithoutAList) {
  EXPECT_EQ(choose_version({}, {13, 0}), (Version{13, 0}));
  EXPECT_EQ(choose_version({}, {16, 0}), (Version{13, 0}));
  EXPECT_EQ(choose_version({}, {7, 0}), (Version{7, 0}));
}

TEST(VersionTest, RefusesQuickBooksOlderThanTheMinimum) {
  EXPECT_EQ(choose_version({{1, 0}, {2, 0}, {3, 0}, {4, 0}, {4, 1}}, {4, 1}), std::nullopt);
  EXPECT_EQ(choose_version({}, {4, 1}), std::nullopt);
  EXPECT_EQ(choose_version({{5, 0}, {6, 0}}, {4, 0}), std::nullopt);
}

TEST(ListElementTest, NamesEachList) {
  EXPECT_EQ(list_element(ListKind::Customer), "Customer");
  EXPECT_EQ(list_element(ListKind::Vendor), "Vendor");
  EXPECT_EQ(list_element(ListKind::Employee), "Employee");
  EXPECT_EQ(list_element(ListKind::OtherName), "OtherName");
}

}  // namespace
}  // namespace qblink::qbxml
