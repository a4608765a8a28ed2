// parse_response against every real capture, synthetic shapes QuickBooks produces (iterators,
// jobs, flat lists, character references), and the ways a response can be broken.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "qbxml/qbxml.h"
#include "qbxml_test_util.h"
#include "support/test_support.h"

namespace qblink::qbxml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string capture(const char* name) {
  EXPECT_TRUE(test::has_reference()) << test::reference_missing_message();
  return test::read_file(test::qbxml_captures() / name);
}

// A QuickBooks-style response: no encoding declaration, no <?qbxml?>.
std::string response(const std::string& rs) {
  return "<?xml version=\"1.0\" ?>\n<QBXML>\n<QBXMLMsgsRs>\n" + rs + "\n</QBXMLMsgsRs>\n</QBXML>\n";
}

ParsedResponse parse_ok(const std::string& xml) {
  ParsedResponse r = parse_response(xml);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_THAT(r.error, IsEmpty());
  return r;
}

// ---- the captures -----------------------------------------------------------------------------

TEST(ParseResponseTest, ParsesEveryCapture) {
  ASSERT_TRUE(test::has_reference()) << test::reference_missing_message();
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::qbxml_captures())) {
    const ParsedResponse r = parse_response(test::read_file(e.path()));
    EXPECT_TRUE(r.ok) << e.path() << ": " << r.error;
    EXPECT_FALSE(r.items.empty()) << e.path();
    ++files;
  }
  EXPECT_GE(files, 8);
}

TEST(ParseResponseTest, ReadsCustomerAddStatus0FromQuickBooksPro2006) {
  const auto r = parse_ok(capture("QBPro2006_CustomerAddRs-statusCode0.xml"));
  ASSERT_EQ(r.items.size(), 1u);
  const ResponseItem& it = r.items[0];
  EXPECT_EQ(it.element, "CustomerAddRs");
  EXPECT_TRUE(it.is_list);
  EXPECT_EQ(it.kind, ListKind::Customer);
  EXPECT_TRUE(it.is_add);
  EXPECT_EQ(it.request_id, "Q3VzdG9tZXJBZGR8MTU=");
  EXPECT_EQ(it.status.code, 0);
  EXPECT_EQ(it.status.severity, "Info");
  EXPECT_EQ(it.status.message, "Status OK");
  EXPECT_EQ(it.iterator_remaining, -1);
  EXPECT_THAT(it.iterator_id, IsEmpty());
  ASSERT_EQ(it.records.size(), 1u);
  const ListRecord& c = it.records[0];
  EXPECT_EQ(c.kind, ListKind::Customer);
  EXPECT_EQ(c.list_id, "F0000-1215265593");
  EXPECT_EQ(c.time_created, "2008-07-05T09:46:33-05:00");
  EXPECT_EQ(c.time_modified, "2008-07-05T09:46:33-05:00");
  EXPECT_EQ(c.edit_sequence, "1215265593");
  EXPECT_EQ(c.name, "Shannon 171 Daniels");
  EXPECT_EQ(c.full_name, "Shannon 171 Daniels");
  EXPECT_TRUE(c.is_active);
  EXPECT_EQ(c.sublevel, 0);
  EXPECT_THAT(c.parent_list_id, IsEmpty());
}

TEST(ParseResponseTest, KeepsFullNameAsQuickBooksSentIt) {
  const auto r = parse_ok(capture("qbwc-gem_CustomerAddRs-statusCode0.xml"));
  ASSERT_EQ(r.items.size(), 1u);
  ASSERT_EQ(r.items[0].records.size(), 1u);
  EXPECT_EQ(r.items[0].records[0].name, "mrjoecustomer");
  EXPECT_EQ(r.items[0].records[0].full_name, "Joseph Customer");
  EXPECT_THAT(r.items[0].request_id, IsEmpty());  // requestID is optional
}

