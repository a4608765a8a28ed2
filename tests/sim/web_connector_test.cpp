#include "sim/web_connector.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <pugixml.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "sim/company.h"
#include "sim/fake_quickbooks.h"
#include "support/test_support.h"

namespace qblink::sim {
namespace {

// ------------------------------------------------------------ answers written by hand

std::string esc(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string envelope(const std::string& payload) {
  return R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>)" +
         payload + "</soap:Body></soap:Envelope>";
}

std::string result_answer(const std::string& method, const std::string& inner) {
  return envelope("<" + method + R"(Response xmlns="http://developer.intuit.com/"><)" + method +
                  "Result>" + inner + "</" + method + "Result></" + method + "Response>");
}

std::string string_answer(const std::string& method, std::string_view text) {
  return result_answer(method, esc(text));
}

std::string auth_answer(const std::vector<std::string>& strings) {
  std::string inner;
  for (const auto& s : strings)
    inner += s.empty() ? "<string />" : "<string>" + esc(s) + "</string>";
  return result_answer("authenticate", inner);
}

const std::string kQuery =
    R"(<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>)"
    R"(<QBXMLMsgsRq onError="stopOnError"><CustomerQueryRq requestID="1">)"
    R"(<ActiveStatus>All</ActiveStatus></CustomerQueryRq></QBXMLMsgsRq></QBXML>)";
const std::string kAdd =
    R"(<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>)"
    R"(<QBXMLMsgsRq onError="stopOnError"><CustomerAddRq requestID="2"><CustomerAdd>)"
    R"(<Name>Beta &amp; Co</Name></CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>)";

// ------------------------------------------------------------ a scripted QBWC server

struct SeenCall {
  std::string method;
  std::map<std::string, std::string> params;
  std::string soap_action;
  std::string content_type;
};

// A minimal conforming QBWC server: hands out `work` one message set at a time, answers 100
// after the last response, "" when nothing is left. A test replaces any method's answer.
class ScriptedServer {
 public:
  using Rule = std::function<std::string(const SeenCall&)>;

  explicit ScriptedServer(bool tls = false) {
    http::ServerOptions opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.worker_threads = 1;
    if (tls) {
      opts.tls_cert = test::test_cert().cert_file;
      opts.tls_key = test::test_cert().key_file;
    }
    server_ =
        std::make_unique<http::Server>(opts, [this](const http::Request& r) { return handle(r); });
    server_->start();
    url = std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port()) +
          "/qbwc";
  }

  std::string url;
  std::deque<std::string> work;
  std::map<std::string, Rule> rules;
  int status = 200;  // HTTP status for every answer

  std::vector<SeenCall> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::vector<std::string> methods() {
    std::vector<std::string> out;
    for (const auto& c : calls()) out.push_back(c.method);
    return out;
  }

 private:
  http::Response handle(const http::Request& request) {
    SeenCall call;
    call.soap_action = request.soap_action;
    call.content_type = request.content_type;
    pugi::xml_document doc;
    if (doc.load_string(request.body.c_str())) {
      auto payload = doc.first_child().first_child().first_child();  // Envelope/Body/<method>
      call.method = payload.name();
      for (auto p : payload.children()) call.params[p.name()] = p.child_value();
    }
    std::lock_guard lock(mu_);
    calls_.push_back(call);
    http::Response response;
    response.status = static_cast<unsigned>(status);
    auto rule = rules.find(call.method);
    response.body = rule != rules.end() ? rule->second(call) : conforming(call);
    return response;
  }

