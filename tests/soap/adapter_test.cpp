// The gSOAP adapter against real Web Connector envelopes: every captured request body is
// replayed, and every answer must be well-formed and valid against qbwc-soap-body.xsd.
#include "soap/adapter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "store/guid.h"
#include "store/store.h"
#include "support/test_support.h"
#include "support/xml_support.h"
#include "sync/auth.h"
#include "sync/service.h"

namespace qblink::soap {
namespace {

namespace fs = std::filesystem;

class AdapterTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  store::SqliteStore store{(dir / "q.db").string()};
  sync::Service service{store};

  void add_tenant(const std::string& user, const std::string& password, bool with_work) {
    auto tx = store.begin(true);
    store::Tenant t;
    t.username = user;
    t.password_hash = sync::hash_password(password);
    t.file_id = store::make_guid();
    const auto id = tx->add_tenant(t);
    if (with_work) {
      store::AccountRow a;
      a.account_id = "C1";
      a.name = "Acme Plumbing Ltd";
      tx->upsert_account(id, a);
    }
    tx->commit();
  }

  fs::path xsd() const { return test::reference_dir() / "samples/soap/qbwc-soap-body.xsd"; }

  void expect_valid_answer(const SoapResult& r, const std::string& what) {
    EXPECT_EQ(r.http_status, 200u) << what << "\n" << r.body;
    const auto payload = test::soap_body_payload(r.body);
    ASSERT_FALSE(payload.empty()) << what << ": answer is not a SOAP envelope:\n" << r.body;
    const auto v = test::validate_with_xsd(payload, xsd());
    EXPECT_TRUE(v.ok) << what << ": " << v.output << "\n" << payload;
  }