TEST(ParseResponseTest, ReadsStatus1NoMatchAndOtherResponseTypes) {
  const auto r =
      parse_ok(capture("flowlink-2014_ItemInventoryQueryRs-statusCode1_SalesOrderAddRs.xml"));
  ASSERT_EQ(r.items.size(), 4u);
  for (int i : {0, 1}) {
    EXPECT_EQ(r.items[i].element, "ItemInventoryQueryRs");
    EXPECT_FALSE(r.items[i].is_list);
    EXPECT_EQ(r.items[i].status.code, 1);
    EXPECT_EQ(r.items[i].status.severity, "Info");
    EXPECT_EQ(r.items[i].status.message,
              "A query request did not find a matching object in QuickBooks");
    EXPECT_THAT(r.items[i].records, IsEmpty());
  }
  EXPECT_EQ(r.items[2].element, "SalesOrderAddRs");
  EXPECT_EQ(r.items[2].status.code, 0);
  EXPECT_THAT(r.items[2].records, IsEmpty());  // not a list we read
  EXPECT_EQ(r.items[3].status.code, 3140);
  EXPECT_EQ(r.items[3].status.severity, "Error");
  EXPECT_THAT(r.items[3].status.message,
              HasSubstr("QuickBooks Customer \"nononononoImNotThereAlrightDylan\" in"));
}