  std::string conforming(const SeenCall& c) {
    const auto& m = c.method;
    if (m == "serverVersion") return string_answer(m, "scripted 1.0");
    if (m == "clientVersion") return string_answer(m, "");
    if (m == "authenticate") return auth_answer({"T-1", ""});
    if (m == "sendRequestXML") {
      if (work.empty()) return string_answer(m, "");
      auto next = work.front();
      work.pop_front();
      return string_answer(m, next);
    }
    if (m == "receiveResponseXML") return result_answer(m, work.empty() ? "100" : "50");
    if (m == "getLastError") return string_answer(m, "Nothing more to do.");
    if (m == "connectionError") return string_answer(m, "done");
    if (m == "closeConnection") return string_answer(m, "OK");
    return "";
  }

  std::mutex mu_;
  std::vector<SeenCall> calls_;
  std::unique_ptr<http::Server> server_;
};

using Methods = std::vector<std::string>;

class WebConnectorTest : public ::testing::Test {
 protected:
  WebConnectorTest()
      : company(parse_company_json(R"({"customers":[{"name":"Acme Ltd"}]})", "test")),
        quickbooks(company) {}

  WebConnectorOptions options(const ScriptedServer& server) {
    WebConnectorOptions o;
    o.url = server.url;
    o.user = "alice";
    o.password = "secret";
    o.owner_id = "{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}";
    o.noop_pause_ms = 0;
    return o;
  }

  SessionResult run(ScriptedServer& server, std::function<void(WebConnectorOptions&)> tweak = {}) {
    auto o = options(server);
    if (tweak) tweak(o);
    WebConnector wc(o, quickbooks);
    return wc.run_session();
  }

  bool has_customer(const std::string& name) {
    return std::any_of(company.customers.begin(), company.customers.end(),
                       [&](const Entity& e) { return e.name == name; });
  }

  Company company;
  FakeQuickBooks quickbooks;
};

// ------------------------------------------------------------ conforming servers

void expect_conforming_session(ScriptedServer& server, const SessionResult& r,
                               const Company& company) {
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.methods(), (Methods{"serverVersion", "clientVersion", "authenticate",
                                       "sendRequestXML", "receiveResponseXML", "sendRequestXML",
                                       "receiveResponseXML", "closeConnection"}));
  EXPECT_EQ(r.calls.size(), 8u);
  EXPECT_EQ(r.requests_sent, 2u);
  EXPECT_EQ(r.close_message, "OK");

  const auto calls = server.calls();
  for (const auto& c : calls) {
    EXPECT_EQ(c.soap_action, "http://developer.intuit.com/" + c.method);
    EXPECT_EQ(c.content_type, "text/xml; charset=utf-8");
  }
  EXPECT_EQ(calls[1].params.at("strVersion"), "2.3.0.215");
  EXPECT_EQ(calls[2].params.at("strUserName"), "alice");
  EXPECT_EQ(calls[2].params.at("strPassword"), "secret");
  // First sendRequestXML: HostQuery/CompanyQuery/PreferencesQuery; later ones: empty (PG p.22).
  EXPECT_NE(calls[3].params.at("strHCPResponse").find("HostQueryRs"), std::string::npos);
  EXPECT_EQ(calls[5].params.at("strHCPResponse"), "");
  EXPECT_EQ(calls[3].params.at("ticket"), "T-1");
  EXPECT_EQ(calls[3].params.at("strCompanyFileName"), company.file_path);
  EXPECT_EQ(calls[3].params.at("qbXMLCountry"), company.country);
  EXPECT_EQ(calls[3].params.at("qbXMLMajorVers"), std::to_string(company.qbxml_major));
  EXPECT_EQ(calls[3].params.at("qbXMLMinorVers"), std::to_string(company.qbxml_minor));
  EXPECT_NE(calls[4].params.at("response").find("CustomerQueryRs"), std::string::npos);
  EXPECT_NE(calls[6].params.at("response").find("CustomerAddRs"), std::string::npos);
  EXPECT_EQ(calls[6].params.at("hresult"), "");
}

TEST_F(WebConnectorTest, RunsAConformingSessionInQbwcOrder) {
  ScriptedServer server;
  server.work = {kQuery, kAdd};
  auto r = run(server);
  expect_conforming_session(server, r, company);
  EXPECT_TRUE(has_customer("Beta & Co"));  // escaped twice on the wire, once in qbXML
}

