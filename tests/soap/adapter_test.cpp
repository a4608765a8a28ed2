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

// serverVersion and clientVersion in QBWC's shape are answered without gSOAP (issue 13); an
// attribute gSOAP ignores on the method element sends the same call through gSOAP. Both answers
// must be the same bytes.
TEST_F(AdapterTest, VersionCallsAnswerTheSameBytesWithAndWithoutGsoap) {
  const auto call = [](const std::string& extra) {
    const std::string open = " xmlns=\"http://developer.intuit.com/\"" + extra;
    const auto client = [&](const std::string& param) {
      return "<clientVersion" + open + ">" + param + "</clientVersion>";
    };
    return std::vector<std::string>{
        "<serverVersion" + open + "/>", "<serverVersion" + open + " />",
        client("<strVersion>2.1.0.30</strVersion>"), client("<strVersion>2.0.1.4</strVersion>"),
        client("<strVersion>1.5</strVersion>"), client("<strVersion>x</strVersion>"),
        client("<strVersion />"), "<clientVersion" + open + "/>",
        "<q:clientVersion xmlns:q=\"http://developer.intuit.com/\"" + extra +
            "><q:strVersion>1.0</q:strVersion></q:clientVersion>",
        // Not QBWC's shape: both take gSOAP's path, and still agree.
        client("<strVersion>1.0 &amp; &lt;b&gt;</strVersion>"),
        client("<strVersion> 2.1 </strVersion>")};
  };
  const auto fast = call("");
  const auto slow = call(" unknown=\"ignored by gSOAP\"");
  for (std::size_t i = 0; i < fast.size(); ++i) {
    const auto a = handle(service, envelope(fast[i]));
    const auto b = handle(service, envelope(slow[i]));
    EXPECT_EQ(a.http_status, 200u) << fast[i];
    EXPECT_EQ(a.http_status, b.http_status) << fast[i];
    EXPECT_EQ(a.content_type, b.content_type) << fast[i];
    EXPECT_EQ(a.body, b.body) << fast[i];
    expect_valid_answer(a, fast[i]);
  }
}

// receiveResponseXML in QBWC's plain shape is read with pugixml, not gSOAP (issue 13): both
// readers must give the same four arguments, byte for byte, for what the Web Connector sends.
bool same_args(const sync::ReceiveResponseArgs& a, const sync::ReceiveResponseArgs& b) {
  return a.ticket == b.ticket && a.response == b.response && a.hresult == b.hresult &&
         a.message == b.message;
}

std::string receive_call(const std::string& params, const std::string& attrs = "") {
  return "<receiveResponseXML xmlns=\"http://developer.intuit.com/\"" + attrs + ">" + params +
         "</receiveResponseXML>";
}

TEST_F(AdapterTest, CapturedReceiveResponseCallsAreReadTheSameWithoutGsoap) {
  int compared = 0;
  for (const auto& file : captured_requests()) {
    const auto body = test::read_file(file);
    if (body.find("receiveResponseXML") == std::string::npos) continue;
    const auto slow = detail::receive_args_gsoap(body);
    ASSERT_TRUE(slow) << file;
    const auto fast = detail::receive_args_plain(body);
    ASSERT_TRUE(fast) << file << ": a captured envelope must take the plain path";
    EXPECT_TRUE(same_args(*fast, *slow)) << file << "\nplain: " << fast->response.substr(0, 200)
                                         << "\ngsoap: " << slow->response.substr(0, 200);
    EXPECT_FALSE(fast->response.empty() && fast->hresult.empty()) << file;
    ++compared;
  }
  EXPECT_GE(compared, 5);
}