TEST(ParseResponseTest, ReadsStatus500Warning) {
  const auto r = parse_ok(capture("qbwc-gem_CustomerQueryRs-statusCode500-Warn.xml"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_TRUE(r.items[0].is_list);
  EXPECT_FALSE(r.items[0].is_add);
  EXPECT_EQ(r.items[0].status.code, 500);
  EXPECT_EQ(r.items[0].status.severity, "Warn");
  EXPECT_EQ(r.items[0].status.message,
            "The query request has not been fully completed. There was a required element "
            "(\"bleech\") that could not be found in QuickBooks.");
}

TEST(ParseResponseTest, ReadsStatus3120Error) {
  const auto r = parse_ok(capture("qbwc-gem_CustomerQueryRs-statusCode3120-Error.xml"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].status.code, 3120);
  EXPECT_EQ(r.items[0].status.severity, "Error");
  EXPECT_THAT(
      r.items[0].status.message,
      HasSubstr("Object \"8000001B-1405768916\" specified in the request cannot be found."));
}

TEST(ParseResponseTest, ReadsThe3100MessageWithItsQuotes) {
  const auto r = parse_ok(capture("QB-2008_ItemServiceAddRs-statusCode3100.xml"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].element, "ItemServiceAddRs");
  EXPECT_FALSE(r.items[0].is_list);
  EXPECT_EQ(r.items[0].request_id, "SXRlbVNlcnZpY2VBZGR8c2hpcHBpbmc=");
  EXPECT_EQ(r.items[0].status.code, 3100);
  EXPECT_EQ(r.items[0].status.message,
            "The name \"Shipping Item - QuickBooks Inte\" of the list element is already in use.");
}

TEST(ParseResponseTest, KeepsContinueOnErrorBatchInOrder) {
  const auto r = parse_ok(capture("hotglue_CustomerAddRs-batch-statusCodes-0-3100-3250-3130.xml"));
  std::vector<int> codes;
  std::vector<std::string> ids;
  std::vector<std::size_t> records;
  for (const auto& it : r.items) {
    codes.push_back(it.status.code);
    ids.push_back(it.request_id);
    records.push_back(it.records.size());
    EXPECT_TRUE(it.is_add);
  }
  EXPECT_THAT(codes, ElementsAre(0, 3100, 3250, 3130, 0));
  EXPECT_THAT(ids, ElementsAre("ext-mix-1", "ext-mix-2", "ext-mix-3", "ext-mix-4", "ext-mix-5"));
  EXPECT_THAT(records, ElementsAre(1u, 0u, 0u, 0u, 1u));
  EXPECT_EQ(r.items[1].status.message,
            "The name \"HG-BATCH-MIX-1785964184-1\" of the list element is already in use.");
  EXPECT_EQ(r.items[4].records[0].list_id, "8000274D-1785964190");
}

TEST(ParseResponseTest, KeepsTheHcpResponsesAsGenericItems) {
  const auto r =
      parse_ok(capture("QBPro2006_strHCPResponse_HostQuery-CompanyQuery-PreferencesQuery.xml"));
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_EQ(r.items[0].element, "HostQueryRs");
  EXPECT_EQ(r.items[0].request_id, "0");
  EXPECT_EQ(r.items[1].element, "CompanyQueryRs");
  EXPECT_EQ(r.items[2].element, "PreferencesQueryRs");
  for (const auto& it : r.items) EXPECT_FALSE(it.is_list);
}

// ---- synthetic shapes -------------------------------------------------------------------------

TEST(ParseResponseTest, ReadsIteratorAttributes) {
  const auto r = parse_ok(response(
      R"(<CustomerQueryRs requestID="2" statusCode="0" statusSeverity="Info" statusMessage="Status OK" iteratorRemainingCount="1234" iteratorID="{84ff5521-205d-46b6-9d44-7b6b9acb7165}">
<CustomerRet><ListID>80000001-1</ListID><Name>A</Name><FullName>A</FullName></CustomerRet>
<CustomerRet><ListID>80000002-1</ListID><Name>B</Name><FullName>B</FullName></CustomerRet>
</CustomerQueryRs>)"));
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].iterator_id, "{84ff5521-205d-46b6-9d44-7b6b9acb7165}");
  EXPECT_EQ(r.items[0].iterator_remaining, 1234);
  EXPECT_EQ(r.items[0].records.size(), 2u);

  const auto last = parse_ok(response(
      R"(<CustomerQueryRs statusCode="0" statusSeverity="Info" iteratorRemainingCount="0" iteratorID="{x}"/>)"));
  EXPECT_EQ(last.items[0].iterator_remaining, 0);
}

TEST(ParseResponseTest, ReadsAJobUnderItsParent) {
  const auto r = parse_ok(response(R"(<CustomerQueryRs statusCode="0" statusSeverity="Info">
<CustomerRet>
<ListID>80000005-1</ListID><TimeCreated>2024-01-01T10:00:00-05:00</TimeCreated>
<TimeModified>2024-02-01T10:00:00-05:00</TimeModified><EditSequence>1706799600</EditSequence>
<Name>Kitchen Remodel</Name><FullName>Acme Corporation:Kitchen Remodel</FullName>
<IsActive>false</IsActive>
<ClassRef><ListID>C-1</ListID><FullName>ClassName</FullName></ClassRef>
<ParentRef><ListID>80000001-1</ListID><FullName>Acme Corporation</FullName></ParentRef>
<Sublevel>1</Sublevel>
</CustomerRet></CustomerQueryRs>)"));
  const ListRecord& job = r.items.at(0).records.at(0);
  EXPECT_EQ(job.name, "Kitchen Remodel");
  EXPECT_EQ(job.full_name, "Acme Corporation:Kitchen Remodel");
  EXPECT_EQ(job.parent_list_id, "80000001-1");  // not ClassRef's ListID
  EXPECT_EQ(job.list_id, "80000005-1");
  EXPECT_EQ(job.sublevel, 1);
  EXPECT_FALSE(job.is_active);
  EXPECT_EQ(job.edit_sequence, "1706799600");
}

TEST(ParseResponseTest, RebuildsFullNameWhenLeftOut) {
  const auto r = parse_ok(response(R"(<CustomerQueryRs statusCode="0" statusSeverity="Info">
<CustomerRet><ListID>1</ListID><Name>Top</Name></CustomerRet>
<CustomerRet><ListID>2</ListID><Name>Job</Name><ParentRef><FullName>Top</FullName></ParentRef></CustomerRet>
</CustomerQueryRs>)"));
  EXPECT_EQ(r.items[0].records[0].full_name, "Top");
  EXPECT_EQ(r.items[0].records[1].full_name, "Top:Job");
}

TEST(ParseResponseTest, FlatListsUseTheNameAsFullName) {
  for (const char* kind : {"Vendor", "Employee", "OtherName"}) {
    const std::string k = kind;
    const auto r = parse_ok(response(
        "<" + k + "QueryRs requestID=\"n\" statusCode=\"0\" statusSeverity=\"Info\"><" + k +
        "Ret><ListID>L1</ListID><EditSequence>7</EditSequence><Name>Northwind</Name>"
        "<IsActive>true</IsActive><CompanyName>Northwind LLC</CompanyName>"
        "<FullName>ignored</FullName><Sublevel>x</Sublevel></" +
        k + "Ret></" + k + "QueryRs>"));
    const ResponseItem& it = r.items.at(0);
    EXPECT_TRUE(it.is_list) << kind;
    EXPECT_EQ(list_element(it.kind), kind);
    ASSERT_EQ(it.records.size(), 1u) << kind;
    EXPECT_EQ(it.records[0].kind, it.kind);
    EXPECT_EQ(it.records[0].name, "Northwind");
    EXPECT_EQ(it.records[0].full_name, "Northwind");
    EXPECT_EQ(it.records[0].edit_sequence, "7");
  }
}

TEST(ParseResponseTest, ReadsTheContactFieldsOfEachList) {
  const std::pair<std::string, std::string> lists[] = {{"Customer", "BillAddress"},
                                                       {"Vendor", "VendorAddress"},
                                                       {"Employee", "EmployeeAddress"},
                                                       {"OtherName", "OtherNameAddress"}};
  for (const auto& [k, address] : lists) {
    const auto r = parse_ok(response(
        "<" + k + "QueryRs requestID=\"c\" statusCode=\"0\" statusSeverity=\"Info\"><" + k +
        "Ret><ListID>L1</ListID><Name>Reyes Pool Services Inc</Name>"
        "<CompanyName>Reyes Pools</CompanyName><FirstName>Tom</FirstName>"
        "<LastName>Reyes</LastName><" +
        address + "><Addr1>12 Bay Rd</Addr1><City>Tampa</City><PostalCode>33601</PostalCode></" +
        address +
        "><Phone>(555) 014-2277</Phone><AltPhone>555 0199</AltPhone>"
        "<Email>office@reyespools.com</Email></" +
        k + "Ret></" + k + "QueryRs>"));
    const auto& rec = r.items.at(0).records.at(0);
    EXPECT_EQ(rec.company_name, "Reyes Pools") << k;
    EXPECT_EQ(rec.first_name, "Tom") << k;
    EXPECT_EQ(rec.last_name, "Reyes") << k;
    EXPECT_EQ(rec.addr1, "12 Bay Rd") << k;
    EXPECT_EQ(rec.postal_code, "33601") << k;
    EXPECT_EQ(rec.phone, "(555) 014-2277") << k;
    EXPECT_EQ(rec.alt_phone, "555 0199") << k;
    EXPECT_EQ(rec.email, "office@reyespools.com") << k;
  }
}

TEST(ParseResponseTest, ReadsVendorAdd) {
  const auto r = parse_ok(response(
      R"(<VendorAddRs requestID="add-v-1" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><VendorRet><ListID>V-1</ListID><Name>N</Name></VendorRet></VendorAddRs>)"));
  EXPECT_TRUE(r.items[0].is_add);
  EXPECT_EQ(r.items[0].kind, ListKind::Vendor);
  EXPECT_EQ(r.items[0].records.at(0).list_id, "V-1");
}

TEST(ParseResponseTest, DecodesNumericCharacterReferences) {
  const auto r =
      parse_ok(response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet>"
                        "<Name>Jean-S&#233;bastien &amp; Zo&#xEB; &#26481;&#20140;</Name>"
                        "<FullName>Jean-S&#233;bastien &amp; Zo&#xEB; &#26481;&#20140;</FullName>"
                        "</CustomerRet></CustomerQueryRs>"));
  EXPECT_EQ(r.items[0].records[0].name, "Jean-Sébastien & Zoë 東京");
  EXPECT_EQ(r.items[0].records[0].full_name, "Jean-Sébastien & Zoë 東京");
}

TEST(ParseResponseTest, IgnoresUnknownElementsAttributesAndResponses) {
  const auto r = parse_ok(response(
      R"(<FutureThingQueryRs statusCode="0" statusSeverity="Info" newAttribute="x"><FutureRet/></FutureThingQueryRs>
<CustomerTypeQueryRs statusCode="0" statusSeverity="Info"><CustomerTypeRet><Name>T</Name></CustomerTypeRet></CustomerTypeQueryRs>
<CustomerQueryRs statusCode="0" statusSeverity="Info" retCount="1">
<UnknownBeforeRet/>
<CustomerRet><ListID>1</ListID><NewField>z</NewField><Name>A</Name><PreferredDeliveryMethod>Mail</PreferredDeliveryMethod></CustomerRet>
</CustomerQueryRs>)"));
  ASSERT_EQ(r.items.size(), 3u);
  EXPECT_FALSE(r.items[0].is_list);
  EXPECT_FALSE(r.items[1].is_list);  // CustomerType is not Customer
  EXPECT_THAT(r.items[1].records, IsEmpty());
  ASSERT_EQ(r.items[2].records.size(), 1u);
  EXPECT_EQ(r.items[2].records[0].name, "A");
}

TEST(ParseResponseTest, AcceptsAnEmptyMessageSet) {
  const auto r = parse_ok("<?xml version=\"1.0\" ?><QBXML><QBXMLMsgsRs/></QBXML>");
  EXPECT_THAT(r.items, IsEmpty());
}

TEST(ParseResponseTest, ToleratesCommentsAndWhitespace) {
  const auto r = parse_ok(
      "\xEF\xBB\xBF<?xml version=\"1.0\" ?>\r\n<!-- c -->\r\n<QBXML>\r\n<!-- c -->\r\n"
      "<QBXMLMsgsRs>\r\n<CustomerQueryRs statusCode=\"1\" statusSeverity=\"Info\" />\r\n"
      "</QBXMLMsgsRs></QBXML>\r\n");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].status.code, 1);
}

TEST(ParseResponseTest, HonoursAnIso88591Declaration) {
  const auto r = parse_ok(
      "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><QBXML><QBXMLMsgsRs>"
      "<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet><Name>Caf\xE9</Name>"
      "</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>");
  EXPECT_EQ(r.items[0].records[0].name, "Café");
}

TEST(ParseResponseTest, DoesNotExpandDoctypeEntities) {
  const auto r = parse_ok(
      "<?xml version=\"1.0\"?><!DOCTYPE QBXML [<!ENTITY x \"EXPANDED\">]><QBXML><QBXMLMsgsRs>"
      "<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet><Name>&x;</Name>"
      "</CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>");
  EXPECT_EQ(r.items[0].records[0].name, "&x;");
}

// Our escaping, read back by our parser: the text the builder writes for a name is embedded in a
// response the way QuickBooks would echo it.
TEST(ParseResponseTest, RoundTripsWhatTheBuilderEscaped) {
  for (const std::string name :
       {"Tom & Jerry's <Cheese> \"Shop\"", "Jean-Sébastien", "]]> &amp; &#233;", "東京 🚀"}) {
    MessageSetBuilder b(Version{13, 0}, OnError::StopOnError);
    AddRequest a;
    a.fields.name = name;
    b.add(a);
    const std::string xml = b.finish();
    const auto begin = xml.find("<Name>");
    const auto end = xml.find("</Name>");
    ASSERT_NE(begin, std::string::npos);
    const std::string escaped_element = xml.substr(begin, end + 7 - begin);
    const auto r =
        parse_ok(response("<CustomerAddRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet>" +
                          escaped_element + "</CustomerRet></CustomerAddRs>"));
    EXPECT_EQ(r.items.at(0).records.at(0).name, name);
    EXPECT_EQ(r.items.at(0).records.at(0).full_name, name);
  }
}

// ---- broken responses ---------------------------------------------------------------------------

void expect_error(const std::string& xml, const std::string& fragment) {
  const ParsedResponse r = parse_response(xml);
  EXPECT_FALSE(r.ok) << xml;
  EXPECT_THAT(r.items, IsEmpty());
  EXPECT_THAT(r.error, HasSubstr(fragment)) << xml;
}

TEST(ParseResponseErrorTest, RejectsEmptyAndBlankInput) {
  expect_error("", "empty");
  expect_error("   \n", "offset");
}

TEST(ParseResponseErrorTest, RejectsMalformedXmlWithItsOffset) {
  const std::string bad =
      "<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\">"
      "</QBXMLMsgsRs></QBXML>";
  const ParsedResponse r = parse_response(bad);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("not well-formed"));
  EXPECT_THAT(r.error, testing::MatchesRegex(".*at offset [0-9]+$"));
  expect_error("Object reference not set to an instance of an object.", "offset");
  expect_error("<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode=\"0></QBXMLMsgsRs></QBXML>",
               "offset");
}