TEST_F(WebConnectorTest, RunsAConformingSessionOverHttps) {
  ScriptedServer server(/*tls=*/true);
  server.work = {kQuery, kAdd};
  auto r = run(server);
  expect_conforming_session(server, r, company);
}

TEST_F(WebConnectorTest, NothingToSendGoesThroughGetLastError) {
  ScriptedServer server;  // no work: sendRequestXML answers ""
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.methods(), (Methods{"serverVersion", "clientVersion", "authenticate",
                                       "sendRequestXML", "getLastError", "closeConnection"}));
  EXPECT_EQ(r.last_error, "Nothing more to do.");
  EXPECT_EQ(r.requests_sent, 0u);
}

TEST_F(WebConnectorTest, NoOpPausesAndAsksAgain) {
  ScriptedServer server;
  int asked = 0;
  server.rules["getLastError"] = [&](const SeenCall&) {
    return string_answer("getLastError", ++asked == 1 ? "NoOp" : "Done for now");
  };
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "sendRequestXML",
                     "getLastError", "sendRequestXML", "getLastError", "closeConnection"}));
  EXPECT_EQ(server.calls()[5].params.at("strHCPResponse"), "");
}

TEST_F(WebConnectorTest, NegativePercentGoesThroughGetLastErrorThenCloses) {
  ScriptedServer server;
  server.work = {kQuery, kAdd};
  server.rules["receiveResponseXML"] = [](const SeenCall&) {
    return result_answer("receiveResponseXML", "-1");
  };
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "sendRequestXML",
                     "receiveResponseXML", "getLastError", "closeConnection"}));
}

TEST_F(WebConnectorTest, NoneMeansNothingToDoAndCloses) {
  ScriptedServer server;
  server.rules["authenticate"] = [](const SeenCall&) { return auth_answer({"T-1", "none"}); };
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.nothing_to_do);
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "closeConnection"}));
}

TEST_F(WebConnectorTest, NvuFailsAsInvalidUser) {
  ScriptedServer server;
  server.rules["authenticate"] = [](const SeenCall&) { return auth_answer({"", "nvu"}); };
  auto r = run(server);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("invalid user"), std::string::npos) << r.error;
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "closeConnection"}));
}

TEST_F(WebConnectorTest, ClientVersionErrorStopsBeforeAuthenticate) {
  ScriptedServer server;
  server.rules["clientVersion"] = [](const SeenCall&) {
    return string_answer("clientVersion", "E:Upgrade to 2.3 please");
  };
  auto r = run(server);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("Upgrade to 2.3 please"), std::string::npos) << r.error;
  EXPECT_EQ(server.methods(), (Methods{"serverVersion", "clientVersion"}));
}

TEST_F(WebConnectorTest, ClientVersionWarningIsRecordedAndTheSessionGoesOn) {
  ScriptedServer server;
  server.rules["clientVersion"] = [](const SeenCall&) {
    return string_answer("clientVersion", "W:Consider upgrading");
  };
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("Consider upgrading"), std::string::npos);
}

TEST_F(WebConnectorTest, CompanyNotOpenCallsConnectionErrorUntilDone) {
  ScriptedServer server;
  int asked = 0;
  server.rules["connectionError"] = [&](const SeenCall& c) {
    EXPECT_EQ(c.params.at("hresult"), "0x80040408");
    return string_answer("connectionError", ++asked < 2 ? "" : "DONE");
  };
  auto r = run(server, [](WebConnectorOptions& o) { o.company_not_open = true; });
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.fault_injected);
  EXPECT_EQ(server.methods(), (Methods{"serverVersion", "clientVersion", "authenticate",
                                       "connectionError", "connectionError"}));
}