  static std::string envelope(const std::string& inner) {
    return "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope "
           "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>" +
           inner + "</soap:Body></soap:Envelope>";
  }
};

std::vector<fs::path> captured_requests() {
  std::vector<fs::path> files;
  for (const auto& sub : {"captures", "samples/soap"}) {
    for (const auto& e : fs::recursive_directory_iterator(test::reference_dir() / sub)) {
      const auto name = e.path().filename().string();
      if (name.find(".request.") != std::string::npos && name.ends_with(".xml"))
        files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(AdapterTest, EveryCapturedWebConnectorRequestGetsAValidAnswer) {
  ASSERT_TRUE(test::has_reference()) << "reference folder missing: " << test::reference_dir();
  add_tenant("api", "password", /*with_work=*/true);
  const auto files = captured_requests();
  ASSERT_GE(files.size(), 18u) << "expected the 2008 session captures and more";
  const std::regex ticket_re("<(ticket|wcTicket)>[^<]*</(ticket|wcTicket)>");
  std::string ticket = "no-ticket-yet";
  int replayed = 0, answered_with_qbxml = 0;
  for (const auto& file : files) {
    auto body = test::read_file(file);
    body = std::regex_replace(body, ticket_re, "<$1>" + ticket + "</$2>");
    const auto r = handle(service, body);
    expect_valid_answer(r, file.filename().string());
    if (file.filename().string().find("authenticate") != std::string::npos) {
      const auto got = test::element_text(r.body, "string");
      if (!got.empty()) ticket = got;
    }
    // The captured first sendRequestXML carries QuickBooks' company data: with a valid ticket
    // it must be answered with real qbXML work, not an empty string.
    if (file.filename().string().find("sendRequestXML") != std::string::npos &&
        test::element_text(r.body, "sendRequestXMLResult").find("<QBXML>") != std::string::npos)
      ++answered_with_qbxml;
    ++replayed;
  }
  EXPECT_EQ(replayed, static_cast<int>(files.size()));
  EXPECT_GE(answered_with_qbxml, 1) << "no captured sendRequestXML got qbXML back";
  EXPECT_NE(ticket, "no-ticket-yet") << "the captured authenticate must have logged in";
}

TEST_F(AdapterTest, AuthenticateSendsEmptyEntriesAsEmptyStringElements) {
  add_tenant("api", "password", /*with_work=*/true);
  const auto r = handle(service, envelope("<authenticate xmlns=\"http://developer.intuit.com/\">"
                                          "<strUserName>api</strUserName><strPassword>password"
                                          "</strPassword></authenticate>"));
  expect_valid_answer(r, "authenticate");
  // [ticket, ""]: the second entry must be present although empty.
  const std::regex two(
      "<([a-z0-9]+:)?string>[0-9a-f]{32}</([a-z0-9]+:)?string>"
      "<([a-z0-9]+:)?string(/>|></([a-z0-9]+:)?string>)");
  EXPECT_TRUE(std::regex_search(r.body, two)) << r.body;
}

TEST_F(AdapterTest, WrongPasswordAnswersNvu) {
  add_tenant("api", "password", true);
  const auto r = handle(service, envelope("<authenticate xmlns=\"http://developer.intuit.com/\">"
                                          "<strUserName>api</strUserName><strPassword>nope"
                                          "</strPassword></authenticate>"));
  expect_valid_answer(r, "authenticate");
  EXPECT_NE(r.body.find(">nvu<"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, TenantWithNothingToDoGetsNone) {
  add_tenant("idle", "password", /*with_work=*/false);
  const auto r = handle(service, envelope("<authenticate xmlns=\"http://developer.intuit.com/\">"
                                          "<strUserName>idle</strUserName><strPassword>password"
                                          "</strPassword></authenticate>"));
  EXPECT_NE(r.body.find(">none<"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, Utf8UserNamesSurviveTheRoundTrip) {
  add_tenant("Jürgen 日本", "password", true);
  const auto r = handle(service, envelope("<authenticate xmlns=\"http://developer.intuit.com/\">"
                                          "<strUserName>Jürgen 日本</strUserName><strPassword>"
                                          "password</strPassword></authenticate>"));
  EXPECT_EQ(r.body.find(">nvu<"), std::string::npos) << "UTF-8 was mangled:\n" << r.body;
}

TEST_F(AdapterTest, ConnectionErrorAnswersDone) {
  const auto r = handle(service, envelope("<connectionError xmlns=\"http://developer.intuit.com/\">"
                                          "<ticket>x</ticket><hresult>0x80040408</hresult>"
                                          "<message>Could not start QuickBooks.</message>"
                                          "</connectionError>"));
  expect_valid_answer(r, "connectionError");
  EXPECT_EQ(test::element_text(r.body, "connectionErrorResult"), "done");
}

TEST_F(AdapterTest, UnknownTicketGetsNoWorkAndAClearLastError) {
  auto r =
      handle(service, envelope("<sendRequestXML xmlns=\"http://developer.intuit.com/\">"
                               "<ticket>deadbeef</ticket><strHCPResponse /><strCompanyFileName />"
                               "<qbXMLCountry>US</qbXMLCountry><qbXMLMajorVers>13</qbXMLMajorVers>"
                               "<qbXMLMinorVers>0</qbXMLMinorVers></sendRequestXML>"));
  expect_valid_answer(r, "sendRequestXML");
  EXPECT_EQ(test::element_text(r.body, "sendRequestXMLResult"), "");
  r = handle(service, envelope("<getLastError xmlns=\"http://developer.intuit.com/\"><ticket>"
                               "deadbeef</ticket></getLastError>"));
  EXPECT_NE(test::element_text(r.body, "getLastErrorResult").find("Unknown ticket"),
            std::string::npos)
      << r.body;
}

TEST_F(AdapterTest, EmptyBodyIsAClientError) { EXPECT_EQ(handle(service, "").http_status, 400u); }

TEST_F(AdapterTest, NonXmlIsAClientError) {
  EXPECT_EQ(handle(service, "hello there").http_status, 400u);
  EXPECT_EQ(handle(service, "POST / HTTP/1.1\r\n\r\n<x/>").http_status, 400u);
}

TEST_F(AdapterTest, MalformedXmlIsAClientError) {
  EXPECT_EQ(handle(service, "<soap:Envelope><soap:Body><a></b>").http_status, 400u);
}

TEST_F(AdapterTest, DoctypeIsRefusedBeforeGsoapSeesIt) {
  const auto r =
      handle(service, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>" +
                          envelope("<serverVersion xmlns=\"http://developer.intuit.com/\"/>"));
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_NE(r.body.find("DOCTYPE"), std::string::npos);
}

TEST_F(AdapterTest, WellFormedUnknownCallGetsASoapFault) {
  const auto r =
      handle(service, envelope("<launchMissiles xmlns=\"http://developer.intuit.com/\"/>"));
  EXPECT_EQ(r.http_status, 500u);
  EXPECT_NE(r.body.find("Fault"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, WrongNamespaceGetsASoapFault) {
  const auto r = handle(service, envelope("<serverVersion xmlns=\"http://example.com/\"/>"));
  EXPECT_EQ(r.http_status, 500u);
}

TEST_F(AdapterTest, ServerVersionAnswersOurVersion) {
  const auto r =
      handle(service, envelope("<serverVersion xmlns=\"http://developer.intuit.com/\"/>"));
  expect_valid_answer(r, "serverVersion");
  EXPECT_NE(test::element_text(r.body, "serverVersionResult").find("qblink"), std::string::npos);
}

// One element with `n` attributes: gSOAP's attribute handling is quadratic, so before the
// pre-pass 10,000 of them kept a worker busy for seconds (100,000: about four minutes).
std::string many_attributes(std::size_t n) {
  std::string attrs;
  for (std::size_t i = 0; i < n; ++i) attrs += " a" + std::to_string(i) + "=\"v\"";
  return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
         "<serverVersion xmlns=\"http://developer.intuit.com/\"" +
         attrs + "/></soap:Body></soap:Envelope>";
}

TEST_F(AdapterTest, ManyAttributesAreRefusedBeforeGsoapParses) {
  const auto body = many_attributes(20'000);
  const auto start = std::chrono::steady_clock::now();
  const auto r = handle(service, body);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_NE(r.body.find("attributes"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, TooManyAttributesInAllAreRefused) {
  std::string inner;
  for (int i = 0; i < 100; ++i) {
    inner += "<x";
    for (int a = 0; a < 20; ++a) inner += " a" + std::to_string(a) + "='1'";
    inner += "/>";
  }
  const auto r = handle(service, envelope(inner));
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_NE(r.body.find("1024 attributes"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, MillionLevelNestingIsRefusedFast) {
  std::string deep;
  deep.reserve(7'000'010);
  for (int i = 0; i < 1'000'000; ++i) deep += "<a>";
  for (int i = 0; i < 1'000'000; ++i) deep += "</a>";
  const auto start = std::chrono::steady_clock::now();
  const auto r = handle(service, deep);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_NE(r.body.find("nested deeper"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, TooManyElementsAreRefused) {
  std::string inner;
  for (int i = 0; i < 10'001; ++i) inner += "<e/>";
  const auto r = handle(service, envelope(inner));
  EXPECT_EQ(r.http_status, 400u);
  EXPECT_NE(r.body.find("elements"), std::string::npos) << r.body;
}

TEST_F(AdapterTest, ThePrePassIgnoresQuotedTextCommentsAndCdata) {
  // '=' and '>' inside values, comments and CDATA are neither attributes nor tags.
  XmlLimits tight;
  tight.max_attributes = 2;
  tight.max_depth = 5;
  const auto body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><!-- <a b=1 c=2 d=3> -->" +
                    envelope(
                        "<serverVersion xmlns=\"http://developer.intuit.com/\" "
                        "q='a=b=c>d'><![CDATA[<x a=1 b=2 c=3><y><z><w>]]></serverVersion>");
  const auto r = handle(service, body, std::size_t{1} << 20, tight);
  EXPECT_EQ(r.http_status, 200u) << r.body;
  tight.max_attributes = 1;
  EXPECT_EQ(handle(service, body, std::size_t{1} << 20, tight).http_status, 400u);
}

TEST(LeadingTicketTest, FindsTheFirstTicketWhateverItsPrefix) {
  EXPECT_EQ(leading_ticket("<soap:Envelope><soap:Body><receiveResponseXML xmlns=\"x\"><ticket>"
                           "abc123</ticket><response>&lt;QBXML"),
            "abc123");
  EXPECT_EQ(leading_ticket("<e><q:ticket xmlns:q='x'>\n  t1 \n</q:ticket>"), "t1");
  EXPECT_EQ(leading_ticket("<e><interactiveDone><wcTicket>w</wcTicket>"), "w");
  EXPECT_EQ(leading_ticket("<e><tickets>no</tickets><ticket>yes</ticket>"), "yes");
  EXPECT_EQ(leading_ticket("<e><ticket/><response>"), std::nullopt);
  EXPECT_EQ(leading_ticket("<e><ticket>cut off"), std::nullopt);
  EXPECT_EQ(leading_ticket("<e><authenticate><strUserName>u"), std::nullopt);
  EXPECT_EQ(leading_ticket(""), std::nullopt);
}

}  // namespace
}  // namespace qblink::soap