TEST(ParseResponseErrorTest, RejectsEveryTruncationOfARealResponse) {
  const std::string full = capture("hotglue_CustomerAddRs-batch-statusCodes-0-3100-3250-3130.xml");
  const std::size_t complete = full.find("</QBXML>") + 8;
  for (std::size_t n = 0; n < complete; ++n) {
    const ParsedResponse r = parse_response(std::string_view(full).substr(0, n));
    EXPECT_FALSE(r.ok) << "truncated at " << n;
    EXPECT_FALSE(r.error.empty()) << "truncated at " << n;
  }
}

TEST(ParseResponseErrorTest, RejectsAWrongRoot) {
  expect_error(
      "<QBXMLMsgsRs><CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"/></QBXMLMsgsRs>",
      "root element is <QBXMLMsgsRs>");
  expect_error("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
               "root element is <soap:Envelope>");
  expect_error("<QBXML><QBXMLMsgsRq onError=\"stopOnError\"/></QBXML>", "no <QBXMLMsgsRs>");
}

TEST(ParseResponseErrorTest, RejectsMissingOrBadStatusAttributes) {
  expect_error(response("<CustomerQueryRs statusSeverity=\"Info\"/>"),
               "<CustomerQueryRs> has no statusCode");
  expect_error(response("<CustomerQueryRs statusCode=\"ok\" statusSeverity=\"Info\"/>"),
               "non-numeric statusCode");
  expect_error(response("<CustomerQueryRs statusCode=\"\" statusSeverity=\"Info\"/>"),
               "non-numeric statusCode");
  expect_error(response("<CustomerQueryRs statusCode=\"0\"/>"), "has no statusSeverity");
  // One bad Rs fails the whole set: its position decides what the others mean.
  expect_error(response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"/>"
                        "<VendorQueryRs statusCode=\"0\"/>"),
               "<VendorQueryRs> has no statusSeverity");
}