TEST_F(WebConnectorTest, ConnectionErrorGivesUpAfterThreeRetries) {
  ScriptedServer server;
  server.rules["connectionError"] = [](const SeenCall&) {
    return string_answer("connectionError", "");
  };
  auto r = run(server, [](WebConnectorOptions& o) { o.company_not_open = true; });
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.fault_injected);  // a server that never says done is the server's fault
  const auto methods = server.methods();
  EXPECT_EQ(std::count(methods.begin(), methods.end(), "connectionError"), 3);
}

TEST_F(WebConnectorTest, WrongCompanyPathFallsBackToTheOpenCompany) {
  ScriptedServer server;
  server.work = {kQuery};
  server.rules["authenticate"] = [](const SeenCall&) {
    return auth_answer({"T-1", R"(C:\Elsewhere\Other.QBW)"});
  };
  server.rules["connectionError"] = [](const SeenCall&) {
    return string_answer("connectionError", "");  // "" = use the company open in QuickBooks
  };
  auto r = run(server);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "connectionError",
                     "sendRequestXML", "receiveResponseXML", "closeConnection"}));
}

TEST_F(WebConnectorTest, DroppedResponseLeavesTheChangeInQuickBooks) {
  ScriptedServer server;
  server.work = {kAdd};
  auto o = options(server);
  o.drop_response_at = 1;
  WebConnector wc(o, quickbooks);
  auto r = wc.run_session();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.fault_injected);
  EXPECT_NE(r.error.find("connection lost"), std::string::npos) << r.error;
  EXPECT_EQ(server.methods(),
            (Methods{"serverVersion", "clientVersion", "authenticate", "sendRequestXML"}));
  EXPECT_TRUE(has_customer("Beta & Co"));

  // The count is per WebConnector: the next session's first response gets through.
  server.work = {kQuery};
  auto again = wc.run_session();
  EXPECT_TRUE(again.ok) << again.error;
}

TEST_F(WebConnectorTest, EndlessServerIsCaught) {
  ScriptedServer server;
  server.rules["sendRequestXML"] = [](const SeenCall&) {
    return string_answer("sendRequestXML", kQuery);
  };
  server.rules["receiveResponseXML"] = [](const SeenCall&) {
    return result_answer("receiveResponseXML", "0");
  };
  auto r = run(server, [](WebConnectorOptions& o) { o.max_round_trips = 5; });
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("never finishes"), std::string::npos) << r.error;
  EXPECT_EQ(r.requests_sent, 5u);
}

// ------------------------------------------------------------ several servers (issue 14)

std::vector<std::size_t> servers_of(const SessionResult& r) {
  std::vector<std::size_t> out;
  for (const auto& c : r.calls) out.push_back(c.server);
  return out;
}

TEST_F(WebConnectorTest, SeveralUrlsGetTheCallsRoundRobinAcrossSessions) {
  ScriptedServer a, b, c, d;
  d.work = {kQuery};  // d is asked for work
  auto o = options(a);
  o.more_urls = {b.url, c.url, d.url};
  WebConnector wc(o, quickbooks);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  // serverVersion, clientVersion, authenticate, sendRequestXML, receiveResponseXML (100),
  // closeConnection: one call each in turn.
  EXPECT_EQ(servers_of(r), (std::vector<std::size_t>{0, 1, 2, 3, 0, 1}));
  EXPECT_EQ(a.methods(), (Methods{"serverVersion", "receiveResponseXML"}));
  EXPECT_EQ(b.methods(), (Methods{"clientVersion", "closeConnection"}));
  EXPECT_EQ(c.methods(), (Methods{"authenticate"}));
  EXPECT_EQ(d.methods(), (Methods{"sendRequestXML"}));
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.requests_sent, 1u);

  // The turn carries on: the next session starts where this one stopped.
  const auto again = wc.run_session();
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(servers_of(again).front(), 2u);
}

