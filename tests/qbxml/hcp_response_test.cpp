// parse_hcp_response: the HostQuery/CompanyQuery/PreferencesQuery answer QBWC passes in the first
// sendRequestXML, read from the 2008 QuickBooks Pro 2006 capture and its broken variants.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "qbxml/qbxml.h"
#include "qbxml_test_util.h"
#include "support/test_support.h"

namespace qblink::qbxml {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kOwner = "{68b5925b-4347-4784-e58d-35a2d190962f}";

std::string hcp_capture() {
  EXPECT_TRUE(test::has_reference()) << test::reference_missing_message();
  return test::read_file(test::qbxml_captures() /
                         "QBPro2006_strHCPResponse_HostQuery-CompanyQuery-PreferencesQuery.xml");
}

std::string host_rs(const std::string& attrs, const std::string& ret) {
  return "<?xml version=\"1.0\" ?><QBXML><QBXMLMsgsRs><HostQueryRs requestID=\"0\" " + attrs + ">" +
         ret + "</HostQueryRs></QBXMLMsgsRs></QBXML>";
}

TEST(HcpResponseTest, ReadsQuickBooksPro2006) {
  const HostInfo info = parse_hcp_response(hcp_capture(), kOwner);
  ASSERT_TRUE(info.ok) << info.error;
  EXPECT_THAT(info.error, IsEmpty());
  EXPECT_EQ(info.product_name, "QuickBooks Pro 2006");
  EXPECT_EQ(info.country, "US");
  EXPECT_THAT(info.supported_versions,
              ElementsAre(Version{1, 0}, Version{1, 1}, Version{2, 0}, Version{2, 1}, Version{3, 0},
                          Version{4, 0}, Version{4, 1}, Version{5, 0}));
  EXPECT_EQ(info.company_name, "Test Company");
  // The FileID entry, not the AppLock entry under the same OwnerID.
  EXPECT_EQ(info.file_id, "{ee032e95-47f7-2564-096f-2d4545fcb021}");
  // QBWC reported 5/0 for this QuickBooks: that is what we would speak.
  EXPECT_EQ(choose_version(info.supported_versions, Version{5, 0}), (Version{5, 0}));
}

TEST(HcpResponseTest, ComparesTheOwnerIdCaseInsensitivelyWithBraces) {
  const std::string xml = hcp_capture();
  EXPECT_EQ(parse_hcp_response(xml, "{68B5925B-4347-4784-E58D-35A2D190962F}").file_id,
            "{ee032e95-47f7-2564-096f-2d4545fcb021}");
  EXPECT_THAT(parse_hcp_response(xml, "68b5925b-4347-4784-e58d-35a2d190962f").file_id, IsEmpty());
  const HostInfo other = parse_hcp_response(xml, "{00000000-0000-0000-0000-000000000000}");
  EXPECT_TRUE(other.ok);  // a file QBWC has not stamped for us yet is not an error
  EXPECT_THAT(other.file_id, IsEmpty());
}

TEST(HcpResponseTest, SkipsEditionVersionsItCannotRead) {
  const HostInfo info = parse_hcp_response(
      host_rs("statusCode=\"0\" statusSeverity=\"Info\"",
              "<HostRet><ProductName>QuickBooks Pro 2004 (CA)</ProductName><Country>CA</Country>"
              "<SupportedQBXMLVersion>CA2.0</SupportedQBXMLVersion>"
              "<SupportedQBXMLVersion>CA3.0</SupportedQBXMLVersion>"
              "<SupportedQBXMLVersion>1.1</SupportedQBXMLVersion></HostRet>"),
      kOwner);
  ASSERT_TRUE(info.ok) << info.error;
  EXPECT_THAT(info.supported_versions, ElementsAre(Version{1, 1}));
  EXPECT_THAT(info.company_name, IsEmpty());  // no CompanyQueryRs: fine
  EXPECT_EQ(choose_version(info.supported_versions, Version{3, 0}), std::nullopt);
}

TEST(HcpResponseTest, DecodesCharacterReferencesInTheCompanyName) {
  const std::string xml =
      "<?xml version=\"1.0\" ?><QBXML><QBXMLMsgsRs>"
      "<HostQueryRs statusCode=\"0\" statusSeverity=\"Info\"><HostRet>"
      "<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion></HostRet></HostQueryRs>"
      "<CompanyQueryRs statusCode=\"0\" statusSeverity=\"Info\"><CompanyRet>"
      "<CompanyName>Caf&#233; &amp; Co</CompanyName></CompanyRet></CompanyQueryRs>"
      "</QBXMLMsgsRs></QBXML>";
  const HostInfo info = parse_hcp_response(xml, kOwner);
  ASSERT_TRUE(info.ok) << info.error;
  EXPECT_EQ(info.company_name, "Café & Co");
}

void expect_hcp_error(const std::string& xml, const std::string& fragment) {
  const HostInfo info = parse_hcp_response(xml, kOwner);
  EXPECT_FALSE(info.ok) << xml;
  EXPECT_THAT(info.error, HasSubstr(fragment)) << xml;
}

TEST(HcpResponseErrorTest, RejectsEmptyMalformedAndTruncatedInput) {
  expect_hcp_error("", "empty");  // later sendRequestXML calls carry no HCP response
  expect_hcp_error("<QBXML><QBXMLMsgsRs><HostQueryRs></QBXML>", "offset");
  const std::string full = hcp_capture();
  expect_hcp_error(full.substr(0, full.size() / 2), "offset");
}

TEST(HcpResponseErrorTest, RejectsAWrongRoot) {
  expect_hcp_error("<HostQueryRs statusCode=\"0\" statusSeverity=\"Info\"/>",
                   "root element is <HostQueryRs>");
}

TEST(HcpResponseErrorTest, RejectsAResponseWithoutHost) {
  expect_hcp_error(
      "<QBXML><QBXMLMsgsRs><CompanyQueryRs statusCode=\"0\" statusSeverity=\"Info\"/>"
      "</QBXMLMsgsRs></QBXML>",
      "no <HostQueryRs>");
  expect_hcp_error(host_rs("statusCode=\"0\" statusSeverity=\"Info\"", ""), "no <HostRet>");
}

TEST(HcpResponseErrorTest, RejectsMissingOrFailedStatus) {
  expect_hcp_error(host_rs("statusSeverity=\"Info\"", "<HostRet/>"), "no statusCode");
  expect_hcp_error(host_rs("statusCode=\"0\"", "<HostRet/>"), "no statusSeverity");
  expect_hcp_error(
      host_rs("statusCode=\"3250\" statusSeverity=\"Error\" statusMessage=\"nope\"", ""),
      "HostQuery failed: 3250 nope");
}

}  // namespace
}  // namespace qblink::qbxml