TEST(ParseResponseErrorTest, RejectsMalformedValuesWeRelyOn) {
  expect_error(response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\" "
                        "iteratorRemainingCount=\"many\"/>"),
               "iteratorRemainingCount");
  expect_error(response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\" "
                        "iteratorRemainingCount=\"-3\"/>"),
               "iteratorRemainingCount");
  expect_error(
      response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet>"
               "<ListID>1</ListID><IsActive>yes</IsActive></CustomerRet></CustomerQueryRs>"),
      "IsActive \"yes\"");
  expect_error(
      response("<CustomerQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CustomerRet>"
               "<ListID>1</ListID><Sublevel>one</Sublevel></CustomerRet></CustomerQueryRs>"),
      "Sublevel \"one\"");
}

// Random damage to a real response must never crash, and whatever parses must be consistent.
TEST(ParseResponseErrorTest, SurvivesRandomCorruption) {
  const std::string base = capture("hotglue_CustomerAddRs-batch-statusCodes-0-3100-3250-3130.xml");
  std::mt19937 rng(12345);
  const std::string alphabet = "<>/&;\"'=#x0a \n\xC3\xFF";
  for (int round = 0; round < 3000; ++round) {
    std::string doc = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % doc.size();
      switch (rng() % 3) {
        case 0:
          doc[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          doc.erase(at, 1 + rng() % 8);
          break;
        default:
          doc.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    const ParsedResponse r = parse_response(doc);
    EXPECT_EQ(r.ok, r.error.empty()) << doc;
    if (!r.ok) {
      EXPECT_THAT(r.items, IsEmpty());
    }
  }
}

}  // namespace
}  // namespace qblink::qbxml