TEST_F(WebConnectorTest, AServerThatRefusesConnectionsIsSkippedLikeABalancerWould) {
  ScriptedServer a, c;
  std::string dead_url;
  {
    ScriptedServer gone;  // its port is closed once it is destroyed
    dead_url = gone.url;
  }
  auto o = options(a);
  o.more_urls = {dead_url, c.url};
  WebConnector wc(o, quickbooks);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  for (const auto& call : r.calls) EXPECT_NE(call.server, 1u) << call.method;
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.front().find("refused"), std::string::npos) << r.warnings.front();
}

TEST_F(WebConnectorTest, OneUrlThatRefusesFailsTheSession) {
  std::string dead_url;
  {
    ScriptedServer gone;
    dead_url = gone.url;
  }
  auto r =
      run(*std::make_unique<ScriptedServer>(), [&](WebConnectorOptions& o) { o.url = dead_url; });
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("serverVersion: no answer from the server"), std::string::npos) << r.error;
}

TEST_F(WebConnectorTest, AfterQuickBooksNamesTheServerThatHandedOutTheRequest) {
  ScriptedServer a, b;
  a.work = {kAdd};
  b.work = {kAdd};
  auto o = options(a);
  o.more_urls = {b.url};
  std::vector<std::size_t> seen;
  o.after_quickbooks = [&](const std::string& request, std::size_t server) {
    EXPECT_NE(request.find("CustomerAddRq"), std::string::npos);
    seen.push_back(server);
  };
  WebConnector wc(o, quickbooks);
  const auto r = wc.run_session();
  ASSERT_TRUE(r.ok) << r.error;
  // serverVersion a, clientVersion b, authenticate a, sendRequestXML b.
  EXPECT_EQ(seen, (std::vector<std::size_t>{1}));
}

TEST_F(WebConnectorTest, RefusesPlainHttpToARemoteHost) {
  ScriptedServer server;
  auto r = run(server, [](WebConnectorOptions& o) { o.url = "http://qbwc.example.com/qbwc"; });
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("QBWC1010"), std::string::npos) << r.error;
  EXPECT_TRUE(server.calls().empty());
}

// ------------------------------------------------------------ non-conforming answers

struct BadAnswer {
  const char* name;
  const char* method;
  std::string body;
  const char* expected;    // in the error
  bool unparsable = true;  // false: a well-formed answer with a value QBWC refuses
};
void PrintTo(const BadAnswer& bad, std::ostream* os) { *os << bad.name; }

class WebConnectorBadAnswerTest : public WebConnectorTest,
                                  public ::testing::WithParamInterface<BadAnswer> {};