TEST_F(AdapterTest, OddReceiveResponseEnvelopesAreReadTheSameOrLeftToGsoap) {
  const std::vector<std::string> plain_shapes = {
      receive_call("<ticket>t-1</ticket><response>&lt;QBXML&gt;&amp;amp;&#233;&#xE9;"
                   "&quot;&apos;&lt;/QBXML&gt;</response><hresult/><message/>"),
      receive_call("<ticket> spaced ticket </ticket><response>a\r\nb\rc\n d </response>"
                   "<hresult>0x80040400</hresult><message>QuickBooks &amp; you</message>"),
      receive_call("\n  <ticket>t</ticket>\n  <response>   </response>\n  <!-- note -->\n"),
      receive_call("<ticket>t</ticket>"),
      receive_call(""),
      receive_call("<message>m</message><hresult>h</hresult><response>r</response>"
                   "<ticket>t</ticket>"),
      "<q:receiveResponseXML xmlns:q=\"http://developer.intuit.com/\"><q:ticket>t</q:ticket>"
      "<q:response>J\xC3\xBCrgen \xE6\x97\xA5</q:response></q:receiveResponseXML>",
  };
  for (const auto& call : plain_shapes) {
    const auto body = envelope(call);
    const auto fast = detail::receive_args_plain(body);
    const auto slow = detail::receive_args_gsoap(body);
    ASSERT_TRUE(fast) << call;
    ASSERT_TRUE(slow) << call;
    EXPECT_TRUE(same_args(*fast, *slow))
        << call << "\nplain: [" << fast->ticket << "][" << fast->response << "][" << fast->hresult
        << "][" << fast->message << "]\ngsoap: [" << slow->ticket << "][" << slow->response << "]["
        << slow->hresult << "][" << slow->message << "]";
  }
  // A character reference beyond U+FFFF (&#128512; too): gSOAP 2.8.124 leaves its ';' behind
  // ("\xF0\x9F\x98\x80;"); the plain reader decodes it as XML says.
  const auto emoji = detail::receive_args_plain(
      envelope(receive_call("<ticket>t</ticket><response>&#x1F600;</response>")));
  ASSERT_TRUE(emoji);
  EXPECT_EQ(emoji->response, "\xF0\x9F\x98\x80");
  // Shapes the plain reader leaves to gSOAP.
  const std::vector<std::string> gsoap_shapes = {
      receive_call("<ticket>t</ticket><response><![CDATA[<QBXML/>]]></response>"),
      receive_call("<ticket>t</ticket><response xsi:nil=\"true\" "
                   "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"),
      receive_call("<ticket>t</ticket><extra>x</extra>"),
      receive_call("<ticket>t</ticket><ticket>u</ticket>"),
      receive_call("<ticket>t<!-- split -->u</ticket>"),
      receive_call("<ticket>t</ticket>", " unknown=\"ignored by gSOAP\""),
      receive_call("<ticket>t</ticket><response>\xC3\x28</response>"),
      receive_call("<ticket>t</ticket>") +
          "<serverVersion xmlns=\"http://developer.intuit.com/\"/>",
      "<receiveResponseXML xmlns=\"urn:other\"><ticket>t</ticket></receiveResponseXML>",
  };
  for (const auto& call : gsoap_shapes)
    EXPECT_FALSE(detail::receive_args_plain(envelope(call))) << call;
}

TEST_F(AdapterTest, ReceiveResponseAnswersTheSameBytesWithAndWithoutGsoap) {
  const std::string params = "<ticket>no-such-ticket</ticket><response>&lt;QBXML/&gt;</response>";
  const auto fast = handle(service, envelope(receive_call(params)));
  const auto slow = handle(service, envelope(receive_call(params, " unknown=\"x\"")));
  EXPECT_EQ(fast.http_status, 200u);
  EXPECT_EQ(fast.http_status, slow.http_status);
  EXPECT_EQ(fast.content_type, slow.content_type);
  EXPECT_EQ(fast.body, slow.body);
  EXPECT_EQ(test::element_text(fast.body, "receiveResponseXMLResult"), "-1") << fast.body;
  expect_valid_answer(fast, "receiveResponseXML");
}

TEST_F(AdapterTest, AVersionCallInAnotherNamespaceOrWithExtraContentIsNotAnsweredAsOne) {
  const std::string ns = " xmlns=\"http://developer.intuit.com/\"";
  EXPECT_EQ(handle(service, envelope("<clientVersion xmlns=\"urn:x\"><strVersion>2.1</strVersion>"
                                     "</clientVersion>"))
                .http_status,
            500u);
  EXPECT_EQ(handle(service, "<?xml version=\"1.0\"?><Envelope><Body><serverVersion" + ns +
                                "/></Body></Envelope>")
                .http_status,
            500u)
      << "an Envelope outside the SOAP namespace is no SOAP call";
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