TEST_P(WebConnectorBadAnswerTest, FailsWithAClearMessage) {
  const auto& bad = GetParam();
  ScriptedServer server;
  server.work = {kQuery, kAdd};
  server.rules[bad.method] = [&](const SeenCall&) { return bad.body; };
  auto r = run(server);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.fault_injected);
  EXPECT_EQ(r.error.rfind(bad.method, 0), 0u) << r.error;  // names the method first
  EXPECT_NE(r.error.find(bad.expected), std::string::npos) << r.error;
  EXPECT_EQ(server.methods().back(), bad.method);  // and stops right there
  ASSERT_FALSE(r.calls.empty());
  if (bad.unparsable) {
    EXPECT_EQ(r.calls.back().outcome.rfind("error: ", 0), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Answers, WebConnectorBadAnswerTest,
    ::testing::Values(
        BadAnswer{"WrongNamespace", "serverVersion",
                  envelope(R"(<serverVersionResponse xmlns="http://localhost:8000//">)"
                           "<serverVersionResult>x</serverVersionResult></serverVersionResponse>"),
                  "http://localhost:8000//"},
        BadAnswer{"MissingEmptyString", "authenticate",
                  result_answer("authenticate", "<string>T-1</string>"),
                  "has 1 <string> element(s)"},
        BadAnswer{"Malformed", "sendRequestXML",
                  result_answer("sendRequestXML", "x").substr(0, 120), "not well-formed XML"},
        BadAnswer{"NonIntegerPercent", "receiveResponseXML",
                  result_answer("receiveResponseXML", "50.5"), "'50.5' is not an xsd:int"},
        BadAnswer{"EmptyPercent", "receiveResponseXML", result_answer("receiveResponseXML", ""),
                  "is not an xsd:int"},
        BadAnswer{"SoapFault", "closeConnection",
                  envelope("<soap:Fault><faultcode>soap:Server</faultcode>"
                           "<faultstring>boom</faultstring></soap:Fault>"),
                  "SOAP Fault: boom"},
        BadAnswer{"ClientVersionBadSyntax", "clientVersion",
                  string_answer("clientVersion", "please upgrade"), "QBWC1046", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(WebConnectorTest, HttpErrorStatusFails) {
  ScriptedServer server;
  server.status = 404;
  auto r = run(server);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("serverVersion: HTTP status 404"), std::string::npos) << r.error;
}

// ------------------------------------------------------------ what goes on the wire

// Accepts one connection on a raw socket, records the request head, answers serverVersion and
// closes the listener, so the session stops quickly after the first call.
class RawListener {
 public:
  RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 1) != 0) {
      throw std::runtime_error("raw listener");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve_one(); });
  }
  ~RawListener() {
    join();
    if (fd_ >= 0) ::close(fd_);
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  unsigned short port = 0;
  std::string head, body;

 private:
  void serve_one() {
    int c = ::accept(fd_, nullptr, nullptr);
    ::close(fd_);
    fd_ = -1;
    if (c < 0) return;
    std::string data;
    char buf[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    auto end = data.find("\r\n\r\n");
    head = data.substr(0, end + 2);
    body = data.substr(end + 4);
    if (head.find("Expect: 100-continue") != std::string::npos) {
      const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
      ::send(c, cont.data(), cont.size(), MSG_NOSIGNAL);
    }
    auto cl = head.find("Content-Length: ");
    std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
    while (body.size() < length) {
      auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      body.append(buf, static_cast<std::size_t>(n));
    }
    const std::string answer = string_answer("serverVersion", "raw 1.0");
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
        "Content-Length: " +
        std::to_string(answer.size()) + "\r\nConnection: close\r\n\r\n" + answer;
    ::send(c, response.data(), response.size(), MSG_NOSIGNAL);
    ::close(c);
  }

  int fd_ = -1;
  std::thread thread_;
};

TEST_F(WebConnectorTest, SendsTheHeadersAndBytesQbwcSends) {
  ASSERT_TRUE(test::has_reference());
  RawListener raw;
  WebConnectorOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(raw.port) + "/qbwc";
  o.user = "alice";
  WebConnector wc(o, quickbooks);
  auto r = wc.run_session();
  raw.join();
  EXPECT_FALSE(r.ok);  // the listener is gone after serverVersion
  ASSERT_GE(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].outcome, "\"raw 1.0\"");

  EXPECT_EQ(raw.head.rfind("POST /qbwc HTTP/1.1\r\n", 0), 0u) << raw.head;
  for (const char* line : {"SOAPAction: \"http://developer.intuit.com/serverVersion\"\r\n",
                           "Content-Type: text/xml; charset=utf-8\r\n", "Expect: 100-continue\r\n",
                           "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client "
                           "Protocol 2.0.50727.1433)\r\n",
                           "Content-Length: 300\r\n"}) {
    EXPECT_NE(raw.head.find(line), std::string::npos) << line << " not in:\n" << raw.head;
  }
  EXPECT_EQ(raw.body,
            test::read_file(test::reference_dir() /
                            "captures/qbwc-2.0.0.116_2008-07-05/01-serverVersion.request.xml"));
}

}  // namespace
}  // namespace qblink::sim
